//! Flow mode against packet mode (the slow, obviously right reference) and against closed
//! forms. Both modes check message conservation in every replication (a run that breaks it
//! returns an error, and these tests unwrap it).
//!
//! The heavy agreement test, full horizons and 20 replications of every shipped scenario:
//! `cargo test --profile ci --test integration flow::heavy -- --ignored`.

use iotwin::model::World;
use iotwin::montecarlo::{self, Mode, RunOptions, Summary};
use iotwin::report::summary_json;
use iotwin::scenario::{self, Deployment};

use crate::common::{column, deployment, ron_files_in, shipped_scenarios, total};

fn run_mode(dep: &Deployment, replications: u32, mode: Mode, threads: Option<usize>) -> Summary {
    let opts = RunOptions {
        replications: Some(replications),
        threads,
        mode,
        ..RunOptions::default()
    };
    montecarlo::run(dep, &opts, &|| {}).unwrap_or_else(|e| panic!("{}: {e}", dep.name))
}

/// Metrics that do not depend on messages: the same streams drive the same failures,
/// outages and failover decisions in both modes, so they must be equal.
const EQUAL_BY_CONSTRUCTION: [&str; 12] = [
    "device_availability",
    "gateway_availability",
    "uplink_availability",
    "connectivity_availability",
    "carrier_outages",
    "failovers",
    "failover_success_rate",
    "interruptions",
    "ttr_mean_s",
    "ttr_p50_s",
    "ttr_p95_s",
    "ttr_p99_s",
];

/// Standard errors allowed between the modes' means. About 40 metrics per scenario and ten
/// scenarios make some 400 comparisons; 4.5 standard errors keeps the chance that any one of
/// them fails by chance below one in a thousand (two-sided 6.8e-6 each).
const Z: f64 = 4.5;

/// Checks that packet and flow mode agree on every metric of `dep`.
fn assert_agree(dep: &Deployment, replications: u32) {
    let packet = run_mode(dep, replications, Mode::Packet, None);
    let flow = run_mode(dep, replications, Mode::Flow, None);
    assert_eq!(packet.mode, Mode::Packet);
    assert_eq!(flow.mode, Mode::Flow);
    let t = |n: usize| {
        if n < 2 {
            1.0
        } else {
            montecarlo::t_quantile_975(n - 1)
        }
    };
    let mut failures = vec![];
    for ((m, p), (_, f)) in packet.metrics().zip(flow.metrics()) {
        let id = m.id.as_str();
        // The event count is what flow mode exists to change.
        if id == "events" {
            continue;
        }
        // Single messages' delays and queues: undefined in flow mode by design.
        if iotwin::metrics::packet_mode_only(id) {
            assert!(f.mean.is_nan(), "{id} is packet mode only");
            continue;
        }
        if p.n == 0 && f.n == 0 {
            continue;
        }
        let per_site_or_gateway =
            id.starts_with("site_availability:") || id.starts_with("gateway_connectivity:");
        if EQUAL_BY_CONSTRUCTION.contains(&id) || per_site_or_gateway || own_sims_state(id) {
            if p.mean != f.mean && !(p.mean.is_nan() && f.mean.is_nan()) {
                failures.push(format!(
                    "{id}: packet {} flow {} (must be equal)",
                    p.mean, f.mean
                ));
            }
            continue;
        }
        let se = |e: &montecarlo::Estimate| e.half_width.unwrap_or(0.0) / t(e.n);
        let tolerance = Z * se(p).hypot(se(f))
            // Messages left at the horizon are a handful in either mode.
            + if id.ends_with("at_horizon") { 5.0 } else { 0.0 }
            // Readings already on the access link when a pass-through gateway loses its path
            // are lost to no path in packet mode (a few a year); flow mode's devices keep all
            // readings of the interval on the device instead.
            + if id == "lost_no_path" { 5.0 } else { 0.0 }
            // Packet mode's buffer also holds the few messages queued behind a busy server
            // for an instant; flow mode's fluid buffer holds outage backlogs and overloads only.
            + if id == "peak_buffered" { 6.0 } else { 0.0 }
            // The M/G/1 mean wait of Pollaczek–Khinchine against periodic sources: a few
            // milliseconds at most below saturation.
            + if id == "mean_gateway_wait_s" { 0.005 } else { 0.0 }
            + 1e-9 * p.mean.abs().max(f.mean.abs());
        let gap = (p.mean - f.mean).abs();
        let one_undefined = p.mean.is_nan() != f.mean.is_nan();
        if gap > tolerance || one_undefined {
            failures.push(format!(
                "{id}: packet {} ± {:?}, flow {} ± {:?}: gap {gap} > {tolerance}",
                p.mean, p.half_width, f.mean, f.half_width
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}: packet and flow mode disagree ({} replications):\n{}",
        dep.name,
        replications,
        failures.join("\n")
    );
}

/// Metrics of fleets on their own SIMs that follow each device's failover (events on the same
/// streams in both modes, `world::cellular`), not its messages: equal in both modes.
fn own_sims_state(id: &str) -> bool {
    let base = id.split(':').next().unwrap_or(id);
    matches!(
        base,
        "service_availability" | "sim_switches" | "sim_switch_failures" | "attach_failures"
    ) || (id.contains(':') && matches!(base, "interruptions" | "ttr_p95_s"))
}

/// `path`'s deployment cut to `horizon_days` and about `devices` devices, with every feature
/// it has (batteries, planned replacement, degradation, certificates, firmware campaigns,
/// LoRa radios, readings kept on devices): flow mode accounts for them all.
fn shortened(path: &std::path::Path, horizon_days: u64, devices: u32) -> Deployment {
    let mut dep = scenario::load(path).unwrap_or_else(|e| panic!("{e}"));
    dep.horizon = dep.horizon.min(horizon_days * 86_400_000_000);
    let fleets = dep.fleets.len() as u32;
    if dep.device_count() > devices as u64 {
        let each = (devices / fleets).max(1);
        dep.fleets
            .iter_mut()
            .for_each(|f| f.count = f.count.min(each));
    }
    dep
}

/// The shipped scenarios and the trackers' comparison designs (`scenarios/trackers/`, fleets
/// on their own SIMs).
fn shipped_with_trackers() -> Vec<std::path::PathBuf> {
    let trackers = ron_files_in("scenarios/trackers");
    assert!(trackers.len() >= 4, "{trackers:?}");
    let mut paths = shipped_scenarios();
    paths.extend(trackers);
    paths
}

/// The shipped scenarios flow mode refuses, each for its reason: the textbook's servers with
/// c channels (`scenarios/textbook/erlang_{b,c}.ron`), which flow mode's one-channel fluid
/// server cannot model. Every other shipped scenario runs in both modes.
const FLOW_REFUSES: [(&str, &str); 2] = [
    ("erlang_b.ron", "flow mode's fluid server has one"),
    ("erlang_c.ron", "flow mode's fluid server has one"),
];

/// Whether flow mode refuses `path` as `FLOW_REFUSES` says it does; panics if it refuses a
/// scenario not listed there, refuses one with another reason, or runs a listed one. A refused
/// run must fail with the reason, never run silently in the other mode.
fn flow_refuses(path: &std::path::Path, dep: &Deployment) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let expected = FLOW_REFUSES.iter().find(|(file, _)| *file == name);
    match (montecarlo::flow_unsupported(dep), expected) {
        (None, None) => false,
        (Some(reason), Some((_, says))) => {
            assert!(reason.contains(says), "{name}: {reason}");
            let opts = RunOptions {
                replications: Some(1),
                mode: Mode::Flow,
                ..RunOptions::default()
            };
            let refused = montecarlo::run(dep, &opts, &|| {}).map(|_| ()).unwrap_err();
            assert!(refused.to_string().contains(says), "{name}: {refused}");
            true
        }
        (got, _) => panic!("{name}: flow mode refuses it: {got:?}, expected {expected:?}"),
    }
}

#[test]
fn packet_and_flow_mode_agree_on_every_shipped_scenario() {
    for path in shipped_with_trackers() {
        let mut dep = shortened(&path, 14, 2_000);
        if flow_refuses(&path, &dep) {
            continue;
        }
        // Every shipped scenario, whatever it uses, runs in both modes (fleets on their own
        // SIMs too: their cohorts, `model::world::flow::cellular`).
        assert_eq!(montecarlo::flow_unsupported(&dep), None, "{}", dep.name);
        // peer_bench reports every minute from 10,000 devices: a day of 2,000 is plenty.
        if dep.device_count() >= 2_000 {
            dep.horizon = dep.horizon.min(86_400_000_000);
        }
        assert_agree(&dep, 12);
    }
}

/// Full horizons, 20 replications: minutes of packet mode.
#[test]
#[ignore = "minutes: cargo test --profile ci --test integration flow::heavy -- --ignored"]
fn heavy_packet_and_flow_mode_agree_on_every_shipped_scenario_at_full_horizon() {
    for path in shipped_with_trackers() {
        let mut dep = shortened(&path, 3650, 20_000);
        if flow_refuses(&path, &dep) {
            continue;
        }
        if dep.device_count() >= 10_000 {
            dep.horizon = dep.horizon.min(86_400_000_000);
        }
        assert_agree(&dep, 20);
    }
}

#[test]
fn flow_mode_gives_the_same_bytes_on_one_and_two_threads() {
    for path in shipped_with_trackers() {
        let dep = shortened(&path, 30, 20_000);
        if flow_refuses(&path, &dep) {
            continue;
        }
        let one = summary_json(&run_mode(&dep, 4, Mode::Flow, Some(1)));
        let two = summary_json(&run_mode(&dep, 4, Mode::Flow, Some(2)));
        assert_eq!(one, two, "{}", path.display());
        assert!(one.contains("\"mode\": \"flow\""));
    }
}

#[test]
fn auto_picks_flow_mode_only_where_packet_mode_would_be_slow() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let city = scenario::load(&dir.join("city_scale_meters.ron")).expect("loads");
    assert_eq!(montecarlo::resolve_mode(&city, Mode::Auto), Ok(Mode::Flow));
    let factory = scenario::load(&dir.join("factory.ron")).expect("loads");
    assert_eq!(
        montecarlo::resolve_mode(&factory, Mode::Auto),
        Ok(Mode::Packet)
    );
    // Flow mode has far fewer events, and needs far less memory, than packet mode.
    let packet = montecarlo::events_needed_in(&city, Mode::Packet);
    let flow = montecarlo::events_needed_in(&city, Mode::Flow);
    assert!(flow * 1e6 < packet, "flow {flow} packet {packet}");
    assert!(
        montecarlo::memory_needed_in(&city, 1, Mode::Flow) < (1 << 30),
        "a replication of the city fits in a gigabyte"
    );
    // A small LoRa fleet: auto runs it in packet mode, flow mode models it when asked.
    let lora = deployment(LORA);
    assert_eq!(
        montecarlo::resolve_mode(&lora, Mode::Auto),
        Ok(Mode::Packet)
    );
    assert_eq!(montecarlo::resolve_mode(&lora, Mode::Flow), Ok(Mode::Flow));
}

const LORA: &str = r#"Scenario(
    name: "lora", horizon: "1h", seed: 1, replications: 2, deadline: "5m",
    sites: [Site(id: "s")],
    carriers: [Carrier(id: "c")],
    gateways: [Gateway(id: "g", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")])],
    fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 10, report: Fixed("60s"),
                   lora: LoRa(spreading_factor: 9))],
)"#;

/// One site, one gateway, one carrier, one fleet.
fn one_fleet(horizon: &str, gateway: &str, fleet: &str, extra: &str) -> Deployment {
    deployment(&format!(
        r#"Scenario(
            name: "flow-analytic", horizon: "{horizon}", seed: 5, replications: 10, deadline: "5m",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", {gateway})],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", {fleet})],
            {extra}
        )"#
    ))
}

/// Loss 1 − p over two lossy hops, (1 − p₁)(1 − p₂), as binomial counts.
#[test]
fn flow_loss_over_lossy_links_is_one_minus_p() {
    let (access, uplink) = (0.03, 0.1);
    let dep = one_fleet(
        "1d",
        &format!(
            r#"buffer_messages: 0, uplinks: [Uplink(carrier: "c", link: Link(loss: {uplink}))]"#
        ),
        &format!(r#"count: 100, report: Fixed("60s"), link: Link(loss: {access})"#),
        "",
    );
    let s = run_mode(&dep, 10, Mode::Flow, None);
    let generated = total(&s, "messages_generated");
    assert_eq!(
        generated,
        10.0 * 100.0 * 1440.0,
        "periodic counts are exact"
    );
    let delivered = total(&s, "messages_delivered");
    let p = 1.0 - (1.0 - access) * (1.0 - uplink);
    let sigma = (p * (1.0 - p) / generated).sqrt();
    let observed = 1.0 - delivered / generated;
    assert!((observed - p).abs() < 4.5 * sigma, "{observed} vs {p}");
    let lost = total(&s, "lost_link_loss");
    let at_horizon = total(&s, "messages_in_flight_at_horizon");
    assert_eq!(lost + delivered + at_horizon, generated);
}

/// A scripted outage of D with no failover and a buffer of B: λD − B messages overflow, the
/// rest arrive late once the carrier is back (the outage outlasts the deadline).
#[test]
fn flow_buffer_overflow_under_a_scripted_outage_is_lambda_d_minus_b() {
    let dep = one_fleet(
        "1d",
        r#"buffer_messages: 1000, failover: NoFailover, uplinks: [Uplink(carrier: "c")]"#,
        r#"count: 100, report: Fixed("60s")"#,
        r#"faults: [CarrierDown(carrier: "c", at: "6h", lasting: "2h")],"#,
    );
    let s = run_mode(&dep, 4, Mode::Flow, None);
    // λ = 100 a minute, D = 120 minutes: 12,000 due in the outage, 1,000 kept.
    let overflow = total(&s, "lost_buffer_overflow") / 4.0;
    assert!((overflow - 11_000.0).abs() <= 2.0, "{overflow}");
    let late = total(&s, "messages_delivered_late") / 4.0;
    assert!((late - 1_000.0).abs() <= 2.0, "{late}");
    // The kept messages waited on average 2 h less half the 10 minutes they span.
    let packet = run_mode(&dep, 4, Mode::Packet, None);
    let overflow_p = total(&packet, "lost_buffer_overflow") / 4.0;
    assert!(
        (overflow - overflow_p).abs() <= 2.0,
        "{overflow} vs {overflow_p}"
    );
}

/// A gateway forwarding at most μ a second offered λ > μ: after its buffer B fills, (λ − μ)
/// a second overflow; what it forwards is μ a second.
#[test]
fn flow_fluid_queue_above_capacity_overflows_at_lambda_minus_mu() {
    let dep = one_fleet(
        "1h",
        r#"buffer_messages: 5000, drain_per_s: 10.0, uplinks: [Uplink(carrier: "c")]"#,
        r#"count: 1200, report: Fixed("60s")"#,
        "",
    );
    let s = run_mode(&dep, 2, Mode::Flow, None);
    // λ = 20/s, μ = 10/s over 3,600 s: 72,000 offered, 36,000 forwarded, 5,000 buffered.
    let generated = total(&s, "messages_generated") / 2.0;
    assert_eq!(generated, 72_000.0);
    let overflow = total(&s, "lost_buffer_overflow") / 2.0;
    let buffered = total(&s, "messages_buffered_at_horizon") / 2.0;
    assert_eq!(buffered, 5_000.0);
    assert!((overflow - 31_000.0).abs() <= 5.0, "{overflow}");
    let utilisation = s.estimate("max_gateway_utilisation").expect("metric").mean;
    assert!((utilisation - 1.0).abs() < 1e-3, "{utilisation}");
    let packet = run_mode(&dep, 2, Mode::Packet, None);
    let overflow_p = total(&packet, "lost_buffer_overflow") / 2.0;
    assert!(
        (overflow - overflow_p).abs() <= 5.0,
        "{overflow} vs {overflow_p}"
    );
}

/// Below capacity, flow mode's mean wait is the M/G/1 (Pollaczek–Khinchine) mean, which
/// packet mode's exponential service and Poisson-like arrivals approach.
#[test]
fn flow_mean_wait_below_capacity_is_pollaczek_khinchine() {
    let dep = one_fleet(
        "6h",
        r#"buffer_messages: 100000, service: Exponential(mean: "50ms"), uplinks: [Uplink(carrier: "c")]"#,
        r#"count: 500, report: Exponential(mean: "50s")"#,
        "",
    );
    // λ = 10/s, E[S] = 0.05 s: ρ = 0.5, Wq = ρ E[S] / (1 − ρ) = 0.05 s (M/M/1).
    let s = run_mode(&dep, 4, Mode::Flow, None);
    let wait = s.estimate("mean_gateway_wait_s").expect("metric").mean;
    assert!((wait - 0.05).abs() < 0.002, "{wait}");
    let p = run_mode(&dep, 4, Mode::Packet, None);
    let wait_p = p.estimate("mean_gateway_wait_s").expect("metric").mean;
    assert!((wait - wait_p).abs() < 0.01, "flow {wait} packet {wait_p}");
}

/// Flow mode keeps a million devices' telemetry to events of state changes only.
#[test]
fn flow_mode_runs_a_large_fleet_with_few_events() {
    let dep = one_fleet(
        "30d",
        r#"buffer_messages: 1000, uplinks: [Uplink(carrier: "c")],
           failure: Failure(lifetime: Exponential(mean: "20d"), repair: Exponential(mean: "1d"))"#,
        r#"count: 200000, report: Fixed("60s"),
           failure: Failure(lifetime: Exponential(mean: "10y"), repair: Exponential(mean: "2d"))"#,
        "",
    );
    let (outcome, _) =
        World::run_in_mode(&dep, 0, iotwin::model::Silent, &|_| None, true).expect("conserved");
    assert_eq!(outcome.ledger.generated, 200_000 * 43_200);
    assert!(outcome.events < 20_000, "{}", outcome.events);
}

/// Lost readings of a cause in packet mode, and in flow mode, per replication.
fn lost_both(dep: &Deployment, replications: u32, id: &str) -> (Summary, Summary, f64, f64) {
    let packet = run_mode(dep, replications, Mode::Packet, None);
    let flow = run_mode(dep, replications, Mode::Flow, None);
    let r = f64::from(replications);
    let (p, f) = (total(&packet, id) / r, total(&flow, id) / r);
    (packet, flow, p, f)
}

/// Certificates issued together, valid 6 h, never rotated, fixed 2 h after expiry: over a
/// day the fleet is blind [6 h, 8 h), [14 h, 16 h) and [22 h, 24 h), so 100 devices
/// reporting every minute lose exactly 3 × 120 × 100 readings as `auth_expired`.
#[test]
fn flow_certificates_expiring_together_lose_exactly_the_blind_intervals() {
    let dep = one_fleet(
        "1d",
        r#"buffer_messages: 0, uplinks: [Uplink(carrier: "c")]"#,
        r#"count: 100, report: Fixed("60s"),
           certificate: Certificate(validity: "6h", fix: Fixed("2h"))"#,
        "",
    );
    let (packet, flow, p, f) = lost_both(&dep, 3, "lost_auth_expired");
    assert_eq!(p, 36_000.0);
    assert_eq!(f, 36_000.0);
    assert_eq!(
        total(&packet, "cert_expiries"),
        total(&flow, "cert_expiries")
    );
    assert_eq!(total(&flow, "cert_expiries"), 3.0 * 300.0);
}

/// A battery of C = 10 mAh at I = 1 mA lasts C/I = 10 h and is never swapped: over a day
/// every device is dead for the last 14 h, 840 readings each at one a minute.
#[test]
fn flow_battery_life_c_over_i_then_dead_loses_the_rest_of_the_horizon() {
    let dep = one_fleet(
        "1d",
        r#"buffer_messages: 0, uplinks: [Uplink(carrier: "c")]"#,
        r#"count: 100, report: Fixed("60s"),
           power: Battery(capacity_mah: 10, voltage: 3.6, sleep_ua: 1000,
                          radio_mj_per_message: 0.0)"#,
        "",
    );
    let (packet, flow, p, f) = lost_both(&dep, 3, "lost_device_down");
    assert_eq!(p, 84_000.0);
    // The share 14/24 is not exact in binary: within one reading.
    assert!((f - 84_000.0).abs() <= 1.0, "{f}");
    assert_eq!(total(&flow, "devices_dead"), 300.0);
    assert_eq!(
        total(&packet, "device_availability"),
        total(&flow, "device_availability")
    );
}

/// A firmware update bricking half of a fleet at 6 h, each bricked device repaired after a
/// fixed hour: 60 readings lost per bricked device, in both modes.
#[test]
fn flow_bricked_devices_lose_their_readings_until_repaired() {
    let dep = one_fleet(
        "1d",
        r#"buffer_messages: 0, uplinks: [Uplink(carrier: "c")]"#,
        r#"count: 100, report: Fixed("60s")"#,
        r#"firmware: [Campaign(fleet: "f", start: "6h", waves: 1, wave_every: "1d",
             brick: 0.5, recover: 0.0, repair: Fixed("1h"))],"#,
    );
    let (packet, flow, p, f) = lost_both(&dep, 3, "lost_firmware");
    let bricked = total(&flow, "devices_bricked") / 3.0;
    assert_eq!(bricked, total(&packet, "devices_bricked") / 3.0);
    assert!(bricked > 0.0);
    assert_eq!(p, 60.0 * bricked);
    assert!(
        (f - 60.0 * bricked).abs() <= 1.0,
        "{f} vs {}",
        60.0 * bricked
    );
}

/// Sensor degradation: the degraded share of devices is the same in both modes (the same
/// onsets), and data quality and dropout losses agree within their confidence intervals.
#[test]
fn flow_degradation_data_quality_agrees_with_packet_mode() {
    for mode in [
        r#"Drift(rate_per_day: 0.05, volatility_per_sqrt_day: 0.1, threshold: 1.0)"#,
        r#"Noise(onset: Exponential(mean: "10d"), bad_share: 0.3)"#,
        r#"Dropouts(onset: Exponential(mean: "10d"), share: 0.25)"#,
    ] {
        let dep = one_fleet(
            "30d",
            r#"buffer_messages: 0, uplinks: [Uplink(carrier: "c", link: Link(loss: 0.01))]"#,
            &format!(
                r#"count: 100, report: Fixed("10m"), link: Link(loss: 0.02),
                   failure: Failure(lifetime: Exponential(mean: "15d"), repair: Fixed("1d")),
                   degradation: Degradation(mode: {mode},
                       inspection: Inspection(every: "7d", detection: 0.5))"#
            ),
            "",
        );
        let packet = run_mode(&dep, 8, Mode::Packet, None);
        let flow = run_mode(&dep, 8, Mode::Flow, None);
        let share = |s: &Summary| s.estimate("degraded_device_share").expect("metric").mean;
        assert_eq!(share(&packet), share(&flow), "{mode}");
        assert!(share(&flow) > 0.05, "{mode}: {}", share(&flow));
        for id in ["data_quality", "lost_sensor_dropout", "lost_device_down"] {
            let (p, f) = (
                packet.estimate(id).expect("metric"),
                flow.estimate(id).expect("metric"),
            );
            let se = |e: &montecarlo::Estimate| {
                e.half_width.unwrap_or(0.0) / montecarlo::t_quantile_975(e.n - 1)
            };
            let tolerance = Z * se(p).hypot(se(f)) + 1e-9;
            assert!(
                (p.mean - f.mean).abs() <= tolerance,
                "{mode} {id}: packet {} flow {} > {tolerance}",
                p.mean,
                f.mean
            );
        }
    }
}

/// `count` LoRa devices per fleet, one fleet per entry of `sfs`, all at one site and gateway
/// (the shape of `tests/integration/lora.rs`'s scenarios), 20-byte messages.
fn lora_site(count: u32, report: &str, sfs: &[u8], lora_extra: &str) -> Deployment {
    let fleets: Vec<String> = sfs
        .iter()
        .enumerate()
        .map(|(i, sf)| {
            format!(
                r#"Fleet(id: "f{i}", site: "s", gateway: "g", count: {count}, message_bytes: 20,
                    report: {report}, lora: LoRa(spreading_factor: {sf} {lora_extra}))"#
            )
        })
        .collect();
    deployment(&format!(
        r#"Scenario(
            name: "flow-lora", horizon: "1d", seed: 3, replications: 8,
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")])],
            fleets: [{}],
        )"#,
        fleets.join(",\n")
    ))
}

/// Time on air of a 20-byte LoRaWAN uplink at `sf`, in seconds.
fn lora_airtime_s(sf: u8) -> f64 {
    use iotwin::model::lora::{LORAWAN_OVERHEAD_BYTES, LoRaPhy};
    LoRaPhy::sf(sf).time_on_air_us(20 + LORAWAN_OVERHEAD_BYTES) as f64 / 1e6
}

/// Mean and standard error across replications of the share `id` takes of the messages
/// generated and settled (not in flight at the horizon).
fn share_across_replications(s: &Summary, id: &str) -> (f64, f64) {
    let share: Vec<f64> = column(s, id)
        .iter()
        .zip(column(s, "messages_generated"))
        .zip(column(s, "messages_in_flight_at_horizon"))
        .map(|((lost, generated), flying)| lost / (generated - flying))
        .collect();
    let n = share.len() as f64;
    let mean = share.iter().sum::<f64>() / n;
    let sd = (share.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd / n.sqrt())
}

/// Flow mode's collisions are pure ALOHA's: Poisson traffic of G frames per frame time from
/// the other devices on a channel leaves a frame unharmed with e^{−2G}. A frame's own device
/// cannot overlap it, so G counts the other count − 1 devices (packet mode's test,
/// `lora::collisions_follow_pure_aloha`, uses count: a 1/count difference in G, well inside
/// its tolerance). As there: the tolerance is 5 standard errors of the replications' shares.
#[test]
fn flow_collisions_follow_pure_aloha() {
    let sf = 9;
    let t = lora_airtime_s(sf);
    for (count, channels) in [(400u32, 1u32), (1600, 1), (1600, 4)] {
        let dep = lora_site(
            count,
            r#"Exponential(mean: "10m")"#,
            &[sf],
            &format!(", channels: {channels}, duty_cycle: 1.0"),
        );
        let s = run_mode(&dep, 8, Mode::Flow, None);
        // A duty cycle of 1 still keeps a device silent while it transmits (a reading due
        // then is lost): its sent frames come at rate 1/(P + T).
        let g = (count - 1) as f64 * t / (600.0 + t) / channels as f64;
        let expected = 1.0 - (-2.0 * g).exp();
        let (mean, se) = share_across_replications(&s, "lost_collision");
        assert!(
            (mean - expected).abs() < 5.0 * se,
            "{count} devices on {channels} channel(s), G = {g:.4}: collision share {mean:.5}, \
             ALOHA says {expected:.5} (standard error {se:.6})"
        );
    }
}

/// Spreading factors are orthogonal in flow mode too: two fleets at SF7 and SF8 each see only
/// their own load; at the same SF their loads add up (8 channels, the default).
#[test]
fn flow_spreading_factors_do_not_collide_with_each_other() {
    let report = r#"Exponential(mean: "10m")"#;
    let apart = run_mode(
        &lora_site(800, report, &[7, 8], ", duty_cycle: 1.0"),
        8,
        Mode::Flow,
        None,
    );
    let together = run_mode(
        &lora_site(800, report, &[8, 8], ", duty_cycle: 1.0"),
        8,
        Mode::Flow,
        None,
    );
    // Frames per frame time on a channel from the other devices of one fleet (and of both).
    let g = |sf: u8, others: f64| {
        let t = lora_airtime_s(sf);
        others * t / (600.0 + t) / 8.0
    };
    let alone = 1.0 - 0.5 * ((-2.0 * g(7, 799.0)).exp() + (-2.0 * g(8, 799.0)).exp());
    let shared = 1.0 - (-2.0 * g(8, 1599.0)).exp();
    for (s, expected) in [(&apart, alone), (&together, shared)] {
        let (mean, se) = share_across_replications(s, "lost_collision");
        assert!(
            (mean - expected).abs() < 5.0 * se,
            "collision share {mean:.5}, expected {expected:.5} (standard error {se:.6})"
        );
    }
}

/// The duty cycle in flow mode, against its closed forms: a device silent for D = T/dc after
/// each transmission (T on air, then (1/dc − 1)·T off) that reports every P < D sends one
/// reading in ⌈D/P⌉, exactly as packet mode's devices do (within one reading per device at
/// the horizon); with exponential gaps of rate λ the sent stream is a renewal process with
/// gaps D + Exp(λ), so 1/(1 + λD) of the readings are sent, and the replications' spread
/// gives the tolerance (5 standard errors); a jittered period never shorter than D loses none.
#[test]
fn flow_duty_cycle_loss_follows_the_report_law() {
    let sf = 12;
    let quiet = lora_airtime_s(sf) / 0.01;
    let radio = ", channels: 64, duty_cycle: 0.01";
    let fixed = run_mode(
        &lora_site(10, r#"Fixed("30s")"#, &[sf], radio),
        2,
        Mode::Flow,
        None,
    );
    let every = (quiet / 30.0).ceil();
    let generated = total(&fixed, "messages_generated");
    let dropped = total(&fixed, "lost_duty_cycle");
    let expected = generated * (1.0 - 1.0 / every);
    assert!(
        (dropped - expected).abs() <= 2.0 * 10.0,
        "dropped {dropped}, expected {expected} (one in {every} sent)"
    );
    let packet = run_mode(
        &lora_site(10, r#"Fixed("30s")"#, &[sf], radio),
        2,
        Mode::Packet,
        None,
    );
    let dropped_p = total(&packet, "lost_duty_cycle");
    assert!(
        (dropped - dropped_p).abs() <= 2.0 * 10.0,
        "flow {dropped} packet {dropped_p}"
    );

    let exponential = run_mode(
        &lora_site(100, r#"Exponential(mean: "1m")"#, &[sf], radio),
        8,
        Mode::Flow,
        None,
    );
    let expected = 1.0 - 1.0 / (1.0 + quiet / 60.0);
    let (mean, se) = share_across_replications(&exponential, "lost_duty_cycle");
    assert!(
        (mean - expected).abs() < 5.0 * se,
        "exponential reports: duty-cycle share {mean:.5}, renewal says {expected:.5} \
         (standard error {se:.6})"
    );

    let jitter = run_mode(
        &lora_site(
            100,
            &format!(
                r#"Jitter(period: "{}s", jitter: Uniform(min: "0s", max: "10s"))"#,
                quiet.ceil()
            ),
            &[sf],
            radio,
        ),
        2,
        Mode::Flow,
        None,
    );
    assert_eq!(total(&jitter, "lost_duty_cycle"), 0.0);
}

/// Flow and packet mode agree on a small LoRa site with every kind of report law and
/// fleets sharing a channel group from two gateways (two flow components): exponential and
/// fixed-period fleets at SF9 (one of them behind the second gateway), a jittered fleet at
/// SF12 whose period is shorter than its duty-cycle silence (the readings per send measured
/// from the law), failing and repaired devices, and a failing gateway.
#[test]
fn flow_and_packet_mode_agree_on_a_small_lora_site() {
    let dep = deployment(
        r#"Scenario(
            name: "flow-lora-site", horizon: "3d", seed: 11, replications: 12, deadline: "5m",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [
                Gateway(id: "g", site: "s", buffer_messages: 200, uplinks: [Uplink(carrier: "c")],
                        failure: Failure(lifetime: Exponential(mean: "1d"), repair: Exponential(mean: "2h"))),
                Gateway(id: "h", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")]),
            ],
            fleets: [
                Fleet(id: "poisson", site: "s", gateway: "g", count: 600, message_bytes: 20,
                      report: Exponential(mean: "5m"), link: Link(loss: 0.02),
                      failure: Failure(lifetime: Exponential(mean: "2d"), repair: Exponential(mean: "12h")),
                      lora: LoRa(spreading_factor: 9, channels: 2)),
                Fleet(id: "periodic", site: "s", gateway: "h", count: 400, message_bytes: 30,
                      report: Fixed("3m"),
                      lora: LoRa(spreading_factor: 9, channels: 3)),
                Fleet(id: "jittered", site: "s", gateway: "h", count: 50, message_bytes: 20,
                      report: Jitter(period: "1m", jitter: Uniform(min: "0s", max: "2m")),
                      lora: LoRa(spreading_factor: 12)),
            ],
        )"#,
    );
    assert!(montecarlo::flow_unsupported(&dep).is_none());
    assert_agree(&dep, 12);
}

/// Device buffers (`Fleet(buffer_messages: B)`) under a scripted gateway outage of D: each of N
/// devices reporting every P makes exactly D/P readings while its gateway is down and keeps the
/// first B of them, so N·max(0, D/P − B) overflow, exactly, in both modes. The kept ones leave
/// when the gateway is back, each after waiting from its creation to then: those created more
/// than the 5-minute deadline before the end of the outage are late.
#[test]
fn flow_device_buffers_under_a_gateway_outage_lose_n_times_d_over_p_minus_b() {
    // N = 100 every P = 1 min, D = 2 h: 120 readings a device in the outage.
    let (n, per_device) = (100.0, 120.0f64);
    for b in [50u64, 120, 200] {
        let dep = one_fleet(
            "1d",
            r#"buffer_messages: 0, uplinks: [Uplink(carrier: "c")]"#,
            &format!(r#"count: 100, report: Fixed("60s"), buffer_messages: {b}"#),
            r#"faults: [GatewayDown(gateway: "g", at: "6h", lasting: "2h")],"#,
        );
        let (packet, flow) = (
            run_mode(&dep, 3, Mode::Packet, None),
            run_mode(&dep, 3, Mode::Flow, None),
        );
        let kept_each = per_device.min(b as f64);
        for (mode, s) in [("packet", &packet), ("flow", &flow)] {
            let per_rep = |id: &str| total(s, id) / 3.0;
            assert_eq!(
                per_rep("lost_buffer_overflow"),
                n * (per_device - kept_each),
                "{mode} B = {b}"
            );
            assert_eq!(per_rep("messages_generated"), n * 1440.0, "{mode}");
            // Readings on the access link as the gateway went down are lost to it in packet
            // mode (a handful); none otherwise.
            assert!(per_rep("lost_gateway_down") <= 2.0, "{mode} B = {b}");
            // Kept readings created in the outage's last 5 minutes (less the access and
            // uplink latency) are on time: 5 a device when it keeps them all, none else.
            let late_expected = n * if b >= 120 {
                per_device - 5.0
            } else {
                kept_each
            };
            let late = per_rep("messages_delivered_late");
            // One reading a device either side of the deadline, and flow mode's binomial
            // lateness draw (at most 4.5 σ of Binomial(N·B, 5/120) over three replications).
            let sigma = (n * kept_each * (5.0 / 120.0) * (115.0 / 120.0) / 3.0).sqrt();
            assert!(
                (late - late_expected).abs() <= n + 4.5 * sigma,
                "{mode} B = {b}: late {late}, expected {late_expected}"
            );
            if b == 50 {
                // The kept readings are each device's first 50 of the outage, created on
                // average 25 minutes into it: they wait 95 minutes on the device, the other
                // 132,000 readings a day nothing, all of them the link latency L on top.
                let latency = mean_delay(&dep_without_outage(), Mode::Flow);
                let kept = n * kept_each;
                let delivered = n * 1440.0 - n * per_device + kept;
                let expected = latency + kept * 95.0 * 60.0 / delivered;
                let delay = s.estimate("mean_delivery_delay_s").expect("metric").mean;
                // Flow mode's chunk spans give it exactly (to rounding); packet mode's devices'
                // phases (σ 1.7 s of mean creation over 100) move it by ~0.06 s.
                let tolerance = if mode == "flow" { 0.01 } else { 0.5 };
                assert!(
                    (delay - expected).abs() < tolerance,
                    "{mode}: mean delay {delay}, expected {expected}"
                );
            }
        }
    }
}

/// The fleet of the outage tests, without an outage: its mean delay is the link latency.
fn dep_without_outage() -> Deployment {
    one_fleet(
        "1d",
        r#"buffer_messages: 0, uplinks: [Uplink(carrier: "c")]"#,
        r#"count: 100, report: Fixed("60s"), buffer_messages: 50"#,
        "",
    )
}

fn mean_delay(dep: &Deployment, mode: Mode) -> f64 {
    let s = run_mode(dep, 1, mode, None);
    s.estimate("mean_delivery_delay_s").expect("metric").mean
}

/// An outage lasting past the horizon: what the devices kept is still on them at the
/// horizon, N·min(B, D/P), in both modes; the rest overflowed.
#[test]
fn flow_device_buffers_hold_their_readings_at_the_horizon() {
    let dep = one_fleet(
        "1d",
        r#"buffer_messages: 0, uplinks: [Uplink(carrier: "c")]"#,
        r#"count: 100, report: Fixed("60s"), buffer_messages: 30"#,
        r#"faults: [GatewayDown(gateway: "g", at: "23h", lasting: "2h")],"#,
    );
    for mode in [Mode::Packet, Mode::Flow] {
        let s = run_mode(&dep, 2, mode, None);
        // 60 readings a device in the last hour, 30 kept.
        assert_eq!(
            total(&s, "messages_buffered_at_horizon"),
            2.0 * 100.0 * 30.0
        );
        assert_eq!(total(&s, "lost_buffer_overflow"), 2.0 * 100.0 * 30.0);
        // Device buffers are not gateway buffers.
        assert_eq!(s.estimate("peak_buffered").expect("metric").mean, 0.0);
    }
}

/// E[min(B, X)] for X ~ Poisson(mean), from the mass function.
fn expected_min_poisson(b: u64, mean: f64) -> f64 {
    let (mut p, mut cdf, mut sum) = ((-mean).exp(), 0.0, 0.0);
    for k in 0..b {
        cdf += p;
        sum += 1.0 - cdf;
        p *= mean / (k + 1) as f64;
    }
    sum
}

/// Exponential reports: a device makes Poisson(λD) readings in an outage of D and keeps at
/// most B, so N·(λD − E[min(B, Poisson(λD))]) overflow on average. Both modes agree with it
/// within 4.5 standard errors of their replications' mean.
#[test]
fn flow_device_buffers_with_poisson_reports_overflow_n_times_the_poisson_excess() {
    let (n, lambda_d, b, replications) = (100.0, 120.0, 120u64, 12u32);
    let dep = one_fleet(
        "1d",
        r#"buffer_messages: 0, uplinks: [Uplink(carrier: "c")]"#,
        &format!(r#"count: 100, report: Exponential(mean: "60s"), buffer_messages: {b}"#),
        r#"faults: [GatewayDown(gateway: "g", at: "6h", lasting: "2h")],"#,
    );
    // About 100 × 4.4 = 437: the Poisson law's excess over its mean, √120 · φ(0).
    let expected = n * (lambda_d - expected_min_poisson(b, lambda_d));
    assert!((400.0..470.0).contains(&expected), "{expected}");
    for mode in [Mode::Packet, Mode::Flow] {
        let s = run_mode(&dep, replications, mode, None);
        let e = s.estimate("lost_buffer_overflow").expect("metric");
        let se = e.half_width.unwrap_or(0.0) / montecarlo::t_quantile_975(e.n - 1);
        assert!(se > 0.0, "{mode:?}");
        assert!(
            (e.mean - expected).abs() <= Z * se,
            "{mode:?}: overflow {} ± {se} (one SE), expected {expected}",
            e.mean
        );
    }
}

/// Random gateway failures, with and without a standby, fleets keeping readings on their
/// devices (periodic and Poisson reports), gateways forwarding straight on or through a
/// server with and without a buffer: packet and flow mode agree on every metric, and flow mode
/// gives the same bytes on one and two threads.
#[test]
fn flow_device_buffers_agree_with_packet_mode_under_random_gateway_failures() {
    let single = one_fleet(
        "30d",
        r#"buffer_messages: 500, uplinks: [Uplink(carrier: "c")],
           failure: Failure(lifetime: Exponential(mean: "2d"), repair: Exponential(mean: "3h"))"#,
        r#"count: 40, report: Fixed("5m"), buffer_messages: 24"#,
        r#"faults: [CarrierDown(carrier: "c", at: "3d", lasting: "6h")],"#,
    );
    let pair = deployment(
        r#"Scenario(
            name: "kept-pair", horizon: "30d", seed: 11, replications: 12, deadline: "5m",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [
                Gateway(id: "a", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")],
                        failure: Failure(lifetime: Exponential(mean: "3d"),
                                         repair: Exponential(mean: "4h"))),
                Gateway(id: "b", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")],
                        failure: Failure(lifetime: Exponential(mean: "3d"),
                                         repair: Exponential(mean: "4h"))),
            ],
            redundancy: [ActiveStandby(id: "pair", gateways: ["a", "b"],
                detection: After(Fixed("20m")), switchover: Fixed("1m"),
                coverage: 0.9, switch_back: Immediate)],
            fleets: [
                Fleet(id: "periodic", site: "s", gateway: "pair", count: 30,
                      report: Fixed("2m"), buffer_messages: 10),
                Fleet(id: "poisson", site: "s", gateway: "pair", count: 30,
                      report: Exponential(mean: "2m"), buffer_messages: 10),
            ],
        )"#,
    );
    // A server taking 50 ms a message: a flushed burst queues behind it, or, without a
    // buffer, mostly finds it busy (the burst arrives spread by the LTE-M access delay).
    let served = |buffer: u64| {
        one_fleet(
            "30d",
            &format!(
                r#"buffer_messages: {buffer}, drain_per_s: 20.0, uplinks: [Uplink(carrier: "c")],
                   failure: Failure(lifetime: Exponential(mean: "2d"), repair: Exponential(mean: "3h"))"#
            ),
            r#"count: 40, report: Fixed("5m"), buffer_messages: 24, link: Link(tech: LteM)"#,
            "",
        )
    };
    for dep in [single, pair, served(0)] {
        assert!(montecarlo::flow_unsupported(&dep).is_none(), "{}", dep.name);
        assert_agree(&dep, 12);
        let one = summary_json(&run_mode(&dep, 4, Mode::Flow, Some(1)));
        let two = summary_json(&run_mode(&dep, 4, Mode::Flow, Some(2)));
        assert_eq!(one, two, "{}", dep.name);
    }
}

/// A flushed burst queueing behind a gateway's server: packet and flow mode agree on the
/// messages, delays and gateway waits (waits count from the burst's arrival at the gateway,
/// not from its readings' creation). The peak it makes is flow mode's fluid estimate over the
/// access delay law (the server drains while the burst arrives): packet mode's differs by
/// the handful drained in the law's tails, so it is held to 3% instead of the SE rule.
#[test]
fn flow_device_buffer_bursts_queue_behind_a_server_as_in_packet_mode() {
    let dep = one_fleet(
        "30d",
        r#"buffer_messages: 1000, drain_per_s: 20.0, uplinks: [Uplink(carrier: "c")],
           failure: Failure(lifetime: Exponential(mean: "2d"), repair: Exponential(mean: "3h"))"#,
        r#"count: 40, report: Fixed("5m"), buffer_messages: 24, link: Link(tech: LteM)"#,
        "",
    );
    let packet = run_mode(&dep, 12, Mode::Packet, None);
    let flow = run_mode(&dep, 12, Mode::Flow, None);
    let se = |e: &montecarlo::Estimate| {
        e.half_width.unwrap_or(0.0) / montecarlo::t_quantile_975(e.n - 1)
    };
    for id in [
        "messages_delivered",
        "messages_delivered_late",
        "lost_buffer_overflow",
        "mean_delivery_delay_s",
        "mean_gateway_wait_s",
        "max_gateway_utilisation",
    ] {
        let (p, f) = (
            packet.estimate(id).expect("metric"),
            flow.estimate(id).expect("metric"),
        );
        let tolerance = Z * se(p).hypot(se(f)) + 1e-9;
        assert!(
            (p.mean - f.mean).abs() <= tolerance,
            "{id}: packet {} flow {} > {tolerance}",
            p.mean,
            f.mean
        );
    }
    let peak = |s: &Summary| s.estimate("peak_buffered").expect("metric").mean;
    assert!(peak(&packet) > 500.0, "{}", peak(&packet));
    assert!(
        (peak(&packet) - peak(&flow)).abs() <= 0.03 * peak(&packet),
        "peak: packet {} flow {}",
        peak(&packet),
        peak(&flow)
    );
}

/// Custody: a device keeps a reading when nobody would take it. Behind a pass-through gateway
/// (no buffer, like a cellular operator's core) a carrier outage leaves the device without an
/// acknowledgement, so it keeps its readings as under a gateway outage: N·max(0, D/P − B)
/// overflow, exactly, in both modes, and nothing is lost for want of a path. Behind a gateway
/// that stores what it cannot forward, the gateway takes them and the devices keep nothing.
#[test]
fn devices_behind_a_pass_through_gateway_keep_their_readings_through_a_carrier_outage() {
    let (n, per_device) = (100.0, 120.0f64);
    let outage = r#"faults: [CarrierDown(carrier: "c", at: "6h", lasting: "2h")],"#;
    for b in [50u64, 200] {
        let dep = one_fleet(
            "1d",
            r#"buffer_messages: 0, uplinks: [Uplink(carrier: "c")]"#,
            &format!(r#"count: 100, report: Fixed("60s"), buffer_messages: {b}"#),
            outage,
        );
        for mode in [Mode::Packet, Mode::Flow] {
            let s = run_mode(&dep, 3, mode, None);
            let per_rep = |id: &str| total(&s, id) / 3.0;
            assert_eq!(
                per_rep("lost_buffer_overflow"),
                n * (per_device - per_device.min(b as f64)),
                "{mode:?} B = {b}"
            );
            // Readings already on the uplink as the carrier failed (a handful in packet mode).
            let stranded = per_rep("lost_no_path") + per_rep("lost_undetected_outage");
            assert!(
                stranded <= 2.0,
                "{mode:?} B = {b}: {stranded} lost on the way"
            );
        }
    }
    let stored = one_fleet(
        "1d",
        r#"buffer_messages: 1000000, uplinks: [Uplink(carrier: "c")]"#,
        r#"count: 100, report: Fixed("60s"), buffer_messages: 50"#,
        outage,
    );
    for mode in [Mode::Packet, Mode::Flow] {
        let s = run_mode(&stored, 3, mode, None);
        assert_eq!(total(&s, "lost_buffer_overflow"), 0.0, "{mode:?}");
        let peak = s.estimate("peak_buffered").expect("metric").mean;
        assert!(peak >= n * per_device - n, "{mode:?}: peak {peak}");
    }
}

/// A gateway's backlog drained after an uplink outage: its readings reached the gateway long
/// before, so their delay is their wait plus the uplink's latency, not the access latency a
/// second time. 100 devices every minute, access 1 s, uplink 200 ms, the carrier down 2 h:
/// 132,000 readings a day take 1.2 s and the 12,000 of the outage wait D/2 = 3,600 s on
/// average, then 0.2 s: a mean of (132,000 · 1.2 + 12,000 · 3,600.2) / 144,000 s.
#[test]
fn a_drained_backlog_adds_the_uplink_latency_only() {
    let dep = one_fleet(
        "1d",
        r#"buffer_messages: 1000000, uplinks: [Uplink(carrier: "c", link: Link(latency: Fixed("200ms")))]"#,
        r#"count: 100, report: Fixed("60s"), link: Link(latency: Fixed("1s"))"#,
        r#"faults: [CarrierDown(carrier: "c", at: "6h", lasting: "2h")],"#,
    );
    let expected = (132_000.0 * 1.2 + 12_000.0 * 3_600.2) / 144_000.0;
    for (mode, tolerance) in [
        // Flow mode's chunks carry their creation spans: exact to rounding.
        (Mode::Flow, 0.01),
        // Packet mode's device phases move the outage readings' mean creation by σ ≈ 1.7 s
        // (60 s / √12 / √100), 0.14 s on the day's mean; 4σ over 3 replications.
        (Mode::Packet, 0.35),
    ] {
        let s = run_mode(&dep, 3, mode, None);
        assert_eq!(total(&s, "messages_generated"), 3.0 * 144_000.0, "{mode:?}");
        let delay = s.estimate("mean_delivery_delay_s").expect("metric").mean;
        assert!(
            (delay - expected).abs() < tolerance,
            "{mode:?}: mean delay {delay}, expected {expected}"
        );
    }
}

/// A small site quiet for years: four devices reporting once a day with a deadline of an hour
/// keep it fresh about an hour a reading, so about 5/6 of the time it is stale, whether the
/// run lasts 100 days or 1,500 (a piece of more than 4,096 readings was once taken as one
/// fresh interval, and the site as never stale).
#[test]
fn flow_staleness_of_sparse_readings_does_not_depend_on_the_horizon() {
    for horizon in ["100d", "1500d"] {
        let mut dep = one_fleet(
            horizon,
            r#"buffer_messages: 100, uplinks: [Uplink(carrier: "c")]"#,
            r#"count: 4, report: Fixed("1d")"#,
            "",
        );
        dep.deadline = 3_600_000_000;
        let s = run_mode(&dep, 2, Mode::Flow, None);
        let stale = column(&s, "site_stale_share");
        for share in stale {
            assert!((share - 5.0 / 6.0).abs() < 0.005, "{horizon}: {share}");
        }
    }
}
