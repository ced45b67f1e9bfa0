//! Flow mode's arithmetic, free of the world's state: counts of reports over an interval,
//! binomial and Poisson draws, messages as chunks spread over a span of creation times, a
//! fluid FIFO buffer, the Pollaczek–Khinchine waiting time and latency tables.
//!
//! Every count here is an integer drawn or derived exactly, never an expectation, so the
//! [`super::Ledger`] adds up exactly in flow mode too (invariant 3 in ARCHITECTURE.md).

use std::collections::VecDeque;

use rand::Rng;
use rand_distr::{Binomial, Distribution, Poisson};

use crate::engine::{DurationDist, Stream, StreamKey, Ticks};
use crate::scenario::DropPolicy;

/// Binomial(n, p), without the corner cases `rand_distr` refuses.
#[inline]
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        0
    } else if p >= 1.0 {
        n
    } else {
        Binomial::new(n, p).map_or(0, |b| b.sample(rng))
    }
}

/// Poisson(mean); zero for a non-positive mean.
pub fn poisson<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> u64 {
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean).map_or(0, |p| {
        let x: f64 = p.sample(rng);
        x as u64
    })
}

/// How many reports a group of devices makes over an interval.
///
/// Packet mode starts each device at a uniform phase in its nominal period (exponential gaps:
/// after a first gap of the law, so Poisson from the start), then repeats at the law's mean
/// `P̄`; a device's expected count by `t` is `t / P_nom` in the first nominal period and
/// `(t + (P̄ − P_nom)/2) / P̄` after it (renewal asymptote), so both are used here, which
/// keeps the start-up excess that packet mode has.
#[derive(Clone, Copy, Debug)]
pub enum Reports {
    /// Periodic or renewal reporting (fixed period, period plus jitter, any other law) with
    /// random phases: a systematic count floor(N·g(t) + φ) at each end, g(t) the expected
    /// count of one device by `t`, so the count over [0, t) is N·g(t) within one message.
    /// `phase` is φ ∈ [0, 1).
    Periodic {
        devices: f64,
        nominal: f64,
        mean: f64,
        phase: f64,
    },
    /// Exponential gaps: a Poisson count per interval, from the start (packet mode draws a
    /// device's first gap from the same law).
    Poisson { devices: f64, mean: f64 },
}

impl Reports {
    /// The reporting law of `devices` devices reporting with `law`; the phase is drawn from
    /// `rng`.
    pub fn new(law: &DurationDist, devices: u64, rng: &mut Stream) -> Reports {
        let devices = devices as f64;
        let mean = law.mean().max(1.0);
        match law {
            DurationDist::Exponential { .. } => Reports::Poisson { devices, mean },
            _ => Reports::Periodic {
                devices,
                nominal: law.nominal_period() as f64,
                mean,
                phase: rand::RngExt::random::<f64>(rng),
            },
        }
    }

    /// Reports over [t0, t1).
    pub fn count(&self, rng: &mut Stream, t0: Ticks, t1: Ticks) -> u64 {
        match *self {
            Reports::Periodic {
                devices,
                nominal,
                mean,
                phase,
            } => {
                let shift = ((mean - nominal) / 2.0).max(0.0);
                let g = |t: f64| {
                    let steady = (t + shift) / mean;
                    if nominal >= 1.0 {
                        steady.min(t / nominal)
                    } else {
                        steady
                    }
                };
                let at = |t: Ticks| (devices * g(t as f64) + phase).floor() as u64;
                at(t1).saturating_sub(at(t0))
            }
            Reports::Poisson { devices, mean } => {
                // A device's first report comes after a gap of the law itself (memoryless):
                // Poisson from the start.
                poisson(rng, devices * (t1 - t0) as f64 / mean)
            }
        }
    }

    /// Mean reports per tick in steady state.
    /// Whether reports are periodic (a systematic count), not Poisson.
    pub fn is_periodic(&self) -> bool {
        matches!(self, Reports::Periodic { .. })
    }

    pub fn rate(&self) -> f64 {
        match *self {
            Reports::Periodic { devices, mean, .. } | Reports::Poisson { devices, mean } => {
                devices / mean
            }
        }
    }
}

/// `count` messages of fleet `fleet` created evenly over [`first`, `last`], `bad` of them
/// readings out of accuracy (spread evenly among them). `reached` is when they reached their
/// gateway if that is later than their creation (readings kept on devices until a flush),
/// else 0: a gateway's waiting time counts from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub fleet: u32,
    pub count: u64,
    pub first: Ticks,
    pub last: Ticks,
    pub bad: u64,
    pub reached: Ticks,
}

impl Chunk {
    /// Splits off the first `k` messages (the oldest); `self` keeps the rest.
    pub fn split_front(&mut self, k: u64) -> Chunk {
        let k = k.min(self.count);
        let span = (self.last - self.first) as u128;
        let cut = self.first + (span * k as u128 / self.count.max(1) as u128) as Ticks;
        // The bad readings in proportion (rounded down in front): at most k in front and at
        // most count − k behind.
        let bad = (self.bad as u128 * k as u128 / self.count.max(1) as u128) as u64;
        let front = Chunk {
            fleet: self.fleet,
            count: k,
            first: self.first,
            last: cut,
            bad,
            reached: self.reached,
        };
        self.count -= k;
        self.bad -= bad;
        self.first = cut;
        front
    }

    /// The mean creation time.
    pub fn mid(&self) -> f64 {
        (self.first as f64 + self.last as f64) / 2.0
    }
}

/// A gateway buffer as a fluid: FIFO chunks, at most `capacity` messages.
#[derive(Clone, Debug)]
pub struct Queue {
    chunks: VecDeque<Chunk>,
    level: u64,
    pub capacity: u64,
    pub drop: DropPolicy,
}

impl Queue {
    pub fn new(capacity: u64, drop: DropPolicy) -> Queue {
        Queue {
            chunks: VecDeque::new(),
            level: 0,
            capacity,
            drop,
        }
    }

    pub fn level(&self) -> u64 {
        self.level
    }

    pub fn is_empty(&self) -> bool {
        self.level == 0
    }

    /// Appends `chunk` without a capacity check (see [`Queue::enforce_capacity`]).
    pub fn push(&mut self, chunk: Chunk) {
        if chunk.count == 0 {
            return;
        }
        self.level += chunk.count;
        self.chunks.push_back(chunk);
    }

    /// Takes up to `k` messages from the front, oldest first, handing each piece to `out`.
    pub fn take_front(&mut self, mut k: u64, out: &mut impl FnMut(Chunk)) {
        while k > 0 {
            let Some(head) = self.chunks.front_mut() else {
                return;
            };
            let piece = if head.count <= k {
                let whole = *head;
                self.chunks.pop_front();
                whole
            } else {
                head.split_front(k)
            };
            k -= piece.count;
            self.level -= piece.count;
            out(piece);
        }
    }

    /// Takes up to `k` messages from the back, newest first.
    fn take_back(&mut self, mut k: u64, out: &mut impl FnMut(Chunk)) {
        while k > 0 {
            let Some(tail) = self.chunks.back_mut() else {
                return;
            };
            let piece = if tail.count <= k {
                let whole = *tail;
                self.chunks.pop_back();
                whole
            } else {
                let keep = tail.count - k;
                let front = tail.split_front(keep);
                let back = *tail;
                *tail = front;
                back
            };
            k -= piece.count;
            self.level -= piece.count;
            out(piece);
        }
    }

    /// Drops what exceeds the capacity: the newest messages (they arrived at a full buffer)
    /// or, with `DropOldest`, the oldest ones. `lost` hears every piece dropped.
    pub fn enforce_capacity(&mut self, lost: &mut impl FnMut(Chunk)) {
        let excess = self.level.saturating_sub(self.capacity);
        match self.drop {
            DropPolicy::DropNewest => self.take_back(excess, lost),
            DropPolicy::DropOldest => self.take_front(excess, lost),
        }
    }

    /// Every message still held, for the horizon.
    pub fn chunks(&self) -> impl Iterator<Item = &Chunk> {
        self.chunks.iter()
    }
}

/// Mean waiting time in queue of an M/G/1 queue (Pollaczek–Khinchine): λE\[S²\] / (2(1 − ρ)),
/// ρ = λE\[S\]; infinite at or above saturation. Times in ticks, rate per tick.
pub fn pk_wait(rate: f64, mean_service: f64, second_moment: f64) -> f64 {
    let rho = rate * mean_service;
    if rho >= 1.0 {
        f64::INFINITY
    } else {
        rate * second_moment / (2.0 * (1.0 - rho))
    }
}

/// Samples kept per latency table.
const TABLE_SAMPLES: usize = 1024;

/// The law of a sum of independent delays (access link + uplink), tabulated: its exact mean
/// and 1024 sorted draws for the probability of exceeding a bound. Fixed delays give a
/// constant table, so exceedance is exact for them.
#[derive(Clone, Debug)]
pub struct LatencyTable {
    pub mean: f64,
    sorted: Vec<Ticks>,
}

impl LatencyTable {
    pub fn new(parts: &[&DurationDist], key: StreamKey) -> LatencyTable {
        let mut rng = key.stream();
        let mut sorted: Vec<Ticks> = (0..TABLE_SAMPLES)
            .map(|_| parts.iter().map(|d| d.sample(&mut rng)).sum())
            .collect();
        sorted.sort_unstable();
        LatencyTable {
            mean: parts.iter().map(|d| d.mean()).sum(),
            sorted,
        }
    }

    /// P(delay > x).
    pub fn exceeds(&self, x: f64) -> f64 {
        if x < 0.0 {
            return 1.0;
        }
        let below = self.sorted.partition_point(|&t| (t as f64) <= x);
        (self.sorted.len() - below) as f64 / self.sorted.len() as f64
    }

    /// The share of a piece whose messages wait w(x) = w0 + x·(w1 − w0), x uniform on [0, 1],
    /// that take longer than `budget` in all: P(w(x) + delay > budget), exact for a wait
    /// linear in x against the tabulated delay law.
    pub fn late_share(&self, w0: f64, w1: f64, budget: f64) -> f64 {
        if (w1 - w0).abs() < 1.0 {
            return self.exceeds(budget - (w0 + w1) / 2.0);
        }
        let (lo, hi) = (w0.min(w1), w0.max(w1));
        // Samples that make every message late or none add 1 or 0; only those in between
        // need the fraction of x.
        let always = self.sorted.partition_point(|&t| (t as f64) <= budget - lo);
        let never = self.sorted.partition_point(|&t| (t as f64) <= budget - hi);
        let mut late = (self.sorted.len() - always) as f64;
        for &t in &self.sorted[never..always] {
            // w(x) > budget − t for x beyond (or before) the crossing.
            let x = ((budget - t as f64 - w0) / (w1 - w0)).clamp(0.0, 1.0);
            late += if w1 > w0 { 1.0 - x } else { x };
        }
        late / self.sorted.len() as f64
    }

    /// E[max(0, delay − x)].
    pub fn mean_excess(&self, x: f64) -> f64 {
        let above = self.sorted.partition_point(|&t| (t as f64) <= x);
        self.sorted[above..]
            .iter()
            .map(|&t| t as f64 - x)
            .sum::<f64>()
            / self.sorted.len() as f64
    }

    /// The largest delay tabulated.
    pub fn max(&self) -> Ticks {
        self.sorted.last().copied().unwrap_or(0)
    }

    /// The delay below which a share `p` ∈ [0, 1] of the table lies.
    pub fn quantile(&self, p: f64) -> Ticks {
        let last = self.sorted.len().saturating_sub(1);
        let i = ((p.clamp(0.0, 1.0) * last as f64).round() as usize).min(last);
        self.sorted.get(i).copied().unwrap_or(0)
    }
}

/// Splits `total` over parts proportionally to `weights` (largest remainder, ties to the
/// first), so the parts add up to `total` exactly.
pub fn apportion(total: u64, weights: &[f64], out: &mut Vec<u64>) {
    out.clear();
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 || weights.is_empty() {
        out.resize(weights.len(), 0);
        if let Some(first) = out.first_mut() {
            *first = total;
        }
        return;
    }
    let mut given = 0u64;
    let mut remainders: Vec<(f64, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = total as f64 * w / sum;
        let base = (exact.floor() as u64).min(total - given);
        given += base;
        out.push(base);
        remainders.push((exact - base as f64, i));
    }
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut k = 0;
    while given < total {
        out[remainders[k % remainders.len()].1] += 1;
        given += 1;
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream() -> Stream {
        StreamKey {
            seed: 1,
            replication: 0,
            entity: 2,
            process: 3,
        }
        .stream()
    }

    #[test]
    fn periodic_counts_add_up_to_the_rate() {
        let mut rng = stream();
        let law = DurationDist::fixed(60_000_000);
        let r = Reports::new(&law, 1000, &mut rng);
        let cuts = [
            0,
            7,
            1_000_000,
            59_999_999,
            3_600_000_000,
            86_400_000_000u64,
        ];
        let total: u64 = cuts.windows(2).map(|w| r.count(&mut rng, w[0], w[1])).sum();
        assert!(total.abs_diff(1000 * 1440) <= 1, "{total}");
    }

    #[test]
    fn a_queue_drops_the_newest_or_the_oldest() {
        for (drop, first_kept) in [(DropPolicy::DropNewest, 0), (DropPolicy::DropOldest, 50)] {
            let mut q = Queue::new(50, drop);
            q.push(Chunk {
                fleet: 0,
                count: 100,
                first: 0,
                last: 100,
                bad: 0,
                reached: 0,
            });
            let mut lost = 0;
            q.enforce_capacity(&mut |c| lost += c.count);
            assert_eq!((lost, q.level()), (50, 50));
            assert_eq!(q.chunks().next().map(|c| c.first), Some(first_kept));
        }
    }

    #[test]
    fn splitting_a_chunk_keeps_its_bad_readings() {
        let mut c = Chunk {
            fleet: 0,
            count: 10,
            first: 0,
            last: 90,
            bad: 7,
            reached: 0,
        };
        let front = c.split_front(3);
        assert_eq!((front.count, front.bad, c.count, c.bad), (3, 2, 7, 5));
        assert!(front.bad <= front.count && c.bad <= c.count);
    }

    #[test]
    fn apportion_is_exact() {
        let mut out = vec![];
        apportion(10, &[1.0, 1.0, 1.0], &mut out);
        assert_eq!(out.iter().sum::<u64>(), 10);
        assert_eq!(out, vec![4, 3, 3]);
    }

    #[test]
    fn pollaczek_khinchine_for_md1_and_mm1() {
        // M/M/1, ρ = 0.5: Wq = ρ/(μ − λ) = 1 with μ = 1.
        assert!((pk_wait(0.5, 1.0, 2.0) - 1.0).abs() < 1e-12);
        // M/D/1, ρ = 0.5: Wq = ρ/(2μ(1 − ρ)) = 0.5.
        assert!((pk_wait(0.5, 1.0, 1.0) - 0.5).abs() < 1e-12);
    }
}
