//! Outages beyond one unit's failures — maintenance windows, common causes, site and region
//! targets, degraded links — and what buffers and queues make of them, against exact counts
//! and closed forms.

use crate::common::{column, deployment, run, total};

/// One site, two carriers in region "north", one gateway and one fleet; `extra` is spliced in
/// at the top level, `gateway` and `fleet` into those items.
fn plant(horizon: &str, gateway: &str, fleet: &str, extra: &str) -> String {
    format!(
        r#"Scenario(
            name: "outages", horizon: "{horizon}", seed: 17, replications: 4, deadline: "5m",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "a", region: "north"), Carrier(id: "b", region: "north")],
            gateways: [Gateway(id: "g", site: "s", {gateway})],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", {fleet})],
            {extra}
        )"#
    )
}

/// A monthly maintenance window is planned downtime: with one carrier and no buffer, exactly
/// the messages due during the windows are lost, and the uplink is down for exactly their
/// total length.
#[test]
fn maintenance_windows_take_the_target_down_on_schedule() {
    let text = plant(
        "10d",
        r#"buffer_messages: 0, uplinks: [Uplink(carrier: "a")]"#,
        r#"count: 1, report: Fixed("60s")"#,
        r#"maintenance: [Maintenance(target: Carrier("a"), first: "1h", every: "1d", lasting: "1h")],"#,
    );
    let s = run(&deployment(&text), 4);
    // Ten windows of one hour, one message a minute.
    assert_eq!(total(&s, "lost_no_path"), 4.0 * 10.0 * 60.0);
    for a in column(&s, "uplink_availability") {
        assert!((a - (1.0 - 10.0 / 240.0)).abs() < 1e-12, "{a}");
    }
}

/// Targets name groups of units: a site takes its gateways down, a region its carriers.
#[test]
fn site_and_region_targets_take_every_member_down() {
    for (target, cause) in [
        (r#"Site("s")"#, "lost_gateway_down"),
        (r#"Region("north")"#, "lost_no_path"),
    ] {
        let text = plant(
            "1d",
            r#"buffer_messages: 0, uplinks: [Uplink(carrier: "a"), Uplink(carrier: "b")]"#,
            r#"count: 2, report: Fixed("60s")"#,
            &format!(r#"faults: [Down(target: {target}, at: "2h", lasting: "30m")],"#),
        );
        let s = run(&deployment(&text), 2);
        assert_eq!(total(&s, cause), 2.0 * 2.0 * 30.0, "{target}");
        assert_eq!(total(&s, "messages_lost"), 2.0 * 2.0 * 30.0, "{target}");
    }
}

/// A common cause takes several units down together: two carriers that never fail on their
/// own, both taken by one outage process, leave a dual-uplink gateway exactly as available as
/// the cause process is: MTBF/(MTBF+MTTR), with the start-up transient and the asymptotic
/// variance 2λμ/((λ+μ)³T) of one alternating process's time average.
#[test]
fn a_common_cause_defeats_redundant_uplinks() {
    let (mtbf_h, mttr_h, horizon_h, replications) = (20.0f64, 4.0f64, 2000.0f64, 20u32);
    let text = plant(
        &format!("{horizon_h}h"),
        r#"buffer_messages: 0, uplinks: [Uplink(carrier: "a"), Uplink(carrier: "b")]"#,
        r#"count: 1, report: Fixed("1h")"#,
        &format!(
            r#"common_causes: [CommonCause(id: "storm", takes_down: [Region("north")],
                outages: Outages(every: Exponential(mean: "{mtbf_h}h"), lasting: Exponential(mean: "{mttr_h}h")))],"#
        ),
    );
    let s = run(&deployment(&text), replications);
    let observed = s
        .estimate("connectivity_availability")
        .expect("metric")
        .mean;
    let (lambda, mu) = (1.0 / mtbf_h, 1.0 / mttr_h);
    let a = mtbf_h / (mtbf_h + mttr_h);
    let rate = lambda + mu;
    let expected = a + (1.0 - a) * (1.0 - (-rate * horizon_h).exp()) / (rate * horizon_h);
    let sigma = (2.0 * lambda * mu / (rate.powi(3) * horizon_h) / replications as f64).sqrt();
    assert!(
        (observed - expected).abs() < 4.0 * sigma,
        "availability {observed}, expected {expected} ± {}",
        4.0 * sigma
    );
    // Both carriers are down together, so every outage of the cause is one of each carrier.
    let outages = total(&s, "carrier_outages");
    assert!(outages > 0.0 && outages % 2.0 == 0.0);
}

/// A degraded link loses the extra share only while the fault holds: messages in the window
/// are lost with probability `loss`, the others not at all (binomial tolerance, 4.5 σ).
#[test]
fn a_degraded_link_loses_its_extra_share_during_the_fault() {
    let text = plant(
        "4h",
        r#"buffer_messages: 0, uplinks: [Uplink(carrier: "a")]"#,
        r#"count: 100, report: Fixed("10s")"#,
        r#"faults: [LinkDegraded(link: Access("f"), at: "1h", lasting: "2h", loss: 0.3)],"#,
    );
    let s = run(&deployment(&text), 4);
    let in_window: f64 = 4.0 * 100.0 * 720.0;
    let lost = total(&s, "lost_link_loss");
    let sigma = (in_window * 0.3 * 0.7).sqrt();
    assert!(
        (lost - 0.3 * in_window).abs() < 4.5 * sigma,
        "lost {lost}, expected {} ± {}",
        0.3 * in_window,
        4.5 * sigma
    );
}

/// When the buffer is full, drop-newest keeps the start of an outage and drop-oldest its end:
/// the same number of messages is lost, but after a long outage the first delivers only late
/// data and the second only fresh data.
#[test]
fn drop_oldest_keeps_the_freshest_data() {
    for (policy, late) in [("DropNewest", 10.0), ("DropOldest", 0.0)] {
        let text = plant(
            "4h",
            &format!(r#"buffer_messages: 10, drop: {policy}, uplinks: [Uplink(carrier: "a")]"#),
            r#"count: 1, report: Fixed("10s")"#,
            r#"faults: [CarrierDown(carrier: "a", at: "1h", lasting: "1000s")],"#,
        );
        let s = run(&deployment(&text), 2);
        assert_eq!(total(&s, "lost_buffer_overflow"), 2.0 * 90.0, "{policy}");
        assert_eq!(total(&s, "messages_delivered_late"), 2.0 * late, "{policy}");
    }
}

/// Devices keep readings while their gateway is down and send them when it is back: with a
/// device buffer of B readings, a device loses max(0, n − B) of the n readings due during the
/// outage and delivers the rest late.
#[test]
fn device_buffers_ride_out_a_gateway_outage() {
    for (buffer, lost) in [(0u64, 60.0), (20, 40.0), (100, 0.0)] {
        let text = plant(
            "4h",
            r#"buffer_messages: 1000, uplinks: [Uplink(carrier: "a")]"#,
            &format!(r#"count: 3, report: Fixed("60s"), buffer_messages: {buffer}"#),
            r#"faults: [GatewayDown(gateway: "g", at: "1h", lasting: "1h")],"#,
        );
        let s = run(&deployment(&text), 2);
        let cause = if buffer == 0 {
            "lost_gateway_down"
        } else {
            "lost_buffer_overflow"
        };
        assert_eq!(total(&s, cause), 2.0 * 3.0 * lost, "buffer {buffer}");
        assert_eq!(
            total(&s, "messages_lost"),
            2.0 * 3.0 * lost,
            "buffer {buffer}"
        );
        let kept = 60.0 - lost;
        // All kept readings but those of the outage's last five minutes arrive late.
        let late = total(&s, "messages_delivered_late");
        let expected = 2.0 * 3.0 * (kept.min(55.0));
        assert!(
            (late - expected).abs() <= 6.0,
            "buffer {buffer}: late {late}"
        );
    }
}

/// Poisson arrivals at a gateway that serves one message at a time with exponential service
/// times form an M/M/1 queue: utilisation ρ = λS and mean wait in queue ρS/(1 − ρ); with fixed
/// service times (M/D/1), ρS/(2(1 − ρ)). Fifty devices with exponential reporting intervals
/// give exactly Poisson arrivals. Tolerance: five standard errors of the across-replication
/// mean.
#[test]
fn a_gateway_with_a_service_time_is_an_m_m_1_queue() {
    for (service, factor) in [("Exponential(mean: \"1s\")", 1.0), ("Fixed(\"1s\")", 0.5)] {
        let text = plant(
            "1d",
            &format!(
                r#"buffer_messages: 1_000_000, service: {service}, uplinks: [Uplink(carrier: "a")]"#
            ),
            r#"count: 50, report: Exponential(mean: "100s")"#,
            "",
        );
        let s = run(&deployment(&text), 8);
        let rho = 0.5;
        let expected = factor * rho * 1.0 / (1.0 - rho);
        let wait = s.estimate("mean_gateway_wait_s").expect("metric");
        let se = wait.std_dev / (wait.n as f64).sqrt();
        assert!(
            (wait.mean - expected).abs() < 5.0 * se,
            "{service}: wait {} s, expected {expected} s ± {}",
            wait.mean,
            5.0 * se
        );
        let busy = s.estimate("gateway_utilisation:g").expect("metric");
        let se = busy.std_dev / (busy.n as f64).sqrt();
        assert!(
            (busy.mean - rho).abs() < 5.0 * se,
            "utilisation {}",
            busy.mean
        );
        assert_eq!(total(&s, "messages_lost"), 0.0);
    }
}
