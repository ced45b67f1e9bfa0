//! Certificates that expire and firmware updates that brick: exact timelines where the
//! outcome is certain, binomial tolerances where it is drawn.

use crate::common::{column, deployment, run, total};

/// One site, one perfect path, `count` devices reporting every hour, plus `fleet` and `top`
/// fields.
fn scenario(horizon: &str, count: u32, fleet: &str, top: &str) -> String {
    format!(
        r#"Scenario(
            name: "software", horizon: "{horizon}", seed: 8, replications: 3, deadline: "1h",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 100, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: {count}, report: Fixed("1h"), {fleet})],
            {top}
        )"#
    )
}

/// Certificates issued together and never rotated expire together: every device is blind
/// from expiry until it is re-provisioned, exactly.
#[test]
fn certificates_issued_together_expire_together() {
    let text = scenario(
        "20d",
        50,
        r#"certificate: Certificate(validity: "10d", fix: Fixed("2d"))"#,
        "",
    );
    let s = run(&deployment(&text), 3);
    for r in 0..3 {
        assert_eq!(column(&s, "cert_expiries")[r], 50.0);
        // Two days of hourly readings per device.
        assert_eq!(column(&s, "lost_auth_expired")[r], 50.0 * 48.0);
    }
    assert_eq!(total(&s, "cert_renewal_failures"), 0.0);
}

/// Rotation attempted 3, 2 and 1 days before expiry, each succeeding with p: a certificate
/// expires with probability (1 − p)³, after (1 − p) + (1 − p)² + (1 − p)³ failed attempts on
/// average.
#[test]
fn rotation_fails_only_if_every_attempt_fails() {
    let count = 2000;
    // 13 days: a certificate renewed at day 7 is next renewed at day 14, after the horizon.
    let text = scenario(
        "13d",
        count,
        r#"certificate: Certificate(validity: "10d", renew_before: "3d", renewal_success: 0.5,
            retry_every: "1d", fix: Fixed("1h"))"#,
        "",
    );
    let s = run(&deployment(&text), 3);
    let n = 3.0 * count as f64;
    let expired = total(&s, "cert_expiries") / n;
    let p = 0.125;
    let sigma = (p * (1.0 - p) / n).sqrt();
    assert!(
        (expired - p).abs() < 4.0 * sigma,
        "expired share {expired}, expected {p} ± {}",
        4.0 * sigma
    );
    let failures = total(&s, "cert_renewal_failures") / n;
    assert!(
        (failures - 0.875).abs() < 0.05,
        "{failures} failed attempts"
    );
    // Each expired device loses exactly one hourly reading before its fix.
    assert_eq!(total(&s, "lost_auth_expired"), total(&s, "cert_expiries"));
}

/// A campaign in waves bricks a share `brick` of the devices it updates; a share `recover` of
/// those roll back remotely, the others wait for a site visit. Readings lost while bricked are
/// exact for fixed times.
#[test]
fn firmware_waves_brick_a_share_and_lose_readings_until_restored() {
    let count = 4000;
    let text = scenario(
        "10d",
        count,
        "",
        r#"firmware: [Campaign(fleet: "f", start: "1d", waves: 4, wave_every: "1d", brick: 0.1,
            recover: 0.5, rollback_time: Fixed("2h"), repair: Fixed("10h"))],"#,
    );
    let s = run(&deployment(&text), 3);
    let n = 3.0 * count as f64;
    let bricked = total(&s, "devices_bricked");
    let sigma = (0.1 * 0.9 / n).sqrt();
    assert!(
        (bricked / n - 0.1).abs() < 4.0 * sigma,
        "bricked share {}",
        bricked / n
    );
    let rollbacks = total(&s, "firmware_rollbacks");
    let sigma = (0.25 / bricked).sqrt();
    assert!((rollbacks / bricked - 0.5).abs() < 4.0 * sigma);
    assert_eq!(
        total(&s, "lost_firmware"),
        2.0 * rollbacks + 10.0 * (bricked - rollbacks)
    );
    assert_eq!(total(&s, "campaigns_halted"), 0.0);
}

/// A staged rollout halts after a wave that bricks more than its limit: the later waves are
/// never updated.
#[test]
fn a_bad_wave_halts_the_campaign() {
    let count = 400;
    let text = scenario(
        "10d",
        count,
        "",
        r#"firmware: [Campaign(fleet: "f", start: "1d", waves: 4, wave_every: "1d", brick: 0.5,
            repair: Fixed("1d"), halt_above: 0.2)],"#,
    );
    let s = run(&deployment(&text), 3);
    assert_eq!(column(&s, "campaigns_halted"), vec![1.0; 3]);
    // Only the first wave (100 devices) was updated: about half of it bricked.
    for b in column(&s, "devices_bricked") {
        assert!((b - 50.0).abs() < 4.0 * 5.0, "{b} bricked");
    }
}
