//! Shares of devices falling from 100% over the horizon: devices not yet failed, and devices
//! on their first battery.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{BAND, BAR, INK, caption, decimals, empty_state, label, legend, text};
use super::warm_up::{shade_warm_up, time_scale};
use crate::montecarlo::{Extras, Summary, estimate};

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

pub(super) fn draw_survival<DB: DrawingBackend>(
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

pub(super) fn draw_battery<DB: DrawingBackend>(
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
pub(super) fn draw_share<DB: DrawingBackend>(
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
