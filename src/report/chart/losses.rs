//! Mean messages lost per replication, by cause, with 95% CI whiskers.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{BAR, INK, caption, empty_state, label, text};
use crate::montecarlo::Summary;
use crate::report::format_value;

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

pub(super) fn draw_losses<DB: DrawingBackend>(
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
        .x_label_formatter(&|x| format_value(x.round(), "messages"))
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
                    format_value(c.1.round(), "messages"),
                    (6, 0),
                    value_style.clone(),
                )
        }))
        .map_err(text)?;
    Ok(())
}
