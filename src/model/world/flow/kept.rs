//! Flow mode's device buffers (`Fleet(buffer_messages: B)`): the readings a fleet's devices
//! keep while their gateway cannot be reached, accounted per home member of the fleet's group
//! (the devices that route alike), as packet mode's reporting part (`keep_on_device`,
//! `flush`) does it per message.
//!
//! Packet mode: a reading of an up device (not bricked or expired, after its sensor's
//! degradation) whose routed gateway is down, or whose group has no member in use, joins the
//! device's FIFO of B readings, the newest dropped (`buffer_overflow`) when it is full. When
//! the gateway is reachable again (it comes back up, or the group switches to a member that is
//! up) every device of the home sends what it kept, at that instant, over its access link —
//! whether the device is up or not: a failure or a replacement leaves the buffer as it is.
//! Kept readings still on the device at the horizon count as buffered at the horizon; the
//! device buffers are not part of `peak_buffered` (the gateways' only).
//!
//! Flow mode keeps, per home, the *blind window* since the home's buffers were last emptied:
//! the readings offered to the buffers T, and the device-time of devices that could offer
//! them (up and not bricked or expired). With N the window's mean number of such devices,
//! the buffers hold K(T) readings:
//!
//! - periodic reports (a systematic count): in a window each device makes ⌊D/P⌋ or ⌈D/P⌉
//!   readings, so given T they are q = ⌊T/N⌋ for N − r devices and q + 1 for r = T − qN, and
//!   Σ min(B, n_d) = min(T, N·B) exactly (either q ≥ B and every device is full, or q + 1 ≤ B
//!   and none is);
//! - exponential reports: each device's count is Poisson(T/N) (given the Poisson total T over
//!   N devices, a device's share is Binomial(T, 1/N), close to that law for the many devices
//!   flow mode is for), so K(T) = N·E[min(B, Poisson(T/N))], rounded. The
//!   expectation, not a draw: the total T is already a Poisson draw, which carries the
//!   variance that matters (how many readings the window held); what is left — how unevenly N
//!   devices share them — averages over N devices, and a deterministic K keeps the kept count
//!   nondecreasing over the intervals of one window without a conditional law to draw from.
//!
//! An interval's readings are a [`Chunk`]; the first K(T) − K(T_before) of them (they are the
//! oldest, since each device keeps its first B of the window) are kept, the rest overflow.
//! Kept chunks keep their creation spans, so on the flush the delay of each is the time from
//! its creation to the flush plus the access and uplink latencies, exactly as for gateway
//! buffers. Using the mean number of up devices is exact for devices that are up or down for
//! the whole window (a fleet's dead batteries, its bricked units); a device failing in the
//! middle of a window is counted as part of a device for all of it.
//!
//! The flush: the kept chunks cross the access link (binomial loss per Gilbert-Elliott state,
//! `Hop::survivors`) and meet the gateway as arrivals at that instant (`Chunk::reached`, from
//! which a gateway's waiting time counts, as packet mode's `queued`): forwarded over its uplink
//! in use (no gateway wait), stored in its buffer when it has no uplink in use, queued behind
//! its server when it has one, or, at a server without a buffer, blocked as in the M/G/1/1 loss
//! system over the spread of the access delay (`Flow::burst_without_buffer`). Approximation:
//! packet mode's flushed readings reach the gateway over the access delay, flow mode's at the
//! flush instant with the access delay added after; both give the same delivery delays.

use crate::engine::Ticks;
use crate::model::fluid::{Chunk, LatencyTable, Queue};
use crate::scenario::DropPolicy;

/// The device buffers of one home's devices, in aggregate.
#[derive(Clone, Debug)]
pub(crate) struct Kept {
    /// Devices of the home, and what each can keep.
    devices: u64,
    capacity: u64,
    periodic: bool,
    /// Readings offered to the buffers since they were last emptied.
    offered: u64,
    /// Device-ticks of devices that could offer readings, and ticks, in the window.
    up_time: f64,
    window: u64,
    /// The readings kept, oldest first (never over the devices' total capacity).
    queue: Queue,
}

impl Kept {
    /// The buffers of `devices` devices keeping `capacity` readings each; `periodic` when
    /// their reports are a systematic count (not Poisson).
    pub(crate) fn new(devices: u64, capacity: u64, periodic: bool) -> Kept {
        Kept {
            devices,
            capacity,
            periodic,
            offered: 0,
            up_time: 0.0,
            window: 0,
            queue: Queue::new(u64::MAX, DropPolicy::DropNewest),
        }
    }

    /// Readings held.
    pub(crate) fn level(&self) -> u64 {
        self.queue.level()
    }

    /// `chunk`, the readings offered over an interval of `span` ticks in which a share
    /// `up_share` of the home's device-time could offer them: keeps its oldest readings the
    /// buffers have room for and returns how many overflow.
    pub(crate) fn offer(&mut self, mut chunk: Chunk, up_share: f64, span: Ticks) -> u64 {
        self.offered += chunk.count;
        self.up_time += up_share.clamp(0.0, 1.0) * self.devices as f64 * span as f64;
        self.window += span;
        let devices = if self.window > 0 {
            self.up_time / self.window as f64
        } else {
            0.0
        };
        let held = self.queue.level();
        let room = self.holds(devices).clamp(held, held + chunk.count);
        let kept = chunk.split_front(room - held);
        self.queue.push(kept);
        chunk.count
    }

    /// K(T): what `devices` devices (on average over the window) hold of the readings offered.
    fn holds(&self, devices: f64) -> u64 {
        if devices <= 0.0 || self.offered == 0 {
            return 0;
        }
        let full = if self.periodic {
            devices * self.capacity as f64
        } else {
            devices * expected_min_poisson(self.capacity, self.offered as f64 / devices)
        };
        (full.round() as u64).min(self.offered)
    }

    /// Empties the buffers (their devices can reach a gateway): the kept chunks, oldest first.
    /// A new window starts.
    pub(crate) fn flush(&mut self, out: &mut Vec<Chunk>) {
        let level = self.queue.level();
        self.queue.take_front(level, &mut |c| out.push(c));
        self.offered = 0;
        self.up_time = 0.0;
        self.window = 0;
    }
}

/// E[min(B, X)] for X ~ Poisson(μ): Σ_{k<B} P(X > k). Terms beyond 12 standard deviations
/// (plus 12) from the mean are 1 below it and 0 above it to far better than f64 sees in a
/// count (P(|X − μ| > 12σ + 12) < 10⁻³⁰), so at most ~24√μ + 24 terms are summed.
pub fn expected_min_poisson(b: u64, mean: f64) -> f64 {
    if b == 0 || mean.is_nan() || mean <= 0.0 {
        return 0.0;
    }
    let reach = 12.0 * mean.sqrt() + 12.0;
    let lo = (mean - reach).max(0.0).floor() as u64;
    if b <= lo {
        return b as f64;
    }
    let hi = ((mean + reach).ceil() as u64).min(b);
    let ln_mean = mean.ln();
    let mut ln_p = -mean + lo as f64 * ln_mean - ln_factorial(lo);
    let mut cdf = 0.0;
    let mut sum = lo as f64;
    for k in lo..hi {
        cdf += ln_p.exp();
        sum += (1.0 - cdf).max(0.0);
        ln_p += ln_mean - ((k + 1) as f64).ln();
    }
    sum
}

/// Equal-probability slices of the access delay law over which a burst's blocking is taken:
/// a burst's arrival rate varies over the law (dense near its mode, sparse in its tail), and
/// 32 slices of its 1,024 tabulated draws follow that shape while each still holds 32 draws.
pub(crate) const BURST_SLICES: usize = 32;

/// Expected messages of `k` sent at once that pass a server without a buffer taking `service`
/// ticks each, when each reaches it after a delay from `law` (see `Flow::burst_without_buffer`).
pub(crate) fn burst_passing(law: &LatencyTable, k: f64, service: f64) -> f64 {
    let n = BURST_SLICES as f64;
    (0..BURST_SLICES)
        .map(|j| {
            let lo = law.quantile(j as f64 / n);
            let hi = law.quantile((j + 1) as f64 / n);
            let width = (hi - lo) as f64;
            if width <= 0.0 {
                return 0.0;
            }
            let rho = k / n / width * service;
            k / n / (1.0 + rho)
        })
        .sum()
}

/// The most of `k` messages sent at once waiting at a server taking `service` ticks each,
/// when each reaches it after a delay from `law`: a fluid over the law's slices, k/n arriving
/// over each slice's width w while w/E[S] leave.
pub(crate) fn burst_peak(law: &LatencyTable, k: f64, service: f64) -> f64 {
    if service <= 0.0 {
        return 0.0;
    }
    let n = BURST_SLICES as f64;
    let (mut level, mut peak) = (0.0f64, 0.0f64);
    for j in 0..BURST_SLICES {
        let width = (law.quantile((j + 1) as f64 / n) - law.quantile(j as f64 / n)) as f64;
        level = (level + k / n - width / service).max(0.0);
        peak = peak.max(level);
    }
    peak
}

/// ln(k!): exact sums up to 20, Stirling's series beyond (error below 10⁻¹⁴ there).
fn ln_factorial(k: u64) -> f64 {
    if k <= 20 {
        return (2..=k).map(|i| (i as f64).ln()).sum();
    }
    let x = k as f64;
    let inv = 1.0 / x;
    x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + inv / 12.0 - inv.powi(3) / 360.0
        + inv.powi(5) / 1260.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(count: u64, first: Ticks, last: Ticks) -> Chunk {
        Chunk {
            fleet: 0,
            count,
            first,
            last,
            bad: 0,
            reached: 0,
        }
    }

    /// Σ_{k<B} P(X > k) summed naively from the probability mass function.
    fn naive(b: u64, mean: f64) -> f64 {
        let mut p = (-mean).exp();
        let mut cdf = 0.0;
        let mut sum = 0.0;
        for k in 0..b {
            cdf += p;
            sum += 1.0 - cdf;
            p *= mean / (k + 1) as f64;
        }
        sum
    }

    #[test]
    fn expected_min_of_a_poisson_matches_the_naive_sum() {
        for (b, mean) in [(1, 0.5), (10, 3.0), (96, 96.0), (100, 120.0), (50, 400.0)] {
            let (fast, slow) = (expected_min_poisson(b, mean), naive(b, mean));
            assert!(
                (fast - slow).abs() < 1e-9,
                "B {b} μ {mean}: {fast} vs {slow}"
            );
        }
        // Far above B every device is full; far below, E[min] = E[X] = μ.
        assert_eq!(expected_min_poisson(10, 1e6), 10.0);
        assert!((expected_min_poisson(1_000_000, 50.0) - 50.0).abs() < 1e-9);
        assert_eq!(expected_min_poisson(0, 5.0), 0.0);
    }

    #[test]
    fn ln_factorial_joins_stirling_smoothly() {
        let exact: f64 = (2..=30u64).map(|i| (i as f64).ln()).sum();
        assert!((ln_factorial(30) - exact).abs() < 1e-10);
    }

    /// Ten devices every period, B = 5: a window of 12 periods over three intervals offers
    /// 120 readings; 50 are kept (the oldest), 70 overflow, whatever the cuts.
    #[test]
    fn periodic_buffers_keep_min_of_t_and_n_b() {
        let mut kept = Kept::new(10, 5, true);
        let mut lost = 0;
        lost += kept.offer(chunk(30, 0, 299), 1.0, 300);
        assert_eq!((lost, kept.level()), (0, 30));
        lost += kept.offer(chunk(40, 300, 699), 1.0, 400);
        assert_eq!((lost, kept.level()), (20, 50));
        lost += kept.offer(chunk(50, 700, 1199), 1.0, 500);
        assert_eq!((lost, kept.level()), (70, 50));
        let mut out = vec![];
        kept.flush(&mut out);
        assert_eq!(out.iter().map(|c| c.count).sum::<u64>(), 50);
        assert_eq!((out[0].first, out[1].last), (0, 499));
        assert_eq!(kept.level(), 0);
        // A new window starts empty.
        assert_eq!(kept.offer(chunk(50, 0, 499), 1.0, 500), 0);
    }

    /// Half the devices down all window: the other half hold N/2 · B.
    #[test]
    fn half_the_devices_down_all_window_hold_half() {
        let mut kept = Kept::new(10, 5, true);
        let lost = kept.offer(chunk(60, 0, 1199), 0.5, 1200);
        assert_eq!((lost, kept.level()), (35, 25));
    }
}
