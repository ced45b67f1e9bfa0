//! The input language: a deployment written in RON, read, checked and compiled into a
//! [`Deployment`] of plain arrays and indices. Nothing below this layer sees a string id.

pub mod catalog;
mod compile;
mod deployment;
pub mod devices;
mod error;
mod hints;
pub mod inventory;
mod locate;
pub mod path;
pub mod table;
pub mod template;
mod types;
mod values;

use std::path::Path;

use ron::extensions::Extensions;
use serde_path_to_error::Segment;

pub use deployment::{
    BatterySpec, Bound, BurstSpec, CampaignSpec, CauseSpec, CertSpec, CostSpec, CrewSpec,
    DegradationSpec, Deployment, DeviceCostSpec, DropPolicy, Effect, Expectation, FailoverSpec,
    FailureSpec, FaultSpec, FaultTarget, FleetSpec, GatewayCostSpec, GatewaySpec, GroupSpec,
    InspectionSpec, LifeSpec, LinkSpec, LoRaSpec, Onset, PlanSpec, ReplaceSpec, SlaSpec,
    SparesSpec, SwitchBackSpec, Unit, UplinkSpec,
};
pub use error::{Diagnostic, ScenarioError, closest as closest_name};
pub use locate::{FieldMap, Position};
pub use types::{
    Amount, Battery, Carrier, CommonCause, Costs, Count, Crew, Degradation, DegradationMode,
    Detection, DeviceCost, Dist, Expect, Failover, Failure, Fault, Fleet, Gateway, GatewayCost,
    GilbertElliott, Inspection, Link, LinkRef, Maintenance, Outages, Plan, Positive, Power,
    Probability, Redundancy, Repairs, Replace, Scenario, Share, Site, Sla, Spares, SwitchBack,
    Target, Uplink,
};

/// The built-in default scenario, also shipped as `scenarios/factory.ron`.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/factory.ron");
/// How the built-in scenario is named in messages.
pub const DEFAULT_SCENARIO_NAME: &str = "scenarios/factory.ron (built in)";

/// Reads, checks and compiles the scenario file at `path`.
pub fn load(path: &Path) -> Result<Deployment, ScenarioError> {
    let file = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| ScenarioError::Io {
        file: file.clone(),
        message: e.to_string(),
        hint: "check the path; `iotwin run` without a scenario runs the built-in factory"
            .to_string(),
    })?;
    compile_source(&source, &file)
}

/// Checks and compiles scenario text; `file` names it in error messages and anchors the
/// paths of its `#include` lines. Templates (`#repeat`, `#include`: see [`template`]) are
/// expanded first, and every error points where its line is written.
pub fn compile_source(source: &str, file: &str) -> Result<Deployment, ScenarioError> {
    let expanded = template::expand(source, file)?;
    if !expanded.is_template() {
        let (scenario, map) = parse(source, file)?;
        return compile::compile(scenario, source, file, &map);
    }
    let text = &expanded.text;
    let compiled =
        parse(text, file).and_then(|(scenario, map)| compile::compile(scenario, text, file, &map));
    let mut dep = compiled.map_err(|e| expanded.locate_error(e))?;
    for e in &mut dep.expectations {
        e.location = expanded.locate(e.location.clone());
    }
    Ok(dep)
}

/// One point of a sweep: the scenario `source` with the point's values set (see [`path`]),
/// checked and compiled as if they were written in the file. An error names the point in its
/// file name, e.g. `plant.ron [sweep point fleets[0].count=0]:31:20`.
pub fn compile_point(
    source: &str,
    file: &str,
    settings: &[path::Setting],
    point: &[usize],
) -> Result<Deployment, ScenarioError> {
    let label = path::point_label(settings, point);
    let named = format!("{file} [sweep point {label}]");
    let text =
        path::point_source(source, settings, point).map_err(|message| ScenarioError::Io {
            file: named.clone(),
            message,
            hint:
                "set the enclosing item whole instead, e.g. --set 'fleets[0].link=Link(loss: 0.01)'"
                    .to_string(),
        })?;
    compile_source(&text, &named)
}

/// Reads scenario text into its serde form, with the positions of its fields.
pub fn parse(source: &str, file: &str) -> Result<(Scenario, FieldMap), ScenarioError> {
    let options = ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES);
    let map = FieldMap::scan(source);
    let located = |span: ron::error::SpannedError, path: String| -> ScenarioError {
        let position = Position {
            line: span.span.start.line,
            column: span.span.start.col,
        };
        let (message, hint, field) = hints::explain(&span.code, &path);
        Diagnostic::new(source, file, position, &field, message, hint).into()
    };
    let mut de = ron::Deserializer::from_str_with_options(source, &options)
        .map_err(|e| located(e, String::new()))?;
    let scenario: Scenario = match serde_path_to_error::deserialize(&mut de) {
        Ok(s) => s,
        Err(e) => {
            let path = field_path(e.path());
            let code = e.into_inner();
            return Err(located(de.span_error(code), path));
        }
    };
    de.end()
        .map_err(|e| located(de.span_error(e), String::new()))?;
    Ok((scenario, map))
}

/// `fleets[1].link.loss`: struct fields and list indices, without enum variant names.
fn field_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => push_field(&mut out, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

fn push_field(out: &mut String, key: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(key);
}
