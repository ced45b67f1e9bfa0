//! Sweeps for capacity planning: one study per point of a grid of scenario values, every point
//! on the same seed and replication count (common random numbers), and where a metric's mean
//! and its 95% interval first cross a limit.
//!
//! The points are built and compiled in `scenario` ([`crate::scenario::compile_point`]); this
//! module runs them in order and reads the results. Crossings are read along the first
//! parameter, for each combination of the others (a *line*).

use super::shard::{self, MergeError, Replication, Shard, Study, SweepStudy};
use super::{RunError, RunOptions, Summary};
use crate::engine::Duration;
use crate::metrics;
use crate::model::{Topology, Unreachable};
use crate::scenario::path::{self, PathError, Setting};
use crate::scenario::{self, Deployment, ScenarioError};

/// Why a sweep could not be planned or run.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A `--set` whose path or values are wrong.
    #[error("{0}")]
    Path(#[from] PathError),
    /// The scenario, or one point of it, is not valid.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// A `--limit` that cannot be read or names no metric.
    #[error("error: {message}\n  = hint: {hint}")]
    Limit { message: String, hint: String },
    /// A point whose fleets cannot reach the cloud.
    #[error(
        "error: sweep point {point}: fleets {fleets} have no path to the cloud\n  = hint: give their gateways an uplink through a carrier"
    )]
    Unreachable { point: String, fleets: String },
    /// A replication of a point broke an invariant.
    #[error("error: sweep point {point}: {source}")]
    Run { point: String, source: RunError },
}

impl SweepError {
    /// Whether the input was wrong (exit 2) rather than a run failing (exit 1).
    pub fn is_usage(&self) -> bool {
        !matches!(self, SweepError::Run { .. })
    }
}

/// A sweep ready to run: every point compiled and checked.
#[derive(Debug)]
pub struct Plan {
    /// The scenario as written.
    pub base: Deployment,
    pub settings: Vec<Setting>,
    /// Value positions of each point, in run order ([`path::grid`]).
    pub grid: Vec<Vec<usize>>,
    /// Each point's deployment, in run order.
    pub points: Vec<Deployment>,
    pub limits: Vec<Limit>,
}

/// Reads the scenario `source` (named `file` in errors), resolves every `PATH=V1,V2,...` in
/// `sets`, reads `limits` (the default ones if empty), and compiles every point, so that a bad
/// path, value or limit stops the sweep before anything runs.
pub fn plan(
    source: &str,
    file: &str,
    sets: &[String],
    limits: &[String],
) -> Result<Plan, SweepError> {
    let base = scenario::compile_source(source, file)?;
    // Points are set in the expanded text of a template (`#repeat`, `#include`), where every
    // item the paths name is written out.
    let expanded = scenario::template::expand(source, file)?;
    let source = expanded.text.as_str();
    let (parsed, _) = scenario::parse(source, file)?;
    let settings = sets
        .iter()
        .map(|arg| path::setting(&parsed, source, arg))
        .collect::<Result<Vec<_>, _>>()?;
    let mut read = limits
        .iter()
        .map(|l| Limit::parse(l))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| SweepError::Limit {
            message,
            hint: "e.g. --limit 'max_gateway_utilisation<=0.8' --limit 'data_completeness>=0.999'"
                .to_string(),
        })?;
    if read.is_empty() {
        read = default_limits();
    }
    let known = metrics::catalog(&base);
    for l in &read {
        if !known.iter().any(|m| m.id == l.metric) {
            let hint = match scenario::closest_name(&l.metric, known.iter().map(|m| m.id.as_str()))
            {
                Some(guess) => format!("did you mean \"{guess}\"?"),
                None => "`iotwin run` lists every metric".to_string(),
            };
            return Err(SweepError::Limit {
                message: format!("--limit: unknown metric \"{}\"", l.metric),
                hint,
            });
        }
    }
    let sizes: Vec<usize> = settings.iter().map(|s| s.values.len()).collect();
    path::grid_size(&sizes)?;
    let grid = path::grid(&sizes);
    let mut points = vec![];
    for at in &grid {
        let dep = scenario::compile_point(source, file, &settings, at)?;
        let cut: Vec<String> = Topology::build(&dep)
            .unreachable()
            .into_iter()
            .filter_map(|u| match u {
                Unreachable::Fleet(f) => Some(format!("\"{}\"", dep.fleets[f].id)),
                Unreachable::Gateway(_) => None,
            })
            .collect();
        if !cut.is_empty() {
            return Err(SweepError::Unreachable {
                point: path::point_label(&settings, at),
                fleets: cut.join(", "),
            });
        }
        points.push(dep);
    }
    Ok(Plan {
        base,
        settings,
        grid,
        points,
        limits: read,
    })
}

impl Plan {
    /// Replications every point runs.
    pub fn replications(&self, opts: &RunOptions) -> u32 {
        opts.replications.unwrap_or(self.base.replications).max(1)
    }

    /// Runs every point in order on `opts` (one seed and replication count for all: common
    /// random numbers); `on_point` hears each point's label before it runs.
    pub fn run(
        self,
        opts: &RunOptions,
        on_point: &dyn Fn(&str),
        on_done: &(dyn Fn() + Sync),
    ) -> Result<Sweep, SweepError> {
        let mut summaries = vec![];
        for (dep, at) in self.points.iter().zip(&self.grid) {
            let label = path::point_label(&self.settings, at);
            on_point(&label);
            let summary = super::run(dep, opts, on_done).map_err(|source| SweepError::Run {
                point: label,
                source,
            })?;
            summaries.push(summary);
        }
        Ok(self.finish(opts, summaries))
    }

    /// The sweep of the points' summaries, in run order.
    fn finish(self, opts: &RunOptions, summaries: Vec<Summary>) -> Sweep {
        Sweep {
            scenario: self.base.name.clone(),
            seed: opts.seed.unwrap_or(self.base.seed),
            replications: self.replications(opts),
            parameters: self
                .settings
                .iter()
                .map(|s| Parameter::new(&s.path.written, s.values.clone()))
                .collect(),
            points: self
                .grid
                .iter()
                .zip(summaries)
                .map(|(at, summary)| Point {
                    at: at.clone(),
                    summary,
                })
                .collect(),
            limits: self.limits,
        }
    }

    /// The study of running this plan (planned from `source` with `sets`) with `opts`: what
    /// a sweep shard file is tied to.
    pub fn study(&self, source: &str, sets: &[String], opts: &RunOptions) -> SweepStudy {
        let points: Vec<Study> = self
            .points
            .iter()
            .map(|dep| Study::new(dep, source, opts))
            .collect();
        let limits: Vec<String> = self.limits.iter().map(Limit::compact).collect();
        SweepStudy::new(source, sets, &limits, &points, &self.base.name)
    }

    /// Runs shard `shard` of every point: the same block of replications
    /// ([`Shard::replications`]) of each, in run order.
    pub fn run_shard(
        &self,
        opts: &RunOptions,
        shard: Shard,
        on_point: &dyn Fn(&str),
        on_done: &(dyn Fn() + Sync),
    ) -> Result<Vec<Vec<Replication>>, SweepError> {
        let reps: Vec<u64> = shard.replications(self.replications(opts)).collect();
        let mut points = vec![];
        for (dep, at) in self.points.iter().zip(&self.grid) {
            let label = path::point_label(&self.settings, at);
            on_point(&label);
            let rows = shard::run_replications(dep, opts, &reps, on_done, &|_| Ok(())).map_err(
                |source| SweepError::Run {
                    point: label,
                    source,
                },
            )?;
            points.push(rows);
        }
        Ok(points)
    }

    /// The sweep that [`Plan::run`] gives, from every point's replications (each point's
    /// `0..R` once, in any order): the same numbers, reduced in replication order.
    pub fn assemble(
        self,
        opts: &RunOptions,
        points: Vec<Vec<Replication>>,
    ) -> Result<Sweep, Box<(String, MergeError)>> {
        let mut summaries = vec![];
        for ((dep, at), rows) in self.points.iter().zip(&self.grid).zip(points) {
            let summary = shard::assemble(dep, opts, rows)
                .map_err(|e| Box::new((path::point_label(&self.settings, at), e)))?;
            summaries.push(summary);
        }
        Ok(self.finish(opts, summaries))
    }
}

/// What a swept parameter's values are, for a chart's axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// Plain numbers.
    Number,
    /// Durations, held in seconds.
    Duration,
    /// Anything else (a distribution, an id, a variant): equally spaced, labelled by the text.
    Category,
}

/// One swept parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// The path as written, e.g. `fleets[id=sensors].count`.
    pub path: String,
    /// The values as written on the command line, in order.
    pub values: Vec<String>,
    pub axis: Axis,
    /// Each value as a number (seconds for durations; the position for categories).
    pub x: Vec<f64>,
}

impl Parameter {
    pub fn new(path: &str, values: Vec<String>) -> Parameter {
        let bare: Vec<&str> = values.iter().map(|v| v.trim().trim_matches('"')).collect();
        let numbers: Option<Vec<f64>> = bare
            .iter()
            .map(|v| v.replace('_', "").parse::<f64>().ok())
            .collect();
        let durations: Option<Vec<f64>> = bare
            .iter()
            .map(|v| Duration::parse(v).ok().map(|d| d.0 as f64 / 1e6))
            .collect();
        let (axis, x) = match (numbers, durations) {
            (Some(x), _) => (Axis::Number, x),
            (None, Some(x)) => (Axis::Duration, x),
            _ => (
                Axis::Category,
                (0..values.len()).map(|i| i as f64).collect(),
            ),
        };
        Parameter {
            path: path.to_string(),
            values,
            axis,
            x,
        }
    }
}

/// One point of the grid and its study.
#[derive(Clone, Debug)]
pub struct Point {
    /// Position of each parameter's value, in parameter order.
    pub at: Vec<usize>,
    pub summary: Summary,
}

/// Which side of a limit is acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `metric<=value`
    AtMost,
    /// `metric>=value`
    AtLeast,
}

/// A limit a metric should respect: `max_gateway_utilisation<=0.8`, `data_completeness>=0.999`.
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    pub metric: String,
    pub side: Side,
    pub value: f64,
}

impl Limit {
    /// Reads `METRIC<=VALUE` or `METRIC>=VALUE` (ratios as fractions).
    pub fn parse(text: &str) -> Result<Limit, String> {
        let (metric, side, value) = if let Some((m, v)) = text.split_once("<=") {
            (m, Side::AtMost, v)
        } else if let Some((m, v)) = text.split_once(">=") {
            (m, Side::AtLeast, v)
        } else {
            return Err(format!(
                "--limit {text}: expected METRIC<=VALUE or METRIC>=VALUE, e.g. \
                 max_gateway_utilisation<=0.8 or data_completeness>=0.999"
            ));
        };
        let value: f64 = value.trim().parse().map_err(|_| {
            format!(
                "--limit {text}: `{}` is not a number (ratios are fractions: 0.8 is 80%)",
                value.trim()
            )
        })?;
        if !value.is_finite() {
            return Err(format!("--limit {text}: the limit must be a finite number"));
        }
        Ok(Limit {
            metric: metric.trim().to_string(),
            side,
            value,
        })
    }

    /// Whether `x` respects the limit.
    pub fn holds(&self, x: f64) -> bool {
        match self.side {
            Side::AtMost => x <= self.value,
            Side::AtLeast => x >= self.value,
        }
    }

    /// `max_gateway_utilisation<=0.8`, as `--limit` takes it.
    pub fn compact(&self) -> String {
        self.text().replace(' ', "")
    }

    /// `max_gateway_utilisation <= 0.8`
    pub fn text(&self) -> String {
        let op = match self.side {
            Side::AtMost => "<=",
            Side::AtLeast => ">=",
        };
        format!("{} {op} {}", self.metric, self.value)
    }
}

/// The limits used when none is given: a gateway busier than 80% of the time queues messages
/// ever longer as the load varies (M/D/1 waiting grows as ρ/(1−ρ)), the usual planning margin;
/// and no more than 1% of the readings lost, since a server without a buffer (or with a small
/// one) loses data long before its utilisation looks alarming.
pub fn default_limits() -> Vec<Limit> {
    vec![
        Limit {
            metric: "max_gateway_utilisation".to_string(),
            side: Side::AtMost,
            value: 0.8,
        },
        Limit {
            metric: "data_completeness".to_string(),
            side: Side::AtLeast,
            value: 0.99,
        },
    ]
}

/// Where one line of the sweep first crosses a limit, as positions in the first parameter's
/// values.
#[derive(Clone, Debug, PartialEq)]
pub struct Crossing {
    /// Index into [`Sweep::limits`].
    pub limit: usize,
    /// The values of the other parameters (positions) that make this line.
    pub others: Vec<usize>,
    /// First value at which the mean breaks the limit.
    pub mean: Option<usize>,
    /// First value at which the 95% interval reaches past the limit (it may be broken).
    pub ci: Option<usize>,
    /// For a numeric first parameter: where the straight line between the last mean within
    /// the limit and the first beyond it meets the limit.
    pub interpolated: Option<f64>,
}

/// A whole sweep: parameters, points in run order, limits.
#[derive(Clone, Debug)]
pub struct Sweep {
    pub scenario: String,
    pub seed: u64,
    pub replications: u32,
    pub parameters: Vec<Parameter>,
    pub points: Vec<Point>,
    pub limits: Vec<Limit>,
}

impl Sweep {
    /// The lines of the sweep: for each combination of the parameters after the first (in
    /// grid order), the points along the first parameter, in its value order.
    pub fn lines(&self) -> Vec<(Vec<usize>, Vec<&Point>)> {
        let mut lines: Vec<(Vec<usize>, Vec<&Point>)> = vec![];
        for p in &self.points {
            let others = p.at[1..].to_vec();
            match lines.iter_mut().find(|(o, _)| *o == others) {
                Some((_, points)) => points.push(p),
                None => lines.push((others, vec![p])),
            }
        }
        for (_, points) in &mut lines {
            points.sort_by_key(|p| p.at[0]);
        }
        lines
    }

    /// `fleets[0].count=100, horizon=30d` without the first parameter: a line's name.
    pub fn line_label(&self, others: &[usize]) -> String {
        self.parameters[1..]
            .iter()
            .zip(others)
            .map(|(p, &v)| format!("{}={}", p.path, p.values[v]))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Every limit's crossing on every line, limit by limit.
    pub fn crossings(&self) -> Vec<Crossing> {
        let lines = self.lines();
        let mut out = vec![];
        for (l, limit) in self.limits.iter().enumerate() {
            for (others, points) in &lines {
                out.push(crossing(l, limit, others, points, &self.parameters[0]));
            }
        }
        out
    }
}

/// Where `points` (one line, in order of the first parameter) first cross `limit`.
pub fn crossing(
    l: usize,
    limit: &Limit,
    others: &[usize],
    points: &[&Point],
    first: &Parameter,
) -> Crossing {
    let estimates: Vec<_> = points
        .iter()
        .map(|p| p.summary.estimate(&limit.metric).filter(|e| e.n > 0))
        .collect();
    let far = |e: &super::Estimate| match limit.side {
        Side::AtMost => e.high(),
        Side::AtLeast => e.low(),
    };
    let mean = estimates
        .iter()
        .position(|e| e.is_some_and(|e| !limit.holds(e.mean)));
    let ci = estimates
        .iter()
        .position(|e| e.is_some_and(|e| !limit.holds(far(e))));
    let interpolated = match (mean, first.axis) {
        (Some(k), Axis::Number | Axis::Duration) if k > 0 => {
            match (estimates[k - 1], estimates[k]) {
                (Some(a), Some(b)) if limit.holds(a.mean) && b.mean != a.mean => {
                    let (xa, xb) = (first.x[points[k - 1].at[0]], first.x[points[k].at[0]]);
                    Some(xa + (limit.value - a.mean) / (b.mean - a.mean) * (xb - xa))
                }
                _ => None,
            }
        }
        _ => None,
    };
    Crossing {
        limit: l,
        others: others.to_vec(),
        mean: mean.map(|k| points[k].at[0]),
        ci: ci.map(|k| points[k].at[0]),
        interpolated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Better, Metric};
    use crate::montecarlo::estimate;

    fn summary(mean: f64, half: f64) -> Summary {
        // Two values whose mean is `mean` and whose t interval is about ±half.
        let d = half / super::super::stats::t_quantile_975(1);
        let rows = vec![vec![mean - d], vec![mean + d]];
        let e = estimate(rows.iter().map(|r| r[0]));
        Summary {
            scenario: "s".into(),
            description: String::new(),
            seed: 1,
            replications: 2,
            horizon: 1,
            warmup: 0,
            deadline: 1,
            mode: crate::montecarlo::Mode::Packet,
            per_replication: rows,
            extras: vec![],
            metrics: vec![Metric {
                id: "u".into(),
                unit: "ratio",
                definition: String::new(),
                better: Better::Lower,
            }],
            estimates: vec![e],
            verdicts: vec![],
            recovery_p95: None,
        }
    }

    #[test]
    fn limits_parse() {
        let l = Limit::parse("max_gateway_utilisation<=0.8").unwrap();
        assert_eq!(l.side, Side::AtMost);
        assert_eq!(l.value, 0.8);
        assert!(l.holds(0.8) && !l.holds(0.81));
        assert_eq!(
            Limit::parse("data_completeness>=0.999").unwrap().side,
            Side::AtLeast
        );
        assert!(Limit::parse("x=1").is_err());
        assert!(Limit::parse("x<=abc").is_err());
    }

    #[test]
    fn crossing_finds_the_mean_and_the_interval() {
        let first = Parameter::new("n", vec!["100".into(), "200".into(), "300".into()]);
        let points: Vec<Point> = [(0.4, 0.05), (0.7, 0.15), (1.0, 0.05)]
            .iter()
            .enumerate()
            .map(|(i, &(m, h))| Point {
                at: vec![i],
                summary: summary(m, h),
            })
            .collect();
        let refs: Vec<&Point> = points.iter().collect();
        let limit = Limit::parse("u<=0.8").unwrap();
        let c = crossing(0, &limit, &[], &refs, &first);
        assert_eq!(c.mean, Some(2));
        assert_eq!(c.ci, Some(1));
        let x = c.interpolated.unwrap();
        assert!((x - 200.0 - 100.0 / 3.0).abs() < 1e-9, "{x}");
        let never = Limit::parse("u<=2").unwrap();
        let c = crossing(0, &never, &[], &refs, &first);
        assert_eq!((c.mean, c.ci, c.interpolated), (None, None, None));
    }

    #[test]
    fn parameters_know_their_axis() {
        assert_eq!(
            Parameter::new("h", vec!["30d".into(), "\"90d\"".into()]).x,
            vec![30.0 * 86400.0, 90.0 * 86400.0]
        );
        assert_eq!(
            Parameter::new("h", vec!["1".into(), "2.5".into()]).axis,
            Axis::Number
        );
        assert_eq!(
            Parameter::new("d", vec!["DropOldest".into(), "DropNewest".into()]).axis,
            Axis::Category
        );
    }
}
