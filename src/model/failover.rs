//! Failover policies: which of several alternatives — a gateway's uplinks, or the gateways of a
//! redundancy group — carries traffic, decided only from what the policy can know.
//!
//! The world tells a policy the truth the moment a member fails or recovers; a real system
//! learns it later (missed heartbeats, a modem's registration state), so a realistic policy
//! starts a timer and acts when it fires. What the policy decides is which members are *in use*;
//! the world routes traffic by that and judges the result against the truth: traffic sent to a
//! failed member in use is lost, and the time until a working member is in use again is the
//! time to recover.
//!
//! The built-in policies of a scenario are implementations of [`FailoverPolicy`] like any a
//! user writes; [`builtin`] makes them from their compiled spec.

use rand::RngExt;

use crate::engine::{DurationDist, Stream, Ticks};
use crate::scenario::{FailoverSpec, SwitchBackSpec};

/// A strategy for choosing among alternatives. One value per place (gateway or redundancy
/// group) per replication; it may keep any state it likes. Members are numbered in priority
/// order, the primary first. Every member is up at time 0.
pub trait FailoverPolicy: Send {
    /// Called once at time 0. By default the primary carries traffic.
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        ctx.use_only(0);
    }

    /// Member `member` has just failed (`up == false`) or recovered. A policy that models
    /// detection does not act on this at once: it sets a timer with [`Ctx::after`].
    fn member_changed(&mut self, ctx: &mut Ctx<'_>, member: usize, up: bool);

    /// A timer set with [`Ctx::after`] fired. Timers cannot be cancelled: a policy recognises
    /// stale ones by their token (e.g. a generation number in the high bits).
    fn timer(&mut self, ctx: &mut Ctx<'_>, token: u32) {
        let _ = (ctx, token);
    }
}

/// What a policy sees and can do during one call.
pub struct Ctx<'a> {
    pub(crate) now: Ticks,
    pub(crate) up: &'a [bool],
    pub(crate) in_use: &'a mut [bool],
    pub(crate) rng: &'a mut Stream,
    pub(crate) timers: &'a mut Vec<(Ticks, u32)>,
    pub(crate) failed_switches: u32,
}

impl<'a> Ctx<'a> {
    /// A context over plain data, for testing a policy without a world.
    pub fn new(
        now: Ticks,
        up: &'a [bool],
        in_use: &'a mut [bool],
        rng: &'a mut Stream,
        timers: &'a mut Vec<(Ticks, u32)>,
    ) -> Ctx<'a> {
        Ctx {
            now,
            up,
            in_use,
            rng,
            timers,
            failed_switches: 0,
        }
    }

    /// Simulation time, in ticks (µs).
    pub fn now(&self) -> Ticks {
        self.now
    }

    /// Number of members.
    pub fn members(&self) -> usize {
        self.up.len()
    }

    /// Whether member `m` works right now (the truth; a policy models when it would know).
    pub fn is_up(&self, m: usize) -> bool {
        self.up[m]
    }

    pub fn in_use(&self, m: usize) -> bool {
        self.in_use[m]
    }

    /// The first member in use, if any: the one carrying traffic for an active/standby choice.
    pub fn current(&self) -> Option<usize> {
        self.in_use.iter().position(|&u| u)
    }

    /// Traffic goes to member `m` only.
    pub fn use_only(&mut self, m: usize) {
        for (i, u) in self.in_use.iter_mut().enumerate() {
            *u = i == m;
        }
    }

    /// No member carries traffic (e.g. while switching): a gateway buffers, a device loses.
    pub fn use_none(&mut self) {
        self.in_use.fill(false);
    }

    /// Adds or removes member `m` from the set carrying traffic (active/active).
    pub fn set_in_use(&mut self, m: usize, in_use: bool) {
        self.in_use[m] = in_use;
    }

    /// Calls [`FailoverPolicy::timer`] with `token` after `delay`.
    pub fn after(&mut self, delay: Ticks, token: u32) {
        self.timers.push((delay, token));
    }

    /// A draw from `dist`, from this place's own random stream.
    pub fn sample(&mut self, dist: &DurationDist) -> Ticks {
        dist.sample(self.rng)
    }

    /// True with probability `p`, from this place's own random stream.
    pub fn chance(&mut self, p: f64) -> bool {
        p >= 1.0 || (p > 0.0 && self.rng.random::<f64>() < p)
    }

    /// Records a switch the policy attempted and that failed (it counts against the failover
    /// success rate). Switches that happen are seen by the world without being reported.
    pub fn switch_failed(&mut self) {
        self.failed_switches += 1;
    }
}

/// The policy a compiled spec describes.
pub fn builtin(spec: &FailoverSpec) -> Box<dyn FailoverPolicy> {
    match spec {
        FailoverSpec::Instant => Box::new(Instant),
        FailoverSpec::NoFailover => Box::new(NoFailover),
        FailoverSpec::Esim {
            detection,
            switch_time,
            switch_failure,
            coverage,
            switch_back,
        } => Box::new(Esim {
            m: Machine::new(detection.clone(), switch_time.clone()),
            switch_failure: *switch_failure,
            coverage: *coverage,
            switch_back: *switch_back,
            cur: 0,
            dead_in_a_row: 0,
        }),
        FailoverSpec::Backup {
            detection,
            switch_time,
            coverage,
            switch_back,
        } => Box::new(Watched::new(
            detection.clone(),
            switch_time.clone(),
            *coverage,
            *switch_back,
        )),
        FailoverSpec::ActiveStandby {
            detection,
            switchover,
            coverage,
            switch_back,
        } => Box::new(Watched::new(
            detection.clone(),
            switchover.clone(),
            *coverage,
            *switch_back,
        )),
        FailoverSpec::ActiveActive { detection } => Box::new(ActiveActive {
            detection: detection.clone(),
            generation: vec![],
        }),
    }
}

/// Ideal failover: the first working member, the instant anything changes.
#[derive(Debug)]
pub struct Instant;

impl Instant {
    fn choose(ctx: &mut Ctx<'_>) {
        match (0..ctx.members()).find(|&m| ctx.is_up(m)) {
            Some(m) => ctx.use_only(m),
            None => ctx.use_none(),
        }
    }
}

impl FailoverPolicy for Instant {
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        Instant::choose(ctx);
    }

    fn member_changed(&mut self, ctx: &mut Ctx<'_>, _member: usize, _up: bool) {
        Instant::choose(ctx);
    }
}

/// The primary only. It knows at once when the primary is down (a link-down signal), so a
/// gateway buffers instead of sending into a dead link.
#[derive(Debug)]
pub struct NoFailover;

impl FailoverPolicy for NoFailover {
    fn member_changed(&mut self, ctx: &mut Ctx<'_>, member: usize, up: bool) {
        if member == 0 {
            if up { ctx.use_only(0) } else { ctx.use_none() }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The current member carries traffic (or is down and the failure not yet noticed).
    Serving,
    /// The current member's failure will be noticed when the detection timer fires.
    Detecting,
    /// Moving to member `to`; nothing carries traffic meanwhile.
    Switching { to: usize },
    /// The current member failed, was noticed, and nothing better exists (or the switch was
    /// not covered): wait for a member to come back.
    Waiting,
}

// Timer kinds, in the low two bits of a token; the generation is in the rest.
const DETECTED: u32 = 0;
const SWITCHED: u32 = 1;
const HOLD_DONE: u32 = 2;

fn token(generation: u32, kind: u32) -> u32 {
    (generation << 2) | kind
}

/// Whether a token's generation is `generation` (tokens keep its low 30 bits).
fn current(fired: u32, generation: u32) -> bool {
    fired >> 2 == generation & (u32::MAX >> 2)
}

/// The state machine of the single-path policies ([`Watched`], [`Esim`]): what they are doing,
/// the detection and switch delays, and the generation that tells live timers from stale ones.
#[derive(Debug)]
struct Machine {
    detection: DurationDist,
    switch_time: DurationDist,
    state: State,
    /// Bumped whenever pending timers become stale.
    generation: u32,
}

impl Machine {
    fn new(detection: DurationDist, switch_time: DurationDist) -> Machine {
        Machine {
            detection,
            switch_time,
            state: State::Serving,
            generation: 0,
        }
    }

    /// Stops traffic and moves to member `to`, which takes a switch time.
    fn begin_switch(&mut self, ctx: &mut Ctx<'_>, to: usize) {
        self.generation = self.generation.wrapping_add(1);
        self.state = State::Switching { to };
        ctx.use_none();
        let delay = ctx.sample(&self.switch_time);
        ctx.after(delay, token(self.generation, SWITCHED));
    }

    /// The member in use has failed; it is noticed after a detection delay.
    fn begin_detect(&mut self, ctx: &mut Ctx<'_>) {
        self.generation = self.generation.wrapping_add(1);
        self.state = State::Detecting;
        let delay = ctx.sample(&self.detection);
        ctx.after(delay, token(self.generation, DETECTED));
    }
}

/// A failover that watches every member (a router with a wired and a cellular interface; a
/// pair of gateways with a heartbeat between them): it moves only to a working member.
#[derive(Debug)]
pub struct Watched {
    m: Machine,
    /// Probability that a switch, once decided, works (a standby's coverage).
    coverage: f64,
    switch_back: SwitchBackSpec,
    cur: usize,
    /// Tells live hold-down timers from stale ones.
    hold_generation: u32,
}

impl Watched {
    pub fn new(
        detection: DurationDist,
        switch_time: DurationDist,
        coverage: f64,
        switch_back: SwitchBackSpec,
    ) -> Watched {
        Watched {
            m: Machine::new(detection, switch_time),
            coverage,
            switch_back,
            cur: 0,
            hold_generation: 0,
        }
    }

    /// Best working member other than the current one, by priority.
    fn alternative(&self, ctx: &Ctx<'_>) -> Option<usize> {
        (0..ctx.members()).find(|&m| m != self.cur && ctx.is_up(m))
    }
}

impl FailoverPolicy for Watched {
    fn member_changed(&mut self, ctx: &mut Ctx<'_>, member: usize, up: bool) {
        match (self.m.state, up) {
            (State::Serving, false) if member == self.cur => self.m.begin_detect(ctx),
            (State::Detecting, true) if member == self.cur => {
                // Back before anyone noticed.
                self.m.generation = self.m.generation.wrapping_add(1);
                self.m.state = State::Serving;
            }
            (State::Waiting, true) => {
                if member == self.cur {
                    self.m.state = State::Serving;
                    ctx.use_only(member);
                } else {
                    self.m.begin_switch(ctx, member);
                }
            }
            _ => {}
        }
        if member == 0 && self.cur != 0 && self.m.state == State::Serving {
            if up {
                match self.switch_back {
                    SwitchBackSpec::Immediate => self.m.begin_switch(ctx, 0),
                    SwitchBackSpec::HoldDown(hold) => {
                        self.hold_generation = self.hold_generation.wrapping_add(1);
                        ctx.after(hold, token(self.hold_generation, HOLD_DONE));
                    }
                    SwitchBackSpec::Never => {}
                }
            } else {
                self.hold_generation = self.hold_generation.wrapping_add(1);
            }
        }
    }

    fn timer(&mut self, ctx: &mut Ctx<'_>, fired: u32) {
        let kind = fired & 3;
        if kind == HOLD_DONE {
            if current(fired, self.hold_generation)
                && self.m.state == State::Serving
                && self.cur != 0
                && ctx.is_up(0)
            {
                self.m.begin_switch(ctx, 0);
            }
            return;
        }
        if !current(fired, self.m.generation) {
            return;
        }
        match (self.m.state, kind) {
            (State::Detecting, DETECTED) => {
                let covered = ctx.chance(self.coverage);
                match self.alternative(ctx) {
                    Some(to) if covered => self.m.begin_switch(ctx, to),
                    other => {
                        if other.is_some() {
                            ctx.switch_failed();
                        }
                        // Known down: stop sending into it and wait.
                        self.m.state = State::Waiting;
                        ctx.use_none();
                    }
                }
            }
            (State::Switching { to }, SWITCHED) => {
                self.cur = to;
                self.m.state = State::Serving;
                ctx.use_only(to);
                if !ctx.is_up(to) {
                    self.m.begin_detect(ctx);
                } else if to != 0 && ctx.is_up(0) {
                    // The primary came back while the switch was under way.
                    match self.switch_back {
                        SwitchBackSpec::Immediate => self.m.begin_switch(ctx, 0),
                        SwitchBackSpec::HoldDown(hold) => {
                            self.hold_generation = self.hold_generation.wrapping_add(1);
                            ctx.after(hold, token(self.hold_generation, HOLD_DONE));
                        }
                        SwitchBackSpec::Never => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// Multi-carrier eSIM / multi-IMSI: one radio, one profile at a time. It notices an outage of
/// the profile in use after the detection delay and switches blind to the next profile in
/// order, which may be down too (then it notices again and moves on). A switch takes
/// `switch_time` and fails with probability `switch_failure`, after which the next profile is
/// tried. Coverage has the meaning it has for every policy: the probability that the
/// switch-over, once the outage is noticed, works at all; an uncovered one leaves the modem
/// without service (buffering) until a profile's network returns, as when every profile was
/// found dead.
#[derive(Debug)]
pub struct Esim {
    m: Machine,
    switch_failure: f64,
    coverage: f64,
    switch_back: SwitchBackSpec,
    cur: usize,
    /// Profiles found dead one after another; after trying them all the modem waits for
    /// service to return (buffering) instead of cycling through dead networks.
    dead_in_a_row: usize,
}

impl Esim {
    fn next(&self, ctx: &Ctx<'_>, after: usize) -> usize {
        (after + 1) % ctx.members()
    }
}

impl FailoverPolicy for Esim {
    fn member_changed(&mut self, ctx: &mut Ctx<'_>, member: usize, up: bool) {
        match (self.m.state, up) {
            (State::Serving, false) if member == self.cur => self.m.begin_detect(ctx),
            (State::Detecting, true) if member == self.cur => {
                self.m.generation = self.m.generation.wrapping_add(1);
                self.m.state = State::Serving;
            }
            (State::Serving, true)
                if member == 0
                    && self.cur != 0
                    && self.switch_back == SwitchBackSpec::Immediate =>
            {
                self.m.begin_switch(ctx, 0);
            }
            // Service is back on some network: register there.
            (State::Waiting, true) => self.m.begin_switch(ctx, member),
            _ => {}
        }
    }

    fn timer(&mut self, ctx: &mut Ctx<'_>, fired: u32) {
        let kind = fired & 3;
        if !current(fired, self.m.generation) {
            return;
        }
        match (self.m.state, kind) {
            (State::Detecting, DETECTED) => {
                self.dead_in_a_row += 1;
                if self.dead_in_a_row >= ctx.members() {
                    self.m.state = State::Waiting;
                    ctx.use_none();
                    return;
                }
                // Drawn only below 1, so a covered policy draws exactly as before coverage.
                if !ctx.chance(self.coverage) {
                    ctx.switch_failed();
                    self.m.state = State::Waiting;
                    ctx.use_none();
                    return;
                }
                let to = self.next(ctx, self.cur);
                self.m.begin_switch(ctx, to);
            }
            (State::Switching { to }, SWITCHED) => {
                if ctx.chance(self.switch_failure) {
                    ctx.switch_failed();
                    let next = self.next(ctx, to);
                    self.m.begin_switch(ctx, next);
                    return;
                }
                self.cur = to;
                self.m.state = State::Serving;
                ctx.use_only(to);
                if !ctx.is_up(to) {
                    self.m.begin_detect(ctx);
                } else {
                    self.dead_in_a_row = 0;
                    match self.switch_back {
                        _ if to == 0 => {}
                        // The primary came back while the switch was under way.
                        SwitchBackSpec::Immediate if ctx.is_up(0) => self.m.begin_switch(ctx, 0),
                        SwitchBackSpec::HoldDown(hold) => {
                            ctx.after(hold, token(self.m.generation, HOLD_DONE));
                        }
                        _ => {}
                    }
                }
            }
            (State::Serving, HOLD_DONE) if self.cur != 0 => self.m.begin_switch(ctx, 0),
            _ => {}
        }
    }
}

/// Every member carries traffic; a failed one is taken out of rotation once noticed and put
/// back as soon as it works.
#[derive(Debug)]
pub struct ActiveActive {
    detection: DurationDist,
    /// Per member, to tell stale detection timers from live ones.
    generation: Vec<u32>,
}

impl FailoverPolicy for ActiveActive {
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        self.generation = vec![0; ctx.members()];
        for m in 0..ctx.members() {
            ctx.set_in_use(m, true);
        }
    }

    fn member_changed(&mut self, ctx: &mut Ctx<'_>, member: usize, up: bool) {
        let g = &mut self.generation[member];
        *g = g.wrapping_add(1);
        if up {
            ctx.set_in_use(member, true);
        } else {
            let delay = ctx.sample(&self.detection);
            // Member index in the low 8 bits: groups have at most 256 gateways.
            ctx.after(delay, (*g << 8) | member as u32);
        }
    }

    fn timer(&mut self, ctx: &mut Ctx<'_>, token: u32) {
        let member = (token & 0xff) as usize;
        if member < self.generation.len()
            && token >> 8 == self.generation[member] & 0x00ff_ffff
            && !ctx.is_up(member)
        {
            ctx.set_in_use(member, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StreamKey;

    /// Drives a policy by hand: the truth, the in-use set and the timers it set.
    struct Bench {
        policy: Box<dyn FailoverPolicy>,
        up: Vec<bool>,
        in_use: Vec<bool>,
        rng: Stream,
        timers: Vec<(Ticks, u32)>,
        /// Timers set so far, at absolute times.
        pending: Vec<(Ticks, u32)>,
        now: Ticks,
        failed: u32,
    }

    impl Bench {
        fn new(spec: FailoverSpec, members: usize) -> Bench {
            let mut b = Bench {
                policy: builtin(&spec),
                up: vec![true; members],
                in_use: vec![false; members],
                rng: StreamKey {
                    seed: 1,
                    replication: 0,
                    entity: 0,
                    process: 0,
                }
                .stream(),
                timers: vec![],
                pending: vec![],
                now: 0,
                failed: 0,
            };
            b.call(|p, cx| p.start(cx));
            b
        }

        fn call(&mut self, f: impl FnOnce(&mut dyn FailoverPolicy, &mut Ctx<'_>)) {
            let mut cx = Ctx::new(
                self.now,
                &self.up,
                &mut self.in_use,
                &mut self.rng,
                &mut self.timers,
            );
            f(self.policy.as_mut(), &mut cx);
            self.failed += cx.failed_switches;
        }

        fn set(&mut self, m: usize, up: bool) {
            self.up[m] = up;
            self.call(|p, cx| p.member_changed(cx, m, up));
        }

        /// Fires the timers due up to `until`, in time order, and moves the clock there.
        fn run_until(&mut self, until: Ticks) {
            loop {
                let now = self.now;
                self.pending
                    .extend(self.timers.drain(..).map(|(d, t)| (now + d, t)));
                self.pending.sort();
                match self.pending.first() {
                    Some(&(at, t)) if at <= until => {
                        self.pending.remove(0);
                        self.now = at;
                        self.call(|p, cx| p.timer(cx, t));
                    }
                    _ => break,
                }
            }
            self.now = until;
        }

        fn current(&self) -> Option<usize> {
            self.in_use.iter().position(|&u| u)
        }
    }

    fn fixed(t: Ticks) -> DurationDist {
        DurationDist::fixed(t)
    }

    #[test]
    fn instant_follows_the_first_working_member() {
        let mut b = Bench::new(FailoverSpec::Instant, 2);
        assert_eq!(b.current(), Some(0));
        b.set(0, false);
        assert_eq!(b.current(), Some(1));
        b.set(1, false);
        assert_eq!(b.current(), None);
        b.set(0, true);
        assert_eq!(b.current(), Some(0));
    }

    #[test]
    fn backup_switches_after_detection_and_switch_time_and_back_immediately() {
        let spec = FailoverSpec::Backup {
            detection: fixed(30),
            switch_time: fixed(5),
            coverage: 1.0,
            switch_back: SwitchBackSpec::Immediate,
        };
        let mut b = Bench::new(spec, 2);
        b.set(0, false);
        b.run_until(29);
        assert_eq!(b.current(), Some(0), "not noticed yet");
        b.run_until(30);
        assert_eq!(b.current(), None, "switching");
        b.run_until(35);
        assert_eq!(b.current(), Some(1));
        b.set(0, true);
        assert_eq!(b.current(), None, "switching back");
        b.run_until(100);
        assert_eq!(b.current(), Some(0));
    }

    #[test]
    fn a_failure_shorter_than_detection_goes_unnoticed() {
        let spec = FailoverSpec::Backup {
            detection: fixed(30),
            switch_time: fixed(5),
            coverage: 1.0,
            switch_back: SwitchBackSpec::Immediate,
        };
        let mut b = Bench::new(spec, 2);
        b.set(0, false);
        b.run_until(10);
        b.set(0, true);
        b.run_until(1000);
        assert_eq!(b.current(), Some(0));
    }

    #[test]
    fn hold_down_waits_for_the_primary_to_stay_up() {
        let spec = FailoverSpec::Backup {
            detection: fixed(1),
            switch_time: fixed(0),
            coverage: 1.0,
            switch_back: SwitchBackSpec::HoldDown(100),
        };
        let mut b = Bench::new(spec, 2);
        b.set(0, false);
        b.run_until(10);
        assert_eq!(b.current(), Some(1));
        b.set(0, true);
        b.run_until(60);
        b.set(0, false); // flaps: the hold-down starts again
        b.run_until(70);
        b.set(0, true);
        b.run_until(169);
        assert_eq!(b.current(), Some(1));
        b.run_until(171);
        assert_eq!(b.current(), Some(0));
    }

    #[test]
    fn uncovered_standby_waits_for_the_repair() {
        let spec = FailoverSpec::ActiveStandby {
            detection: fixed(1),
            switchover: fixed(1),
            coverage: 0.0,
            switch_back: SwitchBackSpec::Never,
        };
        let mut b = Bench::new(spec, 2);
        b.set(0, false);
        b.run_until(50);
        assert_eq!(b.current(), None);
        assert_eq!(b.failed, 1);
        b.set(0, true);
        assert_eq!(b.current(), Some(0));
    }

    #[test]
    fn esim_switches_blind_and_moves_on_from_a_dead_profile() {
        let spec = FailoverSpec::Esim {
            detection: fixed(10),
            switch_time: fixed(5),
            switch_failure: 0.0,
            coverage: 1.0,
            switch_back: SwitchBackSpec::Never,
        };
        let mut b = Bench::new(spec, 3);
        b.set(1, false);
        b.set(0, false);
        b.run_until(15);
        assert_eq!(b.current(), Some(1), "switched blind to a dead profile");
        b.run_until(30);
        assert_eq!(b.current(), Some(2), "noticed and moved on");
    }

    #[test]
    fn esim_waits_for_service_once_every_profile_is_found_dead() {
        let spec = FailoverSpec::Esim {
            detection: fixed(10),
            switch_time: fixed(5),
            switch_failure: 0.0,
            coverage: 1.0,
            switch_back: SwitchBackSpec::Never,
        };
        let mut b = Bench::new(spec, 2);
        b.set(1, false);
        b.set(0, false);
        b.run_until(15);
        assert_eq!(b.current(), Some(1), "switched blind to a dead profile");
        b.run_until(1000);
        assert_eq!(b.current(), None, "both found dead: waiting, not cycling");
        b.set(0, true);
        b.run_until(1004);
        assert_eq!(b.current(), None, "re-attaching");
        b.run_until(1005);
        assert_eq!(b.current(), Some(0));
    }

    #[test]
    fn esim_switch_failures_try_the_next_profile() {
        let spec = FailoverSpec::Esim {
            detection: fixed(10),
            switch_time: fixed(5),
            switch_failure: 1.0,
            coverage: 1.0,
            switch_back: SwitchBackSpec::Never,
        };
        let mut b = Bench::new(spec, 2);
        b.set(0, false);
        b.run_until(31);
        assert_eq!(b.current(), None);
        assert_eq!(b.failed, 4);
    }

    #[test]
    fn an_uncovered_esim_switch_stays_down_until_the_network_returns() {
        let spec = FailoverSpec::Esim {
            detection: fixed(10),
            switch_time: fixed(5),
            switch_failure: 0.0,
            coverage: 0.0,
            switch_back: SwitchBackSpec::Never,
        };
        let mut b = Bench::new(spec, 2);
        b.set(0, false);
        b.run_until(500);
        assert_eq!(
            b.current(),
            None,
            "noticed, not covered: no switch to the working profile"
        );
        assert_eq!(b.failed, 1, "the uncovered switch counts as failed");
        b.set(0, true);
        b.run_until(504);
        assert_eq!(b.current(), None, "re-attaching");
        b.run_until(505);
        assert_eq!(b.current(), Some(0));
    }

    #[test]
    fn an_uncovered_backup_switch_waits_for_the_primary() {
        let spec = FailoverSpec::Backup {
            detection: fixed(10),
            switch_time: fixed(5),
            coverage: 0.0,
            switch_back: SwitchBackSpec::Immediate,
        };
        let mut b = Bench::new(spec, 2);
        b.set(0, false);
        b.run_until(500);
        assert_eq!(
            b.current(),
            None,
            "the backup works but the switch-over was not covered"
        );
        b.set(0, true);
        assert_eq!(b.current(), Some(0));
    }

    #[test]
    fn active_active_drops_a_failed_member_after_detection() {
        let spec = FailoverSpec::ActiveActive {
            detection: fixed(10),
        };
        let mut b = Bench::new(spec, 2);
        assert_eq!(b.in_use, vec![true, true]);
        b.set(1, false);
        b.run_until(9);
        assert_eq!(b.in_use, vec![true, true]);
        b.run_until(10);
        assert_eq!(b.in_use, vec![true, false]);
        b.set(1, true);
        assert_eq!(b.in_use, vec![true, true]);
    }
}
