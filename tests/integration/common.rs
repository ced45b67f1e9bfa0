//! Helpers shared by the integration tests.

use iotwin::montecarlo::{self, RunOptions, Summary};
use iotwin::scenario::{self, Deployment};

/// Compiles scenario text, failing the test with the diagnostic if it is invalid.
pub fn deployment(text: &str) -> Deployment {
    scenario::compile_source(text, "test.ron").unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a deployment with `replications` replications on all cores.
pub fn run(dep: &Deployment, replications: u32) -> Summary {
    let opts = RunOptions {
        replications: Some(replications),
        ..RunOptions::default()
    };
    montecarlo::run(dep, &opts, &|| {}).unwrap_or_else(|e| panic!("{e}"))
}

/// The per-replication values of one metric.
pub fn column(s: &Summary, id: &str) -> Vec<f64> {
    let i = s.index_of(id).unwrap_or_else(|| panic!("no metric {id}"));
    s.per_replication.iter().map(|row| row[i]).collect()
}

pub fn total(s: &Summary, id: &str) -> f64 {
    column(s, id).iter().sum()
}

/// The shipped scenarios, by path: `scenarios/*.ron`, then the textbook cases of
/// `scenarios/textbook/` (some of which flow mode refuses: `flow.rs` checks the refusal).
pub fn shipped_scenarios() -> Vec<std::path::PathBuf> {
    let mut paths = ron_files_in("scenarios");
    paths.extend(ron_files_in("scenarios/textbook"));
    paths
}

/// The `.ron` files directly in the repository's folder `dir`, sorted.
pub fn ron_files_in(dir: &str) -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    paths.sort();
    paths
}

/// A deliberately hostile deployment that reaches every loss bucket: long and variable
/// latencies (some beyond the 71-minute range of a packed event), tiny buffers that overflow,
/// a gateway without a buffer, frequent failures, every failover policy, a redundancy group
/// with imperfect coverage, device buffers, a shared LoRa channel under its duty cycle, a
/// common cause, maintenance, a degraded link, certificates that lapse, a firmware campaign that
/// bricks, cellular devices on their own SIMs (a single SIM without a buffer moving between
/// regions its carrier covers in part, with few attach channels; a platform-steered eSIM with
/// a buffer), and a horizon that cuts messages in flight and in buffers.
pub const HOSTILE: &str = r#"Scenario(
        name: "hostile", horizon: "3d", seed: 5, replications: 4, deadline: "1m",
        sites: [Site(id: "s")],
        carriers: [
            Carrier(id: "a", coverage: {"north": 0.7, "south": 1.0}, attach_channels: 5,
                outages: Outages(every: Exponential(mean: "6h"), lasting: Exponential(mean: "2h"))),
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
        common_causes: [CommonCause(id: "storm", takes_down: [Carrier("a"), Carrier("b"),
                FleetShare(fleet: "aging", share: 0.5), Fleet("paired")],
            outages: Outages(every: Exponential(mean: "1d"), lasting: Fixed("30m")))],
        maintenance: [Maintenance(target: Gateway("g1"), first: "1d", every: "1d", lasting: "1h")],
        faults: [LinkDegraded(link: Access("fast"), at: "12h", lasting: "6h", loss: 0.5)],
        firmware: [Campaign(fleet: "fast", start: "1d", waves: 3, wave_every: "6h", brick: 0.2,
            recover: 0.5, rollback_time: Exponential(mean: "1h"), repair: Exponential(mean: "8h"))],
        fleets: [
            Fleet(id: "slow", site: "s", gateway: "g1", count: 40,
                report: Exponential(mean: "5m"),
                link: Link(loss: 0.1, latency: Weibull(shape: 0.5, scale: "20m")),
                failure: Failure(lifetime: Exponential(mean: "1d"), repair: Exponential(mean: "3h"))),
            Fleet(id: "fast", site: "s", gateway: "g2", count: 30,
                report: Jitter(period: "30s", jitter: Uniform(min: "0s", max: "1s")),
                link: Link(loss: 0.01, latency: Fixed("80m"))),
            Fleet(id: "paired", site: "s", gateway: "pair", count: 50, buffer_messages: 30,
                report: Exponential(mean: "20s"), link: Link(latency: Fixed("2s")),
                certificate: Certificate(validity: "1d", renew_before: "6h", renewal_success: 0.3,
                    retry_every: "2h", fix: Exponential(mean: "2h"), first_expiry: Uniform(min: "0s", max: "1d"))),
            Fleet(id: "meters", site: "s", gateway: "g1", count: 300, message_bytes: 40,
                report: Jitter(period: "2m", jitter: Uniform(min: "0s", max: "10s")),
                lora: LoRa(spreading_factor: 12, channels: 2)),
            Fleet(id: "far", site: "s", gateway: "g1", count: 10, report: Exponential(mean: "10m"),
                lora: LoRa(spreading_factor: 7, placement: Placement(radius_m: 2000))),
            Fleet(id: "aging", site: "s", gateway: "g1", count: 20,
                report: Exponential(mean: "2m"),
                failure: Failure(lifetime: Exponential(mean: "2d"), repair: Exponential(mean: "4h")),
                degradation: Degradation(
                    mode: Dropouts(onset: Exponential(mean: "1d"), share: 0.3),
                    inspection: Inspection(every: "12h", detection: 0.5))),
            Fleet(id: "roaming", site: "s", count: 20, report: Exponential(mean: "5m"),
                link: Link(loss: 0.01, latency: LogNormal(median: "2s", sigma: 1.0)),
                connectivity: Cellular(sim: Single("a"), detection: After(Exponential(mean: "5m")),
                    attach: Uniform(min: "0s", max: "5m"),
                    regions: Markov(dwell: {"north": Exponential(mean: "3h"), "south": Exponential(mean: "1h")},
                                    next: {"north": {"south": 1.0}, "south": {"north": 1.0}}))),
            Fleet(id: "esim", site: "s", count: 20, buffer_messages: 10, report: Exponential(mean: "5m"),
                connectivity: Cellular(
                    sim: Esim(profiles: ["a", "b"], steering: Platform(detection: After(Fixed("3m")))),
                    detection: Heartbeat(every: "5m", misses: 2), switch_time: Exponential(mean: "1m"),
                    switch_failure: 0.3, switch_back: HoldDown("30m"))),
        ],
    )"#;
