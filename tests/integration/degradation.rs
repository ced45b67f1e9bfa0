//! Sensor degradation and condition-based maintenance against closed-form results: the
//! first-passage law of a drifting sensor, data quality under noise, exact accounting of
//! dropouts, and the degraded share under periodic inspection. Tolerances are standard errors
//! from the number of devices, readings and replications; runs are seeded, so they cannot flake.

use statrs::distribution::{ContinuousCDF, Normal};

use crate::common::{column, deployment, run, total};

/// One site, one perfect gateway and carrier, one fleet of `count` devices reporting every
/// `report`, with the fleet fields `fields`.
fn fleet(horizon: &str, replications: u32, count: u32, report: &str, fields: &str) -> String {
    format!(
        r#"Scenario(
            name: "degradation", horizon: "{horizon}", seed: 33, replications: {replications}, deadline: "1h",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 1000, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: {count}, report: Fixed("{report}"), {fields})],
        )"#
    )
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Inverse Gaussian CDF with mean μ and shape λ.
fn inverse_gaussian_cdf(t: f64, mu: f64, lambda: f64) -> f64 {
    let phi = |x: f64| Normal::standard().cdf(x);
    let r = (lambda / t).sqrt();
    phi(r * (t / mu - 1.0)) + (2.0 * lambda / mu).exp() * phi(-r * (t / mu + 1.0))
}

const DRIFT: &str = r#"degradation: Degradation(mode: Drift(rate_per_day: 0.01, volatility_per_sqrt_day: 0.05, threshold: 1.0))"#;

/// A bias with drift μ = 0.01/day and volatility σ = 0.05/√day first reaches a = 1 after an
/// inverse Gaussian time T: mean a/μ = 100 days, shape a²/σ² = 400 days (variance μ³/λ = 2500
/// days²). Over a horizon H the time-average degraded share is 1 − E[min(T, H)]/H, and
/// E[min(T, H)] = ∫₀ᴴ (1 − F(t)) dt, which is within 0.3 days of the mean at H = 400 days.
#[test]
fn drift_crosses_its_threshold_after_a_mean_of_threshold_over_rate() {
    let (count, reps) = (2000, 4);
    let s = run(&deployment(&fleet("400d", reps, count, "30d", DRIFT)), reps);
    let h = 400.0;
    let steps = 40_000;
    let dt = h / steps as f64;
    let expected = (0..steps)
        .map(|i| 1.0 - inverse_gaussian_cdf((i as f64 + 0.5) * dt, 100.0, 400.0))
        .sum::<f64>()
        * dt;
    assert!((expected - 100.0).abs() < 0.3, "E[min(T, H)] = {expected}");
    let share = mean(&column(&s, "degraded_device_share"));
    let observed = h * (1.0 - share);
    let se = 50.0 / ((count * reps) as f64).sqrt();
    assert!(
        (observed - expected).abs() < 4.0 * se,
        "mean first passage {observed} days, expected {expected} ± {}",
        4.0 * se
    );
}

/// The share of sensors degraded by t is the inverse Gaussian CDF at t, checked at three
/// times around the mean.
#[test]
fn the_share_degraded_by_t_follows_the_inverse_gaussian_law() {
    let (count, reps) = (3000, 2);
    for days in [60.0, 100.0, 150.0] {
        let s = run(
            &deployment(&fleet(&format!("{days}d"), reps, count, "30d", DRIFT)),
            reps,
        );
        let n = (count * reps) as f64;
        let share = total(&s, "degradations") / n;
        let expected = inverse_gaussian_cdf(days, 100.0, 400.0);
        let sigma = (expected * (1.0 - expected) / n).sqrt();
        assert!(
            (share - expected).abs() < 4.0 * sigma,
            "F({days} d): observed {share}, expected {expected} ± {}",
            4.0 * sigma
        );
    }
}

/// Noise spoils each reading of a degraded sensor with probability bad_share, so data quality
/// is 1 − bad_share × D, D the share of delivered readings taken while degraded. The same
/// fleet with `Stuck` (every degraded reading wrong) on the same seed degrades at the same
/// times (onsets come from the lifecycle streams) and measures D exactly.
#[test]
fn noise_spoils_bad_share_of_the_degraded_readings() {
    let reps = 4;
    let text = |mode: &str| {
        fleet(
            "20d",
            reps,
            200,
            "1h",
            &format!("degradation: Degradation(mode: {mode})"),
        )
    };
    let stuck = run(
        &deployment(&text(r#"Stuck(onset: Exponential(mean: "10d"))"#)),
        reps,
    );
    let noise = run(
        &deployment(&text(
            r#"Noise(onset: Exponential(mean: "10d"), bad_share: 0.3)"#,
        )),
        reps,
    );
    assert_eq!(
        column(&stuck, "degradations"),
        column(&noise, "degradations")
    );
    let delivered = total(&noise, "messages_delivered");
    assert_eq!(delivered, total(&stuck, "messages_delivered"));
    let degraded_readings: f64 = column(&stuck, "data_quality")
        .iter()
        .zip(column(&stuck, "messages_delivered"))
        .map(|(q, n)| (1.0 - q) * n)
        .sum();
    let d = degraded_readings / delivered;
    // 1 − (10/20)(1 − e^{−2}) ≈ 0.57 on average.
    assert!(d > 0.45 && d < 0.7, "degraded share of readings {d}");
    let quality: f64 = column(&noise, "data_quality")
        .iter()
        .zip(column(&noise, "messages_delivered"))
        .map(|(q, n)| q * n)
        .sum::<f64>()
        / delivered;
    let expected = 1.0 - 0.3 * d;
    let sigma = (0.3 * 0.7 * degraded_readings).sqrt() / delivered;
    assert!(
        (quality - expected).abs() < 4.0 * sigma,
        "data quality {quality}, expected {expected} ± {}",
        4.0 * sigma
    );
}

/// Dropouts lose a share of the readings of degraded sensors before they are sent, as their
/// own cause, and every message is still accounted for exactly, with lossy links and a
/// failing gateway around. With onset at 5 days of 10 and hourly reports, half the readings
/// (to a reading per device) are taken while degraded.
#[test]
fn dropouts_are_counted_and_conserve_messages() {
    let reps = 4;
    let text = r#"Scenario(
        name: "dropouts", horizon: "10d", seed: 8, replications: 4, deadline: "1h",
        sites: [Site(id: "s")],
        carriers: [Carrier(id: "c", outages: Outages(every: Exponential(mean: "2d"), lasting: Exponential(mean: "3h")))],
        gateways: [Gateway(id: "g", site: "s", buffer_messages: 20, uplinks: [Uplink(carrier: "c", link: Link(loss: 0.02, latency: Fixed("1s")))],
            failure: Failure(lifetime: Exponential(mean: "3d"), repair: Exponential(mean: "5h")))],
        fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 300, report: Fixed("1h"),
            link: Link(loss: 0.05, latency: Fixed("2s")),
            degradation: Degradation(mode: Dropouts(onset: Fixed("5d"), share: 0.25)))],
    )"#;
    let s = run(&deployment(text), reps);
    let buckets = total(&s, "messages_delivered")
        + total(&s, "messages_lost")
        + total(&s, "messages_buffered_at_horizon")
        + total(&s, "messages_in_flight_at_horizon");
    assert_eq!(buckets, total(&s, "messages_generated"));
    let degraded_readings = 300.0 * 120.0 * reps as f64;
    let dropped = total(&s, "lost_sensor_dropout");
    let sigma = (0.25 * 0.75 * degraded_readings).sqrt();
    // ±1 reading per device from the random phase.
    let slack = 0.25 * 300.0 * reps as f64;
    assert!(
        (dropped - 0.25 * degraded_readings).abs() < 4.0 * sigma + slack,
        "dropped {dropped}, expected {}",
        0.25 * degraded_readings
    );
    // Dropouts lose readings but spoil none that arrive.
    assert!(column(&s, "data_quality").iter().all(|&q| q == 1.0));
}

/// Condition-based maintenance with exponential onsets (mean m) and inspections every T that
/// find a degraded sensor with probability p: with q the share degraded at an inspection's
/// start and a = 1 − e^{−T/m}, a healthy device is degraded for T − m·a of the interval on
/// average, and q' = (q + (1 − q)·a)(1 − p). Summing over the horizon's intervals gives the
/// degraded share exactly; without inspections it is 1 − (m/H)(1 − e^{−H/m}).
#[test]
fn inspections_cut_the_degraded_share_as_predicted() {
    let (count, reps) = (1000, 6);
    let (m, t, intervals) = (30.0, 30.0, 12);
    let h = t * intervals as f64;
    let predicted = |p: f64| {
        let a = 1.0 - (-t / m).exp();
        let (mut q, mut degraded) = (0.0, 0.0);
        for _ in 0..intervals {
            degraded += q * t + (1.0 - q) * (t - m * a);
            q = (q + (1.0 - q) * a) * (1.0 - p);
        }
        degraded / h
    };
    let mode = r#"Stuck(onset: Exponential(mean: "30d"))"#;
    for (inspection, expected) in [
        ("", 1.0 - (m / h) * (1.0 - (-h / m).exp())),
        (
            r#", inspection: Inspection(every: "30d", detection: 1.0)"#,
            predicted(1.0),
        ),
        (
            r#", inspection: Inspection(every: "30d", detection: 0.5)"#,
            predicted(0.5),
        ),
    ] {
        let fields = format!("degradation: Degradation(mode: {mode}{inspection})");
        let s = run(
            &deployment(&fleet("360d", reps, count, "30d", &fields)),
            reps,
        );
        let shares = column(&s, "degraded_device_share");
        let observed = mean(&shares);
        let sd = (shares.iter().map(|x| (x - observed).powi(2)).sum::<f64>()
            / (shares.len() - 1) as f64)
            .sqrt();
        let se = sd / (shares.len() as f64).sqrt();
        assert!(
            (observed - expected).abs() < 5.0 * se + 1e-3,
            "inspection {inspection:?}: degraded share {observed}, expected {expected} ± {}",
            5.0 * se
        );
        if !inspection.is_empty() {
            assert!(total(&s, "condition_replacements") > 0.0);
        }
    }
    assert!(predicted(1.0) < predicted(0.5));
}

/// Everything at once (the hostile scenario has a fleet with dropouts, failures and
/// inspections) replays bit for bit on 1 and 2 threads and conserves messages.
#[test]
fn degradation_replays_bit_for_bit_across_thread_counts() {
    let dep = deployment(crate::common::HOSTILE);
    let run = |threads| {
        let opts = iotwin::montecarlo::RunOptions {
            replications: Some(3),
            threads: Some(threads),
            ..Default::default()
        };
        iotwin::montecarlo::run(&dep, &opts, &|| {}).expect("runs and conserves messages")
    };
    let bits = |s: &iotwin::montecarlo::Summary| -> Vec<Vec<u64>> {
        s.per_replication
            .iter()
            .map(|row| row.iter().map(|v| v.to_bits()).collect())
            .collect()
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(bits(&one), bits(&two));
    assert!(total(&one, "degradations") > 0.0);
    assert!(total(&one, "condition_replacements") > 0.0);
    assert!(total(&one, "lost_sensor_dropout") > 0.0);
}

/// A drifting sensor that is already older than its crossing time at the start is degraded
/// from the start: with age far beyond the mean, the degraded share is 1.
#[test]
fn old_sensors_start_degraded() {
    let fields = format!(r#"age: Fixed("50y"), {DRIFT}"#);
    let s = run(&deployment(&fleet("10d", 1, 100, "1d", &fields)), 1);
    let share = column(&s, "degraded_device_share")[0];
    assert!(share > 0.999, "{share}");
    assert_eq!(column(&s, "data_quality")[0], 0.0);
}
