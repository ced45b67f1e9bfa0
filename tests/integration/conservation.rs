//! Every message is accounted exactly once (invariant 3 in ARCHITECTURE.md), in every shipped scenario
//! and in a scenario built to reach every bucket. `World::run` checks conservation at the end of
//! each replication and returns an error if it fails; these tests also check the totals.

use iotwin::model::{Ledger, LossCause, Outcome, World};
use iotwin::scenario::{self, Deployment};

use crate::common::{deployment, shipped_scenarios};

fn assert_conserved(dep: &Deployment, replications: u64) -> Vec<iotwin::model::Ledger> {
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
            assert_fleets_add_up(dep, &outcome);
            outcome.ledger
        })
        .collect()
}

/// Every fleet's ledger adds up on its own, and the fleets' ledgers add up to the
/// deployment's bucket by bucket (bad deliveries, a subset of the delivered, are counted for
/// the deployment only).
fn assert_fleets_add_up(dep: &Deployment, outcome: &Outcome) {
    let mut sum = Ledger::default();
    for (spec, l) in dep.fleets.iter().zip(&outcome.fleet_ledgers) {
        assert_eq!(
            l.generated,
            l.delivered() + l.lost_total() + l.buffered_at_horizon + l.in_flight_at_horizon,
            "{}: fleet {}: {l:?}",
            dep.name,
            spec.id
        );
        sum.generated += l.generated;
        sum.delivered_on_time += l.delivered_on_time;
        sum.delivered_late += l.delivered_late;
        for cause in LossCause::ALL {
            sum.lost[cause as usize] += l.lost_by(cause);
        }
        sum.buffered_at_horizon += l.buffered_at_horizon;
        sum.in_flight_at_horizon += l.in_flight_at_horizon;
        sum.delay_sum += l.delay_sum;
    }
    let whole = Ledger {
        delivered_bad: 0,
        ..outcome.ledger.clone()
    };
    assert_eq!(
        sum, whole,
        "{}: the fleets against the deployment",
        dep.name
    );
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
    let sum = |f: &dyn Fn(&Ledger) -> u64| ledgers.iter().map(f).sum::<u64>();
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

/// Two fleets behind gateway `g`, whose only carrier goes down at 2 h and is still down at
/// the 3 h horizon, so the gateway buffers the last hour of their readings; fleet `far`'s
/// readings take 5 minutes on its access link, so its last 5 minutes are on it at the
/// horizon. Fleet `relayed`, behind gateway `g2`, sends over an uplink 10 minutes long, so its
/// last 10 minutes are on their way to the cloud. Every fleet reads once a minute.
fn held_at_the_horizon(extra: &str) -> Deployment {
    deployment(&format!(
        r#"Scenario(
            name: "held-by-fleet", horizon: "3h", seed: 11, replications: 2, deadline: "30m",
            {extra}
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c"), Carrier(id: "d")],
            gateways: [
                Gateway(id: "g", site: "s", buffer_messages: 100000, failover: NoFailover,
                    uplinks: [Uplink(carrier: "c")]),
                Gateway(id: "g2", site: "s", buffer_messages: 0, failover: NoFailover,
                    uplinks: [Uplink(carrier: "d", link: Link(latency: Fixed("10m")))]),
            ],
            faults: [CarrierDown(carrier: "c", at: "2h", lasting: "2h")],
            fleets: [
                Fleet(id: "near", site: "s", gateway: "g", count: 20, report: Fixed("60s")),
                Fleet(id: "far", site: "s", gateway: "g", count: 10, report: Fixed("60s"),
                    link: Link(latency: Fixed("5m"))),
                Fleet(id: "relayed", site: "s", gateway: "g2", count: 5, report: Fixed("60s")),
            ],
        )"#
    ))
}

/// A fleet's ledger counts its own messages still in the system at the horizon: those in a
/// gateway's buffer as buffered, those on an access link or on their way to the cloud as in
/// flight. Each fleet's ledger then adds up on its own, and the fleets' ledgers add up to
/// the deployment's. (They used to be counted in the deployment's ledger only, so a fleet
/// whose gateway held its readings at the horizon seemed to have lost track of them.)
#[test]
fn messages_held_at_the_horizon_are_counted_in_their_fleet_s_ledger() {
    let dep = held_at_the_horizon("");
    for r in 0..2 {
        let outcome = World::run(&dep, r).unwrap_or_else(|e| panic!("{e}"));
        assert_fleets_add_up(&dep, &outcome);
        let [near, far, relayed] = &outcome.fleet_ledgers[..] else {
            panic!("three fleets")
        };
        // An hour of readings in the buffer, to within the reading each device's phase moves.
        assert!(near.buffered_at_horizon.abs_diff(20 * 60) <= 20, "{near:?}");
        assert_eq!(near.in_flight_at_horizon, 0, "{near:?}");
        // Its readings of 1 h 55 min to 2 h 55 min reached the gateway after 2 h and wait
        // there; the last 5 minutes are on the access link.
        assert!(far.buffered_at_horizon.abs_diff(10 * 60) <= 10, "{far:?}");
        assert!(far.in_flight_at_horizon.abs_diff(10 * 5) <= 10, "{far:?}");
        // Nothing waits at `g2`; 10 minutes are on its uplink.
        assert_eq!(relayed.buffered_at_horizon, 0, "{relayed:?}");
        assert!(
            relayed.in_flight_at_horizon.abs_diff(5 * 10) <= 5,
            "{relayed:?}"
        );
    }
}

/// With a warm-up, each fleet's ledger measures the window after it as the deployment's does
/// (`Ledger::window`: the messages in the system at the warm-up's end are the window's), so
/// the windows add up on their own and together.
#[test]
fn fleet_ledgers_measured_after_a_warm_up_add_up_to_the_deployment_s() {
    // At 1 h 57 min `far` has 5 minutes of readings on its access link and `relayed` 10 on
    // its uplink: they end in the window.
    let dep = held_at_the_horizon("warmup: \"1h 57m\",");
    for r in 0..2 {
        let outcome = World::run(&dep, r).unwrap_or_else(|e| panic!("{e}"));
        assert_fleets_add_up(&dep, &outcome);
        let near = &outcome.fleet_ledgers[0];
        // 63 minutes after the warm-up, 60 of them held at the horizon.
        assert!(near.generated.abs_diff(20 * 63) <= 20, "{near:?}");
        assert!(near.buffered_at_horizon.abs_diff(20 * 60) <= 20, "{near:?}");
    }
}
