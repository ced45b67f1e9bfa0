//! Reliability structures against their closed forms: mission metrics (the time to first
//! system failure and R(t)) on one unit and on 1-of-2 groups. Each tolerance is a number of
//! standard errors from the replication count (a share's binomial error, a mean's sample
//! error), never a guessed percentage. Runs are seeded, so the tests cannot flake.

use crate::common::{column, deployment, run};

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn sample_sd(values: &[f64]) -> f64 {
    let m = mean(values);
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() as f64 - 1.0)).sqrt()
}

/// One site whose fleet is served by `gateways` (scenario text of each `Gateway(...)`) and, if
/// `redundancy` is not empty, by that group; a device that reports rarely, so a replication is
/// little more than its failures.
fn site(horizon: &str, missions: &str, gateways: &str, redundancy: &str, serves: &str) -> String {
    format!(
        r#"Scenario(
            name: "mission", horizon: "{horizon}", seed: 3, replications: 1,
            mission_times: [{missions}],
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [{gateways}],
            redundancy: [{redundancy}],
            fleets: [Fleet(id: "f", site: "s", gateway: "{serves}", count: 1, report: Fixed("100d"))],
        )"#
    )
}

fn gateway(id: &str, mttf_h: f64, repair: &str) -> String {
    format!(
        r#"Gateway(id: "{id}", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")],
            failure: Failure(lifetime: Exponential(mean: "{mttf_h}h"), repair: {repair}))"#
    )
}

/// A 1-of-2 group whose standby takes over the instant the primary fails (when covered).
fn pair(coverage: f64) -> String {
    format!(
        r#"ActiveStandby(id: "pair", gateways: ["a", "b"], detection: After(Fixed("0s")),
            switchover: Fixed("0s"), coverage: {coverage}, switch_back: Never)"#
    )
}

/// R(t) at each mission time is within 4 binomial standard errors of `expected(t)`.
fn assert_reliability(
    summary: &iotwin::montecarlo::Summary,
    times_h: &[f64],
    expected: impl Fn(f64) -> f64,
) {
    for &t in times_h {
        let observed = mean(&column(summary, &format!("reliability_at_{t}h")));
        let r = expected(t);
        let n = summary.per_replication.len() as f64;
        let sigma = (r * (1.0 - r) / n).sqrt();
        assert!(
            (observed - r).abs() < 4.0 * sigma,
            "R({t}h) = {observed}, expected {r} ± {}",
            4.0 * sigma
        );
        // One site: the site's reliability is the system's.
        assert_eq!(
            column(summary, &format!("reliability_at_{t}h")),
            column(summary, &format!("reliability_at_{t}h:s"))
        );
    }
}

/// The mean time to system failure is within 4 sample standard errors of `expected`; every
/// replication failed (the horizon is 30 MTTFs or more), so the mean is not censored.
fn assert_mttf(summary: &iotwin::montecarlo::Summary, expected: f64) {
    assert_eq!(mean(&column(summary, "system_failure_share")), 1.0);
    let times = column(summary, "time_to_system_failure_h");
    let observed = mean(&times);
    let sigma = sample_sd(&times) / (times.len() as f64).sqrt();
    assert!(
        (observed - expected).abs() < 4.0 * sigma,
        "MTTF {observed} h, expected {expected} ± {}",
        4.0 * sigma
    );
}

/// One unit with exponential lifetimes: R(t) = e^{−t/MTTF} and the mean time to the first
/// failure is the MTTF, whatever the repair.
#[test]
fn one_exponential_unit_survives_a_mission_with_probability_e_to_minus_t_over_mttf() {
    let mttf = 100.0;
    let text = site(
        "3000h",
        r#""50h", "100h", "200h""#,
        &gateway("g", mttf, r#"Exponential(mean: "10h")"#),
        "",
        "g",
    );
    let summary = run(&deployment(&text), 2000);
    assert_reliability(&summary, &[50.0, 100.0, 200.0], |t| (-t / mttf).exp());
    assert_mttf(&summary, mttf);
    let site_times = column(&summary, "time_to_failure_h:s");
    assert_eq!(site_times, column(&summary, "time_to_system_failure_h"));
}

/// Two units in parallel, never repaired within the horizon, the standby switched in at once:
/// the system fails at the second failure, so R(t) = 2e^{−λt} − e^{−2λt} and MTTF = 3/(2λ).
#[test]
fn a_non_repairable_one_of_two_group_has_the_parallel_reliability() {
    let mttf = 100.0;
    let never = r#"Fixed("100y")"#;
    let text = site(
        "3000h",
        r#""50h", "100h", "200h""#,
        &format!(
            "{}, {}",
            gateway("a", mttf, never),
            gateway("b", mttf, never)
        ),
        &pair(1.0),
        "pair",
    );
    let summary = run(&deployment(&text), 2000);
    let lambda = 1.0 / mttf;
    assert_reliability(&summary, &[50.0, 100.0, 200.0], |t| {
        2.0 * (-lambda * t).exp() - (-2.0 * lambda * t).exp()
    });
    assert_mttf(&summary, 1.5 / lambda);
}

/// A repairable 1-of-2 group of active units (both age; each repaired independently at rate μ)
/// whose switch-over succeeds with probability c. From both up (state 2) the unit in use fails
/// at rate λ, covered with probability c (else the system fails), and the standby at rate λ;
/// from one up (state 1) the working unit fails at rate λ (system failure) or the other is
/// repaired at rate μ. The mean first-passage times solve
/// T₂ = 1/(2λ) + ((1 + c)/2) T₁, T₁ = 1/(λ + μ) + (μ/(λ + μ)) T₂;
/// at c = 1, T₂ = (3λ + μ)/(2λ²).
#[test]
fn a_repairable_one_of_two_group_fails_first_after_its_markov_mean_time() {
    let (mttf, mttr) = (100.0f64, 10.0f64);
    let (lambda, mu) = (1.0 / mttf, 1.0 / mttr);
    for coverage in [1.0, 0.8] {
        let a = (1.0 + coverage) / 2.0;
        let (b, p) = (1.0 / (lambda + mu), mu / (lambda + mu));
        let expected = (1.0 / (2.0 * lambda) + a * b) / (1.0 - a * p);
        if coverage == 1.0 {
            assert!((expected - (3.0 * lambda + mu) / (2.0 * lambda * lambda)).abs() < 1e-9);
        }
        let repair = format!(r#"Exponential(mean: "{mttr}h")"#);
        let text = site(
            &format!("{}h", (30.0 * expected).round()),
            r#""100h""#,
            &format!(
                "{}, {}",
                gateway("a", mttf, &repair),
                gateway("b", mttf, &repair)
            ),
            &pair(coverage),
            "pair",
        );
        let summary = run(&deployment(&text), 2000);
        assert_mttf(&summary, expected);
    }
}

/// Mission times the run cannot observe are refused at their field.
#[test]
fn a_mission_longer_than_the_measured_window_is_refused() {
    let text = site(
        "100h",
        r#""50h", "200h""#,
        &gateway("g", 10.0, r#"Fixed("1h")"#),
        "",
        "g",
    );
    let error = iotwin::scenario::compile_source(&text, "test.ron").expect_err("refused");
    let message = error.to_string();
    assert!(message.contains("mission_times"), "{message}");
    assert!(message.contains("200h"), "{message}");
}

/// Deterministic arrivals at rate λ into a gateway buffer of B messages during an outage of
/// exponential length (mean D): the outage loses messages when it outlasts B/λ, so
/// P(loss) = e^{−B/(λD)}; by memorylessness the loss is λ × (the outage's excess over B/λ),
/// so E[loss] = λD e^{−B/(λD)} and its 95th percentile is max(0, λD ln 20 − B). Tolerances:
/// the share's binomial error and the loss's sample error over every outage; the percentile's
/// from the order statistic's error, √(p(1 − p)/n) / f(x₉₅), f(x₉₅) = 0.05/(λD).
#[test]
fn a_buffer_loses_messages_in_an_outage_longer_than_b_over_lambda() {
    let (buffer, lambda, mean_outage_s) = (1200.0f64, 1.0f64, 600.0f64);
    let text = format!(
        r#"Scenario(
            name: "outage loss", horizon: "240h", seed: 9, replications: 1,
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c",
                outages: Outages(every: Exponential(mean: "1h"), lasting: Exponential(mean: "{mean_outage_s}s")))],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: {buffer}, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 1, report: Fixed("1s"))],
        )"#
    );
    let summary = run(&deployment(&text), 10);
    let outages = column(&summary, "buffer_outages");
    let n: f64 = outages.iter().sum();
    assert!(n > 1500.0, "{n} outages");
    // Pooled over replications, each weighted by its outages.
    let pooled = |id: &str| {
        column(&summary, id)
            .iter()
            .zip(&outages)
            .map(|(v, k)| v * k)
            .sum::<f64>()
            / n
    };
    let ld = lambda * mean_outage_s;
    let p = (-buffer / ld).exp();
    let share = pooled("outage_loss_share");
    let sigma = (p * (1.0 - p) / n).sqrt();
    assert!(
        (share - p).abs() < 4.0 * sigma,
        "share of outages with loss {share}, expected {p} ± {}",
        4.0 * sigma
    );
    let expected_mean = ld * p;
    // Var(loss) = E[L²] − E[L]², E[L²] = 2(λD)² p for an exponential excess.
    let sigma_mean = ((2.0 * ld * ld * p - expected_mean * expected_mean) / n).sqrt();
    let observed_mean = pooled("outage_loss_mean");
    assert!(
        (observed_mean - expected_mean).abs() < 4.0 * sigma_mean + 1.0,
        "loss per outage {observed_mean}, expected {expected_mean} ± {}",
        4.0 * sigma_mean + 1.0
    );
    // Each replication's p95 is over its own ~200 outages.
    let per_replication = n / outages.len() as f64;
    let sigma_q =
        (0.05 * 0.95 / per_replication).sqrt() * ld / 0.05 / (outages.len() as f64).sqrt();
    let expected_p95 = (ld * 20f64.ln() - buffer).max(0.0);
    let observed_p95 = mean(&column(&summary, "outage_loss_p95"));
    assert!(
        (observed_p95 - expected_p95).abs() < 4.0 * sigma_q + 2.0,
        "p95 loss per outage {observed_p95}, expected {expected_p95} ± {}",
        4.0 * sigma_q + 2.0
    );
}

/// An uplink `Backup` with coverage c, noticing at once and switching in no time, onto a backup
/// that never fails: a covered outage of the primary costs nothing, an uncovered one its whole
/// length (the gateway waits for the primary). So the gateway's connectivity is
/// 1 − (1 − c) D/(U + D) for primary up times of mean U and outages of mean D, c = 1 (the
/// default) being perfect. Tolerance: the renewal-reward variance of a time average,
/// Var(W − uC)/(E[C] T) per replication, W = 1{uncovered} D, C = U + D, plus an O(1/T)
/// allowance for the outage cut by the horizon.
#[test]
fn backup_coverage_costs_the_uncovered_outages_whole() {
    let (up_h, down_h, horizon_h, replications) = (10.0f64, 2.0f64, 10_000.0f64, 20u32);
    for coverage in [1.0f64, 0.6] {
        let text = format!(
            r#"Scenario(
                name: "backup coverage", horizon: "{horizon_h}h", seed: 21, replications: 1,
                sites: [Site(id: "s")],
                carriers: [
                    Carrier(id: "wired", outages: Outages(every: Exponential(mean: "{up_h}h"),
                        lasting: Exponential(mean: "{down_h}h"))),
                    Carrier(id: "lte"),
                ],
                gateways: [Gateway(id: "g", site: "s", buffer_messages: 0,
                    uplinks: [Uplink(carrier: "wired"), Uplink(carrier: "lte")],
                    failover: Backup(detection: After(Fixed("0s")), switch_time: Fixed("0s"),
                        coverage: {coverage}, switch_back: Immediate))],
                fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 1, report: Fixed("1d"))],
            )"#
        );
        let summary = run(&deployment(&text), replications);
        let observed = 1.0 - mean(&column(&summary, "gateway_connectivity:g"));
        let cycle = up_h + down_h;
        let u = (1.0 - coverage) * down_h / cycle;
        let w2 = (1.0 - coverage) * 2.0 * down_h * down_h;
        let wc = (1.0 - coverage) * (down_h * up_h + 2.0 * down_h * down_h);
        let c2 = 2.0 * up_h * up_h + 2.0 * up_h * down_h + 2.0 * down_h * down_h;
        let variance = (w2 - 2.0 * u * wc + u * u * c2) / (cycle * horizon_h);
        let sigma = (variance / replications as f64).sqrt();
        let allowance = ((1.0 - coverage) * down_h + w2 / (2.0 * cycle)) / horizon_h;
        assert!(
            (observed - u).abs() <= 4.0 * sigma + allowance,
            "c = {coverage}: unavailability {observed}, expected {u} ± {}",
            4.0 * sigma + allowance
        );
    }
}
