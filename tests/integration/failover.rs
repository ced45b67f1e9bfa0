//! Failover: redundant uplinks and redundant gateways against closed forms, scripted outages
//! against hand counts, and a failover policy of one's own plugged in through the library.
//!
//! # Plugging in your own failover policy
//!
//! Every place where the simulator chooses among alternatives — a gateway's uplinks, or the
//! gateways of a redundancy group — is driven by a [`FailoverPolicy`]. The scenario names a
//! built-in one (`failover: Backup(...)`, `redundancy: [ActiveStandby(...)]`); to try your own:
//!
//! 1. Write a type implementing [`FailoverPolicy`]. The world calls
//!    [`member_changed`](FailoverPolicy::member_changed) the instant a member (uplink or
//!    gateway, numbered in priority order) fails or recovers — the truth, which a real system
//!    learns later — so a realistic policy sets a timer with [`Ctx::after`] and acts in
//!    [`timer`](FailoverPolicy::timer). It decides which members are *in use* with
//!    [`Ctx::use_only`], [`Ctx::use_none`] or [`Ctx::set_in_use`]; the world routes traffic by
//!    that and judges the outcome: traffic sent into a failed member still in use is lost as
//!    `lost_undetected_outage`, a gateway with no uplink in use buffers, and the time until a
//!    working member is in use again is a time to recover.
//! 2. Give the simulator a function from a [`PolicyRequest`] (which place, its members, the
//!    scenario's own spec for it) to `Option<Box<dyn FailoverPolicy>>`: `Some` replaces the
//!    built-in policy at that place, `None` keeps it.
//! 3. Run with [`montecarlo::run_with_policies`] for metrics over replications, or with
//!    [`World::run_with_policies`] and a [`Recorder`] to see every decision in a trace
//!    ([`Trace::UplinkChanged`], [`Trace::GroupChanged`]).
//!
//! [`Sticky`] below is a complete example, tested in
//! `a_policy_of_ones_own_plugs_in_through_the_library`.
//!
//! As in `analytic.rs`, every statistical tolerance is a number of standard errors from a
//! variance derived in the test's doc comment; runs are seeded, so nothing here can flake.

use iotwin::engine::{DurationDist, TICKS_PER_SECOND, Ticks};
use iotwin::model::{Ctx, FailoverPolicy, PolicyRequest, Recorder, Trace, World};
use iotwin::montecarlo::{self, RunOptions, Summary};
use iotwin::scenario::{Deployment, FailoverSpec};

use crate::common::{column, deployment, run, total};

const S: Ticks = TICKS_PER_SECOND;

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn sample_variance(xs: &[f64]) -> f64 {
    let m = mean(xs);
    xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64
}

/// The only value of a metric in a one-replication summary.
fn value(s: &Summary, id: &str) -> f64 {
    column(s, id)[0]
}

/// Two carriers with independent exponential outages (up for Exp(mean MTBFᵢ), down for
/// Exp(mean MTTRᵢ), both up at time 0) behind one gateway with `failover: Instant`: the gateway
/// can forward whenever either carrier works. Carrier i is down at time t with probability
/// qᵢ(t) = Uᵢ (1 − e^{−rᵢt}), Uᵢ = MTTRᵢ/(MTBFᵢ+MTTRᵢ), rᵢ = λᵢ + μᵢ, and independence gives
/// the expected connectivity over [0, T]:
///
///   1 − (1/T) ∫₀ᵀ q_a q_b dt
///   = 1 − U_a U_b [1 − (1−e^{−r_a T})/(r_a T) − (1−e^{−r_b T})/(r_b T) + (1−e^{−(r_a+r_b)T})/((r_a+r_b)T)]
///
/// which tends to the textbook 1 − (1−A_a)(1−A_b); the start-up transient is kept exactly.
/// Variance: the "both down" indicator X has, in steady state,
/// Cov(X₀, X_t) = Π E[Dᵢ₀Dᵢₜ] − U_a²U_b² with E[Dᵢ₀Dᵢₜ] = Uᵢ(Uᵢ + Aᵢe^{−rᵢt}), so the time
/// average over T has asymptotic variance
///
///   2 U_a U_b [U_a A_b / r_b + U_b A_a / r_a + A_a A_b / (r_a + r_b)] / T
///
/// (with U_b = 1 it is analytic.rs's 2λμ/(r³T) for one unit). The mean over the replications
/// must be within 4 standard errors of the expectation, and the sample variance across
/// replications within a factor 2 of the derived one (with 99 degrees of freedom the ratio
/// has a standard deviation of 0.14, so that is more than 3.5 of them).
#[test]
fn two_independent_uplinks_are_available_unless_both_are_down() {
    let (mtbf_a, mttr_a, mtbf_b, mttr_b) = (10.0f64, 2.0f64, 4.0f64, 1.0f64);
    let (horizon_h, replications) = (10_000.0f64, 100u32);
    let text = format!(
        r#"Scenario(
            name: "parallel", horizon: "{horizon_h}h", seed: 21, replications: 1,
            sites: [Site(id: "s")],
            carriers: [
                Carrier(id: "a", outages: Outages(every: Exponential(mean: "{mtbf_a}h"),
                                                  lasting: Exponential(mean: "{mttr_a}h"))),
                Carrier(id: "b", outages: Outages(every: Exponential(mean: "{mtbf_b}h"),
                                                  lasting: Exponential(mean: "{mttr_b}h"))),
            ],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 0, failover: Instant,
                               uplinks: [Uplink(carrier: "a"), Uplink(carrier: "b")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 1, report: Fixed("1d"))],
        )"#
    );
    let summary = run(&deployment(&text), replications);
    let per_rep = column(&summary, "gateway_connectivity:g");
    assert_eq!(per_rep, column(&summary, "connectivity_availability"));
    let observed = mean(&per_rep);

    let unit = |mtbf: f64, mttr: f64| {
        let (lambda, mu) = (1.0 / mtbf, 1.0 / mttr);
        (mttr / (mtbf + mttr), mtbf / (mtbf + mttr), lambda + mu)
    };
    let ((ua, aa, ra), (ub, ab, rb)) = (unit(mtbf_a, mttr_a), unit(mtbf_b, mttr_b));
    let t = horizon_h;
    let decay = |r: f64| (1.0 - (-r * t).exp()) / (r * t);
    let expected = 1.0 - ua * ub * (1.0 - decay(ra) - decay(rb) + decay(ra + rb));
    let variance_one = 2.0 * ua * ub * (ua * ab / rb + ub * aa / ra + aa * ab / (ra + rb)) / t;
    let sigma = (variance_one / replications as f64).sqrt();
    assert!(
        (observed - expected).abs() < 4.0 * sigma,
        "connectivity {observed}, expected {expected} ± {} (steady state {})",
        4.0 * sigma,
        1.0 - ua * ub
    );
    let ratio = sample_variance(&per_rep) / variance_one;
    assert!(
        (0.5..2.0).contains(&ratio),
        "sample variance / derived variance = {ratio}"
    );
}

/// An active/standby pair: the primary fails after Exp(λ) and is repaired after R ~ Exp(μ);
/// the standby never fails. A failure is noticed after δ; the switchover then works with
/// probability c (coverage) and takes no time; the primary is used again as soon as it is
/// repaired (`switch_back: Immediate`, instantaneous). Per primary cycle the fleet's path is
/// down W = min(δ, R) if the switch is covered and W = R if not, so by renewal-reward the
/// site's unavailability is
///
///   u = E[W] / E[C] = (c (1 − e^{−μδ})/μ + (1 − c)/μ) / (1/λ + 1/μ).
///
/// Tolerance: by the renewal-reward central limit theorem the time average over T has variance
/// Var(W − uC) / (E[C] T), C = Up + R, computed below from E[W²], E[WR] and E[R²]
/// (E[min(δ,R)²] = (2/μ²)(1 − e^{−μδ}(1+μδ)), E[R min(δ,R)] = 2/μ² − e^{−μδ}(2/μ² + δ/μ)).
/// The start-up transient and the cut at the horizon move the expectation by less than
/// max(λ(1−A)E[W]/r, λE[W²]/2) / T (extra failures early on at most λ(1−A)/r of them, each
/// worth at most E[W]; the last outage cut short by at most E[W²]/2 times the failure rate),
/// which is added to the tolerance. As for the parallel links, the sample variance across
/// replications must also be within a factor 2 of the derived one.
///
/// Failovers: a failure outlasting its detection (probability q = e^{−μδ}) makes one failover
/// when the detection fires before the horizon, covered or not (a failed switch counts), so
/// E[failovers] = q λ ∫₀^{T−δ} P(primary up at s) ds exactly, with asymptotic variance
/// T Var(Y − vC)/E[C], Y = 1{R > δ}, v = q/E[C], Cov(Y, C) = qδ. Given the failovers, each
/// succeeded with probability c independently: the pooled success rate is c ± binomial error.
#[test]
fn standby_with_coverage_and_detection_delay_meets_renewal_reward() {
    let (mtbf_h, mttr_h, horizon_h, replications) = (10.0f64, 2.0f64, 10_000.0f64, 100u32);
    for (coverage, detection_s) in [(1.0f64, 1800.0f64), (0.0, 1800.0), (0.7, 3600.0)] {
        let text = format!(
            r#"Scenario(
                name: "standby", horizon: "{horizon_h}h", seed: 7, replications: 1,
                sites: [Site(id: "s")],
                carriers: [Carrier(id: "c")],
                gateways: [
                    Gateway(id: "primary", site: "s", buffer_messages: 0,
                            uplinks: [Uplink(carrier: "c")],
                            failure: Failure(lifetime: Exponential(mean: "{mtbf_h}h"),
                                             repair: Exponential(mean: "{mttr_h}h"))),
                    Gateway(id: "standby", site: "s", buffer_messages: 0,
                            uplinks: [Uplink(carrier: "c")]),
                ],
                redundancy: [ActiveStandby(id: "pair", gateways: ["primary", "standby"],
                    detection: After(Fixed("{detection_s}s")), switchover: Fixed("0s"),
                    coverage: {coverage}, switch_back: Immediate)],
                fleets: [Fleet(id: "f", site: "s", gateway: "pair", count: 1, report: Fixed("1d"))],
            )"#
        );
        let summary = run(&deployment(&text), replications);
        let n = replications as f64;
        let here = format!("c = {coverage}, δ = {detection_s} s");

        let (lambda, mu, delta, c) = (1.0 / mtbf_h, 1.0 / mttr_h, detection_s / 3600.0, coverage);
        let (t, r, a) = (horizon_h, lambda + mu, mtbf_h / (mtbf_h + mttr_h));
        let q = (-mu * delta).exp();
        let cycle = 1.0 / lambda + 1.0 / mu;
        let w1 = c * (1.0 - q) / mu + (1.0 - c) / mu;
        let u = w1 / cycle;
        let w2 =
            c * 2.0 / mu.powi(2) * (1.0 - q * (1.0 + mu * delta)) + (1.0 - c) * 2.0 / mu.powi(2);
        let wr = c * (2.0 / mu.powi(2) - q * (2.0 / mu.powi(2) + delta / mu))
            + (1.0 - c) * 2.0 / mu.powi(2);
        let r2 = 2.0 / mu.powi(2);
        let var_w_minus_uc =
            (w2 - 2.0 * u * wr + u * u * r2) - (w1 - u / mu).powi(2) + u * u / lambda.powi(2);
        let sigma = (var_w_minus_uc / (cycle * t) / n).sqrt();
        let bias = (lambda * (1.0 - a) * w1 / r).max(lambda * w2 / 2.0) / t;

        let observed = 1.0 - mean(&column(&summary, "site_availability:s"));
        assert!(
            (observed - u).abs() < 4.0 * sigma + bias,
            "{here}: unavailability {observed}, expected {u} ± {} (bias bound {bias})",
            4.0 * sigma + bias
        );
        let ratio = sample_variance(&column(&summary, "site_availability:s"))
            / (var_w_minus_uc / (cycle * t));
        assert!(
            (0.5..2.0).contains(&ratio),
            "{here}: variance ratio {ratio}"
        );

        // Failovers: one per failure outlasting its detection.
        let failovers = column(&summary, "failovers");
        let reach = t - delta;
        let up_time = a * reach + (1.0 - a) * (1.0 - (-r * reach).exp()) / r;
        let expected_failovers = q * lambda * up_time;
        let v = q / cycle;
        let var_y_minus_vc =
            q * (1.0 - q) + v * v * (1.0 / lambda.powi(2) + 1.0 / mu.powi(2)) - 2.0 * v * q * delta;
        let sigma_f = (t * var_y_minus_vc / cycle / n).sqrt();
        let observed_f = mean(&failovers);
        assert!(
            (observed_f - expected_failovers).abs() < 4.0 * sigma_f,
            "{here}: {observed_f} failovers per replication, expected {expected_failovers} ± {}",
            4.0 * sigma_f
        );
        // Covered ones succeed: failover_success_rate × failovers counts them.
        let ok: f64 = column(&summary, "failover_success_rate")
            .iter()
            .zip(&failovers)
            .map(|(rate, f)| if *f > 0.0 { (rate * f).round() } else { 0.0 })
            .sum();
        let all = total(&summary, "failovers");
        let share = ok / all;
        let sigma_c = (c * (1.0 - c) / all).sqrt();
        assert!(
            (share - c).abs() <= 4.0 * sigma_c,
            "{here}: success share {share} of {all} failovers, expected {c} ± {}",
            4.0 * sigma_c
        );
    }
}

/// A one-replication scenario over three hours: one gateway `g` with an uplink through each
/// of the perfect carriers `uplinks`, in priority order, and `failover`; one device reporting
/// every 10 s over a perfect link; carrier "a" down from 1 h for `outage`.
fn scripted(uplinks: &[&str], failover: &str, buffer: u64, outage: &str) -> Deployment {
    let carriers: Vec<String> = uplinks
        .iter()
        .map(|c| format!(r#"Carrier(id: "{c}")"#))
        .collect();
    let uplinks: Vec<String> = uplinks
        .iter()
        .map(|c| format!(r#"Uplink(carrier: "{c}")"#))
        .collect();
    deployment(&format!(
        r#"Scenario(
            name: "scripted", horizon: "3h", seed: 5, replications: 1,
            sites: [Site(id: "s")],
            carriers: [{}],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: {buffer},
                               uplinks: [{}], failover: {failover})],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 1, report: Fixed("10s"))],
            faults: [CarrierDown(carrier: "a", at: "1h", lasting: "{outage}")],
        )"#,
        carriers.join(", "),
        uplinks.join(", "),
    ))
}

const PERIOD: Ticks = 10 * S;

/// What replication 0 does, step by step: the device's phase (its first report, in
/// [0, 10 s)), and the uplink changes after the start as (time in s, uplink).
fn traced(dep: &Deployment) -> (Ticks, Vec<(f64, Option<u32>)>) {
    let (_, recorder) = World::run_observed(dep, 0, Recorder::default()).expect("conserved");
    changes_and_phase(&recorder)
}

fn changes_and_phase(recorder: &Recorder) -> (Ticks, Vec<(f64, Option<u32>)>) {
    let phase = recorder
        .steps
        .iter()
        .find_map(|(t, s)| matches!(s, Trace::Generated(_)).then_some(*t))
        .expect("a report");
    // The spec below counts reports in windows that start and end on whole 10 s; a report
    // exactly on such a boundary would tie with the event there.
    assert!(phase > 0 && phase < PERIOD, "phase {phase}");
    let changes = recorder
        .steps
        .iter()
        .filter_map(|(t, s)| match s {
            Trace::UplinkChanged { uplink, .. } if *t > 0 => Some((*t as f64 / S as f64, *uplink)),
            _ => None,
        })
        .collect();
    (phase, changes)
}

/// The device's report times in [from, to), in ticks.
fn reports(phase: Ticks, from_s: u64, to_s: u64) -> Vec<Ticks> {
    (0..)
        .map(|k| phase + k * PERIOD)
        .take_while(|&t| t < to_s * S)
        .filter(|&t| t >= from_s * S)
        .collect()
}

fn count(phase: Ticks, from_s: u64, to_s: u64) -> f64 {
    reports(phase, from_s, to_s).len() as f64
}

/// Carrier "a" fails at 1 h for 1 h; the gateway's router notices after 90 s, moves to "b" in
/// 30 s, and moves back to "a" (another 30 s) when it returns at 2 h. By hand, with the
/// device's reports at φ + 10k s:
///
/// - [3600 s, 3690 s): sent into the dead uplink, lost as `lost_undetected_outage` (9 reports);
/// - [3690 s, 3720 s) and [7200 s, 7230 s): no uplink in use, buffered (3 + 3), and sent when
///   the switch completes, on time (they wait at most 30 s);
/// - the path to the cloud is down [3600, 3720) and [7200, 7230): two interruptions of 120 s
///   and 30 s (mean 75 s, nearest-rank median 30 s, 95th and 99th percentiles 120 s), 150 s
///   out of 10 800 s of connectivity;
/// - one failover ("a" taken out of use, traffic on over "b"), successful.
///
/// With a 2-message buffer the third report of each switch window overflows.
#[test]
fn a_wired_backup_loses_the_detection_window_and_buffers_the_switches() {
    let backup = r#"Backup(detection: After(Fixed("90s")), switch_time: Fixed("30s"), switch_back: Immediate)"#;
    let dep = scripted(&["a", "b"], backup, 1000, "1h");
    let s = run(&dep, 1);
    let (phase, changes) = traced(&dep);
    assert_eq!(
        changes,
        vec![
            (3690.0, None),
            (3720.0, Some(1)),
            (7200.0, None),
            (7230.0, Some(0))
        ]
    );
    assert_eq!(value(&s, "messages_generated"), 1080.0);
    assert_eq!(
        value(&s, "lost_undetected_outage"),
        count(phase, 3600, 3690)
    );
    assert_eq!(value(&s, "lost_undetected_outage"), 9.0);
    assert_eq!(value(&s, "messages_lost"), 9.0);
    assert_eq!(value(&s, "messages_delivered"), 1071.0);
    assert_eq!(value(&s, "messages_delivered_late"), 0.0);
    assert_eq!(value(&s, "peak_buffered"), 3.0);
    // The six buffered reports wait until their switch completes.
    let waits: Vec<f64> = reports(phase, 3690, 3720)
        .iter()
        .map(|&t| (3720 * S - t) as f64)
        .chain(
            reports(phase, 7200, 7230)
                .iter()
                .map(|&t| (7230 * S - t) as f64),
        )
        .map(|w| w / S as f64)
        .collect();
    assert_eq!(waits.len(), 6);
    let wait = value(&s, "mean_gateway_wait_s");
    assert!(
        (wait - mean(&waits)).abs() < 1e-9,
        "wait {wait} vs {waits:?}"
    );
    let delay = value(&s, "mean_delivery_delay_s");
    assert!(
        (delay - waits.iter().sum::<f64>() / 1071.0).abs() < 1e-9,
        "delay {delay}"
    );

    assert_eq!(value(&s, "interruptions"), 2.0);
    assert_eq!(value(&s, "ttr_mean_s"), 75.0);
    assert_eq!(value(&s, "ttr_p50_s"), 30.0);
    assert_eq!(value(&s, "ttr_p95_s"), 120.0);
    assert_eq!(value(&s, "ttr_p99_s"), 120.0);
    assert_eq!(value(&s, "failovers"), 1.0);
    assert_eq!(value(&s, "failover_success_rate"), 1.0);
    let connected = 1.0 - 150.0 / 10_800.0;
    assert!((value(&s, "connectivity_availability") - connected).abs() < 1e-12);
    assert!((value(&s, "site_availability:s") - connected).abs() < 1e-12);
    assert_eq!(
        value(&s, "uplink_availability"),
        1.0,
        "carrier b never failed"
    );

    let small = run(&scripted(&["a", "b"], backup, 2, "1h"), 1);
    assert_eq!(value(&small, "lost_buffer_overflow"), 2.0);
    assert_eq!(value(&small, "lost_undetected_outage"), 9.0);
    assert_eq!(value(&small, "messages_delivered"), 1069.0);
    assert_eq!(value(&small, "peak_buffered"), 2.0);
}

/// One carrier and no failover: the gateway knows its only uplink is down (link-down signal),
/// so nothing is lost; the 360 reports of the hour-long outage wait in the buffer and leave when
/// the carrier returns at 7200 s. Those generated before 6900 s waited more than the 5 min
/// deadline: late. One interruption of 3600 s, no failover.
#[test]
fn without_failover_an_outage_is_buffered_and_delivered_late() {
    let dep = scripted(&["a"], "NoFailover", 1000, "1h");
    let s = run(&dep, 1);
    let (phase, changes) = traced(&dep);
    assert_eq!(changes, vec![(3600.0, None), (7200.0, Some(0))]);
    assert_eq!(value(&s, "messages_generated"), 1080.0);
    assert_eq!(value(&s, "messages_delivered"), 1080.0);
    assert_eq!(value(&s, "messages_lost"), 0.0);
    assert_eq!(value(&s, "peak_buffered"), 360.0);
    assert_eq!(
        value(&s, "messages_delivered_late"),
        count(phase, 3600, 6900)
    );
    assert_eq!(value(&s, "messages_delivered_late"), 330.0);
    assert_eq!(value(&s, "interruptions"), 1.0);
    assert_eq!(value(&s, "ttr_mean_s"), 3600.0);
    assert_eq!(value(&s, "failovers"), 0.0);
    assert!(value(&s, "failover_success_rate").is_nan());
    let connected = 1.0 - 3600.0 / 10_800.0;
    assert!((value(&s, "connectivity_availability") - connected).abs() < 1e-12);
}

/// An eSIM whose profile switches always fail (`switch_failure: 1.0`). The outage is noticed
/// after 90 s (9 reports lost into the dead profile); from then on the modem cycles through
/// the profiles, one 30 s attempt after another, each failing — including the attempts on the
/// primary profile once its carrier is back, since a switch back is a switch like any other —
/// so it never carries traffic again: everything from 3690 s on is still buffered at the
/// horizon, and the failovers are the failed attempts completed at 3720 + 30k s < 10 800 s.
#[test]
fn an_esim_whose_switches_always_fail_never_recovers() {
    let esim = r#"Esim(detection: After(Fixed("90s")), switch_time: Fixed("30s"), switch_failure: 1.0, switch_back: Immediate)"#;
    let dep = scripted(&["a", "b"], esim, 100_000, "1h");
    let s = run(&dep, 1);
    let (phase, changes) = traced(&dep);
    assert_eq!(changes, vec![(3690.0, None)]);
    assert_eq!(
        value(&s, "lost_undetected_outage"),
        count(phase, 3600, 3690)
    );
    assert_eq!(value(&s, "messages_lost"), 9.0);
    assert_eq!(value(&s, "messages_delivered"), count(phase, 0, 3600));
    assert_eq!(
        value(&s, "messages_buffered_at_horizon"),
        count(phase, 3690, 10_800)
    );
    assert_eq!(value(&s, "messages_buffered_at_horizon"), 711.0);
    assert_eq!(value(&s, "failovers"), ((10_800 - 3720) / 30) as f64);
    assert_eq!(value(&s, "failover_success_rate"), 0.0);
    assert_eq!(value(&s, "interruptions"), 0.0, "the only one never ends");
    assert!(value(&s, "ttr_mean_s").is_nan());
}

/// `switch_back: Immediate` means "as soon as the primary is back". Here carrier "a" is down
/// for only 100 s: noticed at 3690 s, the switch to "b" runs until 3720 s, and "a" is back at
/// 3700 s, during the switch. Whether the policy aborts the switch or completes it and switches
/// straight back (another 30 s), "a" must be in use again by 3750 s and stay so — for the
/// wired backup and for an eSIM whose switches always work alike.
#[test]
fn a_primary_back_during_the_switch_is_switched_back_to() {
    for policy in [
        r#"Backup(detection: After(Fixed("90s")), switch_time: Fixed("30s"), switch_back: Immediate)"#,
        r#"Esim(detection: After(Fixed("90s")), switch_time: Fixed("30s"), switch_failure: 0.0, switch_back: Immediate)"#,
    ] {
        let dep = scripted(&["a", "b"], policy, 1000, "100s");
        let (_, changes) = traced(&dep);
        let &(at, last) = changes.last().expect("a failover");
        assert!(
            last == Some(0) && at <= 3750.0,
            "{policy}: uplink changes {changes:?}, still on the backup at the horizon"
        );
    }
}

/// A switch that takes no time (`switch_time: Fixed("0s")`) leaves no gap: moving back to "a"
/// at 7200 s is not an interruption of the path to the cloud. The only interruption is the
/// 90 s detection window.
#[test]
fn a_zero_time_switch_is_not_an_interruption() {
    let backup = r#"Backup(detection: After(Fixed("90s")), switch_time: Fixed("0s"), switch_back: Immediate)"#;
    let s = run(&scripted(&["a", "b"], backup, 1000, "1h"), 1);
    assert_eq!(value(&s, "interruptions"), 1.0);
    assert_eq!(value(&s, "ttr_p50_s"), 90.0);
}

/// An example of a policy of one's own: fail over after a detection delay to the first member
/// that works, and never switch back — the member in use stays until it fails itself. (The
/// built-in `Backup(..., switch_back: Never)` does much the same; this one is written from
/// scratch to show the API.)
struct Sticky {
    /// How long a failure goes unnoticed; taken from the scenario's own spec.
    detection: DurationDist,
    /// Tells live detection timers from stale ones: timers cannot be cancelled.
    generation: u32,
}

impl FailoverPolicy for Sticky {
    // `start` keeps its default: the primary carries traffic.

    fn member_changed(&mut self, ctx: &mut Ctx<'_>, member: usize, up: bool) {
        match ctx.current() {
            // The member in use failed: notice it after the detection delay. Or it came back
            // before that: forget the pending timer.
            Some(current) if current == member => {
                self.generation += 1;
                if !up {
                    let delay = ctx.sample(&self.detection);
                    ctx.after(delay, self.generation);
                }
            }
            // Nothing was working: take whatever comes back.
            None if up => ctx.use_only(member),
            _ => {}
        }
    }

    fn timer(&mut self, ctx: &mut Ctx<'_>, token: u32) {
        if token != self.generation {
            return;
        }
        match (0..ctx.members()).find(|&m| ctx.is_up(m)) {
            Some(m) => ctx.use_only(m),
            None => ctx.use_none(),
        }
    }
}

/// Replaces gateway "g"'s policy by [`Sticky`], with the detection delay of the scenario's
/// `Backup`; every other place keeps its built-in policy.
fn sticky_for_g(request: &PolicyRequest<'_>) -> Option<Box<dyn FailoverPolicy>> {
    match request.spec {
        FailoverSpec::Backup { detection, .. } if request.place == "g" && !request.gateways => {
            assert_eq!(request.members, ["a", "b"], "uplinks in priority order");
            Some(Box::new(Sticky {
                detection: detection.clone(),
                generation: 0,
            }))
        }
        _ => None,
    }
}

/// Carrier "a" fails at 1 h for 1 h and carrier "b" at 2.5 h for 10 min. With [`Sticky`]
/// (detection 90 s, switching takes no time) traffic moves to "b" at 3690 s and stays there
/// after "a" returns at 7200 s; when "b" fails at 9000 s it moves back to "a" at 9090 s. Each
/// outage costs its 90 s detection window: 9 reports lost each, two interruptions of 90 s,
/// two successful failovers. The scenario's own policy (`switch_back: Immediate`) would have
/// gone back to "a" at 7200 s and never noticed b's outage.
#[test]
fn a_policy_of_ones_own_plugs_in_through_the_library() {
    let backup = r#"Backup(detection: After(Fixed("90s")), switch_time: Fixed("0s"), switch_back: Immediate)"#;
    let text = r#"Scenario(
            name: "sticky", horizon: "3h", seed: 5, replications: 1,
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "a"), Carrier(id: "b")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 1000,
                               uplinks: [Uplink(carrier: "a"), Uplink(carrier: "b")],
                               failover: BACKUP)],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 1, report: Fixed("10s"))],
            faults: [
                CarrierDown(carrier: "a", at: "1h", lasting: "1h"),
                CarrierDown(carrier: "b", at: "2h 30m", lasting: "10m"),
            ],
        )"#
    .replace("BACKUP", backup);
    let dep = deployment(&text);

    // One replication, traced: every decision of the policy is a step.
    let (_, recorder) =
        World::run_with_policies(&dep, 0, Recorder::default(), &sticky_for_g).expect("conserved");
    let (phase, changes) = changes_and_phase(&recorder);
    assert_eq!(changes, vec![(3690.0, Some(1)), (9090.0, Some(0))]);

    // Metrics over replications, exactly as `iotwin run` computes them.
    let opts = RunOptions {
        replications: Some(2),
        ..RunOptions::default()
    };
    let s = montecarlo::run_with_policies(&dep, &opts, &|| {}, &sticky_for_g).expect("conserved");
    // Replication 0 is the one traced above.
    let rep0 = |id: &str| column(&s, id)[0];
    assert_eq!(
        rep0("lost_undetected_outage"),
        count(phase, 3600, 3690) + count(phase, 9000, 9090)
    );
    assert_eq!(rep0("lost_undetected_outage"), 18.0);
    assert_eq!(rep0("interruptions"), 2.0);
    assert_eq!(rep0("ttr_mean_s"), 90.0);
    assert_eq!(rep0("failovers"), 2.0);
    assert_eq!(rep0("failover_success_rate"), 1.0);
    assert_eq!(rep0("messages_buffered_at_horizon"), 0.0);

    // The built-in policy, for contrast: back to "a" as soon as it returns.
    let (phase, builtin) = traced(&dep);
    let settled: Vec<_> = builtin
        .iter()
        .filter(|(_, u)| u.is_some())
        .copied()
        .collect();
    assert_eq!(settled, vec![(3690.0, Some(1)), (7200.0, Some(0))]);
    let s = run(&dep, 1);
    assert_eq!(
        value(&s, "lost_undetected_outage"),
        count(phase, 3600, 3690)
    );
}
