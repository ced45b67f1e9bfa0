//! Units going down and up: carriers' and gateways' own failure processes, common causes,
//! and the hold-downs that scripted faults and causes put on a unit. Each change is told to
//! the failover places concerned and brought through to connectivity and paths.

use rand::RngExt;

use crate::engine::{Scheduler, Ticks};
use crate::scenario::Unit;

use super::super::super::event::{Event, Packed};
use super::super::super::trace::Trace;
use super::{Health, Host, Network, time_to_next_change};

impl Network {
    /// Carrier `c`'s own outage process changes state, and draws its next change.
    pub(in crate::model::world) fn carrier_process(
        &mut self,
        sched: &mut Scheduler<Packed>,
        host: &mut impl Host,
        c: usize,
        up: bool,
    ) {
        let now = sched.now();
        let carrier = &mut self.carriers[c];
        carrier.health.random_up = up;
        if let Some(o) = &carrier.outages {
            let next = if up {
                Event::CarrierDown(c as u32)
            } else {
                Event::CarrierUp(c as u32)
            };
            let after = time_to_next_change(o, up, &mut carrier.stream);
            sched.schedule_at(now.saturating_add(after), next.into());
        }
        self.apply_carrier(sched, host, c);
    }

    /// Makes carrier `c`'s effective state follow its health, and tells its gateways.
    fn apply_carrier(&mut self, sched: &mut Scheduler<Packed>, host: &mut impl Host, c: usize) {
        let Some(up) = self.carriers[c].health.settle() else {
            return;
        };
        let now = sched.now();
        if up {
            host.observe(now, Trace::CarrierUp(c as u32));
        } else {
            host.accounts().carrier_outages += 1;
            host.observe(now, Trace::CarrierDown(c as u32));
        }
        host.carrier_changed(sched, self, c, up);
        for i in 0..self.carriers[c].users.len() {
            let g = self.carriers[c].users[i] as usize;
            let had_uplink = self.gateways[g].uplinks.iter().any(|u| {
                if u.carrier == c {
                    !up
                } else {
                    self.carriers[u.carrier].health.up
                }
            });
            for u in 0..self.gateways[g].uplinks.len() {
                if self.gateways[g].uplinks[u].carrier == c {
                    self.member_changed(sched, host, g, u, up);
                }
            }
            match (had_uplink, self.any_uplink(g)) {
                (true, false) => host.accounts().uplink_down.went_down(now),
                (false, true) => host.accounts().uplink_down.came_up(now),
                _ => {}
            }
            self.refresh_gateway(sched, host, g);
        }
    }

    /// Whether gateway `g` has at least one uplink whose carrier works.
    fn any_uplink(&self, g: usize) -> bool {
        self.gateways[g]
            .uplinks
            .iter()
            .any(|u| self.carriers[u.carrier].health.up)
    }

    /// Gateway `g`'s own failure process changes state, and draws its next change (a crew
    /// may take the repair).
    pub(in crate::model::world) fn gateway_process(
        &mut self,
        sched: &mut Scheduler<Packed>,
        host: &mut impl Host,
        g: usize,
        up: bool,
    ) {
        let now = sched.now();
        if !up && !self.standby_fail_due(g, now) {
            return;
        }
        let gw = &mut self.gateways[g];
        gw.health.random_up = up;
        let acc = host.accounts();
        acc.gateway_failures += !up as u64;
        acc.gateway_failures_each[g] += !up as u64;
        if let Some(f) = &gw.failure {
            let next = if up {
                Event::GatewayFail(g as u32)
            } else {
                Event::GatewayRepair(g as u32)
            };
            let after = time_to_next_change(f, up, &mut gw.life);
            if up && gw.ageing.is_some() {
                self.standby_new_life(sched, g, after);
            } else if up || !host.gateway_repair_job(sched, g, after) {
                sched.schedule_at(now.saturating_add(after), next.into());
            }
        }
        self.apply_gateway(sched, host, g);
    }

    /// Makes gateway `g`'s effective state follow its health, keeping the availability
    /// account, and tells its redundancy group.
    fn apply_gateway(&mut self, sched: &mut Scheduler<Packed>, host: &mut impl Host, g: usize) {
        let Some(up) = self.gateways[g].health.settle() else {
            return;
        };
        let now = sched.now();
        if up {
            host.accounts().gateway_down.came_up(now);
            host.observe(now, Trace::GatewayUp(g as u32));
        } else {
            host.accounts().gateway_down.went_down(now);
            host.observe(now, Trace::GatewayDown(g as u32));
        }
        self.refresh_gateway(sched, host, g);
        for i in 0..self.gateways[g].groups.len() {
            let group = self.gateways[g].groups[i] as usize;
            if let Some(p) = self.groups[group].place {
                let m = self.groups[group]
                    .members
                    .iter()
                    .position(|&x| x as usize == g)
                    .unwrap_or(0);
                self.member_changed(sched, host, p as usize, m, up);
            }
            if up {
                host.group_reachable(sched, self, group);
            }
        }
    }

    /// Adds (`hold`) or removes one external reason for `unit` to be down.
    pub(super) fn hold_down(
        &mut self,
        sched: &mut Scheduler<Packed>,
        host: &mut impl Host,
        unit: Unit,
        hold: bool,
    ) {
        let step = |h: &mut Health| {
            if hold {
                h.faults += 1
            } else {
                h.faults = h.faults.saturating_sub(1)
            }
        };
        match unit {
            Unit::Carrier(c) => {
                step(&mut self.carriers[c].health);
                self.apply_carrier(sched, host, c);
            }
            Unit::Gateway(g) => {
                step(&mut self.gateways[g].health);
                self.apply_gateway(sched, host, g);
            }
        }
    }

    /// Common cause `i` strikes (`up == false`) or clears, and draws its next change.
    pub(in crate::model::world) fn cause(
        &mut self,
        sched: &mut Scheduler<Packed>,
        host: &mut impl Host,
        i: usize,
        up: bool,
    ) {
        let now = sched.now();
        let cause = &mut self.causes[i];
        let after = time_to_next_change(&cause.laws, up, &mut cause.stream);
        let next = Event::Cause {
            index: i as u32,
            up: !up,
        };
        sched.schedule_at(now.saturating_add(after), next.into());
        host.observe(
            now,
            if up {
                Trace::CauseUp(i as u32)
            } else {
                Trace::CauseDown(i as u32)
            },
        );
        for k in 0..self.causes[i].units.len() {
            let unit = self.causes[i].units[k];
            self.hold_down(sched, host, unit, !up);
        }
        if !self.causes[i].fleets.is_empty() {
            if up {
                self.release_devices(sched, host, i);
            } else {
                self.hold_devices(now, host, i);
            }
        }
    }

    /// Common cause `i` strikes its fleets: every device of a `Fleet` target, and each device
    /// of a `FleetShare` target with probability `share` by its own draw from the cause's hit
    /// stream, in device order (the β-factor reading: how many fall is binomial, each device
    /// independently).
    fn hold_devices(&mut self, now: Ticks, host: &mut impl Host, i: usize) {
        let cause = &mut self.causes[i];
        let mut holding = std::mem::take(&mut cause.holding);
        for hold in &cause.fleets {
            for d in hold.first..hold.first + hold.count {
                if hold.share >= 1.0 || cause.hits.random::<f64>() < hold.share {
                    holding.push(d);
                }
            }
        }
        for &d in &holding {
            let count = &mut self.device_holds[d as usize];
            *count += 1;
            if *count == 1 {
                host.device_held(now, self.fleet_of(i, d), d, true);
            }
        }
        self.causes[i].holding = holding;
    }

    /// Common cause `i` clears: the devices its strike took come back, and those of fleets
    /// with device buffers send what they kept if their gateway can take it.
    fn release_devices(&mut self, sched: &mut Scheduler<Packed>, host: &mut impl Host, i: usize) {
        let now = sched.now();
        let holding = std::mem::take(&mut self.causes[i].holding);
        for &d in &holding {
            let count = &mut self.device_holds[d as usize];
            *count -= 1;
            if *count == 0 {
                host.device_held(now, self.fleet_of(i, d), d, false);
            }
        }
        self.causes[i].holding = holding;
        self.causes[i].holding.clear();
        for k in 0..self.causes[i].fleets.len() {
            let fleet = self.causes[i].fleets[k].fleet as usize;
            let group = self.paths[fleet].group as usize;
            host.group_reachable(sched, self, group);
        }
    }

    /// The fleet of device `d`, which common cause `i` holds.
    fn fleet_of(&self, i: usize, d: u32) -> usize {
        self.causes[i]
            .fleets
            .iter()
            .find(|h| (h.first..h.first + h.count).contains(&d))
            .map_or(0, |h| h.fleet as usize)
    }
}
