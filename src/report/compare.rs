//! Outputs of `iotwin compare`: the terminal table, `compare.json` and `compare.csv`.
//!
//! Like the run reports they only format a [`Comparison`] and hold no wall-clock time, so the
//! same designs, seed and replication count give the same bytes.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::html::{STYLE, escape, strip_xml_declaration};
use super::markdown::escape as md;
use super::table::{clipped, format_value, half_width};
use super::tradeoff::{self, TradeOff};
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
        "mode": c.mode.name(),
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
    let base = super::csv_text(c.designs.first().map_or("", String::as_str));
    for m in &c.metrics {
        let head = [
            super::csv_text(&m.id),
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
            row.extend([super::csv_text(name), base.clone(), num(v.estimate.mean)]);
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
    let csv = compare_csv(c).map_err(std::io::Error::other)?;
    let trade = tradeoff::tradeoff(c);
    let svg = match &trade {
        Ok(t) => Some(tradeoff::svg(t).map_err(std::io::Error::other)?),
        Err(_) => None,
    };
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![];
    let mut stale = vec![];
    match &svg {
        Some(svg) => files.push(("tradeoff.svg".into(), svg.clone().into_bytes())),
        // A chart from an earlier comparison with costs no longer applies.
        None => stale.push(PathBuf::from("tradeoff.svg")),
    }
    files.push(("compare.md".into(), compare_md(c, &trade).into_bytes()));
    files.push(("compare.json".into(), compare_json(c).into_bytes()));
    files.push(("compare.csv".into(), csv.into_bytes()));
    files.push((
        "compare.html".into(),
        compare_html(c, &trade, svg.as_deref()).into_bytes(),
    ));
    super::output::write_set(dir, &files, &stale)
}

/// `mean (low to high)` with the interval clipped to the metric's range.
fn estimate_cell(e: &Estimate, unit: &str) -> String {
    if e.n == 0 {
        return "undefined".to_string();
    }
    match e.half_width {
        Some(_) => {
            let (low, high) = clipped(e.low(), e.high(), unit);
            format!(
                "{} ({} to {})",
                format_value(e.mean, unit),
                format_value(low, unit),
                format_value(high, unit)
            )
        }
        None => format!(
            "{} ({})",
            format_value(e.mean, unit),
            half_width(None, unit)
        ),
    }
}

/// The sentences under the trade-off chart: what it shows, and the front.
fn tradeoff_text(t: &TradeOff) -> Vec<String> {
    let mut text = vec![format!(
        "Each design's mean total cost over the horizon ({}) against its mean {}, with 95% confidence intervals in both directions (clipped to what the metric can be).",
        t.currency,
        t.availability.replace('_', " ")
    )];
    if !t.front.is_empty() {
        let names: Vec<&str> = t
            .front
            .iter()
            .map(|&i| t.designs[i].name.as_str())
            .collect();
        text.push(format!(
            "Pareto front (filled markers, dashed line; cheapest first): {}. No other design is both cheaper and more available than these; the others (hollow markers) are beaten on both by one of them.",
            names.join(", ")
        ));
    }
    text
}

/// The designs' cost and availability rows: (design, cost, availability, completeness).
fn design_rows(c: &Comparison) -> Vec<[String; 4]> {
    let find = |id: &str| c.metrics.iter().find(|m| m.id == id);
    let cell = |m: Option<&MetricComparison>, k: usize| -> String {
        match m {
            None => "-".to_string(),
            Some(m) => {
                let e = if k == 0 {
                    m.baseline
                } else {
                    m.versus[k - 1].estimate
                };
                estimate_cell(&e, m.unit)
            }
        }
    };
    c.designs
        .iter()
        .enumerate()
        .map(|(k, name)| {
            [
                name.clone(),
                cell(find(tradeoff::COST), k),
                cell(find(headline_availability(c)), k),
                cell(find("data_completeness"), k),
            ]
        })
        .collect()
}

/// The availability the designs are headlined by: for devices on their own SIMs, the share of
/// device-time with service (`service_availability`); a site counts as up while any one of its
/// devices has service, which hides every outage short of a whole fleet going dark.
/// Otherwise the share of site-time with a path to the cloud.
fn headline_availability(c: &Comparison) -> &'static str {
    if c.metrics.iter().any(|m| m.id == "service_availability") {
        "service_availability"
    } else {
        "site_availability"
    }
}

/// The columns of the designs' table.
fn design_headers(c: &Comparison) -> [&'static str; 4] {
    let availability = match headline_availability(c) {
        "service_availability" => "service availability",
        _ => "site availability",
    };
    ["design", "total cost", availability, "data completeness"]
}

/// The metrics a decision turns on, in the order a reader weighs them; the paired sections of
/// `compare.md`/`compare.html` show those the designs have (every metric is in the CSV/JSON).
const DECISION_METRICS: [&str; 10] = [
    tradeoff::COST,
    "cost_per_device_year",
    "service_availability",
    "site_availability",
    "data_completeness",
    "on_time_completeness",
    "messages_lost",
    "site_stale_share",
    "ttr_p95_s",
    "failovers",
];

const PAIRED_HEADERS: [&str; 6] = [
    "metric",
    "baseline",
    "design",
    "difference (95% CI)",
    "better in",
    "P(better)",
];

/// Per other design: its rows against the baseline on the decision metrics.
fn paired_sections(c: &Comparison) -> Vec<(String, Vec<[String; 6]>)> {
    c.designs
        .iter()
        .enumerate()
        .skip(1)
        .map(|(k, name)| {
            let rows = DECISION_METRICS
                .iter()
                .filter_map(|id| c.metrics.iter().find(|m| m.id == *id))
                .map(|m| row(m, &m.versus[k - 1]))
                .collect();
            (name.clone(), rows)
        })
        .collect()
}

/// What the paired columns mean, under their heading.
const PAIRED_NOTE: &str = "Each replication runs every design on the same random numbers, so differences are paired: difference = design − baseline with its 95% Student-t interval over the pairs; better in = replications in which the design is strictly better; P(better) = one-sided paired-t probability that the design's mean is better. An interval that excludes 0 is a difference the replications can tell apart.";

/// `compare.md`: the designs side by side and the cost-against-availability chart.
pub fn compare_md(c: &Comparison, trade: &Result<TradeOff, String>) -> String {
    let mut m = format!(
        "# iotwin compare: {}\n\n{} replications per design on seed {} in {} mode (common random numbers: every design faces the same outages and failures). Baseline: {}.\n\n",
        md(&c.designs.join(" vs ")),
        c.replications,
        c.seed,
        c.mode.name(),
        md(c.designs.first().map_or("", String::as_str)),
    );
    m.push_str(&format!(
        "| {} |\n|---|---:|---:|---:|\n",
        design_headers(c).join(" | ")
    ));
    for row in design_rows(c) {
        m.push_str(&format!(
            "| {} |\n",
            row.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    m.push_str("\n## Cost against availability\n\n");
    match trade {
        Ok(t) => {
            m.push_str("![Cost against availability](tradeoff.svg)\n\n");
            for line in tradeoff_text(t) {
                m.push_str(&format!("{}\n\n", md(&line)));
            }
        }
        Err(why) => m.push_str(&format!("No chart: {}.\n\n", md(why))),
    }
    let sections = paired_sections(c);
    if !sections.is_empty() {
        m.push_str(&format!(
            "## Against the baseline\n\n{}\n\n",
            md(PAIRED_NOTE)
        ));
    }
    for (name, rows) in sections {
        m.push_str(&format!(
            "### {} vs {}\n\n| {} |\n|---|---:|---:|---:|---:|---:|\n",
            md(&name),
            md(c.designs.first().map_or("", String::as_str)),
            PAIRED_HEADERS.join(" | ")
        ));
        for r in rows {
            m.push_str(&format!(
                "| {} |\n",
                r.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")
            ));
        }
        m.push('\n');
    }
    m.push_str("Every metric, the paired differences and P(better) are in `compare.csv` and `compare.json`.\n");
    m
}

/// `compare.html`: the same as `compare.md`, self-contained with the chart inline.
pub fn compare_html(c: &Comparison, trade: &Result<TradeOff, String>, svg: Option<&str>) -> String {
    let title = escape(&c.designs.join(" vs "));
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>iotwin compare: {title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>iotwin compare: {title}</h1>\n<p>{} replications per design on seed {} in {} mode (common random numbers: every design faces the same outages and failures). Baseline: {}.</p>\n<table>\n<thead><tr>{}</tr></thead>\n<tbody>\n",
        c.replications,
        c.seed,
        c.mode.name(),
        escape(c.designs.first().map_or("", String::as_str)),
        design_headers(c)
            .iter()
            .map(|h| format!("<th>{h}</th>"))
            .collect::<String>()
    );
    for row in design_rows(c) {
        h.push_str(&format!(
            "<tr>{}</tr>\n",
            row.iter()
                .map(|c| format!("<td>{}</td>", escape(c)))
                .collect::<String>()
        ));
    }
    h.push_str("</tbody>\n</table>\n<h2>Cost against availability</h2>\n");
    match (trade, svg) {
        (Ok(t), Some(svg)) => {
            h.push_str(&format!(
                "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
                strip_xml_declaration(svg),
                escape(&tradeoff_text(t).join(" "))
            ));
        }
        (Err(why), _) => h.push_str(&format!("<p>No chart: {}.</p>\n", escape(why))),
        _ => {}
    }
    let sections = paired_sections(c);
    if !sections.is_empty() {
        h.push_str(&format!(
            "<h2>Against the baseline</h2>\n<p>{}</p>\n",
            escape(PAIRED_NOTE)
        ));
    }
    for (name, rows) in sections {
        h.push_str(&format!(
            "<h3>{} vs {}</h3>\n<table>\n<thead><tr>{}</tr></thead>\n<tbody>\n",
            escape(&name),
            escape(c.designs.first().map_or("", String::as_str)),
            PAIRED_HEADERS
                .iter()
                .enumerate()
                .map(|(i, h)| match i {
                    0 => format!("<th>{h}</th>"),
                    _ => format!("<th class=\"num\">{h}</th>"),
                })
                .collect::<String>()
        ));
        for r in rows {
            h.push_str(&format!(
                "<tr>{}</tr>\n",
                r.iter()
                    .enumerate()
                    .map(|(i, c)| match i {
                        0 => format!("<td><code>{}</code></td>", escape(c)),
                        _ => format!("<td class=\"num\">{}</td>", escape(c)),
                    })
                    .collect::<String>()
            ));
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("<p>Every metric, the paired differences and P(better) are in <code>compare.csv</code> and <code>compare.json</code>.</p>\n</main>\n</body>\n</html>\n");
    h
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
        "compare — {} replications each, seed {}, {} mode, common random numbers; baseline {base}\n",
        c.replications,
        c.seed,
        c.mode.name()
    );
    for (k, name) in c.designs.iter().enumerate() {
        let mean = |id: &str| {
            let m = c.metrics.iter().find(|m| m.id == id)?;
            Some(match k {
                0 => m.baseline.mean,
                _ => m.versus[k - 1].estimate.mean,
            })
        };
        let ids = c.metrics.iter().map(|m| m.id.as_str());
        if let Some(w) = super::content::capacity_warning(&mean, ids) {
            out.push_str(&format!("WARNING ({name}): {w}.\n"));
        }
    }
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
    if let Err(why) = tradeoff::tradeoff(c) {
        out.push_str(&format!(
            "\ncost-against-availability chart skipped: {why}\n"
        ));
    }
    out
}
