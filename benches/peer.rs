//! The peer model of shared/PEER_BENCH.md (`scenarios/peer_bench.ron`), packet mode, one
//! replication, one thread, at 10,000 and 100,000 devices over 0.1 simulated day. Timed is the
//! simulation loop only, as the peer figures are; building the fleet is not.
//!
//! Throughput is events as PEER_BENCH.md counts them: emit + arrive + fail + repair, which are
//! all the events this scenario has.

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
    group.finish();
}

criterion_group!(benches, peer);
criterion_main!(benches);
