//! Servers with c channels against the teletraffic closed forms. Devices reporting at
//! exponential intervals make a Poisson stream of rate λ at a gateway whose server has c
//! channels sharing one FIFO queue, each holding a message for a service time of mean 1/μ
//! (offered load a = λ/μ Erlangs, ρ = a/c):
//! - with a buffer, M/M/c: P(wait) is Erlang C, C(c, a); Lq = C ρ/(1 − ρ); L = Lq + a; the
//!   wait has P(W_q > t) = C e^{−(cμ − λ)t}; each channel is busy a share ρ of the time;
//! - without a buffer, the Erlang loss system M/G/c/c: the share blocked is Erlang B, B(c, a),
//!   whatever the law of the holding time beyond its mean (insensitivity).
//!
//! Tolerances: 4.5 standard errors of the replication means (each replication is an
//! independent estimate), plus the sketch's 1% for percentiles. Each run starts with a
//! ten-minute warm-up, which removes the empty start and the first reports' crowding.

use iotwin::montecarlo::{Mode, RunOptions, Summary};

use crate::common::{column, deployment, run};

/// A gateway with `servers` channels, `buffer` places in its queue and holding times of law
/// `holding` (mean 1 s), fed by `devices` devices reporting every 200 s on average (λ =
/// devices / 200 per second).
fn gateway(servers: u32, buffer: u64, holding: &str, devices: u32, horizon: &str) -> String {
    format!(
        r#"Scenario(
            name: "servers", horizon: "{horizon}", warmup: "10m", seed: 41, replications: 10,
            deadline: "1h",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: {buffer}, servers: {servers},
                service: {holding}, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: {devices},
                report: Exponential(mean: "200s"))],
        )"#
    )
}

/// Erlang B: the share of arrivals a c-channel loss system blocks at offered load `a`, by the
/// stable recursion B(k) = a B(k−1) / (k + a B(k−1)).
fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// Erlang C from Erlang B: C = B / (1 − ρ(1 − B)).
fn erlang_c(c: u32, a: f64) -> f64 {
    let b = erlang_b(c, a);
    let rho = a / c as f64;
    b / (1.0 - rho * (1.0 - b))
}

/// Mean and standard error of the replication values of `id`.
fn mean_se(s: &Summary, id: &str) -> (f64, f64) {
    let values = column(s, id);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd / n.sqrt())
}

/// Asserts that the replication mean of `id` is `exact` within 4.5 standard errors plus
/// `relative` of `exact`.
fn close(s: &Summary, id: &str, exact: f64, relative: f64) {
    let (mean, se) = mean_se(s, id);
    let tolerance = 4.5 * se + relative * exact;
    assert!(
        (mean - exact).abs() <= tolerance,
        "{id}: {mean} vs exact {exact} ± {tolerance}"
    );
}

/// The share of messages blocked in each replication, checked against Erlang B.
fn assert_blocking(s: &Summary, exact: f64, what: &str) {
    let lost = column(s, "lost_buffer_overflow");
    let generated = column(s, "messages_generated");
    let shares: Vec<f64> = lost.iter().zip(&generated).map(|(l, g)| l / g).collect();
    let n = shares.len() as f64;
    let mean = shares.iter().sum::<f64>() / n;
    let sd = (shares.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let tolerance = 4.5 * sd / n.sqrt();
    assert!(
        (mean - exact).abs() <= tolerance,
        "{what}: blocked {mean} vs Erlang B {exact} ± {tolerance}"
    );
}

#[test]
fn erlang_b_and_erlang_c_match_their_tables() {
    // Textbook values: B(1, 1) = 1/2; B(10, 5) ≈ 0.01838; C(2, 1) = 1/3.
    assert!((erlang_b(1, 1.0) - 0.5).abs() < 1e-12);
    assert!((erlang_b(10, 5.0) - 0.018_38).abs() < 1e-5);
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

/// M/M/3 at ρ = 2/3 (λ = 2/s, μ = 1/s): C(3, 2) = 4/9, Lq = 8/9, L = 26/9.
#[test]
fn an_mmc_gateway_has_the_erlang_c_queue_measures() {
    let (c, lambda, mu) = (3u32, 2.0f64, 1.0f64);
    let a = lambda / mu;
    let rho = a / c as f64;
    let wait_prob = erlang_c(c, a);
    let lq = wait_prob * rho / (1.0 - rho);
    let s = run(
        &deployment(&gateway(
            c,
            1_000_000,
            r#"Exponential(mean: "1s")"#,
            400,
            "6h",
        )),
        10,
    );
    close(&s, "wait_probability:g", wait_prob, 0.0);
    close(&s, "queue_waiting:g", lq, 0.0);
    close(&s, "queue_length:g", lq + a, 0.0);
    close(&s, "gateway_utilisation:g", rho, 0.0);
    // The wait: an atom of 1 − C at zero, then P(W_q > t) = C e^{−(cμ−λ)t}.
    let wait = |p: f64| (wait_prob / (1.0 - p)).ln().max(0.0) / (c as f64 * mu - lambda);
    close(&s, "wait_p95_s:g", wait(0.95), 0.01);
    close(&s, "wait_p99_s:g", wait(0.99), 0.01);
    // W = Lq / λ (Little).
    close(&s, "mean_gateway_wait_s", lq / lambda, 0.0);
}

/// One channel is the M/M/1 queue the single server always was: P(wait) = ρ.
#[test]
fn one_channel_is_the_single_server() {
    let s = run(
        &deployment(&gateway(
            1,
            1_000_000,
            r#"Exponential(mean: "1s")"#,
            100,
            "6h",
        )),
        10,
    );
    close(&s, "wait_probability:g", 0.5, 0.0);
    close(&s, "queue_length:g", 1.0, 0.0);
}

/// Erlang loss systems with 1, 3 and 10 channels, each with exponential holding times and
/// with fixed or lognormal ones of the same mean: the blocking is Erlang B in every case.
#[test]
fn a_loss_system_blocks_the_erlang_b_share_whatever_the_holding_law() {
    // (channels, devices): offered loads 0.5, 2 and 7 Erlangs.
    for (c, devices) in [(1u32, 100u32), (3, 400), (10, 1400)] {
        let a = devices as f64 / 200.0;
        let exact = erlang_b(c, a);
        // LogNormal(median m, σ = 1) has mean m e^{1/2}: m = e^{−1/2} s for a mean of 1 s.
        for holding in [
            r#"Exponential(mean: "1s")"#,
            r#"Fixed("1s")"#,
            r#"LogNormal(median: "606531us", sigma: 1.0)"#,
        ] {
            let s = run(&deployment(&gateway(c, 0, holding, devices, "3h")), 10);
            assert_blocking(&s, exact, &format!("c = {c}, a = {a}, {holding}"));
        }
    }
}

/// The blocked share is the only loss, and each channel carries a(1 − B)/c of the time.
#[test]
fn a_loss_system_carries_the_unblocked_load() {
    let (c, a) = (3u32, 2.0f64);
    let s = run(
        &deployment(&gateway(c, 0, r#"Exponential(mean: "1s")"#, 400, "3h")),
        10,
    );
    let carried = a * (1.0 - erlang_b(c, a));
    close(&s, "gateway_utilisation:g", carried / c as f64, 0.0);
    close(&s, "queue_length:g", carried, 0.0);
    close(&s, "queue_waiting:g", 0.0, 0.0);
}

/// Flow mode's fluid server has one channel: several are refused with the reason, and `auto`
/// runs them in packet mode.
#[test]
fn flow_mode_refuses_several_channels_and_auto_runs_them_in_packet_mode() {
    let dep = deployment(&gateway(3, 0, r#"Exponential(mean: "1s")"#, 400, "1h"));
    let flow = RunOptions {
        replications: Some(1),
        mode: Mode::Flow,
        ..RunOptions::default()
    };
    let e = iotwin::montecarlo::run(&dep, &flow, &|| {})
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("gateway \"g\" serves on 3 channels"), "{e}");
    assert_eq!(
        iotwin::montecarlo::resolve_mode(&dep, Mode::Auto),
        Ok(Mode::Packet)
    );
}

/// Channels need something to hold them: a gateway that forwards in no time is refused at
/// its field, with a hint.
#[test]
fn servers_without_a_holding_time_are_refused() {
    let text = gateway(3, 0, r#"Exponential(mean: "1s")"#, 10, "1h")
        .replace(r#"service: Exponential(mean: "1s"), "#, "");
    let e = iotwin::scenario::compile_source(&text, "s.ron")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("s.ron:") && e.contains("servers") && e.contains("service:"),
        "{e}"
    );
}

/// The heavy version: M/M/10 near saturation (ρ = 0.9) over 20 replications of a day.
#[test]
#[ignore = "heavy: 20 replications of 780,000 messages"]
fn an_mmc_gateway_near_saturation_has_the_erlang_c_queue_measures() {
    let (c, a) = (10u32, 9.0f64);
    let rho = a / c as f64;
    let s = run(
        &deployment(&gateway(
            c,
            1_000_000,
            r#"Exponential(mean: "1s")"#,
            1800,
            "1d",
        )),
        20,
    );
    let wait_prob = erlang_c(c, a);
    close(&s, "wait_probability:g", wait_prob, 0.0);
    close(&s, "queue_waiting:g", wait_prob * rho / (1.0 - rho), 0.0);
}

/// Two single-channel gateways in an active-active group whose devices (λ = 1.5/s in all)
/// are shared by `pool`, each message held for an exponential second.
fn pooled_pair(pool: &str) -> String {
    format!(
        r#"Scenario(
            name: "pooled", horizon: "6h", warmup: "10m", seed: 43, replications: 10,
            deadline: "1h",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [
                Gateway(id: "g1", site: "s", buffer_messages: 1000000,
                    service: Exponential(mean: "1s"), uplinks: [Uplink(carrier: "c")]),
                Gateway(id: "g2", site: "s", buffer_messages: 1000000,
                    service: Exponential(mean: "1s"), uplinks: [Uplink(carrier: "c")]),
            ],
            redundancy: [ActiveActive(id: "pair", gateways: ["g1", "g2"],
                detection: After(Fixed("1m")), {pool})],
            fleets: [Fleet(id: "f", site: "s", gateway: "pair", count: 300,
                report: Exponential(mean: "200s"))],
        )"#
    )
}

/// Per replication, the messages both gateways hold on average (L of the pair).
fn pair_length(s: &Summary) -> (f64, f64) {
    let sums: Vec<f64> = column(s, "queue_length:g1")
        .iter()
        .zip(column(s, "queue_length:g2"))
        .map(|(a, b)| a + b)
        .collect();
    let n = sums.len() as f64;
    let mean = sums.iter().sum::<f64>() / n;
    let sd = (sums.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd / n.sqrt())
}

/// How the pool shares the load decides the queue: devices kept on their home gateway make
/// two M/M/1 queues at ρ = 3/4 (L = 2 × 3 = 6); turns make two E2/M/1 queues (GI/M/1: L =
/// ρ/(1 − σ), σ = (λ/(λ + μ(1 − σ)))²); joining the shorter queue comes close to one
/// two-channel server, M/M/2 (L = a + C(2, a) ρ/(1 − ρ) ≈ 3.43), which bounds it from below.
#[test]
fn a_pool_that_joins_the_shorter_queue_approaches_one_server_with_two_channels() {
    let (lambda, mu, c) = (1.5f64, 1.0f64, 2u32);
    let a = lambda / mu;
    let rho = a / c as f64;
    let mm2 = a + erlang_c(c, a) * rho / (1.0 - rho);
    let home = 2.0 * rho / (1.0 - rho);
    let mut sigma = 0.5f64;
    for _ in 0..200 {
        sigma = (lambda / (lambda + mu * (1.0 - sigma))).powi(2);
    }
    let turns = 2.0 * rho / (1.0 - sigma);

    let within = |what: &str, (mean, se): (f64, f64), exact: f64| {
        assert!(
            (mean - exact).abs() <= 4.5 * se,
            "{what}: L {mean} vs {exact} ± {}",
            4.5 * se
        );
    };
    within(
        "home",
        pair_length(&run(&deployment(&pooled_pair("")), 10)),
        home,
    );
    within(
        "round robin",
        pair_length(&run(&deployment(&pooled_pair("pool: RoundRobin")), 10)),
        turns,
    );
    let (jsq, jsq_se) = pair_length(&run(
        &deployment(&pooled_pair("pool: JoinShortestQueue")),
        10,
    ));
    assert!(
        jsq > mm2 - 4.5 * jsq_se && jsq < turns - 4.5 * jsq_se,
        "JSQ: L {jsq} ± {jsq_se} not between M/M/2's {mm2} and round robin's {turns}"
    );
    // The bound itself: one gateway with two channels is M/M/2.
    let one = run(
        &deployment(&gateway(
            c,
            1_000_000,
            r#"Exponential(mean: "1s")"#,
            300,
            "6h",
        )),
        10,
    );
    close(&one, "queue_length:g", mm2, 0.0);
}

/// `FirstUp` sends everything to the first gateway in rotation: the second stays idle while
/// the first works.
#[test]
fn a_first_up_pool_uses_the_first_gateway_while_it_works() {
    let s = run(
        &deployment(&pooled_pair("pool: FirstUp").replace("300", "100")),
        2,
    );
    assert!(
        column(&s, "gateway_utilisation:g2")
            .iter()
            .all(|&u| u == 0.0)
    );
    close(&s, "gateway_utilisation:g1", 0.5, 0.0);
}

/// Flow mode routes by home gateway: a pooled group is refused there, with the reason.
#[test]
fn flow_mode_refuses_pooled_groups() {
    let dep = deployment(&pooled_pair("pool: JoinShortestQueue"));
    let e = iotwin::montecarlo::resolve_mode(&dep, Mode::Flow).unwrap_err();
    assert!(e.contains("redundancy group \"pair\" pools"), "{e}");
}
