//! A forecast's files: `forecast.csv` (one row per quantity, group and horizon),
//! `forecast.json`, `forecast.md`, `forecast.html` (self-contained, charts inline) and
//! `charts/fan-<quantity>.svg`, written as one set through [`crate::report::output`] (staged,
//! with its MANIFEST). Nothing here runs the model: it formats a [`Forecast`].

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{Figure, Forecast, Quantity, chart};
use crate::engine::{Duration, TICKS_PER_SECOND, Ticks};
use crate::report::html::escape as html_escape;
use crate::report::markdown::escape as md_escape;
use crate::scenario::table::show_time;

/// `ticks` as whole days, for column heads ("30 d").
pub fn days(ticks: Ticks) -> String {
    let d = ticks as f64 / (86_400.0 * TICKS_PER_SECOND as f64);
    if d.fract() == 0.0 {
        format!("{d:.0} d")
    } else {
        Duration(ticks).to_string()
    }
}

/// A number as it reads in a table: whole counts as integers, hours and money to 1 decimal.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if (x - x.round()).abs() < 1e-6 * x.abs().max(1.0) {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// "mean (low–high)", the prediction interval in brackets.
fn cell(f: &Figure) -> String {
    format!(
        "{} ({}–{})",
        number(f.mean.mean),
        number(f.low),
        number(f.high)
    )
}

/// The CSV: one row per quantity, group and horizon.
pub fn to_csv(f: &Forecast) -> String {
    let mut out = String::from(
        "quantity,group,devices,horizon_days,mean,mean_ci95_low,mean_ci95_high,median,pi95_low,pi95_high,replications\n",
    );
    for (q, quantity) in f.quantities.iter().enumerate() {
        for (g, group) in f.groups.iter().enumerate() {
            for (m, &mark) in f.marks.iter().enumerate() {
                let x = f.figure(q, g, m);
                out.push_str(&format!(
                    "{},{},{},{},{},{},{},{},{},{},{}\n",
                    quantity.id(),
                    crate::report::csv_text(group),
                    f.devices[g],
                    mark as f64 / (86_400.0 * TICKS_PER_SECOND as f64),
                    x.mean.mean,
                    x.mean.low(),
                    x.mean.high(),
                    x.median,
                    x.low,
                    x.high,
                    f.replications
                ));
            }
        }
    }
    out
}

/// The JSON document: every figure, with the forecast's set-up.
pub fn to_json(f: &Forecast) -> Value {
    let figures: Vec<Value> = f
        .quantities
        .iter()
        .enumerate()
        .flat_map(|(q, quantity)| {
            f.groups.iter().enumerate().flat_map(move |(g, group)| {
                f.marks.iter().enumerate().map(move |(m, &mark)| {
                    let x = f.figure(q, g, m);
                    json!({
                        "quantity": quantity.id(),
                        "group": group,
                        "horizon_days": mark as f64 / (86_400.0 * TICKS_PER_SECOND as f64),
                        "mean": x.mean.mean,
                        "mean_ci95_half_width": x.mean.half_width,
                        "median": x.median,
                        "pi95": [x.low, x.high],
                    })
                })
            })
        })
        .collect();
    json!({
        "iotwin_version": env!("CARGO_PKG_VERSION"),
        "scenario": f.scenario,
        "as_of": f.as_of.map(show_time),
        "seed": f.seed,
        "replications": f.replications,
        "horizon": Duration(f.horizon).to_string(),
        "currency": f.currency,
        "groups": f.groups.iter().zip(&f.devices).map(|(g, n)| json!({"id": g, "devices": n})).collect::<Vec<_>>(),
        "interval": "pi95: 2.5% and 97.5% quantiles over replications (type 7); mean_ci95_half_width: Student-t 95% interval of the mean",
        "figures": figures,
    })
}

/// Rows of one group's table: per quantity, the cells at each mark.
fn group_rows(f: &Forecast, g: usize) -> Vec<(String, Vec<String>)> {
    f.quantities
        .iter()
        .enumerate()
        .map(|(q, quantity)| {
            let label = match (quantity, &f.currency) {
                (Quantity::Cost, Some(c)) => format!("{} ({c})", quantity.label()),
                _ => quantity.label().to_string(),
            };
            let cells = (0..f.marks.len())
                .map(|m| cell(&f.figure(q, g, m)))
                .collect();
            (label, cells)
        })
        .collect()
}

/// Group indices: the whole fleet (last), then each fleet in scenario order.
fn whole_fleet_first(f: &Forecast) -> impl Iterator<Item = usize> {
    let n = f.groups.len();
    std::iter::once(n - 1).chain(0..n - 1)
}

fn heading(f: &Forecast) -> String {
    let from = f
        .as_of
        .map_or("time 0 (no inventory: every device new)".into(), |t| {
            format!("the inventory of {}", show_time(t))
        });
    format!(
        "{} futures from {from}, seed {}, to {} ahead.",
        f.replications,
        f.seed,
        days(f.horizon)
    )
}

const METHOD: &str = "Each figure is the mean over replications of what the simulator's own \
events say is due, with its 95% prediction interval in brackets: the 2.5% and 97.5% quantiles \
over replications, where the count itself should fall. Truck rolls are repairs, battery swaps \
and planned replacements; crew hours are their on-site durations (the scenario's repair, swap \
and replacement laws; travel and queueing left out). Devices already down at the start are not \
counted as failures, nor certificates already expired as expiries. The laws are taken as known: the uncertainty of fitted laws is not in \
the intervals.";

/// The Markdown document.
pub fn to_markdown(f: &Forecast, charts: &[(Quantity, String)]) -> String {
    let mut md = format!(
        "# Forecast: {}\n\n{}\n\n",
        md_escape(&f.scenario),
        heading(f)
    );
    let head: Vec<String> = f.marks.iter().map(|&m| days(m)).collect();
    for g in whole_fleet_first(f) {
        let title = if g + 1 == f.groups.len() {
            "Whole fleet".to_string()
        } else {
            format!("Fleet `{}`", f.groups[g].replace('`', "'"))
        };
        md.push_str(&format!("## {title} ({} devices)\n\n", f.devices[g]));
        md.push_str(&format!("| | {} |\n|---|", head.join(" | ")));
        md.push_str(&"---:|".repeat(head.len()));
        md.push('\n');
        for (label, cells) in group_rows(f, g) {
            md.push_str(&format!(
                "| {} | {} |\n",
                md_escape(&label),
                cells.join(" | ")
            ));
        }
        md.push('\n');
    }
    md.push_str(&format!("{METHOD}\n\n## Over time\n\n"));
    for (q, _) in charts {
        md.push_str(&format!(
            "![{} over time, whole fleet](charts/fan-{}.svg)\n\n",
            q.label(),
            q.id()
        ));
    }
    md
}

/// The self-contained HTML page.
pub fn to_html(f: &Forecast, charts: &[(Quantity, String)]) -> String {
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Forecast: {0}</title><style>{1}</style></head><body><main>\n\
         <h1>Forecast: {0}</h1>\n<p>{2}</p>\n",
        html_escape(&f.scenario),
        crate::report::html::STYLE,
        html_escape(&heading(f))
    );
    for g in whole_fleet_first(f) {
        let title = if g + 1 == f.groups.len() {
            "Whole fleet".to_string()
        } else {
            format!("Fleet {}", f.groups[g])
        };
        h.push_str(&format!(
            "<h2>{} ({} devices)</h2>\n<div class=\"table-wrap\"><table><tr><th></th>",
            html_escape(&title),
            f.devices[g]
        ));
        for &m in &f.marks {
            h.push_str(&format!("<th class=\"num\">{}</th>", days(m)));
        }
        h.push_str("</tr>\n");
        for (label, cells) in group_rows(f, g) {
            h.push_str(&format!("<tr><td>{}</td>", html_escape(&label)));
            for c in cells {
                h.push_str(&format!("<td class=\"num\">{}</td>", html_escape(&c)));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table></div>\n");
    }
    h.push_str(&format!(
        "<p>{}</p>\n<h2>Over time</h2>\n",
        html_escape(METHOD)
    ));
    for (q, svg) in charts {
        h.push_str(&format!(
            "<figure>{}<figcaption>{} over time, whole fleet: median, 50% and 95% bands over replications</figcaption></figure>\n",
            crate::report::html::strip_xml_declaration(svg),
            html_escape(q.label())
        ));
    }
    h.push_str("</main></body></html>\n");
    h
}

/// The fan charts of every quantity that happened in some replication.
pub fn charts(f: &Forecast) -> Result<Vec<(Quantity, String)>, String> {
    let mut out = vec![];
    for (q, &quantity) in f.quantities.iter().enumerate() {
        let fan = f.fan(q);
        if fan.last().is_some_and(|(_, qs)| qs[4] > 0.0) {
            out.push((quantity, chart::fan_svg(f, q, &fan)?));
        }
    }
    Ok(out)
}

/// Every file of the forecast's set, in memory.
pub fn files(f: &Forecast) -> Result<Vec<(PathBuf, Vec<u8>)>, String> {
    let charts = charts(f)?;
    let json = serde_json::to_string_pretty(&to_json(f)).map_err(|e| e.to_string())? + "\n";
    let mut files = vec![
        (PathBuf::from("forecast.csv"), to_csv(f).into_bytes()),
        (PathBuf::from("forecast.json"), json.into_bytes()),
        (
            PathBuf::from("forecast.md"),
            to_markdown(f, &charts).into_bytes(),
        ),
    ];
    for (q, svg) in &charts {
        let name = PathBuf::from("charts").join(format!("fan-{}.svg", q.id()));
        files.push((name, svg.clone().into_bytes()));
    }
    files.push((
        PathBuf::from("forecast.html"),
        to_html(f, &charts).into_bytes(),
    ));
    Ok(files)
}

/// Writes the forecast's set into `dir` (replacing an earlier forecast there whole) and
/// returns the paths written.
pub fn write(f: &Forecast, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let files = files(f).map_err(std::io::Error::other)?;
    let stale: Vec<PathBuf> = Quantity::ALL
        .iter()
        .map(|q| PathBuf::from("charts").join(format!("fan-{}.svg", q.id())))
        .filter(|p| dir.join(p).exists() && !files.iter().any(|(n, _)| n == p))
        .collect();
    crate::report::output::write_set(dir, &files, &stale)
}
