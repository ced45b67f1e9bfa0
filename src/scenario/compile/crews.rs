//! Repair crews: the sites each serves (a site in one crew at most), its technicians, travel
//! time, spare-parts stock and yearly cost.

use crate::engine::random::name_key;

use super::super::deployment::{CrewSpec, SparesSpec};
use super::super::error::ScenarioError;
use super::super::types::Scenario;
use super::Ctx;

/// Compiles the `crews` list: sites resolved (each in at most one crew), laws compiled.
pub(super) fn crews(
    cx: &Ctx<'_>,
    s: &Scenario,
    site_ids: &[&str],
) -> Result<(Vec<CrewSpec>, Vec<Option<usize>>), ScenarioError> {
    let crew_ids: Vec<&str> = s.crews.iter().map(|c| c.id.as_str()).collect();
    cx.unique_ids("crews", "crew", &crew_ids)?;
    let mut crew_of_site: Vec<Option<usize>> = vec![None; site_ids.len()];
    let mut crews = Vec::with_capacity(s.crews.len());
    for (i, c) in s.crews.iter().enumerate() {
        let here = format!("crews[{i}]");
        if c.sites.is_empty() {
            return Err(cx.error(
                &format!("{here}.sites"),
                format!("crew \"{}\" serves no site", c.id),
                format!(
                    "list the sites it repairs, e.g. sites: [\"{}\"]",
                    site_ids.first().unwrap_or(&"plant")
                ),
            ));
        }
        let mut sites = Vec::with_capacity(c.sites.len());
        for (k, site) in c.sites.iter().enumerate() {
            let field = format!("{here}.sites[{k}]");
            let at = cx.resolve(&field, "site", site, site_ids)?;
            if let Some(other) = crew_of_site[at] {
                return Err(cx.error(
                    &field,
                    format!(
                        "site \"{site}\" is already served by crew \"{}\"",
                        crew_ids[other]
                    ),
                    "a site belongs to at most one crew: remove it from one of them (a crew may \
                     serve several sites)"
                        .into(),
                ));
            }
            crew_of_site[at] = Some(i);
            sites.push(at);
        }
        let spares = c
            .spares
            .as_ref()
            .map(|p| -> Result<SparesSpec, ScenarioError> {
                Ok(SparesSpec {
                    stock: p.stock,
                    lead_time: cx.dist(&format!("{here}.spares.lead_time"), &p.lead_time)?,
                })
            })
            .transpose()?;
        crews.push(CrewSpec {
            id: c.id.clone(),
            key: name_key("crew", &c.id),
            sites,
            technicians: c.technicians.0,
            travel: cx.dist(&format!("{here}.travel"), &c.travel)?,
            spares,
            cost_per_year: c.cost_per_year.0,
        });
    }
    Ok((crews, crew_of_site))
}
