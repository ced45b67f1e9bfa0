//! Running a replication: to its horizon (or a fleet's end of life, found by a first pass),
//! through the warm-up, in packet or flow mode; then the accounts closed into an [`Outcome`]
//! once every message is accounted for.

use crate::engine::{Scheduler, Ticks};
use crate::model::ledger::ConservationError;
use crate::model::trace::{Observer, Silent, Trace};
use crate::scenario::Deployment;

use super::super::event::{Event, Packed};
use super::accounts::Closing;
use super::flow::FlowCx;
use super::{CustomPolicies, Outcome, World, no_custom_policies};

/// How a replication runs: every message an event (packet mode), or telemetry in aggregate
/// (flow mode), with the devices' lives lived ahead where they can be (`ahead.rs`) or each
/// change an event (to check the two agree).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RunMode {
    Packet,
    Flow { lived_ahead: bool },
}

impl World<Silent> {
    /// Runs the replication to its horizon and returns what it measured, after checking that
    /// every message is accounted for.
    pub fn run(dep: &Deployment, replication: u64) -> Result<Outcome, ConservationError> {
        World::run_observed(dep, replication, Silent).map(|(outcome, _)| outcome)
    }

    /// The first pass of a run with `stop_when_dead`: the instant a fleet reaches its share of
    /// dead devices, or `None` if the horizon comes first.
    fn find_end_of_life(
        dep: &Deployment,
        replication: u64,
        custom: CustomPolicies<'_>,
        mode: RunMode,
        capacity: usize,
    ) -> Option<Ticks> {
        let mut sched = Scheduler::with_capacity(capacity);
        let mut world = World::build(
            dep,
            replication,
            &mut sched,
            Silent,
            custom,
            mode,
            dep.horizon,
        );
        sched.run_until(&mut world, dep.horizon, |w| w.life.end_of_life().is_some())
    }
}

impl<O: Observer> World<O> {
    /// Runs the replication to its horizon with `observer`, and returns what it measured and
    /// the observer, after checking that every message is accounted for.
    pub fn run_observed(
        dep: &Deployment,
        replication: u64,
        observer: O,
    ) -> Result<(Outcome, O), ConservationError> {
        World::run_with_policies(dep, replication, observer, &no_custom_policies)
    }

    /// As [`World::run_with_policies`], in flow mode (`flow`) or packet mode.
    pub fn run_in_mode(
        dep: &Deployment,
        replication: u64,
        observer: O,
        custom: CustomPolicies<'_>,
        flow: bool,
    ) -> Result<(Outcome, O), ConservationError> {
        let mode = match flow {
            true => RunMode::Flow { lived_ahead: true },
            false => RunMode::Packet,
        };
        World::run_as(dep, replication, observer, custom, mode)
    }

    /// Runs the replication in `mode`.
    pub(super) fn run_as(
        dep: &Deployment,
        replication: u64,
        observer: O,
        custom: CustomPolicies<'_>,
        mode: RunMode,
    ) -> Result<(Outcome, O), ConservationError> {
        let flow = mode != RunMode::Packet;
        // Flow mode reserves room for its devices' events as it is built, once it knows which
        // devices live ahead (`ahead.rs`) and keep no event pending.
        let capacity = if flow {
            World::<Silent>::queue_capacity(dep) - 2 * dep.device_count() as usize
        } else {
            World::<Silent>::queue_capacity(dep)
        };
        let mut sched = Scheduler::with_capacity(capacity);
        let mut observer = observer;
        // A fleet end of life (`stop_when_dead`) is found by a first pass that stops at it;
        // the second pass runs to it, so every account closes there exactly as at a horizon
        // (a message arriving at or after it is in flight). Randomness is keyed by what it
        // describes, so both passes are the same world up to that instant.
        let end_of_life = if !dep.stops_when_dead() {
            None
        } else if O::ENABLED {
            World::<Silent>::find_end_of_life(dep, replication, custom, mode, capacity)
        } else {
            // The observer sees nothing, so the first pass can be the run itself: a
            // replication that reaches the horizon needs no second pass.
            let mut world = World::build(
                dep,
                replication,
                &mut sched,
                observer,
                custom,
                mode,
                dep.horizon,
            );
            match sched.run_until(&mut world, dep.horizon, |w| w.life.end_of_life().is_some()) {
                None => return world.finish(&mut sched, dep),
                Some(t) => {
                    observer = world.observer;
                    sched = Scheduler::with_capacity(capacity);
                    Some(t)
                }
            }
        };
        // The run takes in every event of the instant it ends at (the horizon is exclusive),
        // so the deaths that end it are counted; one tick is 1 µs, too short to move a share.
        let end = end_of_life.map_or(dep.horizon, |t| t.saturating_add(1).min(dep.horizon));
        let mut world = World::build(dep, replication, &mut sched, observer, custom, mode, end);
        if dep.warmup > 0 && dep.warmup < end {
            sched.run(&mut world, dep.warmup);
            world.warm_up(dep.warmup);
        }
        sched.run(&mut world, end);
        let (mut outcome, observer) = world.finish(&mut sched, dep)?;
        outcome.end_of_life = end_of_life;
        Ok((outcome, observer))
    }

    /// As [`World::run_observed`], with failover policies from `custom` (see
    /// [`World::with_policies`]).
    pub fn run_with_policies(
        dep: &Deployment,
        replication: u64,
        observer: O,
        custom: CustomPolicies<'_>,
    ) -> Result<(Outcome, O), ConservationError> {
        World::run_in_mode(dep, replication, observer, custom, false)
    }

    /// The warm-up ends at `now`: flow mode accounts its aggregate messages up to now, then
    /// the accounts restart their counts.
    fn warm_up(&mut self, now: Ticks) {
        if let Some(flow) = self.flow.as_deref_mut() {
            for c in 0..flow.component_count() {
                flow.settle_component(&mut self.net, &mut flow_cx!(self), c, now);
            }
        }
        self.net.warm_up(now);
        self.acc.warm_up(now);
        self.crews.warm_up(now);
        self.software.warm_up();
        self.cellular.warm_up();
    }

    /// Closes the run (at its end, the scheduler `sched` stopped there): the messages still in
    /// the system are counted as held at the horizon, every ledger is checked to add up, and
    /// the accounts become the [`Outcome`].
    pub(super) fn finish(
        mut self,
        sched: &mut Scheduler<Packed>,
        dep: &Deployment,
    ) -> Result<(Outcome, O), ConservationError> {
        let events = sched.processed() + self.life.lived_events();
        let end_of_life = self.life.end_of_life();
        if let Some(flow) = self.flow.as_deref_mut() {
            flow.finish(&mut self.net, &mut flow_cx!(self));
        }
        if O::ENABLED {
            self.trace_leftovers();
        }
        let horizon = self.horizon;
        self.acc.ledger.buffered_at_horizon += self.net.held();
        let (kept, on_links) = self.reporting.held();
        self.acc.ledger.buffered_at_horizon += kept;
        self.acc.ledger.in_flight_at_horizon += on_links;
        let packet = self.flow.is_none();
        if packet {
            self.fleets_held_at_horizon(sched, on_links);
        }
        self.acc.check_conservation(&dep.fleets, packet)?;
        let gateway_busy = self.net.busy_times(horizon);
        let closing = Closing {
            horizon,
            end_of_life,
            events,
            devices: self.devices.len() as u64,
            gateways: self.net.gateway_count() as u64,
            gateway_connectivity: self.net.connectivity(),
            gateway_busy,
            crews: self.crews.finish(horizon),
            soft: self.software.finish(),
            cellular: self.cellular.finish(),
        };
        let outcome = self.acc.into_outcome(closing);
        Ok((outcome, self.observer))
    }

    /// Counts each message held at the horizon in its fleet's ledger (packet mode): those
    /// in gateways and kept on devices, and the `on_links` on access links, on air or
    /// arriving at or after the horizon. Those arrivals are still scheduled, so the
    /// scheduler, whose run is over, gives them up in time order until every one is found:
    /// the access delays are short, so few other events come first.
    fn fleets_held_at_horizon(&mut self, sched: &mut Scheduler<Packed>, on_links: u64) {
        let devices = &self.devices;
        let fleet_of = |device: u32| devices[device as usize].fleet as usize;
        for (_, m) in self.net.held_messages() {
            self.acc.held_at_horizon(fleet_of(m.device), true);
        }
        for m in self.reporting.kept_messages() {
            self.acc.held_at_horizon(fleet_of(m.device), true);
        }
        let mut arriving = on_links;
        for m in self.radio.on_air() {
            self.acc.held_at_horizon(fleet_of(m.device), false);
            arriving = arriving.saturating_sub(1);
        }
        while arriving > 0
            && let Some(event) = sched.next_before(Ticks::MAX)
        {
            let device = match Event::from(event) {
                Event::Arrive { device, .. } | Event::ArriveBad { device, .. } => device,
                Event::ArriveLong { slot } => self.reporting.long_delay(slot).device,
                _ => continue,
            };
            self.acc.held_at_horizon(fleet_of(device), false);
            arriving -= 1;
        }
    }

    /// Reports the messages still buffered or on an access link at the horizon, so that in a
    /// trace every generated message has exactly one final step.
    fn trace_leftovers(&mut self) {
        let now = self.horizon;
        for (gateway, m) in self.net.held_messages() {
            let step = Trace::BufferedAtHorizon {
                msg: m.id(),
                gateway,
            };
            self.observer.observe(now, step);
        }
        self.reporting.trace_leftovers(&mut self.observer, now);
        for m in self.radio.on_air() {
            self.observer
                .observe(now, Trace::OnAccessLinkAtHorizon(m.id()));
        }
    }
}
