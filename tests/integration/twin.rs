//! The digital twin: a run that starts from the fleet as it stands (the scenario's
//! inventory), forecasts from it, and back-tests that check those forecasts against records.

use std::path::{Path, PathBuf};

use iotwin::engine::Ticks;
use iotwin::fit::records;
use iotwin::forecast::{self, DAY, Forecast, Quantity, backtest};
use iotwin::model::{Recorder, Trace, World};
use iotwin::scenario::{self, Deployment};

/// A one-fleet scenario (`fleet_extra` added to the fleet) starting from `inventory` (CSV
/// text), written into a temporary folder and loaded from there, as a user would.
fn twin(fleet_extra: &str, inventory: &str) -> (tempfile::TempDir, Deployment) {
    let (dir, dep) = twin_with(fleet_extra, "", inventory);
    (dir, dep.unwrap_or_else(|e| panic!("{e}")))
}

/// As [`twin`], with `scenario_extra` added to the scenario (e.g. firmware campaigns), and
/// the compiler's answer as it is.
fn twin_with(
    fleet_extra: &str,
    scenario_extra: &str,
    inventory: &str,
) -> (
    tempfile::TempDir,
    Result<Deployment, scenario::ScenarioError>,
) {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join("fleet.csv"), inventory).expect("write inventory");
    let text = format!(
        r#"Scenario(
    name: "twin",
    horizon: "365d",
    seed: 11,
    replications: 20,
    inventory: "fleet.csv",
    as_of: "2026-01-01",
    sites: [Site(id: "s")],
    carriers: [Carrier(id: "c")], gateways: [Gateway(id: "g", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")])],
    fleets: [Fleet(id: "units", site: "s", gateway: "g", count: 1, report: Fixed("1h"), {fleet_extra})],
    {scenario_extra}
)"#
    );
    let path = dir.path().join("twin.ron");
    std::fs::write(&path, text).expect("write scenario");
    let dep = scenario::load(&path);
    (dir, dep)
}

/// `n` rows of one inventory line, ids numbered from `from`.
fn rows(n: usize, from: usize, rest: &str) -> String {
    (from..from + n)
        .map(|i| format!("u-{i},units,{rest}\n"))
        .collect()
}

fn figure(f: &Forecast, q: Quantity, mark: usize) -> forecast::Figure {
    let qi = f.quantities.iter().position(|&x| x == q).expect("quantity");
    f.figure(qi, f.groups.len() - 1, mark)
}

fn run_forecast(dep: &Deployment, replications: u32, horizon: Ticks) -> Forecast {
    let opts = forecast::Options {
        horizon,
        marks: vec![30 * DAY, 90 * DAY, horizon],
        replications,
        seed: 5,
        flow: true,
    };
    forecast::forecast(dep, &opts).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_inventory_sets_the_fleet_size_and_devices_that_are_down_start_down() {
    let inventory = format!(
        "id,fleet,installed,state,state_since\n{}{}{}",
        rows(6, 0, "2024-01-01,up,"),
        rows(3, 6, "2024-01-01,down,"),
        rows(1, 9, "2024-01-01,in_repair,2025-12-31"),
    );
    let failure = r#"failure: Failure(lifetime: Exponential(mean: "100y"), repair: Fixed("10d"))"#;
    let (_dir, dep) = twin(failure, &inventory);
    assert_eq!(dep.fleets[0].count, 10, "the inventory's count wins");
    let (_, trace) = World::run_observed(&dep, 0, Recorder::default()).expect("runs");
    let downs_at_0 = trace
        .steps
        .iter()
        .filter(|(t, s)| *t == 0 && matches!(s, Trace::DeviceDown(_)))
        .count();
    assert_eq!(downs_at_0, 4, "three down and one in repair start down");
    let ups: Vec<Ticks> = trace
        .steps
        .iter()
        .filter(|(_, s)| matches!(s, Trace::DeviceUp(_)))
        .map(|(t, _)| *t)
        .collect();
    // A fixed 10-day repair: the waiting ones after 10 days, the one in repair since the day
    // before the inventory's date after the 9 days left.
    assert_eq!(ups.iter().filter(|&&t| t == 10 * DAY).count(), 3, "{ups:?}");
    assert_eq!(ups.iter().filter(|&&t| t == 9 * DAY).count(), 1, "{ups:?}");
    // Failures before the inventory's date are not forecast failures.
    let f = run_forecast(&dep, 4, 30 * DAY);
    assert!(figure(&f, Quantity::Failures, 0).high < 1.0);
}

/// Failures in a year of `n` devices all `age` old, per device, and the replications run.
fn failure_share(law: &str, age: &str, n: usize) -> (f64, f64) {
    let failure = format!(r#"failure: Failure(lifetime: {law}, repair: Fixed("1h"))"#);
    let inventory = format!("id,fleet,age\n{}", rows(n, 0, &format!("\"{age}\"")));
    let (_dir, dep) = twin(&failure, &inventory);
    let reps = 20;
    let f = run_forecast(&dep, reps, 365 * DAY);
    let mean = figure(&f, Quantity::Failures, 2).mean.mean;
    (mean / n as f64, (n * reps as usize) as f64)
}

/// `share` is within four binomial standard errors of `p` over `trials`.
fn near(share: f64, p: f64, trials: f64, what: &str) {
    let se = (p * (1.0 - p) / trials).sqrt();
    assert!(
        (share - p).abs() < 4.0 * se + 1e-3,
        "{what}: {share:.4} against the closed form {p:.4} (se {se:.4})"
    );
}

#[test]
fn a_devices_age_conditions_its_remaining_life() {
    // Weibull(3, 10 y) wears out: P(fail within 1 y | age a) = 1 − exp(−((a+1)³ − a³)/1000).
    // A failed unit is repaired in an hour and replaced by a new one, which fails within the
    // rest of the year with probability under 0.001: in the tolerance.
    let weibull = r#"Weibull(shape: 3.0, scale: "3650d")"#;
    let conditioned = |a: f64| 1.0 - (-((a + 1.0).powi(3) - a.powi(3)) / 1000.0).exp();
    let (old, trials) = failure_share(weibull, "2920d", 400);
    near(old, conditioned(8.0), trials, "8-year-old Weibull units");
    let (young, trials) = failure_share(weibull, "1d", 400);
    near(young, conditioned(0.0), trials, "new Weibull units");
    assert!(
        old > 20.0 * young,
        "old units fail far sooner: {old} vs {young}"
    );
    // The exponential law is memoryless: age changes nothing. With units renewed after an
    // hour, failures are a Poisson process: 0.1 a year per device whatever its age.
    let exponential = r#"Exponential(mean: "3650d")"#;
    let (old, trials) = failure_share(exponential, "2920d", 400);
    near(old, 0.1, trials, "8-year-old exponential units");
    let (young, trials) = failure_share(exponential, "1d", 400);
    near(young, 0.1, trials, "new exponential units");
}

#[test]
fn batteries_start_at_their_charge_and_certificates_expire_on_their_dates() {
    // A 10-year cell without spread: 2,600 mAh over 29.66 µA. Charged 5%: flat in about half
    // a year, so each swaps once in the year; charged 60%: none does.
    let fleet = r#"power: Battery(capacity_mah: 2600, voltage: 3.6, sleep_ua: 29.66,
            radio_mj_per_message: 0.0, swap: Fixed("2d")),
        certificate: Certificate(validity: "5y", fix: Fixed("1d"))"#;
    let inventory = format!(
        "id,fleet,installed,battery,cert_expiry\n{}{}",
        rows(7, 0, "2025-01-01,0.05,2026-01-11"),
        rows(5, 7, "2025-01-01,0.60,2026-04-11"),
    );
    let (_dir, dep) = twin(fleet, &inventory);
    let f = run_forecast(&dep, 3, 365 * DAY);
    let swaps = |m| figure(&f, Quantity::BatterySwaps, m);
    assert_eq!(swaps(2).low, 7.0);
    assert_eq!(swaps(2).high, 7.0);
    assert_eq!(swaps(1).high, 0.0, "no cell is flat within 90 days");
    // Seven certificates expire on day 10, five on day 100 (no rotation in this fleet).
    let expiries = |m| figure(&f, Quantity::CertExpiries, m);
    assert_eq!((expiries(0).low, expiries(0).high), (7.0, 7.0));
    assert_eq!((expiries(1).low, expiries(1).high), (7.0, 7.0));
    assert_eq!((expiries(2).low, expiries(2).high), (12.0, 12.0));
}

/// Firmware campaigns that never brick: the first updates version 1.2 to 2.0 on day 10,
/// the second 2.0 to 2.1 on day 20 (so it reaches only what the first updated).
const CAMPAIGNS_FROM_1_2: &str = r#"firmware: [
        Campaign(fleet: "units", start: "10d", waves: 4, wave_every: "1d", brick: 0.0,
            repair: Fixed("1d"), from: ["1.2"], to: "2.0"),
        Campaign(fleet: "units", start: "20d", brick: 0.0, repair: Fixed("1d"),
            from: ["2.0"], to: "2.1"),
    ],"#;

/// The whole fleet's firmware updates by day 15 and by day 30, the same in every future.
fn firmware_updates(dep: &Deployment) -> (f64, f64) {
    let opts = forecast::Options {
        horizon: 30 * DAY,
        marks: vec![15 * DAY, 30 * DAY],
        replications: 3,
        seed: 5,
        flow: true,
    };
    let f = forecast::forecast(dep, &opts).unwrap_or_else(|e| panic!("{e}"));
    let at = |m| {
        let fig = figure(&f, Quantity::FirmwareUpdates, m);
        assert_eq!(fig.low, fig.high, "no randomness in who is updated");
        fig.mean.mean
    };
    (at(0), at(1))
}

#[test]
fn a_campaign_updates_only_devices_on_the_versions_it_names() {
    // 200 devices, alternately on 1.2 and 1.3 in the inventory: the campaign from 1.2 updates
    // exactly the 100 on 1.2, which are then on 2.0, so the campaign from 2.0 updates those
    // 100 again and never the 1.3 ones.
    let inventory: String = std::iter::once("id,fleet,installed,firmware\n".to_string())
        .chain((0..200).map(|i| {
            let version = if i % 2 == 0 { "1.2" } else { "1.3" };
            format!("u-{i},units,2024-01-01,{version}\n")
        }))
        .collect();
    let (_dir, dep) = twin_with("", CAMPAIGNS_FROM_1_2, &inventory);
    let dep = dep.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(firmware_updates(&dep), (100.0, 200.0));
    // Devices the inventory gives no version take the fleet's: all on 1.2, all updated twice.
    let unversioned = format!("id,fleet,installed\n{}", rows(50, 0, "2024-01-01"));
    let fleet = r#"firmware_version: "1.2""#;
    let (_dir, dep) = twin_with(fleet, CAMPAIGNS_FROM_1_2, &unversioned);
    let dep = dep.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(firmware_updates(&dep), (50.0, 100.0));
    // Without a version anywhere, nothing is on 1.2: refused, not silently a no-op.
    let (_dir, e) = twin_with("", CAMPAIGNS_FROM_1_2, &unversioned);
    let e = e.expect_err("no device can be on 1.2");
    let d = e.diagnostic().expect("located");
    assert_eq!(d.field, "firmware[0].from[0]", "{e}");
    assert!(d.hint.contains("firmware_version"), "{e}");
    // A typo in a campaign's version gets the closest version its fleet is on.
    let typo = CAMPAIGNS_FROM_1_2.replace(r#"["1.2"]"#, r#"["1.21"]"#);
    let (_dir, e) = twin_with("", &typo, &inventory);
    let e = e.expect_err("no device is on 1.21");
    let d = e.diagnostic().expect("located");
    assert_eq!(d.field, "firmware[0].from[0]", "{e}");
    assert!(d.hint.contains("\"1.2\""), "{e}");
}

#[test]
fn inventory_mistakes_are_located_in_the_inventory() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let write = |inventory: &str, as_of: &str| -> PathBuf {
        std::fs::write(dir.path().join("fleet.csv"), inventory).expect("write");
        let text = format!(
            r#"Scenario(name: "t", horizon: "30d", inventory: "fleet.csv", {as_of}
    sites: [Site(id: "s")], carriers: [Carrier(id: "c")], gateways: [Gateway(id: "g", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")])],
    fleets: [Fleet(id: "meters", site: "s", gateway: "g", count: 1, report: Fixed("1h"))])"#
        );
        let path = dir.path().join("t.ron");
        std::fs::write(&path, text).expect("write");
        path
    };
    let error = |path: &Path| scenario::load(path).expect_err("refused");
    let e = error(&write(
        "id,fleet,installed\nm-1,metres,2024-01-01\n",
        "as_of: \"2026-01-01\",",
    ));
    let d = e.diagnostic().expect("located");
    assert!(d.file.ends_with("fleet.csv"), "{e}");
    assert_eq!((d.line, d.column, d.field.as_str()), (2, 5, "fleet"));
    assert!(d.hint.contains("meters"), "{e}");
    let e = error(&write(
        "id,fleet,installed\nm-1,meters,2027-01-01\n",
        "as_of: \"2026-01-01\",",
    ));
    assert!(e.to_string().contains("after the inventory's date"), "{e}");
    let e = error(&write(
        "id,fleet,installed,battery\nm-1,meters,2024-01-01,0.5\n",
        "as_of: \"2026-01-01\",",
    ));
    assert!(e.to_string().contains("no battery"), "{e}");
    let e = error(&write("id,fleet,installed\nm-1,meters,2024-01-01\n", ""));
    assert_eq!(
        e.diagnostic().map(|d| d.field.as_str()),
        Some("inventory"),
        "{e}"
    );
    let e = error(&write(
        "id,fleet,installed\nm-1,meters,2024-01-01\n",
        "as_of: \"soon\",",
    ));
    assert_eq!(
        e.diagnostic().map(|d| d.field.as_str()),
        Some("as_of"),
        "{e}"
    );
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/twin-example")
}

#[test]
fn a_forecast_is_the_same_whatever_the_thread_count() {
    let dep = scenario::load(&example().join("scenario.ron")).unwrap_or_else(|e| panic!("{e}"));
    let opts = forecast::Options {
        horizon: 30 * DAY,
        marks: vec![30 * DAY],
        replications: 8,
        seed: 3,
        flow: true,
    };
    let on = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| forecast::forecast(&dep, &opts).expect("runs"))
    };
    let (one, two) = (on(1), on(2));
    assert_eq!(one.cumulative, two.cumulative);
    assert_eq!(one.series, two.series);
    let files = |f: &Forecast| forecast::report::files(f).expect("renders");
    assert_eq!(files(&one), files(&two), "the same bytes");
}

/// The example's back-test over `starts` windows of `window`.
fn example_backtest(from: &str, to: &str, window: Ticks, replications: u32) -> backtest::Backtest {
    let dep = scenario::load(&example().join("scenario.ron")).unwrap_or_else(|e| panic!("{e}"));
    let records = records::load(&example().join("field.csv")).unwrap_or_else(|e| panic!("{e}"));
    let t = |d: &str| scenario::table::parse_time(d).expect("date");
    let opts = backtest::Options {
        starts: backtest::starts(t(from), t(to), window, window),
        window,
        replications,
        seed: 1,
    };
    backtest::backtest(&dep, &records, &opts).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks a back-test's calibration: per group, the share of windows whose observed count is
/// in its 95% interval is not below nominal by more than chance allows at the 1-in-1000 level
/// (binomial), and the intervals are not wider than the counts' own spread explains (a
/// too-wide interval would cover everything and say nothing).
fn calibrated(b: &backtest::Backtest) {
    for (g, group) in b.groups.iter().enumerate() {
        let (covered, n) = b.coverage(g);
        let se = (0.95 * 0.05 / n as f64).sqrt();
        let share = covered as f64 / n as f64;
        assert!(
            share > 0.95 - 3.09 * se,
            "{group}: {covered} of {n} windows covered"
        );
        for w in &b.windows {
            let p = &w.predicted[g];
            // Failures in a window are close to Poisson: 95% of them within ±1.96 √mean.
            let poisson = 2.0 * 1.96 * p.mean.mean.sqrt();
            let width = p.high - p.low;
            assert!(
                width < 1.5 * poisson + 2.0 && width > 0.6 * poisson - 2.0,
                "{group}: interval {}–{} for a mean of {}",
                p.low,
                p.high,
                p.mean.mean
            );
        }
    }
}

#[test]
fn backtest_intervals_cover_what_happened_at_their_nominal_rate() {
    let b = example_backtest("2023-01-01", "2026-01-01", 90 * DAY, 100);
    assert_eq!(b.windows.len(), 12);
    calibrated(&b);
    // Windows rebuild the fleet from the records: 3,000 devices at every start.
    for w in &b.windows {
        assert!(
            w.observed[2] > 50.0,
            "a quarter of this fleet sees ~100 failures"
        );
    }
}

/// 36 monthly windows, 400 futures each (about a minute on 2 busy cores).
#[test]
#[ignore]
fn heavy_backtest_monthly_windows_are_calibrated() {
    let b = example_backtest("2023-01-01", "2026-01-01", 30 * DAY, 400);
    for g in 0..b.groups.len() {
        let (covered, n) = b.coverage(g);
        println!("{}: {covered} of {n}", b.groups[g]);
    }
    calibrated(&b);
}

/// Writes `scenario` (RON text naming `inventory: "fleet.csv"`) and `inventory` into a
/// temporary folder and compiles the scenario from there.
fn load_pair(
    scenario: &str,
    inventory: &str,
) -> (
    tempfile::TempDir,
    Result<Deployment, scenario::ScenarioError>,
) {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join("fleet.csv"), inventory).expect("write inventory");
    let path = dir.path().join("t.ron");
    std::fs::write(&path, scenario).expect("write scenario");
    let dep = scenario::load(&path);
    (dir, dep)
}

/// Meters at two sites, each through its own gateway and carrier, listed as one fleet.
const TWO_SITES: &str = r#"Scenario(name: "t", horizon: "30d", inventory: "fleet.csv", as_of: "2026-01-01",
    sites: [Site(id: "north"), Site(id: "south")],
    carriers: [Carrier(id: "lte-a"), Carrier(id: "lte-b")],
    gateways: [
        Gateway(id: "gn", site: "north", buffer_messages: 0, uplinks: [Uplink(carrier: "lte-a")]),
        Gateway(id: "gs", site: "south", buffer_messages: 0, uplinks: [Uplink(carrier: "lte-b")]),
    ],
    fleets: [
        Fleet(id: "meters-north", listed_as: "meters", site: "north", gateway: "gn", count: 1, report: Fixed("1h")),
        Fleet(id: "meters-south", listed_as: "meters", site: "south", gateway: "gs", count: 1, report: Fixed("1h")),
    ])"#;

#[test]
fn a_devices_site_decides_which_fleet_and_gateway_it_runs_in() {
    let inventory = "id,fleet,site,installed,carrier\n\
        m-1,meters,north,2024-01-01,lte-a\n\
        m-2,meters,south,2024-01-01,lte-b\n\
        m-3,meters,south,2024-01-01,\n\
        m-4,meters,north,2024-01-01,\n\
        m-5,meters,south,2024-01-01,\n";
    let (_dir, dep) = load_pair(TWO_SITES, inventory);
    let dep = dep.unwrap_or_else(|e| panic!("{e}"));
    let counts: Vec<u32> = dep.fleets.iter().map(|f| f.count).collect();
    assert_eq!(counts, [2, 3], "two devices at north, three at south");
    let error = |inventory: &str| {
        let (_dir, dep) = load_pair(TWO_SITES, inventory);
        let e = dep.expect_err("refused");
        let d = e.diagnostic().expect("located").clone();
        assert!(d.file.ends_with("fleet.csv"), "{e}");
        (d.line, d.column, d.field, d.hint)
    };
    let header = "id,fleet,site,installed,carrier\n";
    // A near-miss of a site is a typo; a site no fleet of the name runs at needs a fleet.
    let (line, column, field, hint) = error(&format!("{header}m-1,meters,nort,2024-01-01,\n"));
    assert_eq!((line, column, field.as_str()), (2, 12, "site"));
    assert!(hint.contains("`north`"), "{hint}");
    let (_, _, field, hint) = error(&format!("{header}m-1,meters,east-depot,2024-01-01,\n"));
    assert_eq!(field, "site");
    assert!(hint.contains("listed_as"), "{hint}");
    // With several places the site is needed.
    let (_, _, field, _) = error(&format!("{header}m-1,meters,,2024-01-01,\n"));
    assert_eq!(field, "site");
    // A carrier the device's gateway does not use: the closest one it does.
    let (_, _, field, hint) = error(&format!("{header}m-1,meters,north,2024-01-01,lte-b\n"));
    assert_eq!(field, "carrier");
    assert!(hint.contains("lte-a"), "{hint}");
}

#[test]
fn a_cellular_devices_carrier_is_the_profile_it_starts_on() {
    // Carrier "a" is down from the first hour for an hour; devices on "b" never notice.
    let scenario = r#"Scenario(name: "t", horizon: "3h", seed: 5, replications: 1,
        inventory: "fleet.csv", as_of: "2026-01-01",
        sites: [Site(id: "s")],
        carriers: [Carrier(id: "a"), Carrier(id: "b")],
        fleets: [Fleet(id: "f", site: "s", count: 1, report: Fixed("1m"),
            connectivity: Cellular(sim: Esim(profiles: ["a", "b"]), detection: After(Fixed("10m")),
                attach: Fixed("5m")))],
        faults: [CarrierDown(carrier: "a", at: "1h", lasting: "1h")],
    )"#;
    let inventory = "id,fleet,installed,carrier\n\
        f-1,f,2024-01-01,b\nf-2,f,2024-01-01,\nf-3,f,2024-01-01,a\nf-4,f,2024-01-01,b\n";
    let (_dir, dep) = load_pair(scenario, inventory);
    let dep = dep.unwrap_or_else(|e| panic!("{e}"));
    let s = iotwin::montecarlo::run(&dep, &Default::default(), &|| {}).expect("runs");
    let i = s.index_of("interruptions:f").expect("metric");
    assert_eq!(
        s.per_replication[0][i], 2.0,
        "only the two on `a` lose service"
    );
    let (_dir, dep) = load_pair(scenario, "id,fleet,installed,carrier\nf-1,f,2024-01-01,c\n");
    let e = dep.expect_err("not a profile of its SIM");
    let d = e.diagnostic().expect("located");
    assert_eq!(d.field, "carrier", "{e}");
    assert!(e.to_string().contains("profiles a, b"), "{e}");
}
