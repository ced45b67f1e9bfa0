//! Share of each slice's messages delivered on time, with its 95% band.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{BAND, BAR, INK, caption, decimals, empty_state, label, legend, text};
use super::warm_up::{shade_warm_up, time_scale};
use crate::montecarlo::{Summary, estimate};

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

pub(super) fn draw_completeness<DB: DrawingBackend>(
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
