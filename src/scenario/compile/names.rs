//! The scenario's named lists: the ones a deployment cannot do without are not empty, and
//! every id is unique within its list, so later sections can resolve names to indices.

use super::super::error::ScenarioError;
use super::super::types::Scenario;
use super::Ctx;

/// The ids of the scenario's sites, carriers, gateways, fleets and redundancy groups, in
/// written order: a name's position is the index it compiles to.
pub(super) struct Names<'a> {
    pub(super) sites: Vec<&'a str>,
    pub(super) carriers: Vec<&'a str>,
    pub(super) gateways: Vec<&'a str>,
    pub(super) fleets: Vec<&'a str>,
    pub(super) groups: Vec<&'a str>,
}

/// Refuses an empty list a deployment needs and an id used twice in its list.
pub(super) fn names<'a>(cx: &Ctx<'_>, s: &'a Scenario) -> Result<Names<'a>, ScenarioError> {
    // Fleets attached straight to carriers need no gateway.
    let all_direct = s.fleets.iter().all(|f| f.connectivity.is_some());
    for (list, empty) in [
        ("sites", s.sites.is_empty()),
        ("gateways", s.gateways.is_empty() && !all_direct),
        ("fleets", s.fleets.is_empty()),
    ] {
        if empty {
            return Err(cx.error(
                list,
                format!("`{list}` is empty"),
                format!("a deployment needs at least one item in `{list}`"),
            ));
        }
    }
    let site_ids: Vec<&str> = s.sites.iter().map(|x| x.id.as_str()).collect();
    let carrier_ids: Vec<&str> = s.carriers.iter().map(|x| x.id.as_str()).collect();
    let gateway_ids: Vec<&str> = s.gateways.iter().map(|x| x.id.as_str()).collect();
    let fleet_ids: Vec<&str> = s.fleets.iter().map(|x| x.id.as_str()).collect();
    let group_ids: Vec<&str> = s.redundancy.iter().map(|x| x.id()).collect();
    cx.unique_ids("sites", "site", &site_ids)?;
    cx.unique_ids("carriers", "carrier", &carrier_ids)?;
    cx.unique_ids("gateways", "gateway", &gateway_ids)?;
    cx.unique_ids("fleets", "fleet", &fleet_ids)?;
    cx.unique_ids("redundancy", "redundancy group", &group_ids)?;
    let cause_ids: Vec<&str> = s.common_causes.iter().map(|x| x.id.as_str()).collect();
    cx.unique_ids("common_causes", "common cause", &cause_ids)?;
    Ok(Names {
        sites: site_ids,
        carriers: carrier_ids,
        gateways: gateway_ids,
        fleets: fleet_ids,
        groups: group_ids,
    })
}
