//! A fleet inventory: one row per device as it stands today (see `docs/twin.md`), read from
//! CSV with a header or JSON lines, every mistake located. Parsing only: the run that starts
//! from this state reads the [`InventoryDevice`]s.

use std::collections::BTreeMap;
use std::path::Path;

use super::closest_name;
use super::table::{self, DATE_HINT, Layout, RawRow, TableError, error};
use crate::engine::{Duration, Ticks};

/// The columns (CSV) or keys (JSON lines) of an inventory.
pub const COLUMNS: [&str; 12] = [
    "id",
    "fleet",
    "site",
    "installed",
    "age",
    "battery",
    "battery_swapped",
    "firmware",
    "cert_expiry",
    "carrier",
    "state",
    "state_since",
];

const LAYOUT: Layout = Layout {
    what: "inventory",
    columns: &COLUMNS,
    key: "id",
    example_header: "id,fleet,site,installed,battery,firmware,cert_expiry,carrier,state,state_since",
    example_json: r#"{"id": "m-0001", "fleet": "meters", "installed": "2021-06-14", "state": "up"}"#,
};

/// A device's state on the inventory's date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceState {
    Up,
    /// Failed, not yet in repair.
    Down,
    InRepair,
}

/// When a device's current life began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Installed {
    /// At this time (microseconds since 1970-01-01 UTC).
    At(i64),
    /// This long before the inventory's `as_of` date.
    Age(Duration),
}

/// How charged a device's battery is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BatteryState {
    /// A share of full charge, in [0, 1].
    Level(f64),
    /// Full when swapped at this time (microseconds since 1970-01-01 UTC).
    SwappedAt(i64),
}

/// One device of the inventory. Times are microseconds since 1970-01-01 UTC.
#[derive(Clone, Debug, PartialEq)]
pub struct InventoryDevice {
    pub id: String,
    pub fleet: String,
    pub site: Option<String>,
    pub installed: Installed,
    /// `None` for a mains-powered device.
    pub battery: Option<BatteryState>,
    pub firmware: Option<String>,
    pub cert_expiry: Option<i64>,
    pub carrier: Option<String>,
    pub state: DeviceState,
    /// Since when a `down` or `in_repair` device has been so.
    pub state_since: Option<i64>,
    /// The line it was read from.
    pub line: usize,
}

/// Reads the inventory in `path`: JSON lines if it ends in `.jsonl`, `.ndjson` or `.json`,
/// CSV otherwise.
pub fn load(path: &Path) -> Result<Vec<InventoryDevice>, TableError> {
    let (source, rows) = table::read(path, &LAYOUT)?;
    check(&source, &path.display().to_string(), rows)
}

/// Parses inventory CSV text; `file` names it in messages.
pub fn parse_csv(source: &str, file: &str) -> Result<Vec<InventoryDevice>, TableError> {
    check(source, file, table::read_csv(source, file, &LAYOUT)?)
}

/// Parses inventory JSON lines; `file` names it in messages.
pub fn parse_json_lines(source: &str, file: &str) -> Result<Vec<InventoryDevice>, TableError> {
    check(source, file, table::read_json_lines(source, file, &LAYOUT)?)
}

fn check(source: &str, file: &str, rows: Vec<RawRow>) -> Result<Vec<InventoryDevice>, TableError> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut devices = Vec::with_capacity(rows.len());
    for row in rows {
        let device = check_row(source, file, &row)?;
        if let Some(first) = seen.insert(device.id.clone(), row.line) {
            return Err(error(
                source,
                file,
                row.line,
                row.column("id"),
                "id",
                format!(
                    "device `{}` is listed twice (first on line {first})",
                    device.id
                ),
                "one row per device: keep the current one".into(),
            ));
        }
        devices.push(device);
    }
    Ok(devices)
}

fn check_row(source: &str, file: &str, row: &RawRow) -> Result<InventoryDevice, TableError> {
    let fail = |field: &str, message: String, hint: &str| {
        error(
            source,
            file,
            row.line,
            row.column(field),
            field,
            message,
            hint.to_string(),
        )
    };
    let text = |name: &str| row.cell(name).map(|c| c.text.clone());
    let time = |name: &str| -> Result<Option<i64>, TableError> {
        match row.cell(name) {
            None => Ok(None),
            Some(c) => table::parse_time(&c.text)
                .map(Some)
                .map_err(|message| fail(name, message, DATE_HINT)),
        }
    };
    let id = text("id").ok_or_else(|| {
        fail(
            "id",
            "this device has no `id`".into(),
            "every row names its device",
        )
    })?;
    let fleet = text("fleet").ok_or_else(|| {
        fail(
            "fleet",
            "this device has no `fleet`".into(),
            "the fleet (device class) it belongs to, as named in the scenario",
        )
    })?;
    let installed = match (time("installed")?, row.cell("age")) {
        (Some(_), Some(_)) => {
            return Err(fail(
                "age",
                "both `installed` and `age` are given".into(),
                "give one: the install date, or the age on the inventory's date",
            ));
        }
        (Some(at), None) => Installed::At(at),
        (None, Some(c)) => Installed::Age(Duration::parse(&c.text).map_err(|e| {
            fail(
                "age",
                format!("expected a duration: {e}"),
                "e.g. \"3y\" or \"400d\"",
            )
        })?),
        (None, None) => {
            return Err(fail(
                "installed",
                "this device has neither `installed` nor `age`".into(),
                "write its install date (e.g. 2021-06-14) or its age (e.g. \"3y\")",
            ));
        }
    };
    let battery = match (row.cell("battery"), time("battery_swapped")?) {
        (Some(_), Some(_)) => {
            return Err(fail(
                "battery_swapped",
                "both `battery` and `battery_swapped` are given".into(),
                "give one: the charge now, or when the battery was last swapped",
            ));
        }
        (Some(c), None) => Some(BatteryState::Level(battery_level(&c.text).ok_or_else(|| {
            fail(
                "battery",
                format!("expected a charge between 0 and 1, found \"{}\"", c.text),
                "a share of full charge such as 0.62, or a percentage such as 62%; empty for mains power",
            )
        })?)),
        (None, Some(at)) => Some(BatteryState::SwappedAt(at)),
        (None, None) => None,
    };
    let states = ["up", "down", "in_repair"];
    let state = match row.cell("state").map(|c| c.text.as_str()) {
        None | Some("up") => DeviceState::Up,
        Some("down") => DeviceState::Down,
        Some("in_repair") => DeviceState::InRepair,
        Some(other) => {
            let hint = match closest_name(other, states) {
                Some(guess) => format!("did you mean `{guess}`?"),
                None => "one of: up, down, in_repair (empty means up)".into(),
            };
            return Err(fail("state", format!("unknown state `{other}`"), &hint));
        }
    };
    let state_since = time("state_since")?;
    match (state, state_since) {
        (DeviceState::InRepair, None) => {
            return Err(fail(
                "state_since",
                "an `in_repair` device needs `state_since`".into(),
                "the date its repair began, e.g. 2025-12-30",
            ));
        }
        (DeviceState::Up, Some(_)) => {
            return Err(fail(
                "state_since",
                "an `up` device has a `state_since`".into(),
                "`state_since` is for down and in_repair devices; leave it empty, or set the state",
            ));
        }
        _ => {}
    }
    if let (Installed::At(at), Some(since)) = (installed, state_since)
        && since < at
    {
        return Err(fail(
            "state_since",
            format!(
                "`state_since` ({}) is before `installed`",
                table::show_time(since)
            ),
            "a device cannot be down before its current life began; check both dates",
        ));
    }
    Ok(InventoryDevice {
        id,
        fleet,
        site: text("site"),
        installed,
        battery,
        firmware: text("firmware"),
        cert_expiry: time("cert_expiry")?,
        carrier: text("carrier"),
        state,
        state_since,
        line: row.line,
    })
}

/// What the inventory compiler needs to know of a scenario's fleet: where it is and what it
/// can model.
#[derive(Clone, Copy, Debug)]
pub struct FleetFacts<'a> {
    pub id: &'a str,
    /// The name the inventory lists its devices under (`listed_as`, else its id).
    pub listed_as: &'a str,
    /// Its site's id.
    pub site: &'a str,
    /// The carriers a device of it can be on: its SIM's profiles in order (`cellular`), else
    /// the uplinks of the gateways it reports through.
    pub carriers: &'a [&'a str],
    /// Whether its devices attach to carriers on their own SIMs: the inventory's `carrier`
    /// is then the profile a device starts on.
    pub cellular: bool,
    pub battery: bool,
    pub certificate: bool,
    /// Whether it has a failure law, whose repair law brings a down device back.
    pub repairs: bool,
    /// Whether a campaign updates it, so each device's firmware version is kept.
    pub campaigns: bool,
}

/// The inventory compiled for a run: for each fleet, runs of devices in the same starting
/// state. Devices with identical state share a run, so a million devices of a few thousand
/// distinct ages cost a few thousand runs, not a million rows; a device's place in its fleet
/// is its place in this order (the inventory's ids do not reach the model).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    /// The inventory's date (microseconds since 1970-01-01 UTC): time 0 of the run.
    pub as_of: i64,
    /// Per fleet, in scenario order; empty for a fleet the inventory does not list (its
    /// devices start new, as without an inventory).
    pub fleets: Vec<Vec<StartRun>>,
}

/// `count` devices, from the fleet's device `first` on, all in `state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StartRun {
    pub first: u32,
    pub count: u32,
    pub state: StartState,
}

/// One device's state at time 0, in ticks before or after `as_of`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StartState {
    /// Age of the unit in service: its remaining life is drawn conditioned on it.
    pub age: Ticks,
    pub battery: Option<StartBattery>,
    /// When its certificate expires, after `as_of` (0: already expired).
    pub cert_expiry: Option<Ticks>,
    pub down: Option<StartDown>,
    /// Index into the deployment's firmware versions (fleets a campaign updates only: other
    /// fleets' devices do not split into runs by a version nothing reads).
    pub firmware: Option<u16>,
    /// Index into its SIM's profiles of the carrier it starts on (cellular fleets only; `None`:
    /// the first).
    pub profile: Option<u8>,
}

/// A battery's charge at time 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StartBattery {
    /// Millionths of full charge (an integer, so identical states compare equal exactly).
    Charge(u32),
    /// Full when swapped this long before `as_of`.
    UsedFor(Ticks),
}

/// A device down at time 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StartDown {
    /// In repair (its repair law conditioned on the time already spent), or failed and
    /// waiting (a repair starts at time 0, through the site's crew if it has one).
    pub in_repair: bool,
    /// How long it has been down (in repair) on `as_of`; 0 if unknown.
    pub for_ticks: Ticks,
}

impl Start {
    /// The starting state of device `index` of fleet `fleet`, if the inventory lists it.
    pub fn state(&self, fleet: usize, index: u32) -> Option<&StartState> {
        let runs = self.fleets.get(fleet)?;
        let k = runs.partition_point(|r| r.first + r.count <= index);
        runs.get(k).filter(|r| r.first <= index).map(|r| &r.state)
    }

    /// How many devices the inventory lists in fleet `fleet` (`None`: it lists none).
    pub fn count(&self, fleet: usize) -> Option<u32> {
        let runs = self.fleets.get(fleet).filter(|r| !r.is_empty())?;
        runs.last().map(|r| r.first + r.count)
    }
}

/// Reads the inventory in `path` and compiles it against the scenario's `fleets` for a run
/// starting on `as_of` (microseconds since 1970-01-01 UTC). Refuses, located in the
/// inventory, a device of an unknown fleet, installed or down after `as_of`, or with a state
/// its fleet cannot model (a battery, a certificate, a repair it has no law for).
///
/// `versions` is the scenario's firmware version table: a version the inventory names that it
/// lacks is added at its end.
pub fn load_start(
    path: &Path,
    as_of: i64,
    fleets: &[FleetFacts<'_>],
    versions: &mut Versions,
) -> Result<Start, TableError> {
    let (source, rows, file) = read_any(path)?;
    let columns: Vec<(usize, BTreeMap<String, usize>)> = rows
        .iter()
        .map(|r| {
            let cols = r.cells.iter().map(|(k, c)| (k.clone(), c.column)).collect();
            (r.line, cols)
        })
        .collect();
    let devices = check(&source, &file, rows)?;
    let mut states: Vec<Vec<StartState>> = vec![vec![]; fleets.len()];
    for (device, (line, cols)) in devices.iter().zip(&columns) {
        let fail = |field: &str, message: String, hint: String| {
            let column = cols.get(field).copied().unwrap_or(1);
            error(&source, &file, *line, column, field, message, hint)
        };
        let state = start_state(device, as_of, fleets, versions, &fail)?;
        states[state.0].push(state.1);
    }
    Ok(Start {
        as_of,
        fleets: states.into_iter().map(runs).collect(),
    })
}

/// As [`load_start`], for devices already in memory (a back-test builds its inventory from
/// the records); a mistake names the device.
pub fn start_of(
    devices: &[InventoryDevice],
    as_of: i64,
    fleets: &[FleetFacts<'_>],
    versions: &mut Versions,
) -> Result<Start, TableError> {
    let mut states: Vec<Vec<StartState>> = vec![vec![]; fleets.len()];
    for device in devices {
        let fail = |field: &str, message: String, hint: String| TableError::Io {
            what: "inventory",
            file: format!("device {}", device.id),
            message: format!("field `{field}`: {message}"),
            hint,
        };
        let (f, state) = start_state(device, as_of, fleets, versions, &fail)?;
        states[f].push(state);
    }
    Ok(Start {
        as_of,
        fleets: states.into_iter().map(runs).collect(),
    })
}

/// Reads an inventory file: CSV, JSON lines, or an Eclipse Ditto export (see
/// [`super::things`]), whose Things are read as inventory rows (errors then name the file
/// with `(as inventory rows)` and the row's number among them).
fn read_any(path: &Path) -> Result<(String, Vec<RawRow>, String), TableError> {
    let file = path.display().to_string();
    let is_json = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("jsonl" | "ndjson" | "json")
    );
    if is_json
        && let Ok(text) = std::fs::read_to_string(path)
        && super::things::is_things(&text)
    {
        let lines = super::things::to_inventory_lines(&text).map_err(|message| TableError::Io {
            what: "inventory",
            file: file.clone(),
            message,
            hint: "a Ditto export: a JSON list of Things, each with a `thingId` (docs/twin.md)"
                .into(),
        })?;
        let label = format!("{file} (as inventory rows)");
        let rows = table::read_json_lines(&lines, &label, &LAYOUT)?;
        return Ok((lines, rows, label));
    }
    let (source, rows) = table::read(path, &LAYOUT)?;
    Ok((source, rows, file))
}

/// Sorts a fleet's states and merges equal neighbours into runs.
fn runs(mut states: Vec<StartState>) -> Vec<StartRun> {
    states.sort_unstable();
    let mut runs: Vec<StartRun> = vec![];
    for (i, s) in states.into_iter().enumerate() {
        match runs.last_mut() {
            Some(run) if run.state == s => run.count += 1,
            _ => runs.push(StartRun {
                first: i as u32,
                count: 1,
                state: s,
            }),
        }
    }
    runs
}

/// Ticks from `from` to `to` (microseconds since 1970), or `None` if `to` is before `from`.
fn ticks_between(from: i64, to: i64) -> Option<Ticks> {
    to.checked_sub(from).and_then(|d| Ticks::try_from(d).ok())
}

/// One device's fleet index and starting state.
fn start_state(
    device: &InventoryDevice,
    as_of: i64,
    fleets: &[FleetFacts<'_>],
    versions: &mut Versions,
    fail: &dyn Fn(&str, String, String) -> TableError,
) -> Result<(usize, StartState), TableError> {
    let as_of_text = table::show_time(as_of);
    let f = place(device, fleets, fail)?;
    let facts = fleets[f];
    let profile = match device.carrier.as_deref() {
        None => None,
        Some(carrier) => {
            let Some(m) = facts.carriers.iter().position(|c| *c == carrier) else {
                let hint = match closest_name(carrier, facts.carriers.iter().copied()) {
                    Some(guess) => format!("did you mean `{guess}`?"),
                    None if facts.carriers.is_empty() => "leave `carrier` empty".into(),
                    None => format!("its carriers are: {}", facts.carriers.join(", ")),
                };
                let how = if facts.cellular {
                    "whose SIM has profiles"
                } else {
                    "whose gateways' uplinks are on"
                };
                return Err(fail(
                    "carrier",
                    format!(
                        "fleet `{}` ({how} {}) cannot be on carrier `{carrier}`",
                        facts.id,
                        facts.carriers.join(", ")
                    ),
                    hint,
                ));
            };
            facts.cellular.then_some(m as u8)
        }
    };
    let age = match device.installed {
        Installed::Age(age) => age.ticks(),
        Installed::At(at) => ticks_between(at, as_of).ok_or_else(|| {
            fail(
                "installed",
                format!("installed after the inventory's date ({as_of_text})"),
                "the inventory is the fleet as it stands on `as_of`: check the date or `as_of`"
                    .into(),
            )
        })?,
    };
    let battery = match device.battery {
        None => None,
        Some(_) if !facts.battery => {
            return Err(fail(
                "battery",
                format!("fleet `{}` has no battery in the scenario", facts.id),
                "give the fleet a battery (power: Battery(...)), or leave `battery` empty".into(),
            ));
        }
        Some(BatteryState::Level(level)) => Some(StartBattery::Charge(
            (level * 1e6).round().clamp(0.0, 1e6) as u32,
        )),
        Some(BatteryState::SwappedAt(at)) => Some(StartBattery::UsedFor(
            ticks_between(at, as_of).ok_or_else(|| {
                fail(
                    "battery_swapped",
                    format!("swapped after the inventory's date ({as_of_text})"),
                    "check the date or the scenario's `as_of`".into(),
                )
            })?,
        )),
    };
    let cert_expiry = match device.cert_expiry {
        None => None,
        Some(_) if !facts.certificate => {
            return Err(fail(
                "cert_expiry",
                format!("fleet `{}` has no certificate in the scenario", facts.id),
                "give the fleet a certificate (certificate: Certificate(validity: \"5y\")), \
                 or leave `cert_expiry` empty"
                    .into(),
            ));
        }
        Some(at) => Some(ticks_between(as_of, at).unwrap_or(0)),
    };
    let down = match device.state {
        DeviceState::Up => None,
        _ if !facts.repairs => {
            return Err(fail(
                "state",
                format!(
                    "fleet `{}` has no failure law, so nothing repairs a device that is down",
                    facts.id
                ),
                "give the fleet a failure (failure: Failure(lifetime: ..., repair: ...))".into(),
            ));
        }
        state => {
            let for_ticks = match device.state_since {
                None => 0,
                Some(since) => ticks_between(since, as_of).ok_or_else(|| {
                    fail(
                        "state_since",
                        format!("down since after the inventory's date ({as_of_text})"),
                        "check the date or the scenario's `as_of`".into(),
                    )
                })?,
            };
            Some(StartDown {
                in_repair: state == DeviceState::InRepair,
                for_ticks,
            })
        }
    };
    let firmware = match &device.firmware {
        Some(name) if facts.campaigns => Some(versions.index(name).ok_or_else(|| {
            fail(
                "firmware",
                format!("more than {MAX_VERSIONS} firmware versions"),
                "a scenario tells at most 65,535 versions apart: group old ones under one name"
                    .into(),
            )
        })?),
        _ => None,
    };
    Ok((
        f,
        StartState {
            age,
            battery,
            cert_expiry,
            down,
            firmware,
            profile,
        },
    ))
}

/// The fleet a device runs in: the one listed under its `fleet` name at its `site`. When one
/// fleet has the name, a site the scenario does not model (a street, a building: finer than
/// its places) is the device's own business, but one the scenario knows elsewhere, or a
/// near-miss of one, is refused; when several fleets (one per site) share the name, the site
/// decides and must be one of theirs.
fn place(
    device: &InventoryDevice,
    fleets: &[FleetFacts<'_>],
    fail: &dyn Fn(&str, String, String) -> TableError,
) -> Result<usize, TableError> {
    let listed: Vec<usize> = (0..fleets.len())
        .filter(|&f| fleets[f].listed_as == device.fleet)
        .collect();
    if listed.is_empty() {
        let mut names: Vec<&str> = fleets.iter().map(|f| f.listed_as).collect();
        names.sort_unstable();
        names.dedup();
        let hint = match closest_name(&device.fleet, names.iter().copied()) {
            Some(guess) => format!("did you mean `{guess}`?"),
            None => format!("the scenario's fleets are: {}", names.join(", ")),
        };
        return Err(fail(
            "fleet",
            format!("the scenario has no fleet `{}`", device.fleet),
            hint,
        ));
    }
    let sites: Vec<&str> = listed.iter().map(|&f| fleets[f].site).collect();
    let Some(site) = device.site.as_deref() else {
        return match listed.as_slice() {
            [only] => Ok(*only),
            _ => Err(fail(
                "site",
                format!(
                    "fleet `{}` is at several sites ({}): this device has no `site`",
                    device.fleet,
                    sites.join(", ")
                ),
                "write the site it is installed at".into(),
            )),
        };
    };
    if let Some(k) = sites.iter().position(|s| *s == site) {
        return Ok(listed[k]);
    }
    let all_sites: Vec<&str> = fleets.iter().map(|f| f.site).collect();
    let known_elsewhere = all_sites.contains(&site);
    let near_miss = closest_name(site, all_sites.iter().copied());
    if let ([only], false, None) = (listed.as_slice(), known_elsewhere, near_miss) {
        return Ok(*only);
    }
    let hint = match closest_name(site, sites.iter().copied()) {
        Some(guess) => format!("did you mean `{guess}`?"),
        None => format!(
            "fleet `{}` runs at {}; for devices at `{site}`, add a fleet there with \
             listed_as: \"{}\"",
            device.fleet,
            sites.join(", "),
            device.fleet
        ),
    };
    Err(fail(
        "site",
        format!("no fleet `{}` runs at site `{site}`", device.fleet),
        hint,
    ))
}

/// The most firmware versions a scenario tells apart: a device keeps its version as a `u16`
/// index into the table.
pub const MAX_VERSIONS: usize = u16::MAX as usize;

/// A scenario's firmware versions in order of first mention, each with its `u16` index.
#[derive(Clone, Debug, Default)]
pub struct Versions {
    pub names: Vec<String>,
    index: BTreeMap<String, u16>,
}

impl Versions {
    /// The index of version `name`, added at the end if new; `None` once the table holds
    /// [`MAX_VERSIONS`].
    pub fn index(&mut self, name: &str) -> Option<u16> {
        if let Some(&i) = self.index.get(name) {
            return Some(i);
        }
        let i = u16::try_from(self.names.len())
            .ok()
            .filter(|&i| (i as usize) < MAX_VERSIONS)?;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        Some(i)
    }

    /// The table of `names` (a deployment's `firmware_versions`), to add to.
    pub fn from_names(names: &[String]) -> Versions {
        let mut table = Versions::default();
        for name in names {
            table.index(name);
        }
        table
    }

    /// The index of a version already named.
    pub fn get(&self, name: &str) -> Option<u16> {
        self.index.get(name).copied()
    }
}

/// A charge written as a share (`0.62`) or a percentage (`62%`), in [0, 1].
fn battery_level(text: &str) -> Option<f64> {
    let level = match text.strip_suffix('%') {
        Some(pct) => pct.trim().parse::<f64>().ok()? / 100.0,
        None => text.parse::<f64>().ok()?,
    };
    (0.0..=1.0).contains(&level).then_some(level)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "id,fleet,site,installed,battery,firmware,cert_expiry,carrier,state,state_since\n";

    fn csv(rows: &str) -> Result<Vec<InventoryDevice>, TableError> {
        parse_csv(&format!("{HEADER}{rows}"), "fleet.csv")
    }

    fn located(e: TableError) -> (usize, usize, String, String) {
        let d = e.diagnostic().expect("located").clone();
        (d.line, d.column, d.field, d.hint)
    }

    #[test]
    fn reads_devices_up_and_in_repair() {
        let devices = csv(
            "m-1,meters,site-01,2021-06-14,0.62,2.3.1,2026-06-13,lte-a,up,\n\
             m-2,meters,site-02,2020-01-01,62%,2.4.0,,lte-a,in_repair,2025-12-30\n\
             m-3,meters,,2019-01-01,,,,,,\n",
        )
        .unwrap();
        assert_eq!(devices.len(), 3);
        assert_eq!(devices[0].battery, Some(BatteryState::Level(0.62)));
        assert_eq!(devices[1].battery, Some(BatteryState::Level(0.62)));
        assert_eq!(devices[1].state, DeviceState::InRepair);
        assert_eq!(devices[1].state_since, table::parse_time("2025-12-30").ok());
        // Empty fields: mains power, no certificate, up.
        assert_eq!((devices[2].battery, devices[2].cert_expiry), (None, None));
        assert_eq!(devices[2].state, DeviceState::Up);
    }

    #[test]
    fn ages_and_battery_swaps_are_alternatives() {
        let text = "id,fleet,age,battery_swapped\nt-1,trackers,3y 20d,2025-03-01\n";
        let d = &parse_csv(text, "f.csv").unwrap()[0];
        assert_eq!(
            d.installed,
            Installed::Age(Duration::parse("3y 20d").unwrap())
        );
        assert!(matches!(d.battery, Some(BatteryState::SwappedAt(_))));
        let both = "id,fleet,installed,age\nt-1,trackers,2022-01-01,3y\n";
        assert_eq!(located(parse_csv(both, "f.csv").unwrap_err()).2, "age");
    }

    #[test]
    fn json_lines_read_the_same_devices() {
        let json = r#"{"id": "m-1", "fleet": "meters", "installed": "2021-06-14", "battery": 0.62, "state": "up"}"#;
        let a = parse_json_lines(json, "f.jsonl").unwrap();
        let b = csv("m-1,meters,,2021-06-14,0.62,,,,up,\n").unwrap();
        assert_eq!(
            (&a[0].id, a[0].installed, a[0].battery),
            (&b[0].id, b[0].installed, b[0].battery)
        );
    }

    #[test]
    fn mistakes_are_located_with_a_hint() {
        let (line, column, field, hint) =
            located(csv("m-1,meters,s,2021-06-14,1.7,,,,up,\n").unwrap_err());
        assert_eq!((line, column, field.as_str()), (2, 25, "battery"));
        assert!(hint.contains("62%"), "{hint}");
        let (_, _, field, hint) =
            located(csv("m-1,meters,s,2021-06-14,,,,,repairing,2025-01-01\n").unwrap_err());
        assert_eq!(field, "state");
        assert!(hint.contains("in_repair"), "{hint}");
        let (_, _, field, _) =
            located(csv("m-1,meters,s,2021-06-14,,,,,in_repair,\n").unwrap_err());
        assert_eq!(field, "state_since");
        let (line, _, field, _) = located(
            csv("m-1,meters,s,2021-06-14,,,,,,\nm-1,meters,s,2022-06-14,,,,,,\n").unwrap_err(),
        );
        assert_eq!((line, field.as_str()), (3, "id"));
        let (_, _, field, hint) = located(parse_csv("id,flet\n", "f.csv").unwrap_err());
        assert_eq!(field, "flet");
        assert!(hint.contains("`fleet`"), "{hint}");
    }

    #[test]
    fn the_example_inventory_reads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/fit-example/inventory.csv");
        let devices = load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(devices.len(), 3000);
        assert!(devices.iter().any(|d| d.state == DeviceState::InRepair));
    }
}
