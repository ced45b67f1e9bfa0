//! Software on the devices: the firmware version table (names to small numbers) and update
//! campaigns, whose `from` versions must be ones a device of the fleet can be on.

use crate::engine::random::name_key;

use super::super::deployment::{CampaignSpec, FleetSpec};
use super::super::error::{ScenarioError, closest};
use super::super::inventory::{MAX_VERSIONS, Start, Versions};
use super::super::types::Scenario;
use super::Ctx;
use super::names::Names;

/// The update campaigns in written order, fleets and versions resolved.
pub(super) fn campaigns(
    cx: &Ctx<'_>,
    s: &Scenario,
    names: &Names<'_>,
    fleets: &[FleetSpec],
    versions: &Versions,
) -> Result<Vec<CampaignSpec>, ScenarioError> {
    let mut campaigns = Vec::with_capacity(s.firmware.len());
    for (i, c) in s.firmware.iter().enumerate() {
        let here = format!("firmware[{i}]");
        let fleet = cx.resolve(&format!("{here}.fleet"), "fleet", &c.fleet, &names.fleets)?;
        campaigns.push(CampaignSpec {
            key: name_key("firmware", &format!("{}#{i}", c.fleet)),
            fleet,
            start: c.start.ticks(),
            waves: c.waves.0.min(fleets[fleet].count),
            wave_every: c.wave_every.ticks(),
            brick: c.brick.0,
            recover: c.recover.0,
            rollback_time: c
                .rollback_time
                .as_ref()
                .map(|d| cx.dist(&format!("{here}.rollback_time"), d))
                .transpose()?,
            repair: cx.dist(&format!("{here}.repair"), &c.repair)?,
            halt_above: c.halt_above.map(|p| p.0),
            from: c.from.iter().filter_map(|v| versions.get(v)).collect(),
            to: c.to.as_deref().and_then(|v| versions.get(v)),
        });
    }
    Ok(campaigns)
}

/// The firmware version table of a scenario: fleets' default versions, then campaigns'
/// `from` and `to`, in order of first mention (an inventory adds its own after them).
pub(super) fn firmware_versions(cx: &Ctx<'_>, s: &Scenario) -> Result<Versions, ScenarioError> {
    let mut versions = Versions::default();
    let named = s.fleets.iter().enumerate().filter_map(|(i, f)| {
        Some((
            format!("fleets[{i}].firmware_version"),
            f.firmware_version.as_ref()?,
        ))
    });
    let campaigns = s.firmware.iter().enumerate().flat_map(|(i, c)| {
        let from = c
            .from
            .iter()
            .enumerate()
            .map(move |(k, v)| (format!("firmware[{i}].from[{k}]"), v));
        from.chain(c.to.iter().map(move |v| (format!("firmware[{i}].to"), v)))
    });
    for (field, name) in named.chain(campaigns) {
        if versions.index(name).is_none() {
            return Err(cx.error(
                &field,
                format!("more than {MAX_VERSIONS} firmware versions"),
                "a scenario tells at most 65,535 versions apart".into(),
            ));
        }
    }
    Ok(versions)
}

/// Refuses a campaign `from` version no device of its fleet can be on when the campaign
/// starts (not its default, not in the inventory, not the `to` of an earlier campaign of the
/// fleet): a typo would otherwise update nothing, silently.
pub(super) fn campaigns_find_their_versions(
    cx: &Ctx<'_>,
    s: &Scenario,
    fleets: &[FleetSpec],
    start: Option<&Start>,
    versions: &Versions,
) -> Result<(), ScenarioError> {
    let mut held: Vec<std::collections::BTreeSet<u16>> = fleets
        .iter()
        .enumerate()
        .map(|(f, spec)| {
            let runs = start.map_or(&[][..], |st| st.fleets[f].as_slice());
            let listed = runs.iter().filter_map(|r| r.state.firmware);
            spec.firmware_version.into_iter().chain(listed).collect()
        })
        .collect();
    let mut order: Vec<usize> = (0..s.firmware.len()).collect();
    order.sort_by_key(|&i| s.firmware[i].start.ticks());
    for i in order {
        let c = &s.firmware[i];
        let Some(f) = fleets.iter().position(|x| x.id == c.fleet) else {
            continue;
        };
        for (k, name) in c.from.iter().enumerate() {
            if versions.get(name).is_some_and(|v| held[f].contains(&v)) {
                continue;
            }
            let on: Vec<&str> = held[f]
                .iter()
                .map(|&v| versions.names[v as usize].as_str())
                .collect();
            let hint = match closest(name, on.iter().copied()) {
                Some(guess) => format!("did you mean \"{guess}\"?"),
                None if on.is_empty() => format!(
                    "fleet \"{}\" has no known version: give it firmware_version, or list \
                     each device's in the inventory's `firmware` column",
                    c.fleet
                ),
                None => format!("its devices can be on: {}", on.join(", ")),
            };
            return Err(cx.error(
                &format!("firmware[{i}].from[{k}]"),
                format!(
                    "no device of fleet \"{}\" is on firmware \"{name}\" when the campaign starts",
                    c.fleet
                ),
                hint,
            ));
        }
        if let Some(to) = c.to.as_deref().and_then(|v| versions.get(v)) {
            held[f].insert(to);
        }
    }
    Ok(())
}
