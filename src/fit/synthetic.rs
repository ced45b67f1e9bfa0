//! A synthetic field history drawn from known laws, for the example and the tests that check
//! the fit recovers them. Nothing here is field data: every row is a seeded draw.
//!
//! Two fleets of devices installed over several years, each device replaced by a new one after
//! it fails and is repaired; a log that starts years after the first installations (devices
//! installed earlier enter it left-truncated) and ends with the devices still running
//! (right-censored); two carriers whose outages alternate with up times. Alongside the log,
//! the inventory of the devices in service when it ends (see `docs/twin.md`).

use std::fmt::Write;

use super::law::{Family, Law};
use super::records::parse_time;
use crate::engine::StreamKey;
use crate::engine::random::{member_key, name_key};
use rand::RngExt;

const YEAR: f64 = 365.0 * 86_400.0;
const DAY: f64 = 86_400.0;
const HOUR: f64 = 3_600.0;

/// A fleet of the synthetic history and its true laws.
#[derive(Clone, Debug)]
pub struct TrueFleet {
    pub name: &'static str,
    pub devices: u32,
    pub carrier: &'static str,
    pub lifetime: Law,
    pub repair: Law,
}

/// A carrier of the synthetic history and its true laws.
#[derive(Clone, Debug)]
pub struct TrueCarrier {
    pub name: &'static str,
    /// Up time between outages.
    pub every: Law,
    /// Length of an outage.
    pub lasting: Law,
}

/// The truth behind the synthetic history, and its calendar.
#[derive(Clone, Debug)]
pub struct Truth {
    pub fleets: Vec<TrueFleet>,
    pub carriers: Vec<TrueCarrier>,
    /// First installations, start of the log, end of the log (ISO dates).
    pub first_install: &'static str,
    pub last_install: &'static str,
    pub window_start: &'static str,
    pub log_end: &'static str,
}

impl Truth {
    /// The example's truth: laws of the magnitudes the shipped scenarios use (meters wearing
    /// out over years, hours-long repairs, carrier outages of hours every few weeks).
    pub fn example() -> Truth {
        Truth {
            fleets: vec![
                TrueFleet {
                    name: "meters",
                    devices: 2000,
                    carrier: "lte-a",
                    lifetime: Law::new(Family::Weibull, vec![1.8, 6.0 * YEAR]),
                    repair: Law::new(Family::LogNormal, vec![3.0 * HOUR, 0.6]),
                },
                TrueFleet {
                    name: "trackers",
                    devices: 1000,
                    carrier: "nbiot-b",
                    lifetime: Law::new(Family::Weibull, vec![1.2, 4.0 * YEAR]),
                    repair: Law::new(Family::LogNormal, vec![6.0 * HOUR, 0.8]),
                },
            ],
            carriers: vec![
                TrueCarrier {
                    name: "lte-a",
                    every: Law::new(Family::Exponential, vec![20.0 * DAY]),
                    lasting: Law::new(Family::LogNormal, vec![2.0 * HOUR, 0.9]),
                },
                TrueCarrier {
                    name: "nbiot-b",
                    every: Law::new(Family::Weibull, vec![0.8, 30.0 * DAY]),
                    lasting: Law::new(Family::LogNormal, vec![5.0 * HOUR, 0.6]),
                },
            ],
            first_install: "2017-01-01",
            last_install: "2025-06-30",
            window_start: "2022-01-01",
            log_end: "2026-01-01",
        }
    }
}

/// The generated files' text.
#[derive(Clone, Debug)]
pub struct History {
    /// The field log, CSV in the records format.
    pub field_log: String,
    /// The devices in service at the log's end, CSV in the inventory format.
    pub inventory: String,
}

#[expect(
    clippy::expect_used,
    reason = "the synthetic truth's dates are constants, parsed by its tests"
)]
fn seconds(date: &str) -> i64 {
    parse_time(date).expect("the truth's dates are valid") / 1_000_000
}

fn date(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map_or_else(|_| secs.to_string(), |t| t.strftime("%Y-%m-%d").to_string())
}

fn stamp(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).map_or_else(|_| secs.to_string(), |t| t.to_string())
}

/// Draws the history of `truth` from streams keyed by `seed` (the same seed, the same files).
pub fn generate(truth: &Truth, seed: u64) -> History {
    let (first, last) = (seconds(truth.first_install), seconds(truth.last_install));
    let (window, end) = (seconds(truth.window_start), seconds(truth.log_end));
    let mut log = String::from(
        "# Synthetic field log drawn by iotwin::fit::synthetic from known laws (not field data).\n\
         kind,unit,fleet,carrier,installed,window_start,at,end,duration\n",
    );
    let mut inventory = String::from(
        "# Synthetic inventory drawn by iotwin::fit::synthetic (not field data).\n\
         id,fleet,site,installed,battery,firmware,cert_expiry,carrier,state,state_since\n",
    );
    for fleet in &truth.fleets {
        let fleet_key = name_key("fleet", fleet.name);
        for slot in 0..fleet.devices {
            let mut rng = StreamKey {
                seed,
                replication: 0,
                entity: member_key(fleet_key, slot as u64),
                process: 0x6c6f67, // "log"
            }
            .stream();
            // Installed on a whole day, uniformly over the installation years.
            let days = (last - first) / 86_400;
            let mut installed = first + rng.random_range(0..=days) * 86_400;
            let mut generation = 0;
            let mut down_since = None;
            loop {
                let unit = format!("{}-{slot:05}-{generation}", fleet.name);
                let life = fleet.lifetime.sample_beyond(0.0, &mut rng).round() as i64;
                let fails = installed.saturating_add(life);
                let seen_from = if installed < window {
                    date(window)
                } else {
                    String::new()
                };
                if fails >= end {
                    let _ = writeln!(
                        log,
                        "still_running,{unit},{},,{},{seen_from},{},,",
                        fleet.name,
                        date(installed),
                        date(end)
                    );
                    break;
                }
                let repair = fleet.repair.sample_beyond(0.0, &mut rng).round().max(1.0) as i64;
                if fails >= window {
                    let _ = writeln!(
                        log,
                        "failure,{unit},{},,{},{seen_from},{},,",
                        fleet.name,
                        date(installed),
                        stamp(fails)
                    );
                    if fails + repair <= end {
                        let _ = writeln!(log, "repair,{unit},{},,,,,,{}s", fleet.name, repair);
                    }
                }
                if fails + repair > end {
                    // Still in repair when the log ends: the inventory lists the failed unit.
                    down_since = Some(fails);
                    break;
                }
                // The replacement goes in once the repair is done.
                installed = fails + repair;
                generation += 1;
            }
            inventory_row(
                &mut inventory,
                fleet,
                slot,
                installed,
                end,
                down_since,
                &mut rng,
            );
        }
    }
    for carrier in &truth.carriers {
        carrier_rows(&mut log, carrier, seed, window, end);
    }
    History {
        field_log: log,
        inventory,
    }
}

/// One inventory row: the device in service (or in repair) in `slot` at the log's end.
fn inventory_row(
    out: &mut String,
    fleet: &TrueFleet,
    slot: u32,
    installed: i64,
    end: i64,
    down_since: Option<i64>,
    rng: &mut crate::engine::Stream,
) {
    let age_years = (end - installed).max(0) as f64 / YEAR;
    // A 10-year battery drained linearly with age, give or take 5% of its charge.
    let battery = (1.0 - age_years / 10.0 + 0.05 * (rng.random::<f64>() - 0.5)).clamp(0.02, 1.0);
    // Units installed since 2023 shipped with 2.4.0; older ones half updated over the air.
    let firmware = if installed >= seconds("2023-01-01") || rng.random::<f64>() < 0.5 {
        "2.4.0"
    } else {
        "2.3.1"
    };
    // A five-year device certificate issued at installation.
    let cert_expiry = installed + (5.0 * YEAR) as i64;
    let (state, since) = match down_since {
        Some(t) => ("in_repair", date(t)),
        None => ("up", String::new()),
    };
    let _ = writeln!(
        out,
        "{}-{slot:05},{},site-{:02},{},{battery:.2},{firmware},{},{},{state},{since}",
        fleet.name,
        fleet.name,
        slot % 24,
        date(installed),
        date(cert_expiry),
        fleet.carrier
    );
}

/// A carrier's outages that start inside the log, and its `still_up` row if it is up at the
/// log's end. The process starts a year before the log so its first outage is not special.
fn carrier_rows(out: &mut String, carrier: &TrueCarrier, seed: u64, window: i64, end: i64) {
    let mut rng = StreamKey {
        seed,
        replication: 0,
        entity: name_key("carrier", carrier.name),
        process: 0x6c6f67,
    }
    .stream();
    let mut t = window - YEAR as i64;
    loop {
        let up = carrier.every.sample_beyond(0.0, &mut rng).round().max(1.0) as i64;
        let start = t + up;
        if start >= end {
            let _ = writeln!(out, "still_up,,,{},,,{},,", carrier.name, date(end));
            return;
        }
        let length = carrier
            .lasting
            .sample_beyond(0.0, &mut rng)
            .round()
            .max(1.0) as i64;
        let stop = start + length;
        if stop > end {
            // Down when the log ends: the outage has no end to record.
            return;
        }
        if start >= window {
            let _ = writeln!(
                out,
                "outage,,,{},,,{},{},",
                carrier.name,
                stamp(start),
                stamp(stop)
            );
        }
        t = stop;
    }
}
