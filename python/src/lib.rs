//! `iotwin._native`: the library's `load`, `validate`, `run`, `compare`, `sweep`, `fit` and
//! `forecast` for Python.
//!
//! A thin layer, like the CLI: it calls the library and turns its results into plain Python
//! records (lists of dicts, which `pandas.DataFrame(...)` takes as they are) and its errors
//! into the exceptions of `iotwin.errors`, which carry the file, line, column and hint.
//!
//! Runs happen on a worker thread with the GIL released ([`interruptible`]); the calling
//! thread wakes every few milliseconds to let Python handle signals, so Ctrl-C (or a notebook's
//! interrupt) raises `KeyboardInterrupt` at once and tells the worker to start no more
//! replications. Results are those of the CLI with the same options, bit for bit: the same
//! library functions reduce the same replications in replication order.

mod forecast;
mod records;
mod runner;

use std::path::PathBuf;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use iotwin::engine::Duration;
use iotwin::model::{Outage, Topology, Unreachable};
use iotwin::montecarlo::compare::Comparison;
use iotwin::montecarlo::sweep::{self as sweep_plan, Sweep};
use iotwin::montecarlo::{self, Mode, RunOptions, Summary};
use iotwin::report;
use iotwin::scenario::{self, Deployment, ScenarioError};

use runner::{Failure, interruptible};

/// A scenario read and compiled: what `run`, `compare` and `sweep` take (they also take a
/// path). Its text is kept, so a sweep can set values in it.
#[pyclass(name = "Scenario", module = "iotwin", frozen)]
struct PyScenario {
    dep: Deployment,
    source: String,
    file: String,
}

#[pymethods]
impl PyScenario {
    /// The scenario's `name`.
    #[getter]
    fn name(&self) -> &str {
        &self.dep.name
    }

    #[getter]
    fn description(&self) -> &str {
        &self.dep.description
    }

    /// Where it was read from, as error messages name it.
    #[getter]
    fn file(&self) -> &str {
        &self.file
    }

    /// The scenario text (RON).
    #[getter]
    fn source(&self) -> &str {
        &self.source
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.dep.seed
    }

    /// The scenario's own replication count (`run` uses it unless told otherwise).
    #[getter]
    fn replications(&self) -> u32 {
        self.dep.replications
    }

    /// The simulated time span, as the scenario writes durations (`365d`).
    #[getter]
    fn horizon(&self) -> String {
        Duration(self.dep.horizon).to_string()
    }

    #[getter]
    fn horizon_s(&self) -> f64 {
        self.dep.horizon as f64 / 1e6
    }

    #[getter]
    fn devices(&self) -> u64 {
        self.dep.device_count()
    }

    /// The ids of the metrics a run of this scenario reports, in report order.
    #[getter]
    fn metrics(&self) -> Vec<String> {
        iotwin::metrics::catalog(&self.dep)
            .into_iter()
            .map(|m| m.id)
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "<iotwin.Scenario \"{}\" from {}: {} devices, horizon {}, {} replications, seed {}>",
            self.dep.name,
            self.file,
            self.dep.device_count(),
            Duration(self.dep.horizon),
            self.dep.replications,
            self.dep.seed
        )
    }
}

/// The result of `run`: every metric's estimate and every replication's values.
#[pyclass(name = "RunResult", module = "iotwin", frozen)]
struct PyRunResult {
    summary: Summary,
}

#[pymethods]
impl PyRunResult {
    #[getter]
    fn scenario(&self) -> &str {
        &self.summary.scenario
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.summary.seed
    }

    /// How many replications ran.
    #[getter]
    fn replications(&self) -> u32 {
        self.summary.replications
    }

    /// `packet` or `flow`: the mode the replications ran in.
    #[getter]
    fn mode(&self) -> &'static str {
        self.summary.mode.name()
    }

    /// One record per metric: `metric`, `unit`, `mean`, `ci_low`, `ci_high`,
    /// `ci95_half_width` (NaN with fewer than two replications), `n` (replications defining
    /// it), `std_dev`, `min`, `max`, `definition`.
    #[getter]
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        records::metric_rows(py, &self.summary)
    }

    /// One record per replication: `replication` and one key per metric id.
    #[getter]
    fn per_replication<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        records::replication_rows(py, &self.summary)
    }

    /// The record of metric `id` (as in `metrics`); `KeyError` if the run has no such metric.
    fn estimate<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyDict>> {
        records::metric_row(py, &self.summary, id)
    }

    /// The CLI's `summary.json` for this run, byte for byte.
    fn summary_json(&self) -> String {
        report::summary_json(&self.summary)
    }

    /// The CLI's `metrics.csv`: one row per replication.
    fn metrics_csv(&self) -> PyResult<String> {
        report::metrics_csv(&self.summary).map_err(|e| runner::os_error(e.to_string()))
    }

    /// Writes the CLI's report (`summary.json`, `metrics.csv`, `report.html`, `report.md`,
    /// `charts/`) into folder `out`; returns the paths written.
    fn write(&self, py: Python<'_>, out: PathBuf) -> PyResult<Vec<PathBuf>> {
        py.detach(|| report::write_outputs(&self.summary, &out))
            .map_err(|e| runner::os_error(format!("cannot write to {}: {e}", out.display())))
    }

    fn __repr__(&self) -> String {
        format!(
            "<iotwin.RunResult \"{}\": {} replications, seed {}, {} mode, {} metrics>",
            self.summary.scenario,
            self.summary.replications,
            self.summary.seed,
            self.summary.mode.name(),
            self.summary.metrics.len()
        )
    }
}

/// The result of `compare`: every design against the first, on common random numbers.
#[pyclass(name = "Comparison", module = "iotwin", frozen)]
struct PyComparison {
    comparison: Comparison,
    summaries: Vec<Summary>,
}

#[pymethods]
impl PyComparison {
    /// Scenario names, baseline first.
    #[getter]
    fn designs(&self) -> Vec<String> {
        self.comparison.designs.clone()
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.comparison.seed
    }

    #[getter]
    fn replications(&self) -> u32 {
        self.comparison.replications
    }

    /// One record per metric per design (baseline included, its difference columns NaN):
    /// `metric`, `unit`, `better`, `design`, `baseline`, `mean`, `ci_low`, `ci_high`, `n`,
    /// `difference`, `difference_ci_low`, `difference_ci_high`, `pairs`, `share_better`,
    /// `p_better` (the last two NaN where no direction is better).
    #[getter]
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        records::comparison_rows(py, &self.comparison)
    }

    /// Each design's own run, baseline first.
    #[getter]
    fn runs(&self) -> Vec<PyRunResult> {
        self.summaries
            .iter()
            .map(|s| PyRunResult { summary: s.clone() })
            .collect()
    }

    /// The CLI's `compare.json`, byte for byte.
    fn compare_json(&self) -> String {
        report::compare::compare_json(&self.comparison)
    }

    /// The CLI's `compare.csv`.
    fn compare_csv(&self) -> PyResult<String> {
        report::compare::compare_csv(&self.comparison).map_err(|e| runner::os_error(e.to_string()))
    }

    /// Writes the CLI's comparison report into folder `out`; returns the paths written.
    fn write(&self, py: Python<'_>, out: PathBuf) -> PyResult<Vec<PathBuf>> {
        py.detach(|| report::compare::write_compare_outputs(&self.comparison, &out))
            .map_err(|e| runner::os_error(format!("cannot write to {}: {e}", out.display())))
    }

    fn __repr__(&self) -> String {
        format!(
            "<iotwin.Comparison of {}: {} replications, seed {}, {} metrics>",
            self.comparison.designs.join(" vs "),
            self.comparison.replications,
            self.comparison.seed,
            self.comparison.metrics.len()
        )
    }
}

/// The result of `sweep`: a study per grid point and where each limit is crossed.
#[pyclass(name = "Sweep", module = "iotwin", frozen)]
struct PySweep {
    sweep: Sweep,
}

#[pymethods]
impl PySweep {
    #[getter]
    fn scenario(&self) -> &str {
        &self.sweep.scenario
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.sweep.seed
    }

    #[getter]
    fn replications(&self) -> u32 {
        self.sweep.replications
    }

    /// The swept paths, first (slowest) first.
    #[getter]
    fn parameters(&self) -> Vec<String> {
        self.sweep
            .parameters
            .iter()
            .map(|p| p.path.clone())
            .collect()
    }

    /// One record per point per metric: `point` (its position in run order), one key per
    /// parameter path (a number; seconds for durations; the text for anything else), `label`,
    /// `metric`, `unit`, `mean`, `ci_low`, `ci_high`, `n`.
    #[getter]
    fn points<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        records::sweep_rows(py, &self.sweep)
    }

    /// One record per limit and line: `limit`, `metric`, the other parameters' values,
    /// `mean_first_beyond`, `ci_first_reaches` (values of the first parameter as written,
    /// None where never crossed) and `interpolated`.
    #[getter]
    fn crossings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        records::crossing_rows(py, &self.sweep)
    }

    /// Each point's run, in run order.
    #[getter]
    fn runs(&self) -> Vec<PyRunResult> {
        self.sweep
            .points
            .iter()
            .map(|p| PyRunResult {
                summary: p.summary.clone(),
            })
            .collect()
    }

    /// The CLI's `sweep.json`, byte for byte.
    fn sweep_json(&self) -> String {
        report::sweep::sweep_json(&self.sweep)
    }

    /// Writes the CLI's sweep report into folder `out`; returns the paths written.
    fn write(&self, py: Python<'_>, out: PathBuf) -> PyResult<Vec<PathBuf>> {
        py.detach(|| report::sweep::write_sweep_outputs(&self.sweep, &out))
            .map_err(|e| runner::os_error(format!("cannot write to {}: {e}", out.display())))
    }

    fn __repr__(&self) -> String {
        format!(
            "<iotwin.Sweep of \"{}\" over {}: {} points, {} replications each>",
            self.sweep.scenario,
            self.parameters().join(", "),
            self.sweep.points.len(),
            self.sweep.replications
        )
    }
}

/// Reads and compiles a scenario: a file `path`, scenario text `source` (named `name` in
/// errors), or with neither the built-in factory. Raises `iotwin.ScenarioError` with the file,
/// line, column, field and hint of the first mistake.
#[pyfunction]
#[pyo3(signature = (path=None, *, source=None, name=None))]
fn load(
    py: Python<'_>,
    path: Option<PathBuf>,
    source: Option<String>,
    name: Option<String>,
) -> PyResult<PyScenario> {
    if path.is_some() && source.is_some() {
        return Err(runner::usage_error(
            py,
            "load() takes a path or source=, not both".into(),
            "iotwin.load(\"scenarios/factory.ron\") or iotwin.load(source=text)".into(),
        ));
    }
    let (source, file) = match (path, source) {
        (Some(p), _) => {
            let file = p.display().to_string();
            let text = std::fs::read_to_string(&p).map_err(|e| {
                runner::scenario_error(
                    py,
                    &ScenarioError::Io {
                        file: file.clone(),
                        message: e.to_string(),
                        hint:
                            "check the path; iotwin.load() without one loads the built-in factory"
                                .into(),
                    },
                )
            })?;
            (text, file)
        }
        (None, Some(text)) => (text, name.unwrap_or_else(|| "<string>".to_string())),
        (None, None) => (
            scenario::DEFAULT_SCENARIO.to_string(),
            scenario::DEFAULT_SCENARIO_NAME.to_string(),
        ),
    };
    let dep = py
        .detach(|| compile_reachable(&source, &file))
        .map_err(|e| runner::scenario_error(py, &e))?;
    Ok(PyScenario { dep, source, file })
}

/// Compiles `source` and refuses fleets with no path to the cloud, as the CLI does.
fn compile_reachable(source: &str, file: &str) -> Result<Deployment, ScenarioError> {
    let dep = scenario::compile_source(source, file)?;
    let cut: Vec<String> = Topology::build(&dep)
        .unreachable()
        .into_iter()
        .filter_map(|u| match u {
            Unreachable::Fleet(f) => Some(format!("\"{}\"", dep.fleets[f].id)),
            Unreachable::Gateway(_) => None,
        })
        .collect();
    if !cut.is_empty() {
        return Err(ScenarioError::Io {
            file: file.to_string(),
            message: format!("fleets {} have no path to the cloud", cut.join(", ")),
            hint: "give their gateways an uplink through a carrier".into(),
        });
    }
    Ok(dep)
}

/// A `Scenario`, or a path to load one from.
fn scenario_of(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<(Deployment, String, String)> {
    if let Ok(s) = obj.cast::<PyScenario>() {
        let s = s.get();
        return Ok((s.dep.clone(), s.source.clone(), s.file.clone()));
    }
    match obj.extract::<PathBuf>() {
        Ok(path) => {
            let s = load(py, Some(path), None, None)?;
            Ok((s.dep, s.source, s.file))
        }
        Err(_) => Err(PyTypeError::new_err(format!(
            "expected an iotwin.Scenario or a path to a scenario file, got {}",
            obj.get_type().name()?
        ))),
    }
}

/// Checks a scenario without running it, as `iotwin validate` does, and returns what it holds:
/// counts, horizon, and the single points of failure (each outage that alone cuts fleets off
/// the cloud). Raises `iotwin.ScenarioError` on a mistake, including `expect` assertions that
/// name unknown metrics.
#[pyfunction]
fn validate<'py>(py: Python<'py>, scenario: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let (dep, _, _) = scenario_of(py, scenario)?;
    montecarlo::check::validate(&dep).map_err(|e| runner::scenario_error(py, &e))?;
    let topology = Topology::build(&dep);
    let spofs = PyList::empty(py);
    for spof in topology.single_points_of_failure(&dep) {
        let (kind, id) = match spof.outage {
            Outage::Gateway(g) => ("gateway", dep.gateways[g].id.clone()),
            Outage::Carrier(c) => ("carrier", dep.carriers[c].id.clone()),
            Outage::Cause(k) => ("common_cause", dep.causes[k].id.clone()),
        };
        let row = PyDict::new(py);
        row.set_item("kind", kind)?;
        row.set_item("id", id)?;
        let fleets: Vec<&str> = spof
            .fleets
            .iter()
            .map(|&f| dep.fleets[f].id.as_str())
            .collect();
        row.set_item("fleets", fleets)?;
        row.set_item("devices", spof.devices)?;
        spofs.append(row)?;
    }
    let unused: Vec<&str> = topology
        .unreachable()
        .into_iter()
        .filter_map(|u| match u {
            Unreachable::Gateway(g) => Some(dep.gateways[g].id.as_str()),
            Unreachable::Fleet(_) => None,
        })
        .collect();
    let out = PyDict::new(py);
    out.set_item("scenario", &dep.name)?;
    out.set_item("sites", dep.sites.len())?;
    out.set_item("carriers", dep.carriers.len())?;
    out.set_item("gateways", dep.gateways.len())?;
    out.set_item("fleets", dep.fleets.len())?;
    out.set_item("devices", dep.device_count())?;
    out.set_item("horizon", Duration(dep.horizon).to_string())?;
    out.set_item("replications", dep.replications)?;
    out.set_item("single_points_of_failure", spofs)?;
    out.set_item("unused_gateways", unused)?;
    out.set_item("text", topology.describe(&dep))?;
    Ok(out)
}

/// The library's mode from its name.
fn mode_of(py: Python<'_>, mode: &str) -> PyResult<Mode> {
    match mode {
        "auto" => Ok(Mode::Auto),
        "packet" => Ok(Mode::Packet),
        "flow" => Ok(Mode::Flow),
        other => Err(runner::usage_error(
            py,
            format!("mode \"{other}\" is not a mode"),
            "mode=\"auto\" (the default), \"packet\" or \"flow\"".into(),
        )),
    }
}

/// The mode a study of `dep` runs in, or a usage error when flow mode cannot model it.
fn resolved(py: Python<'_>, dep: &Deployment, asked: Mode) -> PyResult<Mode> {
    montecarlo::resolve_mode(dep, asked).map_err(|reason| {
        runner::usage_error(
            py,
            format!("mode=\"flow\": {reason}"),
            "run it with mode=\"packet\" (or \"auto\")".into(),
        )
    })
}

/// Runs a scenario's replications and returns their estimates. `replications` and `seed`
/// default to the scenario's, `threads` (`None` or 0) to every core (results do not depend on it), `mode`
/// to `auto`. The same options give the same numbers as `iotwin run`. Ctrl-C raises
/// `KeyboardInterrupt`; no further replication starts.
#[pyfunction]
#[pyo3(signature = (scenario=None, *, replications=None, seed=None, threads=None, mode="auto", max_memory_gib=None))]
fn run(
    py: Python<'_>,
    scenario: Option<&Bound<'_, PyAny>>,
    replications: Option<u32>,
    seed: Option<u64>,
    threads: Option<usize>,
    mode: &str,
    max_memory_gib: Option<f64>,
) -> PyResult<PyRunResult> {
    let (dep, _, file) = match scenario {
        Some(s) => scenario_of(py, s)?,
        None => {
            let s = load(py, None, None, None)?;
            (s.dep, s.source, s.file)
        }
    };
    let mut opts = RunOptions {
        replications,
        seed,
        threads,
        mode: mode_of(py, mode)?,
    };
    opts.mode = resolved(py, &dep, opts.mode)?;
    runner::check_memory(py, &dep, &opts, max_memory_gib)?;
    let job_opts = opts.clone();
    let summary = interruptible(py, move |cancel| runner::study(&dep, &job_opts, cancel))?
        .map_err(|f| f.into_py_err(py, &file, &opts))?;
    Ok(PyRunResult { summary })
}

/// Runs designs on one seed and replication count (common random numbers) and compares each
/// with the first, metric by metric, as `iotwin compare` does. `replications` defaults to the
/// largest of the designs' own counts, `seed` to the first design's.
#[pyfunction]
#[pyo3(signature = (designs, *, replications=None, seed=None, threads=None, mode="auto", max_memory_gib=None))]
fn compare(
    py: Python<'_>,
    designs: Vec<Bound<'_, PyAny>>,
    replications: Option<u32>,
    seed: Option<u64>,
    threads: Option<usize>,
    mode: &str,
    max_memory_gib: Option<f64>,
) -> PyResult<PyComparison> {
    if designs.len() < 2 {
        return Err(runner::usage_error(
            py,
            format!("compare() needs two designs or more, got {}", designs.len()),
            "iotwin.compare([\"a.ron\", \"b.ron\"]): the first is the baseline".into(),
        ));
    }
    let mut loaded = vec![];
    for d in &designs {
        loaded.push(scenario_of(py, d)?);
    }
    let deps: Vec<Deployment> = loaded.iter().map(|(d, _, _)| d.clone()).collect();
    let asked = RunOptions {
        replications,
        seed,
        threads,
        mode: mode_of(py, mode)?,
    };
    let opts = montecarlo::compare::common_options(&deps, &asked);
    for dep in &deps {
        resolved(py, dep, opts.mode)?;
        runner::check_memory(py, dep, &opts, max_memory_gib)?;
    }
    let job_opts = opts.clone();
    let outcome = interruptible(py, move |cancel| {
        let mut summaries = vec![];
        for (k, dep) in deps.iter().enumerate() {
            let summary = runner::study(dep, &job_opts, cancel).map_err(|f| (k, f))?;
            summaries.push(summary);
        }
        Ok::<_, (usize, Failure)>(summaries)
    })?;
    let summaries = outcome.map_err(|(k, f)| f.into_py_err(py, &loaded[k].2, &opts))?;
    let comparison = montecarlo::compare::compare(&summaries);
    Ok(PyComparison {
        comparison,
        summaries,
    })
}

/// Runs a scenario at every point of a grid and finds where limits are crossed, as
/// `iotwin sweep` does. `set` maps each path to its values (`{"fleets[id=sensors].count":
/// [100, 200, 400]}`; the first varies slowest) or is a list of `"PATH=V1,V2"` strings;
/// `limits` are `"METRIC<=VALUE"` or `"METRIC>=VALUE"` (default: max_gateway_utilisation<=0.8).
#[pyfunction]
#[pyo3(signature = (scenario, set, *, limits=None, replications=None, seed=None, threads=None, mode="auto"))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    set: &Bound<'_, PyAny>,
    limits: Option<Vec<String>>,
    replications: Option<u32>,
    seed: Option<u64>,
    threads: Option<usize>,
    mode: &str,
) -> PyResult<PySweep> {
    let (_, source, file) = scenario_of(py, scenario)?;
    let sets = records::settings(set)?;
    let limits = limits.unwrap_or_default();
    let plan = py
        .detach(|| sweep_plan::plan(&source, &file, &sets, &limits))
        .map_err(|e| runner::sweep_error(py, &file, &e))?;
    let opts = RunOptions {
        replications,
        seed,
        threads,
        mode: mode_of(py, mode)?,
    };
    for dep in &plan.points {
        resolved(py, dep, opts.mode)?;
    }
    let job_opts = opts.clone();
    let outcome = interruptible(py, move |cancel| runner::sweep(plan, &job_opts, cancel))?;
    let result = outcome.map_err(|f| f.into_py_err(py, &file, &opts))?;
    Ok(PySweep { sweep: result })
}

/// Laws fitted from field records, as `iotwin fit` fits them: `fit_json()` is its `fit.json`
/// and `snippets()` its `laws.ron`, byte for byte.
#[pyclass(name = "Fit", module = "iotwin", frozen)]
struct PyFit {
    json: String,
    snippets: String,
    fits: Vec<iotwin::fit::PopulationFit>,
    options: iotwin::fit::Options,
}

#[pymethods]
impl PyFit {
    /// The fit as `iotwin fit` writes `fit.json`: every population, every law's parameters,
    /// 95% intervals, AIC/BIC and goodness of fit.
    fn fit_json(&self) -> String {
        self.json.clone()
    }

    /// The fitted laws as RON snippets to paste into a scenario (`laws.ron`).
    fn snippets(&self) -> String {
        self.snippets.clone()
    }

    /// Writes what `iotwin fit -o DIR` writes (fit.md, fit.json, laws.ron, Weibull plots).
    fn write(&self, py: Python<'_>, dir: PathBuf) -> PyResult<Vec<String>> {
        let written = py
            .detach(|| iotwin::fit::summary::write_outputs(&self.fits, &self.options, &dir))
            .map_err(|e| {
                runner::usage_error(
                    py,
                    format!("cannot write the fit to {}: {e}", dir.display()),
                    "choose another folder".to_string(),
                )
            })?;
        Ok(written.iter().map(|p| p.display().to_string()).collect())
    }

    fn __repr__(&self) -> String {
        format!("<iotwin.Fit of {} populations>", self.fits.len())
    }
}

/// Fits exponential, Weibull, lognormal and gamma laws (or `laws`) to field records — device
/// failures, repairs and carrier outages, CSV or JSON lines (`docs/twin.md`) — by censored and
/// truncated maximum likelihood, as `iotwin fit` does. Bad records raise `ScenarioError` with
/// the file, line, column, field and hint.
#[pyfunction]
#[pyo3(signature = (records, *, laws=None, resamples=199, seed=1))]
fn fit(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    laws: Option<Vec<String>>,
    resamples: u32,
    seed: u64,
) -> PyResult<PyFit> {
    use iotwin::fit::{self, law::Family};
    let paths: Vec<PathBuf> = match records.extract::<PathBuf>() {
        Ok(p) => vec![p],
        Err(_) => records.extract::<Vec<PathBuf>>().map_err(|_| {
            PyTypeError::new_err(
                "records is a path, or a list of paths, of CSV or JSON-lines files",
            )
        })?,
    };
    let mut families = vec![];
    for name in laws.unwrap_or_default() {
        match Family::parse(&name) {
            Some(f) if !families.contains(&f) => families.push(f),
            Some(_) => {}
            None => {
                let names = Family::ALL.map(|f| f.name());
                return Err(runner::usage_error(
                    py,
                    format!("unknown law \"{name}\""),
                    format!("the laws are: {}", names.join(", ")),
                ));
            }
        }
    }
    if families.is_empty() {
        families = Family::ALL.to_vec();
    }
    let located = |e: &iotwin::scenario::table::TableError| {
        let as_scenario = match e {
            iotwin::scenario::table::TableError::Io {
                file,
                message,
                hint,
                ..
            } => ScenarioError::Io {
                file: file.clone(),
                message: message.clone(),
                hint: hint.clone(),
            },
            iotwin::scenario::table::TableError::Invalid(d) => ScenarioError::Invalid(d.clone()),
        };
        runner::scenario_error(py, &as_scenario)
    };
    let mut all = vec![];
    for path in &paths {
        let mut rows = fit::records::load(path).map_err(|e| located(&e))?;
        all.append(&mut rows);
    }
    let samples = fit::sample::samples(&all)
        .map_err(|e| runner::usage_error(py, e.to_string(), "see docs/twin.md".to_string()))?;
    let options = fit::Options {
        families,
        resamples,
        seed,
    };
    let fits = py.detach(|| fit::fit_samples(samples, &options));
    let json = serde_json::to_string_pretty(&fit::summary::to_json(&fits, &options))
        .map(|j| j + "\n")
        .map_err(|e| runner::usage_error(py, e.to_string(), String::new()))?;
    Ok(PyFit {
        json,
        snippets: fit::snippet::snippets(&fits),
        fits,
        options,
    })
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFit>()?;
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_class::<forecast::PyForecast>()?;
    m.add_function(wrap_pyfunction!(forecast::forecast, m)?)?;
    m.add_class::<PyScenario>()?;
    m.add_class::<PyRunResult>()?;
    m.add_class::<PyComparison>()?;
    m.add_class::<PySweep>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
