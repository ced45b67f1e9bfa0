//! k-of-n structures against the binomial sum: n independent units, each up for exponential
//! times of mean MTTF and down for exponential repairs of mean MTTR, are each up with
//! probability A = MTTF/(MTTF + MTTR) in steady state, and at least k of them with
//! P(k of n) = Σ_{j ≥ k} C(n, j) A^j (1 − A)^{n−j}. Tolerances: 4.5 standard errors of the
//! replication means; the runs start with every unit up, and a warm-up of ten repair times
//! leaves a start bias far below that.

use iotwin::montecarlo::{Mode, RunOptions, Summary};

use crate::common::{column, deployment, run};

/// P(at least k of n up) for independent units each up with probability `a`.
fn at_least(k: u32, n: u32, a: f64) -> f64 {
    let choose = |n: u32, j: u32| (0..j).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64);
    (k..=n)
        .map(|j| choose(n, j) * a.powi(j as i32) * (1.0 - a).powi((n - j) as i32))
        .sum()
}

/// Mean and standard error of the replication values of `id`.
fn mean_se(s: &Summary, id: &str) -> (f64, f64) {
    let values = column(s, id);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd / n.sqrt())
}

fn close(s: &Summary, id: &str, exact: f64) {
    let (mean, se) = mean_se(s, id);
    assert!(
        (mean - exact).abs() <= 4.5 * se,
        "{id}: {mean} vs exact {exact} ± {}",
        4.5 * se
    );
}

/// Three gateways (MTTF 10 h, MTTR 2 h: A = 5/6) in an active-active group that is up while
/// at least `k` of them work; one device reporting daily.
fn three_gateways(k: u32) -> String {
    let gateway = |id: &str| {
        format!(
            r#"Gateway(id: "{id}", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")],
                failure: Failure(lifetime: Exponential(mean: "10h"), repair: Exponential(mean: "2h")))"#
        )
    };
    format!(
        r#"Scenario(
            name: "k-of-n", horizon: "2000h", warmup: "20h", seed: 47, replications: 20,
            deadline: "1h",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [{}, {}, {}],
            redundancy: [ActiveActive(id: "trio", gateways: ["g1", "g2", "g3"],
                detection: After(Fixed("1m")), at_least: {k})],
            fleets: [Fleet(id: "f", site: "s", gateway: "trio", count: 1, report: Fixed("1d"))],
        )"#,
        gateway("g1"),
        gateway("g2"),
        gateway("g3")
    )
}

#[test]
fn the_binomial_sum_matches_its_table() {
    // 2-of-3 at A = 0.9: 3 × 0.81 × 0.1 + 0.729 = 0.972.
    assert!((at_least(2, 3, 0.9) - 0.972).abs() < 1e-12);
    assert!((at_least(0, 4, 0.3) - 1.0).abs() < 1e-12);
}

/// 1-of-3, 2-of-3 and 3-of-3 groups are up the binomial share of the time.
#[test]
fn a_k_of_n_group_is_up_the_binomial_share_of_the_time() {
    let a = 10.0 / 12.0;
    for k in 1..=3 {
        let s = run(&deployment(&three_gateways(k)), 20);
        close(&s, "site_availability:s", at_least(k, 3, a));
    }
}

/// Flow mode settles the same path states: the same k-of-n availability.
#[test]
fn flow_mode_has_the_same_k_of_n_group_availability() {
    let dep = deployment(&three_gateways(2));
    let opts = RunOptions {
        replications: Some(20),
        mode: Mode::Flow,
        ..RunOptions::default()
    };
    let s = iotwin::montecarlo::run(&dep, &opts, &|| {}).unwrap();
    close(&s, "site_availability:s", at_least(2, 3, 10.0 / 12.0));
}

/// A group cannot need more working gateways than it has: refused at the field, with a hint.
#[test]
fn a_k_larger_than_n_is_refused() {
    let e = iotwin::scenario::compile_source(&three_gateways(4), "k.ron")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("k.ron:") && e.contains("needs 4 working gateways but has 3"),
        "{e}"
    );
}

/// A fleet of five devices (MTTF 10 h, MTTR 2 h: A = 5/6) that is in service while at least
/// three are up and reporting, behind a gateway that never fails; `extra` adds to the file.
fn five_devices(extra: &str) -> String {
    format!(
        r#"Scenario(
            name: "fleet-k-of-n", horizon: "1992h", warmup: "24h", seed: 53, replications: 20,
            deadline: "1h", {extra}
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 0,
                uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 5, report: Fixed("1h"),
                at_least_up: 3,
                failure: Failure(lifetime: Exponential(mean: "10h"),
                    repair: Exponential(mean: "2h")))],
        )"#
    )
}

/// The share of time at least 3 of 5 independent devices are up is the binomial sum, in both
/// modes.
#[test]
fn a_fleet_is_in_k_of_n_service_the_binomial_share_of_the_time() {
    let exact = at_least(3, 5, 10.0 / 12.0);
    let dep = deployment(&five_devices(""));
    let packet = run(&dep, 20);
    close(&packet, "k_of_n_availability:f", exact);
    let opts = RunOptions {
        replications: Some(20),
        mode: Mode::Flow,
        ..RunOptions::default()
    };
    let flow = iotwin::montecarlo::run(&dep, &opts, &|| {}).unwrap();
    close(&flow, "k_of_n_availability:f", exact);
}

/// Devices up but cut off from the cloud are not reporting: a gateway down for an hour a
/// day (exactly 1/24 of the measured time, independent of the devices) takes that share off.
#[test]
fn devices_without_a_path_to_the_cloud_are_not_in_service() {
    let maintenance = r#"maintenance: [Maintenance(target: Gateway("g"), first: "1d", every: "1d",
        lasting: "1h")],"#;
    let s = run(&deployment(&five_devices(maintenance)), 20);
    close(
        &s,
        "k_of_n_availability:f",
        at_least(3, 5, 10.0 / 12.0) * 23.0 / 24.0,
    );
}

/// A fleet cannot need more devices up than it has: refused at the field, with a hint.
#[test]
fn a_fleet_k_larger_than_its_count_is_refused() {
    let text = five_devices("").replace("at_least_up: 3", "at_least_up: 6");
    let e = iotwin::scenario::compile_source(&text, "f.ron")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("f.ron:") && e.contains("needs 6 devices up but has 5"),
        "{e}"
    );
}
