//! Stacked mean cost components over the horizon.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{PALETTE, caption, empty_state, label, legend, text};
use crate::montecarlo::Summary;
use crate::report::format_value;

/// Cost components to stack: every `cost_*` metric except totals and per-unit ratios, which
/// would count the same money twice.
pub(super) fn cost_components(s: &Summary) -> Vec<(String, f64, &'static str)> {
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

pub(super) fn draw_cost<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Summary,
) -> Result<(), String> {
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
        .x_label_formatter(&|x| format_value(x.round(), unit))
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
                format_value(*value, unit),
                value / total * 100.0
            ))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
        left += value;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}
