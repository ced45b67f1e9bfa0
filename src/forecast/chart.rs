//! The fan chart of a forecast: one quantity's cumulative count over the coming days for the
//! whole fleet, its median line inside the 50% and 95% bands of the replications. Drawn with
//! the reports' embedded font and styles (`report::chart`), so the same forecast gives the
//! same bytes on every machine.

use plotters::prelude::*;

use super::Forecast;
use crate::engine::{TICKS_PER_SECOND, Ticks};
use crate::report::chart::{BAND, BAR, INK, SIZE, caption, decimals, label, legend, text};
use crate::report::font;

/// The fan of quantity index `q` (`fan` from [`Forecast::fan`]) as SVG text.
pub fn fan_svg(f: &Forecast, q: usize, fan: &[(Ticks, [f64; 5])]) -> Result<String, String> {
    font::register()?;
    let quantity = f.quantities[q];
    let title = format!("Forecast: {} (cumulative, whole fleet)", quantity.label());
    let day = 86_400.0 * TICKS_PER_SECOND as f64;
    let x_max = f.horizon as f64 / day;
    let y_max = fan
        .iter()
        .map(|(_, qs)| qs[4])
        .fold(0.0_f64, f64::max)
        .max(1.0)
        * 1.05;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(text)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, caption())
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)
            .map_err(text)?;
        let ydec = decimals(y_max).min(1);
        let unit = match (quantity, &f.currency) {
            (super::Quantity::Cost, Some(c)) => c.clone(),
            (super::Quantity::CrewHours, _) => "hours".into(),
            _ => "count".into(),
        };
        chart
            .configure_mesh()
            .x_desc("days from the start")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_desc(format!("{} ({unit})", quantity.label()))
            .y_label_formatter(&|y| format!("{y:.ydec$}"))
            .label_style(label(13))
            .axis_desc_style(label(14))
            .light_line_style(INK.mix(0.06))
            .draw()
            .map_err(text)?;
        let points = |i: usize| -> Vec<(f64, f64)> {
            std::iter::once((0.0, 0.0))
                .chain(fan.iter().map(|(t, qs)| (*t as f64 / day, qs[i])))
                .collect()
        };
        for (lo, hi, alpha, name) in [
            (0, 4, 0.25, "95% of futures"),
            (1, 3, 0.45, "50% of futures"),
        ] {
            let upper = points(hi);
            let lower: Vec<(f64, f64)> = points(lo).into_iter().rev().collect();
            chart
                .draw_series(std::iter::once(Polygon::new(
                    upper.into_iter().chain(lower).collect::<Vec<_>>(),
                    BAND.mix(alpha).filled(),
                )))
                .map_err(text)?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], BAND.mix(alpha).filled())
                });
        }
        chart
            .draw_series(LineSeries::new(points(2), BAR.stroke_width(2)))
            .map_err(text)?
            .label(format!("median of {} replications", f.replications))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], BAR.stroke_width(2)));
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(text)?;
    }
    Ok(out)
}
