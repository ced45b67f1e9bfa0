//! Queue measures against the M/M/1 queue's closed forms: a gateway with one exponential
//! server fed by a Poisson stream (many devices reporting at exponential intervals). With
//! arrival rate λ and service rate μ, ρ = λ/μ: L = ρ/(1−ρ), Lq = ρ²/(1−ρ), P(wait) = ρ
//! (arrivals see time averages), the sojourn time is Exp(μ−λ) and the wait W_q has
//! P(W_q > t) = ρ e^{−(μ−λ)t}. Tolerances: 4.5 standard errors of the replication means, plus
//! the sketch's 1% for percentiles.

use iotwin::montecarlo::{Mode, RunOptions, Summary};

use crate::common::{column, deployment, run};

/// λ = 100 devices / 200 s = 0.5 per second, μ = 1 per second.
fn mm1(horizon: &str, extra: &str) -> String {
    format!(
        r#"Scenario(
            name: "mm1", horizon: "{horizon}", seed: 23, replications: 10, deadline: "1h", {extra}
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 100000,
                service: Exponential(mean: "1s"), uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 100,
                report: Exponential(mean: "200s"))],
        )"#
    )
}

/// Asserts that the replication mean of `id` is `exact` within 4.5 standard errors plus
/// `relative` of `exact`.
fn close(s: &Summary, id: &str, exact: f64, relative: f64) {
    let values = column(s, id);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let tolerance = 4.5 * sd / n.sqrt() + relative * exact;
    assert!(
        (mean - exact).abs() <= tolerance,
        "{id}: {mean} vs exact {exact} ± {tolerance}"
    );
}

#[test]
fn an_mm1_gateway_has_the_textbook_queue_measures() {
    let (lambda, mu) = (0.5f64, 1.0f64);
    let rho = lambda / mu;
    let s = run(&deployment(&mm1("1d", "")), 10);
    close(&s, "queue_length:g", rho / (1.0 - rho), 0.0);
    close(&s, "queue_waiting:g", rho * rho / (1.0 - rho), 0.0);
    close(&s, "wait_probability:g", rho, 0.0);
    close(&s, "wait_probability", rho, 0.0);
    // The sojourn time (wait + service; the links take no time) is Exp(μ − λ).
    let sojourn = |p: f64| -(1.0 - p).ln() / (mu - lambda);
    close(&s, "mean_delivery_delay_s", 1.0 / (mu - lambda), 0.0);
    close(&s, "delivery_delay_p50_s", sojourn(0.50), 0.01);
    close(&s, "delivery_delay_p95_s", sojourn(0.95), 0.01);
    close(&s, "delivery_delay_p99_s", sojourn(0.99), 0.01);
    // The wait: an atom of 1 − ρ at zero, then P(W_q > t) = ρ e^{−(μ−λ)t}.
    let wait = |p: f64| (rho / (1.0 - p)).ln().max(0.0) / (mu - lambda);
    close(&s, "wait_p95_s:g", wait(0.95), 0.01);
    close(&s, "wait_p99_s:g", wait(0.99), 0.01);
    close(&s, "gateway_wait_p99_s", wait(0.99), 0.01);
    assert!(column(&s, "wait_p50_s:g").iter().all(|&w| w < 0.05));
}

/// Flow mode keeps no single message: the percentiles and queue measures are undefined
/// there, never a made-up number.
#[test]
fn flow_mode_leaves_message_level_queue_measures_undefined() {
    let dep = deployment(&mm1("1h", ""));
    let opts = RunOptions {
        replications: Some(2),
        mode: Mode::Flow,
        ..RunOptions::default()
    };
    let s = iotwin::montecarlo::run(&dep, &opts, &|| {}).unwrap();
    for id in [
        "delivery_delay_p95_s",
        "gateway_wait_p95_s",
        "wait_probability",
        "queue_length:g",
        "wait_p99_s:g",
    ] {
        assert!(column(&s, id).iter().all(|v| v.is_nan()), "{id}");
    }
}

/// A gateway without a forwarding capacity has no queue measures of its own.
#[test]
fn only_gateways_with_a_capacity_have_queue_measures() {
    let text = mm1("1h", "").replace("service: Exponential(mean: \"1s\"), ", "");
    let s = run(&deployment(&text), 1);
    assert!(s.index_of("queue_length:g").is_none());
    // Sent at once: nothing waited.
    assert_eq!(column(&s, "wait_probability"), vec![0.0]);
    assert_eq!(column(&s, "gateway_wait_p99_s"), vec![0.0]);
}

/// The heavy version: ρ = 0.9, where the queue is long and slow to mix (relaxation time
/// 1/(μ(1−√ρ)²) ≈ 380 s), over 40 replications of 20 days.
#[test]
#[ignore = "heavy: 40 replications of 1.6 million messages"]
fn an_mm1_gateway_near_saturation_has_the_textbook_queue_measures() {
    let text = mm1("20d", "").replace("200s", "111.111s");
    let s = run(&deployment(&text), 40);
    let rho = 0.9f64;
    close(&s, "queue_length:g", rho / (1.0 - rho), 0.0);
    close(&s, "queue_waiting:g", rho * rho / (1.0 - rho), 0.0);
    close(&s, "wait_probability:g", rho, 0.0);
    close(&s, "delivery_delay_p95_s", -(0.05f64).ln() / 0.1, 0.01);
}

/// A run starts out of steady state: the queue is empty (arrivals are Poisson from the start:
/// a device's first gap is drawn from its exponential law). At ρ = 0.9 (L = 9, relaxation
/// time about 380 s, though the mean fills within minutes) the first minute's L is well below
/// 9. With the first hour as warm-up, the second hour's L is the steady state's. The counts
/// start with the measures: about λ × (horizon − warm-up) messages, in both modes.
#[test]
fn a_warm_up_removes_the_empty_start_from_every_measure() {
    let busy = |horizon: &str, extra: &str| mm1(horizon, extra).replace("200s", "111.111s");
    let replications = 100;
    let cold = run(&deployment(&busy("1m", "")), replications);
    let warm = run(&deployment(&busy("2h", "warmup: \"1h\",")), replications);
    let spread = |s: &Summary| {
        let v = column(s, "queue_length:g");
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        (mean, sd / n.sqrt())
    };
    let (warm_l, warm_se) = spread(&warm);
    let (cold_l, cold_se) = spread(&cold);
    eprintln!(
        "L over the first minute {cold_l} ± {cold_se}, over the second hour {warm_l} ± {warm_se}"
    );
    assert!(
        (warm_l - 9.0).abs() < 4.5 * warm_se,
        "warm: L {warm_l} ± {warm_se}"
    );
    assert!(9.0 - cold_l > 4.5 * cold_se, "cold: L {cold_l} ± {cold_se}");
    // Counts: λ = 0.9/s over the measured hour.
    let generated = column(&warm, "messages_generated");
    let mean = generated.iter().sum::<f64>() / generated.len() as f64;
    let expected = 0.9 * 3600.0;
    let se = (expected / replications as f64).sqrt();
    assert!((mean - expected).abs() < 4.5 * se, "{mean} vs {expected}");
    let opts = RunOptions {
        replications: Some(20),
        mode: Mode::Flow,
        ..RunOptions::default()
    };
    let flow = iotwin::montecarlo::run(&deployment(&busy("2h", "warmup: \"1h\",")), &opts, &|| {})
        .unwrap();
    let f = column(&flow, "messages_generated");
    let f_mean = f.iter().sum::<f64>() / f.len() as f64;
    let f_se = (expected / f.len() as f64).sqrt();
    assert!(
        (f_mean - expected).abs() < 4.5 * f_se,
        "flow: {f_mean} vs {expected}"
    );
}

/// A warm-up as long as the horizon would leave nothing to measure: refused at its field.
#[test]
fn a_warm_up_not_shorter_than_the_horizon_is_refused() {
    let e = iotwin::scenario::compile_source(&mm1("1h", "warmup: \"2h\","), "w.ron")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("w.ron:2:") && e.contains("warm-up 2h"), "{e}");
}
