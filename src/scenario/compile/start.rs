//! A run that starts from the field: the scenario's inventory (devices as they stand on the
//! `as_of` date) read against the compiled fleets, each listed fleet's count replaced by the
//! inventory's.

use std::path::Path;

use super::super::deployment::{FleetSpec, GroupSpec};
use super::super::error::ScenarioError;
use super::super::inventory::{Start, Versions};
use super::super::types::Scenario;
use super::lifecycle::dead_to_stop;
use super::{Ctx, MAX_DEVICES, Network};

/// The scenario's inventory, if it names one, compiled against the fleets (whose counts it
/// sets) and the places each fleet's devices can be: its site and its carriers.
pub(super) fn inventory(
    cx: &Ctx<'_>,
    s: &Scenario,
    net: &Network<'_>,
    groups: &[GroupSpec],
    fleets: &mut [FleetSpec],
    versions: &mut Versions,
) -> Result<Option<Start>, ScenarioError> {
    let site_ids = &net.names.sites;
    let Network {
        carriers, gateways, ..
    } = *net;
    s.inventory
        .as_ref()
        .map(|path| {
            // Where each fleet is: its site, and the carriers a device of it can be on.
            let places: Vec<(&str, Vec<&str>)> = fleets
                .iter()
                .map(|f| {
                    let carrier_ids: Vec<usize> = match &f.cellular {
                        Some(cell) => cell.profiles.clone(),
                        None => groups[f.group]
                            .members
                            .iter()
                            .flat_map(|&g| gateways[g].uplinks.iter().map(|u| u.carrier))
                            .collect(),
                    };
                    let names = carrier_ids.iter().map(|&c| carriers[c].id.as_str());
                    (site_ids[f.site], names.collect())
                })
                .collect();
            let as_of = s.as_of.as_deref();
            start_from_inventory(cx, path, as_of, s, fleets, &places, versions)
        })
        .transpose()
}

/// Reads the scenario's inventory (`path` relative to the scenario file) and compiles it for
/// a run starting on `as_of`: each listed fleet's count becomes the inventory's.
fn start_from_inventory(
    cx: &Ctx<'_>,
    path: &str,
    as_of: Option<&str>,
    s: &Scenario,
    fleets: &mut [FleetSpec],
    places: &[(&str, Vec<&str>)],
    versions: &mut Versions,
) -> Result<Start, ScenarioError> {
    use super::super::inventory::{FleetFacts, load_start};
    use super::super::table::{DATE_HINT, TableError, parse_time};
    let Some(as_of) = as_of else {
        return Err(cx.error(
            "inventory",
            "an inventory needs the date it describes".into(),
            "add as_of: \"2026-01-01\" beside inventory (time 0 of the run)".into(),
        ));
    };
    let as_of = parse_time(as_of).map_err(|m| cx.error("as_of", m, DATE_HINT.into()))?;
    let facts: Vec<FleetFacts<'_>> = fleets
        .iter()
        .zip(&s.fleets)
        .zip(places)
        .map(|((f, written), (site, carriers))| FleetFacts {
            id: &f.id,
            listed_as: written.listed_as.as_deref().unwrap_or(&f.id),
            site,
            carriers,
            cellular: f.cellular.is_some(),
            battery: f.life.battery.is_some(),
            certificate: f.certificate.is_some(),
            repairs: f.failure.is_some(),
            campaigns: s.firmware.iter().any(|c| c.fleet == f.id),
        })
        .collect();
    // Relative to the scenario; a sweep point's file name ends in a label after a space.
    let scenario = Path::new(cx.file.split(" [sweep point").next().unwrap_or(cx.file));
    let full = scenario.parent().unwrap_or(Path::new("")).join(path);
    let start = load_start(&full, as_of, &facts, versions).map_err(|e| match e {
        TableError::Invalid(d) => ScenarioError::Invalid(d),
        TableError::Io { message, .. } => cx.error(
            "inventory",
            format!("cannot read inventory {}: {message}", full.display()),
            "the path is relative to the scenario file".into(),
        ),
    })?;
    let mut devices: u64 = 0;
    for (i, fleet) in fleets.iter_mut().enumerate() {
        if let Some(count) = start.count(i) {
            fleet.count = count;
            fleet.stop_when_dead = s.fleets[i]
                .stop_when_dead
                .map(|share| dead_to_stop(share.0, count));
        }
        devices += fleet.count as u64;
    }
    if devices > MAX_DEVICES {
        return Err(cx.error(
            "inventory",
            format!("{devices} devices in all is more than one run can hold ({MAX_DEVICES})"),
            "split the fleet into several scenarios".into(),
        ));
    }
    Ok(start)
}
