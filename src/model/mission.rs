//! Mission reliability: when a system (a site) first fails in a replication.
//!
//! A reliability engineer asks two questions availability does not answer: how long until the
//! system first fails (its MTTF, when it is not repaired back to new), and what share of
//! missions of length t see no failure at all (R(t)). Both need only the first failure of each
//! replication, so [`FirstFailure`] keeps one time per system, fed by the same path changes that
//! move the site's availability. A leaf: no world state, no draw.

use crate::engine::Ticks;

/// The first failure of one system in one replication: the start of its first down interval
/// of positive length, measured from the mission's start (the warm-up's end, or 0).
///
/// A down interval that ends at the instant it began (a switch-over that takes no time) is no
/// failure: the system never stopped serving. Intervals never overlap, so the first interval of
/// positive length to end is the earliest one.
#[derive(Clone, Debug, Default)]
pub struct FirstFailure {
    /// The mission's start.
    from: Ticks,
    /// When the current down interval began, if the system is down.
    down_since: Option<Ticks>,
    /// When the first failure of the mission began.
    first: Option<Ticks>,
}

impl FirstFailure {
    /// The system stops serving `now`.
    pub fn went_down(&mut self, now: Ticks) {
        self.down_since = Some(now);
    }

    /// The system serves again `now`.
    pub fn came_up(&mut self, now: Ticks) {
        if let Some(since) = self.down_since.take()
            && now > since
            && self.first.is_none()
        {
            self.first = Some(since);
        }
    }

    /// The mission starts `now` (the warm-up ends): failures before it are forgotten, and a
    /// system down at this instant has failed at the mission's start.
    pub fn restart(&mut self, now: Ticks) {
        self.from = now;
        self.first = None;
        if self.down_since.is_some() {
            self.down_since = Some(now);
        }
    }

    /// Time from the mission's start to the first failure, if one began before `horizon`
    /// (a system still down at the horizon failed when that interval began).
    pub fn close(&self, horizon: Ticks) -> Option<Ticks> {
        let open = self.down_since.filter(|&since| since < horizon);
        self.first.or(open).map(|t| t - self.from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failure_is_the_first_interval_of_positive_length() {
        let mut f = FirstFailure::default();
        f.went_down(10);
        f.came_up(10); // a switch-over that takes no time
        assert_eq!(f.close(100), None);
        f.went_down(20);
        f.came_up(25);
        f.went_down(30);
        f.came_up(40);
        assert_eq!(f.close(100), Some(20));
    }

    #[test]
    fn a_system_still_down_at_the_horizon_failed_when_it_went_down() {
        let mut f = FirstFailure::default();
        f.went_down(70);
        assert_eq!(f.close(100), Some(70));
        assert_eq!(f.close(70), None);
    }

    #[test]
    fn the_mission_starts_at_the_warm_up_end() {
        let mut f = FirstFailure::default();
        f.went_down(5);
        f.came_up(8);
        f.went_down(40);
        f.restart(50); // down across the warm-up's end: failed at the mission's start
        f.came_up(60);
        assert_eq!(f.close(100), Some(0));
        let mut g = FirstFailure::default();
        g.went_down(5);
        g.came_up(8);
        g.restart(50);
        g.went_down(80);
        assert_eq!(g.close(100), Some(30));
    }
}
