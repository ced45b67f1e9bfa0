//! A fleet's end of life (`stop_when_dead`): a replication ends at the first instant when a
//! fleet has at least its share of devices dead (down at once), and everything it measured is
//! over the span it ran. Checked against closed forms: a battery's life C / I, and the order
//! statistics of exponential lifetimes. Tolerances are standard errors of the replications.

use iotwin::model::{Silent, World};
use iotwin::montecarlo::{self, RunOptions};
use iotwin::scenario::{self, Deployment};

use crate::common::{column, deployment, run};

const DAY_S: f64 = 86_400.0;

/// One site, one perfect gateway and carrier; `fleets` is the fleet list, `extra` more fields.
fn scenario(horizon: &str, fleets: &str, extra: &str) -> String {
    format!(
        r#"Scenario(
            name: "stop", horizon: "{horizon}", seed: 11, replications: 4, deadline: "1h",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 1000, uplinks: [Uplink(carrier: "c")])],
            fleets: [{fleets}],
            {extra}
        )"#
    )
}

/// A battery of 100 mAh at 11.415525 µA (nothing else drawn) lasts 8760 h: 365 days.
const YEAR_BATTERY: &str = r#"power: Battery(capacity_mah: 100, voltage: 3.0,
    sleep_ua: 11.415525, radio_mj_per_message: 0)"#;

fn battery_fleet(id: &str, count: u32, fields: &str) -> String {
    format!(
        r#"Fleet(id: "{id}", site: "s", gateway: "g", count: {count}, report: Fixed("1d"),
            {YEAR_BATTERY}, {fields})"#
    )
}

/// Mean and standard error of the mean of `xs`.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Batteries that are never swapped and all start full die together at C / I: the fleet's
/// end of life is that instant exactly, and the run is over [0, C / I].
#[test]
fn a_battery_fleet_ends_when_its_batteries_run_flat() {
    let text = scenario("3y", &battery_fleet("f", 200, "stop_when_dead: 0.5"), "");
    let s = run(&deployment(&text), 4);
    let life_s = 100.0 / 0.011415525 * 3600.0;
    for (r, t) in column(&s, "fleet_end_of_life_s").iter().enumerate() {
        assert!(
            (t - life_s).abs() < 1e-6 * life_s,
            "replication {r}: ended at {t} s, the battery life is {life_s} s"
        );
    }
    assert!(
        column(&s, "fleet_end_of_life_reached")
            .iter()
            .all(|&x| x == 1.0)
    );
    // Every event of the last instant is in the run: all 200 batteries ran flat then.
    assert!(column(&s, "devices_dead").iter().all(|&x| x == 200.0));
    assert!(column(&s, "battery_depletions").iter().all(|&x| x == 200.0));
    // The accounts close there: one report a day per device over 365 days (± the phase), and
    // the devices were up all along (dead for one tick).
    for g in column(&s, "messages_generated") {
        assert!(
            (200.0 * 365.0..=200.0 * 366.0).contains(&g),
            "{g} generated"
        );
    }
    for a in column(&s, "device_availability") {
        assert!(a > 1.0 - 1e-9, "availability {a}");
    }
    // The time series keep the scenario's horizon: slices after the end of life are empty.
    for x in &s.extras {
        let last = x.series.len() - 1;
        assert_eq!(x.series[last], [0, 0], "a slice after the end of life");
        assert!(x.series[0][0] > 0);
    }
}

/// With ages drawn uniformly over [0, 30 d], device i's battery runs flat at 365 d − age_i, so
/// the k-th death is 365 d minus the k-th largest age: the order statistic U_(N−k+1) of N
/// uniforms, with mean 30 d · (N−k+1)/(N+1) and variance j(N+1−j)/((N+1)²(N+2)) · (30 d)².
#[test]
fn aged_batteries_end_the_fleet_at_the_order_statistic_of_their_ages() {
    let (n, k, reps) = (200.0, 100.0, 16u32);
    let text = scenario(
        "3y",
        &battery_fleet(
            "f",
            200,
            r#"age: Uniform(min: "0s", max: "30d"), stop_when_dead: 0.5"#,
        ),
        "",
    );
    let s = run(&deployment(&text), reps);
    let ends = column(&s, "fleet_end_of_life_s");
    let life_s = 100.0 / 0.011415525 * 3600.0;
    let spread = 30.0 * DAY_S;
    for t in &ends {
        assert!(
            (life_s - spread..=life_s).contains(t),
            "{t} s is outside the ages' spread"
        );
    }
    let j = n - k + 1.0;
    let expected = life_s - spread * j / (n + 1.0);
    let sd = spread * (j * (n + 1.0 - j) / ((n + 1.0).powi(2) * (n + 2.0))).sqrt();
    let (mean, se) = mean_se(&ends);
    let tolerance = 4.0 * sd / (reps as f64).sqrt();
    assert!(
        (mean - expected).abs() < tolerance,
        "mean end of life {} d, expected {} d ± {} d (replications' standard error {} d)",
        mean / DAY_S,
        expected / DAY_S,
        tolerance / DAY_S,
        se / DAY_S
    );
}

/// Exponential lifetimes with mean m and no repair: while i devices are dead, the next dies
/// after an exponential time of mean m / (N − i), so k are dead after a mean of
/// m · Σ_{i<k} 1/(N − i), with variance m² · Σ_{i<k} 1/(N − i)².
#[test]
fn exponential_devices_end_the_fleet_at_the_kth_order_statistic() {
    let (n, reps) = (20u32, 300u32);
    let fleet = format!(
        r#"Fleet(id: "f", site: "s", gateway: "g", count: {n}, report: Fixed("30d"),
            failure: Failure(lifetime: Exponential(mean: "365d"), repair: Fixed("1000y")),
            stop_when_dead: 0.5)"#
    );
    let s = run(&deployment(&scenario("20y", &fleet, "")), reps);
    let ends = column(&s, "fleet_end_of_life_s");
    assert!(
        column(&s, "fleet_end_of_life_reached")
            .iter()
            .all(|&x| x == 1.0)
    );
    let m = 365.0 * DAY_S;
    let expected: f64 = (0..10).map(|i| m / (n - i) as f64).sum();
    let sd = (0..10)
        .map(|i| (m / (n - i) as f64).powi(2))
        .sum::<f64>()
        .sqrt();
    let (mean, se) = mean_se(&ends);
    assert!(
        (mean - expected).abs() < 4.0 * se,
        "mean end of life {} d, expected {} d ± {} d",
        mean / DAY_S,
        expected / DAY_S,
        4.0 * se / DAY_S
    );
    // The replications' spread is the closed form's too (a standard error of a standard
    // deviation is about sd / √(2R); 5 of them allow for the skew of a sum of exponentials).
    let observed_sd = se * (reps as f64).sqrt();
    assert!(
        (observed_sd - sd).abs() < 5.0 * sd / (2.0 * reps as f64).sqrt(),
        "sd {observed_sd} vs {sd}"
    );
    // The tenth failure is the last event of the run: ten failures, all counted.
    assert!(column(&s, "device_failures").iter().all(|&x| x == 10.0));
}

/// Several fleets may set it: the first to reach its share ends the run. A fleet that never
/// reaches it is censored at the horizon.
#[test]
fn the_first_fleet_to_reach_its_share_ends_the_run_and_others_are_censored() {
    let short = r#"Fleet(id: "short", site: "s", gateway: "g", count: 50, report: Fixed("1d"),
        power: Battery(capacity_mah: 50, voltage: 3.0, sleep_ua: 11.415525, radio_mj_per_message: 0),
        stop_when_dead: 1.0)"#;
    let fleets = format!(
        "{}, {short}",
        battery_fleet("long", 50, "stop_when_dead: 0.1")
    );
    let s = run(&deployment(&scenario("3y", &fleets, "")), 2);
    let half_year_s = 50.0 / 0.011415525 * 3600.0;
    for t in column(&s, "fleet_end_of_life_s") {
        assert!((t - half_year_s).abs() < 1e-6 * half_year_s, "{t}");
    }
    // Swapped batteries never leave a tenth of the fleet down at once (a swap takes a minute
    // and the cells' lives spread over weeks): every replication reaches the horizon.
    let swapped = r#"Fleet(id: "f", site: "s", gateway: "g", count: 50, report: Fixed("1d"),
        power: Battery(capacity_mah: 100, voltage: 3.0, sleep_ua: 11.415525,
            radio_mj_per_message: 0, spread: 0.1, swap: Fixed("1m")),
        stop_when_dead: 0.1)"#;
    let s = run(&deployment(&scenario("2y", swapped, "")), 2);
    let horizon_s = 2.0 * 365.0 * DAY_S;
    assert!(
        column(&s, "fleet_end_of_life_s")
            .iter()
            .all(|&t| t == horizon_s)
    );
    assert!(
        column(&s, "fleet_end_of_life_reached")
            .iter()
            .all(|&x| x == 0.0)
    );
    assert!(column(&s, "battery_depletions").iter().all(|&x| x >= 50.0));
}

/// Device failures use the same streams in packet and flow mode, so a fleet ends at the same
/// instant in both; and each mode conserves every message over the shorter span.
#[test]
fn packet_and_flow_mode_end_the_fleet_at_the_same_instant() {
    let fleets = r#"Fleet(id: "f", site: "s", gateway: "g", count: 40, report: Fixed("1h"),
            failure: Failure(lifetime: Weibull(shape: 1.5, scale: "1y"), repair: Exponential(mean: "60d")),
            stop_when_dead: 0.3),
        Fleet(id: "b", site: "s", gateway: "g", count: 40, report: Fixed("2h"),
            power: Battery(capacity_mah: 100, voltage: 3.0, sleep_ua: 11.415525, spread: 0.2,
                radio_mj_per_message: 0),
            stop_when_dead: 0.5)"#;
    let dep = deployment(&scenario("5y", fleets, ""));
    let mut reached = 0;
    for r in 0..6 {
        let (packet, _) =
            World::run_in_mode(&dep, r, Silent, &|_| None, false).expect("packet conserved");
        let (flow, _) =
            World::run_in_mode(&dep, r, Silent, &|_| None, true).expect("flow conserved");
        assert_eq!(packet.end_of_life, flow.end_of_life, "replication {r}");
        assert_eq!(packet.horizon, flow.horizon);
        assert_eq!(packet.device_availability, flow.device_availability);
        reached += packet.end_of_life.is_some() as u32;
    }
    assert_eq!(reached, 6, "every replication should reach an end of life");
}

/// Costs are over the span the replication ran: SIM months stop at the end of life.
#[test]
fn costs_are_over_the_span_the_run_lasted() {
    let costs = r#"costs: Costs(
        currency: "USD",
        discount_rate: 0.0,
        devices: [DeviceCost(fleet: "f", hardware: 10.0)],
        gateway: GatewayCost(hardware: 0.0),
        plans: [Plan(carrier: "c", per_sim_month: 12.0, per_mb: 0.0)],
    ),"#;
    let text = scenario("3y", &battery_fleet("f", 10, "stop_when_dead: 1.0"), costs);
    let s = run(&deployment(&text), 2);
    let years = column(&s, "fleet_end_of_life_s")[0] / (365.0 * DAY_S);
    let sims = column(&s, "cost_connectivity")[0];
    // One SIM at 12 a month, for the year the batteries last (plus a tick).
    assert!(
        (sims - 144.0 * years).abs() < 1e-3,
        "{sims} for {years} years"
    );
    assert!((years - 1.0).abs() < 1e-6);
    let per_device_year = column(&s, "cost_per_device_year")[0];
    let total = column(&s, "cost_total")[0];
    assert!((per_device_year - total / 10.0 / years).abs() < 1e-9 * total);
}

/// A share outside (0, 1] is refused before the run, at its place in the file.
#[test]
fn a_share_out_of_range_is_refused_where_it_is_written() {
    for bad in ["0", "1.5", "-0.2", "NaN"] {
        let fleet = battery_fleet("f", 10, &format!("stop_when_dead: {bad}"));
        let text = scenario("1y", &fleet, "");
        let e = match scenario::compile_source(&text, "bad.ron") {
            Ok(_) => panic!("stop_when_dead: {bad} was accepted"),
            Err(e) => e,
        };
        let d = e
            .diagnostic()
            .unwrap_or_else(|| panic!("no located error: {e}"));
        let at = text
            .find(&format!("stop_when_dead: {bad}"))
            .expect("written")
            + 16;
        let line = text[..at].matches('\n').count() + 1;
        let column = text[..at].rsplit('\n').next().unwrap_or("").chars().count() + 1;
        assert_eq!(d.file, "bad.ron");
        assert_eq!((d.line, d.column), (line, column), "{d}");
        assert_eq!(d.field, "fleets[0].stop_when_dead", "{d}");
        assert!(d.message.contains("share above 0 and at most 1"), "{d}");
        assert!(d.hint.contains("stop_when_dead: 0.5"), "{d}");
    }
}

/// Bit-exact replay: one thread and two give the same values, bit for bit.
#[test]
fn one_thread_and_two_give_the_same_bits() {
    let fleets = r#"Fleet(id: "f", site: "s", gateway: "g", count: 30, report: Fixed("6h"),
        failure: Failure(lifetime: Exponential(mean: "1y"), repair: Exponential(mean: "30d")),
        stop_when_dead: 0.2)"#;
    let dep: Deployment = deployment(&scenario("4y", fleets, ""));
    let with = |threads| {
        let opts = RunOptions {
            replications: Some(6),
            threads: Some(threads),
            ..RunOptions::default()
        };
        let s = montecarlo::run(&dep, &opts, &|| {}).expect("conserved");
        let bits: Vec<Vec<u64>> = s
            .per_replication
            .iter()
            .map(|row| row.iter().map(|v| v.to_bits()).collect())
            .collect();
        (bits, s.extras)
    };
    assert_eq!(with(1), with(2));
}

/// Messages still on a link when the fleet ends are in flight at the end, as at a horizon:
/// with a fixed hour of access latency, those created in the last hour before T + 1 tick (six
/// per device reporting every ten minutes) have not arrived, and the accounts still balance.
#[test]
fn messages_on_a_link_at_the_end_of_life_are_in_flight() {
    let fleet = r#"Fleet(id: "f", site: "s", gateway: "g", count: 20, report: Fixed("10m"),
        link: Link(latency: Fixed("1h")),
        power: Battery(capacity_mah: 100, voltage: 3.0, sleep_ua: 11.415525, radio_mj_per_message: 0),
        stop_when_dead: 1.0)"#;
    let dep = deployment(&scenario("2y", fleet, ""));
    let life_s = 100.0 / 0.011415525 * 3600.0;
    for r in 0..2 {
        let (packet, _) =
            World::run_in_mode(&dep, r, Silent, &|_| None, false).expect("packet conserved");
        let t = packet.end_of_life.expect("the batteries ran flat") as f64 / 1e6;
        assert!((t - life_s).abs() < 1e-6 * life_s, "{t}");
        assert_eq!(packet.ledger.in_flight_at_horizon, 120, "replication {r}");
        let (flow, _) =
            World::run_in_mode(&dep, r, Silent, &|_| None, true).expect("flow conserved");
        assert_eq!(flow.end_of_life, packet.end_of_life);
        let in_flight = flow.ledger.in_flight_at_horizon as f64;
        // Flow mode draws it from the share of each settled piece still on the link.
        assert!(
            (in_flight - 120.0).abs() < 4.0 * 120f64.sqrt(),
            "flow: {in_flight}"
        );
    }
}
