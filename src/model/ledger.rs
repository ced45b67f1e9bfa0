//! Message accounting (invariant 3 in ARCHITECTURE.md): every message generated ends in exactly one
//! bucket, and the buckets are checked to add up at the end of every replication.

use crate::engine::Ticks;

/// Why a message was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossCause {
    /// Dropped by a link's random loss (radio, cellular or wired hop).
    LinkLoss,
    /// Due while its device was down, so never sent.
    DeviceDown,
    /// Reached a gateway that was down.
    GatewayDown,
    /// Reached a gateway with no working uplink and a full buffer.
    BufferOverflow,
    /// Reached a gateway with no working uplink and no buffer at all.
    NoPath,
    /// Sent over an uplink that had failed before the failover policy noticed.
    UndetectedOutage,
    /// Overlapped on air with another LoRa transmission on the same channel and spreading
    /// factor (unslotted ALOHA, no capture).
    Collision,
    /// Due while its LoRa device had to stay silent under the duty-cycle limit.
    DutyCycle,
    /// Due while its device's certificate had expired: it cannot authenticate.
    AuthExpired,
    /// Due while its device was bricked by a firmware update.
    Firmware,
    /// Dropped by its degraded sensor before it was sent (degradation mode `Dropouts`).
    SensorDropout,
    /// Due while its cellular device knew it had no service (switching carrier, or every
    /// carrier of its SIM down) and kept no buffer.
    NoService,
    /// Due while its cellular device was at a place no network of its SIM serves (out of
    /// coverage, or barred from roaming there) and kept no buffer.
    NoCoverage,
    /// Sent by a LoRa device whose signal reaches its gateway below the receiver's
    /// sensitivity at every spreading factor it may use.
    OutOfRange,
    /// Due while a common cause held its device down (`Fleet`, `FleetShare` targets) and the
    /// device kept no buffer.
    CommonCause,
}

impl LossCause {
    pub const ALL: [LossCause; 15] = [
        LossCause::LinkLoss,
        LossCause::DeviceDown,
        LossCause::GatewayDown,
        LossCause::BufferOverflow,
        LossCause::NoPath,
        LossCause::UndetectedOutage,
        LossCause::Collision,
        LossCause::DutyCycle,
        LossCause::AuthExpired,
        LossCause::Firmware,
        LossCause::SensorDropout,
        LossCause::NoService,
        LossCause::NoCoverage,
        LossCause::OutOfRange,
        LossCause::CommonCause,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LossCause::LinkLoss => "link_loss",
            LossCause::DeviceDown => "device_down",
            LossCause::GatewayDown => "gateway_down",
            LossCause::BufferOverflow => "buffer_overflow",
            LossCause::NoPath => "no_path",
            LossCause::UndetectedOutage => "undetected_outage",
            LossCause::Collision => "collision",
            LossCause::DutyCycle => "duty_cycle",
            LossCause::AuthExpired => "auth_expired",
            LossCause::Firmware => "firmware",
            LossCause::SensorDropout => "sensor_dropout",
            LossCause::NoService => "no_service",
            LossCause::NoCoverage => "no_coverage",
            LossCause::OutOfRange => "out_of_range",
            LossCause::CommonCause => "common_cause",
        }
    }
}

/// Where every message of one replication ended up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    pub generated: u64,
    pub delivered_on_time: u64,
    pub delivered_late: u64,
    pub lost: [u64; LossCause::ALL.len()],
    /// Still in a gateway buffer at the horizon.
    pub buffered_at_horizon: u64,
    /// Still on a link at the horizon.
    pub in_flight_at_horizon: u64,
    /// Sum of end-to-end delays of delivered messages, in ticks.
    pub delay_sum: u128,
    /// Delivered messages (on time or late) whose reading was out of accuracy: a subset of the
    /// delivered ones, not a bucket of its own.
    pub delivered_bad: u64,
}

/// The buckets do not add up: a bug in the model, never a user's mistake.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConservationError {
    /// One ledger's buckets do not add up to the messages it generated.
    #[error(
        "message conservation violated in {whose}: {generated} generated but {accounted} accounted for ({detail})"
    )]
    Unbalanced {
        /// Whose ledger: the deployment's, or a fleet's by its id.
        whose: String,
        generated: u64,
        accounted: u64,
        detail: String,
    },
    /// Each fleet's ledger adds up, but together they are not the deployment's: a message
    /// counted in one bucket of the deployment's ledger and another of its fleet's.
    #[error(
        "message conservation violated: the fleets' ledgers add up to {fleets}, the deployment's is {deployment}"
    )]
    Split { fleets: String, deployment: String },
}

impl Ledger {
    #[inline(always)]
    pub fn lose(&mut self, cause: LossCause) {
        self.lost[cause as usize] += 1;
    }

    #[inline(always)]
    pub fn deliver(&mut self, delay: Ticks, deadline: Ticks) {
        if delay <= deadline {
            self.delivered_on_time += 1;
        } else {
            self.delivered_late += 1;
        }
        self.delay_sum += delay as u128;
    }

    /// What happened after `earlier`, a copy of this ledger taken during the run: every count
    /// less its count then. A message in the system at that moment counts its end but not its
    /// generation, so this is a difference of counts, not a ledger that adds up: a measured
    /// window uses [`Ledger::window`].
    pub fn since(&self, earlier: &Ledger) -> Ledger {
        let mut lost = self.lost;
        for (l, e) in lost.iter_mut().zip(earlier.lost) {
            *l -= e;
        }
        Ledger {
            generated: self.generated - earlier.generated,
            delivered_on_time: self.delivered_on_time - earlier.delivered_on_time,
            delivered_late: self.delivered_late - earlier.delivered_late,
            lost,
            buffered_at_horizon: self.buffered_at_horizon - earlier.buffered_at_horizon,
            in_flight_at_horizon: self.in_flight_at_horizon - earlier.in_flight_at_horizon,
            delay_sum: self.delay_sum - earlier.delay_sum,
            delivered_bad: self.delivered_bad - earlier.delivered_bad,
        }
    }

    /// The ledger of the window that starts where `start`, a copy of this ledger taken during
    /// the run (a warm-up's end), was taken: what happened after it, with the messages then in
    /// the system (generated, not yet delivered or lost: on a device, a link, in a gateway)
    /// counted as the window's too. Each of them ends in the window exactly once (delivered,
    /// lost or still held at the horizon), so the window's ledger adds up as the whole run's
    /// does and its completeness stays within [0, 1]; without them a message generated before
    /// the instant and delivered after it would count as delivered but not as generated.
    pub fn window(&self, start: &Ledger) -> Ledger {
        let mut window = self.since(start);
        window.generated += start.in_system();
        window
    }

    /// Messages generated and not yet in any bucket: in the system now, during a run.
    fn in_system(&self) -> u64 {
        self.generated.saturating_sub(
            self.delivered()
                + self.lost_total()
                + self.buffered_at_horizon
                + self.in_flight_at_horizon,
        )
    }

    pub fn delivered(&self) -> u64 {
        self.delivered_on_time + self.delivered_late
    }

    pub fn lost_total(&self) -> u64 {
        self.lost.iter().sum()
    }

    pub fn lost_by(&self, cause: LossCause) -> u64 {
        self.lost[cause as usize]
    }

    /// Checks that every generated message is in exactly one bucket; `whose` names the ledger
    /// in the error.
    pub fn check_conservation(&self, whose: &str) -> Result<(), ConservationError> {
        self.check_named(|| whose.to_owned())
    }

    /// As [`Ledger::check_conservation`], naming the ledger only when it does not add up.
    fn check_named(&self, whose: impl FnOnce() -> String) -> Result<(), ConservationError> {
        let accounted = self.delivered()
            + self.lost_total()
            + self.buffered_at_horizon
            + self.in_flight_at_horizon;
        if accounted == self.generated {
            Ok(())
        } else {
            Err(ConservationError::Unbalanced {
                whose: whose(),
                generated: self.generated,
                accounted,
                detail: format!("{self:?}"),
            })
        }
    }

    /// Checks this ledger, the deployment's, and its split by fleet: each of `fleets` (a
    /// fleet's id and ledger) adds up on its own, and together they are this ledger bucket by
    /// bucket. A fleet's message counted in the deployment's buckets but not in its own (or in
    /// another bucket there) is then caught, and the error names the fleet.
    pub fn check_fleets<'a>(
        &self,
        fleets: impl IntoIterator<Item = (&'a str, &'a Ledger)>,
    ) -> Result<(), ConservationError> {
        self.check_conservation("the deployment's ledger")?;
        let mut sum = Ledger::default();
        for (id, fleet) in fleets {
            fleet.check_named(|| format!("fleet `{id}`'s ledger"))?;
            sum.add(fleet);
        }
        if sum.buckets() == self.buckets() {
            Ok(())
        } else {
            Err(ConservationError::Split {
                fleets: format!("{:?}", sum.buckets()),
                deployment: format!("{:?}", self.buckets()),
            })
        }
    }

    /// Adds `other`'s counts to this ledger's.
    pub(crate) fn add(&mut self, other: &Ledger) {
        self.generated += other.generated;
        self.delivered_on_time += other.delivered_on_time;
        self.delivered_late += other.delivered_late;
        for (l, o) in self.lost.iter_mut().zip(other.lost) {
            *l += o;
        }
        self.buffered_at_horizon += other.buffered_at_horizon;
        self.in_flight_at_horizon += other.in_flight_at_horizon;
        self.delay_sum += other.delay_sum;
        self.delivered_bad += other.delivered_bad;
    }

    /// The ledger without its count of bad deliveries, which is a subset of the delivered
    /// messages rather than a bucket, and which only the deployment's ledger keeps.
    fn buckets(&self) -> Ledger {
        Ledger {
            delivered_bad: 0,
            ..self.clone()
        }
    }
}

/// Time-weighted down time of a population of units, clipped to the horizon, kept without
/// remembering when each unit went down: going down adds the time left to the horizon, coming
/// back up takes away what is left then.
#[derive(Clone, Copy, Debug, Default)]
pub struct Downtime {
    /// Down time before this is not counted (a warm-up).
    from: Ticks,
    horizon: Ticks,
    unit_ticks: u128,
}

impl Downtime {
    pub fn new(horizon: Ticks) -> Self {
        Downtime::measured(0, horizon)
    }

    /// Down time within [from, horizon) only: times before `from` count as `from`, so a unit
    /// down across it counts from there. A window that is empty measures the whole run.
    pub fn measured(from: Ticks, horizon: Ticks) -> Self {
        Downtime {
            from: if from < horizon { from } else { 0 },
            horizon,
            unit_ticks: 0,
        }
    }

    #[inline(always)]
    fn left(&self, now: Ticks) -> u128 {
        (self.horizon - now.max(self.from).min(self.horizon)) as u128
    }

    #[inline(always)]
    pub fn went_down(&mut self, now: Ticks) {
        self.unit_ticks += self.left(now);
    }

    #[inline(always)]
    pub fn came_up(&mut self, now: Ticks) {
        self.unit_ticks -= self.left(now);
    }

    /// Share of `units × (horizon − from)` spent up.
    pub fn availability(&self, units: u64) -> f64 {
        if units == 0 {
            return 1.0;
        }
        1.0 - self.unit_ticks as f64 / (units as f64 * (self.horizon - self.from) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downtime_after_a_warm_up_counts_from_its_end() {
        let mut d = Downtime::measured(50, 100);
        d.went_down(10);
        d.came_up(30); // before the warm-up's end: not counted
        d.went_down(40);
        d.came_up(60); // 10 down after 50
        d.went_down(90); // 10 down until the horizon
        assert_eq!(d.availability(1), 0.6);
    }

    #[test]
    fn downtime_clips_at_the_horizon() {
        let mut d = Downtime::new(100);
        d.went_down(10);
        d.came_up(30); // 20 down
        d.went_down(90); // 10 down until the horizon
        assert_eq!(d.availability(1), 0.7);
        assert_eq!(d.availability(2), 0.85);
    }

    /// A window opened while messages are in the system takes them in: they end in it, and
    /// its ledger adds up with completeness at most 1.
    #[test]
    fn a_window_counts_the_messages_in_the_system_at_its_start() {
        let mut run = Ledger {
            generated: 10,
            ..Ledger::default()
        };
        for _ in 0..6 {
            run.deliver(1, 10);
        }
        run.lose(LossCause::LinkLoss);
        let start = run.clone(); // 3 in the system
        run.generated += 5;
        for _ in 0..7 {
            run.deliver(20, 10); // the 3 carried in, 4 of the 5 new
        }
        run.in_flight_at_horizon += 1;
        run.check_conservation("the run")
            .expect("the whole run adds up");
        let window = run.window(&start);
        assert_eq!(window.generated, 8);
        assert_eq!(window.delivered(), 7);
        assert_eq!(window.delivered_late, 7);
        window
            .check_conservation("the window")
            .expect("the window adds up");
        // The plain difference counts the 3 carried in as delivered, not as generated.
        assert_eq!(run.since(&start).generated, 5);
    }

    /// Two fleets' ledgers and the deployment's, every message delivered but `buffered`
    /// held in a gateway buffer at the horizon, counted in the deployment's ledger.
    fn split(buffered: u64) -> (Ledger, [Ledger; 2]) {
        let mut fleets = [Ledger::default(), Ledger::default()];
        for (f, l) in fleets.iter_mut().enumerate() {
            l.generated = 3 + f as u64;
            for _ in 0..l.generated {
                l.deliver(4, 10);
            }
        }
        let mut deployment = Ledger::default();
        for l in &fleets {
            deployment.add(l);
        }
        deployment.generated += buffered;
        deployment.buffered_at_horizon += buffered;
        (deployment, fleets)
    }

    #[test]
    fn fleet_ledgers_that_add_up_to_the_deployment_s_pass() {
        let (deployment, fleets) = split(0);
        let named = [("a", &fleets[0]), ("b", &fleets[1])];
        assert_eq!(deployment.check_fleets(named), Ok(()));
    }

    /// A held message generated by fleet `b` and counted in the deployment's ledger only:
    /// fleet `b`'s ledger does not add up, and the error says so.
    #[test]
    fn a_fleet_ledger_missing_a_held_message_is_named() {
        let (deployment, mut fleets) = split(1);
        fleets[1].generated += 1;
        let named = [("a", &fleets[0]), ("b", &fleets[1])];
        let e = deployment
            .check_fleets(named)
            .expect_err("b misses a message");
        assert!(
            matches!(&e, ConservationError::Unbalanced { whose, generated: 5, accounted: 4, .. }
                if whose == "fleet `b`'s ledger"),
            "{e:?}"
        );
        assert!(e.to_string().contains("fleet `b`"), "{e}");
        fleets[1].buffered_at_horizon += 1;
        let named = [("a", &fleets[0]), ("b", &fleets[1])];
        assert_eq!(deployment.check_fleets(named), Ok(()));
    }

    /// Each ledger adds up, but fleet `a` counts as in flight the message the deployment
    /// counts as buffered: the split is refused bucket by bucket.
    #[test]
    fn fleets_must_add_up_to_the_deployment_bucket_by_bucket() {
        let (deployment, mut fleets) = split(1);
        fleets[0].generated += 1;
        fleets[0].in_flight_at_horizon += 1;
        let named = [("a", &fleets[0]), ("b", &fleets[1])];
        let e = deployment
            .check_fleets(named)
            .expect_err("a bucket differs");
        assert!(matches!(e, ConservationError::Split { .. }), "{e:?}");
    }

    /// The deployment's ledger is checked first, and named.
    #[test]
    fn the_deployment_s_own_ledger_is_checked_with_its_fleets() {
        let (mut deployment, fleets) = split(0);
        deployment.generated += 1;
        let named = [("a", &fleets[0]), ("b", &fleets[1])];
        let e = deployment.check_fleets(named).expect_err("one unaccounted");
        assert!(e.to_string().contains("the deployment's ledger"), "{e}");
    }

    #[test]
    fn conservation_notices_a_missing_message() {
        let mut l = Ledger {
            generated: 3,
            ..Ledger::default()
        };
        l.deliver(5, 10);
        l.lose(LossCause::LinkLoss);
        assert!(l.check_conservation("l").is_err());
        l.in_flight_at_horizon += 1;
        assert!(l.check_conservation("l").is_ok());
    }
}
