//! Device lifetimes, ageing, batteries and replacement against closed-form reliability results.
//! Tolerances are standard errors from the number of devices and replications and the known
//! variance of each count; runs are seeded, so the tests cannot flake.

use crate::common::{column, deployment, run, total};

const YEAR_S: f64 = 365.0 * 86_400.0;

/// One site, one perfect gateway and carrier, one fleet of `count` devices that report
/// rarely (reporting does not matter here) with the fleet fields `fleet`.
fn fleet(horizon: &str, count: u32, fleet: &str) -> String {
    format!(
        r#"Scenario(
            name: "life", horizon: "{horizon}", seed: 21, replications: 4, deadline: "1h",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 1000, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: {count}, report: Fixed("30d"), {fleet})],
        )"#
    )
}

/// Share of devices that failed by the horizon, with repairs too slow to fail twice.
fn failed_share(horizon: &str, count: u32, fields: &str, replications: u32) -> (f64, f64) {
    let s = run(&deployment(&fleet(horizon, count, fields)), replications);
    let n = count as f64 * replications as f64;
    (total(&s, "device_failures") / n, n)
}

fn assert_share(what: &str, observed: f64, expected: f64, n: f64) {
    let sigma = (expected * (1.0 - expected) / n).sqrt();
    assert!(
        (observed - expected).abs() < 4.0 * sigma,
        "{what}: observed {observed}, expected {expected} ± {}",
        4.0 * sigma
    );
}

/// Weibull reliability: the share failed by t is F(t) = 1 − exp(−(t/η)^β).
#[test]
fn weibull_devices_fail_by_t_with_probability_f_of_t() {
    let (share, n) = failed_share(
        "182d 12:00",
        5000,
        r#"failure: Failure(lifetime: Weibull(shape: 2.0, scale: "1y"), repair: Fixed("1000y"))"#,
        4,
    );
    assert_share("Weibull F(t)", share, 1.0 - (-(0.5f64).powi(2)).exp(), n);
}

/// A bathtub curve is three competing risks: R(t) = R_infant(t) · R_random(t) · R_wearout(t).
#[test]
fn a_bathtub_lifetime_is_the_product_of_its_risks_reliabilities() {
    let (share, n) = failed_share(
        "2y",
        5000,
        r#"failure: Failure(
            lifetime: Bathtub(
                infant: Weibull(shape: 0.5, scale: "20y"),
                random: Exponential(mean: "10y"),
                wearout: Weibull(shape: 4.0, scale: "8y"),
            ),
            repair: Fixed("1000y"))"#,
        4,
    );
    let r = (-(0.1f64).sqrt() - 0.2 - 0.25f64.powi(4)).exp();
    assert_share("bathtub F(t)", share, 1.0 - r, n);
}

/// A device already `a` old survives a further t with probability R(a + t) / R(a): wear-out
/// makes old Weibull devices fail sooner than new ones.
#[test]
fn devices_installed_before_the_start_fail_by_their_conditional_reliability() {
    let (share, n) = failed_share(
        "91d 06:00",
        5000,
        r#"age: Fixed("1y"), failure: Failure(lifetime: Weibull(shape: 2.0, scale: "1y"), repair: Fixed("1000y"))"#,
        4,
    );
    let expected = 1.0 - (-(1.25f64.powi(2) - 1.0)).exp();
    assert_share("aged Weibull", share, expected, n);
    // And a new fleet, for contrast, fails far less in the same quarter.
    let (new_share, _) = failed_share(
        "91d 06:00",
        5000,
        r#"failure: Failure(lifetime: Weibull(shape: 2.0, scale: "1y"), repair: Fixed("1000y"))"#,
        4,
    );
    assert!(
        new_share < expected / 4.0,
        "new {new_share} vs aged {expected}"
    );
}

/// Renewal: with instant repairs, failures per device over t approach t/μ + (cv² − 1)/2 (the
/// renewal function's asymptote), with variance t·cv²/μ per device.
fn renewal_check(what: &str, fields: &str, mean_years: f64, cv2: f64, horizon_years: f64) {
    let count = 500;
    let reps = 4;
    let text = fleet(&format!("{}d", horizon_years * 365.0), count, fields);
    let s = run(&deployment(&text), reps);
    let n = (count * reps) as f64;
    let per_device = total(&s, "device_failures") / n;
    let expected = horizon_years / mean_years + (cv2 - 1.0) / 2.0;
    let sigma = (horizon_years * cv2 / mean_years / n).sqrt();
    assert!(
        (per_device - expected).abs() < 4.0 * sigma,
        "{what}: {per_device} failures per device, expected {expected} ± {}",
        4.0 * sigma
    );
    // The MTBF metric, up time over failures, estimates the mean lifetime; over a finite
    // horizon it is t / M(t), slightly above μ when cv² < 1.
    let mtbf_years = column(&s, "device_mtbf_s").iter().sum::<f64>() / reps as f64 / YEAR_S;
    let expected_mtbf = horizon_years / expected;
    assert!(
        (mtbf_years - expected_mtbf).abs() < 0.01 * expected_mtbf,
        "{what}: MTBF {mtbf_years} y, expected {expected_mtbf} y (μ = {mean_years} y)"
    );
}

/// Expected replacements under renewal for a Weibull lifetime (mean η Γ(1 + 1/β)).
#[test]
fn weibull_renewals_follow_the_renewal_function() {
    let mean = statrs::function::gamma::gamma(1.5);
    let cv2 = 1.0 / (mean * mean) - 1.0; // Γ(2)/Γ(1.5)² − 1 for β = 2
    renewal_check(
        "Weibull(2, 1y)",
        r#"failure: Failure(lifetime: Weibull(shape: 2.0, scale: "1y"), repair: Fixed("1s"))"#,
        mean,
        cv2,
        20.0,
    );
}

/// A harsh environment divides lifetimes by its factor (2): twice the failures.
#[test]
fn a_harsh_environment_halves_lifetimes() {
    let mean = statrs::function::gamma::gamma(1.5) / 2.0;
    let cv2 = 1.0 / (4.0 * mean * mean) - 1.0;
    renewal_check(
        "harsh Weibull(2, 1y)",
        r#"environment: Harsh, failure: Failure(lifetime: Weibull(shape: 2.0, scale: "1y"), repair: Fixed("1s"))"#,
        mean,
        cv2,
        10.0,
    );
}

/// Cold standby with one spare and perfect switching: the device lives the sum of two
/// exponential lifetimes, MTTF = 2/λ (a Gamma(2) law, cv² = 1/2).
#[test]
fn one_cold_spare_doubles_the_mean_time_to_failure() {
    renewal_check(
        "cold standby",
        r#"cold_spares: 1, failure: Failure(lifetime: Exponential(mean: "1y"), repair: Fixed("1s"))"#,
        2.0,
        0.5,
        30.0,
    );
}

/// Age replacement at T: per unit of time, 1/∫₀ᵀR(t)dt renewals, a share F(T) of them failures
/// (renewal-reward); a device with no replacement fails 1/μ per unit of time instead.
#[test]
fn age_replacement_follows_renewal_reward() {
    let count = 500;
    let reps = 4;
    let horizon = 20.0;
    let text = fleet(
        "7300d",
        count,
        r#"replace: Replace(at_age: "182d 12:00"),
           failure: Failure(lifetime: Weibull(shape: 2.0, scale: "1y"), repair: Fixed("1s"))"#,
    );
    let s = run(&deployment(&text), reps);
    let n = (count * reps) as f64;
    // ∫₀^½ exp(−t²) dt = (√π / 2) erf(½).
    let cycle = std::f64::consts::PI.sqrt() / 2.0 * statrs::function::erf::erf(0.5);
    let r = (-0.25f64).exp();
    let planned = total(&s, "planned_replacements") / n;
    let failures = total(&s, "device_failures") / n;
    // Each count is within one cycle of its renewal-reward mean (the horizon cuts the last
    // cycle), plus sampling noise well under that for 2,000 devices.
    for (what, observed, expected) in [
        ("planned", planned, horizon * r / cycle),
        ("failures", failures, horizon * (1.0 - r) / cycle),
    ] {
        assert!(
            (observed - expected).abs() < 1.0,
            "{what}: {observed} per device, expected {expected}"
        );
    }
    assert!(
        (planned / failures - r / (1.0 - r)).abs() < 0.05 * r / (1.0 - r),
        "planned/failed {} vs {}",
        planned / failures,
        r / (1.0 - r)
    );
}

/// Battery life of a duty-cycled node is its capacity over its average current: sleep, plus
/// the active and radio charge of each report spread over the period, plus self-discharge.
#[test]
fn battery_life_is_capacity_over_average_current() {
    let text = r#"Scenario(
            name: "battery", horizon: "3650d", seed: 3, replications: 2, deadline: "1h",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 1000, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 10, report: Fixed("10m"),
                power: Battery(capacity_mah: 1000, voltage: 3.6, sleep_ua: 10, active_ma: 5,
                    active_s: 0.5, radio_mj_per_message: 36, self_discharge_per_year: 0.01,
                    swap: Fixed("1d")))],
        )"#;
    let s = run(&deployment(text), 2);
    // mA: 10 µA asleep; 5 mA × 0.5 s per 600 s; 36 mJ / 3.6 V = 10 mC per 600 s; 1% of
    // 1000 mAh a year.
    let current = 0.010 + 5.0 * 0.5 / 600.0 + 10.0 / 600.0 + 1000.0 * 0.01 / 8760.0;
    let life_s = 1000.0 / current * 3600.0;
    let measured = column(&s, "battery_life_mean_s")[0];
    assert!(
        (measured - life_s).abs() < 1e-6 * life_s,
        "battery life {measured} s, expected {life_s} s"
    );
    // Without spread every battery lasts exactly that: depletions are the cycles of life +
    // one day of swap that end within the horizon.
    let horizon_s = 3650.0 * 86_400.0;
    let cycles = ((horizon_s + 86_400.0) / (life_s + 86_400.0)).floor();
    assert_eq!(column(&s, "battery_depletions")[0], 10.0 * cycles);
    // While flat, the device is down and its readings are lost.
    assert!(total(&s, "lost_device_down") > 0.0);
}

/// A battery nobody swaps is a dead device, for good; a spread of cell capacities spreads
/// the deaths around the mean life.
#[test]
fn unswapped_batteries_leave_dead_devices() {
    let text = r#"Scenario(
            name: "dead", horizon: "400d", seed: 3, replications: 2, deadline: "1h",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 1000, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 1000, report: Fixed("1d"),
                power: Battery(capacity_mah: 100, voltage: 3.0, sleep_ua: 11.415525, spread: 0.1,
                    radio_mj_per_message: 0))],
        )"#;
    // 100 mAh at 11.4155 µA lasts 8760 h = 365 d on average: by day 400, with a 10% spread
    // (σ = 36.5 d), a share Φ(35 / 36.5) ≈ 0.831 is dead.
    let s = run(&deployment(text), 2);
    let dead = total(&s, "devices_dead") / 2000.0;
    let expected = 0.831;
    assert_share("dead by day 400", dead, expected, 2000.0);
    assert_eq!(total(&s, "battery_depletions"), total(&s, "devices_dead"));
}

/// The device classes fill in what a fleet does not write, and the fleet's fields win.
#[test]
fn a_device_class_fills_in_unwritten_fields() {
    let text = r#"Scenario(
            name: "classes", horizon: "1d", seed: 3, replications: 2,
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 1000, uplinks: [Uplink(carrier: "c")])],
            fleets: [
                Fleet(id: "meters", site: "s", gateway: "g", count: 10, class: SmartMeter),
                Fleet(id: "fast", site: "s", gateway: "g", count: 10, class: SmartMeter, report: Fixed("1m"), message_bytes: 10),
            ],
        )"#;
    let dep = deployment(text);
    let meters = &dep.fleets[0];
    assert_eq!(meters.report.nominal_period(), 15 * 60 * 1_000_000);
    assert_eq!(
        meters.message_bytes,
        128 + 156,
        "payload plus LwM2M overhead"
    );
    assert!(meters.failure.is_some(), "the class's lifetime law");
    let fast = &dep.fleets[1];
    assert_eq!(fast.report.nominal_period(), 60 * 1_000_000);
    assert_eq!(fast.message_bytes, 10 + 156);
    let s = run(&dep, 2);
    // 10 devices every minute for a day, and 10 every 15 minutes (and a second of jitter).
    let generated = column(&s, "messages_generated")[0] - (10 * 1440) as f64;
    assert!(
        (10.0 * 95.0..=10.0 * 96.0).contains(&generated),
        "{generated}"
    );
}

/// The shipped lifecycle scenarios run their whole horizon (batteries running flat, devices
/// wearing out, replacements) with every message accounted for; fleets are cut to a few
/// devices reporting every few hours so that years stay cheap.
#[test]
fn lifecycle_scenarios_conserve_messages_over_their_whole_life() {
    for name in [
        "smart_home",
        "bottling_plant",
        "city_meters",
        "logistics_trackers",
    ] {
        let path = format!("{}/scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"));
        let mut dep = iotwin::scenario::load(path.as_ref()).unwrap_or_else(|e| panic!("{e}"));
        for f in &mut dep.fleets {
            f.count = f.count.min(60);
            if f.lora.is_none() {
                f.report = iotwin::engine::DurationDist::fixed(3 * 3_600_000_000);
            }
        }
        let outcome = iotwin::model::World::run(&dep, 0).unwrap_or_else(|e| panic!("{name}: {e}"));
        let l = &outcome.ledger;
        assert_eq!(
            l.generated,
            l.delivered() + l.lost_total() + l.buffered_at_horizon + l.in_flight_at_horizon,
            "{name}"
        );
        assert!(l.generated > 0, "{name}");
        let aged = outcome.device_failures + outcome.life.battery_depletions;
        assert!(aged > 0, "{name}: nothing aged over {} ticks", dep.horizon);
    }
}
