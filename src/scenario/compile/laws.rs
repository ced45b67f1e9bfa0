//! Time laws as written (`Fixed`, `Exponential`, `Empirical(file: ...)`, …) compiled to
//! [`DurationDist`]s in ticks, and the pairs built from them: failure and repair, outages,
//! detection delays.

use crate::engine::{DurationDist, Ticks};

use super::super::deployment::{FailureSpec, SwitchBackSpec};
use super::super::error::ScenarioError;
use super::super::table;
use super::super::types::{Detection, Dist, Failure, Outages, SwitchBack};
use super::Ctx;

impl Ctx<'_> {
    pub(in crate::scenario) fn dist(
        &self,
        field: &str,
        dist: &Dist,
    ) -> Result<DurationDist, ScenarioError> {
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
            Dist::First(risks) => {
                if risks.is_empty() {
                    return Err(self.error(
                        field,
                        "First([]) has no risk to strike".into(),
                        "list at least one law, e.g. First([Exponential(mean: \"10y\")])".into(),
                    ));
                }
                let risks = risks
                    .iter()
                    .enumerate()
                    .map(|(i, r)| self.dist(&format!("{field}[{i}]"), r))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(DurationDist::first(risks))
            }
            Dist::Bathtub {
                infant,
                random,
                wearout,
            } => Ok(DurationDist::first(vec![
                self.dist(&format!("{field}.infant"), infant)?,
                self.dist(&format!("{field}.random"), random)?,
                self.dist(&format!("{field}.wearout"), wearout)?,
            ])),
            Dist::Gamma { shape, scale, mean } => match (scale, mean) {
                (Some(scale), None) => DurationDist::gamma(shape.0, scale.ticks() as f64),
                (None, Some(mean)) => DurationDist::gamma(shape.0, mean.ticks() as f64 / shape.0),
                _ => {
                    return Err(self.error(
                        field,
                        "Gamma needs its shape and exactly one of scale and mean".into(),
                        format!(
                            "e.g. Gamma(shape: {}, mean: \"4h\"); mean = shape × scale",
                            shape.0
                        ),
                    ));
                }
            },
            Dist::Erlang { k, mean } => DurationDist::erlang(k.0, mean.ticks()),
            Dist::Empirical { durations, file } => {
                let observed = match (durations, file) {
                    (Some(list), None) => list.iter().map(|d| d.ticks()).collect(),
                    (None, Some(path)) => self.durations_file(&format!("{field}.file"), path)?,
                    _ => {
                        return Err(self.error(
                            field,
                            "Empirical needs exactly one of durations and file".into(),
                            "e.g. Empirical(durations: [\"2h\", \"3h\", \"7h\"]) or \
                             Empirical(file: \"repairs.csv\") with a `duration` column"
                                .into(),
                        ));
                    }
                };
                Ok(DurationDist::empirical(observed).map_err(|e| {
                    self.error(
                        field,
                        format!("invalid distribution: {e}"),
                        "list the observed durations, e.g. durations: [\"2h\", \"3h\"]".into(),
                    )
                })?)
            }
            Dist::Mixture { weights, laws } => {
                if weights.len() != laws.len() || laws.is_empty() {
                    return Err(self.error(
                        &format!("{field}.weights"),
                        format!("{} weights for {} laws", weights.len(), laws.len()),
                        "give one weight per law, e.g. Mixture(weights: [0.9, 0.1], laws: \
                         [Exponential(mean: \"2h\"), Fixed(\"2d\")])"
                            .into(),
                    ));
                }
                let laws = laws
                    .iter()
                    .enumerate()
                    .map(|(i, l)| self.dist(&format!("{field}.laws[{i}]"), l))
                    .collect::<Result<Vec<_>, _>>()?;
                let weights: Vec<f64> = weights.iter().map(|w| w.0).collect();
                DurationDist::mixture(&weights, laws)
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

    /// The durations in the `duration` column of the CSV file at `path` (relative to the
    /// scenario's folder), each located in that file if it is not a duration.
    fn durations_file(&self, field: &str, path: &str) -> Result<Vec<Ticks>, ScenarioError> {
        const LAYOUT: table::Layout = table::Layout {
            what: "durations",
            columns: &["duration"],
            key: "duration",
            example_header: "duration",
            example_json: "{\"duration\": \"3h\"}",
        };
        // A sweep point's name carries its settings after the file name.
        let scenario = self.file.split(" [").next().unwrap_or(self.file);
        let base = std::path::Path::new(scenario)
            .parent()
            .unwrap_or(std::path::Path::new(""));
        let full = base.join(path);
        let (source, rows) = table::read(&full, &LAYOUT).map_err(|e| match e {
            table::TableError::Invalid(d) => ScenarioError::Invalid(d),
            table::TableError::Io { message, .. } => self.error(
                field,
                format!("cannot read {}: {message}", full.display()),
                "the path is relative to the scenario's folder; the file is CSV with a \
                 `duration` column (\"3h\", \"45min\")"
                    .into(),
            ),
        })?;
        let name = full.display().to_string();
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let Some(cell) = row.cell("duration") else {
                continue;
            };
            let d = crate::engine::Duration::parse(&cell.text).map_err(|e| {
                let located = table::error(
                    &source,
                    &name,
                    row.line,
                    cell.column,
                    "duration",
                    format!("`{}` is not a duration: {e}", cell.text),
                    "write a number with a unit, e.g. 3h, 45min, 2.5d".into(),
                );
                match located {
                    table::TableError::Invalid(d) => ScenarioError::Invalid(d),
                    other => self.error(field, other.to_string(), String::new()),
                }
            })?;
            out.push(d.ticks());
        }
        Ok(out)
    }

    pub(super) fn outages(&self, field: &str, o: &Outages) -> Result<FailureSpec, ScenarioError> {
        Ok(FailureSpec {
            lifetime: self.dist(&format!("{field}.every"), &o.every)?,
            repair: self.dist(&format!("{field}.lasting"), &o.lasting)?,
            steady: None,
        })
    }

    pub(in crate::scenario) fn detection(
        &self,
        field: &str,
        d: &Detection,
    ) -> Result<DurationDist, ScenarioError> {
        match d {
            Detection::Heartbeat { every, misses } => {
                if every.ticks() == 0 {
                    return Err(self.error(
                        &format!("{field}.every"),
                        "heartbeats every 0s".into(),
                        "e.g. Heartbeat(every: \"30s\", misses: 3)".into(),
                    ));
                }
                let last = every.ticks().saturating_mul(misses.0 as u64);
                let first = last - every.ticks();
                DurationDist::uniform(first, last).map_err(|e| {
                    self.error(field, format!("invalid detection: {e}"), String::new())
                })
            }
            Detection::After(dist) => self.dist(field, dist),
        }
    }

    pub(in crate::scenario) fn switch_back(&self, s: &SwitchBack) -> SwitchBackSpec {
        match s {
            SwitchBack::Immediate => SwitchBackSpec::Immediate,
            SwitchBack::HoldDown(d) => SwitchBackSpec::HoldDown(d.ticks()),
            SwitchBack::Never => SwitchBackSpec::Never,
        }
    }

    pub(super) fn failure(
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
                    steady: None,
                })
            })
            .transpose()
    }
}
