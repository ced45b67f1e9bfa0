//! What goes down, and when: common causes (units and fleets that fail together),
//! maintenance windows and scheduled faults, each resolved to the network units, links or
//! fleets it takes down.

use super::super::deployment::{CauseSpec, FaultSpec, FaultTarget, FleetHit, FleetSpec, Unit};
use crate::engine::random::name_key;

use super::super::error::ScenarioError;
use super::super::types::{Fault, LinkRef, Scenario, Target};
use super::{Ctx, MAX_WINDOWS, Network};

/// The common causes: each takes something down (network units, or fleets or shares of them,
/// each fleet named once) with its outage laws.
pub(super) fn common_causes(
    cx: &Ctx<'_>,
    s: &Scenario,
    net: &Network<'_>,
    fleets: &[FleetSpec],
) -> Result<Vec<CauseSpec>, ScenarioError> {
    let names = net.names;
    let mut causes = Vec::with_capacity(s.common_causes.len());
    for (i, c) in s.common_causes.iter().enumerate() {
        let here = format!("common_causes[{i}]");
        if c.takes_down.is_empty() {
            return Err(cx.error(
                &format!("{here}.takes_down"),
                format!("common cause \"{}\" takes nothing down", c.id),
                "list what fails together, e.g. takes_down: [Carrier(\"a\"), Site(\"plant\")]"
                    .into(),
            ));
        }
        let mut all = vec![];
        let mut hits: Vec<FleetHit> = vec![];
        for (k, t) in c.takes_down.iter().enumerate() {
            let field = format!("{here}.takes_down[{k}]");
            if let Some(hit) = fleet_hit(cx, &field, t, &names.fleets, fleets)? {
                if hits.iter().any(|h| h.fleet == hit.fleet) {
                    return Err(cx.error(
                        &field,
                        format!(
                            "common cause \"{}\" names fleet \"{}\" twice",
                            c.id, names.fleets[hit.fleet]
                        ),
                        "name each fleet once, with the share of its devices one strike takes down"
                            .into(),
                    ));
                }
                hits.push(hit);
                continue;
            }
            for u in units(cx, net, &field, t)? {
                if !all.contains(&u) {
                    all.push(u);
                }
            }
        }
        causes.push(CauseSpec {
            id: c.id.clone(),
            key: name_key("cause", &c.id),
            units: all,
            fleets: hits,
            outages: cx.outages(&format!("{here}.outages"), &c.outages)?,
        });
    }
    Ok(causes)
}

/// The maintenance windows expanded over the horizon (a bounded number of them), then the
/// scheduled faults, each inside the horizon and lasting some time.
pub(super) fn faults(
    cx: &Ctx<'_>,
    s: &Scenario,
    net: &Network<'_>,
) -> Result<Vec<FaultSpec>, ScenarioError> {
    let Network {
        names, gateways, ..
    } = *net;
    let mut faults = Vec::with_capacity(s.faults.len());
    for (i, m) in s.maintenance.iter().enumerate() {
        let here = format!("maintenance[{i}]");
        if m.every.ticks() == 0 || m.lasting.ticks() == 0 {
            let field = if m.every.ticks() == 0 {
                "every"
            } else {
                "lasting"
            };
            return Err(cx.error(
                &format!("{here}.{field}"),
                format!("a maintenance window's `{field}` is 0s"),
                "e.g. Maintenance(target: Carrier(\"lte\"), first: \"6d 02:00\", every: \"28d\", lasting: \"2h\")".into(),
            ));
        }
        let windows = s.horizon.ticks().saturating_sub(m.first.ticks()) / m.every.ticks() + 1;
        if windows > MAX_WINDOWS {
            return Err(cx.error(
                &format!("{here}.every"),
                format!(
                    "{windows} maintenance windows over the horizon is more than {MAX_WINDOWS}"
                ),
                "maintenance recurs every few days or weeks; lengthen `every`".into(),
            ));
        }
        let targets = units(cx, net, &format!("{here}.target"), &m.target)?;
        let mut at = m.first.ticks();
        while at < s.horizon.ticks() {
            for &u in &targets {
                faults.push(FaultSpec {
                    target: FaultTarget::Down(u),
                    at,
                    lasting: m.lasting.ticks(),
                });
            }
            at = at.saturating_add(m.every.ticks());
        }
    }
    for (i, fault) in s.faults.iter().enumerate() {
        let here = format!("faults[{i}]");
        let (targets, at, lasting) = match fault {
            Fault::CarrierDown {
                carrier,
                at,
                lasting,
            } => {
                let c = cx.resolve(
                    &format!("{here}.carrier"),
                    "carrier",
                    carrier,
                    &names.carriers,
                )?;
                (vec![FaultTarget::Down(Unit::Carrier(c))], at, lasting)
            }
            Fault::GatewayDown {
                gateway,
                at,
                lasting,
            } => {
                let g = cx.resolve(
                    &format!("{here}.gateway"),
                    "gateway",
                    gateway,
                    &names.gateways,
                )?;
                (vec![FaultTarget::Down(Unit::Gateway(g))], at, lasting)
            }
            Fault::Down {
                target,
                at,
                lasting,
            } => {
                let down = units(cx, net, &format!("{here}.target"), target)?;
                (
                    down.into_iter().map(FaultTarget::Down).collect(),
                    at,
                    lasting,
                )
            }
            Fault::LinkDegraded {
                link,
                at,
                lasting,
                loss,
            } => {
                let target = match link {
                    LinkRef::Access(fleet) => FaultTarget::AccessLink {
                        fleet: cx.resolve(
                            &format!("{here}.link"),
                            "fleet",
                            fleet,
                            &names.fleets,
                        )?,
                        loss: loss.0,
                    },
                    LinkRef::Uplink { gateway, carrier } => {
                        let g = cx.resolve(
                            &format!("{here}.link.gateway"),
                            "gateway",
                            gateway,
                            &names.gateways,
                        )?;
                        let c = cx.resolve(
                            &format!("{here}.link.carrier"),
                            "carrier",
                            carrier,
                            &names.carriers,
                        )?;
                        let Some(u) = gateways[g].uplinks.iter().position(|u| u.carrier == c)
                        else {
                            return Err(cx.error(
                                &format!("{here}.link.carrier"),
                                format!(
                                    "gateway \"{gateway}\" has no uplink through \"{carrier}\""
                                ),
                                "name one of the carriers in the gateway's `uplinks`".into(),
                            ));
                        };
                        FaultTarget::Uplink {
                            gateway: g,
                            uplink: u,
                            loss: loss.0,
                        }
                    }
                };
                (vec![target], at, lasting)
            }
        };
        if at.ticks() >= s.horizon.ticks() {
            return Err(cx.error(
                &format!("{here}.at"),
                format!(
                    "the fault starts at {at}, at or after the horizon {}: it would never happen",
                    s.horizon
                ),
                "schedule it within the horizon, or lengthen the horizon".into(),
            ));
        }
        if lasting.ticks() == 0 {
            return Err(cx.error(
                &format!("{here}.lasting"),
                "a fault lasting 0s does nothing".into(),
                "give it a length, e.g. lasting: \"2h\"".into(),
            ));
        }
        for target in targets {
            faults.push(FaultSpec {
                target,
                at: at.ticks(),
                lasting: lasting.ticks(),
            });
        }
    }
    Ok(faults)
}

/// The network units a target names: a carrier, a gateway, the gateways at a site, the
/// carriers of a region. Fleets are a common cause's alone; a target with no unit is refused.
fn units(
    cx: &Ctx<'_>,
    net: &Network<'_>,
    field: &str,
    target: &Target,
) -> Result<Vec<Unit>, ScenarioError> {
    let Network {
        names,
        carriers,
        gateways,
        regions,
    } = *net;
    let units: Vec<Unit> = match target {
        Target::Carrier(c) => vec![Unit::Carrier(cx.resolve(
            field,
            "carrier",
            c,
            &names.carriers,
        )?)],
        Target::Gateway(g) => vec![Unit::Gateway(cx.resolve(
            field,
            "gateway",
            g,
            &names.gateways,
        )?)],
        Target::Site(site) => {
            let site = cx.resolve(field, "site", site, &names.sites)?;
            (0..gateways.len())
                .filter(|&g| gateways[g].site == site)
                .map(Unit::Gateway)
                .collect()
        }
        Target::Region(r) => {
            let names: Vec<&str> = regions.iter().map(String::as_str).collect();
            if names.is_empty() {
                return Err(cx.error(
                    field,
                    format!("unknown region id \"{r}\""),
                    "regions are named on carriers: Carrier(id: \"a\", region: \"north\")".into(),
                ));
            }
            let region = cx.resolve(field, "region", r, &names)?;
            (0..carriers.len())
                .filter(|&c| carriers[c].region == Some(region))
                .map(Unit::Carrier)
                .collect()
        }
        Target::Fleet(_) | Target::FleetShare { .. } => {
            return Err(cx.error(
                field,
                "only a common cause takes down a fleet's devices".into(),
                "name the fleet in a common cause: common_causes: [CommonCause(id: \"storm\", takes_down: [Fleet(\"meters\")], outages: ...)]".into(),
            ));
        }
    };
    if units.is_empty() {
        return Err(cx.error(
            field,
            "this target has no gateways to take down".into(),
            "a site outage takes down the gateways standing there; add one or drop it".into(),
        ));
    }
    Ok(units)
}

/// A common cause's target on a fleet (`Fleet`, `FleetShare`), resolved; `None` for a target
/// that names network units. Fleets on their own SIMs are refused: their readings wait on the
/// SIM's own service, which a cause's hold does not yet feed.
fn fleet_hit(
    cx: &Ctx<'_>,
    field: &str,
    target: &Target,
    fleet_ids: &[&str],
    fleets: &[FleetSpec],
) -> Result<Option<FleetHit>, ScenarioError> {
    let (name, share) = match target {
        Target::Fleet(name) => (name, 1.0),
        Target::FleetShare { fleet, share } => (fleet, share.0),
        _ => return Ok(None),
    };
    let fleet = cx.resolve(field, "fleet", name, fleet_ids)?;
    if fleets[fleet].cellular.is_some() {
        return Err(cx.error(
            field,
            format!(
                "fleet \"{name}\" is on its own SIMs, which a common cause cannot take down yet"
            ),
            "take down its carriers instead: takes_down: [Carrier(\"...\")]".into(),
        ));
    }
    Ok(Some(FleetHit { fleet, share }))
}
