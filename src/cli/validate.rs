//! `iotwin validate`, and the loading every command shares: read and compile a scenario, and
//! refuse what no command could run.

use std::path::Path;
use std::process::ExitCode;

use iotwin::engine::Duration;
use iotwin::model::{Topology, Unreachable};
use iotwin::montecarlo;
use iotwin::scenario::{self, Deployment, ScenarioError};

use super::say;

/// Reads and compiles a scenario, and refuses one whose fleets cannot reach the cloud.
pub(super) fn load(path: Option<&Path>) -> Result<Deployment, ScenarioError> {
    let dep = match path {
        Some(p) => scenario::load(p),
        None => {
            scenario::compile_source(scenario::DEFAULT_SCENARIO, scenario::DEFAULT_SCENARIO_NAME)
        }
    }?;
    // What `check` refuses, `validate` and `run` refuse too: an assertion on a metric that
    // does not exist is a mistake in the file whatever the command.
    montecarlo::check::validate(&dep)?;
    let topology = Topology::build(&dep);
    let cut: Vec<String> = topology
        .unreachable()
        .into_iter()
        .filter_map(|u| match u {
            Unreachable::Fleet(f) => Some(format!("\"{}\"", dep.fleets[f].id)),
            Unreachable::Gateway(_) => None,
        })
        .collect();
    if !cut.is_empty() {
        let file = path.map_or(scenario::DEFAULT_SCENARIO_NAME.to_string(), |p| {
            p.display().to_string()
        });
        return Err(ScenarioError::Io {
            file,
            message: format!("fleets {} have no path to the cloud", cut.join(", ")),
            hint: "give their gateways an uplink through a carrier".into(),
        });
    }
    Ok(dep)
}

/// Checks a scenario file without running it: prints what it holds and its single points of
/// failure, or the first mistake (exit 2).
pub(super) fn validate(path: &Path) -> ExitCode {
    match load(Some(path)) {
        Ok(dep) => {
            say(&format!(
                "ok: {} — {} sites, {} carriers, {} gateways, {} fleets, {} devices, horizon {}, {} replications\n",
                dep.name,
                dep.sites.len(),
                dep.carriers.len(),
                dep.gateways.len(),
                dep.fleets.len(),
                dep.device_count(),
                Duration(dep.horizon),
                dep.replications
            ));
            for c in &dep.crews {
                let sites: Vec<String> = c
                    .sites
                    .iter()
                    .map(|&s| format!("\"{}\"", dep.sites[s]))
                    .collect();
                let spares = c.spares.as_ref().map_or(String::new(), |p| {
                    format!(", {} spare parts re-ordered one for one", p.stock)
                });
                say(&format!(
                    "crew \"{}\": {} technician{} for {}{spares}\n",
                    c.id,
                    c.technicians,
                    if c.technicians == 1 { "" } else { "s" },
                    sites.join(", ")
                ));
            }
            say(&Topology::build(&dep).describe(&dep));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
