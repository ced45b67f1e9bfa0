//! Outputs of `iotwin compare`: the terminal table, `compare.json` and `compare.csv`.
//!
//! Like the run reports they only format a [`Comparison`] and hold no wall-clock time, so the
//! same designs, seed and replication count give the same bytes.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::table::{format_value, half_width};
use super::write_atomically;
use crate::metrics::Better;
use crate::montecarlo::Estimate;
use crate::montecarlo::compare::{Comparison, MetricComparison, Versus};

fn better_name(b: Better) -> &'static str {
    match b {
        Better::Higher => "higher",
        Better::Lower => "lower",
        Better::Neither => "neither",
    }
}

/// The JSON document: designs (baseline first), seed, replications and, per metric, the
/// baseline's estimate and each other design's estimate, paired difference and probabilities.
/// Designs are a list, not a map, so a design compared with itself keeps both entries.
pub fn compare_json(c: &Comparison) -> String {
    let est = |e: &Estimate| json!({"mean": e.mean, "ci95_half_width": e.half_width, "replications_defined": e.n});
    let metrics: Vec<Value> = c
        .metrics
        .iter()
        .map(|m| {
            let versus: Vec<Value> = c.designs[1..]
                .iter()
                .zip(&m.versus)
                .map(|(name, v)| {
                    json!({
                        "design": name,
                        "estimate": est(&v.estimate),
                        "difference": {
                            "mean": v.difference.mean,
                            "ci95_half_width": v.difference.half_width,
                            "pairs": v.difference.n,
                            "std_dev": v.difference.std_dev,
                        },
                        "share_better": v.share_better,
                        "p_better": v.p_better,
                    })
                })
                .collect();
            json!({
                "metric": m.id,
                "unit": m.unit,
                "better": better_name(m.better),
                "baseline": est(&m.baseline),
                "versus": versus,
            })
        })
        .collect();
    let doc = json!({
        "iotwin_version": env!("CARGO_PKG_VERSION"),
        "baseline": c.designs.first(),
        "designs": c.designs,
        "seed": c.seed,
        "replications": c.replications,
        "common_random_numbers": true,
        "confidence_level": 0.95,
        "difference": "design minus baseline, per replication",
        "metrics": metrics,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// One row per metric per design, baseline included (its difference columns empty).
pub fn compare_csv(c: &Comparison) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record([
        "metric",
        "unit",
        "better",
        "design",
        "baseline",
        "mean",
        "ci95_half_width",
        "difference_mean",
        "difference_ci95_half_width",
        "pairs",
        "share_better",
        "p_better",
    ])?;
    let num = |v: f64| v.to_string();
    let opt = |v: Option<f64>| v.map(num).unwrap_or_default();
    let base = c.designs.first().cloned().unwrap_or_default();
    for m in &c.metrics {
        let head = [
            m.id.clone(),
            m.unit.to_string(),
            better_name(m.better).into(),
        ];
        let mut row = head.to_vec();
        row.extend([base.clone(), base.clone(), num(m.baseline.mean)]);
        row.extend([opt(m.baseline.half_width)]);
        row.extend(std::iter::repeat_n(String::new(), 5));
        w.write_record(&row)?;
        for (name, v) in c.designs[1..].iter().zip(&m.versus) {
            let mut row = head.to_vec();
            row.extend([name.clone(), base.clone(), num(v.estimate.mean)]);
            row.extend([opt(v.estimate.half_width), num(v.difference.mean)]);
            row.extend([opt(v.difference.half_width), v.difference.n.to_string()]);
            row.extend([opt(v.share_better), opt(v.p_better)]);
            w.write_record(&row)?;
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Writes `compare.json` and `compare.csv` into `dir` atomically; returns the paths written.
pub fn write_compare_outputs(c: &Comparison, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let csv = compare_csv(c).map_err(std::io::Error::other)?;
    let mut written = vec![];
    for (name, content) in [("compare.json", compare_json(c)), ("compare.csv", csv)] {
        let path = dir.join(name);
        write_atomically(&path, content.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// A difference with its sign, in the metric's unit.
fn signed(value: f64, unit: &str) -> String {
    let text = format_value(value, unit);
    if value > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

/// Cells of one metric row for design `v`: metric, baseline mean, design mean, difference ± CI,
/// wins, P(better).
fn row(m: &MetricComparison, v: &Versus) -> [String; 6] {
    let difference = if v.difference.n == 0 {
        "undefined".to_string()
    } else {
        format!(
            "{} {}",
            signed(v.difference.mean, m.unit),
            half_width(v.difference.half_width, m.unit)
        )
    };
    let wins = match v.share_better {
        Some(s) => format!("{}/{}", (s * v.difference.n as f64).round(), v.difference.n),
        None => "-".into(),
    };
    let p = v.p_better.map_or("-".into(), |p| format!("{p:.3}"));
    [
        m.id.clone(),
        format_value(m.baseline.mean, m.unit),
        format_value(v.estimate.mean, m.unit),
        difference,
        wins,
        p,
    ]
}

/// One section per other design: each common metric with the baseline's mean, the design's,
/// the paired difference with its 95% CI, the replications in which the design is strictly
/// better, and the one-sided paired-t probability that it is better.
pub fn compare_table(c: &Comparison) -> String {
    let Some(base) = c.designs.first() else {
        return String::new();
    };
    let mut out = format!(
        "compare — {} replications each, seed {}, common random numbers; baseline {base}\n",
        c.replications, c.seed
    );
    for (k, name) in c.designs.iter().enumerate().skip(1) {
        let headers = [
            "metric".to_string(),
            base.clone(),
            name.clone(),
            "difference (95% CI)".to_string(),
            "better in".to_string(),
            "P(better)".to_string(),
        ];
        let rows: Vec<[String; 6]> = c.metrics.iter().map(|m| row(m, &m.versus[k - 1])).collect();
        let widths: Vec<usize> = (0..6)
            .map(|i| {
                rows.iter()
                    .chain([&headers])
                    .map(|r| r[i].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String; 6]| {
            let mut text = format!("{:<w$}", cells[0], w = widths[0]);
            for i in 1..6 {
                text.push_str(&format!("  {:>w$}", cells[i], w = widths[i]));
            }
            text.trim_end().to_string() + "\n"
        };
        out.push_str(&format!("\n{name} vs {base}\n"));
        out.push_str(&line(&headers));
        out.push_str(&line(&std::array::from_fn(|i| "-".repeat(widths[i]))));
        for r in &rows {
            out.push_str(&line(r));
        }
    }
    out
}
