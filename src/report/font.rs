//! The one font every chart uses, shipped inside the binary.
//!
//! plotters' `ttf` feature would look fonts up through fontconfig, so a chart would depend on
//! the machine that drew it (and fail on one without fonts). With `ab_glyph`, text is measured
//! with this embedded DejaVu Sans (licence in `assets/fonts/LICENSE-DejaVu.txt`): charts render
//! with no system fonts and no network, and the same input gives the same bytes everywhere.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

/// DejaVu Sans, the family charts ask for as `sans-serif`.
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family name charts use; SVG viewers fall back to their own sans-serif font.
pub const FAMILY: &str = "sans-serif";

/// Registers the embedded font with plotters, once per process; later calls return the first
/// outcome. Returns an error only if the embedded file is not a font (a build problem).
pub fn register() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS)
                .map_err(|_| "the embedded DejaVu Sans font is unreadable".to_string())
        })
        .clone()
}
