//! Whole-file checks and compilation of a parsed scenario into a [`Deployment`].

use crate::engine::random::name_key;
use crate::engine::{DurationDist, TICKS_PER_SECOND};

use super::deployment::{Bound, BurstSpec, Expectation, FaultSpec, FaultTarget};
use super::deployment::{
    CarrierSpec, Deployment, FailureSpec, FleetSpec, GatewaySpec, LinkSpec, UplinkSpec,
};
use super::error::{Diagnostic, ScenarioError, closest};
use super::locate::FieldMap;
use super::types::{Dist, Expect, Failure, Fault, Link, Scenario};

/// The most devices one run may hold: event payloads address devices with 28 bits.
pub const MAX_DEVICES: u64 = (1 << 28) - 1;

struct Ctx<'a> {
    source: &'a str,
    file: &'a str,
    map: &'a FieldMap,
}

impl Ctx<'_> {
    fn error(&self, field: &str, message: String, hint: String) -> ScenarioError {
        Diagnostic::at_field(self.source, self.file, self.map, field, message, hint).into()
    }

    /// Resolves a reference to an id of `kind`, or explains what exists.
    fn resolve(
        &self,
        field: &str,
        kind: &str,
        wanted: &str,
        ids: &[&str],
    ) -> Result<usize, ScenarioError> {
        if let Some(i) = ids.iter().position(|id| *id == wanted) {
            return Ok(i);
        }
        let known = if ids.is_empty() {
            format!("there are no {kind}s; declare one first")
        } else {
            let listed = ids
                .iter()
                .map(|i| format!("\"{i}\""))
                .collect::<Vec<_>>()
                .join(", ");
            match closest(wanted, ids.iter().copied()) {
                Some(guess) => format!("did you mean \"{guess}\"? Known {kind}s: {listed}"),
                None => format!("known {kind}s: {listed}"),
            }
        };
        Err(self.error(field, format!("unknown {kind} id \"{wanted}\""), known))
    }

    fn unique_ids(&self, list: &str, kind: &str, ids: &[&str]) -> Result<(), ScenarioError> {
        for (i, id) in ids.iter().enumerate() {
            if id.is_empty() {
                return Err(self.error(
                    &format!("{list}[{i}].id"),
                    format!("empty {kind} id"),
                    "give every item a short name, e.g. id: \"north\"".to_string(),
                ));
            }
            if let Some(first) = ids[..i].iter().position(|other| other == id) {
                return Err(self.error(
                    &format!("{list}[{i}].id"),
                    format!("{kind} id \"{id}\" is used twice (also by {list}[{first}])"),
                    "ids must be unique within their list; rename one".to_string(),
                ));
            }
        }
        Ok(())
    }

    fn dist(&self, field: &str, dist: &Dist) -> Result<DurationDist, ScenarioError> {
        if let Dist::Uniform { min, max } = dist
            && min.ticks() > max.ticks()
        {
            return Err(self.error(
                &format!("{field}.min"),
                format!("Uniform min {min} is greater than max {max}"),
                format!("swap them: Uniform(min: \"{max}\", max: \"{min}\")"),
            ));
        }
        let made = match dist {
            Dist::Fixed(d) => Ok(DurationDist::fixed(d.ticks())),
            Dist::Exponential { mean } => DurationDist::exponential(mean.ticks()),
            Dist::Weibull { shape, scale } => DurationDist::weibull(shape.0, scale.ticks()),
            Dist::LogNormal { median, sigma } => DurationDist::lognormal(median.ticks(), sigma.0),
            Dist::Uniform { min, max } => DurationDist::uniform(min.ticks(), max.ticks()),
            Dist::Jitter { period, jitter } => {
                let inner = self.dist(&format!("{field}.jitter"), jitter)?;
                Ok(DurationDist::jitter(period.ticks(), inner))
            }
        };
        made.map_err(|e| {
            self.error(
                field,
                format!("invalid distribution: {e}"),
                "a mean, median or scale must be longer than 0s, and min at most max".to_string(),
            )
        })
    }

    fn link(&self, field: &str, link: &Link) -> Result<LinkSpec, ScenarioError> {
        Ok(LinkSpec {
            loss: link.loss.0,
            burst: link.burst.map(|b| BurstSpec {
                enter: b.enter.0,
                leave: b.leave.0,
                loss: b.loss.0,
            }),
            latency: self.dist(&format!("{field}.latency"), &link.latency)?,
        })
    }

    fn failure(
        &self,
        field: &str,
        failure: &Option<Failure>,
    ) -> Result<Option<FailureSpec>, ScenarioError> {
        failure
            .as_ref()
            .map(|f| {
                Ok(FailureSpec {
                    lifetime: self.dist(&format!("{field}.lifetime"), &f.lifetime)?,
                    repair: self.dist(&format!("{field}.repair"), &f.repair)?,
                })
            })
            .transpose()
    }
}

pub fn compile(
    s: Scenario,
    source: &str,
    file: &str,
    map: &FieldMap,
) -> Result<Deployment, ScenarioError> {
    let cx = Ctx { source, file, map };
    if s.horizon.ticks() == 0 {
        return Err(cx.error(
            "horizon",
            "the horizon is 0s".into(),
            "simulate some time, e.g. horizon: \"30d\"".into(),
        ));
    }
    // A thousand years is far beyond any deployment and keeps every time sum in 64 bits.
    let longest = crate::engine::Duration::parse("1000y").map_or(u64::MAX, |d| d.ticks());
    if s.horizon.ticks() > longest {
        return Err(cx.error(
            "horizon",
            format!("the horizon {} is longer than 1000 years", s.horizon),
            "industrial fleets live 10–20 years; e.g. horizon: \"20y\"".into(),
        ));
    }
    for (list, empty) in [
        ("sites", s.sites.is_empty()),
        ("gateways", s.gateways.is_empty()),
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
    cx.unique_ids("sites", "site", &site_ids)?;
    cx.unique_ids("carriers", "carrier", &carrier_ids)?;
    cx.unique_ids("gateways", "gateway", &gateway_ids)?;
    cx.unique_ids("fleets", "fleet", &fleet_ids)?;

    let mut carriers = Vec::with_capacity(s.carriers.len());
    for (i, c) in s.carriers.iter().enumerate() {
        let outages = c
            .outages
            .as_ref()
            .map(|o| {
                Ok::<_, ScenarioError>(FailureSpec {
                    lifetime: cx.dist(&format!("carriers[{i}].outages.every"), &o.every)?,
                    repair: cx.dist(&format!("carriers[{i}].outages.lasting"), &o.lasting)?,
                })
            })
            .transpose()?;
        carriers.push(CarrierSpec {
            id: c.id.clone(),
            key: name_key("carrier", &c.id),
            outages,
        });
    }

    let mut gateways = Vec::with_capacity(s.gateways.len());
    for (i, g) in s.gateways.iter().enumerate() {
        let here = format!("gateways[{i}]");
        let site = cx.resolve(&format!("{here}.site"), "site", &g.site, &site_ids)?;
        if g.uplinks.is_empty() {
            return Err(cx.error(
                &format!("{here}.uplinks"),
                format!("gateway \"{}\" has no uplink", g.id),
                format!(
                    "add one, e.g. uplinks: [Uplink(carrier: \"{}\")]",
                    carrier_ids.first().unwrap_or(&"A")
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
                    &carrier_ids,
                )?,
                link: cx.link(&format!("{at}.link"), &up.link)?,
            });
        }
        let drain_interval = g
            .drain_per_s
            .map(|rate| ((TICKS_PER_SECOND as f64 / rate.0).round() as u64).max(1));
        gateways.push(GatewaySpec {
            id: g.id.clone(),
            key: name_key("gateway", &g.id),
            site,
            buffer_messages: g.buffer_messages,
            drain_interval,
            uplinks,
            failure: cx.failure(&format!("{here}.failure"), &g.failure)?,
        });
    }

    let mut fleets = Vec::with_capacity(s.fleets.len());
    let mut devices: u64 = 0;
    for (i, f) in s.fleets.iter().enumerate() {
        let here = format!("fleets[{i}]");
        let site = cx.resolve(&format!("{here}.site"), "site", &f.site, &site_ids)?;
        let gateway = cx.resolve(
            &format!("{here}.gateway"),
            "gateway",
            &f.gateway,
            &gateway_ids,
        )?;
        if gateways[gateway].site != site {
            return Err(cx.error(
                &format!("{here}.gateway"),
                format!(
                    "fleet \"{}\" is at site \"{}\" but gateway \"{}\" is at site \"{}\"",
                    f.id, f.site, f.gateway, site_ids[gateways[gateway].site]
                ),
                "a fleet reports to a gateway at its own site; pick one there or move the fleet"
                    .into(),
            ));
        }
        let report = cx.dist(&format!("{here}.report"), &f.report)?;
        if report.mean() < 1.0 {
            return Err(cx.error(
                &format!("{here}.report"),
                "the reporting interval is 0s".into(),
                "devices report every so often, e.g. report: Fixed(\"60s\")".into(),
            ));
        }
        devices += f.count.0 as u64;
        if devices > MAX_DEVICES {
            return Err(cx.error(
                &format!("{here}.count"),
                format!("{devices} devices in all is more than one run can hold ({MAX_DEVICES})"),
                "split the study into several scenarios".into(),
            ));
        }
        fleets.push(FleetSpec {
            id: f.id.clone(),
            key: name_key("fleet", &f.id),
            site,
            gateway,
            count: f.count.0,
            report,
            message_bytes: f.message_bytes,
            link: cx.link(&format!("{here}.link"), &f.link)?,
            failure: cx.failure(&format!("{here}.failure"), &f.failure)?,
        });
    }

    let mut faults = Vec::with_capacity(s.faults.len());
    for (i, fault) in s.faults.iter().enumerate() {
        let here = format!("faults[{i}]");
        let (target, at, lasting) = match fault {
            Fault::CarrierDown {
                carrier,
                at,
                lasting,
            } => {
                let c = cx.resolve(&format!("{here}.carrier"), "carrier", carrier, &carrier_ids)?;
                (FaultTarget::Carrier(c), at, lasting)
            }
            Fault::GatewayDown {
                gateway,
                at,
                lasting,
            } => {
                let g = cx.resolve(&format!("{here}.gateway"), "gateway", gateway, &gateway_ids)?;
                (FaultTarget::Gateway(g), at, lasting)
            }
        };
        if lasting.ticks() == 0 {
            return Err(cx.error(
                &format!("{here}.lasting"),
                "a fault lasting 0s does nothing".into(),
                "give it a length, e.g. lasting: \"2h\"".into(),
            ));
        }
        faults.push(FaultSpec {
            target,
            at: at.ticks(),
            lasting: lasting.ticks(),
        });
    }

    let mut expectations = Vec::with_capacity(s.expect.len());
    for (i, e) in s.expect.iter().enumerate() {
        let (metric, bound, value) = match e {
            Expect::AtLeast { metric, value } => (metric, Bound::AtLeast, *value),
            Expect::AtMost { metric, value } => (metric, Bound::AtMost, *value),
        };
        let field = format!("expect[{i}].metric");
        if !value.is_finite() {
            return Err(cx.error(
                &format!("expect[{i}].value"),
                format!("expected a finite number, found {value}"),
                "e.g. AtLeast(metric: \"data_completeness\", value: 0.999)".into(),
            ));
        }
        let location =
            Diagnostic::at_field(source, file, map, &field, String::new(), String::new());
        expectations.push(Expectation {
            metric: metric.clone(),
            bound,
            value,
            location,
        });
    }

    Ok(Deployment {
        name: s.name,
        description: s.description,
        horizon: s.horizon.ticks(),
        seed: s.seed,
        replications: s.replications.0,
        deadline: s.deadline.ticks(),
        sites: s.sites.into_iter().map(|x| x.id).collect(),
        carriers,
        gateways,
        fleets,
        faults,
        expectations,
        source_hash: name_key("scenario", source),
    })
}
