//! Common causes on fleets against closed forms. A device up for exponential times of mean
//! MTTF and down for exponential repairs of mean MTTR is up with probability
//! A = MTTF/(MTTF + MTTR) in steady state; a common cause that strikes after exponential times
//! of mean `every` and lasts exponential times of mean `lasting` is clear with probability
//! A_c = every/(every + lasting), independently of the devices. So a reading is delivered with
//! probability A·A_c (a whole fleet taken down), or A·(1 − (1 − A_c)·s) when each strike takes
//! each device with probability s; and the β-factor model (each device fails on its own at
//! (1 − β)λ, the whole fleet together at βλ) keeps at least k of n devices reporting with
//! probability A_c · Σ_{j ≥ k} C(n, j) A^j (1 − A)^{n−j}. Tolerances: 4.5 standard errors of
//! the replication means; runs start with everything up, and a warm-up of ten repair times
//! leaves a start bias far below that.

use iotwin::montecarlo::{Mode, RunOptions, Summary};

use crate::common::{column, deployment, run, total};

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

/// A fleet of `count` devices reporting hourly behind a gateway that never fails, each
/// failing after exponential times of mean `lifetime` and repaired in exponential times of
/// mean 2 h; `fleet` adds to the fleet, `cause` is the common cause's `takes_down` and
/// `every` its mean time between strikes (each lasting 2 h on average, like a repair).
fn fleet(count: u32, lifetime: &str, fleet: &str, takes_down: &str, every: &str) -> String {
    format!(
        r#"Scenario(
            name: "fleet-causes", horizon: "4000h", warmup: "20h", seed: 61, replications: 20,
            deadline: "1h",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 0,
                uplinks: [Uplink(carrier: "c")])],
            common_causes: [CommonCause(id: "storm", takes_down: [{takes_down}],
                outages: Outages(every: Exponential(mean: "{every}"),
                    lasting: Exponential(mean: "2h")))],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: {count}, report: Fixed("1h"),
                {fleet}
                failure: Failure(lifetime: Exponential(mean: "{lifetime}"),
                    repair: Exponential(mean: "2h")))],
        )"#
    )
}

/// A fleet-wide cause and independent failures: a reading is delivered with the product of
/// the two availabilities, and the readings lost to the cause are those of working devices.
#[test]
fn a_fleet_wide_cause_multiplies_the_fleets_availability() {
    // A = 10/12 for each device, A_c = 16/18 for the cause.
    let (a, a_c) = (10.0 / 12.0, 16.0 / 18.0);
    let s = run(
        &deployment(&fleet(10, "10h", "", r#"Fleet("f")"#, "16h")),
        20,
    );
    close(&s, "data_completeness", a * a_c);
    let share_lost = total(&s, "lost_common_cause") / total(&s, "messages_generated");
    let share_down = total(&s, "lost_device_down") / total(&s, "messages_generated");
    assert!(
        (share_lost - a * (1.0 - a_c)).abs() < 0.01,
        "{share_lost} vs {}",
        a * (1.0 - a_c)
    );
    assert!((share_down - (1.0 - a)).abs() < 0.01, "{share_down}");
}

/// A cause that takes each device with probability s loses the share (1 − A_c)·s of the
/// working devices' readings.
#[test]
fn a_share_of_the_fleet_falls_with_each_strike() {
    let (a, a_c, share) = (10.0 / 12.0, 16.0 / 18.0, 0.3);
    let target = format!(r#"FleetShare(fleet: "f", share: {share})"#);
    let s = run(&deployment(&fleet(20, "10h", "", &target, "16h")), 20);
    close(&s, "data_completeness", a * (1.0 - (1.0 - a_c) * share));
}

/// The β-factor split: with β = 0.1 of a device's failure rate λ = 1/(10 h) common to the
/// whole fleet, each device fails on its own at 0.9λ (mean 40,000 s) and the fleet together
/// at 0.1λ (mean 100 h); at least 3 of 5 report with the probability of the exact formula, which
/// is below the independent model's.
#[test]
fn the_beta_factor_split_gives_the_exact_k_of_n_availability() {
    let (lambda, mu, beta) = (0.1, 0.5, 0.1);
    let a = mu / ((1.0 - beta) * lambda + mu);
    let a_c = mu / (beta * lambda + mu);
    let exact = a_c * at_least(3, 5, a);
    let s = run(
        &deployment(&fleet(
            5,
            "40000s",
            "at_least_up: 3,",
            r#"Fleet("f")"#,
            "100h",
        )),
        20,
    );
    close(&s, "k_of_n_availability:f", exact);
    // The same λ all independent keeps 3 of 5 more often: common causes defeat redundancy.
    let independent = at_least(3, 5, mu / (lambda + mu));
    assert!(exact < independent - 0.01, "{exact} vs {independent}");
    let (mean, _) = mean_se(&s, "k_of_n_availability:f");
    assert!(mean < independent, "{mean} vs {independent}");
}

/// A device with a buffer keeps its readings while the cause holds it and sends them when it
/// clears: nothing is lost to the cause, and what waited arrives late.
#[test]
fn devices_with_buffers_keep_their_readings_through_a_strike() {
    let s = run(
        &deployment(&fleet(
            10,
            "10000h",
            "buffer_messages: 100,",
            r#"Fleet("f")"#,
            "16h",
        )),
        4,
    );
    assert_eq!(total(&s, "lost_common_cause"), 0.0);
    assert!(total(&s, "messages_delivered_late") > 0.0);
    assert!(total(&s, "lost_device_down") > 0.0);
}

/// Fleet targets belong to common causes; a bad fleet or share is refused at the field, and
/// flow mode says it does not model them.
#[test]
fn fleet_targets_are_checked_and_flow_mode_refuses_them() {
    let refused = |text: &str| {
        iotwin::scenario::compile_source(text, "c.ron")
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let unknown = refused(&fleet(5, "10h", "", r#"Fleet("fleet")"#, "16h"));
    assert!(
        unknown.contains("c.ron:")
            && unknown.contains("takes_down[0]")
            && unknown.contains("\"f\""),
        "{unknown}"
    );
    let zero = refused(&fleet(
        5,
        "10h",
        "",
        r#"FleetShare(fleet: "f", share: 0.0)"#,
        "16h",
    ));
    assert!(zero.contains("share"), "{zero}");
    let twice = refused(&fleet(
        5,
        "10h",
        "",
        r#"Fleet("f"), FleetShare(fleet: "f", share: 0.5)"#,
        "16h",
    ));
    assert!(twice.contains("twice"), "{twice}");
    let maintenance = fleet(5, "10h", "", r#"Fleet("f")"#, "16h").replacen(
        "common_causes:",
        r#"maintenance: [Maintenance(target: Fleet("f"), first: "1d", every: "7d", lasting: "1h")],
            common_causes:"#,
        1,
    );
    let e = refused(&maintenance);
    assert!(e.contains("only a common cause"), "{e}");

    let dep = deployment(&fleet(5, "10h", "", r#"Fleet("f")"#, "16h"));
    let opts = RunOptions {
        replications: Some(2),
        mode: Mode::Flow,
        ..RunOptions::default()
    };
    let e = iotwin::montecarlo::run(&dep, &opts, &|| {})
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("common cause \"storm\""), "{e}");
}
