//! The progress bars commands draw on standard error while they run: one look for all, so
//! `run`, `check`, `compare`, `sweep`, their shards and `trace` read alike.

use indicatif::{ProgressBar, ProgressStyle};

/// What a bar over replications shows: its message (the scenario, design or sweep point
/// running), the bar, replications done of all, time so far and the estimate left.
const REPLICATIONS: &str =
    "{spinner} {msg} [{bar:30}] {pos}/{len} replications, {elapsed} (eta {eta})";

/// What `trace`'s bar shows: the share of the horizon simulated.
const HORIZON: &str = "{spinner} tracing [{bar:30}] {pos}% of the horizon, {elapsed}";

/// A bar counting `total` replications.
pub(super) fn replications(total: u64) -> ProgressBar {
    ProgressBar::new(total).with_style(style(REPLICATIONS))
}

/// A bar over the horizon in percent, for `trace`.
pub(super) fn horizon() -> ProgressBar {
    ProgressBar::new(100).with_style(style(HORIZON))
}

/// The bars' one look: `=` filling, `>` at the head. A template that did not parse would fall
/// back to indicatif's plain bar rather than stop a run (the test below keeps them parsing).
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for template in [REPLICATIONS, HORIZON] {
            assert!(ProgressStyle::with_template(template).is_ok(), "{template}");
        }
    }
}
