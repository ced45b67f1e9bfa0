//! Standby spares, checked: how a redundancy group's idle gateway ages, and a fleet's
//! standby spares per device.

use super::compile::{Ctx, MAX_COLD_SPARES};
use super::deployment::{DeviceStandbySpec, LifeSpec, StandbyKind};
use super::error::ScenarioError;
use super::types::{Fleet, Redundancy};
use crate::engine::DurationDist;

impl Ctx<'_> {
    /// The standby kind of redundancy group `r` (written at `here`): `Hot` for groups that
    /// have no standby, a warm factor refused unless strictly between 0 and 1 (0 is `Cold`,
    /// 1 is `Hot`, and anything else is no ageing rate).
    pub(super) fn group_standby(
        &self,
        here: &str,
        r: &Redundancy,
    ) -> Result<StandbyKind, ScenarioError> {
        match r {
            Redundancy::ActiveStandby { standby, .. } => {
                self.standby_kind(&format!("{here}.standby"), *standby)
            }
            Redundancy::ActiveActive { .. } => Ok(StandbyKind::Hot),
        }
    }

    /// A standby kind written at `field`, checked.
    pub(super) fn standby_kind(
        &self,
        field: &str,
        kind: StandbyKind,
    ) -> Result<StandbyKind, ScenarioError> {
        match kind {
            StandbyKind::Warm(f) if !(f > 0.0 && f < 1.0) => Err(self.error(
                field,
                format!("a warm spare's ageing factor must be above 0 and below 1, found {f}"),
                "Warm(0.2) ages a fifth as fast as in service; write Cold for a spare that does \
                 not age and Hot for one that ages as if it worked"
                    .into(),
            )),
            kind => Ok(kind),
        }
    }
    /// Fleet `f`'s standby spares (written at `here`), checked against the rest of its
    /// lifecycle `life`: spares need a failure law to fail and be repaired by, and are not
    /// combined with what keeps its own clocks or another spares model (batteries, planned
    /// replacement, degradation, `cold_spares`), which would each need their own rules for
    /// which unit they act on.
    pub(super) fn device_standby(
        &self,
        here: &str,
        f: &Fleet,
        life: &LifeSpec,
        fails: bool,
    ) -> Result<Option<DeviceStandbySpec>, ScenarioError> {
        let Some(s) = &f.standby else {
            return Ok(None);
        };
        let field = format!("{here}.standby");
        let refuse = |what: &str, hint: &str| Err(self.error(&field, what.into(), hint.into()));
        if !fails {
            return refuse(
                "standby spares on a fleet without a failure law",
                "spares take over when a unit fails: add `failure: Failure(lifetime: …, \
                 repair: …)` to the fleet, or remove `standby`",
            );
        }
        if life.cold_spares > 0 {
            return refuse(
                "`cold_spares` and `standby` together",
                "`cold_spares: n` is standby without repair; write only \
                 `standby: Standby(spares: n, kind: Cold)`",
            );
        }
        if life.has_clocks() {
            return refuse(
                "standby spares on a fleet with a battery, planned replacement or degradation",
                "these are not modelled per spare unit yet; remove `standby` or those fields",
            );
        }
        if s.spares == 0 || s.spares > MAX_COLD_SPARES {
            return Err(self.error(
                &format!("{field}.spares"),
                format!(
                    "{} spares per device; a standby keeps 1 to {MAX_COLD_SPARES}",
                    s.spares
                ),
                "usually 1 or 2 spares per device, e.g. `spares: 1`; remove `standby` for none"
                    .into(),
            ));
        }
        let kind = self.standby_kind(&format!("{field}.kind"), s.kind)?;
        let switch = match &s.switch {
            Some(t) => self.dist(&format!("{field}.switch"), &t.law())?,
            None => DurationDist::fixed(0),
        };
        Ok(Some(DeviceStandbySpec {
            spares: s.spares,
            idle_rate: kind.idle_rate(),
            coverage: s.coverage.0,
            switch,
        }))
    }
}
