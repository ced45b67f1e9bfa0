//! Standby spares, checked: how a redundancy group's idle gateway ages.

use super::compile::Ctx;
use super::deployment::StandbyKind;
use super::error::ScenarioError;
use super::types::Redundancy;

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
}
