//! What every chart shares: its size, colours, fonts, legend, empty state and the numbers of
//! its axes' ticks. Text is measured with the embedded font (`report::font`), so the output is
//! byte-stable for the same summary.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::font::FAMILY;

/// Size of every chart, in pixels: readable in a report column and on a laptop screen.
pub const SIZE: (u32, u32) = (720, 360);

pub(crate) const BAR: RGBColor = RGBColor(70, 110, 170);
pub(crate) const MEAN: RGBColor = RGBColor(200, 60, 40);
pub(crate) const BAND: RGBColor = RGBColor(240, 150, 60);
pub(crate) const INK: RGBColor = RGBColor(40, 40, 40);
/// The shade of a warm-up on time charts: a neutral grey, apart from the data's colours.
/// Colours of stacked cost components, in order.
pub(crate) const PALETTE: [RGBColor; 6] = [
    RGBColor(70, 110, 170),
    RGBColor(240, 150, 60),
    RGBColor(90, 160, 90),
    RGBColor(200, 60, 40),
    RGBColor(140, 100, 170),
    RGBColor(140, 140, 140),
];

pub(crate) fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

pub(crate) fn caption() -> TextStyle<'static> {
    (FAMILY, 19).into_font().color(&INK)
}

pub(crate) fn label(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&INK)
}

/// A chart with nothing to show still says what it would show, and why it is empty.
pub(crate) fn empty_state<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    message: &str,
) -> Result<(), String> {
    let area = root.titled(title, caption()).map_err(text)?;
    let (w, h) = area.dim_in_pixel();
    let style = label(16).pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(
        message.to_string(),
        (w as i32 / 2, h as i32 / 2),
        style,
    ))
    .map_err(text)
}

/// Digits after the point that tell ticks about `span / 10` apart.
pub(crate) fn decimals(span: f64) -> usize {
    if span <= 0.0 || !span.is_finite() {
        return 2;
    }
    (-(span / 10.0).log10()).ceil().clamp(0.0, 6.0) as usize
}
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font(label(13))
        .background_style(WHITE.mix(0.85))
        .border_style(INK.mix(0.4))
        .draw()
        .map_err(text)
}

/// A y-axis top for counts up to `max`, with `headroom` for the legend; at least 2 so the
/// axis has integer ticks.
pub(super) fn integer_top(max: u64, headroom: f64) -> u64 {
    ((max as f64 * headroom).ceil() as u64).max(max + 1).max(2)
}
