//! Charts of a [`Summary`], as SVG text for the reports (or PNG, to look at them).
//!
//! Each chart is drawn by one generic function, so the same drawing goes to an SVG string
//! (embedded in `report.html`, written to `charts/`) or to a PNG (for checking them by eye, see
//! `examples/chart_pngs.rs`). Every chart shows uncertainty: a 95% interval of the mean over
//! replications. Text is measured with the embedded font (`report::font`), so the output is
//! byte-stable for the same summary.
//!
//! One file a chart kind; `style` holds what they all share (size, colours, fonts, legend,
//! empty state) and `warm_up` the time axis and the warm-up's shade of the charts over time.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::font;
use crate::montecarlo::Summary;

mod availability;
mod completeness;
mod cost;
mod losses;
mod outages;
mod style;
mod survival;
#[cfg(test)]
mod tests;
mod warm_up;

pub use completeness::completeness_band;
pub use outages::short_duration;
pub use style::SIZE;
pub(crate) use style::{
    BAND, BAR, INK, MEAN, PALETTE, caption, decimals, empty_state, label, legend, text,
};
pub use survival::{battery_band, survival_band};

/// A chart the reports can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Availability,
    Outages,
    Completeness,
    Survival,
    Battery,
    Losses,
    Cost,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Availability,
        Kind::Outages,
        Kind::Completeness,
        Kind::Survival,
        Kind::Battery,
        Kind::Losses,
        Kind::Cost,
    ];

    /// File name under `charts/`, without extension.
    pub fn stem(self) -> &'static str {
        match self {
            Kind::Availability => "availability",
            Kind::Outages => "outages",
            Kind::Completeness => "completeness",
            Kind::Survival => "survival",
            Kind::Battery => "battery",
            Kind::Losses => "losses",
            Kind::Cost => "cost",
        }
    }

    /// Whether the summary has what this chart shows (costs exist only with a cost model).
    pub fn applies(self, s: &Summary) -> bool {
        match self {
            Kind::Cost => !cost::cost_components(s).is_empty(),
            // Only where devices age and fail.
            Kind::Survival => s
                .extras
                .iter()
                .any(|x| x.devices > 0 && x.first_failures.iter().any(|&f| f > 0)),
            // Whenever the scenario has batteries, even if none ran flat (the chart says so).
            Kind::Battery => s.extras.iter().any(|x| x.battery_devices > 0),
            _ => true,
        }
    }
}

/// A chart drawn as SVG.
#[derive(Clone, Debug)]
pub struct Chart {
    pub kind: Kind,
    pub svg: String,
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the {chart} chart: {message}")]
pub struct ChartError {
    pub chart: &'static str,
    pub message: String,
}

/// Every chart that applies to `s`, in report order.
pub fn charts(s: &Summary) -> Result<Vec<Chart>, ChartError> {
    Kind::ALL
        .into_iter()
        .filter(|k| k.applies(s))
        .map(|kind| svg(kind, s).map(|svg| Chart { kind, svg }))
        .collect()
}

/// Availability over replications: histogram, mean and 95% CI.
pub fn availability(s: &Summary) -> Result<String, ChartError> {
    svg(Kind::Availability, s)
}

/// Interruption lengths pooled over replications, in logarithmic bins.
pub fn outages(s: &Summary) -> Result<String, ChartError> {
    svg(Kind::Outages, s)
}

/// Share of each slice's messages delivered on time, with its 95% band.
pub fn completeness(s: &Summary) -> Result<String, ChartError> {
    svg(Kind::Completeness, s)
}

/// Mean messages lost per replication, by cause, with 95% CI whiskers.
pub fn losses(s: &Summary) -> Result<String, ChartError> {
    svg(Kind::Losses, s)
}

/// Stacked mean cost components; an empty-state chart without a cost model.
pub fn cost(s: &Summary) -> Result<String, ChartError> {
    svg(Kind::Cost, s)
}

/// Draws one chart into an SVG string.
pub fn svg(kind: Kind, s: &Summary) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(kind, &root, s).map_err(|message| ChartError {
            chart: kind.stem(),
            message,
        })?;
    }
    Ok(out)
}

/// Draws one chart into a PNG file (for looking at charts without a browser).
pub fn png(kind: Kind, s: &Summary, path: &std::path::Path) -> Result<(), ChartError> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    draw(kind, &root, s).map_err(|message| ChartError {
        chart: kind.stem(),
        message,
    })
}

/// Draws `kind` onto any plotters backend.
pub fn draw<DB: DrawingBackend>(
    kind: Kind,
    root: &DrawingArea<DB, Shift>,
    s: &Summary,
) -> Result<(), String> {
    font::register()?;
    root.fill(&WHITE).map_err(text)?;
    match kind {
        Kind::Availability => availability::draw_availability(root, s),
        Kind::Outages => outages::draw_outages(root, s),
        Kind::Completeness => completeness::draw_completeness(root, s),
        Kind::Survival => survival::draw_survival(root, s),
        Kind::Battery => survival::draw_battery(root, s),
        Kind::Losses => losses::draw_losses(root, s),
        Kind::Cost => cost::draw_cost(root, s),
    }?;
    root.present().map_err(text)
}
