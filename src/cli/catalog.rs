//! `iotwin catalog`: the presets a scenario can name.

use std::process::ExitCode;

use super::{CatalogKind, say};

/// Prints the link technologies (`tech:`) or the device classes (`class:`) with their
/// defaults.
pub(super) fn catalog(kind: CatalogKind) -> ExitCode {
    match kind {
        CatalogKind::Links => say(&format!(
            "{}\nA link written `Link(tech: Lte)` starts from that row; fields written beside it override it.\n",
            iotwin::scenario::catalog::table()
        )),
        CatalogKind::Devices => say(&format!(
            "{}\nA fleet written `Fleet(class: SmartMeter, ...)` starts from that row; fields written beside it override it.\n",
            iotwin::scenario::devices::table()
        )),
    }
    ExitCode::SUCCESS
}
