//! LoRaWAN contention: unslotted ALOHA on shared channels and the duty-cycle limit, against
//! their closed forms.

use iotwin::model::lora::{LORAWAN_OVERHEAD_BYTES, LoRaPhy};

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
