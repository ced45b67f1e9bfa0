//! The peer model (`scenarios/peer_bench.ron`, described in BENCHMARKS.md), packet mode, one
//! replication, one thread, at 10,000 and 100,000 devices over 0.1 simulated day. Timed is the
//! simulation loop only, as the peer figures are; building the fleet is not.
//!
//! Throughput is events as the peer benchmark counts them: emit + arrive + fail + repair, which
//! are all the events this scenario has.
//!
//! Beside it, in the same run, the benchmark's hand-written baseline: the same model as a plain
//! loop over a `std` `BinaryHeap` of 24-byte (time ns, sequence, device, kind) events with one
//! Xoshiro256++ per device. It is the anchor iotwin's speed is judged against (BENCHMARKS.md:
//! at least 2× at 10,000 devices and 2.5× at 100,000), so both must be measured together.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use iotwin::engine::Scheduler;
use iotwin::model::World;
use iotwin::scenario::{self, Deployment};

fn deployment(devices: u32) -> Deployment {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/peer_bench.ron");
    let mut dep = scenario::load(std::path::Path::new(path)).expect("peer_bench.ron is valid");
    dep.fleets[0].count = devices;
    dep.horizon = 8_640_000_000; // 0.1 day in µs
    dep
}

/// Runs the loop once and returns (events, loop time).
fn run_once(dep: &Deployment) -> (u64, std::time::Duration) {
    let mut sched = Scheduler::with_capacity(World::queue_capacity(dep));
    let mut world = World::new(dep, 0, &mut sched);
    let start = std::time::Instant::now();
    sched.run(&mut world, dep.horizon);
    let elapsed = start.elapsed();
    (sched.processed(), elapsed)
}

fn peer(c: &mut Criterion) {
    let mut group = c.benchmark_group("peer_model");
    group.sample_size(10);
    for devices in [10_000u32, 100_000] {
        let dep = deployment(devices);
        let (events, _) = run_once(&dep);
        group.throughput(Throughput::Elements(events));
        group.bench_with_input(BenchmarkId::from_parameter(devices), &dep, |b, dep| {
            b.iter_custom(|iters| (0..iters).map(|_| run_once(dep).1).sum())
        });
    }
    for devices in [10_000u32, 100_000] {
        let (events, _) = hand::run(devices, HORIZON_NS);
        group.throughput(Throughput::Elements(events));
        group.bench_with_input(
            BenchmarkId::new("hand_written", devices),
            &devices,
            |b, &devices| {
                b.iter_custom(|iters| (0..iters).map(|_| hand::run(devices, HORIZON_NS).1).sum())
            },
        );
    }
    group.finish();
}

/// 0.1 simulated day, in the hand-written loop's nanoseconds.
const HORIZON_NS: u64 = 8_640_000_000_000;

/// The hand-written baseline, written as a careful engineer would without a framework.
mod hand {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    const SECOND: f64 = 1e9;
    const PERIOD: f64 = 60.0 * SECOND;
    const JITTER_MEAN: f64 = 2.0 * SECOND;
    const LATENCY: u64 = 50_000_000;
    const LOSS: f64 = 0.01;
    const LIFE_MEAN: f64 = 365.0 * 86_400.0 * SECOND;
    const REPAIR_MEAN: f64 = 8.0 * 3_600.0 * SECOND;

    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Kind {
        Emit,
        Arrive,
        Fail,
        Repair,
    }

    /// 24 bytes: time, sequence (ties in push order), device, kind.
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    struct Event {
        time: u64,
        seq: u64,
        device: u32,
        kind: Kind,
    }

    fn exp(rng: &mut Xoshiro256PlusPlus, mean: f64) -> u64 {
        let u: f64 = 1.0 - rng.random::<f64>();
        (-u.ln() * mean) as u64
    }

    /// Runs the model to `horizon` ns; returns (events, loop time), the set-up untimed.
    pub fn run(devices: u32, horizon: u64) -> (u64, std::time::Duration) {
        let mut rngs: Vec<Xoshiro256PlusPlus> = (0..devices)
            .map(|i| Xoshiro256PlusPlus::seed_from_u64(u64::from(i)))
            .collect();
        let mut up = vec![true; devices as usize];
        let mut heap = BinaryHeap::with_capacity(2 * devices as usize);
        let mut seq = 0u64;
        let mut push = |heap: &mut BinaryHeap<Reverse<Event>>, time, device, kind| {
            seq += 1;
            heap.push(Reverse(Event {
                time,
                seq,
                device,
                kind,
            }));
        };
        for (d, rng) in rngs.iter_mut().enumerate() {
            let first = (rng.random::<f64>() * PERIOD) as u64;
            push(&mut heap, first, d as u32, Kind::Emit);
            push(&mut heap, exp(rng, LIFE_MEAN), d as u32, Kind::Fail);
        }
        let start = std::time::Instant::now();
        let mut events = 0u64;
        let mut delivered = 0u64;
        while let Some(Reverse(e)) = heap.pop() {
            if e.time >= horizon {
                break;
            }
            events += 1;
            let d = e.device as usize;
            let rng = &mut rngs[d];
            match e.kind {
                Kind::Emit => {
                    if up[d] && rng.random::<f64>() >= LOSS {
                        push(&mut heap, e.time + LATENCY, e.device, Kind::Arrive);
                    }
                    let next = e.time + PERIOD as u64 + exp(rng, JITTER_MEAN);
                    push(&mut heap, next, e.device, Kind::Emit);
                }
                Kind::Arrive => delivered += 1,
                Kind::Fail => {
                    up[d] = false;
                    push(
                        &mut heap,
                        e.time + exp(rng, REPAIR_MEAN),
                        e.device,
                        Kind::Repair,
                    );
                }
                Kind::Repair => {
                    up[d] = true;
                    push(
                        &mut heap,
                        e.time + exp(rng, LIFE_MEAN),
                        e.device,
                        Kind::Fail,
                    );
                }
            }
        }
        let elapsed = start.elapsed();
        std::hint::black_box(delivered);
        (events, elapsed)
    }
}

criterion_group!(benches, peer);
criterion_main!(benches);
