//! Failover places: calling a place's policy and applying what it decided (the members in
//! use, timers, failover counts), telling it the truth as members change, and bringing a
//! gateway's connectivity and its fleets' paths up to date after a change.

use crate::engine::Scheduler;

use super::super::super::event::{Event, Packed};
use super::super::super::failover::{Ctx, FailoverPolicy};
use super::super::super::trace::Trace;
use super::{Choice, Host, Network};

impl Network {
    /// Place `p`'s policy timer `token` fires.
    pub(in crate::model::world) fn policy_timer(
        &mut self,
        sched: &mut Scheduler<Packed>,
        host: &mut impl Host,
        p: usize,
        token: u32,
    ) {
        self.call_policy(sched, host, p, |policy, cx| policy.timer(cx, token));
    }

    /// Calls place `p`'s policy through `call`, then applies what it decided: timers, the
    /// members in use, the failover counts.
    pub(super) fn call_policy(
        &mut self,
        sched: &mut Scheduler<Packed>,
        host: &mut impl Host,
        p: usize,
        call: impl FnOnce(&mut dyn FailoverPolicy, &mut Ctx<'_>),
    ) {
        let now = sched.now();
        let place = &mut self.places[p];
        let before = place.in_use.clone();
        let mut cx = Ctx::new(
            now,
            &place.up,
            &mut place.in_use,
            &mut place.rng,
            &mut self.timers,
        );
        call(place.policy.as_mut(), &mut cx);
        host.accounts().failovers += cx.failed_switches as u64;
        for (delay, token) in self.timers.drain(..) {
            let event = Event::PolicyTimer {
                place: p as u32,
                token,
            };
            sched.schedule_at(now.saturating_add(delay), event.into());
        }
        // A failover: a failed member carrying traffic is taken out of use, and traffic goes
        // on (now, or after a switch) over another member.
        for (m, &was) in before.iter().enumerate() {
            if was && !place.in_use[m] && !place.up[m] {
                place.abandoned = Some(m);
            }
        }
        if let Some(left) = place.abandoned
            && place.in_use.iter().any(|&u| u)
        {
            place.abandoned = None;
            if place
                .in_use
                .iter()
                .enumerate()
                .any(|(m, &u)| u && m != left)
            {
                let ok = place.in_use.iter().zip(&place.up).all(|(&u, &up)| !u || up);
                let acc = host.accounts();
                acc.failovers += 1;
                acc.failovers_ok += ok as u64;
            }
        }
        let before = before.iter().position(|&u| u);
        let after = place.in_use.iter().position(|&u| u);
        let choice = place.choice;
        match choice {
            Choice::Uplinks { gateway } => {
                let g = gateway as usize;
                if after != before {
                    let uplink = after.map(|u| u as u32);
                    host.observe(now, Trace::UplinkChanged { gateway, uplink });
                }
                self.gateways[g].active = after;
                self.refresh_gateway(sched, host, g);
            }
            Choice::Gateways { group } => {
                self.standby_follow(sched, group as usize);
                if after != before {
                    let gateway = after.map(|m| self.groups[group as usize].members[m]);
                    host.observe(now, Trace::GroupChanged { group, gateway });
                }
                for i in 0..self.groups[group as usize].fleets.len() {
                    let f = self.groups[group as usize].fleets[i] as usize;
                    self.refresh_path(host, now, f);
                }
                host.group_reachable(sched, self, group as usize);
            }
        }
    }

    /// Tells place `p` that member `m` changed.
    pub(super) fn member_changed(
        &mut self,
        sched: &mut Scheduler<Packed>,
        host: &mut impl Host,
        p: usize,
        m: usize,
        up: bool,
    ) {
        if self.places[p].up[m] == up {
            return;
        }
        self.places[p].up[m] = up;
        self.call_policy(sched, host, p, |policy, cx| {
            policy.member_changed(cx, m, up)
        });
    }

    /// Brings gateway `g`'s connectivity and its fleets' paths up to date after a change, and
    /// lets its backlog leave if it can forward again.
    pub(super) fn refresh_gateway(
        &mut self,
        sched: &mut Scheduler<Packed>,
        host: &mut impl Host,
        g: usize,
    ) {
        let now = sched.now();
        let gw = &self.gateways[g];
        let connected = gw.health.up
            && gw
                .active
                .is_some_and(|u| self.carriers[gw.uplinks[u].carrier].health.up);
        let gw = &mut self.gateways[g];
        if connected != gw.connected {
            gw.connected = connected;
            if connected {
                gw.connectivity_down.came_up(now);
                host.accounts().connectivity_down.came_up(now);
                host.accounts().gateway_outage(g, false);
            } else {
                gw.connectivity_down.went_down(now);
                host.accounts().connectivity_down.went_down(now);
            }
            for i in 0..self.gateways[g].groups.len() {
                let group = self.gateways[g].groups[i] as usize;
                for j in 0..self.groups[group].fleets.len() {
                    let f = self.groups[group].fleets[j] as usize;
                    self.refresh_path(host, now, f);
                }
                // A pass-through gateway connected again takes custody of what its devices kept.
                if connected && self.gateways[g].capacity == 0 {
                    host.group_reachable(sched, self, group);
                }
            }
        }
        // Up but unable to forward (cut off, or repaired into a cut): its buffer's outage.
        if !connected && self.gateways[g].health.up {
            host.accounts().gateway_outage(g, true);
        }
        host.gateway_refreshed(sched, self, g);
    }
}
