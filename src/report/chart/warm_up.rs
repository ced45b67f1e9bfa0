//! The time axis of the charts over the horizon and the warm-up's shade on it.

use plotters::prelude::*;

use crate::montecarlo::Summary;

use super::style::text;

const WARM_UP: RGBColor = RGBColor(175, 175, 175);

/// Shades the scenario's warm-up, [0, warm-up), on a time chart whose x axis is in units of
/// `scale` seconds: drawn first, so the data lie over it, and named in the legend with
/// `what`. Nothing without a warm-up.
pub(super) fn shade_warm_up<'a, DB: DrawingBackend + 'a>(
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
pub(super) fn time_scale(horizon_s: f64) -> (f64, &'static str) {
    if horizon_s >= 3.0 * 365.25 * 86_400.0 {
        (365.25 * 86_400.0, "years")
    } else if horizon_s >= 2.0 * 86_400.0 {
        (86_400.0, "days")
    } else {
        (3600.0, "hours")
    }
}
