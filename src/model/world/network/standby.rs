//! Standby gateways that age more slowly than the one in service: the idle members of an
//! active/standby group declared `Warm(factor)` or `Cold`.
//!
//! A member's life is drawn as usual from its failure law, in *in-service* time; it then
//! spends that life at rate 1 while its group uses it and at the idle rate (the warm factor,
//! or 0 when cold) while it does not. That is the accelerated-life view of a standby: a
//! non-exponential law's age, and so its hazard, advances at the idle rate, and for the
//! exponential law it is the textbook warm standby with failure rate factor × λ. A member
//! is in use when its group's policy says so: not while the switch-over to it runs, nor while
//! an uncovered switch leaves the group waiting. A failed member does not age; when it is
//! repaired (by its repair law or a crew) it gets a new life and ages by whether its group
//! uses it, which the group's `switch_back` decides (by default it stays the standby).
//!
//! Events cannot be cancelled, so each rate change schedules a new `GatewayFail` and the
//! member remembers when the one that counts is due; the others find another time there and
//! are ignored. Hot members (the default) keep no clock and draw exactly as before.

use crate::engine::{Scheduler, Ticks};

use super::super::super::event::{Event, Packed};
use super::Network;

/// A standby member's failure clock.
#[derive(Debug)]
pub(super) struct Ageing {
    /// Ageing rate while idle, as a share of the in-service rate.
    idle: f64,
    /// The group the gateway is a standby member of, and its index among the members.
    group: u32,
    member: u32,
    /// Life left as of `since`, in in-service ticks.
    left: f64,
    /// The rate it ages at since `since` (negative: not set since the last new life).
    rate: f64,
    since: Ticks,
    /// When the `GatewayFail` that counts is due (`Ticks::MAX`: none is).
    due: Ticks,
}

impl Ageing {
    pub(super) fn new(idle: f64, group: u32, member: u32) -> Ageing {
        Ageing {
            idle,
            group,
            member,
            left: 0.0,
            rate: -1.0,
            since: 0,
            due: Ticks::MAX,
        }
    }
}

impl Network {
    /// Gateway `g` starts a new life of `life` in-service ticks now (at time 0, or repaired):
    /// its failure is scheduled by the rate its group's use of it gives.
    pub(super) fn standby_new_life(
        &mut self,
        sched: &mut Scheduler<Packed>,
        g: usize,
        life: Ticks,
    ) {
        if let Some(a) = self.gateways[g].ageing.as_deref_mut() {
            a.left = life as f64;
            a.rate = -1.0;
            a.since = sched.now();
            a.due = Ticks::MAX;
        }
        self.standby_follow_gateway(sched, g);
    }

    /// Whether a `GatewayFail` of gateway `g` firing now is the one that counts (always, for a
    /// gateway that keeps no standby clock); once it has fired, no other does.
    pub(super) fn standby_fail_due(&mut self, g: usize, now: Ticks) -> bool {
        match self.gateways[g].ageing.as_deref_mut() {
            None => true,
            Some(a) if a.due == now => {
                a.due = Ticks::MAX;
                true
            }
            Some(_) => false,
        }
    }

    /// After group `group`'s policy decided which members are in use: each standby member
    /// ages at the rate that use gives from now on.
    pub(super) fn standby_follow(&mut self, sched: &mut Scheduler<Packed>, group: usize) {
        for i in 0..self.groups[group].members.len() {
            let g = self.groups[group].members[i] as usize;
            if self.gateways[g].ageing.is_some() {
                self.standby_follow_gateway(sched, g);
            }
        }
    }

    /// Gateway `g` (up by its own process) ages at 1 if its group uses it, else at its idle
    /// rate; when that rate changes, the life spent so far is taken off and its failure
    /// rescheduled (none while the rate is 0).
    fn standby_follow_gateway(&mut self, sched: &mut Scheduler<Packed>, g: usize) {
        let now = sched.now();
        let gw = &self.gateways[g];
        let Some(a) = gw.ageing.as_deref() else {
            return;
        };
        if !gw.health.random_up {
            return;
        }
        let in_use = self.groups[a.group as usize]
            .place
            .is_some_and(|p| self.places[p as usize].in_use[a.member as usize]);
        let Some(a) = self.gateways[g].ageing.as_deref_mut() else {
            return;
        };
        let rate = if in_use { 1.0 } else { a.idle };
        if rate == a.rate {
            return;
        }
        if a.rate > 0.0 {
            a.left = (a.left - (now - a.since) as f64 * a.rate).max(0.0);
        }
        a.since = now;
        a.rate = rate;
        a.due = if rate > 0.0 {
            now.saturating_add((a.left / rate).ceil() as Ticks)
        } else {
            Ticks::MAX
        };
        if a.due != Ticks::MAX {
            sched.schedule_at(a.due, Event::GatewayFail(g as u32).into());
        }
    }
}
