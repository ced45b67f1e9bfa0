//! Fitted laws written in the scenario language, ready to paste: a fleet's
//! `failure: Failure(lifetime: ..., repair: ...)` and a carrier's
//! `outages: Outages(every: ..., lasting: ...)`, with the quality of each fit in comments.
//!
//! Every fitted family (exponential, Weibull, log-normal, gamma) has a law in the scenario
//! language, so the pasted law is the best by AIC.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::PopulationFit;
use super::law::{Family, Law};
use super::sample::Population;
use crate::engine::Duration;

/// A number with `digits` significant digits, without trailing zeros.
pub fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Each parameter's 95% interval as `each(name, low, high)` writes it, times as durations and
/// other numbers to `digits` significant digits; `None` when the fit has no intervals.
pub fn intervals_text(
    e: &super::optimise::Estimate,
    digits: i32,
    each: impl Fn(&str, String, String) -> String,
) -> Option<Vec<String>> {
    let intervals = e.intervals.as_ref()?;
    let family = e.law.family;
    let names = family.parameter_names();
    let text = names
        .iter()
        .zip(intervals)
        .enumerate()
        .map(|(i, (name, &(lo, hi)))| {
            if family.is_time(i) {
                each(name, duration_string(lo), duration_string(hi))
            } else {
                each(name, significant(lo, digits), significant(hi, digits))
            }
        });
    Some(text.collect())
}

/// A duration in seconds as a scenario duration string with four significant digits in the
/// largest unit it reaches, e.g. `"6.123y"`, `"3.25h"`, `"45.5s"`.
pub fn duration_string(secs: f64) -> String {
    const UNITS: [(&str, f64); 7] = [
        ("y", 365.0 * 86_400.0),
        ("d", 86_400.0),
        ("h", 3_600.0),
        ("min", 60.0),
        ("s", 1.0),
        ("ms", 1e-3),
        ("us", 1e-6),
    ];
    let (unit, size) = UNITS
        .into_iter()
        .find(|&(_, size)| secs >= size)
        .unwrap_or(("us", 1e-6));
    let text = format!("{}{unit}", significant(secs / size, 4));
    if Duration::parse(&text).is_ok() {
        text
    } else {
        // Finer than a tick: the nearest whole tick.
        Duration((secs * 1e6).round().max(1.0) as u64).to_string()
    }
}

/// The law in the scenario language, e.g. `Weibull(shape: 1.8, scale: "6.1y")`; `None` for a
/// family the language does not have (every fitted family has one now).
pub fn dist_ron(law: &Law) -> Option<String> {
    let p = &law.params;
    match law.family {
        Family::Exponential => Some(format!("Exponential(mean: \"{}\")", duration_string(p[0]))),
        Family::Weibull => Some(format!(
            "Weibull(shape: {}, scale: \"{}\")",
            significant(p[0], 4),
            duration_string(p[1])
        )),
        Family::LogNormal => Some(format!(
            "LogNormal(median: \"{}\", sigma: {})",
            duration_string(p[0]),
            significant(p[1], 4)
        )),
        Family::Gamma => Some(format!(
            "Gamma(shape: {}, scale: \"{}\")",
            significant(p[0], 4),
            duration_string(p[1])
        )),
    }
}

/// A law with its parameters written out, for comments: `gamma(shape 2.1, scale 3.2h)`.
pub fn describe(law: &Law) -> String {
    let parts: Vec<String> = law
        .params
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let name = law.family.parameter_names()[i];
            if law.family.is_time(i) {
                format!("{name} {}", duration_string(p))
            } else {
                format!("{name} {}", significant(p, 4))
            }
        })
        .collect();
    format!("{}({})", law.family.name(), parts.join(", "))
}

/// The best law by AIC that the scenario language can write, as RON.
pub fn best_writable(fit: &PopulationFit) -> Option<(Family, String)> {
    fit.fits
        .iter()
        .find_map(|f| dist_ron(&f.estimate.law).map(|ron| (f.estimate.law.family, ron)))
}

/// Comment lines on the quality of one population's fits.
fn quality(fit: &PopulationFit) -> String {
    let s = &fit.sample;
    let mut out = format!(
        "// {}: n = {}, ended {}, right-censored {}, left-truncated {}\n",
        s.population.label(),
        s.observations.len(),
        s.ended(),
        s.censored(),
        s.truncated()
    );
    for f in &fit.fits {
        let e = &f.estimate;
        let intervals = intervals_text(e, 4, |name, lo, hi| format!("{name} [{lo}, {hi}]"))
            .map(|each| each.join(", "))
            .unwrap_or_else(|| "no interval (flat likelihood)".into());
        let p = f
            .gof
            .p_value
            .map_or(String::new(), |p| format!(", p = {}", significant(p, 3)));
        let _ = writeln!(
            out,
            "//   {}: AIC {:.2} (Δ {:.2}), BIC {:.2} (Δ {:.2}); 95% CI {intervals}; KS {:.4}{p}",
            describe(&e.law),
            e.aic,
            f.delta_aic,
            e.bic,
            f.delta_bic,
            f.gof.ks_distance
        );
    }
    for (family, why) in &fit.failed {
        let _ = writeln!(out, "//   {}: not fitted: {why}", family.name());
    }
    out
}

/// The snippets of every fleet and carrier, in name order, as one RON comment-and-field text.
pub fn snippets(fits: &[PopulationFit]) -> String {
    let mut owners: BTreeMap<(bool, &str), Vec<&PopulationFit>> = BTreeMap::new();
    for fit in fits {
        let carrier = matches!(
            fit.sample.population,
            Population::OutageLength(_) | Population::OutageGap(_)
        );
        owners
            .entry((carrier, fit.sample.population.owner()))
            .or_default()
            .push(fit);
    }
    let mut out = String::from(
        "// Laws fitted by `iotwin fit` (maximum likelihood with censoring and truncation).\n\
         // Paste each field into the fleet or carrier of the same name in a scenario.\n",
    );
    for ((carrier, owner), group) in owners {
        let find = |want: fn(&Population) -> bool| {
            group.iter().find(|f| want(&f.sample.population)).copied()
        };
        out.push('\n');
        let (title, first, second, field) = if carrier {
            (
                format!("carrier \"{owner}\""),
                find(|p| matches!(p, Population::OutageGap(_))),
                find(|p| matches!(p, Population::OutageLength(_))),
                ("outages", "Outages", "every", "lasting"),
            )
        } else {
            (
                format!("fleet \"{owner}\""),
                find(|p| matches!(p, Population::Lifetime(_))),
                find(|p| matches!(p, Population::Repair(_))),
                ("failure", "Failure", "lifetime", "repair"),
            )
        };
        let _ = writeln!(out, "// ---- {title} ----");
        for fit in [first, second].into_iter().flatten() {
            out.push_str(&quality(fit));
        }
        let (name, variant, a, b) = field;
        let law_a = first.and_then(best_writable);
        let law_b = second.and_then(best_writable);
        match (law_a, law_b) {
            (Some((_, x)), Some((_, y))) => {
                let _ = writeln!(out, "{name}: {variant}({a}: {x}, {b}: {y}),");
            }
            (x, y) => {
                let _ = writeln!(
                    out,
                    "// {variant} needs both `{a}` and `{b}`; the records gave {}:",
                    if x.is_some() {
                        a
                    } else if y.is_some() {
                        b
                    } else {
                        "neither"
                    }
                );
                for (field, law) in [(a, x), (b, y)] {
                    if let Some((_, ron)) = law {
                        let _ = writeln!(out, "// {field}: {ron}");
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_in_their_largest_unit() {
        assert_eq!(duration_string(6.1234 * 365.0 * 86_400.0), "6.123y");
        assert_eq!(duration_string(3.25 * 3600.0), "3.25h");
        assert_eq!(duration_string(45.5), "45.5s");
        assert_eq!(duration_string(90.0), "1.5min");
        for secs in [1e-7, 0.0123456, 1234.5678, 9.87e9] {
            assert!(Duration::parse(&duration_string(secs)).is_ok(), "{secs}");
        }
    }

    #[test]
    fn every_fitted_family_is_written_as_a_scenario_law() {
        assert_eq!(
            dist_ron(&Law::new(Family::Gamma, vec![2.0, 5.0 * 3600.0])).unwrap(),
            "Gamma(shape: 2, scale: \"5h\")"
        );
        assert_eq!(
            dist_ron(&Law::new(
                Family::Weibull,
                vec![1.8234, 6.0 * 365.0 * 86_400.0]
            ))
            .unwrap(),
            "Weibull(shape: 1.823, scale: \"6y\")"
        );
    }
}
