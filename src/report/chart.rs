//! Charts of a [`Summary`], as SVG text for the reports (or PNG, to look at them).
//!
//! Each chart is drawn by one generic function, so the same drawing goes to an SVG string
//! (embedded in `report.html`, written to `charts/`) or to a PNG (for checking them by eye, see
//! `examples/chart_pngs.rs`). Every chart shows uncertainty: a 95% interval of the mean over
//! replications. Text is measured with the embedded font (`report::font`), so the output is
//! byte-stable for the same summary.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::{self, FAMILY};
use crate::montecarlo::{Extras, Summary, estimate};

/// Size of every chart, in pixels: readable in a report column and on a laptop screen.
pub const SIZE: (u32, u32) = (720, 360);

pub(crate) const BAR: RGBColor = RGBColor(70, 110, 170);
pub(crate) const MEAN: RGBColor = RGBColor(200, 60, 40);
pub(crate) const BAND: RGBColor = RGBColor(240, 150, 60);
pub(crate) const INK: RGBColor = RGBColor(40, 40, 40);
/// The shade of a warm-up on time charts: a neutral grey, apart from the data's colours.
const WARM_UP: RGBColor = RGBColor(175, 175, 175);
/// Colours of stacked cost components, in order.
pub(crate) const PALETTE: [RGBColor; 6] = [
    RGBColor(70, 110, 170),
    RGBColor(240, 150, 60),
    RGBColor(90, 160, 90),
    RGBColor(200, 60, 40),
    RGBColor(140, 100, 170),
    RGBColor(140, 140, 140),
];

/// A chart the reports can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Availability,
    Outages,
    Completeness,
    Survival,
    Battery,
    Losses,
    Cost,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Availability,
        Kind::Outages,
        Kind::Completeness,
        Kind::Survival,
        Kind::Battery,
        Kind::Losses,
        Kind::Cost,
    ];

    /// File name under `charts/`, without extension.
    pub fn stem(self) -> &'static str {
        match self {
            Kind::Availability => "availability",
            Kind::Outages => "outages",
            Kind::Completeness => "completeness",
            Kind::Survival => "survival",
            Kind::Battery => "battery",
            Kind::Losses => "losses",
            Kind::Cost => "cost",
        }
    }

    /// Whether the summary has what this chart shows (costs exist only with a cost model).
    pub fn applies(self, s: &Summary) -> bool {
        match self {
            Kind::Cost => !cost_components(s).is_empty(),
            // Only where devices age and fail.
            Kind::Survival => s
                .extras
                .iter()
                .any(|x| x.devices > 0 && x.first_failures.iter().any(|&f| f > 0)),
            // Whenever the scenario has batteries, even if none ran flat (the chart says so).
            Kind::Battery => s.extras.iter().any(|x| x.battery_devices > 0),
            _ => true,
        }
    }
}

/// A chart drawn as SVG.
#[derive(Clone, Debug)]
pub struct Chart {
    pub kind: Kind,
    pub svg: String,
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the {chart} chart: {message}")]
pub struct ChartError {
    pub chart: &'static str,
    pub message: String,
}

/// Every chart that applies to `s`, in report order.
pub fn charts(s: &Summary) -> Result<Vec<Chart>, ChartError> {
    Kind::ALL
        .into_iter()
        .filter(|k| k.applies(s))
        .map(|kind| svg(kind, s).map(|svg| Chart { kind, svg }))
        .collect()
}

/// Availability over replications: histogram, mean and 95% CI.
pub fn availability(s: &Summary) -> Result<String, ChartError> {
    svg(Kind::Availability, s)
}

/// Interruption lengths pooled over replications, in logarithmic bins.
pub fn outages(s: &Summary) -> Result<String, ChartError> {
    svg(Kind::Outages, s)
}

/// Share of each slice's messages delivered on time, with its 95% band.
pub fn completeness(s: &Summary) -> Result<String, ChartError> {
    svg(Kind::Completeness, s)
}

/// Mean messages lost per replication, by cause, with 95% CI whiskers.
pub fn losses(s: &Summary) -> Result<String, ChartError> {
    svg(Kind::Losses, s)
}

/// Stacked mean cost components; an empty-state chart without a cost model.
pub fn cost(s: &Summary) -> Result<String, ChartError> {
    svg(Kind::Cost, s)
}

/// Draws one chart into an SVG string.
pub fn svg(kind: Kind, s: &Summary) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(kind, &root, s).map_err(|message| ChartError {
            chart: kind.stem(),
            message,
        })?;
    }
    Ok(out)
}

/// Draws one chart into a PNG file (for looking at charts without a browser).
pub fn png(kind: Kind, s: &Summary, path: &std::path::Path) -> Result<(), ChartError> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    draw(kind, &root, s).map_err(|message| ChartError {
        chart: kind.stem(),
        message,
    })
}

/// Draws `kind` onto any plotters backend.
pub fn draw<DB: DrawingBackend>(
    kind: Kind,
    root: &DrawingArea<DB, Shift>,
    s: &Summary,
) -> Result<(), String> {
    font::register()?;
    root.fill(&WHITE).map_err(text)?;
    match kind {
        Kind::Availability => draw_availability(root, s),
        Kind::Outages => draw_outages(root, s),
        Kind::Completeness => draw_completeness(root, s),
        Kind::Survival => draw_survival(root, s),
        Kind::Battery => draw_battery(root, s),
        Kind::Losses => draw_losses(root, s),
        Kind::Cost => draw_cost(root, s),
    }?;
    root.present().map_err(text)
}

pub(crate) fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

pub(crate) fn caption() -> TextStyle<'static> {
    (FAMILY, 19).into_font().color(&INK)
}

pub(crate) fn label(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&INK)
}

/// A chart with nothing to show still says what it would show, and why it is empty.
pub(crate) fn empty_state<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    message: &str,
) -> Result<(), String> {
    let area = root.titled(title, caption()).map_err(text)?;
    let (w, h) = area.dim_in_pixel();
    let style = label(16).pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(
        message.to_string(),
        (w as i32 / 2, h as i32 / 2),
        style,
    ))
    .map_err(text)
}

/// Digits after the point that tell ticks about `span / 10` apart.
pub(crate) fn decimals(span: f64) -> usize {
    if span <= 0.0 || !span.is_finite() {
        return 2;
    }
    (-(span / 10.0).log10()).ceil().clamp(0.0, 6.0) as usize
}

/// The availability metric a reader cares about: per site when sites are defined.
fn availability_metric(s: &Summary) -> Option<usize> {
    ["site_availability", "connectivity_availability"]
        .into_iter()
        .filter_map(|id| s.index_of(id))
        .find(|&i| s.estimates[i].n > 0)
}

fn draw_availability<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Summary,
) -> Result<(), String> {
    let Some(m) = availability_metric(s) else {
        return empty_state(
            root,
            "Availability over replications",
            "No availability defined in any replication",
        );
    };
    let id = &s.metrics[m].id;
    let values: Vec<f64> = s
        .per_replication
        .iter()
        .map(|row| row[m] * 100.0)
        .filter(|v| v.is_finite())
        .collect();
    let e = &s.estimates[m];
    // A Student-t interval can pass 100%; availability cannot.
    let (mean, low, high) = (
        e.mean * 100.0,
        (e.low() * 100.0).max(0.0),
        (e.high() * 100.0).min(100.0),
    );
    let lo = values.iter().copied().fold(low, f64::min);
    let hi = values.iter().copied().fold(high, f64::max).min(100.0);
    // All replications alike (or only one): a narrow span centred on the value, so its bar
    // stands under the mean line rather than beside it.
    let (lo, span) = if hi > lo {
        (lo, hi - lo)
    } else {
        let span = 1e-3_f64.max(lo * 1e-6);
        (lo - span / 2.0, span)
    };
    let bins = ((values.len() as f64).sqrt().ceil() as usize * 2).clamp(5, 30);
    let width = span / bins as f64;
    let (x0, x1) = (lo - width * 0.5, lo + span + width * 0.5);
    let mut counts = vec![0u32; bins];
    for v in &values {
        let b = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let top = integer_top(counts.iter().copied().max().unwrap_or(0) as u64, 1.35);
    let title = format!(
        "{} over {} replications",
        id.replace('_', " "),
        values.len()
    );
    let mut chart = ChartBuilder::on(root)
        .caption(title, caption())
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(56)
        .build_cartesian_2d(x0..x1, 0..top)
        .map_err(text)?;
    let dec = decimals(x1 - x0);
    chart
        .configure_mesh()
        .x_desc(format!("{} (%) in one replication", id.replace('_', " ")))
        .y_desc("replications")
        .x_label_formatter(&|x| format!("{x:.dec$}%"))
        .x_labels(6)
        .label_style(label(13))
        .axis_desc_style(label(14))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(text)?;
    // One replication has no interval: no band, rather than a band of zero width.
    if e.half_width.is_some() {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(low, 0), (high.max(low + span * 0.002), top)],
                BAND.mix(0.3).filled(),
            )))
            .map_err(text)?
            .label(format!(
                "95% CI of the mean: {:.prec$}% to {:.prec$}%",
                low,
                high,
                prec = dec + 1
            ))
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BAND.mix(0.3).filled()));
    }
    chart
        .draw_series(
            counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(b, &c)| {
                    let left = lo + width * b as f64;
                    Rectangle::new(
                        [(left + width * 0.05, 0), (left + width * 0.95, c as u64)],
                        BAR.filled(),
                    )
                }),
        )
        .map_err(text)?
        .label("replications in the bin")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BAR.filled()));
    chart
        .draw_series(LineSeries::new(
            [(mean, 0), (mean, top)],
            MEAN.stroke_width(2),
        ))
        .map_err(text)?
        .label(format!("mean {:.prec$}%", mean, prec = dec + 1))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], MEAN.stroke_width(2)));
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

pub(crate) fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font(label(13))
        .background_style(WHITE.mix(0.85))
        .border_style(INK.mix(0.4))
        .draw()
        .map_err(text)
}

/// A duration in seconds, short and readable: 250 ms, 42 s, 3.5 min, 2.1 h, 4 d.
pub fn short_duration(secs: f64) -> String {
    let (value, unit) = if secs < 1.0 {
        (secs * 1000.0, "ms")
    } else if secs < 60.0 {
        (secs, "s")
    } else if secs < 3600.0 {
        (secs / 60.0, "min")
    } else if secs < 86_400.0 {
        (secs / 3600.0, "h")
    } else {
        (secs / 86_400.0, "d")
    };
    if value >= 10.0 || value.fract().abs() < 0.05 {
        format!("{value:.0} {unit}")
    } else {
        format!("{value:.1} {unit}")
    }
}

/// Lower edges of the outage histogram's bins, in seconds, with their labels.
const OUTAGE_EDGES: [(f64, &str); 16] = [
    (0.0, "0"),
    (1.0, "1 s"),
    (10.0, "10 s"),
    (30.0, "30 s"),
    (60.0, "1 min"),
    (300.0, "5 min"),
    (900.0, "15 min"),
    (1800.0, "30 min"),
    (3600.0, "1 h"),
    (7200.0, "2 h"),
    (14_400.0, "4 h"),
    (28_800.0, "8 h"),
    (86_400.0, "1 d"),
    (172_800.0, "2 d"),
    (604_800.0, "1 wk"),
    (2_592_000.0, "30 d"),
];

/// A y-axis top for counts up to `max`, with `headroom` for the legend; at least 2 so the
/// axis has integer ticks.
fn integer_top(max: u64, headroom: f64) -> u64 {
    ((max as f64 * headroom).ceil() as u64).max(max + 1).max(2)
}

/// The `q` quantile of sorted values (nearest rank).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn draw_outages<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Summary,
) -> Result<(), String> {
    let title = "Length of path interruptions (outages)";
    let mut values: Vec<f64> = s
        .extras
        .iter()
        .flat_map(|e| e.interruptions_s.iter().copied())
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    if values.is_empty() {
        return empty_state(
            root,
            title,
            "No path to the cloud was interrupted in any replication",
        );
    }
    values.sort_by(f64::total_cmp);
    // Bins a planner names (a failover takes seconds, a truck roll hours, a cut fibre days),
    // trimmed to the ones between the shortest and the longest interruption.
    let bin = |v: f64| OUTAGE_EDGES.iter().rposition(|e| e.0 <= v).unwrap_or(0);
    let (first, last) = (bin(values[0]), bin(values[values.len() - 1]));
    let mut counts = vec![0u64; last - first + 1];
    for v in &values {
        counts[bin(*v) - first] += 1;
    }
    let n = counts.len();
    let top = integer_top(counts.iter().copied().max().unwrap_or(0), 1.3);
    let mut chart = ChartBuilder::on(root)
        .caption(title, caption())
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..n as f64, 0..top)
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc("interruption length (bins from one edge to the next)")
        .y_desc(format!("interruptions, {} replications", s.extras.len()))
        .x_labels(n + 1)
        .x_label_formatter(&|x| {
            let edge = x.round();
            if (x - edge).abs() > 0.01 || edge < 0.0 {
                return String::new();
            }
            OUTAGE_EDGES
                .get(first + edge as usize)
                .map_or("longer", |e| e.1)
                .to_string()
        })
        .disable_x_mesh()
        .label_style(label(12))
        .axis_desc_style(label(14))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(text)?;
    chart
        .draw_series(
            counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(b, &c)| {
                    Rectangle::new([(b as f64 + 0.08, 0), (b as f64 + 0.92, c)], BAR.filled())
                }),
        )
        .map_err(text)?
        .label(format!(
            "{} interruption{}: median {}, 95th percentile {}, longest {}",
            values.len(),
            if values.len() == 1 { "" } else { "s" },
            short_duration(quantile(&values, 0.5)),
            short_duration(quantile(&values, 0.95)),
            short_duration(values[values.len() - 1]),
        ))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BAR.filled()));
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// Per slice of the horizon: (slice midpoint in seconds, mean share delivered on time, 95%
/// half-width), over the replications in which the slice generated messages.
pub fn completeness_band(s: &Summary) -> Vec<(f64, f64, f64)> {
    let slices = s.extras.iter().map(|e| e.series.len()).max().unwrap_or(0);
    let horizon_s = s.horizon as f64 / 1e6;
    (0..slices)
        .filter_map(|i| {
            let e = estimate(s.extras.iter().filter_map(|x| {
                let [generated, on_time] = *x.series.get(i)?;
                (generated > 0).then(|| on_time as f64 / generated as f64)
            }));
            (e.n > 0).then(|| {
                let mid = horizon_s * (i as f64 + 0.5) / slices as f64;
                (mid, e.mean, e.half_width.unwrap_or(0.0))
            })
        })
        .collect()
}

fn draw_completeness<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Summary,
) -> Result<(), String> {
    let title = "Data completeness over time (delivered on time / generated)";
    let band = completeness_band(s);
    if band.is_empty() {
        return empty_state(root, title, "No messages were generated");
    }
    let horizon_s = s.horizon as f64 / 1e6;
    let (scale, unit) = time_scale(horizon_s);
    let pct = |v: f64| (v * 100.0).clamp(0.0, 100.0);
    let lowest = band
        .iter()
        .map(|&(_, m, h)| pct(m - h))
        .fold(100.0, f64::min);
    let span = (100.0 - lowest).max(0.01);
    // Room under the lowest point for the legend (lower left), so it never hides the line.
    let y0 = (lowest - span * 0.35).max(0.0);
    let y1 = 100.0 + span * 0.05;
    let mut chart = ChartBuilder::on(root)
        .caption(title, caption())
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..horizon_s / scale, y0..y1)
        .map_err(text)?;
    let dec = decimals(y1 - y0);
    // Ticks of a 5-year axis fall on half years: one decimal, not "2, 2, 3".
    let xdec = decimals(horizon_s / scale);
    chart
        .configure_mesh()
        .x_desc(format!("time since start ({unit})"))
        .x_label_formatter(&|x| format!("{x:.xdec$}"))
        .y_desc("delivered on time (%)")
        .y_label_formatter(&|y| format!("{y:.dec$}%"))
        .label_style(label(13))
        .axis_desc_style(label(14))
        .light_line_style(INK.mix(0.06))
        .draw()
        .map_err(text)?;
    shade_warm_up(&mut chart, s, scale, (y0, y1), "warm-up, not measured")?;
    let upper = band.iter().map(|&(t, m, h)| (t / scale, pct(m + h)));
    let lower = band.iter().rev().map(|&(t, m, h)| (t / scale, pct(m - h)));
    chart
        .draw_series(std::iter::once(Polygon::new(
            upper.chain(lower).collect::<Vec<_>>(),
            BAND.mix(0.35).filled(),
        )))
        .map_err(text)?
        .label("95% confidence band of the mean")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BAND.mix(0.35).filled()));
    chart
        .draw_series(LineSeries::new(
            band.iter().map(|&(t, m, _)| (t / scale, pct(m))),
            BAR.stroke_width(2),
        ))
        .map_err(text)?
        .label(format!(
            "mean over {} replications ({} slices)",
            s.extras.len(),
            band.len()
        ))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], BAR.stroke_width(2)));
    legend(&mut chart, SeriesLabelPosition::LowerLeft)
}

/// Shades the scenario's warm-up, [0, warm-up), on a time chart whose x axis is in units of
/// `scale` seconds: drawn first, so the data lie over it, and named in the legend with
/// `what`. Nothing without a warm-up.
fn shade_warm_up<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    s: &Summary,
    scale: f64,
    (y0, y1): (f64, f64),
    what: &str,
) -> Result<(), String> {
    if s.warmup == 0 {
        return Ok(());
    }
    let end = s.warmup as f64 / 1e6 / scale;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, y0), (end, y1)],
            WARM_UP.mix(0.45).filled(),
        )))
        .map_err(text)?
        .label(what)
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], WARM_UP.mix(0.45).filled()));
    Ok(())
}

/// The unit of a time axis over `horizon_s` seconds: years from three years on, days from two
/// days, else hours (seconds per unit, name).
fn time_scale(horizon_s: f64) -> (f64, &'static str) {
    if horizon_s >= 3.0 * 365.25 * 86_400.0 {
        (365.25 * 86_400.0, "years")
    } else if horizon_s >= 2.0 * 86_400.0 {
        (86_400.0, "days")
    } else {
        (3600.0, "hours")
    }
}

/// Per slice end: (time in seconds, mean share of devices not yet failed, 95% half-width), over
/// the replications; the share starts at 1 at time 0.
pub fn survival_band(s: &Summary) -> Vec<(f64, f64, f64)> {
    share_band(s, |x| &x.first_failures, |x| x.devices)
}

/// Per slice end: (time in seconds, mean share of battery-powered devices whose battery has not
/// run flat yet, 95% half-width), over the replications; starts at 1 at time 0. Every device is
/// watched to the horizon, so lives longer than the horizon (censored) bias nothing: they are
/// the share still on its first battery at the end.
pub fn battery_band(s: &Summary) -> Vec<(f64, f64, f64)> {
    share_band(s, |x| &x.battery_first_depletions, |x| x.battery_devices)
}

/// When each replication ended, in seconds: the horizon, or its fleet end of life when a
/// fleet's `stop_when_dead` ended it (from its `fleet_end_of_life_*` values).
fn run_ends_s(s: &Summary) -> Vec<f64> {
    let horizon_s = s.horizon as f64 / 1e6;
    let columns = (
        s.index_of("fleet_end_of_life_s"),
        s.index_of("fleet_end_of_life_reached"),
    );
    (0..s.extras.len())
        .map(|r| match (columns, s.per_replication.get(r)) {
            ((Some(t), Some(reached)), Some(row)) if row[reached] == 1.0 => row[t],
            _ => horizon_s,
        })
        .collect()
}

/// The share of `total` devices without a first event yet, per slice end, from each
/// replication's `firsts` per slice: mean and 95% half-width over the replications that have
/// such devices and were still running when the slice began (a replication a fleet end of
/// life ended is not watched after it; the band ends with the last replication).
fn share_band(
    s: &Summary,
    firsts: impl Fn(&Extras) -> &[u64],
    total: impl Fn(&Extras) -> u64,
) -> Vec<(f64, f64, f64)> {
    let slices = s.extras.iter().map(|e| firsts(e).len()).max().unwrap_or(0);
    let horizon_s = s.horizon as f64 / 1e6;
    let ends = run_ends_s(s);
    let mut band = vec![(0.0, 1.0, 0.0)];
    let mut failed: Vec<u64> = vec![0; s.extras.len()];
    for i in 0..slices {
        for (f, x) in failed.iter_mut().zip(&s.extras) {
            *f += firsts(x).get(i).copied().unwrap_or(0);
        }
        let begins = horizon_s * i as f64 / slices as f64;
        let e = estimate(
            failed
                .iter()
                .zip(&s.extras)
                .zip(&ends)
                .filter(|((_, x), end)| total(x) > 0 && **end > begins)
                .map(|((&f, x), _)| 1.0 - f as f64 / total(x) as f64),
        );
        if e.n > 0 {
            let end = horizon_s * (i + 1) as f64 / slices as f64;
            band.push((end, e.mean, e.half_width.unwrap_or(0.0)));
        }
    }
    band
}

fn draw_survival<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Summary,
) -> Result<(), String> {
    let band = survival_band(s);
    if band.len() < 2 {
        let title = "Device survival (share of devices not yet failed)";
        return empty_state(root, title, "No device failed in any replication");
    }
    draw_share(
        root,
        s,
        "Device survival (share of devices not yet failed)",
        "devices never failed (%)",
        &band,
        format!("mean over {} replications", s.extras.len()),
    )
}

fn draw_battery<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Summary,
) -> Result<(), String> {
    let title = "Battery survival (share of devices whose battery has not run flat)";
    let band = battery_band(s);
    if band.len() < 2 || band.iter().all(|&(_, m, _)| m >= 1.0) {
        return empty_state(root, title, "No battery ran flat in any replication");
    }
    let life = match s.estimate("battery_life_mean_s") {
        Some(e) if e.n > 0 => {
            let days = e.mean / 86_400.0;
            if days >= 365.25 {
                format!("; flat ones lasted {:.1} years", days / 365.25)
            } else {
                format!("; flat ones lasted {days:.0} days")
            }
        }
        _ => String::new(),
    };
    draw_share(
        root,
        s,
        title,
        "devices on their first battery (%)",
        &band,
        format!("mean over {} replications{life}", s.extras.len()),
    )
}

/// A share falling from 100% over the horizon: the mean line and its 95% band.
fn draw_share<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Summary,
    title: &str,
    y_desc: &str,
    band: &[(f64, f64, f64)],
    mean_label: String,
) -> Result<(), String> {
    let horizon_s = s.horizon as f64 / 1e6;
    let (scale, unit) = time_scale(horizon_s);
    let pct = |v: f64| (v * 100.0).clamp(0.0, 100.0);
    let lowest = band
        .iter()
        .map(|&(_, m, h)| pct(m - h))
        .fold(100.0, f64::min);
    let span = (100.0 - lowest).max(0.01);
    let y0 = (lowest - span * 0.1).max(0.0);
    let y1 = 100.0 + span * 0.05;
    let mut chart = ChartBuilder::on(root)
        .caption(title, caption())
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..horizon_s / scale, y0..y1)
        .map_err(text)?;
    let dec = decimals(y1 - y0);
    // Ticks of a 5-year axis fall on half years: one decimal, not "2, 2, 3".
    let xdec = decimals(horizon_s / scale);
    chart
        .configure_mesh()
        .x_desc(format!("time since start ({unit})"))
        .x_label_formatter(&|x| format!("{x:.xdec$}"))
        .y_desc(y_desc)
        .y_label_formatter(&|y| format!("{y:.dec$}%"))
        .label_style(label(13))
        .axis_desc_style(label(14))
        .light_line_style(INK.mix(0.06))
        .draw()
        .map_err(text)?;
    // Lives are followed from the start, warm-up included: the shade only marks it.
    shade_warm_up(
        &mut chart,
        s,
        scale,
        (y0, y1),
        "warm-up (lives counted from the start)",
    )?;
    let upper = band.iter().map(|&(t, m, h)| (t / scale, pct(m + h)));
    let lower = band.iter().rev().map(|&(t, m, h)| (t / scale, pct(m - h)));
    chart
        .draw_series(std::iter::once(Polygon::new(
            upper.chain(lower).collect::<Vec<_>>(),
            BAND.mix(0.35).filled(),
        )))
        .map_err(text)?
        .label("95% confidence band of the mean")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BAND.mix(0.35).filled()));
    chart
        .draw_series(LineSeries::new(
            band.iter().map(|&(t, m, _)| (t / scale, pct(m))),
            BAR.stroke_width(2),
        ))
        .map_err(text)?
        .label(mean_label)
        .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], BAR.stroke_width(2)));
    // A survival curve only falls, so its lowest point is its last: when it ends in the lower
    // half, the upper right is empty; when it stays high, the lower left is.
    let last = band.last().map_or(100.0, |&(_, m, _)| pct(m));
    let position = if last < (y0 + y1) / 2.0 {
        SeriesLabelPosition::UpperRight
    } else {
        SeriesLabelPosition::LowerLeft
    };
    legend(&mut chart, position)
}

/// The `lost_*` metrics defined somewhere, largest mean first: (label, mean, low, high).
fn loss_causes(s: &Summary) -> Vec<(String, f64, f64, f64)> {
    let mut causes: Vec<_> = s
        .metrics()
        // A cause that lost nothing in any replication would only crowd the chart.
        .filter(|(m, e)| m.id.starts_with("lost_") && e.n > 0 && e.max > 0.0)
        .map(|(m, e)| {
            let name = m.id.trim_start_matches("lost_").replace('_', " ");
            (name, e.mean, e.low().max(0.0), e.high())
        })
        .collect();
    causes.sort_by(|a, b| b.1.total_cmp(&a.1));
    causes
}

fn draw_losses<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Summary,
) -> Result<(), String> {
    let title = "Messages lost by cause (mean per replication)";
    let causes = loss_causes(s);
    let widest = causes.iter().map(|c| c.3).fold(0.0, f64::max);
    if causes.is_empty() || widest <= 0.0 {
        return empty_state(root, title, "No message was lost in any replication");
    }
    let n = causes.len();
    let names: Vec<String> = causes.iter().map(|c| c.0.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(title, caption())
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(130)
        .build_cartesian_2d(0.0..widest * 1.3, -0.5..n as f64 - 0.5)
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc("messages lost per replication (bar: mean; whisker: 95% CI)")
        .y_labels(n)
        .y_label_formatter(&|y| {
            // Causes sit at integer rows, the largest on top.
            let row = y.round();
            if (y - row).abs() > 0.01 || row < 0.0 {
                return String::new();
            }
            names.get(n - 1 - row as usize).cloned().unwrap_or_default()
        })
        .x_label_formatter(&|x| super::format_value(x.round(), "messages"))
        .disable_y_mesh()
        .label_style(label(13))
        .axis_desc_style(label(14))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(text)?;
    let row = |i: usize| (n - 1 - i) as f64;
    chart
        .draw_series(causes.iter().enumerate().map(|(i, c)| {
            Rectangle::new([(0.0, row(i) - 0.32), (c.1, row(i) + 0.32)], BAR.filled())
        }))
        .map_err(text)?;
    chart
        .draw_series(causes.iter().enumerate().map(|(i, c)| {
            let y = row(i);
            PathElement::new(
                vec![
                    (c.2, y - 0.15),
                    (c.2, y + 0.15),
                    (c.2, y),
                    (c.3, y),
                    (c.3, y - 0.15),
                    (c.3, y + 0.15),
                ],
                INK.stroke_width(2),
            )
        }))
        .map_err(text)?;
    let value_style = label(12).pos(Pos::new(HPos::Left, VPos::Center));
    chart
        .draw_series(causes.iter().enumerate().map(|(i, c)| {
            EmptyElement::at((c.3, row(i)))
                + Text::new(
                    super::format_value(c.1.round(), "messages"),
                    (6, 0),
                    value_style.clone(),
                )
        }))
        .map_err(text)?;
    Ok(())
}

/// Cost components to stack: every `cost_*` metric except totals and per-unit ratios, which
/// would count the same money twice.
fn cost_components(s: &Summary) -> Vec<(String, f64, &'static str)> {
    s.metrics()
        .filter(|(m, e)| {
            m.id.starts_with("cost_")
                && e.n > 0
                && e.mean.is_finite()
                && e.mean >= 0.0
                && !["total", "per_", "npv"].iter().any(|w| m.id.contains(w))
        })
        .map(|(m, e)| {
            let name = m.id.trim_start_matches("cost_").replace('_', " ");
            (name, e.mean, m.unit)
        })
        .collect()
}

fn draw_cost<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Summary) -> Result<(), String> {
    let title = "Cost breakdown over the horizon (mean per replication)";
    let parts = cost_components(s);
    let total: f64 = parts.iter().map(|p| p.1).sum();
    if parts.is_empty() || total <= 0.0 {
        return empty_state(root, title, "No cost model in this scenario");
    }
    let unit = parts[0].2;
    let mut chart = ChartBuilder::on(root)
        .caption(title, caption())
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(20)
        .build_cartesian_2d(0.0..total * 1.05, -1.0..1.6)
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc(format!("cost ({unit})"))
        .x_label_formatter(&|x| super::format_value(x.round(), unit))
        .y_labels(0)
        .disable_y_mesh()
        .label_style(label(13))
        .axis_desc_style(label(14))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(text)?;
    let mut left = 0.0;
    for (i, (name, value, _)) in parts.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(left, -0.4), (left + value, 0.4)],
                colour.filled(),
            )))
            .map_err(text)?
            .label(format!(
                "{name}: {} ({:.1}%)",
                super::format_value(*value, unit),
                value / total * 100.0
            ))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
        left += value;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Better, Metric};
    use crate::montecarlo::Extras;

    fn metric(id: &str, unit: &'static str) -> Metric {
        Metric {
            id: id.to_string(),
            unit,
            definition: format!("definition of {id}"),
            better: Better::Higher,
        }
    }

    /// Three replications with availability, losses, interruptions and a completeness series.
    fn summary() -> Summary {
        let metrics = vec![
            metric("site_availability", "ratio"),
            metric("lost_link_loss", "messages"),
            metric("lost_buffer_overflow", "messages"),
            metric("cost_hardware", "EUR"),
            metric("cost_connectivity", "EUR"),
        ];
        let per_replication = vec![
            vec![0.9991, 120.0, 0.0, 1000.0, 300.0],
            vec![0.9995, 100.0, 4.0, 1000.0, 320.0],
            vec![0.9989, 140.0, 9.0, 1000.0, 310.0],
        ];
        let estimates = (0..metrics.len())
            .map(|m| estimate(per_replication.iter().map(|r| r[m])))
            .collect();
        let extras = (0..3u64)
            .map(|r| Extras {
                series: (0..100).map(|i| [100, 99 - (i + r) % 3]).collect(),
                interruptions_s: vec![5.0 + r as f64, 600.0, 7200.0 * (r + 1) as f64],
                device_failures: 0,
                gateway_failures: 0,
                carrier_messages: vec![],
                first_failures: (0..100).map(|i| (i % 7 == r) as u64).collect(),
                devices: 50,
                battery_first_depletions: (0..100).map(|i| (i % 5 == r) as u64 * 2).collect(),
                battery_devices: 100,
            })
            .collect();
        Summary {
            scenario: "test <site>".to_string(),
            description: "a test".to_string(),
            seed: 1,
            replications: 3,
            mode: crate::montecarlo::Mode::Packet,
            horizon: 30 * 86_400 * 1_000_000,
            warmup: 0,
            deadline: 60_000_000,
            per_replication,
            extras,
            metrics,
            estimates,
            verdicts: vec![],
            recovery_p95: None,
        }
    }

    fn well_formed(svg: &str, title: &str) {
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
        assert!(svg.contains(title), "missing title {title:?}");
        assert!(
            svg.contains("<text"),
            "no text drawn: the font is not working"
        );
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
    }

    #[test]
    fn every_chart_is_well_formed_svg_with_its_title() {
        let s = summary();
        well_formed(
            &availability(&s).unwrap(),
            "site availability over 3 replications",
        );
        well_formed(&outages(&s).unwrap(), "Length of path interruptions");
        well_formed(&completeness(&s).unwrap(), "Data completeness over time");
        well_formed(&losses(&s).unwrap(), "Messages lost by cause");
        well_formed(&cost(&s).unwrap(), "Cost breakdown");
        well_formed(&svg(Kind::Survival, &s).unwrap(), "Device survival");
        well_formed(&svg(Kind::Battery, &s).unwrap(), "Battery survival");
        assert_eq!(charts(&s).unwrap().len(), 7);
    }

    #[test]
    fn empty_charts_say_why() {
        let mut s = summary();
        for e in &mut s.extras {
            e.interruptions_s.clear();
        }
        s.metrics.truncate(3);
        let svg = outages(&s).unwrap();
        well_formed(&svg, "Length of path interruptions");
        assert!(svg.contains("No path to the cloud was interrupted"));
        assert!(!Kind::Cost.applies(&s), "no cost metric, no cost chart");
    }

    #[test]
    fn charts_are_byte_stable() {
        let s = summary();
        assert_eq!(losses(&s).unwrap(), losses(&s).unwrap());
        assert_eq!(completeness(&s).unwrap(), completeness(&s).unwrap());
    }

    /// A warm-up is a grey band named in the legend on every chart over time, and nowhere
    /// without one; the series themselves are the whole run's either way.
    #[test]
    fn charts_over_time_shade_the_warm_up() {
        let mut s = summary();
        let plain =
            [Kind::Completeness, Kind::Survival, Kind::Battery].map(|k| svg(k, &s).unwrap());
        for chart in &plain {
            assert!(!chart.contains("warm-up"));
        }
        s.warmup = 3 * 86_400 * 1_000_000;
        assert!(
            svg(Kind::Completeness, &s)
                .unwrap()
                .contains("warm-up, not measured")
        );
        for kind in [Kind::Survival, Kind::Battery] {
            assert!(
                svg(kind, &s)
                    .unwrap()
                    .contains("warm-up (lives counted from the start)")
            );
        }
        assert!(!svg(Kind::Losses, &s).unwrap().contains("warm-up"));
        assert_eq!(completeness_band(&s), completeness_band(&summary()));
    }

    #[test]
    fn completeness_band_is_a_mean_with_an_interval() {
        let band = completeness_band(&summary());
        assert_eq!(band.len(), 100);
        let (t, mean, half) = band[0];
        assert_eq!(t, 0.5 * 30.0 * 86_400.0 / 100.0);
        assert!((mean - 0.98).abs() < 1e-12, "{mean}");
        assert!(half > 0.0);
    }

    #[test]
    fn survival_starts_at_one_and_falls_by_first_failures() {
        let s = summary();
        let band = survival_band(&s);
        assert_eq!(band.len(), 101);
        assert_eq!(band[0], (0.0, 1.0, 0.0));
        // Replication r loses a device in slices i with i % 7 == r.
        let (t, mean, _) = band[100];
        assert_eq!(t, 30.0 * 86_400.0);
        let lost: f64 = (0..3u64)
            .map(|r| (0..100).filter(|i| i % 7 == r).count() as f64 / 50.0)
            .sum::<f64>()
            / 3.0;
        assert!((mean - (1.0 - lost)).abs() < 1e-12, "{mean}");
        let mut none = s.clone();
        for x in &mut none.extras {
            x.first_failures.iter_mut().for_each(|f| *f = 0);
        }
        assert!(!Kind::Survival.applies(&none));
    }

    /// A replication a fleet end of life ended counts only in the slices it ran.
    #[test]
    fn survival_leaves_out_replications_after_their_fleet_end_of_life() {
        let mut s = summary();
        s.metrics.push(metric("fleet_end_of_life_s", "s"));
        s.metrics.push(metric("fleet_end_of_life_reached", "ratio"));
        let horizon_s = 30.0 * 86_400.0;
        // Replication 0 ended a tenth into the horizon, the others ran to it.
        for (r, row) in s.per_replication.iter_mut().enumerate() {
            let ended = r == 0;
            row.push(if ended { horizon_s / 10.0 } else { horizon_s });
            row.push(ended as u8 as f64);
        }
        let band = survival_band(&s);
        let last = band[100].1;
        let lost: f64 = (1..3u64)
            .map(|r| (0..100).filter(|i| i % 7 == r).count() as f64 / 50.0)
            .sum::<f64>()
            / 2.0;
        assert!((last - (1.0 - lost)).abs() < 1e-12, "{last}");
        // The slice it ended in still has all three.
        let full = survival_band(&summary());
        assert_eq!(band[10], full[10]);
        // By slice 14 replication 0 would have lost a third device; it is no longer watched.
        assert!(band[15].1 > full[15].1, "{:?} vs {:?}", band[15], full[15]);
    }

    #[test]
    fn battery_survival_falls_by_first_depletions_and_needs_batteries() {
        let s = summary();
        let band = battery_band(&s);
        assert_eq!(band.len(), 101);
        assert_eq!(band[0], (0.0, 1.0, 0.0));
        // Replication r has 2 of its 100 batteries run flat in slices i with i % 5 == r.
        let flat: Vec<f64> = (0..3u64)
            .map(|r| (0..100).filter(|i| i % 5 == r).count() as f64 * 2.0 / 100.0)
            .collect();
        let (t, mean, half) = band[100];
        assert_eq!(t, 30.0 * 86_400.0);
        assert!((mean - (1.0 - flat.iter().sum::<f64>() / 3.0)).abs() < 1e-12);
        assert!(half >= 0.0);
        assert!(Kind::Battery.applies(&s));
        assert_eq!(
            svg(Kind::Battery, &s).unwrap(),
            svg(Kind::Battery, &s).unwrap()
        );
        // Batteries that never ran flat: the chart says so.
        let mut none = s.clone();
        for x in &mut none.extras {
            x.battery_first_depletions.iter_mut().for_each(|f| *f = 0);
        }
        assert!(Kind::Battery.applies(&none));
        assert!(
            svg(Kind::Battery, &none)
                .unwrap()
                .contains("No battery ran flat")
        );
        // No batteries: no chart.
        for x in &mut none.extras {
            x.battery_devices = 0;
        }
        assert!(!Kind::Battery.applies(&none));
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(short_duration(0.25), "250 ms");
        assert_eq!(short_duration(42.0), "42 s");
        assert_eq!(short_duration(90.0), "1.5 min");
        assert_eq!(short_duration(7200.0), "2 h");
    }
}
