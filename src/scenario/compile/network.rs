//! The network the devices report through: carriers (and the regions they cover), gateways
//! with their uplinks, service and failover, and redundancy groups of gateways.

use crate::engine::random::name_key;
use crate::engine::{DurationDist, TICKS_PER_SECOND};

use super::super::deployment::{
    CarrierSpec, FailoverSpec, GatewaySpec, GroupSpec, Pool, UplinkSpec,
};
use super::super::error::ScenarioError;
use super::super::types::{Failover, Redundancy, Scenario, Start};
use super::Ctx;
use super::names::Names;

/// The carriers, and the regions named on them or in their coverage, in order of first mention.
pub(super) fn carriers(
    cx: &Ctx<'_>,
    s: &Scenario,
) -> Result<(Vec<CarrierSpec>, Vec<String>), ScenarioError> {
    let mut regions: Vec<String> = vec![];
    let mut carriers = Vec::with_capacity(s.carriers.len());
    for (i, c) in s.carriers.iter().enumerate() {
        let outages = c
            .outages
            .as_ref()
            .map(|o| cx.outages(&format!("carriers[{i}].outages"), o))
            .transpose()?;
        let region = c.region.as_ref().map(|r| {
            regions.iter().position(|x| x == r).unwrap_or_else(|| {
                regions.push(r.clone());
                regions.len() - 1
            })
        });
        // Regions a carrier covers are regions too (a national network's coverage map).
        for r in c.coverage.iter().flat_map(|m| m.keys()) {
            if !regions.contains(r) {
                regions.push(r.clone());
            }
        }
        carriers.push(CarrierSpec {
            id: c.id.clone(),
            key: name_key("carrier", &c.id),
            outages,
            region,
            attach_channels: c.attach_channels.map(|n| n.0),
        });
    }
    Ok((carriers, regions))
}

/// The gateways: site resolved, at least one uplink, a service time or rate (not both), and
/// more than one server only where forwarding takes time.
pub(super) fn gateways(
    cx: &Ctx<'_>,
    s: &Scenario,
    names: &Names<'_>,
) -> Result<Vec<GatewaySpec>, ScenarioError> {
    let mut gateways = Vec::with_capacity(s.gateways.len());
    for (i, g) in s.gateways.iter().enumerate() {
        let here = format!("gateways[{i}]");
        let site = cx.resolve(&format!("{here}.site"), "site", &g.site, &names.sites)?;
        if g.uplinks.is_empty() {
            return Err(cx.error(
                &format!("{here}.uplinks"),
                format!("gateway \"{}\" has no uplink", g.id),
                format!(
                    "add one, e.g. uplinks: [Uplink(carrier: \"{}\")]",
                    names.carriers.first().unwrap_or(&"A")
                ),
            ));
        }
        let mut uplinks = Vec::with_capacity(g.uplinks.len());
        for (u, up) in g.uplinks.iter().enumerate() {
            let at = format!("{here}.uplinks[{u}]");
            uplinks.push(UplinkSpec {
                carrier: cx.resolve(
                    &format!("{at}.carrier"),
                    "carrier",
                    &up.carrier,
                    &names.carriers,
                )?,
                link: cx.link(&format!("{at}.link"), &up.link)?,
            });
        }
        let service = match (&g.drain_per_s, &g.service) {
            (Some(_), Some(_)) => {
                return Err(cx.error(
                    &format!("{here}.service"),
                    format!("gateway \"{}\" has both drain_per_s and service", g.id),
                    "give one: a rate (drain_per_s: 200.0) or a time per message".into(),
                ));
            }
            (Some(rate), None) => Some(DurationDist::fixed(
                ((TICKS_PER_SECOND as f64 / rate.0).round() as u64).max(1),
            )),
            (None, Some(d)) => Some(cx.dist(&format!("{here}.service"), d)?),
            (None, None) => None,
        };
        let servers = g.servers.map_or(1, |c| c.0);
        if servers > 1
            && service.is_none()
            && uplinks.iter().all(|u| u.link.data_rate_bps.is_none())
        {
            return Err(cx.error(
                &format!("{here}.servers"),
                format!(
                    "gateway \"{}\" has {servers} servers but forwarding takes no time",
                    g.id
                ),
                "give each message a holding time, e.g. service: Exponential(mean: \"3m\"), \
                 or a rate (drain_per_s: 200.0)"
                    .into(),
            ));
        }
        gateways.push(GatewaySpec {
            id: g.id.clone(),
            key: name_key("gateway", &g.id),
            site,
            buffer_messages: g.buffer_messages,
            drop: g.drop,
            service,
            servers,
            uplinks,
            failover: cx.failover(&format!("{here}.failover"), &g.failover)?,
            failure: {
                if g.failure
                    .as_ref()
                    .is_some_and(|f| f.start == Start::Equilibrium)
                {
                    return Err(cx.error(
                        &format!("{here}.failure.start"),
                        "an equilibrium start is for fleets' failures so far".into(),
                        "remove `start: Equilibrium` from the gateway, or use a warmup".into(),
                    ));
                }
                cx.failure(&format!("{here}.failure"), &g.failure)?
            },
        });
    }
    Ok(gateways)
}

/// The redundancy groups: two gateways or more, each in one group at most and all at one
/// site, with their failover policy, pool and standby.
pub(super) fn groups(
    cx: &Ctx<'_>,
    s: &Scenario,
    names: &Names<'_>,
    gateways: &[GatewaySpec],
) -> Result<Vec<GroupSpec>, ScenarioError> {
    let mut groups = Vec::with_capacity(s.redundancy.len());
    let mut grouped: Vec<Option<usize>> = vec![None; gateways.len()];
    for (i, r) in s.redundancy.iter().enumerate() {
        let here = format!("redundancy[{i}]");
        if names.gateways.contains(&r.id()) {
            return Err(cx.error(
                &format!("{here}.id"),
                format!("\"{}\" names both a gateway and a redundancy group", r.id()),
                "fleets name either; give the group its own id, e.g. \"north-pair\"".into(),
            ));
        }
        if r.gateways().len() < 2 {
            return Err(cx.error(
                &format!("{here}.gateways"),
                format!(
                    "redundancy group \"{}\" has fewer than two gateways",
                    r.id()
                ),
                "a group backs one gateway with another: gateways: [\"gw-a\", \"gw-b\"]".into(),
            ));
        }
        let mut members = Vec::with_capacity(r.gateways().len());
        for (k, g) in r.gateways().iter().enumerate() {
            let field = format!("{here}.gateways[{k}]");
            let m = cx.resolve(&field, "gateway", g, &names.gateways)?;
            if let Some(other) = grouped[m] {
                return Err(cx.error(
                    &field,
                    format!(
                        "gateway \"{g}\" is already in redundancy group \"{}\"",
                        names.groups[other]
                    ),
                    "a gateway belongs to at most one redundancy group".into(),
                ));
            }
            if gateways[m].site != gateways[members.first().copied().unwrap_or(m)].site {
                return Err(cx.error(
                    &field,
                    format!("gateway \"{g}\" is at another site than the rest of its group"),
                    "redundant gateways serve the same devices, so they stand at one site".into(),
                ));
            }
            grouped[m] = Some(i);
            members.push(m);
        }
        let policy = match r {
            Redundancy::ActiveStandby {
                detection,
                switchover,
                coverage,
                switch_back,
                ..
            } => FailoverSpec::ActiveStandby {
                detection: cx.detection(&format!("{here}.detection"), detection)?,
                switchover: cx.dist(&format!("{here}.switchover"), switchover)?,
                coverage: coverage.0,
                switch_back: cx.switch_back(switch_back),
            },
            Redundancy::ActiveActive { detection, .. } => FailoverSpec::ActiveActive {
                detection: cx.detection(&format!("{here}.detection"), detection)?,
            },
        };
        let (pool, at_least) = match r {
            Redundancy::ActiveActive { pool, at_least, .. } => (*pool, at_least.map(|k| k.0)),
            Redundancy::ActiveStandby { .. } => (Pool::Home, None),
        };
        let standby = cx.group_standby(&here, r)?;
        if let Some(k) = at_least.filter(|&k| k as usize > members.len()) {
            return Err(cx.error(
                &format!("{here}.at_least"),
                format!(
                    "redundancy group \"{}\" needs {k} working gateways but has {}",
                    r.id(),
                    members.len()
                ),
                format!(
                    "k of n needs k ≤ n: at_least: {} or fewer, or add gateways",
                    members.len()
                ),
            ));
        }
        groups.push(GroupSpec {
            id: r.id().to_string(),
            key: name_key("group", r.id()),
            members,
            policy,
            pool,
            at_least,
            standby,
        });
    }
    Ok(groups)
}

impl Ctx<'_> {
    fn failover(&self, field: &str, f: &Option<Failover>) -> Result<FailoverSpec, ScenarioError> {
        Ok(match f {
            None | Some(Failover::Instant) => FailoverSpec::Instant,
            Some(Failover::NoFailover) => FailoverSpec::NoFailover,
            Some(Failover::Esim {
                detection,
                switch_time,
                switch_failure,
                coverage,
                switch_back,
            }) => FailoverSpec::Esim {
                detection: self.detection(&format!("{field}.detection"), detection)?,
                switch_time: self.dist(&format!("{field}.switch_time"), switch_time)?,
                switch_failure: switch_failure.0,
                coverage: coverage.0,
                switch_back: self.switch_back(switch_back),
            },
            Some(Failover::Backup {
                detection,
                switch_time,
                coverage,
                switch_back,
            }) => FailoverSpec::Backup {
                detection: self.detection(&format!("{field}.detection"), detection)?,
                switch_time: self.dist(&format!("{field}.switch_time"), switch_time)?,
                coverage: coverage.0,
                switch_back: self.switch_back(switch_back),
            },
        })
    }
}
