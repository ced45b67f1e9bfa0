//! Bit-exact replay (invariant 1 in ARCHITECTURE.md): the same scenario and seed give the same bytes,
//! whatever the thread count; a different seed gives a different world.

use assert_cmd::Command;

fn run_to(dir: &std::path::Path, extra: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/smart_home.ron");
    Command::cargo_bin("iotwin")
        .expect("binary built")
        .args(["run", scenario, "--replications", "6", "--quiet", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
    let read = |name: &str| std::fs::read(dir.join(name)).expect("output written");
    (read("summary.json"), read("metrics.csv"))
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let a = run_to(&tmp.path().join("a"), &["--seed", "42"]);
    let b = run_to(&tmp.path().join("b"), &["--seed", "42"]);
    assert_eq!(a, b);
}

#[test]
fn one_thread_and_two_threads_give_the_same_bytes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let one = run_to(&tmp.path().join("one"), &["--threads", "1"]);
    let two = run_to(&tmp.path().join("two"), &["--threads", "2"]);
    let four = run_to(&tmp.path().join("four"), &["--threads", "4"]);
    assert_eq!(one, two);
    assert_eq!(one, four);
}

#[test]
fn different_seeds_give_different_results() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let a = run_to(&tmp.path().join("a"), &["--seed", "1"]);
    let b = run_to(&tmp.path().join("b"), &["--seed", "2"]);
    assert_ne!(a.0, b.0);
    assert_ne!(a.1, b.1);
}

/// Common random numbers: adding a gateway (and its fleet) to a design leaves the outages of an
/// existing carrier and the failures of existing devices exactly as they were.
#[test]
fn adding_a_gateway_does_not_reshuffle_the_rest_of_the_world() {
    let base = r#"Scenario(
        name: "crn", horizon: "30d", seed: 3, replications: 2,
        sites: [Site(id: "s")],
        carriers: [Carrier(id: "B", outages: Outages(every: Exponential(mean: "5d"), lasting: Exponential(mean: "3h")))],
        gateways: [GATEWAYS],
        fleets: [FLEETS],
    )"#;
    let g1 = r#"Gateway(id: "g1", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "B")])"#;
    let f1 = r#"Fleet(id: "f1", site: "s", gateway: "g1", count: 20, report: Fixed("10m"),
        failure: Failure(lifetime: Exponential(mean: "10d"), repair: Exponential(mean: "1d")))"#;
    let g0 =
        r#"Gateway(id: "g0", site: "s", buffer_messages: 10, uplinks: [Uplink(carrier: "B")])"#;
    let f0 = r#"Fleet(id: "f0", site: "s", gateway: "g0", count: 7, report: Fixed("1m"),
        failure: Failure(lifetime: Exponential(mean: "2d"), repair: Exponential(mean: "1h")))"#;
    let small = base.replace("GATEWAYS", g1).replace("FLEETS", f1);
    let large = base
        .replace("GATEWAYS", &format!("{g0}, {g1}"))
        .replace("FLEETS", &format!("{f0}, {f1}"));
    let small = crate::common::run(&crate::common::deployment(&small), 2);
    let large = crate::common::run(&crate::common::deployment(&large), 2);
    // The carrier's outage count and the uplink availability of g1 are the same world.
    assert_eq!(
        crate::common::column(&small, "carrier_outages"),
        crate::common::column(&large, "carrier_outages")
    );
    assert_eq!(
        crate::common::column(&small, "uplink_availability"),
        crate::common::column(&large, "uplink_availability")
    );
    assert_ne!(
        crate::common::column(&small, "messages_generated"),
        crate::common::column(&large, "messages_generated")
    );
}

/// Every mechanism at once — failover policies drawing detection and switch times, redundancy
/// groups, LoRa channels, device buffers, common causes — replays bit for bit on 1 and 2
/// threads, through the library: per-replication rows compared as bits, not as rounded text.
#[test]
fn every_mechanism_replays_bit_for_bit_across_thread_counts() {
    let dep = crate::common::deployment(crate::common::HOSTILE);
    let run = |threads| {
        let opts = iotwin::montecarlo::RunOptions {
            replications: Some(4),
            threads: Some(threads),
            ..Default::default()
        };
        iotwin::montecarlo::run(&dep, &opts, &|| {}).expect("runs")
    };
    let bits = |s: &iotwin::montecarlo::Summary| -> Vec<Vec<u64>> {
        s.per_replication
            .iter()
            .map(|row| row.iter().map(|v| v.to_bits()).collect())
            .collect()
    };
    let (one, two, again) = (run(1), run(2), run(2));
    assert_eq!(bits(&one), bits(&two));
    assert_eq!(bits(&two), bits(&again));
}
