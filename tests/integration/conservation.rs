//! Every message is accounted exactly once (DESIGN.md invariant 3), in every shipped scenario
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

#[test]
fn every_shipped_scenario_conserves_messages() {
    let paths = shipped_scenarios();
    assert!(
        paths.len() >= 3,
        "expected the shipped scenarios, found {paths:?}"
    );
    for path in paths {
        let mut dep = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        // Keep the suite fast: a shorter horizon exercises the same mechanisms.
        dep.horizon = dep.horizon.min(7 * 86_400_000_000);
        if dep.device_count() > 20_000 {
            dep.fleets
                .iter_mut()
                .for_each(|f| f.count = f.count.min(2_000));
        }
        let ledgers = assert_conserved(&dep, 2);
        assert!(
            ledgers.iter().all(|l| l.generated > 0),
            "{}",
            path.display()
        );
    }
}

/// A deliberately hostile deployment: long and variable latencies (some beyond the 71-minute
/// range of a packed event), tiny buffers that overflow, a gateway without a buffer, frequent
/// gateway and device failures, and a horizon that cuts messages in flight and in buffers.
#[test]
fn a_scenario_that_reaches_every_bucket_conserves_messages() {
    let text = r#"Scenario(
        name: "hostile", horizon: "3d", seed: 5, replications: 4, deadline: "1m",
        sites: [Site(id: "s")],
        carriers: [
            Carrier(id: "a", outages: Outages(every: Exponential(mean: "6h"), lasting: Exponential(mean: "2h"))),
            Carrier(id: "b", outages: Outages(every: Exponential(mean: "8h"), lasting: Uniform(min: "10m", max: "3h"))),
        ],
        gateways: [
            Gateway(id: "g1", site: "s", buffer_messages: 50, drain_per_s: 0.5,
                uplinks: [Uplink(carrier: "a", link: Link(loss: 0.05, latency: LogNormal(median: "2s", sigma: 2.0)))],
                failure: Failure(lifetime: Exponential(mean: "12h"), repair: Exponential(mean: "1h"))),
            Gateway(id: "g2", site: "s", buffer_messages: 0,
                uplinks: [Uplink(carrier: "b"), Uplink(carrier: "a", link: Link(latency: Fixed("2h")))],
                failover: Esim(detection: Heartbeat(every: "1m", misses: 3), switch_time: Fixed("30s"), switch_failure: 0.2)),
            Gateway(id: "g3", site: "s", buffer_messages: 20, drop: DropOldest, service: Exponential(mean: "3s"),
                uplinks: [Uplink(carrier: "a", link: Link(data_rate_bps: 2000.0)), Uplink(carrier: "b")],
                failover: Backup(detection: After(Exponential(mean: "2m")), switch_time: Fixed("20s"), switch_back: HoldDown("10m")),
                failure: Failure(lifetime: Exponential(mean: "1d"), repair: Exponential(mean: "2h"))),
            Gateway(id: "g4", site: "s", buffer_messages: 100,
                uplinks: [Uplink(carrier: "b")],
                failure: Failure(lifetime: Exponential(mean: "1d"), repair: Exponential(mean: "2h"))),
        ],
        redundancy: [ActiveStandby(id: "pair", gateways: ["g3", "g4"], detection: After(Fixed("1m")), switchover: Fixed("30s"), coverage: 0.8)],
        common_causes: [CommonCause(id: "storm", takes_down: [Carrier("a"), Carrier("b")],
            outages: Outages(every: Exponential(mean: "1d"), lasting: Fixed("30m")))],
        maintenance: [Maintenance(target: Gateway("g1"), first: "1d", every: "1d", lasting: "1h")],
        faults: [LinkDegraded(link: Access("fast"), at: "12h", lasting: "6h", loss: 0.5)],
        fleets: [
            Fleet(id: "slow", site: "s", gateway: "g1", count: 40,
                report: Exponential(mean: "5m"),
                link: Link(loss: 0.1, latency: Weibull(shape: 0.5, scale: "20m")),
                failure: Failure(lifetime: Exponential(mean: "1d"), repair: Exponential(mean: "3h"))),
            Fleet(id: "fast", site: "s", gateway: "g2", count: 30,
                report: Jitter(period: "30s", jitter: Uniform(min: "0s", max: "1s")),
                link: Link(loss: 0.01, latency: Fixed("80m"))),
            Fleet(id: "paired", site: "s", gateway: "pair", count: 50,
                report: Exponential(mean: "20s"), link: Link(latency: Fixed("2s"))),
        ],
    )"#;
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
