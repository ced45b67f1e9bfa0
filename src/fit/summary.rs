//! The fit's outputs: a Markdown summary, a JSON document of every estimate, the scenario
//! snippets (`laws.ron`) and one Weibull-paper chart per population.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::snippet::{describe, dist_ron, intervals_text, significant, snippets};
use super::{Options, PopulationFit, plot};

/// Every estimate as JSON; times in seconds.
pub fn to_json(fits: &[PopulationFit], options: &Options) -> Value {
    let populations: Vec<Value> = fits
        .iter()
        .map(|p| {
            let s = &p.sample;
            let laws: Vec<Value> = p
                .fits
                .iter()
                .map(|f| {
                    let e = &f.estimate;
                    let names = e.law.family.parameter_names();
                    let params: serde_json::Map<String, Value> = names
                        .iter()
                        .zip(&e.law.params)
                        .map(|(n, v)| (n.to_string(), json!(v)))
                        .collect();
                    let intervals: Value = match &e.intervals {
                        Some(iv) => names
                            .iter()
                            .zip(iv)
                            .map(|(n, (lo, hi))| (n.to_string(), json!([lo, hi])))
                            .collect::<serde_json::Map<_, _>>()
                            .into(),
                        None => Value::Null,
                    };
                    json!({
                        "family": e.law.family,
                        "params": params,
                        "intervals_95": intervals,
                        "log_likelihood": e.log_likelihood,
                        "aic": e.aic,
                        "bic": e.bic,
                        "delta_aic": f.delta_aic,
                        "delta_bic": f.delta_bic,
                        "ks_distance": f.gof.ks_distance,
                        "p_value": f.gof.p_value,
                        "resamples": f.gof.resamples,
                        "scenario": dist_ron(&e.law),
                    })
                })
                .collect();
            let failed: Vec<Value> = p
                .failed
                .iter()
                .map(|(f, why)| json!({"family": f, "reason": why}))
                .collect();
            json!({
                "population": s.population,
                "label": s.population.label(),
                "n": s.observations.len(),
                "ended": s.ended(),
                "right_censored": s.censored(),
                "left_truncated": s.truncated(),
                "best_by_aic": p.fits.first().map(|f| f.estimate.law.family),
                "best_by_bic": p.best_by_bic(),
                "laws": laws,
                "not_fitted": failed,
            })
        })
        .collect();
    json!({
        "time_unit": "seconds",
        "interval": "95% Wald interval on the log scale, from the observed information",
        "goodness_of_fit": "Kolmogorov-Smirnov distance to the Kaplan-Meier estimate; p-value by parametric bootstrap",
        "resamples": options.resamples,
        "seed": options.seed,
        "populations": populations,
    })
}

/// A Markdown summary: per population, one row per law, best first.
pub fn to_markdown(fits: &[PopulationFit], options: &Options) -> String {
    let mut out = String::from("# Laws fitted from field records\n\n");
    let _ = writeln!(
        out,
        "Maximum likelihood with right censoring and left truncation. Intervals are 95% Wald \
         intervals on the log scale (observed information). Laws are ranked by AIC (Δ from the \
         best); KS is the Kolmogorov–Smirnov distance to the Kaplan–Meier estimate, its p-value \
         from {} parametric-bootstrap resamples (seed {}).\n",
        options.resamples, options.seed
    );
    for p in fits {
        let s = &p.sample;
        let _ = writeln!(out, "## {}\n", s.population.label());
        let _ = writeln!(
            out,
            "{} durations: {} ended, {} right-censored, {} left-truncated.\n",
            s.observations.len(),
            s.ended(),
            s.censored(),
            s.truncated()
        );
        if p.fits.is_empty() {
            out.push_str("No law could be fitted.\n\n");
        } else {
            out.push_str("| law | 95% intervals | ΔAIC | ΔBIC | KS | p |\n");
            out.push_str("|---|---|---:|---:|---:|---:|\n");
            for f in &p.fits {
                let e = &f.estimate;
                let iv = intervals_text(e, 3, |n, lo, hi| format!("{n} {lo}–{hi}"))
                    .map(|each| each.join("; "))
                    .unwrap_or_else(|| "—".into());
                let _ = writeln!(
                    out,
                    "| {} | {iv} | {:.2} | {:.2} | {:.4} | {} |",
                    describe(&e.law),
                    f.delta_aic,
                    f.delta_bic,
                    f.gof.ks_distance,
                    f.gof.p_value.map_or("—".into(), |p| significant(p, 3))
                );
            }
            out.push('\n');
        }
        for (family, why) in &p.failed {
            let _ = writeln!(out, "- {} not fitted: {why}", family.name());
        }
        let _ = writeln!(
            out,
            "![Weibull plot](charts/weibull-{}.svg)\n",
            s.population.slug()
        );
    }
    out.push_str("## Scenario snippets\n\n```ron\n");
    out.push_str(&snippets(fits));
    out.push_str("```\n");
    out
}

/// Writes `fit.md`, `fit.json`, `laws.ron` and `charts/weibull-*.svg` into `dir`.
pub fn write_outputs(
    fits: &[PopulationFit],
    options: &Options,
    dir: &Path,
) -> std::io::Result<Vec<PathBuf>> {
    use crate::report::write_atomically;
    std::fs::create_dir_all(dir.join("charts"))?;
    let mut written = vec![];
    let mut put = |name: PathBuf, bytes: Vec<u8>| -> std::io::Result<()> {
        write_atomically(&name, &bytes)?;
        written.push(name);
        Ok(())
    };
    put(dir.join("fit.md"), to_markdown(fits, options).into_bytes())?;
    let json =
        serde_json::to_string_pretty(&to_json(fits, options)).map_err(std::io::Error::other)?;
    put(dir.join("fit.json"), (json + "\n").into_bytes())?;
    put(dir.join("laws.ron"), snippets(fits).into_bytes())?;
    for p in fits {
        let svg = plot::weibull_paper(p).map_err(std::io::Error::other)?;
        let name = format!("weibull-{}.svg", p.sample.population.slug());
        put(dir.join("charts").join(name), svg.into_bytes())?;
    }
    Ok(written)
}
