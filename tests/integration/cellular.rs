//! Cellular devices attached straight to carriers, each on its own SIM: per-device failover
//! against the alternating-renewal result with the devices' own detection and switch delays,
//! scripted outages against hand counts, SIM costs to the cent, and no gateway anywhere.
//!
//! As in `failover.rs`, every statistical tolerance is a number of standard errors from a
//! variance derived in the test's doc comment; runs are seeded, so nothing here can flake.

use iotwin::model::LossCause;
use iotwin::montecarlo::{self, Mode, RunOptions, Summary};

use crate::common::{column, deployment, run};

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn sample_variance(xs: &[f64]) -> f64 {
    let m = mean(xs);
    xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64
}

/// A fleet of `count` devices reporting once a day on their own SIMs, `sim` and `rest` the
/// connectivity's fields, over carriers "a" (outages every Exp(`mtbf_h`), lasting
/// Exp(`mttr_h`)) and "b" (never down).
fn fleet_on_carriers(
    count: u32,
    horizon_h: f64,
    sim: &str,
    rest: &str,
    mtbf_h: f64,
    mttr_h: f64,
) -> String {
    format!(
        r#"Scenario(
            name: "cellular", horizon: "{horizon_h}h", seed: 11, replications: 1,
            sites: [Site(id: "s")],
            carriers: [
                Carrier(id: "a", outages: Outages(every: Exponential(mean: "{mtbf_h}h"),
                                                  lasting: Exponential(mean: "{mttr_h}h"))),
                Carrier(id: "b"),
            ],
            fleets: [Fleet(id: "f", site: "s", count: {count}, report: Fixed("1d"),
                connectivity: Cellular(sim: {sim}, {rest}))],
        )"#
    )
}

/// The renewal-reward prediction for a fleet whose devices all sit on carrier "a": per outage
/// of "a" (down R ~ Exp(μ) after up Exp(λ)) the fleet's devices are without service on average
/// W̄(R) device-time each, so the time-average unavailability is u = E[W̄] / E[C] with
/// C = Up + R, and by the renewal-reward central limit theorem one replication over T has
/// variance Var(W̄ − uC) / (E[C] T). The moments of W̄ are integrated numerically over R (and
/// Var(W̄ − uC) = E[(W̄ − uR)²] − 2u E[W̄ − uR] E[Up] + u² E[Up²] − (E[W̄] − u E[C])², the last
/// term zero by the choice of u). Returns (u, the variance of one replication).
fn renewal(lambda: f64, mu: f64, t: f64, w: &dyn Fn(f64) -> f64) -> (f64, f64) {
    let (steps, top) = (200_000, 60.0 / mu);
    let h = top / steps as f64;
    let (mut ew, mut ew2, mut ewr) = (0.0, 0.0, 0.0);
    for k in 0..steps {
        let r = (k as f64 + 0.5) * h;
        let p = mu * (-mu * r).exp() * h;
        let wr = w(r);
        ew += wr * p;
        ew2 += wr * wr * p;
        ewr += wr * r * p;
    }
    let (er, er2) = (1.0 / mu, 2.0 / mu.powi(2));
    let (eu, eu2) = (1.0 / lambda, 2.0 / lambda.powi(2));
    let cycle = eu + er;
    let u = ew / cycle;
    let e_wr2 = ew2 - 2.0 * u * ewr + u * u * er2;
    let var = e_wr2 - 2.0 * u * (ew - u * er) * eu + u * u * eu2;
    (u, var / (cycle * t))
}

/// A fleet's average device-time without service per outage, as a function of its length.
type Downtime = Box<dyn Fn(f64) -> f64>;

/// Carrier "a" fails every Exp(10 h) for Exp(1 h); each device has an eSIM with profiles
/// ["a", "b"] and "b" never fails. A device notices the outage after its own detection draw
/// D ~ Uniform(0, 1 h] (`Heartbeat(every: "1h", misses: 1)`), then switches to "b" in a fixed
/// s = 120 s, and back to "a" (another s) as soon as "a" works again (`Immediate`; if "a" is
/// back during the switch the device goes straight back). So per outage a device is without
/// service W = R if R < D (it never noticed), else D + 2s; averaged over the fleet's own
/// draws, W̄(R) = E[min(R, D)] + 2s P(D < R) = R − R²/2X + 2sR/X for R < X = 1 h, else
/// X/2 + 2s. [`renewal`] gives the expected unavailability and its variance.
///
/// The approximations: "a" failing again within the 2s = 4 minutes of a switch back (λ·2s =
/// 0.7% of outages, each costing at most a detection) and the start and the cut at the
/// horizon, bounded by one cycle's unavailability over T and added to the tolerance; 100
/// devices' own draws average out within an outage (their spread adds at most
/// (X + 2s)²/4/100 h² per outage against E[R²] = 2 h²: under 1% of the derived variance). The mean over 60 replications must be within 4 standard errors and the
/// sample variance within a factor 2 of the derived one.
///
/// The single-carrier fleet is the same with SIM `Single("a")` and `attach: Fixed("300s")`: a
/// device that noticed the outage waits, and registers again 300 s after "a" is back (all at
/// once: the attach storm), so W = R + 300 s · 1{D < R}.
#[test]
fn per_device_detection_and_switching_meet_the_alternating_renewal_result() {
    assert_alternating_renewal(Mode::Packet);
}

/// The same in flow mode, where each device's failover is still its own events and readings
/// are settled per cohort: the unavailability meets the same result, and so does the share of
/// readings lost (no buffer: every reading due while a device is without service is lost, to
/// `undetected_outage` before it notices, `no_service` after). A device reports once a day with
/// its own phase, so the lost share of one replication adds a sampling variance of at most
/// u/n over its n readings to the renewal one.
#[test]
fn flow_mode_per_device_detection_and_switching_meet_the_alternating_renewal_result() {
    assert_alternating_renewal(Mode::Flow);
}

fn run_in(dep: &iotwin::scenario::Deployment, replications: u32, mode: Mode) -> Summary {
    let opts = RunOptions {
        replications: Some(replications),
        mode,
        ..RunOptions::default()
    };
    let s = montecarlo::run(dep, &opts, &|| {}).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.mode, mode);
    s
}

fn assert_alternating_renewal(mode: Mode) {
    let (mtbf_h, mttr_h, horizon_h, replications, devices) = (10.0, 1.0, 3_000.0, 60u32, 100);
    let (x, s, a) = (1.0f64, 120.0 / 3600.0, 300.0 / 3600.0);
    let detection = r#"detection: Heartbeat(every: "1h", misses: 1)"#;
    let cases: [(&str, String, Downtime); 2] = [
        (
            r#"Esim(profiles: ["a", "b"])"#,
            format!(r#"{detection}, switch_time: Fixed("120s"), switch_back: Immediate"#),
            Box::new(move |r: f64| {
                if r < x {
                    r - r * r / (2.0 * x) + 2.0 * s * r / x
                } else {
                    x / 2.0 + 2.0 * s
                }
            }),
        ),
        (
            r#"Single("a")"#,
            format!(r#"{detection}, attach: Fixed("300s")"#),
            Box::new(move |r: f64| r + a * (r / x).min(1.0)),
        ),
    ];
    for (sim, rest, w) in cases {
        let text = fleet_on_carriers(devices, horizon_h, sim, &rest, mtbf_h, mttr_h);
        let summary = run_in(&deployment(&text), replications, mode);
        let per_rep: Vec<f64> = column(&summary, "service_availability:f")
            .iter()
            .map(|a| 1.0 - a)
            .collect();
        let total = column(&summary, "service_availability");
        for (one, all) in column(&summary, "service_availability:f")
            .iter()
            .zip(&total)
        {
            assert!(
                (one - all).abs() < 1e-12,
                "one fleet: {one} is the total {all}"
            );
        }
        let (lambda, mu) = (1.0 / mtbf_h, 1.0 / mttr_h);
        let (u, var_one) = renewal(lambda, mu, horizon_h, &*w);
        let sigma = (var_one / replications as f64).sqrt();
        // The start and the cut at the horizon (at most one cycle's worth over T), and "a"
        // failing again within a switch back or an attach (probability λ(2s + a) an outage,
        // costing at most a detection X and the switches) relative to the cycle.
        let cycle = 1.0 / lambda + 1.0 / mu;
        let bias = u * cycle / horizon_h + lambda * (2.0 * s + a) * (x + 2.0 * s + a) / cycle;
        let observed = mean(&per_rep);
        assert!(
            (observed - u).abs() < 4.0 * sigma + bias,
            "{sim}: unavailability {observed}, expected {u} ± {} (bias bound {bias})",
            4.0 * sigma + bias
        );
        let ratio = sample_variance(&per_rep) / var_one;
        assert!((0.5..2.0).contains(&ratio), "{sim}: variance ratio {ratio}");
        // Readings lost while without service: the same share, give or take each reading's
        // own sampling.
        let generated = column(&summary, "messages_generated");
        let lost: Vec<f64> = column(&summary, "lost_undetected_outage")
            .iter()
            .zip(column(&summary, "lost_no_service"))
            .zip(&generated)
            .map(|((a, b), n)| (a + b) / n)
            .collect();
        let readings = mean(&generated);
        let sigma_lost = ((var_one + u / readings) / replications as f64).sqrt();
        let lost_share = mean(&lost);
        assert!(
            (lost_share - u).abs() < 4.0 * sigma_lost + bias,
            "{sim} ({mode:?}): lost share {lost_share}, expected {u} ± {}",
            4.0 * sigma_lost + bias
        );
    }
}

/// One device on a single-carrier SIM reporting every minute, carrier "a" scripted down from
/// 1 h for 1 h, detection after exactly 10 min, re-attach 5 min after "a" is back. By hand:
/// the 10 reports of [60 min, 70 min) go into the dead network (`lost_undetected_outage`); the
/// 50 of [70, 120) and the 5 of [120, 125) are kept on the device and sent when it registers
/// at 125 min: the 50 late (the deadline is 5 min), the last 5 on time; without a buffer those
/// 55 are `lost_no_service`.
/// One interruption of 65 min; no gateway exists, so nothing queues or overflows anywhere.
#[test]
fn an_outage_is_noticed_on_the_devices_timer_and_kept_readings_go_late() {
    for buffer in [1000u64, 0] {
        let text = format!(
            r#"Scenario(
                name: "scripted", horizon: "3h", seed: 5, replications: 1, deadline: "5m",
                sites: [Site(id: "s")],
                carriers: [Carrier(id: "a")],
                fleets: [Fleet(id: "f", site: "s", count: 1, report: Fixed("1m"),
                    buffer_messages: {buffer},
                    connectivity: Cellular(sim: Single("a"), detection: After(Fixed("10m")),
                        attach: Fixed("5m")))],
                faults: [CarrierDown(carrier: "a", at: "1h", lasting: "1h")],
            )"#
        );
        let s = run(&deployment(&text), 1);
        let v = |id: &str| column(&s, id)[0];
        assert_eq!(v("messages_generated"), 180.0);
        assert_eq!(v("lost_undetected_outage"), 10.0, "buffer {buffer}");
        assert_eq!(v("interruptions:f"), 1.0);
        assert_eq!(v("ttr_p95_s:f"), 65.0 * 60.0);
        assert_eq!(v("ttr_p95_s"), 65.0 * 60.0);
        assert!((v("service_availability:f") - (1.0 - 65.0 / 180.0)).abs() < 1e-9);
        assert_eq!(v("lost_buffer_overflow"), 0.0);
        assert_eq!(v("max_gateway_utilisation"), 0.0);
        if buffer > 0 {
            assert_eq!(v("lost_no_service"), 0.0);
            assert_eq!(v("messages_delivered_late"), 50.0);
            assert_eq!(v("messages_delivered"), 170.0);
        } else {
            assert_eq!(v("lost_no_service"), 55.0);
            assert_eq!(v("lost_no_service:f"), 55.0);
            assert_eq!(v("messages_delivered_late"), 0.0);
            assert_eq!(v("messages_delivered"), 115.0);
        }
        assert_eq!(
            v("messages_lost:f"),
            v("messages_lost"),
            "one fleet: its losses are all the losses"
        );
        let _ = LossCause::NoService;
    }
}

/// A platform-steered eSIM fleet: the platform notices "a"'s outage after 2 min and sends every
/// device to "b" (a 1 min switch), before the devices' own 30 min detection; "a" is back at
/// 2 h and, with `HoldDown("30m")`, the platform moves them back at 2 h 30 (another minute).
/// Each of the 50 devices is without service 3 min + 1 min, and switches twice.
#[test]
fn a_platform_moves_every_device_off_a_failed_carrier_at_once() {
    let text = r#"Scenario(
        name: "platform", horizon: "4h", seed: 5, replications: 1,
        sites: [Site(id: "s")],
        carriers: [Carrier(id: "a"), Carrier(id: "b")],
        fleets: [Fleet(id: "f", site: "s", count: 50, report: Fixed("1h"),
            connectivity: Cellular(
                sim: Esim(profiles: ["a", "b"], steering: Platform(detection: After(Fixed("2m")))),
                detection: After(Fixed("30m")), switch_time: Fixed("1m"),
                switch_back: HoldDown("30m")))],
        faults: [CarrierDown(carrier: "a", at: "1h", lasting: "1h")],
    )"#;
    let s = run(&deployment(text), 1);
    let v = |id: &str| column(&s, id)[0];
    assert_eq!(v("sim_switches:f"), 100.0);
    assert_eq!(v("interruptions:f"), 100.0);
    let expected = 1.0 - 4.0 / 240.0;
    assert!(
        (v("service_availability:f") - expected).abs() < 1e-9,
        "{}",
        v("service_availability:f")
    );
}

/// SIM costs to the cent over two years (24 months): 300 devices; plan A bills 1.50 a SIM a
/// month plus a 0.25 platform fee, 2.00 to activate, 0.80 to download a profile; plan B bills
/// a dormant profile 0.30 a month and downloads at 0.80. With data free and no outage:
///
/// - eSIM ["a", "b"]: 300 × 24 × (1.50 + 0.25 + 0.30) = 14,760 connectivity; capex
///   300 × (2.00 + 0.80 + 0.80) = 1,080;
/// - multi-IMSI ["a", "b"] with "b" in plan A's `also`: one SIM, 300 × 24 × 1.75 = 12,600,
///   capex 300 × 2.00 = 600 (no downloads);
/// - single SIM on "a": 12,600 and 600.
#[test]
fn sim_fees_are_devices_times_months_times_price() {
    let cases = [
        (r#"Esim(profiles: ["a", "b"])"#, false, 14_760.0, 1_080.0),
        (r#"MultiImsi(["a", "b"])"#, true, 12_600.0, 600.0),
        (r#"Single("a")"#, false, 12_600.0, 600.0),
    ];
    for (sim, one_plan, connectivity, capex) in cases {
        let plans = if one_plan {
            r#"Plan(carrier: "a", also: ["b"], per_sim_month: 1.5, platform_per_device_month: 0.25, activation: 2.0)"#
        } else {
            r#"Plan(carrier: "a", per_sim_month: 1.5, platform_per_device_month: 0.25, activation: 2.0, profile_download: 0.8),
               Plan(carrier: "b", per_sim_month: 1.5, dormant_profile_month: 0.3, profile_download: 0.8)"#
        };
        let text = format!(
            r#"Scenario(
                name: "sims", horizon: "730d", seed: 5, replications: 1,
                sites: [Site(id: "s")],
                carriers: [Carrier(id: "a"), Carrier(id: "b")],
                fleets: [Fleet(id: "f", site: "s", count: 300, report: Fixed("30d"),
                    connectivity: Cellular(sim: {sim}, detection: After(Fixed("1m"))))],
                costs: Costs(plans: [{plans}], per_million_messages: 0.0),
            )"#
        );
        for mode in [Mode::Packet, Mode::Flow] {
            let s = run_in(&deployment(&text), 1, mode);
            let v = |id: &str| column(&s, id)[0];
            assert!(
                (v("cost_connectivity") - connectivity).abs() < 1e-6,
                "{sim}: connectivity {}",
                v("cost_connectivity")
            );
            assert!(
                (v("cost_capex") - capex).abs() < 1e-6,
                "{sim}: capex {}",
                v("cost_capex")
            );
            let per_device_year = (connectivity + capex) / 300.0 / 2.0;
            assert!((v("cost_sim_per_device_year:f") - per_device_year).abs() < 1e-9);
            assert!((v("cost_per_device_year") - per_device_year).abs() < 1e-9);
        }
    }
}

/// Data is billed on the carrier actually used: with "a" down from day 1 to day 2 and an
/// eSIM device-steered fleet that moves to "b" within a minute and back when "a" returns,
/// "b"'s plan bills exactly the messages sent while there (counted by hand: 10 devices × one
/// report a minute for the day less the two switch minutes), at 1,000 bytes each.
#[test]
fn data_is_billed_on_the_carrier_actually_used() {
    let text = r#"Scenario(
        name: "data", horizon: "3d", seed: 5, replications: 1,
        sites: [Site(id: "s")],
        carriers: [Carrier(id: "a"), Carrier(id: "b")],
        fleets: [Fleet(id: "f", site: "s", count: 10, report: Fixed("1m"), message_bytes: 900,
            connectivity: Cellular(sim: Esim(profiles: ["a", "b"]),
                detection: After(Fixed("30s")), switch_time: Fixed("30s")))],
        faults: [CarrierDown(carrier: "a", at: "1d", lasting: "1d")],
        costs: Costs(plans: [Plan(carrier: "a", per_mb: 0.0), Plan(carrier: "b", per_mb: 10.0, dormant_profile_month: 0.0)],
            protocol_overhead_bytes: 100.0, per_million_messages: 0.0),
    )"#;
    let s = run(&deployment(text), 1);
    let v = |id: &str| column(&s, id)[0];
    // On "b" from 1 d + 60 s to 2 d (then 30 s switching back): 1,439 report minutes each,
    // give or take the device's phase within the minute.
    let mb_each = 1_000.0 / 1e6;
    let cost = v("cost_connectivity");
    let per_device = cost / 10.0 / (10.0 * mb_each);
    assert!(
        (1_438.0..=1_440.0).contains(&per_device),
        "{per_device} messages a device on b"
    );
    assert_eq!(v("sim_switches:f"), 20.0);
}

/// Flow mode models fleets on their own SIMs; `auto` keeps packet mode for a small fleet and
/// picks flow mode for a million devices (packet mode would handle far more than 10⁸ events a
/// replication).
#[test]
fn flow_mode_runs_fleets_on_their_own_sims_and_auto_picks_it_for_large_fleets() {
    let text = fleet_on_carriers(
        10,
        100.0,
        r#"Single("a")"#,
        r#"detection: After(Fixed("1m"))"#,
        10.0,
        1.0,
    );
    let dep = deployment(&text);
    assert_eq!(montecarlo::resolve_mode(&dep, Mode::Flow), Ok(Mode::Flow));
    assert_eq!(montecarlo::resolve_mode(&dep, Mode::Auto), Ok(Mode::Packet));
    let mut large = dep.clone();
    large.fleets[0].count = 1_000_000;
    large.horizon = 365 * 86_400_000_000;
    large.fleets[0].report = iotwin::engine::DurationDist::fixed(3_600_000_000);
    assert_eq!(montecarlo::resolve_mode(&large, Mode::Auto), Ok(Mode::Flow));
    run_in(&dep, 1, Mode::Flow);
}

/// A scripted outage in flow mode, counted by hand as in packet mode
/// (`an_outage_is_noticed_on_the_devices_timer_and_kept_readings_go_late`): 10 readings into
/// the dead network, 55 kept while without service and sent at 125 min (or lost without a
/// buffer), each count to within the one reading a systematic count's phase moves.
#[test]
fn flow_mode_counts_a_scripted_outage_as_packet_mode_does() {
    for buffer in [1000u64, 0] {
        let text = format!(
            r#"Scenario(
                name: "scripted", horizon: "3h", seed: 5, replications: 1, deadline: "5m",
                sites: [Site(id: "s")],
                carriers: [Carrier(id: "a")],
                fleets: [Fleet(id: "f", site: "s", count: 1, report: Fixed("1m"),
                    buffer_messages: {buffer},
                    connectivity: Cellular(sim: Single("a"), detection: After(Fixed("10m")),
                        attach: Fixed("5m")))],
                faults: [CarrierDown(carrier: "a", at: "1h", lasting: "1h")],
            )"#
        );
        let s = run_in(&deployment(&text), 1, Mode::Flow);
        let v = |id: &str| column(&s, id)[0];
        let near = |id: &str, x: f64| {
            assert!(
                (v(id) - x).abs() <= 1.0,
                "buffer {buffer}: {id} {} not {x}",
                v(id)
            )
        };
        near("messages_generated", 180.0);
        near("lost_undetected_outage", 10.0);
        assert!((v("service_availability:f") - (1.0 - 65.0 / 180.0)).abs() < 1e-9);
        assert_eq!(v("lost_buffer_overflow"), 0.0);
        if buffer > 0 {
            assert_eq!(v("lost_no_service"), 0.0);
            near("messages_delivered", 170.0);
        } else {
            near("lost_no_service:f", 55.0);
            near("messages_delivered", 115.0);
        }
        assert_eq!(v("messages_lost:f"), v("messages_lost"));
        assert_eq!(v("messages_generated"), column(&s, "messages_generated")[0]);
    }
}

/// A fleet names a gateway or its own connectivity, never both nor neither; a SIM's carriers
/// must exist.
#[test]
fn connectivity_mistakes_are_refused_with_the_field() {
    let base = |fleet: &str| {
        format!(
            r#"Scenario(
                name: "bad", horizon: "1d",
                sites: [Site(id: "s")],
                carriers: [Carrier(id: "a")],
                gateways: [Gateway(id: "g", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "a")])],
                fleets: [{fleet}],
            )"#
        )
    };
    let neither = base(r#"Fleet(id: "f", site: "s", count: 1, report: Fixed("1m"))"#);
    let e = iotwin::scenario::compile_source(&neither, "x.ron")
        .unwrap_err()
        .to_string();
    assert!(e.contains("neither a gateway nor its connectivity"), "{e}");
    let unknown = base(
        r#"Fleet(id: "f", site: "s", count: 1, report: Fixed("1m"),
            connectivity: Cellular(sim: Esim(profiles: ["a", "op-b"]), detection: After(Fixed("1m"))))"#,
    );
    let e = iotwin::scenario::compile_source(&unknown, "x.ron")
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown carrier id \"op-b\""), "{e}");
    assert!(e.contains("profiles[1]") || e.contains(":6:"), "{e}");
    let twice = base(
        r#"Fleet(id: "f", site: "s", count: 1, report: Fixed("1m"),
            connectivity: Cellular(sim: MultiImsi(["a", "a"]), detection: After(Fixed("1m"))))"#,
    );
    let e = iotwin::scenario::compile_source(&twice, "x.ron")
        .unwrap_err()
        .to_string();
    assert!(e.contains("listed twice"), "{e}");
}

/// The mistake the issue found: trackers forced through a pass-through "mno-core" gateway whose
/// LTE-M uplink (the catalogue's 200 kbit/s) becomes one server with no queue for the whole
/// fleet. 500 trackers sending 1,000 bytes every 10 s offer 400 kbit/s, twice what it can
/// carry, so about half is lost to `buffer_overflow`: the run's headline says so and names the
/// gateway and its utilisation. The same trackers on their own SIMs lose nothing to capacity
/// and get no warning.
#[test]
fn a_headline_names_the_server_that_loses_data_to_capacity() {
    let through_gateway = r#"Scenario(
        name: "funnel", horizon: "1h", seed: 5, replications: 1,
        sites: [Site(id: "s")],
        carriers: [Carrier(id: "a")],
        gateways: [Gateway(id: "mno-core", site: "s", buffer_messages: 0,
            uplinks: [Uplink(carrier: "a", link: Link(tech: LteM))])],
        fleets: [Fleet(id: "f", site: "s", gateway: "mno-core", count: 500,
            report: Fixed("10s"), message_bytes: 1000, link: Link(tech: LteM))],
    )"#;
    let s = run(&deployment(through_gateway), 1);
    let lost = column(&s, "lost_buffer_overflow")[0] / column(&s, "messages_generated")[0];
    assert!(lost > 0.3, "{lost}");
    let table = iotwin::report::summary_table(&s);
    let warning = table
        .lines()
        .find(|l| l.starts_with("WARNING:"))
        .unwrap_or_else(|| panic!("no warning in\n{table}"));
    assert!(warning.contains("lost to capacity"), "{warning}");
    assert!(
        warning.contains("gateway \"mno-core\" is busy"),
        "{warning}"
    );

    let direct = r#"Scenario(
        name: "direct", horizon: "1h", seed: 5, replications: 1,
        sites: [Site(id: "s")],
        carriers: [Carrier(id: "a")],
        fleets: [Fleet(id: "f", site: "s", count: 500, report: Fixed("10s"), message_bytes: 1000,
            link: Link(tech: LteM),
            connectivity: Cellular(sim: Single("a"), detection: After(Fixed("1m"))))],
    )"#;
    let s = run(&deployment(direct), 1);
    assert_eq!(column(&s, "lost_buffer_overflow")[0], 0.0);
    assert!(!iotwin::report::summary_table(&s).contains("WARNING"));
}

/// Trackers moving over three regions as a semi-Markov chain, on one carrier whose coverage
/// differs by region (north 90% of places, centre 60%, south all), with no outage and no
/// detection, switch or attach delay: a device has service exactly while the place it is at
/// is covered, so the fleet's unavailability is Σ_r π_r (1 − cov_r), with π the long-run share
/// of time in region r.
///
/// Dwell means: north Exp(10 h), centre Uniform(1 h, 5 h) (3 h), south Fixed(6 h). Next
/// regions: north → centre; centre → north ½, south ½; south → north 0.7, centre 0.3. The
/// embedded chain's stationary law solves ν_N = ½ν_C + 0.7ν_S, ν_S = ½ν_C: with ν_C = 1,
/// ν = (0.85, 1, 0.5); weighting by the mean dwell gives time shares ∝ (8.5, 3, 3), so
/// π = (17/29, 6/29, 6/29) and the unavailability is (17·0.1 + 6·0.4)/29 = 4.1/29 ≈ 0.1414.
///
/// Each replication's availability is an average over 500 devices × ~140 regenerative cycles;
/// the tolerance is 4 standard errors of the mean of the replications, from their own sample
/// variance (and that error must be small enough for the check to mean something). The share
/// of readings lost as `no_coverage` (no buffer) estimates the same unavailability.
#[test]
fn time_out_of_coverage_matches_the_mobility_chains_stationary_distribution() {
    let text = r#"Scenario(
        name: "moving", horizon: "2000h", seed: 17, replications: 1,
        sites: [Site(id: "s")],
        carriers: [Carrier(id: "a", coverage: {"north": 0.9, "centre": 0.6, "south": 1.0})],
        fleets: [Fleet(id: "f", site: "s", count: 500, report: Fixed("1h"),
            connectivity: Cellular(sim: Single("a"), detection: After(Fixed("0s")),
                regions: Markov(
                    dwell: {"north": Exponential(mean: "10h"), "centre": Uniform(min: "1h", max: "5h"),
                            "south": Fixed("6h")},
                    next: {"north": {"centre": 1.0}, "centre": {"north": 0.5, "south": 0.5},
                           "south": {"north": 0.7, "centre": 0.3}},
                )))],
    )"#;
    let replications = 6;
    let s = run(&deployment(text), replications);
    let expected = 1.0 - 4.1 / 29.0;
    let per_rep = column(&s, "service_availability:f");
    let se = (sample_variance(&per_rep) / replications as f64).sqrt();
    assert!(se < 0.005, "standard error {se} too wide to test anything");
    let got = mean(&per_rep);
    assert!(
        (got - expected).abs() < 4.0 * se,
        "availability {got}, expected {expected} ± {}",
        4.0 * se
    );
    let lost: Vec<f64> = column(&s, "lost_no_coverage:f")
        .iter()
        .zip(column(&s, "messages_generated"))
        .map(|(l, g)| l / g)
        .collect();
    let se_lost = (sample_variance(&lost) / replications as f64).sqrt();
    assert!(
        (mean(&lost) - (1.0 - expected)).abs() < 4.0 * se_lost + 1e-3,
        "lost share {} against {}",
        mean(&lost),
        1.0 - expected
    );
    assert_eq!(column(&s, "lost_no_service")[0], 0.0);
    assert_eq!(column(&s, "lost_undetected_outage")[0], 0.0);
}

/// Fixed shares: 700 of 1,000 meters in the north, 300 in the south, where the carrier has no
/// coverage at all. Exactly the 300 southern meters are out of service all the time: the
/// availability is 0.7 to rounding, and with readings kept on the device (a 10-reading buffer)
/// every southern reading beyond the buffer is lost to a full buffer, none to `no_coverage`.
#[test]
fn fixed_shares_put_an_exact_share_out_of_coverage() {
    for buffer in [0u32, 10] {
        let text = format!(
            r#"Scenario(
                name: "meters", horizon: "100h", seed: 3, replications: 1,
                sites: [Site(id: "s")],
                carriers: [Carrier(id: "a", coverage: {{"north": 1.0}}),
                           Carrier(id: "elsewhere", region: "south")],
                fleets: [Fleet(id: "f", site: "s", count: 1000, report: Fixed("1h"),
                    buffer_messages: {buffer},
                    connectivity: Cellular(sim: Single("a"), detection: After(Fixed("0s")),
                        regions: Shares({{"north": 0.7, "south": 0.3}})))],
            )"#
        );
        let s = run(&deployment(&text), 1);
        let v = |id: &str| column(&s, id)[0];
        assert!(
            (v("service_availability:f") - 0.7).abs() < 1e-12,
            "buffer {buffer}"
        );
        let per_device = v("messages_generated") / 1000.0;
        if buffer == 0 {
            assert!((v("lost_no_coverage:f") / 300.0 - per_device).abs() <= 1.0);
        } else {
            assert_eq!(v("lost_no_coverage:f"), 0.0);
            let over = v("lost_buffer_overflow:f") / 300.0;
            assert!((over - (per_device - 10.0)).abs() <= 1.0, "{over}");
        }
    }
}

/// Two operators with a network per region (`operator`): a SIM naming operator "a" uses
/// a-north in the north and a-south in the south. A regional power cut (`Down(Region)`) of 10 h
/// in a 100 h run takes down exactly the devices in the south (40%): availability 1 − 0.4 × 0.1
/// with no detection or attach delay. An eSIM adding operator "b", whose southern network
/// covers every place, rides out the loss of a-south's coverage (half of its places) by
/// switching; barred from roaming on "b" in the south, half the southern devices stay out of
/// coverage (each enabled "b" once, found no network it may use there, and waits).
#[test]
fn regional_outages_roaming_bars_and_switching_to_a_network_that_covers_the_place() {
    let text = |sim: &str, rest: &str, faults: &str, cov: f64| {
        format!(
            r#"Scenario(
                name: "regions", horizon: "100h", seed: 9, replications: 1,
                sites: [Site(id: "s")],
                carriers: [
                    Carrier(id: "a-north", region: "north", operator: "a"),
                    Carrier(id: "a-south", region: "south", operator: "a", coverage: {{"south": {cov}}}),
                    Carrier(id: "b-north", region: "north", operator: "b"),
                    Carrier(id: "b-south", region: "south", operator: "b"),
                ],
                fleets: [Fleet(id: "f", site: "s", count: 1000, report: Fixed("1h"),
                    connectivity: Cellular(sim: {sim}, detection: After(Fixed("0s")), {rest}
                        regions: Shares({{"north": 0.6, "south": 0.4}})))],
                faults: [{faults}],
            )"#
        )
    };
    let cut = r#"Down(target: Region("south"), at: "20h", lasting: "10h")"#;
    let s = run(&deployment(&text(r#"Single("a")"#, "", cut, 1.0)), 1);
    let avail = column(&s, "service_availability:f")[0];
    assert!((avail - (1.0 - 0.4 * 0.1)).abs() < 1e-12, "{avail}");
    assert_eq!(column(&s, "interruptions:f")[0], 400.0);

    let esim = r#"Esim(profiles: ["a", "b"])"#;
    let s = run(&deployment(&text(esim, "", "", 0.5)), 1);
    assert!((column(&s, "service_availability:f")[0] - 1.0).abs() < 1e-12);
    let switched = column(&s, "sim_switches:f")[0];
    assert!(
        (150.0..=250.0).contains(&switched),
        "{switched} of 400 southern devices"
    );

    let barred = r#"roaming_barred: {"b": ["south"]},"#;
    let s = run(&deployment(&text(esim, barred, "", 0.5)), 1);
    let out = 1000.0 * (1.0 - column(&s, "service_availability:f")[0]);
    assert!(
        (out - out.round()).abs() < 1e-6 && (150.0..=250.0).contains(&out),
        "{out}"
    );
    // Each of them enabled profile "b", found no network it may use, and waits.
    assert_eq!(column(&s, "sim_switches:f")[0], out.round());
}

/// Mistakes in regions are refused with the field: an unknown region, shares that do not add
/// up to 1, a chain row that does not add up to 1, a dwell that is always 0.
#[test]
fn region_mistakes_are_refused_with_the_field() {
    let with = |regions: &str| {
        format!(
            r#"Scenario(
                name: "bad", horizon: "1d",
                sites: [Site(id: "s")],
                carriers: [Carrier(id: "a", coverage: {{"north": 0.9, "south": 0.5}})],
                fleets: [Fleet(id: "f", site: "s", count: 1, report: Fixed("1h"),
                    connectivity: Cellular(sim: Single("a"), detection: After(Fixed("1m")),
                        regions: {regions}))],
            )"#
        )
    };
    let refused = |regions: &str, says: &str| {
        let e = iotwin::scenario::compile_source(&with(regions), "x.ron")
            .unwrap_err()
            .to_string();
        assert!(e.contains(says), "{e}");
        assert!(e.contains("regions"), "{e}");
    };
    refused(r#"Shares({"nort": 1.0})"#, "did you mean \"north\"");
    refused(r#"Shares({"north": 0.5, "south": 0.4})"#, "add up to 0.9");
    refused(
        r#"Markov(dwell: {"north": Fixed("1h"), "south": Fixed("1h")},
                  next: {"north": {"south": 0.5}, "south": {"north": 1.0}})"#,
        "leaving region \"north\"",
    );
    refused(
        r#"Markov(dwell: {"north": Fixed("0s"), "south": Fixed("1h")},
                  next: {"north": {"south": 1.0}, "south": {"north": 1.0}})"#,
        "always 0",
    );
}

/// The attach storm against a network that takes 10 registrations at once: 100 devices on one
/// SIM wait out a 1 h outage of "a" (they noticed after 1 min); when it ends at 2 h all 100 try
/// to attach at once. An attach holds a channel for its 60 s; a device turned away tries again
/// every 10 s (`attach_backoff`). Ties at one instant run in the order they were scheduled, so
/// the 10 holders release their channels just before the retries due then: batch k of 10
/// (k = 0..9) registers at 2 h + 60(k + 1) s after 6k refusals. Counted by hand: 10 × 6 ×
/// (0 + 1 + … + 9) = 2,700 refusals; every device's interruption is 3,600 s + 60(k + 1) s, so
/// the longest is 4,200 s and the devices' time without service is
/// 10 × (10 × 3,600 + 60 × 55) = 393,000 device-seconds of 100 × 4 h. Without the limit nobody
/// is turned away and every interruption is 3,660 s.
#[test]
fn an_attach_storm_queues_for_a_networks_channels() {
    let text = |channels: &str| {
        format!(
            r#"Scenario(
                name: "storm", horizon: "4h", seed: 5, replications: 1,
                sites: [Site(id: "s")],
                carriers: [Carrier(id: "a"{channels})],
                fleets: [Fleet(id: "f", site: "s", count: 100, report: Fixed("1h"),
                    connectivity: Cellular(sim: Single("a"), detection: After(Fixed("1m")),
                        attach: Fixed("60s"), attach_backoff: Fixed("10s")))],
                faults: [CarrierDown(carrier: "a", at: "1h", lasting: "1h")],
            )"#
        )
    };
    let s = run(&deployment(&text(", attach_channels: 10")), 1);
    let v = |id: &str| column(&s, id)[0];
    assert_eq!(v("attach_failures"), 2700.0);
    assert_eq!(v("attach_failures:f"), 2700.0);
    assert_eq!(v("interruptions:f"), 100.0);
    let down = 393_000.0 / (100.0 * 4.0 * 3600.0);
    assert!((v("service_availability:f") - (1.0 - down)).abs() < 1e-12);
    assert!(
        (v("ttr_p95_s:f") - 4200.0).abs() <= 60.0,
        "{}",
        v("ttr_p95_s:f")
    );

    let s = run(&deployment(&text("")), 1);
    let v = |id: &str| column(&s, id)[0];
    assert!(s.index_of("attach_failures").is_none());
    let down = 100.0 * 3660.0 / (100.0 * 4.0 * 3600.0);
    assert!((v("service_availability:f") - (1.0 - down)).abs() < 1e-12);
}

/// Regions, movement, coverage draws and attach channels keep the runs deterministic: the
/// same scenario and seed give the same values on one thread and on two (every message is
/// accounted for in each replication, or the run fails).
#[test]
fn moving_devices_give_the_same_results_whatever_the_thread_count() {
    let text = r#"Scenario(
        name: "moving", horizon: "10d", seed: 21, replications: 3,
        sites: [Site(id: "s")],
        carriers: [
            Carrier(id: "a-north", region: "north", operator: "a", coverage: {"north": 0.9},
                attach_channels: 5,
                outages: Outages(every: Exponential(mean: "2d"), lasting: Exponential(mean: "2h"))),
            Carrier(id: "a-south", region: "south", operator: "a", coverage: {"south": 0.7}),
            Carrier(id: "b", coverage: {"north": 0.8, "south": 0.9}, attach_channels: 3),
        ],
        fleets: [Fleet(id: "f", site: "s", count: 200, report: Fixed("30m"), buffer_messages: 4,
            connectivity: Cellular(sim: Esim(profiles: ["a", "b"]),
                detection: After(Exponential(mean: "5m")), switch_time: Exponential(mean: "1m"),
                switch_failure: 0.1, switch_back: HoldDown("1h"),
                attach_backoff: Exponential(mean: "30s"),
                regions: Markov(dwell: {"north": Exponential(mean: "6h"), "south": Fixed("3h")},
                                next: {"north": {"south": 1.0}, "south": {"north": 1.0}})))],
    )"#;
    let dep = deployment(text);
    // In both modes: flow mode's cohorts, blind pool and per-device draws too (each run also
    // checks that every message is accounted for exactly once).
    for mode in [Mode::Packet, Mode::Flow] {
        let with = |threads: usize| {
            let opts = RunOptions {
                threads: Some(threads),
                mode,
                ..RunOptions::default()
            };
            montecarlo::run(&dep, &opts, &|| {}).unwrap_or_else(|e| panic!("{e}"))
        };
        let (one, two) = (with(1), with(2));
        assert_eq!(one.mode, mode);
        // Bit for bit (an undefined metric is NaN, which equals nothing).
        let bits = |s: &iotwin::montecarlo::Summary| -> Vec<Vec<u64>> {
            s.per_replication
                .iter()
                .map(|row| row.iter().map(|v| v.to_bits()).collect())
                .collect()
        };
        assert_eq!(bits(&one), bits(&two));
        assert!(column(&one, "attach_failures")[0] > 0.0);
        assert!(column(&one, "sim_switches")[0] > 0.0);
        assert!(column(&one, "service_availability")[0] < 1.0);
    }
}
