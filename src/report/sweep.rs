//! Outputs of a sweep: `sweep.csv` (one row per point per metric), `sweep.json`, a terminal
//! table, `charts/<metric>.svg` (each charted metric against the first parameter, one line per
//! value of the others, with its 95% band and the limits), `sweep.md` and `sweep.html`.
//!
//! Like the run report, everything is rendered in memory and written atomically, the HTML page
//! last; nothing here re-runs a simulation.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use serde_json::{Map, Value, json};

use super::chart::{
    self, BAND, ChartError, INK, MEAN, PALETTE, SIZE, caption, decimals, label, legend, text,
};
use super::content::HEADLINE;
use super::html::{STYLE, breakable, escape, strip_xml_declaration, wrappable};
use super::markdown::escape as md;
use super::table::{clipped, format_value, half_width};
use crate::montecarlo::Estimate;
use crate::montecarlo::sweep::{Axis, Crossing, Side, Sweep};

/// How the grid is ordered, in words (the same sentence in every output).
pub const GRID_ORDER: &str = "points run in grid order: the first --set varies slowest and the last fastest, as nested loops written in order";

/// The metrics charted and tabled: the headline ones, those with a limit, the busiest
/// gateway's utilisation when any gateway has a capacity, and the total cost when priced.
pub fn charted(sweep: &Sweep) -> Vec<String> {
    let Some(first) = sweep.points.first() else {
        return vec![];
    };
    let s = &first.summary;
    let mut ids: Vec<String> = HEADLINE
        .iter()
        .map(|(id, _)| id.to_string())
        .chain(sweep.limits.iter().map(|l| l.metric.clone()))
        .collect();
    let busy = sweep.points.iter().any(|p| {
        p.summary
            .estimate("max_gateway_utilisation")
            .is_some_and(|e| e.n > 0 && e.mean > 0.0)
    });
    if busy {
        ids.push("max_gateway_utilisation".to_string());
        ids.push("mean_gateway_wait_s".to_string());
        ids.push("on_time_completeness".to_string());
    }
    ids.push("cost_total".to_string());
    let mut out: Vec<String> = vec![];
    for id in ids {
        if s.index_of(&id).is_some() && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// A metric id as a file name.
pub fn stem(metric: &str) -> String {
    metric
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn unit_of(sweep: &Sweep, metric: &str) -> &'static str {
    sweep
        .points
        .first()
        .and_then(|p| {
            let i = p.summary.index_of(metric)?;
            Some(p.summary.metrics[i].unit)
        })
        .unwrap_or("")
}

fn estimate_at(sweep: &Sweep, point: usize, metric: &str) -> Option<Estimate> {
    sweep.points[point]
        .summary
        .estimate(metric)
        .copied()
        .filter(|e| e.n > 0)
}

/// One row per point and metric: the parameter values, then metric, unit, mean, 95% half-width,
/// low, high (the raw Student-t interval) and the replications that define it. Numbers are
/// written in full (shortest round-trip form), so they compare exactly with `summary.json`.
pub fn sweep_csv(sweep: &Sweep) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(vec![]);
    let mut header: Vec<String> = sweep
        .parameters
        .iter()
        .map(|p| super::csv_text(&p.path))
        .collect();
    header.extend(
        [
            "metric",
            "unit",
            "mean",
            "ci95_half_width",
            "low",
            "high",
            "n",
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    for p in &sweep.points {
        let values: Vec<String> = sweep
            .parameters
            .iter()
            .zip(&p.at)
            .map(|(par, &v)| super::csv_text(&par.values[v]))
            .collect();
        for (m, e) in p.summary.metrics() {
            let mut record = values.clone();
            let (low, high) = match e.half_width {
                Some(_) => (e.low().to_string(), e.high().to_string()),
                None => (String::new(), String::new()),
            };
            record.extend([
                super::csv_text(&m.id),
                m.unit.to_string(),
                e.mean.to_string(),
                e.half_width.map_or(String::new(), |h| h.to_string()),
                low,
                high,
                e.n.to_string(),
            ]);
            w.write_record(&record)?;
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn side_text(side: Side) -> &'static str {
    match side {
        Side::AtMost => "at_most",
        Side::AtLeast => "at_least",
    }
}

/// The whole sweep as JSON: parameters, limits with their crossings, and every point's metrics
/// (mean, raw 95% half-width, replications defining it). No wall-clock time: same inputs, same
/// bytes.
pub fn sweep_json(sweep: &Sweep) -> String {
    let first = &sweep.parameters[0];
    let value_of = |k: Option<usize>| k.map_or(Value::Null, |k| json!(first.values[k]));
    let crossings: Vec<Crossing> = sweep.crossings();
    let limits: Vec<Value> = sweep
        .limits
        .iter()
        .enumerate()
        .map(|(l, limit)| {
            let lines: Vec<Value> = crossings
                .iter()
                .filter(|c| c.limit == l)
                .map(|c| {
                    json!({
                        "line": line_map(sweep, &c.others),
                        "mean_first_beyond": value_of(c.mean),
                        "ci_first_reaches": value_of(c.ci),
                        "interpolated": c.interpolated,
                    })
                })
                .collect();
            json!({
                "metric": limit.metric,
                "side": side_text(limit.side),
                "value": limit.value,
                "crossings": lines,
            })
        })
        .collect();
    let points: Vec<Value> = sweep
        .points
        .iter()
        .map(|p| {
            let mut metrics = Map::new();
            for (m, e) in p.summary.metrics() {
                metrics.insert(
                    m.id.clone(),
                    json!({"mean": e.mean, "ci95_half_width": e.half_width, "replications_defined": e.n}),
                );
            }
            let values: Map<String, Value> = sweep
                .parameters
                .iter()
                .zip(&p.at)
                .map(|(par, &v)| (par.path.clone(), json!(par.values[v])))
                .collect();
            json!({"values": values, "metrics": metrics})
        })
        .collect();
    let doc = json!({
        "iotwin_version": env!("CARGO_PKG_VERSION"),
        "scenario": sweep.scenario,
        "seed": sweep.seed,
        "replications": sweep.replications,
        "confidence_level": 0.95,
        "grid_order": GRID_ORDER,
        "parameters": sweep.parameters.iter().map(|p| json!({"path": p.path, "values": p.values})).collect::<Vec<_>>(),
        "limits": limits,
        "points": points,
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

fn line_map(sweep: &Sweep, others: &[usize]) -> Value {
    Value::Object(
        sweep.parameters[1..]
            .iter()
            .zip(others)
            .map(|(p, &v)| (p.path.clone(), json!(p.values[v])))
            .collect(),
    )
}

/// A value of the first parameter as a reader sees it on the chart's axis.
fn x_text(sweep: &Sweep, x: f64) -> String {
    let first = &sweep.parameters[0];
    match first.axis {
        Axis::Duration => chart::short_duration(x),
        Axis::Number if x.abs() >= 100.0 => format_value(x.round(), "count"),
        Axis::Number => format!("{}", (x * 1000.0).round() / 1000.0),
        Axis::Category => String::new(),
    }
}

/// Where each limit is crossed, one sentence per limit and line.
pub fn crossing_sentences(sweep: &Sweep) -> Vec<String> {
    let first = &sweep.parameters[0];
    sweep
        .crossings()
        .iter()
        .map(|c| {
            let limit = &sweep.limits[c.limit];
            let unit = unit_of(sweep, &limit.metric);
            let op = match limit.side {
                Side::AtMost => "≤",
                Side::AtLeast => "≥",
            };
            let mut s = format!("{} {op} {}", limit.metric, limit_text(limit.value, unit));
            if sweep.parameters.len() > 1 {
                s.push_str(&format!(" (at {})", sweep.line_label(&c.others)));
            }
            let at = |k: usize| format!("{}={}", first.path, first.values[k]);
            match c.mean {
                None => s.push_str(&format!(
                    ": the mean stays within the limit at every value swept (up to {})",
                    at(first.values.len() - 1)
                )),
                Some(0) => s.push_str(&format!(
                    ": the mean is already beyond the limit at the first value, {}",
                    at(0)
                )),
                Some(k) => {
                    s.push_str(&format!(": the mean first crosses it at {}", at(k)));
                    if let Some(x) = c.interpolated {
                        s.push_str(&format!(
                            " (straight line between the points: about {})",
                            x_text(sweep, x)
                        ));
                    }
                }
            }
            match (c.ci, c.mean) {
                (Some(k), Some(m)) if k < m => s.push_str(&format!(
                    "; its 95% interval already reaches past it at {}",
                    at(k)
                )),
                (Some(k), None) => s.push_str(&format!(
                    "; but its 95% interval reaches past it at {}",
                    at(k)
                )),
                _ => {}
            }
            s.push('.');
            s
        })
        .collect()
}

/// A limit's value as written for people: `80%`, `99.9%`, `1,000`.
fn limit_text(value: f64, unit: &str) -> String {
    if unit == "ratio" {
        let pct = format!("{:.4}", value * 100.0);
        format!("{}%", pct.trim_end_matches('0').trim_end_matches('.'))
    } else {
        format_value(value, unit)
    }
}

/// `mean (low to high)` clipped to the metric's range, or the reason there is no interval.
fn cell(e: Option<Estimate>, unit: &str) -> String {
    match e {
        None => "undefined".to_string(),
        Some(e) => match e.half_width {
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
        },
    }
}

/// The table of points (parameter values, then each charted metric's mean and clipped 95%
/// interval) as rows of cells, with the header first.
fn table_rows(sweep: &Sweep) -> Vec<Vec<String>> {
    let metrics = charted(sweep);
    let mut header: Vec<String> = sweep
        .parameters
        .iter()
        .map(|p| super::csv_text(&p.path))
        .collect();
    header.extend(metrics.iter().cloned());
    let mut rows = vec![header];
    for (i, p) in sweep.points.iter().enumerate() {
        let mut row: Vec<String> = sweep
            .parameters
            .iter()
            .zip(&p.at)
            .map(|(par, &v)| par.values[v].clone())
            .collect();
        for m in &metrics {
            row.push(cell(estimate_at(sweep, i, m), unit_of(sweep, m)));
        }
        rows.push(row);
    }
    rows
}

/// The terminal table: one row per point, then where the limits are crossed.
pub fn sweep_table(sweep: &Sweep) -> String {
    let rows = table_rows(sweep);
    let cols = rows[0].len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = format!(
        "{} sweep — {} points, {} replications each, seed {} (mean, 95% CI)\n\n",
        sweep.scenario,
        sweep.points.len(),
        sweep.replications,
        sweep.seed
    );
    for (r, row) in rows.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if r == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out.push_str("\nlimits\n");
    for s in crossing_sentences(sweep) {
        out.push_str(&format!("  {s}\n"));
    }
    for (k, p) in sweep.points.iter().enumerate() {
        if let Some(w) = super::content::summary_capacity_warning(&p.summary) {
            out.push_str(&format!("WARNING at point {}: {w}.\n", k + 1));
        }
    }
    out
}

/// A chart of one metric against the first parameter, as SVG.
pub fn chart_svg(sweep: &Sweep, metric: &str) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(&root, sweep, metric).map_err(|message| ChartError {
            chart: "sweep",
            message,
        })?;
    }
    Ok(out)
}

/// The same chart as a PNG file, to look at it without a browser.
pub fn chart_png(sweep: &Sweep, metric: &str, path: &Path) -> Result<(), ChartError> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    draw(&root, sweep, metric).map_err(|message| ChartError {
        chart: "sweep",
        message,
    })
}

/// How a metric's values are drawn: ratios in percent, long times in hours.
fn y_scale(unit: &str, top: f64) -> (f64, String) {
    match unit {
        "ratio" => (100.0, "%".to_string()),
        "s" if top >= 3.0 * 3600.0 => (1.0 / 3600.0, "h".to_string()),
        "s" if top >= 180.0 => (1.0 / 60.0, "min".to_string()),
        other => (1.0, other.to_string()),
    }
}

/// How the first parameter is drawn: durations in a unit that suits their size.
fn x_scale(sweep: &Sweep) -> (f64, &'static str) {
    let first = &sweep.parameters[0];
    if first.axis != Axis::Duration {
        return (1.0, "");
    }
    let top = first.x.iter().copied().fold(0.0, f64::max);
    if top >= 2.0 * 86_400.0 {
        (1.0 / 86_400.0, "days")
    } else if top >= 2.0 * 3600.0 {
        (1.0 / 3600.0, "hours")
    } else if top >= 120.0 {
        (1.0 / 60.0, "minutes")
    } else {
        (1.0, "seconds")
    }
}

/// A point of a chart line: (x, mean, low, high).
type LinePoint = (f64, f64, f64, f64);

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
    metric: &str,
) -> Result<(), String> {
    super::font::register()?;
    root.fill(&WHITE).map_err(text)?;
    let first = &sweep.parameters[0];
    let unit = unit_of(sweep, metric);
    let (xs, xunit) = x_scale(sweep);
    // (label, [(x, mean, low, high)]) per line, the interval clipped to the metric's range.
    let lines: Vec<(String, Vec<LinePoint>)> = sweep
        .lines()
        .iter()
        .map(|(others, points)| {
            let label = sweep.line_label(others);
            let pts = points
                .iter()
                .filter_map(|p| {
                    let e = p.summary.estimate(metric).filter(|e| e.n > 0)?;
                    let (low, high) = clipped(e.low(), e.high(), unit);
                    Some((first.x[p.at[0]] * xs, e.mean, low, high))
                })
                .collect();
            (label, pts)
        })
        .collect();
    let limits: Vec<_> = sweep
        .limits
        .iter()
        .enumerate()
        .filter(|(_, l)| l.metric == metric)
        .collect();
    let title = format!("{} against {}", readable(metric), first.path);
    if lines.iter().all(|(_, p)| p.is_empty()) {
        return chart::empty_state(root, &title, "Undefined at every point of the sweep");
    }
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (_, pts) in &lines {
        for &(_, m, l, h) in pts {
            lo = lo.min(l).min(m);
            hi = hi.max(h).max(m);
        }
    }
    for (_, l) in &limits {
        lo = lo.min(l.value);
        hi = hi.max(l.value);
    }
    let (ys, yunit) = y_scale(unit, hi.abs().max(lo.abs()));
    let (mut y0, mut y1) = (lo * ys, hi * ys);
    let pad = ((y1 - y0) * 0.08).max(y1.abs() * 1e-4).max(1e-9);
    y0 -= pad;
    y1 += pad * 2.5; // room for the legend
    let (r0, r1) = super::table::metric_range(unit);
    y0 = y0.max(r0 * ys - pad * 0.5);
    if r1.is_finite() {
        // A share never passes 100%: no empty band above it.
        y1 = y1.min(r1 * ys + (y1 - y0) * 0.05);
    }
    if r1.is_finite() && y0 > r1 * ys {
        y0 = r1 * ys - pad;
    }
    let xmin = first.x.iter().copied().fold(f64::INFINITY, f64::min) * xs;
    let xmax = first.x.iter().copied().fold(f64::NEG_INFINITY, f64::max) * xs;
    let xpad = if xmax > xmin {
        (xmax - xmin) * 0.04
    } else {
        xmax.abs().max(1.0) * 0.5
    };
    let (x0, x1) = (xmin - xpad, xmax + xpad);
    let mut chart = ChartBuilder::on(root)
        .caption(title, caption())
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(text)?;
    let ydec = decimals(y1 - y0);
    let x_desc = match (first.axis, xunit) {
        (Axis::Duration, u) => format!("{} ({u})", first.path),
        _ => first.path.clone(),
    };
    let y_desc = if yunit.is_empty() {
        readable(metric)
    } else {
        format!("{} ({yunit})", readable(metric))
    };
    let categories = first.values.clone();
    let category_label = move |x: &f64| -> String {
        let k = x.round();
        if (x - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < categories.len() {
            categories[k as usize].trim_matches('"').to_string()
        } else {
            String::new()
        }
    };
    let xdec = decimals(x1 - x0);
    let number_label = move |x: &f64| -> String {
        if x.abs() >= 100_000.0 {
            format_value(x.round(), "count")
        } else if x.abs() >= 1000.0 {
            format!("{}", x.round())
        } else {
            format!("{x:.xdec$}")
        }
    };
    let percent = yunit == "%";
    let y_label = move |y: &f64| -> String {
        if percent {
            format!("{y:.ydec$}%")
        } else if y.abs() >= 1000.0 {
            format_value(y.round(), "count")
        } else {
            format!("{y:.ydec$}")
        }
    };
    {
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(x_desc)
            .y_desc(y_desc)
            .y_label_formatter(&y_label)
            .label_style(label(13))
            .axis_desc_style(label(14))
            .light_line_style(INK.mix(0.06));
        if first.axis == Axis::Category {
            mesh.x_labels(categories_len(sweep))
                .x_label_formatter(&category_label);
        } else {
            mesh.x_labels(8).x_label_formatter(&number_label);
        }
        mesh.draw().map_err(text)?;
    }
    let single = lines.len() == 1;
    for (i, (name, pts)) in lines.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        if pts.iter().any(|&(_, _, l, h)| h > l) {
            let upper = pts.iter().map(|&(x, _, _, h)| (x, h * ys));
            let lower = pts.iter().rev().map(|&(x, _, l, _)| (x, l * ys));
            let band = chart
                .draw_series(std::iter::once(Polygon::new(
                    upper.chain(lower).collect::<Vec<_>>(),
                    if single {
                        BAND.mix(0.35).filled()
                    } else {
                        color.mix(0.18).filled()
                    },
                )))
                .map_err(text)?;
            if single {
                band.label("95% confidence band of the mean")
                    .legend(|(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 14, y + 5)], BAND.mix(0.35).filled())
                    });
            }
        }
        let series = chart
            .draw_series(LineSeries::new(
                pts.iter().map(|&(x, m, _, _)| (x, m * ys)),
                color.stroke_width(2),
            ))
            .map_err(text)?;
        let legend_text = if single {
            format!("mean over {} replications", sweep.replications)
        } else {
            format!("{name} (band: 95% CI)")
        };
        series
            .label(legend_text)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], color.stroke_width(2)));
        chart
            .draw_series(
                pts.iter()
                    .map(|&(x, m, _, _)| Circle::new((x, m * ys), 3, color.filled())),
            )
            .map_err(text)?;
    }
    for (_, limit) in &limits {
        let op = match limit.side {
            Side::AtMost => "≤",
            Side::AtLeast => "≥",
        };
        let y = limit.value * ys;
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, y), (x1, y)],
                8,
                5,
                MEAN.stroke_width(2),
            ))
            .map_err(text)?
            .label(format!("limit {op} {}", limit_text(limit.value, unit)))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], MEAN.stroke_width(2)));
    }
    // The legend goes in the corner with the fewest points.
    let (xm, ym) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let count = |right: bool, upper: bool| {
        lines
            .iter()
            .flat_map(|(_, p)| p)
            .filter(|p| (p.0 > xm) == right && (p.1 * ys > ym) == upper)
            .count()
    };
    let corner = [
        (count(false, true), SeriesLabelPosition::UpperLeft),
        (count(true, true), SeriesLabelPosition::UpperRight),
        (count(false, false), SeriesLabelPosition::LowerLeft),
        (count(true, false), SeriesLabelPosition::LowerRight),
    ]
    .into_iter()
    .min_by_key(|(n, _)| *n)
    .map_or(SeriesLabelPosition::UpperLeft, |(_, c)| c);
    legend(&mut chart, corner)?;
    root.present().map_err(text)
}

/// `mean_gateway_wait_s` as `mean gateway wait`: the unit goes on the axis.
fn readable(metric: &str) -> String {
    metric
        .strip_suffix("_s")
        .unwrap_or(metric)
        .replace('_', " ")
}

fn categories_len(sweep: &Sweep) -> usize {
    sweep.parameters[0].values.len()
}

/// The charts, in [`charted`] order: (metric, SVG).
pub fn charts(sweep: &Sweep) -> Result<Vec<(String, String)>, ChartError> {
    let flat = flat(sweep);
    charted(sweep)
        .into_iter()
        .filter(|m| !flat.contains(m))
        .map(|m| chart_svg(sweep, &m).map(|svg| (m, svg)))
        .collect()
}

/// Charted metrics whose mean is the same at every point (site availability against the
/// number of devices, say: common random numbers give every point the same outages). A flat
/// line tells nothing a sentence cannot, so it is named instead of drawn; a metric with a
/// limit is always drawn.
pub fn flat(sweep: &Sweep) -> Vec<String> {
    if sweep.points.len() < 2 {
        return vec![];
    }
    charted(sweep)
        .into_iter()
        .filter(|id| !sweep.limits.iter().any(|l| &l.metric == id))
        .filter(|id| {
            let means: Vec<f64> = sweep
                .points
                .iter()
                .filter_map(|p| p.summary.estimate(id).map(|e| e.mean))
                .collect();
            let Some(first) = means.first() else {
                return false;
            };
            means.len() == sweep.points.len()
                && means
                    .iter()
                    .all(|m| m.is_finite() && (m - first).abs() <= 1e-12 * first.abs().max(1.0))
        })
        .collect()
}

/// The sentence naming the charts left out as flat, if any.
fn flat_sentence(sweep: &Sweep) -> Option<String> {
    let flat = flat(sweep);
    (!flat.is_empty()).then(|| {
        format!(
            "Not drawn, because their mean is the same at every point: {}.",
            flat.join(", ")
        )
    })
}

fn facts(sweep: &Sweep) -> Vec<(String, String)> {
    let mut facts: Vec<(String, String)> = sweep
        .parameters
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                format!("Parameter {}", i + 1),
                format!("{} = {}", p.path, p.values.join(", ")),
            )
        })
        .collect();
    facts.push(("Points".into(), sweep.points.len().to_string()));
    facts.push((
        "Replications".into(),
        format!(
            "{} per point, on seed {} at every point (common random numbers: the points differ only by the values swept)",
            sweep.replications, sweep.seed
        ),
    ));
    facts.push(("Order".into(), GRID_ORDER.to_string()));
    facts.push((
        "Limits".into(),
        sweep
            .limits
            .iter()
            .map(|l| l.text())
            .collect::<Vec<_>>()
            .join("; "),
    ));
    facts.push(("iotwin".into(), env!("CARGO_PKG_VERSION").to_string()));
    facts
}

const CHART_GUIDE: &str = "Mean over replications at each value swept, with the 95% confidence band (clipped to what the metric can be); a dashed red line is a limit.";

/// `sweep.md`.
pub fn sweep_md(sweep: &Sweep, charts: &[(String, String)]) -> String {
    let mut m = format!(
        "# iotwin sweep: {}\n\n| | |\n|---|---|\n",
        md(&sweep.scenario)
    );
    for (k, v) in facts(sweep) {
        m.push_str(&format!("| {k} | {} |\n", md(&v)));
    }
    m.push_str("\n## Limits\n\n");
    for s in crossing_sentences(sweep) {
        m.push_str(&format!("- {}\n", md(&s)));
    }
    m.push_str("\n## Charts\n\n");
    if let Some(text) = flat_sentence(sweep) {
        m.push_str(&format!("{}\n\n", md(&text)));
    }
    for (metric, _) in charts {
        m.push_str(&format!(
            "![{metric}](charts/{}.svg)\n\n*{}.* {CHART_GUIDE}\n\n",
            stem(metric),
            md(metric)
        ));
    }
    m.push_str("## Points\n\nMean (95% CI) at each point, in run order.\n\n");
    let rows = table_rows(sweep);
    m.push_str(&format!(
        "| {} |\n|{}\n",
        rows[0]
            .iter()
            .map(|c| md(c))
            .collect::<Vec<_>>()
            .join(" | "),
        "---|".repeat(rows[0].len())
    ));
    for row in &rows[1..] {
        m.push_str(&format!(
            "| {} |\n",
            row.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    m.push_str(
        "\nEvery metric of every point, with the raw Student-t interval, is in `sweep.csv` and `sweep.json`.\n",
    );
    m
}

/// `sweep.html`: self-contained, charts inline.
pub fn sweep_html(sweep: &Sweep, charts: &[(String, String)]) -> String {
    let name = escape(&sweep.scenario);
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>iotwin sweep: {name}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>iotwin sweep: {name}</h1>\n<dl class=\"facts\">\n"
    );
    for (k, v) in facts(sweep) {
        h.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", escape(&k), escape(&v)));
    }
    h.push_str("</dl>\n<h2>Limits</h2>\n<ul>\n");
    for s in crossing_sentences(sweep) {
        h.push_str(&format!("<li>{}</li>\n", escape(&s)));
    }
    h.push_str("</ul>\n<h2>Charts</h2>\n");
    if let Some(text) = flat_sentence(sweep) {
        h.push_str(&format!("<p>{}</p>\n", escape(&text)));
    }
    for (metric, svg) in charts {
        h.push_str(&format!(
            "<figure id=\"chart-{}\">\n{}\n<figcaption><strong>{}.</strong> {CHART_GUIDE}</figcaption>\n</figure>\n",
            stem(metric),
            strip_xml_declaration(svg),
            escape(metric)
        ));
    }
    h.push_str("<h2>Points</h2>\n<p>Mean (95% CI) at each point, in run order. Every metric, with the raw Student-t interval, is in <code>sweep.csv</code> and <code>sweep.json</code>.</p>\n<table>\n");
    let rows = table_rows(sweep);
    h.push_str(&format!(
        "<thead><tr>{}</tr></thead>\n<tbody>\n",
        rows[0]
            .iter()
            .map(|c| format!("<th>{}</th>", breakable(c)))
            .collect::<String>()
    ));
    // Cells wrap between a mean and its interval, never inside a number, so eight columns
    // fit the page.
    for row in &rows[1..] {
        h.push_str(&format!(
            "<tr>{}</tr>\n",
            row.iter()
                .map(|c| format!("<td>{}</td>", wrappable(c)))
                .collect::<String>()
        ));
    }
    h.push_str("</tbody>\n</table>\n</main>\n</body>\n</html>\n");
    h
}

/// Writes `charts/<metric>.svg`, `sweep.md`, `sweep.csv`, `sweep.json` and `sweep.html` (last)
/// into `dir`; returns the paths written.
pub fn write_sweep_outputs(sweep: &Sweep, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let charts = charts(sweep).map_err(std::io::Error::other)?;
    let csv = sweep_csv(sweep).map_err(std::io::Error::other)?;
    let mut files: Vec<(PathBuf, Vec<u8>)> = charts
        .iter()
        .map(|(m, svg)| {
            (
                Path::new("charts").join(format!("{}.svg", stem(m))),
                svg.clone().into_bytes(),
            )
        })
        .collect();
    files.push(("sweep.md".into(), sweep_md(sweep, &charts).into_bytes()));
    files.push(("sweep.csv".into(), csv.into_bytes()));
    files.push(("sweep.json".into(), sweep_json(sweep).into_bytes()));
    files.push(("sweep.html".into(), sweep_html(sweep, &charts).into_bytes()));
    super::output::write_set(dir, &files, &[])
}
