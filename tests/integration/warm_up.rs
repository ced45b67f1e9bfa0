//! The warm-up leaves a special start out of every measure, as a simulator that resets its
//! statistics at the warm-up's end does: counts restart at zero, time integrals count from
//! the instant (a state spanning it counts from it) and divide by horizon − warm-up. Each
//! family gets a start that differs from what follows, so the warm-up must move its figure
//! in a known direction or to a known value, in both modes where flow mode models it.

use iotwin::montecarlo::{Mode, RunOptions, Summary};
use iotwin::scenario::Deployment;

use crate::common::{column, deployment, run};

/// Runs `dep` in `mode` with `replications` replications.
fn run_in(dep: &Deployment, replications: u32, mode: Mode) -> Summary {
    let opts = RunOptions {
        replications: Some(replications),
        mode,
        ..RunOptions::default()
    };
    iotwin::montecarlo::run(dep, &opts, &|| {}).unwrap_or_else(|e| panic!("{e}"))
}

/// Metric `id` is `expected` within `tolerance` in every replication.
fn assert_each(s: &Summary, id: &str, expected: f64, tolerance: f64, what: &str) {
    for (r, v) in column(s, id).into_iter().enumerate() {
        assert!(
            (v - expected).abs() <= tolerance,
            "{what}: {id} of replication {r} is {v}, expected {expected} ± {tolerance}"
        );
    }
}

const MODES: [Mode; 2] = [Mode::Packet, Mode::Flow];

fn crashed_first_hour(extra: &str) -> String {
    format!(
        r#"Scenario(
            name: "crash-at-start", horizon: "3h", seed: 29, replications: 10, deadline: "1h",
            {extra}
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 100000,
                service: Exponential(mean: "1s"), uplinks: [Uplink(carrier: "c")])],
            faults: [GatewayDown(gateway: "g", at: "1s", lasting: "1h")],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 100,
                report: Exponential(mean: "200s"))],
        )"#
    )
}

fn mean_se(s: &Summary, id: &str) -> (f64, f64) {
    let v = column(s, id);
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd / n.sqrt())
}

#[test]
fn utilisation_is_measured_from_the_warm_up_end() {
    let warm = run(&deployment(&crashed_first_hour("warmup: \"1h 10m\",")), 10);
    let cold = run(&deployment(&crashed_first_hour("")), 10);
    for id in ["gateway_utilisation:g", "max_gateway_utilisation"] {
        let (u, se) = mean_se(&warm, id);
        assert!((u - 0.5).abs() < 4.5 * se + 0.005, "warm {id}: {u} ± {se}");
        let (c, _) = mean_se(&cold, id);
        // Idle for the first of three hours: about 2/3 of ρ.
        assert!((c - 0.5 * 2.0 / 3.0).abs() < 0.02, "cold {id}: {c}");
    }
    let opts = RunOptions {
        replications: Some(10),
        mode: Mode::Flow,
        ..RunOptions::default()
    };
    let dep = deployment(&crashed_first_hour("warmup: \"1h 10m\","));
    let flow = iotwin::montecarlo::run(&dep, &opts, &|| {}).unwrap();
    let (u, se) = mean_se(&flow, "gateway_utilisation:g");
    assert!((u - 0.5).abs() < 4.5 * se + 0.01, "flow {u} ± {se}");
}

/// One site whose only gateway, with no buffer, is down for the first hour of a day: its
/// readings are lost, so the site is stale from the end of its start-up grace (one deadline,
/// 1 min) until the first reading after the repair (100 devices every 10 s: within a second).
fn stale_first_hour(extra: &str) -> String {
    format!(
        r#"Scenario(
            name: "stale-at-start", horizon: "1d", seed: 31, replications: 3, deadline: "1m",
            {extra}
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")])],
            faults: [GatewayDown(gateway: "g", at: "1s", lasting: "1h")],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 100, report: Fixed("10s"))],
        )"#
    )
}

#[test]
fn staleness_is_measured_from_the_warm_up_end() {
    // Stale from about 61 s (a reading of the first second, fresh for a minute) to the repair
    // at 3601 s, to within the second the first reading after it takes: 59 min.
    let stale_h = (3601.0 - 61.0) / 3600.0;
    let slack = 2.0 / 3600.0;
    for mode in MODES {
        let cold = run_in(&deployment(&stale_first_hour("")), 3, mode);
        assert_each(&cold, "site_stale_hours:s", stale_h, slack, "no warm-up");
        assert_each(
            &cold,
            "site_stale_share",
            stale_h / 24.0,
            slack / 24.0,
            "no warm-up",
        );
        // After the stale hour: nothing stale is left to measure.
        let after = run_in(&deployment(&stale_first_hour("warmup: \"2h\",")), 3, mode);
        assert_each(&after, "site_stale_hours:s", 0.0, slack, "warm-up 2h");
        assert_each(&after, "site_stale_share", 0.0, slack / 22.0, "warm-up 2h");
        // Ending inside it: the stale spell counts from the instant, over 23.5 h.
        let inside = run_in(&deployment(&stale_first_hour("warmup: \"30m\",")), 3, mode);
        let from_half = (3601.0 - 1800.0) / 3600.0;
        assert_each(
            &inside,
            "site_stale_hours:s",
            from_half,
            slack,
            "warm-up 30m",
        );
        assert_each(
            &inside,
            "site_stale_share",
            from_half / 23.5,
            slack / 23.5,
            "warm-up 30m",
        );
    }
}

/// One device failing every hour of its life (a fixed law), repaired by the one technician of
/// a crew in 10 min of travel and 20 min of work: busy [1h, 1h30) and [2h30, 3h) of 4 h (the
/// next failure falls at the horizon).
fn crew_early(extra: &str) -> String {
    format!(
        r#"Scenario(
            name: "crew-early", horizon: "4h", seed: 37, replications: 2, deadline: "1h",
            {extra}
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 100, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 1, report: Fixed("10m"),
                failure: Failure(lifetime: Fixed("1h"), repair: Fixed("20m")))],
            crews: [Crew(id: "crew", sites: ["s"], technicians: 1, travel: Fixed("10m"))],
        )"#
    )
}

#[test]
fn crew_statistics_are_measured_from_the_warm_up_end() {
    let exact = 1e-9;
    for mode in MODES {
        let cold = run_in(&deployment(&crew_early("")), 2, mode);
        assert_each(&cold, "crew_utilisation", 1.0 / 4.0, exact, "no warm-up");
        assert_each(&cold, "mttr_s", 1800.0, exact, "no warm-up");
        // The first job spans the warm-up's end at 1h15: its last 15 min count, and its whole
        // time to restore; 45 min busy of 2h45.
        let inside = run_in(&deployment(&crew_early("warmup: \"1h 15m\",")), 2, mode);
        assert_each(
            &inside,
            "crew_utilisation",
            45.0 / 165.0,
            exact,
            "warm-up 1h15",
        );
        assert_each(&inside, "mttr_s", 1800.0, exact, "warm-up 1h15");
        assert_each(&inside, "repair_wait_mean_s", 0.0, exact, "warm-up 1h15");
        // Busy only before a warm-up ending at 3h10: nothing measured, no job to average.
        let after = run_in(&deployment(&crew_early("warmup: \"3h 10m\",")), 2, mode);
        assert_each(&after, "crew_utilisation", 0.0, exact, "warm-up 3h10");
        assert_each(&after, "repair_queue_mean", 0.0, exact, "warm-up 3h10");
        assert!(
            column(&after, "mttr_s").iter().all(|v| v.is_nan()),
            "{mode:?}"
        );
        // The device's failures and its availability follow the same window: MTBF is its up
        // time after the warm-up per failure after it (none here).
        assert_each(&inside, "device_failures", 1.0, exact, "warm-up 1h15");
        let up_s = column(&inside, "device_availability")[0] * 165.0 * 60.0;
        assert_each(&inside, "device_mtbf_s", up_s, 1e-6, "warm-up 1h15");
    }
}

/// Sensors of 20 devices stick (every reading out of accuracy) at 2 h of a 3 h run.
fn stuck_at_two_hours(extra: &str) -> String {
    format!(
        r#"Scenario(
            name: "stuck", horizon: "3h", seed: 41, replications: 2, deadline: "1h",
            {extra}
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 100, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 20, report: Fixed("1m"),
                degradation: Degradation(mode: Stuck(onset: Fixed("2h"))))],
        )"#
    )
}

#[test]
fn degradation_is_measured_from_the_warm_up_end() {
    let exact = 1e-9;
    for mode in MODES {
        // Readings an hour a device that may fall either side of a boundary: one in packet
        // mode (its phase); flow mode accounts readings in aggregate between state changes,
        // so its share of bad ones is known to a few readings a device (docs/flow-mode.md).
        let reading = if mode == Mode::Flow { 3.0 } else { 1.0 } / 60.0;
        let cold = run_in(&deployment(&stuck_at_two_hours("")), 2, mode);
        assert_each(&cold, "degradations", 20.0, 0.0, "no warm-up");
        assert_each(
            &cold,
            "degraded_device_share",
            1.0 / 3.0,
            exact,
            "no warm-up",
        );
        assert_each(
            &cold,
            "data_quality",
            2.0 / 3.0,
            reading / 3.0,
            "no warm-up",
        );
        let before = run_in(&deployment(&stuck_at_two_hours("warmup: \"1h\",")), 2, mode);
        assert_each(&before, "degradations", 20.0, 0.0, "warm-up 1h");
        assert_each(
            &before,
            "degraded_device_share",
            1.0 / 2.0,
            exact,
            "warm-up 1h",
        );
        assert_each(
            &before,
            "data_quality",
            1.0 / 2.0,
            reading / 2.0,
            "warm-up 1h",
        );
        // Degraded across the instant: no onset after it, but degraded all the window.
        let after = run_in(
            &deployment(&stuck_at_two_hours("warmup: \"2h 30m\",")),
            2,
            mode,
        );
        assert_each(&after, "degradations", 0.0, 0.0, "warm-up 2h30");
        assert_each(&after, "degraded_device_share", 1.0, exact, "warm-up 2h30");
        assert_each(&after, "data_quality", 0.0, reading / 0.5, "warm-up 2h30");
    }
}

/// 20 devices on 1 mAh at 100 µA: every battery lasts 10 h exactly; `swap` follows.
fn batteries(extra: &str, swap: &str) -> String {
    format!(
        r#"Scenario(
            name: "batteries", horizon: "2d", seed: 43, replications: 2, deadline: "1h",
            {extra}
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 100, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 20, report: Fixed("1h"),
                power: Battery(capacity_mah: 1, voltage: 3.0, sleep_ua: 100,
                    radio_mj_per_message: 0{swap}))],
        )"#
    )
}

#[test]
fn battery_statistics_are_measured_from_the_warm_up_end() {
    let swapped = ", swap: Fixed(\"2h\")";
    for mode in MODES {
        // Flat at 10, 22, 34 and 46 h: four batteries a device in 48 h, three after 12 h.
        let cold = run_in(&deployment(&batteries("", swapped)), 2, mode);
        assert_each(&cold, "battery_depletions", 80.0, 0.0, "no warm-up");
        assert_each(&cold, "battery_life_mean_s", 36_000.0, 1e-6, "no warm-up");
        let warm = run_in(
            &deployment(&batteries("warmup: \"12h\",", swapped)),
            2,
            mode,
        );
        assert_each(&warm, "battery_depletions", 60.0, 0.0, "warm-up 12h");
        // A battery flat after the warm-up counts with its whole life.
        assert_each(&warm, "battery_life_mean_s", 36_000.0, 1e-6, "warm-up 12h");
        // Never swapped: every device died at 10 h. Deaths are a state at the horizon; no
        // battery ran flat after the warm-up.
        let dead = run_in(&deployment(&batteries("warmup: \"12h\",", "")), 2, mode);
        assert_each(&dead, "devices_dead", 20.0, 0.0, "warm-up 12h, no swap");
        assert_each(
            &dead,
            "battery_depletions",
            0.0,
            0.0,
            "warm-up 12h, no swap",
        );
        assert!(
            column(&dead, "battery_life_mean_s")
                .iter()
                .all(|v| v.is_nan())
        );
    }
}

/// 20 devices reporting hourly over 3 h, with `fleet` fields and `top` scenario fields.
fn software(extra: &str, fleet: &str, top: &str) -> String {
    format!(
        r#"Scenario(
            name: "software", horizon: "3h", seed: 47, replications: 2, deadline: "1h",
            {extra}
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 100, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 20, report: Fixed("1h"){fleet})],
            {top}
        )"#
    )
}

#[test]
fn software_statistics_are_measured_from_the_warm_up_end() {
    // Certificates valid 1 h, never rotated, re-provisioned in 30 min: expiries at 1h and
    // 2h30 of every device.
    let cert = r#", certificate: Certificate(validity: "1h", fix: Fixed("30m"))"#;
    // One wave at 1 h bricks every device.
    let campaign = r#"firmware: [Campaign(fleet: "f", start: "1h", waves: 1, wave_every: "1h",
        brick: 1.0, repair: Fixed("10m"))],"#;
    for mode in MODES {
        let cold = run_in(&deployment(&software("", cert, "")), 2, mode);
        assert_each(&cold, "cert_expiries", 40.0, 0.0, "no warm-up");
        let warm = run_in(&deployment(&software("warmup: \"2h\",", cert, "")), 2, mode);
        assert_each(&warm, "cert_expiries", 20.0, 0.0, "warm-up 2h");
        let cold = run_in(&deployment(&software("", "", campaign)), 2, mode);
        assert_each(&cold, "devices_bricked", 20.0, 0.0, "no warm-up");
        let warm = run_in(
            &deployment(&software("warmup: \"2h\",", "", campaign)),
            2,
            mode,
        );
        assert_each(&warm, "devices_bricked", 0.0, 0.0, "warm-up 2h");
    }
}

/// With a warm-up, definitions say only what the window leaves open: no measure is over the
/// whole run any more; `devices_dead` is a state at the horizon. Without one, the glossary is
/// unchanged.
#[test]
fn definitions_say_what_the_warm_up_window_means() {
    let catalog = |text: &str| iotwin::metrics::catalog(&deployment(text));
    let definition = |text: &str, id: &str| {
        catalog(text)
            .into_iter()
            .find(|m| m.id == id)
            .map(|m| m.definition)
            .unwrap_or_else(|| panic!("no metric {id}"))
    };
    let swapped = ", swap: Fixed(\"2h\")";
    let warm = batteries("warmup: \"12h\",", swapped);
    assert!(
        catalog(&warm)
            .iter()
            .chain(&catalog(&crew_early("warmup: \"1h\",")))
            .all(|m| !m.definition.contains("whole run")),
        "a measure still over the whole run"
    );
    let note = "A state at the horizon";
    assert!(definition(&warm, "devices_dead").contains(note));
    assert!(!definition(&batteries("", swapped), "devices_dead").contains(note));
    assert!(definition(&crew_early("warmup: \"1h\","), "crew_utilisation").contains("warm-up"));
    assert!(!definition(&crew_early(""), "crew_utilisation").contains("warm-up"));
}

/// A gateway that keeps what it cannot forward while its only carrier is down from 30 min to
/// 1 h 30 min, across a warm-up ending at 1 h: 60 devices a minute, about 1,800 readings kept
/// at the warm-up's end and delivered after it.
fn kept_across_the_warm_up(extra: &str) -> String {
    format!(
        r#"Scenario(
            name: "kept-across", horizon: "3h", seed: 37, replications: 2, deadline: "5m",
            {extra}
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 100000, failover: NoFailover,
                uplinks: [Uplink(carrier: "c")])],
            faults: [CarrierDown(carrier: "c", at: "30m", lasting: "1h")],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 60, report: Fixed("60s"))],
        )"#
    )
}

/// The messages in the system at the warm-up's end are the measured window's: each ends in it
/// once (delivered, lost or still held at the horizon), so the window's ledger adds up exactly
/// and completeness stays within [0, 1]. Counting their delivery but not their generation made
/// completeness about 9,000 / 7,200 = 1.25 here.
#[test]
fn messages_in_the_system_at_the_warm_up_end_belong_to_the_measured_window() {
    for mode in MODES {
        let s = run_in(
            &deployment(&kept_across_the_warm_up("warmup: \"1h\",")),
            2,
            mode,
        );
        for r in 0..2 {
            let v = |id: &str| column(&s, id)[r];
            let ended = v("messages_delivered")
                + v("messages_lost")
                + v("messages_buffered_at_horizon")
                + v("messages_in_flight_at_horizon");
            assert_eq!(v("messages_generated"), ended, "{mode:?} replication {r}");
            // Two hours due after the warm-up and half an hour kept at its end, to within the
            // reading each device's phase moves.
            let generated = v("messages_generated");
            assert!((generated - 9_000.0).abs() <= 60.0, "{mode:?}: {generated}");
            let completeness = v("data_completeness");
            assert!(completeness <= 1.0, "{mode:?}: completeness {completeness}");
            assert_eq!(completeness, v("messages_delivered") / generated);
            assert!(v("on_time_completeness") <= completeness);
        }
    }
}

/// A fleet on its own SIMs keeps its own ledger; with a warm-up it measures the same window as
/// the deployment's, so a deployment of that one fleet has its completeness, exactly.
#[test]
fn a_fleet_ledger_measures_the_same_window_as_the_deployment() {
    let text = r#"Scenario(
        name: "sim-warm", horizon: "3h", seed: 5, replications: 2, deadline: "5m",
        warmup: "1h 30m",
        sites: [Site(id: "s")],
        carriers: [Carrier(id: "a")],
        fleets: [Fleet(id: "f", site: "s", count: 10, report: Fixed("1m"),
            buffer_messages: 1000,
            connectivity: Cellular(sim: Single("a"), detection: After(Fixed("10m")),
                attach: Fixed("5m")))],
        faults: [CarrierDown(carrier: "a", at: "1h", lasting: "1h")],
    )"#;
    for mode in MODES {
        let s = run_in(&deployment(text), 2, mode);
        for id in ["data_completeness", "on_time_completeness"] {
            assert_eq!(
                column(&s, &format!("{id}:f")),
                column(&s, id),
                "{mode:?}: {id}"
            );
        }
        assert!(column(&s, "data_completeness").iter().all(|&c| c <= 1.0));
    }
}
