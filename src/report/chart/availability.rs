//! Availability over replications: histogram, mean and 95% CI.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{
    BAND, BAR, MEAN, caption, decimals, empty_state, integer_top, label, legend, text,
};
use crate::montecarlo::Summary;

/// The availability metric a reader cares about: per site when sites are defined.
fn availability_metric(s: &Summary) -> Option<usize> {
    ["site_availability", "connectivity_availability"]
        .into_iter()
        .filter_map(|id| s.index_of(id))
        .find(|&i| s.estimates[i].n > 0)
}

pub(super) fn draw_availability<DB: DrawingBackend>(
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
