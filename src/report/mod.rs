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
pub mod shard;
pub mod sweep;
mod table;
pub mod trace;
pub mod tradeoff;
pub mod verdicts;

pub use table::{format_value, judgements_table, summary_table};

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::engine::Duration;
use crate::montecarlo::Summary;

/// The JSON summary: scenario, seed, replication count and each metric's mean and 95% CI
/// half-width. It holds no wall-clock time, so the same inputs give the same bytes.
pub fn summary_json(s: &Summary) -> String {
    let mut metrics = Map::new();
    for (def, e) in s.metrics() {
        metrics.insert(
            def.id.clone(),
            json!({
                "unit": def.unit,
                "definition": def.definition,
                "mean": e.mean,
                "ci95_half_width": e.half_width,
                "replications_defined": e.n,
                "std_dev": e.std_dev,
                "min": e.min,
                "max": e.max,
            }),
        );
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
    header.extend(s.metrics.iter().map(|m| m.id.clone()));
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
/// `dir`, creating it; returns the paths written. `report.html` comes last, so its presence
/// means the whole report is there.
pub fn write_outputs(s: &Summary, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let charts = chart::charts(s).map_err(std::io::Error::other)?;
    let csv = metrics_csv(s).map_err(std::io::Error::other)?;
    let mut files: Vec<(PathBuf, String)> = charts
        .iter()
        .map(|c| {
            (
                Path::new("charts").join(format!("{}.svg", c.kind.stem())),
                c.svg.clone(),
            )
        })
        .collect();
    files.push(("report.md".into(), markdown::report_md(s, &charts)));
    files.push(("summary.json".into(), summary_json(s)));
    files.push(("metrics.csv".into(), csv));
    files.push(("report.html".into(), html::report_html(s, &charts)));
    std::fs::create_dir_all(dir.join("charts"))?;
    // A chart that no longer applies (e.g. costs after the cost model was removed) goes.
    for kind in chart::Kind::ALL {
        if !charts.iter().any(|c| c.kind == kind) {
            let stale = dir.join("charts").join(format!("{}.svg", kind.stem()));
            if stale.exists() {
                std::fs::remove_file(stale)?;
            }
        }
    }
    let mut written = vec![];
    for (name, content) in files {
        let path = dir.join(name);
        write_atomically(&path, content.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Writes to a temporary file beside `path`, then renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
