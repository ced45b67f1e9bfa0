//! The fleet end-of-life rule (`stop_when_dead`): a replication ends at the first instant when
//! a fleet has at least its share of devices dead.
//!
//! **Dead** is read as a reliability engineer reads a fleet's state at an instant: a device is
//! dead while it is down, whatever the reason — its battery is flat (swapped later or never),
//! its unit failed and is waiting for or under repair, or it is out for a planned
//! replacement. Down is down: a device awaiting a technician does not report, so it counts.
//! These are exactly the device-time that device availability counts as down. A device bricked
//! by firmware, without a valid certificate or with a degraded sensor is *up* (it runs, and
//! its readings are lost or wrong for other reasons), so it does not count. A fleet whose
//! repairs are quick rarely has many devices down at once and so rarely reaches its share.
//!
//! The watch only counts; it changes nothing in the world, so a run that watches and one that
//! does not are the same run.

use crate::scenario::Deployment;

/// Per fleet: devices down now, and the count that ends the run (`u32::MAX`: never).
#[derive(Clone, Debug)]
pub struct DeadWatch {
    down: Vec<u32>,
    stop_at: Vec<u32>,
}

impl DeadWatch {
    /// The watch for `dep`, if any fleet sets `stop_when_dead`.
    pub fn new(dep: &Deployment) -> Option<DeadWatch> {
        dep.stops_when_dead().then(|| DeadWatch {
            down: vec![0; dep.fleets.len()],
            stop_at: dep
                .fleets
                .iter()
                .map(|f| f.stop_when_dead.unwrap_or(u32::MAX))
                .collect(),
        })
    }

    /// A device of `fleet` went down (`up == false`) or came back; true when this change
    /// brings the fleet to its share of dead devices.
    pub fn changed(&mut self, fleet: usize, up: bool) -> bool {
        let down = &mut self.down[fleet];
        if up {
            *down = down.saturating_sub(1);
            false
        } else {
            *down += 1;
            *down == self.stop_at[fleet]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watch_fires_once_when_the_count_is_reached() {
        let mut w = DeadWatch {
            down: vec![0, 0],
            stop_at: vec![2, u32::MAX],
        };
        assert!(!w.changed(0, false));
        assert!(!w.changed(1, false));
        assert!(!w.changed(0, true));
        assert!(!w.changed(0, false));
        assert!(w.changed(0, false));
        assert!(!w.changed(0, false));
    }
}
