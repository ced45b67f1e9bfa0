//! Interruption lengths pooled over replications, in the bins a planner names.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{BAR, caption, empty_state, integer_top, label, legend, text};
use crate::montecarlo::Summary;

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

/// The `q` quantile of sorted values (nearest rank).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub(super) fn draw_outages<DB: DrawingBackend>(
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
