//! The probability plot on Weibull paper: x is the logarithm of time, y is ln(−ln(1 − F)), so
//! a Weibull law is a straight line of slope equal to its shape, and an exponential one a line
//! of slope 1. The points are the Kaplan–Meier estimate at each ended duration (plotted at the
//! middle of its step, as the Hazen plotting position does for complete data); each fitted law
//! is a line, conditioned like the estimate on lasting to the earliest entry.

use plotters::prelude::*;

use super::PopulationFit;
use super::gof::{conditional_cdf, kaplan_meier};
use crate::report::chart::{INK, PALETTE, caption, label, legend, text};
use crate::report::font;

/// Size of the chart, in pixels (the report charts' size).
pub const SIZE: (u32, u32) = crate::report::chart::SIZE;

/// The time unit of an axis over durations up to `largest` seconds (seconds each, name).
fn unit(largest: f64) -> (f64, &'static str) {
    if largest >= 2.0 * 365.0 * 86_400.0 {
        (365.0 * 86_400.0, "years")
    } else if largest >= 2.0 * 86_400.0 {
        (86_400.0, "days")
    } else if largest >= 2.0 * 3600.0 {
        (3600.0, "hours")
    } else {
        (60.0, "minutes")
    }
}

/// ln(−ln(1 − F)), the Weibull-paper ordinate.
fn weibull_y(f: f64) -> f64 {
    (-(-f).ln_1p()).ln()
}

/// Draws the Weibull-paper plot of one population's fits as SVG.
pub fn weibull_paper(fit: &PopulationFit) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(&root, fit)?;
    }
    Ok(out)
}

/// Draws the same plot into a PNG file (for looking at it without a browser).
pub fn weibull_paper_png(fit: &PopulationFit, path: &std::path::Path) -> Result<(), String> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    draw(&root, fit)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    fit: &PopulationFit,
) -> Result<(), String> {
    font::register()?;
    root.fill(&WHITE).map_err(text)?;
    let obs = &fit.sample.observations;
    let first_entry = obs.iter().map(|o| o.entry).fold(f64::INFINITY, f64::min);
    let points: Vec<(f64, f64)> = kaplan_meier(obs)
        .iter()
        .map(|s| (s.time, 1.0 - (s.before + s.after) / 2.0))
        .filter(|&(t, f)| t > 0.0 && f > 0.0 && f < 1.0)
        .collect();
    let times: Vec<f64> = obs.iter().map(|o| o.time).filter(|&t| t > 0.0).collect();
    let lo = times.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = times.iter().copied().fold(0.0, f64::max);
    let title = format!(
        "Weibull probability plot: {}",
        fit.sample.population.label()
    );
    if points.is_empty() || hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return crate::report::chart::empty_state(root, &title, "Too few ended durations to plot");
    }
    let (scale, unit_name) = unit(hi);
    let (x0, x1) = ((lo / scale).log10() - 0.1, (hi / scale).log10() + 0.1);
    let f_lo = points.iter().map(|p| p.1).fold(1.0, f64::min).max(1e-4);
    let f_hi = points.iter().map(|p| p.1).fold(0.0, f64::max).min(0.9999);
    let (y0, y1) = (weibull_y(f_lo) - 0.5, weibull_y(f_hi) + 0.5);
    let mut chart = ChartBuilder::on(root)
        .caption(title, caption())
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc(format!("duration ({unit_name}, log scale)"))
        .x_label_formatter(&|x| super::snippet::significant(10f64.powf(*x), 2))
        .y_desc("share ended, F (Weibull scale)")
        .y_label_formatter(&|y| {
            let f = -(-(y.exp())).exp_m1();
            format!("{}%", super::snippet::significant(100.0 * f, 2))
        })
        .label_style(label(13))
        .axis_desc_style(label(14))
        .light_line_style(INK.mix(0.06))
        .draw()
        .map_err(text)?;
    for (i, law_fit) in fit.fits.iter().enumerate() {
        let law = &law_fit.estimate.law;
        let colour = PALETTE[i % PALETTE.len()];
        let line: Vec<(f64, f64)> = (0..=120)
            .map(|k| x0 + (x1 - x0) * k as f64 / 120.0)
            .filter_map(|x| {
                let f = conditional_cdf(law, first_entry, 10f64.powf(x) * scale);
                let y = weibull_y(f);
                (y.is_finite() && y >= y0 && y <= y1).then_some((x, y))
            })
            .collect();
        chart
            .draw_series(LineSeries::new(line, colour.stroke_width(2)))
            .map_err(text)?
            .label(format!(
                "{} (AIC {:.1}{})",
                super::snippet::describe(law),
                law_fit.estimate.aic,
                if i == 0 { ", best" } else { "" }
            ))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], colour.stroke_width(2)));
    }
    chart
        .draw_series(points.iter().map(|&(t, f)| {
            Circle::new(
                ((t / scale).log10(), weibull_y(f)),
                3,
                INK.mix(0.7).filled(),
            )
        }))
        .map_err(text)?
        .label(format!(
            "Kaplan–Meier ({} ended, {} censored)",
            fit.sample.ended(),
            fit.sample.censored()
        ))
        .legend(|(x, y)| Circle::new((x + 7, y), 3, INK.mix(0.7).filled()));
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present().map_err(text)
}
