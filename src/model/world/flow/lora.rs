//! Flow mode's LoRa radios: packet mode's duty cycle and unslotted-ALOHA collisions
//! (`Reporting::emit`'s LoRa branch, `transmit`, `settle_transmission`) accounted per settled
//! interval, from the report law and the load on the channels instead of each transmission.
//!
//! **Duty cycle.** After a transmission a device stays silent for D = T + S (its time on air
//! and the duty cycle's off time); a reading due meanwhile is lost. The share of the readings
//! reaching the radio that go on air follows from the report law and D alone:
//!
//! - a fixed period P: all of them if P ≥ D, else every m-th with m = ⌈D/P⌉ (a reading exactly
//!   D after a send goes). Packet mode's devices all send their first reading, then every m-th,
//!   so a home of k devices reporting round-robin sends k of every m·k readings, the first k
//!   of each block: a systematic count, exact when every device is up;
//! - exponential gaps of rate λ: the next reading sent is the first due after D, so by
//!   memorylessness the sent stream is a renewal process with gaps D + Exp(λ) and the sent
//!   share is 1/(1 + λD) (binomial per interval);
//! - any law whose shortest gap is at least D (a jittered period of at least D): all of them;
//! - any other law (jitter on a period shorter than D, uniform, Weibull or log-normal gaps):
//!   from one send to the next a device goes through N = min{n : X₁ + … + Xₙ ≥ D} readings,
//!   so the sent share is 1/E[N] = 1/(1 + M(D)) with M the law's renewal function. M has no
//!   closed form for these laws, so E[N] is measured once per fleet by drawing 2²⁰ of the
//!   law's gaps on the fleet's own stream (relative standard error √(Var N / E[N]) / 2¹⁰, a
//!   few parts in a thousand at most); the estimate is kept within Wald's and Lorden's bounds
//!   max(1, D/μ) ≤ E[N] ≤ 1 + (D + E[X²]/μ)/μ, μ = E[X], which it always meets in practice.
//!
//! **Collisions.** Pure unslotted ALOHA without capture: a frame of fleet f (time on air T_f)
//! is lost when another frame on its channel starts within (−T_j, T_f) of its start, a window
//! of w = T_f + T_j for a frame of fleet j. Channels are shared by every LoRa fleet of a site
//! at one spreading factor (a *channel group*: other spreading factors are orthogonal); a fleet
//! with c channels picks one of the first c uniformly for every frame. Over a settled
//! interval, fleet j has n_j devices on air on average (its healthy device-time, plus its
//! degraded device-time times the share of readings the sensor does not drop: down, bricked
//! and expired devices do not transmit), each sending r_j frames per tick (its report rate
//! times its duty-cycle share), r_j / c_j of them on channel k < c_j. One other device puts a
//! frame in the window with chance q = w r_j / c_j when its frames are at least w apart (its
//! duty-cycle silence or its law's shortest gap is at least w), exactly, as a stationary
//! device with at most one frame in the window; then independent devices leave a frame
//! unharmed with probability ∏ (1 − q)^{n_j}, for one fleet of n devices on one channel with a
//! fixed period P the exact (1 − 2T/P)^{n−1}. Devices whose frames can come closer than w
//! (exponential reports without a duty cycle) send Poisson-like frames: ∏ e^{−q n_j}, pure
//! ALOHA's e^{−2G} for one fleet at G frames per frame time on a channel. The frame's own
//! device is left out (n_f − 1). The collision share of fleet f is the average over its
//! channels; the interval's collisions are binomial with it. Packet mode with a fixed period
//! and one channel collides the same pairs every period, so its spread across replications is
//! wider than this binomial's; the means agree.
//!
//! Fleets of a channel group can sit in different flow components, settled at different
//! times. The load does not need them settled together: every fleet's device-time in each
//! state is integrated from the start of the run (at every state change, as its down
//! device-time is), so a fleet settling [t0, t1) brings each group fleet's integral up to t1
//! and reads exactly its on-air device-time over [t0, t1), against what it read at t0.
//!
//! **Delay.** A surviving frame crosses the access link (its loss) and reaches the gateway at
//! its end plus the link's latency, so a LoRa fleet's latency tables start with its time on
//! air (`Flow::new`).

use crate::engine::{DurationDist, Stream, StreamKey, Ticks};
use crate::model::fluid;
use crate::model::ledger::LossCause;
use crate::scenario::{Deployment, Effect, FleetSpec};

use super::super::radio::lora_timing;
use super::{DEGRADED, Flow, FlowCx, HEALTHY};

/// Gaps of the report law drawn to measure the readings per send of a law without a closed
/// form: 2²⁰ keeps the estimate's relative standard error near 10⁻³ (see the module doc).
const RENEWAL_DRAWS: u64 = 1 << 20;

/// The LoRa fleets and their channel groups.
pub(super) struct Radios {
    fleets: Vec<Option<Radio>>,
    /// Per channel group (site, spreading factor): its fleets, in fleet order.
    groups: Vec<Vec<u32>>,
    /// Mean devices on air of each fleet of a group over the interval being settled.
    scratch: Vec<f64>,
}

/// A LoRa fleet's radio in flow mode.
struct Radio {
    airtime: Ticks,
    channels: u32,
    group: usize,
    duty: Duty,
    /// Frames per tick of one device on air: its report rate times its duty-cycle share.
    rate: f64,
    /// Shortest time between two frames of one device, in ticks: its duty-cycle silence after
    /// its time on air, or its report law's shortest gap if longer.
    min_gap: f64,
    /// Share of a degraded device's readings its sensor does not drop.
    degraded_sends: f64,
    /// Each group fleet's (healthy, degraded) device-time since the start, as read when this
    /// fleet was last settled.
    seen: Vec<[u128; 2]>,
}

/// Which readings reaching the radio go on air.
enum Duty {
    /// All of them: the report law's gaps never fall inside the silence.
    All,
    /// Of each home's readings, in blocks of `every` × its devices, the first `devices`
    /// (every device's first, then every `every`-th); `arrived` counts the home's readings.
    Every {
        every: u64,
        devices: Vec<u64>,
        arrived: Vec<u64>,
    },
    /// Each with this probability.
    Share(f64),
}

impl Duty {
    /// Readings that go on air out of `n` reaching home `m`'s radios.
    fn sent(&mut self, m: usize, n: u64, rng: &mut Stream) -> u64 {
        match self {
            Duty::All => n,
            Duty::Every {
                every,
                devices,
                arrived,
            } => {
                let k = devices[m].max(1);
                let block = every.saturating_mul(k);
                let sends = |r: u64| (r / block) * k + (r % block).min(k);
                let before = arrived[m];
                arrived[m] = before + n;
                sends(before + n) - sends(before)
            }
            Duty::Share(p) => fluid::binomial(rng, n, *p),
        }
    }

    /// The share of readings sent in the long run.
    fn share(&self) -> f64 {
        match self {
            Duty::All => 1.0,
            Duty::Every { every, .. } => 1.0 / *every as f64,
            Duty::Share(p) => *p,
        }
    }
}

impl Radios {
    /// The LoRa fleets of `dep`; `key(fleet)` keys the stream that measures a report law
    /// without a closed form.
    pub(super) fn new(dep: &Deployment, key: impl Fn(&FleetSpec) -> StreamKey) -> Radios {
        let mut bases: Vec<(usize, u8)> = vec![];
        let mut groups: Vec<Vec<u32>> = vec![];
        let mut fleets: Vec<Option<Radio>> = dep
            .fleets
            .iter()
            .enumerate()
            .map(|(f, spec)| {
                let l = spec.lora?;
                let id = (spec.site, l.spreading_factor);
                let group = match bases.iter().position(|&b| b == id) {
                    Some(g) => g,
                    None => {
                        bases.push(id);
                        groups.push(vec![]);
                        groups.len() - 1
                    }
                };
                groups[group].push(f as u32);
                let (airtime, silence) = lora_timing(spec, &l);
                let quiet = airtime + silence;
                let homes = dep.groups[spec.group].members.len() as u64;
                let devices = (0..homes)
                    .map(|m| spec.count as u64 / homes + u64::from(m < spec.count as u64 % homes))
                    .collect();
                let duty = duty_cycle(&spec.report, quiet, devices, key(spec));
                let mean = spec.report.mean().max(1.0);
                let degraded_sends = match spec.life.degradation.as_ref().map(|d| d.effect) {
                    Some(Effect::Dropouts(p)) => 1.0 - p,
                    _ => 1.0,
                };
                Some(Radio {
                    airtime,
                    channels: l.channels.max(1),
                    group,
                    rate: duty.share() / mean,
                    duty,
                    min_gap: (quiet as f64).max(spec.report.min() as f64),
                    degraded_sends,
                    seen: vec![],
                })
            })
            .collect();
        for radio in fleets.iter_mut().flatten() {
            radio.seen = vec![[0, 0]; groups[radio.group].len()];
        }
        Radios {
            fleets,
            groups,
            scratch: vec![],
        }
    }

    /// Fleet `f`'s time on air per message, if it is a LoRa fleet.
    pub(super) fn airtime(&self, f: usize) -> Option<Ticks> {
        self.fleets[f].as_ref().map(|r| r.airtime)
    }

    pub(super) fn is_lora(&self, f: usize) -> bool {
        self.fleets[f].is_some()
    }
}

/// How the duty cycle thins a report law when a device stays silent for `quiet` ticks after
/// each transmission (see the module doc).
fn duty_cycle(law: &DurationDist, quiet: Ticks, devices: Vec<u64>, key: StreamKey) -> Duty {
    match law {
        _ if law.min() >= quiet => Duty::All,
        DurationDist::Fixed(period) => {
            let every = quiet.div_ceil((*period).max(1));
            let arrived = vec![0; devices.len()];
            Duty::Every {
                every,
                devices,
                arrived,
            }
        }
        DurationDist::Exponential { mean, .. } => Duty::Share(1.0 / (1.0 + quiet as f64 / mean)),
        _ => Duty::Share(1.0 / readings_per_send(law, quiet as f64, &mut key.stream())),
    }
}

/// E[N], N = min{n : X₁ + … + Xₙ ≥ D}: the readings a device goes through from one send to
/// the next, measured over [`RENEWAL_DRAWS`] gaps and kept within Wald's and Lorden's bounds.
fn readings_per_send(law: &DurationDist, quiet: f64, rng: &mut Stream) -> f64 {
    let (mut sends, mut readings) = (0u64, 0u64);
    while readings < RENEWAL_DRAWS {
        let mut elapsed = 0.0;
        loop {
            elapsed += law.sample(rng) as f64;
            readings += 1;
            // The cap only ends a law whose gaps round to zero ticks.
            if elapsed >= quiet || readings >= RENEWAL_DRAWS.saturating_mul(4) {
                break;
            }
        }
        sends += 1;
    }
    let mu = law.mean().max(1.0);
    let lower = (quiet / mu).max(1.0);
    let upper = 1.0 + (quiet + law.second_moment() / mu) / mu;
    (readings as f64 / sends as f64).clamp(lower, upper.max(lower))
}

impl Radio {
    /// This fleet's on-air device-time (degraded devices weighted by the share
    /// of readings their sensors keep), from its (healthy, degraded) device-time.
    fn on_air(&self, areas: [u128; 2]) -> f64 {
        areas[0] as f64 + areas[1] as f64 * self.degraded_sends
    }
}

/// The probability that a frame of fleet `f` sent over [t1 − span, t1) collides, from the
/// load on its channel group over that interval (0 for a fleet without LoRa).
pub(super) fn collision_share(flow: &mut Flow, f: usize, t1: Ticks, span: Ticks) -> f64 {
    let Some(group) = flow.radios.fleets[f].as_ref().map(|r| r.group) else {
        return 0.0;
    };
    let span = span.max(1) as f64;
    let mut devices = std::mem::take(&mut flow.radios.scratch);
    devices.clear();
    for i in 0..flow.radios.groups[group].len() {
        let j = flow.radios.groups[group][i] as usize;
        let fl = &mut flow.fleets[j];
        fl.integrate(t1);
        let now = [fl.since_start[HEALTHY], fl.since_start[DEGRADED]];
        let radios = &mut flow.radios.fleets;
        let before = radios[f]
            .as_mut()
            .map_or(now, |r| std::mem::replace(&mut r.seen[i], now));
        let delta = [now[0] - before[0], now[1] - before[1]];
        let weight = radios[j].as_ref().map_or(0.0, |r| r.on_air(delta));
        devices.push(weight / span);
    }
    let Some(me) = flow.radios.fleets[f].as_ref() else {
        return 0.0;
    };
    let mut survive = 0.0;
    for k in 0..me.channels {
        let mut log = 0.0;
        for (i, &n) in devices.iter().enumerate() {
            let j = flow.radios.groups[group][i] as usize;
            let Some(other) = flow.radios.fleets[j].as_ref() else {
                continue;
            };
            if k >= other.channels {
                continue;
            }
            let n = if j == f { (n - 1.0).max(0.0) } else { n };
            if n <= 0.0 {
                continue;
            }
            let window = (me.airtime + other.airtime) as f64;
            let q = window * other.rate / other.channels as f64;
            log += if other.min_gap >= window {
                n * (1.0 - q.min(1.0)).ln()
            } else {
                -n * q
            };
        }
        survive += log.exp();
    }
    flow.radios.scratch = devices;
    (1.0 - survive / me.channels as f64).clamp(0.0, 1.0)
}

/// The number of bad readings among `keep` kept of `good + bad` (a binomial draw kept within
/// what is possible: the hypergeometric's support).
fn bad_kept(rng: &mut Stream, good: u64, bad: u64, keep: u64) -> u64 {
    if bad == 0 || keep == 0 {
        return 0;
    }
    if keep >= good + bad {
        return bad;
    }
    let share = bad as f64 / (good + bad) as f64;
    fluid::binomial(rng, keep, share).clamp(keep.saturating_sub(good), bad.min(keep))
}

impl Flow {
    /// Home `m` of LoRa fleet `f`: of `good` and `bad` readings reaching its radios, those
    /// the duty cycle silences and those that collide (with probability `collide`) are lost;
    /// the rest go on to the access link, returned as (good, bad).
    pub(super) fn on_air(
        &mut self,
        cx: &mut FlowCx<'_>,
        f: usize,
        m: usize,
        collide: f64,
        good: u64,
        bad: u64,
    ) -> (u64, u64) {
        let rng = &mut self.fleets[f].rng;
        let Some(radio) = self.radios.fleets[f].as_mut() else {
            return (good, bad);
        };
        let n = good + bad;
        let sent = radio.duty.sent(m, n, rng).min(n);
        let bad_sent = bad_kept(rng, good, bad, sent);
        let collided = fluid::binomial(rng, sent, collide);
        let survived = sent - collided;
        let bad_left = bad_kept(rng, sent - bad_sent, bad_sent, survived);
        cx.acc.ledger.lost[LossCause::DutyCycle as usize] += n - sent;
        cx.acc.ledger.lost[LossCause::Collision as usize] += collided;
        (survived - bad_left, bad_left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> StreamKey {
        StreamKey {
            seed: 1,
            replication: 0,
            entity: 2,
            process: 3,
        }
    }

    fn stream() -> Stream {
        key().stream()
    }

    /// Gaps uniform on [0, 1): P(X₁ + … + Xₙ < D) = Dⁿ/n! for D ≤ 1, so E[N] = e^D and
    /// Var N = e^D (2D + 1) − e^{2D}; the measurement is within 5 of its standard errors.
    #[test]
    fn readings_per_send_matches_the_uniform_renewal_function() {
        let law = DurationDist::uniform(0, 1_000_000).expect("valid");
        let d = 0.5;
        let measured = readings_per_send(&law, d * 1e6, &mut stream());
        let mean = d.exp();
        let var = mean * (2.0 * d + 1.0) - mean * mean;
        let sends = RENEWAL_DRAWS as f64 / mean;
        let se = (var / sends).sqrt();
        assert!((measured - mean).abs() < 5.0 * se, "{measured} vs {mean}");
    }

    /// Exponential gaps of mean 1/λ: N − 1 is Poisson(λD), E[N] = 1 + λD, the closed form
    /// `duty_cycle` uses for them.
    #[test]
    fn readings_per_send_matches_the_poisson_count() {
        let law = DurationDist::exponential(60_000_000).expect("valid");
        let d = 150e6;
        let measured = readings_per_send(&law, d, &mut stream());
        let mean = 1.0 + d / 60e6;
        let sends = RENEWAL_DRAWS as f64 / mean;
        let se = ((mean - 1.0) / sends).sqrt();
        assert!((measured - mean).abs() < 5.0 * se, "{measured} vs {mean}");
        match duty_cycle(&law, d as Ticks, vec![1], key()) {
            Duty::Share(p) => assert!((p - 1.0 / mean).abs() < 1e-12),
            _ => panic!("exponential reports thin at random"),
        }
    }

    /// Three devices reporting every P with a silence of 4.2 P: each sends its first reading
    /// and every fifth after it, however the readings are split into intervals.
    #[test]
    fn a_fixed_period_sends_every_ceil_d_over_p_th_reading_from_the_first() {
        let law = DurationDist::fixed(10);
        let mut duty = duty_cycle(&law, 42, vec![3], key());
        let mut rng = stream();
        let sent: Vec<u64> = [3, 12, 1, 2, 1, 11]
            .iter()
            .map(|&n| duty.sent(0, n, &mut rng))
            .collect();
        assert_eq!(sent, [3, 0, 1, 2, 0, 0]);
        assert!(matches!(duty_cycle(&law, 10, vec![3], key()), Duty::All));
    }
}
