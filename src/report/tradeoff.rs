//! Cost against availability for `iotwin compare`: each design's mean total cost and site
//! availability (or data completeness) with 95% error bars in both directions, and the Pareto
//! front (the designs no other design beats on both) when there are more than two. Written as
//! `tradeoff.svg` and shown in `compare.md` / `compare.html`.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{ChartError, INK, MEAN, PALETTE, SIZE, caption, decimals, label, legend, text};
use super::table::{clipped, format_value};
use crate::metrics::Better;
use crate::montecarlo::Estimate;
use crate::montecarlo::compare::Comparison;

/// The metrics on the chart: the cost, then what it buys.
pub const COST: &str = "cost_total";
/// The availability charted, the first the designs define: devices on their own SIMs are
/// judged by their service availability, as the comparison's table headlines them.
const AVAILABILITY: [&str; 3] = [
    "service_availability",
    "site_availability",
    "data_completeness",
];

/// One design on the chart.
#[derive(Clone, Debug)]
pub struct Design {
    pub name: String,
    pub cost: Estimate,
    pub availability: Estimate,
}

/// What the chart shows, or why there is none.
#[derive(Clone, Debug)]
pub struct TradeOff {
    pub currency: &'static str,
    /// The availability metric used (`service_availability`, else `site_availability`, else
    /// `data_completeness`).
    pub availability: String,
    pub availability_better: Better,
    pub cost_better: Better,
    pub designs: Vec<Design>,
    /// Indices into `designs` of the Pareto front, cheapest first (empty with two designs or
    /// fewer: there a front says nothing the table does not).
    pub front: Vec<usize>,
}

/// The trade-off of a comparison; `Err` says why there is none (no cost model).
pub fn tradeoff(c: &Comparison) -> Result<TradeOff, String> {
    let cost = c.metrics.iter().find(|m| m.id == COST).ok_or_else(|| {
        "no cost model in the designs (add a `costs` block to each to chart cost against availability)"
            .to_string()
    })?;
    let avail = AVAILABILITY
        .iter()
        .find_map(|id| c.metrics.iter().find(|m| m.id == *id && m.baseline.n > 0))
        .ok_or_else(|| "no availability or completeness defined in the designs".to_string())?;
    let estimates = |m: &crate::montecarlo::compare::MetricComparison| -> Vec<Estimate> {
        std::iter::once(m.baseline)
            .chain(m.versus.iter().map(|v| v.estimate))
            .collect()
    };
    let designs: Vec<Design> = c
        .designs
        .iter()
        .zip(estimates(cost).into_iter().zip(estimates(avail)))
        .map(|(name, (cost, availability))| Design {
            name: name.clone(),
            cost,
            availability,
        })
        .collect();
    let front = if designs.len() > 2 {
        let pts: Vec<(f64, f64)> = designs
            .iter()
            .map(|d| (d.cost.mean, d.availability.mean))
            .collect();
        pareto_front(&pts, cost.better, avail.better)
    } else {
        vec![]
    };
    Ok(TradeOff {
        currency: cost.unit,
        availability: avail.id.clone(),
        availability_better: avail.better,
        cost_better: cost.better,
        designs,
        front,
    })
}

/// The points no other point dominates — at least as good on both coordinates and better on
/// one, each in its `Better` direction — sorted by the first coordinate. A coordinate that is
/// `Better::Neither` does not rank; NaN points are never on the front.
pub fn pareto_front(points: &[(f64, f64)], x_better: Better, y_better: Better) -> Vec<usize> {
    let sign = |b: Better| match b {
        Better::Higher => 1.0,
        Better::Lower => -1.0,
        Better::Neither => 0.0,
    };
    let (sx, sy) = (sign(x_better), sign(y_better));
    let good = |i: usize| (points[i].0 * sx, points[i].1 * sy);
    let valid = |i: usize| points[i].0.is_finite() && points[i].1.is_finite();
    let mut front: Vec<usize> = (0..points.len())
        .filter(|&i| valid(i))
        .filter(|&i| {
            let (xi, yi) = good(i);
            !(0..points.len()).any(|j| {
                if j == i || !valid(j) {
                    return false;
                }
                let (xj, yj) = good(j);
                xj >= xi && yj >= yi && (xj > xi || yj > yi)
            })
        })
        .collect();
    front.sort_by(|&a, &b| points[a].0.total_cmp(&points[b].0).then(a.cmp(&b)));
    front
}

/// The chart as SVG.
pub fn svg(t: &TradeOff) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(&root, t).map_err(|message| ChartError {
            chart: "tradeoff",
            message,
        })?;
    }
    Ok(out)
}

/// The chart as a PNG file, to look at it.
pub fn png(t: &TradeOff, path: &std::path::Path) -> Result<(), ChartError> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    draw(&root, t).map_err(|message| ChartError {
        chart: "tradeoff",
        message,
    })
}

/// A design on the chart: (cost low, mean, high, availability low, mean, high in %).
type Marker = (f64, f64, f64, f64, f64, f64);

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, t: &TradeOff) -> Result<(), String> {
    super::font::register()?;
    root.fill(&WHITE).map_err(text)?;
    // (x low, x mean, x high, y low, y mean, y high) with y in percent, intervals clipped.
    let pts: Vec<Marker> = t
        .designs
        .iter()
        .map(|d| {
            let (cl, ch) = clipped(d.cost.low(), d.cost.high(), t.currency);
            let (al, ah) = clipped(d.availability.low(), d.availability.high(), "ratio");
            (
                cl,
                d.cost.mean,
                ch,
                al * 100.0,
                d.availability.mean * 100.0,
                ah * 100.0,
            )
        })
        .collect();
    let fold = |f: fn(&Marker) -> f64, init: f64, pick: fn(f64, f64) -> f64| {
        pts.iter().map(f).filter(|v| v.is_finite()).fold(init, pick)
    };
    let (x_lo, x_hi) = (
        fold(|p| p.0, f64::INFINITY, f64::min),
        fold(|p| p.2, f64::NEG_INFINITY, f64::max),
    );
    let (y_lo, y_hi) = (
        fold(|p| p.3, f64::INFINITY, f64::min),
        fold(|p| p.5, f64::NEG_INFINITY, f64::max),
    );
    let xpad = ((x_hi - x_lo) * 0.12).max(x_hi.abs() * 0.01).max(1.0);
    let ypad = ((y_hi - y_lo) * 0.12).max(1e-4);
    let (x0, x1) = ((x_lo - xpad).max(0.0), x_hi + xpad);
    let (y0, y1) = (
        (y_lo - ypad).max(0.0),
        (y_hi + ypad * 2.0).min(100.0 + ypad),
    );
    let name = t.availability.replace('_', " ");
    let mut chart = ChartBuilder::on(root)
        .caption(format!("Cost against {name}"), caption())
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(text)?;
    let ydec = decimals(y1 - y0);
    chart
        .configure_mesh()
        .x_desc(format!("total cost over the horizon ({})", t.currency))
        .y_desc(format!("{name} (%)"))
        .x_label_formatter(&|x| format_value(x.round(), "count"))
        .y_label_formatter(&|y| format!("{y:.ydec$}%"))
        .x_labels(7)
        .label_style(label(13))
        .axis_desc_style(label(14))
        .light_line_style(INK.mix(0.06))
        .draw()
        .map_err(text)?;
    if t.front.len() > 1 {
        chart
            .draw_series(DashedLineSeries::new(
                t.front.iter().map(|&i| (pts[i].1, pts[i].4)),
                7,
                4,
                MEAN.stroke_width(2),
            ))
            .map_err(text)?
            .label("Pareto front (none cheaper and more available)")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], MEAN.stroke_width(2)));
    }
    for (i, (d, p)) in t.designs.iter().zip(&pts).enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let (xl, xm, xh, yl, ym, yh) = *p;
        if !(xm.is_finite() && ym.is_finite()) {
            continue;
        }
        let cap_x = (x1 - x0) * 0.008;
        let cap_y = (y1 - y0) * 0.015;
        let bars = [
            vec![(xl, ym), (xh, ym)],
            vec![(xl, ym - cap_y), (xl, ym + cap_y)],
            vec![(xh, ym - cap_y), (xh, ym + cap_y)],
            vec![(xm, yl), (xm, yh)],
            vec![(xm - cap_x, yl), (xm + cap_x, yl)],
            vec![(xm - cap_x, yh), (xm + cap_x, yh)],
        ];
        chart
            .draw_series(
                bars.into_iter()
                    .map(|b| PathElement::new(b, color.mix(0.8).stroke_width(1))),
            )
            .map_err(text)?;
        let on_front = t.front.contains(&i);
        let style = if on_front || t.front.is_empty() {
            color.filled()
        } else {
            color.stroke_width(2)
        };
        chart
            .draw_series(std::iter::once(Circle::new((xm, ym), 6, style)))
            .map_err(text)?
            .label(d.name.clone())
            .legend(move |(x, y)| Circle::new((x + 7, y), 5, color.filled()));
    }
    // Names beside the markers, each where it overlaps no other name or marker.
    let mut taken: Vec<(i32, i32, i32, i32)> = pts
        .iter()
        .filter(|p| p.1.is_finite() && p.4.is_finite())
        .map(|p| {
            let (x, y) = chart.backend_coord(&(p.1, p.4));
            (x - 7, y - 7, x + 7, y + 7)
        })
        .collect();
    let overlaps = |a: &(i32, i32, i32, i32), b: &(i32, i32, i32, i32)| {
        a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
    };
    let (w_px, _) = root.dim_in_pixel();
    for (d, p) in t.designs.iter().zip(&pts) {
        if !(p.1.is_finite() && p.4.is_finite()) {
            continue;
        }
        let (x, y) = chart.backend_coord(&(p.1, p.4));
        let width = (d.name.chars().count() as f64 * 7.2) as i32;
        let candidates = [
            (x + 9, y - 22),
            (x + 9, y + 6),
            (x - 9 - width, y - 22),
            (x - 9 - width, y + 6),
            (x - width / 2, y - 30),
            (x - width / 2, y + 14),
        ];
        let fits = |c: &(i32, i32)| {
            let rect = (c.0, c.1, c.0 + width, c.1 + 16);
            rect.0 >= 0 && rect.2 <= w_px as i32 && !taken.iter().any(|t| overlaps(&rect, t))
        };
        let at = candidates
            .iter()
            .copied()
            .find(|c| fits(c))
            .unwrap_or(candidates[0]);
        taken.push((at.0, at.1, at.0 + width, at.1 + 16));
        root.draw(&Text::new(
            d.name.clone(),
            at,
            label(12).pos(Pos::new(HPos::Left, VPos::Top)),
        ))
        .map_err(text)?;
    }
    // The legend goes in the corner with the fewest designs.
    let (xm, ym) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let count = |right: bool, upper: bool| {
        pts.iter()
            .filter(|p| (p.1 > xm) == right && (p.4 > ym) == upper)
            .count()
    };
    let corners = [
        (count(true, false), SeriesLabelPosition::LowerRight),
        (count(false, false), SeriesLabelPosition::LowerLeft),
        (count(true, true), SeriesLabelPosition::UpperRight),
        (count(false, true), SeriesLabelPosition::UpperLeft),
    ];
    let corner = corners
        .into_iter()
        .min_by_key(|(n, _)| *n)
        .map_or(SeriesLabelPosition::LowerRight, |(_, c)| c);
    legend(&mut chart, corner)?;
    root.present().map_err(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_front_keeps_the_undominated_designs_cheapest_first() {
        // (cost, availability): b is dominated by a (dearer, less available); d ties a on
        // cost but is less available; c is dearest and most available.
        let pts = [
            (100.0, 0.99),
            (120.0, 0.98),
            (150.0, 0.999),
            (100.0, 0.95),
            (90.0, 0.9),
        ];
        assert_eq!(
            pareto_front(&pts, Better::Lower, Better::Higher),
            vec![4, 0, 2]
        );
        // Equal points do not dominate each other.
        let twins = [(1.0, 1.0), (1.0, 1.0)];
        assert_eq!(
            pareto_front(&twins, Better::Lower, Better::Higher),
            vec![0, 1]
        );
        // NaN is never on the front.
        let nan = [(1.0, f64::NAN), (2.0, 0.5)];
        assert_eq!(pareto_front(&nan, Better::Lower, Better::Higher), vec![1]);
        // Directions matter: with cost better higher, the dearest design is on the front.
        assert_eq!(
            pareto_front(&[(1.0, 0.5), (2.0, 0.5)], Better::Higher, Better::Higher),
            vec![1]
        );
    }
}
