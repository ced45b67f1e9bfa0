//! Every message is accounted exactly once (invariant 3 in ARCHITECTURE.md), in every shipped scenario
//! and in a scenario built to reach every bucket. `World::run` checks conservation at the end of
//! each replication and returns an error if it fails; these tests also check the totals.

use iotwin::model::{LossCause, World};
use iotwin::scenario;

use crate::common::{deployment, shipped_scenarios};

fn assert_conserved(
    dep: &iotwin::scenario::Deployment,
    replications: u64,
) -> Vec<iotwin::model::Ledger> {
    (0..replications)
        .map(|r| {
            let outcome =
                World::run(dep, r).unwrap_or_else(|e| panic!("{}: replication {r}: {e}", dep.name));
            let l = &outcome.ledger;
            assert_eq!(
                l.generated,
                l.delivered() + l.lost_total() + l.buffered_at_horizon + l.in_flight_at_horizon,
                "{}",
                dep.name
            );
            outcome.ledger
        })
        .collect()
}

/// Every shipped scenario for a week, cut to about `devices` devices, two replications.
fn shipped_scenarios_conserve_messages(devices: u32) {
    let paths = shipped_scenarios();
    assert!(
        paths.len() >= 3,
        "expected the shipped scenarios, found {paths:?}"
    );
    for path in paths {
        let mut dep = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        // The totals below are the whole run's only without a warm-up: with one, the outcome's
        // ledger is the measured window's (a message in the system at the warm-up's end counts
        // its end but not its generation), and `World::run` checks the whole run's itself.
        dep.warmup = 0;
        // A week exercises the same mechanisms as the full horizon.
        dep.horizon = dep.horizon.min(7 * 86_400_000_000);
        if dep.device_count() > devices as u64 {
            let each = (devices / dep.fleets.len() as u32).clamp(1, 2_000);
            dep.fleets
                .iter_mut()
                .for_each(|f| f.count = f.count.min(each));
        }
        let ledgers = assert_conserved(&dep, 2);
        assert!(
            ledgers.iter().all(|l| l.generated > 0),
            "{}",
            path.display()
        );
    }
}

#[test]
fn every_shipped_scenario_conserves_messages() {
    shipped_scenarios_conserve_messages(2_000);
}

/// The same with ten times the devices: a minute of CPU.
#[test]
#[ignore = "heavy: cargo test --profile ci --test integration -- --ignored"]
fn heavy_every_shipped_scenario_conserves_messages_with_20_000_devices() {
    shipped_scenarios_conserve_messages(20_000);
}

/// A deliberately hostile deployment: long and variable latencies (some beyond the 71-minute
/// range of a packed event), tiny buffers that overflow, a gateway without a buffer, frequent
/// gateway and device failures, and a horizon that cuts messages in flight and in buffers.
#[test]
fn a_scenario_that_reaches_every_bucket_conserves_messages() {
    let text = crate::common::HOSTILE;
    let ledgers = assert_conserved(&deployment(text), 4);
    let sum = |f: &dyn Fn(&iotwin::model::Ledger) -> u64| ledgers.iter().map(f).sum::<u64>();
    for cause in LossCause::ALL {
        assert!(
            sum(&|l| l.lost_by(cause)) > 0,
            "no message lost to {}",
            cause.name()
        );
    }
    assert!(sum(&|l| l.delivered_on_time) > 0);
    assert!(sum(&|l| l.delivered_late) > 0);
    assert!(sum(&|l| l.in_flight_at_horizon) > 0);
}
