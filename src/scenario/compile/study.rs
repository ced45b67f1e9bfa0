//! The study's frame: a horizon that is neither empty nor beyond a thousand years, a warm-up
//! shorter than it, mission times inside the measured window, and a replication count one
//! study may run.

use super::super::error::ScenarioError;
use super::super::types::Scenario;
use super::{Ctx, MAX_REPLICATIONS};

/// Refuses a horizon, warm-up, mission time or replication count no study can run.
pub(super) fn study(cx: &Ctx<'_>, s: &Scenario) -> Result<(), ScenarioError> {
    if s.horizon.ticks() == 0 {
        return Err(cx.error(
            "horizon",
            "the horizon is 0s".into(),
            "simulate some time, e.g. horizon: \"30d\"".into(),
        ));
    }
    // A thousand years is far beyond any deployment and keeps every time sum in 64 bits.
    let longest = crate::engine::Duration::parse("1000y").map_or(u64::MAX, |d| d.ticks());
    if s.horizon.ticks() > longest {
        return Err(cx.error(
            "horizon",
            format!("the horizon {} is longer than 1000 years", s.horizon),
            "industrial fleets live 10–20 years; e.g. horizon: \"20y\"".into(),
        ));
    }
    if let Some(w) = s.warmup
        && w.ticks() >= s.horizon.ticks()
    {
        return Err(cx.error(
            "warmup",
            format!(
                "the warm-up {w} is not shorter than the horizon {}",
                s.horizon
            ),
            "the warm-up is left out of every measure; keep it a small part of the horizon, \
             e.g. warmup: \"1d\" with horizon: \"30d\""
                .into(),
        ));
    }
    mission_times(cx, s)?;
    if s.replications.0 > MAX_REPLICATIONS {
        return Err(cx.error(
            "replications",
            format!(
                "{} replications is more than the {MAX_REPLICATIONS} one study may run",
                s.replications.0
            ),
            "the 95% interval narrows as 1/√R: 1,000 replications are usually plenty, and \
             `iotwin run --precision` stops once an interval is narrow enough"
                .into(),
        ));
    }
    Ok(())
}

/// Refuses mission times that are zero, repeated, or longer than the measured window (horizon
/// minus warm-up): R(t) needs every replication observed up to t.
fn mission_times(cx: &Ctx<'_>, s: &Scenario) -> Result<(), ScenarioError> {
    let window = s.horizon.ticks() - s.warmup.map_or(0, |w| w.ticks());
    for (i, t) in s.mission_times.iter().enumerate() {
        let field = format!("mission_times[{i}]");
        if t.ticks() == 0 {
            return Err(cx.error(
                &field,
                "a mission time of 0 is not a mission".into(),
                "list the mission lengths whose reliability you want, e.g. mission_times: [\"1y\", \"5y\"]".into(),
            ));
        }
        if t.ticks() > window {
            return Err(cx.error(
                &field,
                format!(
                    "the mission time {t} is longer than the measured window {} (horizon minus warm-up)",
                    crate::engine::Duration(window)
                ),
                format!("lengthen the horizon to at least {t} plus the warm-up, or shorten the mission"),
            ));
        }
        if s.mission_times[..i].iter().any(|u| u.ticks() == t.ticks()) {
            return Err(cx.error(
                &field,
                format!("the mission time {t} is listed twice"),
                "list each mission length once".into(),
            ));
        }
    }
    Ok(())
}
