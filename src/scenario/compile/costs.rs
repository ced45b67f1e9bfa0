//! The `costs` block: prices resolved to fleets, gateways and carriers; SIMs and eSIM
//! profiles counted per plan; the message sizes each carrier bills.

use super::super::cellular::SimKind;
use super::super::deployment::{
    CostSpec, DeviceCostSpec, FleetSpec, GatewayCostSpec, GatewaySpec, GroupSpec, PlanSpec, SlaSpec,
};
use super::super::error::ScenarioError;
use super::super::types::Costs;
use super::Ctx;
use super::names::Names;

/// Compiles the `costs` block: ids to indices, SIMs counted, per-carrier message sizes.
pub(super) fn costs(
    cx: &Ctx<'_>,
    c: &Costs,
    gateways: &[GatewaySpec],
    fleets: &[FleetSpec],
    groups: &[GroupSpec],
    ids: &Names<'_>,
) -> Result<CostSpec, ScenarioError> {
    let currency = &c.currency;
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(cx.error(
            "costs.currency",
            format!("\"{currency}\" is not a currency code"),
            "write an ISO 4217 code in capitals, e.g. currency: \"EUR\" or \"USD\"".into(),
        ));
    }
    let mut devices = vec![DeviceCostSpec::default(); fleets.len()];
    let mut priced = vec![None; fleets.len()];
    for (i, d) in c.devices.iter().enumerate() {
        let here = format!("costs.devices[{i}]");
        let f = cx.resolve(&format!("{here}.fleet"), "fleet", &d.fleet, &ids.fleets)?;
        if let Some(first) = priced[f] {
            return Err(cx.error(
                &format!("{here}.fleet"),
                format!(
                    "fleet \"{}\" is priced twice (also by costs.devices[{first}])",
                    d.fleet
                ),
                "give each fleet one DeviceCost".into(),
            ));
        }
        priced[f] = Some(i);
        if d.battery_life.is_some_and(|l| l.ticks() == 0) {
            return Err(cx.error(
                &format!("{here}.battery_life"),
                "a battery life of 0s".into(),
                "e.g. battery_life: \"5y\", or leave it out for mains-powered devices".into(),
            ));
        }
        devices[f] = DeviceCostSpec {
            hardware: d.hardware.0,
            install: d.install.0,
            parts: d.parts.map_or(d.hardware.0, |p| p.0),
            battery_swap: d.battery_swap.0,
            battery_life: d.battery_life.map(|l| l.ticks()),
        };
    }

    let default = match &c.gateway {
        Some(g) if g.gateway.is_some() => {
            return Err(cx.error(
                "costs.gateway.gateway",
                "the default gateway price names a gateway".into(),
                "`gateway` prices every gateway; price one gateway in `gateways: [GatewayCost(gateway: \"gw\", ...)]`".into(),
            ));
        }
        Some(g) => GatewayCostSpec {
            hardware: g.hardware.0,
            install: g.install.0,
            parts: g.parts.map_or(g.hardware.0, |p| p.0),
        },
        None => GatewayCostSpec::default(),
    };
    let mut gateway_costs = vec![default; gateways.len()];
    let mut priced = vec![None; gateways.len()];
    for (i, g) in c.gateways.iter().enumerate() {
        let here = format!("costs.gateways[{i}]");
        let Some(id) = &g.gateway else {
            return Err(cx.error(
                &here,
                "a per-gateway price without `gateway`".into(),
                "name the gateway, e.g. GatewayCost(gateway: \"gw\", hardware: 900.0), or put a price for every gateway in `gateway: GatewayCost(...)`".into(),
            ));
        };
        let k = cx.resolve(&format!("{here}.gateway"), "gateway", id, &ids.gateways)?;
        if let Some(first) = priced[k] {
            return Err(cx.error(
                &format!("{here}.gateway"),
                format!("gateway \"{id}\" is priced twice (also by costs.gateways[{first}])"),
                "give each gateway one GatewayCost".into(),
            ));
        }
        priced[k] = Some(i);
        gateway_costs[k] = GatewayCostSpec {
            hardware: g.hardware.0,
            install: g.install.0,
            parts: g.parts.map_or(g.hardware.0, |p| p.0),
        };
    }

    let carriers = ids.carriers.len();
    let mut plan_of_carrier: Vec<Option<usize>> = vec![None; carriers];
    let mut plans = Vec::with_capacity(c.plans.len());
    for (i, p) in c.plans.iter().enumerate() {
        let here = format!("costs.plans[{i}]");
        let mut covered = vec![];
        let named = std::iter::once((format!("{here}.carrier"), &p.carrier)).chain(
            p.also
                .iter()
                .enumerate()
                .map(|(k, a)| (format!("{here}.also[{k}]"), a)),
        );
        for (field, id) in named {
            let k = cx.resolve(&field, "carrier", id, &ids.carriers)?;
            if let Some(other) = plan_of_carrier[k] {
                return Err(cx.error(
                    &field,
                    format!("carrier \"{id}\" is already billed by costs.plans[{other}]"),
                    "a carrier belongs to one plan; a multi-carrier SIM lists the others in `also`"
                        .into(),
                ));
            }
            plan_of_carrier[k] = Some(i);
            covered.push(k);
        }
        let users = gateways
            .iter()
            .filter(|g| g.uplinks.iter().any(|u| covered.contains(&u.carrier)));
        let sims = if p.per_site {
            let mut sites: Vec<usize> = users.map(|g| g.site).collect();
            sites.sort_unstable();
            sites.dedup();
            sites.len()
        } else {
            users.count()
        } as u32;
        // Devices on their own SIMs: the plan bills one active SIM (or profile) per device
        // whose first carrier it covers, and one dormant profile per device with only a
        // fallback carrier on it; each eSIM profile on it is downloaded once.
        let (mut device_sims, mut dormant_profiles, mut downloads) = (0u64, 0u64, 0u64);
        for f in fleets.iter() {
            let Some(cell) = &f.cellular else { continue };
            let count = f.count as u64;
            let here: Vec<usize> = cell
                .profiles
                .iter()
                .copied()
                .filter(|k| covered.contains(k))
                .collect();
            if here.is_empty() {
                continue;
            }
            if here.contains(&cell.profiles[0]) {
                device_sims += count;
            } else {
                dormant_profiles += count;
            }
            if cell.kind == SimKind::Esim {
                downloads += count * here.len() as u64;
            }
        }
        plans.push(PlanSpec {
            carriers: covered,
            sims,
            per_sim_month: p.per_sim_month.0,
            per_mb: p.per_mb.0,
            activation: p.activation.0,
            device_sims,
            dormant_profiles,
            downloads,
            dormant_profile_month: p.dormant_profile_month.map_or(p.per_sim_month.0, |d| d.0),
            profile_download: p.profile_download.0,
            per_switch: p.per_switch.0,
            platform_per_device_month: p.platform_per_device_month.0,
            included_mb_month: p.included_mb_month.0,
            overage_per_mb: p.overage_per_mb.0,
        });
    }

    // Per carrier, the rate-weighted mean message size of the fleets that may use it.
    let rate = |f: &FleetSpec| f.count as f64 / f.report.mean().max(1.0);
    // A fleet that names its protocol already has its overhead in `message_bytes`; the others
    // get the cost block's `protocol_overhead_bytes`.
    let billed = |f: &FleetSpec| {
        f.message_bytes as f64
            + if f.protocol.is_some() {
                0.0
            } else {
                c.protocol_overhead_bytes.0
            }
    };
    let weighted = |fs: &mut dyn Iterator<Item = &FleetSpec>| {
        let (bytes, rates) = fs.fold((0.0, 0.0), |(b, r), f| {
            (b + rate(f) * billed(f), r + rate(f))
        });
        (rates > 0.0).then(|| bytes / rates)
    };
    let overall = weighted(&mut fleets.iter()).unwrap_or(0.0);
    let carrier_message_bytes = (0..carriers)
        .map(|k| {
            let mut using = fleets.iter().filter(|f| {
                groups[f.group]
                    .members
                    .iter()
                    .any(|&g| gateways[g].uplinks.iter().any(|u| u.carrier == k))
            });
            weighted(&mut using).unwrap_or(overall)
        })
        .collect();

    let fleet_message_bytes = fleets.iter().map(billed).collect();
    Ok(CostSpec {
        currency: currency.clone(),
        fleet_message_bytes,
        discount_rate: c.discount_rate.0,
        devices,
        gateways: gateway_costs,
        plans,
        plan_of_carrier,
        carrier_message_bytes,
        per_million_messages: c.per_million_messages.0,
        repair_visit: c.repairs.truck_roll.0 + c.repairs.labour_hour.0 * c.repairs.repair_hours.0,
        downtime_per_site_hour: c.downtime_per_site_hour.0,
        sla: c.sla.as_ref().map(|s| SlaSpec {
            availability: s.availability.0,
            penalty: s.penalty.0,
        }),
    })
}
