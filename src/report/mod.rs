//! Outputs of a study: the terminal table, `summary.json`, `metrics.csv`, `report.html`,
//! `report.md` and `charts/*.svg`; [`compare`] formats a comparison of designs (with
//! [`tradeoff`], its cost-against-availability chart), [`sweep`] a sweep.
//!
//! Reports never re-run a simulation; they format a [`Summary`]. Everything is rendered in
//! memory first, then each file is written atomically (a temporary file, then a rename), so a
//! failed chart writes nothing and an interrupted run never leaves half a file.

pub mod chart;
pub mod compare;
mod content;
pub(crate) mod font;
pub mod html;
pub mod markdown;
pub mod output;
pub mod shard;
pub mod sweep;
mod table;
pub mod trace;
pub mod tradeoff;
pub mod verdicts;

pub use table::{csv_text, format_value, judgements_table, summary_table};

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::engine::Duration;
use crate::montecarlo::Summary;

/// The JSON summary: scenario, seed, replication count and each metric's mean and 95% CI
/// half-width. It holds no wall-clock time, so the same inputs give the same bytes.
pub fn summary_json(s: &Summary) -> String {
    let mut metrics = Map::new();
    for (def, e) in s.metrics() {
        let mut entry = json!({
            "unit": def.unit,
            "definition": def.definition,
            "mean": e.mean,
            "ci95_half_width": e.half_width,
            "replications_defined": e.n,
            "std_dev": e.std_dev,
            "min": e.min,
            "max": e.max,
        });
        // An asymmetric interval (Wilson, chi-square): its ends, which the half-width covers.
        if let Some((low, high)) = e.bounds {
            entry["ci95_low"] = json!(low);
            entry["ci95_high"] = json!(high);
        }
        metrics.insert(def.id.clone(), entry);
    }
    let doc = json!({
        "iotwin_version": env!("CARGO_PKG_VERSION"),
        "scenario": s.scenario,
        "seed": s.seed,
        "replications": s.replications,
        "mode": s.mode.name(),
        "horizon": Duration(s.horizon).to_string(),
        "deadline": Duration(s.deadline).to_string(),
        "confidence_level": 0.95,
        "assertions": assertions_json(s),
        "pooled": pooled_json(s),
        "metrics": Value::Object(metrics),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The scenario's `expect` assertions with their verdicts, in the order written.
pub(crate) fn assertions_json(s: &Summary) -> Value {
    let verdicts = s.verdicts.iter().map(|j| {
        let e = &j.expectation;
        json!({
            "metric": e.metric,
            "bound": match e.bound {
                crate::scenario::Bound::AtLeast => "at_least",
                crate::scenario::Bound::AtMost => "at_most",
            },
            "value": e.value,
            "verdict": format!("{:?}", j.verdict).to_lowercase(),
            "mean": j.estimate.mean,
            "ci95_half_width": j.estimate.half_width,
            "replications_defined": j.estimate.n,
            "line": e.location.line,
        })
    });
    Value::Array(verdicts.collect())
}

/// Figures pooled over every replication rather than averaged over them: the 95th percentile
/// of every recovery, with its replication-bootstrap interval (`null` when nothing recovered).
fn pooled_json(s: &Summary) -> Value {
    let ttr = s.recovery_p95.map(|p| {
        json!({
            "value": p.value,
            "ci95_low": p.interval.map(|i| i.0),
            "ci95_high": p.interval.map(|i| i.1),
            "recoveries": p.n,
            "replications_with_recoveries": p.replications,
        })
    });
    json!({ "ttr_p95_s": ttr })
}

/// One row per replication, one column per metric.
pub fn metrics_csv(s: &Summary) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(vec![]);
    let mut header = vec!["replication".to_string()];
    header.extend(s.metrics.iter().map(|m| csv_text(&m.id)));
    w.write_record(&header)?;
    for (r, row) in s.per_replication.iter().enumerate() {
        let mut record = vec![r.to_string()];
        record.extend(row.iter().map(|v| v.to_string()));
        w.write_record(&record)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Writes `charts/*.svg`, `report.md`, `summary.json`, `metrics.csv` and `report.html` into
/// `dir`, creating it, as one change ([`output::write_set`]: a kill leaves the old set or the
/// new one); charts that no longer apply are removed with it. Returns the paths written.
pub fn write_outputs(s: &Summary, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let charts = chart::charts(s).map_err(std::io::Error::other)?;
    let csv = metrics_csv(s).map_err(std::io::Error::other)?;
    let mut files: Vec<(PathBuf, Vec<u8>)> = charts
        .iter()
        .map(|c| {
            (
                Path::new("charts").join(format!("{}.svg", c.kind.stem())),
                c.svg.clone().into_bytes(),
            )
        })
        .collect();
    files.push((
        "report.md".into(),
        markdown::report_md(s, &charts).into_bytes(),
    ));
    files.push(("summary.json".into(), summary_json(s).into_bytes()));
    files.push(("metrics.csv".into(), csv.into_bytes()));
    files.push((
        "report.html".into(),
        html::report_html(s, &charts).into_bytes(),
    ));
    // A chart that no longer applies (e.g. costs after the cost model was removed) goes.
    let stale: Vec<PathBuf> = chart::Kind::ALL
        .into_iter()
        .filter(|kind| !charts.iter().any(|c| c.kind == *kind))
        .map(|kind| Path::new("charts").join(format!("{}.svg", kind.stem())))
        .collect();
    output::write_set(dir, &files, &stale)
}

/// Writes one file atomically, never through a link: see [`output::write_atomically`].
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    output::write_atomically(path, bytes)
}
