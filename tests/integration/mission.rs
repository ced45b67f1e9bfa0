//! Mission metrics' estimates when some missions survive the horizon: one unit with an
//! exponential life of mean m, watched for τ < m. A replication fails before τ with
//! probability 1 − e^{−τ/m}; the mean over the failed ones is E[T | T < τ], far below m; the
//! restricted mean E[min(T, τ)] = m(1 − e^{−τ/m}); and the exponential MLE (time on test over
//! failures) estimates m itself. Tolerances: 4.5 standard errors.

use crate::common::{column, deployment, run};

/// One gateway, exponential life of mean 100 h, watched for 50 h by one fleet.
const ONE_UNIT: &str = r#"Scenario(
    name: "one-unit", horizon: "50h", seed: 11, replications: 2000,
    mission_times: ["50h"],
    sites: [Site(id: "s")],
    carriers: [Carrier(id: "c")],
    gateways: [Gateway(id: "g", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")],
        failure: Failure(lifetime: Exponential(mean: "100h"), repair: Fixed("1h")))],
    fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 1, report: Fixed("100d"))],
)"#;

#[test]
fn censored_estimates_recover_the_mttf_that_the_failed_missions_underestimate() {
    let (m, tau) = (100.0_f64, 50.0_f64);
    let s = run(&deployment(ONE_UNIT), 2000);
    let survive = (-tau / m).exp();

    // Over the failed missions only: E[T | T < τ] = m − τ e^{−τ/m} / (1 − e^{−τ/m}) ≈ 22.9 h.
    let failed = s.estimate("time_to_system_failure_h").unwrap();
    let conditional = m - tau * survive / (1.0 - survive);
    assert!((failed.mean - conditional).abs() < 4.5 * failed.std_dev / (failed.n as f64).sqrt());
    assert!(failed.mean < 0.3 * m, "{}", failed.mean);

    // The restricted mean: m (1 − e^{−τ/m}) ≈ 39.3 h.
    let times = column(&s, "restricted_mean_ttf_h");
    let restricted = s.estimate("restricted_mean_ttf_h").unwrap();
    let se = restricted.std_dev / (times.len() as f64).sqrt();
    assert!((restricted.mean - m * (1.0 - survive)).abs() < 4.5 * se);

    // The exponential MLE: about 790 failures, so a standard error near m/√790 ≈ 3.6 h.
    let mle = s.estimate("mttf_censored_h").unwrap();
    let failures: f64 = column(&s, "system_failure_share").iter().sum();
    assert!(
        (mle.mean - m).abs() < 4.5 * m / failures.sqrt(),
        "{}",
        mle.mean
    );
    assert!(
        mle.low() < m && m < mle.high(),
        "{} {}",
        mle.low(),
        mle.high()
    );
    assert!(mle.low() < mle.mean && mle.mean < mle.high());
    // It has no per-replication value: it is a ratio over the study.
    assert!(column(&s, "mttf_censored_h").iter().all(|v| v.is_nan()));
    assert_eq!(mle.n, 2000);
}

#[test]
fn reliability_at_a_mission_time_has_a_wilson_interval() {
    let s = run(&deployment(ONE_UNIT), 2000);
    let r = s.estimate("reliability_at_50h").unwrap();
    let exact = (-0.5_f64).exp();
    let (low, high) = (r.low(), r.high());
    assert!(low < exact && exact < high, "{low} {exact} {high}");
    // Wilson's centre is pulled towards 1/2, so the interval is not symmetric about the mean.
    assert!(r.bounds.is_some());
    assert!(((r.mean - low) - (high - r.mean)).abs() > 1e-6);
    let z = 1.959_964;
    let n = 2000.0;
    let p = r.mean;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    assert!(((low + high) / 2.0 - centre).abs() < 1e-9);
    // Few replications that all survive: an interval below 1, not 1 ± 0.
    let short = ONE_UNIT
        .replace("mission_times: [\"50h\"]", "mission_times: [\"1m\"]")
        .replace("replications: 2000", "replications: 10");
    let s = run(&deployment(&short), 10);
    let r = s.estimate("reliability_at_1m").unwrap();
    assert_eq!(r.mean, 1.0);
    assert!(
        r.low() < 0.75 && r.high() == 1.0,
        "{} {}",
        r.low(),
        r.high()
    );
}

/// A replication that a fleet's end of life stops early is censored at the stop, as a unit
/// taken off test. The gateway (exponential life, mean m = 100 h) is watched for τ = 50 h; a
/// second fleet's one device fails at an exponential time D of mean 50 h and stays down, which
/// ends the replication (`stop_when_dead: 1`). So each mission is observed until
/// C = min(τ, D), independent of the gateway's life T: the time on test min(T, C) has mean
/// E[min(T, D, τ)] = (1/r)(1 − e^{−rτ}) with r = 1/m + 1/50 h (about 25.9 h), the MLE
/// Σ min(T, C) / #(T < C) still estimates m, and every replication counts in it.
#[test]
fn a_mission_that_an_end_of_life_stops_is_censored_at_the_stop() {
    let text = ONE_UNIT.replace(
        r#"fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 1, report: Fixed("100d"))],"#,
        r#"fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 1, report: Fixed("100d")),
            Fleet(id: "w", site: "s", gateway: "g", count: 1, report: Fixed("100d"),
                stop_when_dead: 1.0,
                failure: Failure(lifetime: Exponential(mean: "50h"), repair: Fixed("1000h")))],"#,
    );
    assert_ne!(text, ONE_UNIT);
    let (m, tau) = (100.0_f64, 50.0_f64);
    let s = run(&deployment(&text), 2000);
    // About 1 − e^{−1} of the replications stop early: they are in every estimate.
    let times = column(&s, "restricted_mean_ttf_h");
    let stopped = times.iter().filter(|&&t| t < tau - 1e-6).count();
    assert!(stopped > 1000, "{stopped}");
    assert!(times.iter().all(|t| !t.is_nan()));
    let r = 1.0 / m + 1.0 / 50.0;
    let on_test = s.estimate("restricted_mean_ttf_h").unwrap();
    let se = on_test.std_dev / (times.len() as f64).sqrt();
    let exact = (1.0 - (-r * tau).exp()) / r;
    assert!(
        (on_test.mean - exact).abs() < 4.5 * se,
        "{} vs {exact}",
        on_test.mean
    );
    let mle = s.estimate("mttf_censored_h").unwrap();
    let failures: f64 = column(&s, "system_failure_share").iter().sum();
    assert_eq!(mle.n, 2000);
    assert!(
        (mle.mean - m).abs() < 4.5 * m / failures.sqrt(),
        "{} from {failures} failures",
        mle.mean
    );
}
