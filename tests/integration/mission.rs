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
