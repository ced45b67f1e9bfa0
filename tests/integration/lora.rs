//! LoRaWAN contention: pure and slotted ALOHA on shared channels, the duty-cycle limit, range
//! under log-distance path loss, spreading factors by distance and capture, against their
//! closed forms.

use iotwin::model::lora::{LORAWAN_OVERHEAD_BYTES, LoRaPhy, LogDistance, sensitivity_dbm};

use crate::common::{column, deployment, run, total};

/// `count` devices per fleet, one fleet per entry of `sfs`, all at one site sharing `channels`.
fn lora_site(count: u32, period: &str, report: &str, sfs: &[u8], lora_extra: &str) -> String {
    let fleets: Vec<String> = sfs
        .iter()
        .enumerate()
        .map(|(i, sf)| {
            format!(
                r#"Fleet(id: "f{i}", site: "s", gateway: "g", count: {count}, message_bytes: 20,
                    report: {report}("{period}"), lora: LoRa(spreading_factor: {sf} {lora_extra}))"#
            )
        })
        .collect();
    format!(
        r#"Scenario(
            name: "lora", horizon: "1d", seed: 3, replications: 8,
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")])],
            fleets: [{}],
        )"#,
        fleets.join(",\n")
    )
    .replace(r#"Exponential("#, r#"Exponential(mean: "#)
}

/// [`lora_site`] measured after an hour's warm-up: each device's first reading falls at a
/// uniform phase in its first period and the exponential gaps start from it, so the first
/// period carries up to twice the load; the closed forms below are for the steady state.
fn steady_lora_site(count: u32, sfs: &[u8], lora_extra: &str) -> String {
    lora_site(count, "10m", "Exponential", sfs, lora_extra)
        .replace(r#"horizon: "1d","#, r#"horizon: "1d", warmup: "1h","#)
}

fn airtime_s(sf: u8) -> f64 {
    LoRaPhy::sf(sf).time_on_air_us(20 + LORAWAN_OVERHEAD_BYTES) as f64 / 1e6
}

/// Pure (unslotted) ALOHA: with Poisson traffic of G frames per frame time on a channel, a
/// frame survives when no other starts within one frame time either side: e^{−2G}. Each
/// replication's collision share is an average over thousands of frames, so its spread across
/// replications gives the tolerance (Student t, 7 degrees of freedom, widened to 5 standard
/// errors).
#[test]
fn collisions_follow_pure_aloha() {
    let sf = 9;
    let t = airtime_s(sf);
    for (count, channels) in [(400u32, 1u32), (1600, 1), (1600, 4)] {
        let period_s = 600.0;
        let text = lora_site(
            count,
            "10m",
            "Exponential",
            &[sf],
            &format!(", channels: {channels}, duty_cycle: 1.0"),
        );
        let s = run(&deployment(&text), 8);
        let g = count as f64 * t / period_s / channels as f64;
        let expected = 1.0 - (-2.0 * g).exp();
        let share: Vec<f64> = column(&s, "lost_collision")
            .iter()
            .zip(column(&s, "messages_generated"))
            .zip(column(&s, "messages_in_flight_at_horizon"))
            .map(|((lost, generated), flying)| lost / (generated - flying))
            .collect();
        let n = share.len() as f64;
        let mean = share.iter().sum::<f64>() / n;
        let sd = (share.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        assert!(
            (mean - expected).abs() < 5.0 * sd / n.sqrt(),
            "{count} devices on {channels} channel(s), G = {g:.3}: collision share {mean:.5}, \
             ALOHA says {expected:.5} (sd {sd:.5})"
        );
    }
}

/// Spreading factors are orthogonal: two fleets at different SFs do not collide with each
/// other, so each sees the loss of its own load alone; at the same SF they add up.
#[test]
fn spreading_factors_do_not_collide_with_each_other() {
    let apart = run(
        &deployment(&lora_site(
            800,
            "10m",
            "Exponential",
            &[7, 8],
            ", duty_cycle: 1.0",
        )),
        4,
    );
    let together = run(
        &deployment(&lora_site(
            800,
            "10m",
            "Exponential",
            &[8, 8],
            ", duty_cycle: 1.0",
        )),
        4,
    );
    let share = |s| total(s, "lost_collision") / total(s, "messages_generated");
    let g7 = 800.0 * airtime_s(7) / 600.0 / 8.0;
    let g8 = 800.0 * airtime_s(8) / 600.0 / 8.0;
    let alone = 1.0 - 0.5 * ((-2.0 * g7).exp() + (-2.0 * g8).exp());
    let shared = 1.0 - (-4.0 * g8).exp();
    assert!(
        (share(&apart) - alone).abs() < 0.15 * alone,
        "{}",
        share(&apart)
    );
    assert!((share(&together) - shared).abs() < 0.15 * shared);
    assert!(share(&together) > 1.5 * share(&apart));
}

/// A device that must stay silent for (1/dc − 1) × time on air after each transmission, and
/// reports every P, gets one reading in ⌈(T + silence) / P⌉ through; the rest are dropped.
#[test]
fn the_duty_cycle_drops_readings_due_during_the_silence() {
    let sf = 12;
    let t = airtime_s(sf);
    let period = 30.0;
    let text = lora_site(
        10,
        "30s",
        "Fixed",
        &[sf],
        ", channels: 64, duty_cycle: 0.01",
    );
    let s = run(&deployment(&text), 2);
    let every = ((t / 0.01) / period).ceil();
    let generated = total(&s, "messages_generated");
    let dropped = total(&s, "lost_duty_cycle");
    let expected = generated * (1.0 - 1.0 / every);
    assert!(
        (dropped - expected).abs() <= 2.0 * 10.0 * 2.0,
        "dropped {dropped}, expected {expected} (one in {every} sent)"
    );
}

/// Gateways in range of each other share the air: a second gateway at the site with its own
/// fleet doubles the offered load on the channels, and every device loses more — the planner's
/// trade-off between gateways per site and devices per gateway.
#[test]
fn more_gateways_in_range_share_the_same_channels() {
    let one = lora_site(800, "10m", "Exponential", &[9], ", duty_cycle: 1.0");
    let two = one
        .replace(
            r#"gateways: [Gateway(id: "g","#,
            r#"gateways: [Gateway(id: "g2", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")]), Gateway(id: "g","#,
        )
        .replace(
            "fleets: [",
            r#"fleets: [Fleet(id: "other", site: "s", gateway: "g2", count: 800, message_bytes: 20,
                report: Exponential(mean: "10m"), lora: LoRa(spreading_factor: 9, duty_cycle: 1.0)), "#,
        );
    let share = |text: &str| {
        let s = run(&deployment(text), 4);
        total(&s, "lost_collision") / total(&s, "messages_generated")
    };
    let g = 800.0 * airtime_s(9) / 600.0 / 8.0;
    let (alone, shared) = (share(&one), share(&two));
    assert!(
        (alone - (1.0 - (-2.0 * g).exp())).abs() < 0.1 * alone,
        "{alone}"
    );
    assert!(
        (shared - (1.0 - (-4.0 * g).exp())).abs() < 0.1 * shared,
        "{shared}"
    );
}

/// Each replication's readings lost out of range (none without a placement, whose scenarios
/// have no such metric).
fn out_of_range(s: &iotwin::montecarlo::Summary) -> Vec<f64> {
    match s.index_of("lost_out_of_range") {
        Some(_) => column(s, "lost_out_of_range"),
        None => vec![0.0; s.per_replication.len()],
    }
}

/// The collision share of each replication (collisions among the frames that went on air and
/// were settled), with its mean and standard deviation across replications.
fn collision_shares(s: &iotwin::montecarlo::Summary) -> (f64, f64, f64) {
    let share: Vec<f64> = column(s, "lost_collision")
        .iter()
        .zip(column(s, "messages_generated"))
        .zip(column(s, "messages_in_flight_at_horizon"))
        .zip(column(s, "lost_duty_cycle"))
        .zip(out_of_range(s))
        .map(|((((lost, generated), flying), silent), far)| {
            lost / (generated - flying - silent - far)
        })
        .collect();
    let n = share.len() as f64;
    let mean = share.iter().sum::<f64>() / n;
    let sd = (share.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd, n)
}

/// Slotted ALOHA: frames start only at slot boundaries and fit in a slot, so two collide only
/// when they pick the same slot: a frame survives with e^{−G}, G the frames per slot on its
/// channel, against pure ALOHA's e^{−2G} at the same load. Tolerance as for pure ALOHA.
#[test]
fn collisions_follow_slotted_aloha() {
    let sf = 9;
    let slot_s = 0.25;
    assert!(airtime_s(sf) <= slot_s, "SF9's frame fits a 250 ms slot");
    for (count, channels) in [(1600u32, 1u32), (3200, 1), (6400, 4)] {
        let text = steady_lora_site(
            count,
            &[sf],
            &format!(r#", channels: {channels}, duty_cycle: 1.0, access: Slotted(slot: "250ms")"#),
        );
        let s = run(&deployment(&text), 8);
        let g = count as f64 * slot_s / 600.0 / channels as f64;
        let expected = 1.0 - (-g).exp();
        let (mean, sd, n) = collision_shares(&s);
        assert!(
            (mean - expected).abs() < 5.0 * sd / n.sqrt(),
            "{count} devices on {channels} channel(s), G = {g:.3} per slot: collision share \
             {mean:.5}, slotted ALOHA says {expected:.5} (sd {sd:.5})"
        );
        let pure = 1.0 - (-2.0 * count as f64 * airtime_s(sf) / 600.0 / channels as f64).exp();
        assert!(
            mean < pure - 0.05,
            "slotting must beat pure ALOHA's {pure:.3}"
        );
    }
}

/// A slot shorter than the frame is refused before the run, naming the field and the slot the
/// frame needs.
#[test]
fn a_slot_shorter_than_the_frame_is_refused() {
    let text = lora_site(
        10,
        "10m",
        "Exponential",
        &[12],
        r#", access: Slotted(slot: "1s")"#,
    );
    let err = iotwin::scenario::compile_source(&text, "test.ron")
        .expect_err("SF12's 1.8 s frame does not fit a 1 s slot")
        .to_string();
    assert!(
        err.contains("access.slot") && err.contains("1.810"),
        "{err}"
    );
}

/// Devices uniform in area on a disc of radius R around the gateway: the share within the
/// reach r of a spreading factor (where the log-distance path loss leaves the received power
/// at its sensitivity) is (r/R)², and every reading of a device beyond it is lost as
/// `out_of_range`. Each replication places the devices anew, so the out-of-range share is
/// binomial over the devices: the tolerance is five of its standard errors.
#[test]
fn devices_beyond_reach_lose_their_readings_as_out_of_range() {
    let pl = LogDistance::BOR_2016;
    let count = 2000u32;
    let reps = 4.0;
    for (sf, by_distance, radius) in [(7u8, false, 400.0), (12, false, 1000.0), (7, true, 1000.0)] {
        // SF by distance reaches as far as SF12 does.
        let top = if by_distance { 12 } else { sf };
        let reach = pl.distance_m(14.0 - sensitivity_dbm(top, 125_000));
        let expected = 1.0 - (reach / radius).powi(2);
        let text = lora_site(
            count,
            "1h",
            "Fixed",
            &[sf],
            &format!(
                ", duty_cycle: 1.0, sf_by_distance: {by_distance}, \
                 placement: Placement(radius_m: {radius})"
            ),
        );
        let s = run(&deployment(&text), reps as u32);
        let share = total(&s, "lost_out_of_range") / total(&s, "messages_generated");
        let se = (expected * (1.0 - expected) / (count as f64 * reps)).sqrt();
        assert!(
            (share - expected).abs() < 5.0 * se,
            "SF{sf} (by distance: {by_distance}), R = {radius} m, reach {reach:.0} m: \
             out of range {share:.4}, expected {expected:.4}"
        );
    }
}

/// With spreading factors picked by distance, the disc splits into rings, one per SF, whose
/// areas give each SF's share of the devices p_sf; spreading factors are orthogonal, so each
/// ring is its own pure-ALOHA system at load G_sf = N p_sf T_sf / P per channel (Georgiou &
/// Raza 2017's SF-orthogonal model without fading): collision share Σ p_sf (1 − e^{−2 G_sf}).
/// Tolerance: five standard errors across replications, plus 2% of the expected share for
/// the placement's own spread around p_sf.
#[test]
fn spreading_factors_by_distance_collide_ring_by_ring() {
    let pl = LogDistance::BOR_2016;
    let radius = 500.0;
    let count = 4000u32;
    let channels = 8.0;
    let reach = |sf: u8| {
        pl.distance_m(14.0 - sensitivity_dbm(sf, 125_000))
            .min(radius)
    };
    let mut expected = 0.0;
    let mut inner = 0.0;
    for sf in 7..=12u8 {
        let outer = reach(sf);
        let p = (outer / radius).powi(2) - (inner / radius).powi(2);
        inner = outer;
        let g = count as f64 * p * airtime_s(sf) / 600.0 / channels;
        expected += p * (1.0 - (-2.0 * g).exp());
    }
    assert!(reach(12) >= radius, "everyone in range");
    let text = steady_lora_site(
        count,
        &[7],
        ", duty_cycle: 1.0, sf_by_distance: true, placement: Placement(radius_m: 500)",
    );
    let s = run(&deployment(&text), 8);
    let (mean, sd, n) = collision_shares(&s);
    assert!(
        (mean - expected).abs() < 5.0 * sd / n.sqrt() + 0.02 * expected,
        "collision share {mean:.5}, ring-by-ring ALOHA says {expected:.5} (sd {sd:.5})"
    );
}

/// Capture (Bor et al. 2016, LoRaSim): of two overlapping frames the one stronger by 6 dB or
/// more survives. With devices uniform on a disc and log-distance path loss, a frame from
/// distance d is at least 6 dB stronger than one from beyond k·d, k = 10^{6/(10γ)}; a frame
/// survives when every frame overlapping it comes from beyond k·d, so for Poisson traffic
/// at G frames per frame time the success probability, averaged over the disc (u = d/R), is
/// ∫₀¹ 2u e^{−2G min(1, k²u²)} du = (1 − e^{−2G}) / (2G k²) + (1 − 1/k²) e^{−2G}. Tolerance as
/// for pure ALOHA.
#[test]
fn capture_lets_the_stronger_frame_through() {
    let sf = 12;
    let t = airtime_s(sf);
    let k2 = 10f64
        .powf(6.0 / (10.0 * LogDistance::BOR_2016.exponent))
        .powi(2);
    for count in [200u32, 400] {
        let g = count as f64 * t / 600.0;
        let success =
            (1.0 - (-2.0 * g).exp()) / (2.0 * g * k2) + (1.0 - 1.0 / k2) * (-2.0 * g).exp();
        let text = steady_lora_site(
            count,
            &[sf],
            ", channels: 1, duty_cycle: 1.0, capture_db: 6.0, placement: Placement(radius_m: 500)",
        );
        let s = run(&deployment(&text), 8);
        let (mean, sd, n) = collision_shares(&s);
        assert!(
            (mean - (1.0 - success)).abs() < 5.0 * sd / n.sqrt(),
            "{count} devices, G = {g:.3}: collision share {mean:.5}, capture model says {:.5} \
             (sd {sd:.5}); without capture {:.5}",
            1.0 - success,
            1.0 - (-2.0 * g).exp()
        );
    }
}

/// Capture and placement need each frame's power: flow mode refuses them, and `auto` runs
/// such a scenario in packet mode.
#[test]
fn flow_mode_refuses_what_it_cannot_account() {
    use iotwin::montecarlo::{Mode, flow_unsupported, resolve_mode};
    let text = lora_site(
        10,
        "10m",
        "Exponential",
        &[12],
        ", capture_db: 6.0, placement: Placement(radius_m: 500)",
    );
    let dep = deployment(&text);
    let reason = flow_unsupported(&dep).expect("refused");
    assert!(
        reason.contains("f0") && reason.contains("packet"),
        "{reason}"
    );
    assert_eq!(resolve_mode(&dep, Mode::Auto), Ok(Mode::Packet));
    let plain = deployment(&lora_site(10, "10m", "Exponential", &[12], ""));
    assert_eq!(flow_unsupported(&plain), None);
}

/// Bor et al. 2016's LoRaSim, experiment 0 (their fixed-setting network, SN1): every node at
/// SF12, 125 kHz, CR 4/8, a 20-byte PHY payload (7 application bytes plus LoRaWAN's 13), one
/// frequency, one gateway, exponential gaps of mean 1000 s (`avgSendTime` 10⁶ ms), no duty
/// cycle enforced, and LoRaSim's default collision rule (`full_collision = False`: any overlap
/// at the same frequency and SF loses both). Its data extraction rate (DER, received over
/// sent) then follows pure ALOHA, e^{−2G} with G = N T / 1000 s. The same network with
/// Bor et al.'s capture rule (6 dB) follows the disc integral of
/// `capture_lets_the_stronger_frame_through`. Run with `--nocapture` for the table recorded
/// in docs/lora.md. Tolerance: five standard errors of the DER across replications, plus 0.5%
/// for the start-up transient a 1 h warm-up leaves.
#[test]
fn lorasim_fixed_sf12_network_follows_aloha_with_and_without_capture() {
    let t = LoRaPhy {
        coding_rate: 4,
        ..LoRaPhy::sf(12)
    }
    .time_on_air_us(20) as f64
        / 1e6;
    let k2 = 10f64
        .powf(6.0 / (10.0 * LogDistance::BOR_2016.exponent))
        .powi(2);
    eprintln!("nodes  G      DER(no capture) ALOHA   DER(capture 6 dB) model");
    for nodes in [100u32, 200, 500, 1000] {
        let g = nodes as f64 * t / 1000.0;
        let mut row = format!("{nodes:<6} {g:.3}");
        for capture in [false, true] {
            let extra = format!(
                ", channels: 1, duty_cycle: 1.0, coding_rate: 4, placement: \
                 Placement(radius_m: 500){}",
                if capture { ", capture_db: 6.0" } else { "" }
            );
            let text = lora_site(nodes, "1000s", "Exponential", &[12], &extra)
                .replace("message_bytes: 20", "message_bytes: 7")
                .replace(r#"horizon: "1d","#, r#"horizon: "2d", warmup: "1h","#);
            let s = run(&deployment(&text), 8);
            let der: Vec<f64> = column(&s, "messages_delivered")
                .iter()
                .zip(column(&s, "messages_generated"))
                .zip(column(&s, "messages_in_flight_at_horizon"))
                .map(|((delivered, generated), flying)| delivered / (generated - flying))
                .collect();
            let n = der.len() as f64;
            let mean = der.iter().sum::<f64>() / n;
            let sd = (der.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let expected = if capture {
                (1.0 - (-2.0 * g).exp()) / (2.0 * g * k2) + (1.0 - 1.0 / k2) * (-2.0 * g).exp()
            } else {
                (-2.0 * g).exp()
            };
            row += &format!("  {mean:.4} {expected:.4}");
            assert!(
                (mean - expected).abs() < 5.0 * sd / n.sqrt() + 0.005,
                "{nodes} nodes, capture {capture}: DER {mean:.4}, model {expected:.4} (sd {sd:.4})"
            );
        }
        eprintln!("{row}");
    }
}

/// What the LoRa options cannot mean is refused before the run, naming the field and with a
/// hint: powers without a placement, a disc or a law that is not positive, fleets at one site
/// that would take or settle their shared channels differently.
#[test]
fn impossible_lora_options_are_refused_with_the_field() {
    let refused = |extra: &str, field: &str| {
        let text = lora_site(10, "10m", "Exponential", &[9], extra);
        let err = iotwin::scenario::compile_source(&text, "test.ron")
            .expect_err(extra)
            .to_string();
        assert!(err.contains(field), "{extra}: {err}");
    };
    refused(", capture_db: 6.0", "lora.capture_db");
    refused(", sf_by_distance: true", "lora.sf_by_distance");
    refused(
        ", placement: Placement(radius_m: -5.0)",
        "lora.placement.radius_m",
    );
    refused(
        ", placement: Placement(radius_m: 500, path_loss: PathLoss(exponent: 0.0))",
        "lora.placement.path_loss.exponent",
    );
    refused(
        ", capture_db: -1.0, placement: Placement(radius_m: 500)",
        "lora.capture_db",
    );
    refused(
        ", preamble_lock: true, placement: Placement(radius_m: 500)",
        "lora.preamble_lock",
    );
    refused(
        ", bandwidth_by_distance: true, placement: Placement(radius_m: 500)",
        "lora.bandwidth_by_distance",
    );
    refused(", sensitivity: LoRaSim", "lora.sensitivity");
    // Two fleets at one site, one slotted and one not.
    let text = lora_site(10, "10m", "Exponential", &[9, 9], "").replacen(
        "LoRa(spreading_factor: 9 )",
        r#"LoRa(spreading_factor: 9, access: Slotted(slot: "1s"))"#,
        1,
    );
    let err = iotwin::scenario::compile_source(&text, "test.ron")
        .expect_err("mixed access at one site")
        .to_string();
    assert!(
        err.contains("fleets[1].lora") && err.contains("access"),
        "{err}"
    );
}

/// One row of LoRaSim's measured curves (`tests/data/lorasim/der.csv`): the mean data
/// extraction rate of its runs and its standard error across them.
struct LoRaSimPoint {
    der: f64,
    se: f64,
}

/// LoRaSim's measured DER for `experiment` at `nodes`, with (`full`) or without its full
/// collision check, and with `fix` whether the run kept the arriving frame's collision flag
/// (see the data's README).
fn lorasim_reference(experiment: u32, full: bool, fix: bool, nodes: u32) -> LoRaSimPoint {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lorasim/der.csv");
    let text = std::fs::read_to_string(path).expect("tests/data/lorasim/der.csv");
    let mut rows = text.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = rows.next().expect("header").split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let key = [
        experiment.to_string(),
        u32::from(full).to_string(),
        u32::from(fix).to_string(),
        nodes.to_string(),
    ];
    let cols = [
        at("experiment"),
        at("full_collision"),
        at("arrival_flag_fix"),
        at("nodes"),
    ];
    let row: Vec<&str> = rows
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| cols.iter().zip(&key).all(|(&c, k)| r[c] == k))
        .unwrap_or_else(|| panic!("no LoRaSim row for {key:?}"));
    LoRaSimPoint {
        der: row[at("der")].parse().expect("der"),
        se: row[at("der_se")].parse().expect("der_se"),
    }
}

/// LoRaSim's settings per experiment as iotwin's: the (lowest) spreading factor, the other
/// fields of `LoRa(...)`, and the sensitivity in dBm that sets the radius of its disc.
/// Experiments 0, 1 and 4 send at SF12 and 125 kHz with coding rate 4/8 (its `cr = 4`), 4/8
/// on one of three frequencies 4 MHz apart per node, and 4/5; their disc reaches −132.25 dBm.
/// Experiment 3 gives each node the fastest (SF, bandwidth) its received power meets in
/// LoRaSim's table, at 4/5, on a disc that reaches the table's weakest entry, −134.5 dBm.
fn lorasim_settings(experiment: u32) -> (u8, &'static str, f64) {
    match experiment {
        0 => (12, "coding_rate: 4, channels: 1", -132.25),
        1 => (12, "coding_rate: 4, channels: 3", -132.25),
        4 => (12, "coding_rate: 1, channels: 1", -132.25),
        3 => (
            7,
            "coding_rate: 1, channels: 1, sf_by_distance: true, bandwidth_by_distance: true, \
             sensitivity: LoRaSim",
            -134.5,
        ),
        _ => unreachable!("experiment {experiment} is not modelled"),
    }
}

/// The network of LoRaSim's `loraDir.py` for `experiment` (0, 1, 3 or 4) as an iotwin
/// scenario, run for 8 replications of `horizon` after an hour's warm-up; returns the
/// DER (frames received over frames sent) with its standard error across replications.
///
/// LoRaSim places nodes uniformly in area on a disc whose radius is where 14 dBm just reaches
/// the experiment's sensitivity ([`lorasim_settings`]), every node transmits a 20-byte PHY payload
/// after exponential gaps of mean 1000 s (no duty cycle) on one frequency, and its path loss
/// is `127.41 + 20.8 ln(d/40)`: the natural logarithm, where the paper's law has log10. That is
/// iotwin's log10 law with exponent 2.08 ln 10 = 4.789, which gives the same loss at every
/// distance. Full collision is capture at 6 dB with the preamble-lock condition.
fn iotwin_lorasim_der(experiment: u32, full: bool, nodes: u32, horizon: &str) -> (f64, f64) {
    let (sf, settings, reach_dbm) = lorasim_settings(experiment);
    let gamma_ln = 2.08 * std::f64::consts::LN_10;
    let radius = 40.0 * ((14.0 - reach_dbm - 127.41) / 20.8f64).exp();
    let extra = format!(
        ", {settings}, duty_cycle: 1.0, placement: \
         Placement(radius_m: {radius:.6}, path_loss: PathLoss(exponent: {gamma_ln:.9})){}",
        if full {
            ", capture_db: 6.0, preamble_lock: true"
        } else {
            ""
        }
    );
    let text = lora_site(nodes, "1000s", "Exponential", &[sf], &extra)
        .replace("message_bytes: 20", "message_bytes: 7")
        .replace(
            r#"horizon: "1d","#,
            &format!(r#"horizon: "{horizon}", warmup: "1h","#),
        );
    let s = run(&deployment(&text), 8);
    let der: Vec<f64> = column(&s, "lost_collision")
        .iter()
        .zip(column(&s, "messages_generated"))
        .zip(column(&s, "messages_in_flight_at_horizon"))
        .zip(column(&s, "lost_duty_cycle"))
        .zip(out_of_range(&s))
        .map(|((((lost, generated), flying), busy), far)| {
            let sent = generated - flying - busy;
            1.0 - (lost + far) / sent
        })
        .collect();
    let n = der.len() as f64;
    let mean = der.iter().sum::<f64>() / n;
    let sd = (der.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd / n.sqrt())
}

/// iotwin against LoRaSim's own measured curve, point by point: the difference must stay
/// within four standard errors of the difference (both simulators' spreads across their runs)
/// plus 0.002 for what differs between the two by construction and does not shrink with more
/// runs: LoRaSim counts the frames still on air at its end as sent and not received (a
/// node's share T/period ≈ 0.0017 of one frame out of its 86 a day, below 1e-4), starts
/// with an empty channel where iotwin warms up, and holds powers as f64 where iotwin keeps
/// f32 (a 6 dB comparison flips only within 1e-5 dB).
fn compare_with_lorasim(points: &[(u32, bool, u32)], horizon: &str) {
    eprintln!("exp full nodes  LoRaSim DER (se)    iotwin DER (se)     diff    allowed");
    for &(experiment, full, nodes) in points {
        let reference = lorasim_reference(experiment, full, full, nodes);
        let (der, se) = iotwin_lorasim_der(experiment, full, nodes, horizon);
        let allowed = 4.0 * (se * se + reference.se * reference.se).sqrt() + 0.002;
        let diff = der - reference.der;
        eprintln!(
            "{experiment:<3} {full:<5} {nodes:<5} {:.4} ({:.4})     {der:.4} ({se:.4})     \
             {diff:+.4} {allowed:.4}",
            reference.der, reference.se
        );
        assert!(
            diff.abs() <= allowed,
            "experiment {experiment}, full collision {full}, {nodes} nodes: iotwin {der:.4} \
             against LoRaSim {:.4}",
            reference.der
        );
    }
}

/// LoRaSim's experiments 0 (SF12, CR 4/8) with its simple and its full collision check, 4
/// (LoRaWAN's SF12, CR 4/5) and 3 (the fastest setting each node reaches, both checks) at a
/// light and a heavy load; the whole curves are
/// `lorasim_curves_match_at_every_node_count`.
#[test]
fn lorasim_curves_match_at_two_loads() {
    compare_with_lorasim(
        &[
            (0, false, 200),
            (0, false, 1000),
            (0, true, 200),
            (0, true, 1000),
            (4, false, 1000),
            (3, false, 1000),
            (3, true, 1000),
        ],
        "2d",
    );
}

/// Every point of LoRaSim's curves stored in `tests/data/lorasim/der.csv` for the experiments
/// iotwin models (0, 1, 3 and 4; each check as the paper describes it, see the data's
/// README). Slow (a few minutes): `cargo test --profile ci --test integration
/// lora::lorasim_curves -- --ignored --nocapture`.
#[test]
#[ignore]
fn lorasim_curves_match_at_every_node_count() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lorasim/der.csv");
    let text = std::fs::read_to_string(path).expect("tests/data/lorasim/der.csv");
    let points: Vec<(u32, bool, u32)> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<u32> = l.split(',').take(4).map(|x| x.parse().expect(l)).collect();
            let (experiment, full, fix, nodes) = (f[0], f[1] == 1, f[2] == 1, f[3]);
            ([0, 1, 3, 4].contains(&experiment) && full == fix).then_some((experiment, full, nodes))
        })
        .collect();
    assert!(points.len() >= 24, "{} points", points.len());
    compare_with_lorasim(&points, "4d");
}
