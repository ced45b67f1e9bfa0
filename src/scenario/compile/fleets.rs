//! The fleets: where each reports (a gateway, a redundancy group, or carriers on its own
//! SIMs), how often and how much, its radio, its life, and the device count one run can hold.

use crate::engine::random::name_key;

use super::super::deployment::{
    FailoverSpec, FleetSpec, GatewaySpec, GroupSpec, Pool, StandbyKind,
};
use super::super::devices::{self, Environment, Protocol};
use super::super::error::ScenarioError;
use super::super::inventory::Versions;
use super::super::types::{DEFAULT_MESSAGE_BYTES, Fleet, Scenario};
use super::lifecycle::{dead_to_stop, lifecycle};
use super::names::Names;
use super::{Ctx, MAX_DEVICES};

/// The fleets in written order. A fleet naming a single gateway gets that gateway's group of
/// one (made on first use and shared), a fleet on its own SIMs an empty group of its own.
pub(super) fn fleets(
    cx: &Ctx<'_>,
    s: &Scenario,
    names: &Names<'_>,
    regions: &[String],
    gateways: &[GatewaySpec],
    groups: &mut Vec<GroupSpec>,
    versions: &Versions,
) -> Result<Vec<FleetSpec>, ScenarioError> {
    // Gateways that fleets use directly serve them as groups of one, made on first use.
    let mut single_group: Vec<Option<usize>> = vec![None; gateways.len()];
    let mut fleets: Vec<FleetSpec> = Vec::with_capacity(s.fleets.len());
    let mut devices: u64 = 0;
    for (i, f) in s.fleets.iter().enumerate() {
        let here = format!("fleets[{i}]");
        let site = cx.resolve(&format!("{here}.site"), "site", &f.site, &names.sites)?;
        let cellular =
            match (&f.gateway, &f.connectivity) {
                (Some(_), Some(_)) => {
                    return Err(cx.error(
                    &format!("{here}.connectivity"),
                    format!("fleet \"{}\" names both a gateway and its own connectivity", f.id),
                    "a fleet reports through a gateway, or each device attaches to carriers on \
                     its own SIM (`connectivity: Cellular(...)`): drop one of them"
                        .into(),
                ));
                }
                (None, None) => {
                    return Err(cx.error(
                        &here,
                        format!(
                            "fleet \"{}\" names neither a gateway nor its connectivity",
                            f.id
                        ),
                        "add gateway: \"gw\", or connectivity: Cellular(sim: Single(\"op-a\"), \
                     detection: Heartbeat(every: \"15m\", misses: 2))"
                            .into(),
                    ));
                }
                (None, Some(c)) => {
                    Some(cx.cellular(&format!("{here}.connectivity"), c, &s.carriers, regions)?)
                }
                (Some(_), None) => None,
            };
        let group = group_of(
            cx,
            &here,
            f,
            site,
            names,
            gateways,
            groups,
            &mut single_group,
        )?;
        if cellular.is_some() && f.lora.is_some() {
            return Err(cx.error(
                &format!("{here}.lora"),
                format!(
                    "fleet \"{}\" is on LoRa and attaches to cellular carriers",
                    f.id
                ),
                "a LoRa device reaches a gateway, not a carrier: drop `lora` or `connectivity`"
                    .into(),
            ));
        }
        let class = f.class.map(devices::preset);
        let Some(report) = f.report.as_ref().or(class.as_ref().map(|c| &c.report)) else {
            return Err(cx.error(
                &here,
                format!(
                    "fleet \"{}\" says neither how often it reports nor its class",
                    f.id
                ),
                "add report: Fixed(\"60s\"), or a class such as class: SmartMeter \
                 (iotwin catalog devices lists them)"
                    .into(),
            ));
        };
        let report = cx.dist(&format!("{here}.report"), report)?;
        if report.mean() < 1.0 {
            return Err(cx.error(
                &format!("{here}.report"),
                "the reporting interval is 0s".into(),
                "devices report every so often, e.g. report: Fixed(\"60s\")".into(),
            ));
        }
        if f.buffer_messages > 0 && f.lora.is_some() {
            return Err(cx.error(
                &format!("{here}.buffer_messages"),
                format!("fleet \"{}\" is on LoRa and keeps a device buffer", f.id),
                "under a duty-cycle limit a LoRa device cannot send a backlog; drop one of them"
                    .into(),
            ));
        }
        let payload = f
            .message_bytes
            .or(class.as_ref().map(|c| c.message_bytes))
            .unwrap_or(DEFAULT_MESSAGE_BYTES);
        let named_protocol = f.protocol.or(class.as_ref().map(|c| c.protocol));
        let protocol = named_protocol.unwrap_or(Protocol::Raw);
        let environment = f
            .environment
            .or(class.as_ref().map(|c| c.environment))
            .unwrap_or(Environment::Indoor);
        let (failure, life) = lifecycle(cx, &here, f, class.as_ref(), environment, &report)?;
        devices += f.count.0 as u64;
        if devices > MAX_DEVICES {
            return Err(cx.error(
                &format!("{here}.count"),
                format!("{devices} devices in all is more than one run can hold ({MAX_DEVICES})"),
                "split the study into several scenarios".into(),
            ));
        }
        let lora = f
            .lora
            .map(|l| {
                cx.lora(
                    &format!("{here}.lora"),
                    &l,
                    payload + protocol.overhead_bytes(),
                )
            })
            .transpose()?;
        if let Some(l) = lora
            && let Some(other) = fleets
                .iter()
                .find(|o| o.site == site && o.lora.is_some_and(|m| !l.shares_channels_with(&m)))
        {
            return Err(cx.error(
                &format!("{here}.lora"),
                format!(
                    "fleet \"{}\" shares its site's LoRa channels with fleet \"{}\" but not its \
                     access, capture threshold or preamble lock",
                    f.id, other.id
                ),
                "fleets at one site hear each other: give them the same `access`, `capture_db` \
                 and `preamble_lock`"
                    .into(),
            ));
        }
        fleets.push(FleetSpec {
            id: f.id.clone(),
            key: name_key("fleet", &f.id),
            site,
            group,
            count: f.count.0,
            report,
            message_bytes: payload + protocol.overhead_bytes(),
            protocol: named_protocol,
            link: cx.link(&format!("{here}.link"), &f.link)?,
            buffer_messages: f.buffer_messages,
            lora,
            failure,
            life,
            certificate: f
                .certificate
                .as_ref()
                .map(|c| cx.certificate(&format!("{here}.certificate"), c))
                .transpose()?,
            stop_when_dead: f.stop_when_dead.map(|s| dead_to_stop(s.0, f.count.0)),
            at_least_up: match f.at_least_up {
                Some(k) if k.0 > f.count.0 => {
                    return Err(cx.error(
                        &format!("{here}.at_least_up"),
                        format!(
                            "fleet \"{}\" needs {} devices up but has {}",
                            f.id, k.0, f.count.0
                        ),
                        format!("k of n needs k ≤ n: at_least_up: {} or fewer", f.count.0),
                    ));
                }
                k => k.map(|k| k.0),
            },
            cellular,
            firmware_version: f.firmware_version.as_deref().and_then(|v| versions.get(v)),
        });
    }
    Ok(fleets)
}

/// The group a fleet reports through: a redundancy group it names, or the group of one of a
/// gateway it names (which must stand at the fleet's site), or, on its own SIMs, a new empty
/// group.
#[allow(clippy::too_many_arguments)]
fn group_of(
    cx: &Ctx<'_>,
    here: &str,
    f: &Fleet,
    site: usize,
    names: &Names<'_>,
    gateways: &[GatewaySpec],
    groups: &mut Vec<GroupSpec>,
    single_group: &mut [Option<usize>],
) -> Result<usize, ScenarioError> {
    Ok(match &f.gateway {
        // A fleet on its own SIMs is served by no gateway: an empty group.
        None => {
            groups.push(GroupSpec {
                id: format!("{} (direct)", f.id),
                key: name_key("direct", &f.id),
                members: vec![],
                policy: FailoverSpec::NoFailover,
                pool: Pool::Home,
                at_least: None,
                standby: StandbyKind::Hot,
            });
            groups.len() - 1
        }
        Some(named) => {
            let group = if let Some(g) = names.groups.iter().position(|id| id == named) {
                g
            } else {
                let mut known = names.gateways.clone();
                known.extend(&names.groups);
                let gateway = cx.resolve(&format!("{here}.gateway"), "gateway", named, &known)?;
                *single_group[gateway].get_or_insert_with(|| {
                    groups.push(GroupSpec {
                        id: names.gateways[gateway].to_string(),
                        key: name_key("group", names.gateways[gateway]),
                        members: vec![gateway],
                        policy: FailoverSpec::NoFailover,
                        pool: Pool::Home,
                        at_least: None,
                        standby: StandbyKind::Hot,
                    });
                    groups.len() - 1
                })
            };
            let gateway = groups[group].members[0];
            if gateways[gateway].site != site {
                return Err(cx.error(
                    &format!("{here}.gateway"),
                    format!(
                        "fleet \"{}\" is at site \"{}\" but gateway \"{}\" is at site \"{}\"",
                        f.id, f.site, named, names.sites[gateways[gateway].site]
                    ),
                    "a fleet reports to a gateway at its own site; pick one there or move the fleet"
                        .into(),
                ));
            }
            group
        }
    })
}
