//! The model against closed-form results. Each tolerance is a number of standard errors
//! computed from the replication count and the known variance, never a guessed percentage.
//! Runs are seeded, so these tests are deterministic: they cannot flake.

use crate::common::{deployment, run, total};

/// A site with one gateway, one perfect carrier and one fleet described by `fleet_fields`.
fn one_fleet(
    horizon: &str,
    gateway_fields: &str,
    carrier_fields: &str,
    fleet_fields: &str,
) -> String {
    format!(
        r#"Scenario(
            name: "analytic", horizon: "{horizon}", seed: 11, replications: 10, deadline: "5m",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c" {carrier_fields})],
            gateways: [Gateway(id: "g", site: "s", uplinks: [Uplink(carrier: "c")], {gateway_fields})],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", {fleet_fields})],
        )"#
    )
}

/// Messages that cross a link with loss probability p arrive with probability 1 − p; over two
/// independent lossy hops, (1 − p₁)(1 − p₂).
#[test]
fn delivered_fraction_over_lossy_links_is_one_minus_p() {
    for (access, uplink) in [(0.05, 0.0), (0.2, 0.0), (0.03, 0.1)] {
        let text = one_fleet(
            "1d",
            "buffer_messages: 0",
            "",
            &format!("count: 100, report: Fixed(\"60s\"), link: Link(loss: {access})"),
        )
        .replace(
            r#"Uplink(carrier: "c")"#,
            &format!(r#"Uplink(carrier: "c", link: Link(loss: {uplink}))"#),
        );
        let summary = run(&deployment(&text), 10);
        let generated = total(&summary, "messages_generated");
        let delivered = total(&summary, "messages_delivered");
        let p = 1.0 - (1.0 - access) * (1.0 - uplink);
        let sigma = (p * (1.0 - p) / generated).sqrt();
        let observed = 1.0 - delivered / generated;
        assert!(
            (observed - p).abs() < 4.5 * sigma,
            "loss {access}+{uplink}: observed {observed}, expected {p} ± {}",
            4.5 * sigma
        );
        assert_eq!(total(&summary, "lost_link_loss") + delivered, generated);
    }
}

/// One repairable unit with exponential up times (mean MTBF) and repair times (mean MTTR),
/// starting up, is up at time t with probability A + (1 − A) e^{−(λ+μ)t}, A = MTBF/(MTBF+MTTR).
/// Its mean availability over [0, T] is the time average of that; for large T it tends to
/// MTBF/(MTBF+MTTR). The time average of one unit has asymptotic variance 2λμ/((λ+μ)³ T).
#[test]
fn availability_of_a_repairable_device_is_mtbf_over_mtbf_plus_mttr() {
    let (mtbf_h, mttr_h, horizon_h) = (10.0f64, 2.0f64, 1000.0f64);
    let (devices, replications) = (50.0, 20);
    let text = one_fleet(
        &format!("{horizon_h}h"),
        "buffer_messages: 0",
        "",
        &format!(
            "count: {devices}, report: Fixed(\"1h\"), \
             failure: Failure(lifetime: Exponential(mean: \"{mtbf_h}h\"), repair: Exponential(mean: \"{mttr_h}h\"))"
        ),
    );
    let summary = run(&deployment(&text), replications);
    let observed = summary
        .estimate("device_availability")
        .expect("metric")
        .mean;

    let (lambda, mu) = (1.0 / mtbf_h, 1.0 / mttr_h);
    let a = mtbf_h / (mtbf_h + mttr_h);
    let rate = lambda + mu;
    let expected = a + (1.0 - a) * (1.0 - (-rate * horizon_h).exp()) / (rate * horizon_h);
    let variance_one = 2.0 * lambda * mu / (rate.powi(3) * horizon_h);
    let sigma = (variance_one / (devices * replications as f64)).sqrt();
    assert!(
        (observed - expected).abs() < 4.0 * sigma,
        "availability {observed}, expected {expected} ± {} (steady state {a})",
        4.0 * sigma
    );
    // And the loss due to device downtime mirrors it: messages due while down are lost.
    let down_share = total(&summary, "lost_device_down") / total(&summary, "messages_generated");
    assert!((down_share - (1.0 - expected)).abs() < 0.01, "{down_share}");
}

/// A buffer of B messages meeting an outage of fixed length D at arrival rate λ loses exactly
/// max(0, λD − B); the rest is delivered after the outage, late if it waited past the deadline.
#[test]
fn buffer_overflow_during_an_outage_is_exactly_lambda_d_minus_b() {
    // 60 devices every 60 s: λ = 1 message/s. One outage of D = 1 h starting at 10 h.
    let lambda_d = 3600.0;
    for buffer in [0u64, 1000, 3600, 5000] {
        let text = one_fleet(
            "20h",
            &format!("buffer_messages: {buffer}"),
            r#", outages: Outages(every: Fixed("10h"), lasting: Fixed("1h"))"#,
            r#"count: 60, report: Fixed("60s")"#,
        );
        let summary = run(&deployment(&text), 2);
        let lost =
            (total(&summary, "lost_buffer_overflow") + total(&summary, "lost_no_path")) / 2.0;
        let expected = (lambda_d - buffer as f64).max(0.0);
        assert_eq!(lost, expected, "buffer {buffer}");
        // Everything buffered is delivered at the end of the outage; messages that waited more
        // than the 5 min deadline are late.
        let late = total(&summary, "messages_delivered_late") / 2.0;
        let buffered = lambda_d.min(buffer as f64);
        // The buffer keeps the first B messages of the outage; one generated x seconds into
        // it waits 3600 − x seconds, late unless x > 3300.
        let late_expected = buffered.min(lambda_d - 300.0);
        assert!(
            (late - late_expected).abs() <= 1.0,
            "buffer {buffer}: late {late}, expected {late_expected}"
        );
    }
}

/// A drain limited to r messages per second empties a backlog of n messages in n / r seconds:
/// the last buffered message waits the outage plus that long.
#[test]
fn a_rate_limited_drain_takes_backlog_over_rate() {
    let text = one_fleet(
        "20h",
        "buffer_messages: 10000, drain_per_s: 2.0",
        r#", outages: Outages(every: Fixed("10h"), lasting: Fixed("1h"))"#,
        r#"count: 60, report: Fixed("60s")"#,
    );
    let summary = run(&deployment(&text), 1);
    // 3600 buffered messages drain at 2/s while 1/s keep arriving: net 1/s, so the backlog
    // lasts 3600 s after the outage, during which all messages are queued behind it.
    assert_eq!(total(&summary, "lost_buffer_overflow"), 0.0);
    let peak = total(&summary, "peak_buffered");
    assert!((3599.0..=3601.0).contains(&peak), "peak {peak}");
    let late = total(&summary, "messages_delivered_late");
    // Messages generated from 10 h to about 12 h wait more than 5 min (the queue is longer
    // than 300 messages until near its end): about 2 × 3600 − 2 × 300.
    assert!((6500.0..=7000.0).contains(&late), "late {late}");
}

/// A fleet over a per-message Gilbert-Elliott access link; a perfect uplink.
fn bursty(enter: f64, leave: f64, loss_good: f64, loss_bad: f64) -> String {
    one_fleet(
        "2d",
        "buffer_messages: 0",
        "",
        &format!(
            "count: 50, report: Fixed(\"60s\"), link: Link(loss: {loss_good}, \
             burst: GilbertElliott(enter: {enter}, leave: {leave}, loss: {loss_bad}))"
        ),
    )
}

/// The stationary loss rate of a Gilbert-Elliott channel is π_G l_G + π_B l_B with
/// π_B = enter / (enter + leave). Losses are correlated, so the tolerance uses the asymptotic
/// variance of a Markov-modulated Bernoulli sequence: p(1 − p) + 2 π_G π_B (l_B − l_G)² λ/(1 − λ)
/// per message, λ = 1 − enter − leave.
#[test]
fn gilbert_elliott_loss_rate_is_the_stationary_mix() {
    let (enter, leave, l_good, l_bad) = (0.02, 0.2, 0.01, 0.6);
    let summary = run(&deployment(&bursty(enter, leave, l_good, l_bad)), 4);
    let generated = total(&summary, "messages_generated");
    let observed = total(&summary, "lost_link_loss") / generated;
    let pi_bad = enter / (enter + leave);
    let pi_good = 1.0 - pi_bad;
    let p = pi_good * l_good + pi_bad * l_bad;
    let lambda = 1.0 - enter - leave;
    let variance =
        p * (1.0 - p) + 2.0 * pi_good * pi_bad * (l_bad - l_good).powi(2) * lambda / (1.0 - lambda);
    let sigma = (variance / generated).sqrt();
    assert!(
        (observed - p).abs() < 4.0 * sigma,
        "loss {observed}, expected {p} ± {}",
        4.0 * sigma
    );
}

/// With no loss in the good state and certain loss in the bad one, bursts of consecutive losses
/// are the bad state's stays: geometric with mean 1 / leave (variance (1 − leave) / leave²).
#[test]
fn gilbert_elliott_mean_burst_length_is_one_over_leave() {
    use iotwin::model::{LossCause, Recorder, Trace, World};
    let leave = 0.2;
    let dep = deployment(&bursty(0.02, leave, 0.0, 1.0));
    let (_, recorder) = World::run_observed(&dep, 0, Recorder::default()).expect("conserved");
    // Per device, the sequence numbers of lost messages, in order.
    let mut lost: Vec<Vec<u32>> = vec![vec![]; 50];
    for (_, step) in &recorder.steps {
        if let Trace::Lost(m, LossCause::LinkLoss) = step {
            lost[m.device as usize].push(m.seq);
        }
    }
    let mut bursts = vec![];
    for seqs in &lost {
        let mut run = 0u32;
        for (i, &seq) in seqs.iter().enumerate() {
            run = if i > 0 && seqs[i - 1] + 1 == seq {
                run + 1
            } else {
                1
            };
            let ends = seqs.get(i + 1) != Some(&(seq + 1));
            if ends {
                bursts.push(run as f64);
            }
        }
    }
    let n = bursts.len() as f64;
    let mean = bursts.iter().sum::<f64>() / n;
    let sigma = ((1.0 - leave) / (leave * leave) / n).sqrt();
    assert!(n > 1000.0, "{n} bursts");
    assert!(
        (mean - 1.0 / leave).abs() < 4.0 * sigma,
        "mean burst {mean}, expected {} ± {}",
        1.0 / leave,
        4.0 * sigma
    );
}
