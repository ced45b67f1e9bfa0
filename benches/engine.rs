//! The engine alone: the classic hold model. 10,000 events pending; each event popped schedules
//! one more at now + an exponential increment. Increments come from a precomputed table so that
//! the figure measures the queue and scheduler, not the random number generator.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iotwin::engine::{DurationDist, Model, Scheduler, StreamKey};

const PENDING: usize = 10_000;
const EVENTS: u64 = 2_000_000;

struct Hold {
    increments: Vec<u64>,
    next: usize,
}

impl Model for Hold {
    type Event = u64;
    #[inline]
    fn handle(&mut self, sched: &mut Scheduler<u64>, event: u64) {
        let dt = self.increments[self.next];
        self.next = (self.next + 1) & (self.increments.len() - 1);
        sched.schedule_at(sched.now() + dt, event);
    }
}

fn hold(c: &mut Criterion) {
    let mut rng = StreamKey {
        seed: 1,
        replication: 0,
        entity: 0,
        process: 0,
    }
    .stream();
    // Mean increment 1 s in 1 µs ticks: 10,000 pending events span a few hours of sim time.
    let law = DurationDist::exponential(1_000_000).expect("positive mean");
    let increments: Vec<u64> = (0..1 << 16).map(|_| law.sample(&mut rng)).collect();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(EVENTS));
    group.sample_size(20);
    group.bench_function("hold_10k_pending", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                let mut sched = Scheduler::with_capacity(PENDING);
                for (i, &dt) in increments.iter().enumerate().take(PENDING) {
                    sched.schedule_at(dt, i as u64);
                }
                let mut model = Hold {
                    increments: increments.clone(),
                    next: PENDING,
                };
                let start = std::time::Instant::now();
                while sched.processed() < EVENTS {
                    let Some(e) = sched.next_before(u64::MAX) else {
                        break;
                    };
                    model.handle(&mut sched, e);
                }
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);
