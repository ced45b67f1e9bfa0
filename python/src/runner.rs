//! Running studies off the GIL, stopping them on Ctrl-C, and turning the library's errors into
//! the exceptions of `iotwin.errors`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration as WallDuration;

use pyo3::exceptions::{PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use iotwin::montecarlo::budget::{self, Advice};
use iotwin::montecarlo::shard::{self, MergeError};
use iotwin::montecarlo::sweep::{Plan, Sweep, SweepError};
use iotwin::montecarlo::{RunError, RunOptions, Summary};
use iotwin::scenario::{Deployment, ScenarioError};

/// How often the waiting thread lets Python look at signals: short enough that Ctrl-C feels
/// immediate, long enough that waiting costs nothing measurable.
const SIGNAL_POLL: WallDuration = WallDuration::from_millis(50);

/// The message a replication's record hook stops a cancelled run with.
const INTERRUPTED: &str = "interrupted (KeyboardInterrupt)";

/// Runs `job` on a worker thread while this thread, without the GIL, waits for it and wakes
/// every [`SIGNAL_POLL`] to let Python handle signals. When a signal handler raises (Ctrl-C
/// raises `KeyboardInterrupt`), the job's cancellation flag is set and the exception is
/// returned at once: the replications already running finish in the background, none starts
/// after them (see [`study`]), and their result is dropped.
pub fn interruptible<T, F>(py: Python<'_>, job: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce(&AtomicBool) -> T + Send + 'static,
{
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let flag = Arc::clone(&cancel);
    std::thread::Builder::new()
        .name("iotwin-study".into())
        .spawn(move || {
            // The receiver is gone only when the caller was interrupted: nobody wants it.
            let _ = tx.send(job(&flag));
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a worker thread: {e}")))?;
    let mut rx = rx;
    loop {
        // The receiver moves into the wait and back: it is Send but not Sync.
        let (back, received) = py.detach(move || {
            let received = rx.recv_timeout(SIGNAL_POLL);
            (rx, received)
        });
        rx = back;
        match received {
            Ok(result) => return Ok(result),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(interrupt) = py.check_signals() {
                    cancel.store(true, Ordering::SeqCst);
                    return Err(interrupt);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "the iotwin worker thread stopped without a result (a bug: please report it)",
                ));
            }
        }
    }
}

/// Why a study run from Python failed.
#[derive(Debug)]
pub enum Failure {
    /// A replication broke an invariant, or the run could not start.
    Run(RunError),
    /// As `Run`, at one point of a sweep (its label).
    Point(String, RunError),
    /// The replications of a finished run could not be put together: a bug.
    Assemble(String),
}

impl Failure {
    /// The Python exception: `iotwin.RunError` with the command that reproduces a broken
    /// invariant (`file` is the scenario's, `opts` the run's).
    pub fn into_py_err(self, py: Python<'_>, file: &str, opts: &RunOptions) -> PyErr {
        let (point, source) = match self {
            Failure::Run(e) => (None, e),
            Failure::Point(label, e) => (Some(label), e),
            Failure::Assemble(message) => {
                return PyRuntimeError::new_err(format!(
                    "the replications could not be put together ({message}): a bug, please report it"
                ));
            }
        };
        let kwargs = PyDict::new(py);
        let (message, hint) = match &source {
            RunError::Invariant {
                replication, seed, ..
            } => {
                let _ = kwargs.set_item("replication", replication);
                let _ = kwargs.set_item("seed", seed);
                let replications = opts
                    .replications
                    .map_or(String::new(), |r| format!(" --replications {r}"));
                (
                    source.to_string(),
                    format!(
                        "a bug in iotwin; reproduce it with: iotwin run {file} --seed {seed}{replications} --threads 1"
                    ),
                )
            }
            RunError::FlowUnsupported(_) => (
                source.to_string(),
                "run it with mode=\"packet\" (or \"auto\")".to_string(),
            ),
            RunError::Threads { .. } => (
                source.to_string(),
                "ask for fewer threads, or leave threads=None to use every core".to_string(),
            ),
            RunError::Record { .. } => (source.to_string(), String::new()),
        };
        let message = match point {
            Some(label) => format!("sweep point {label}: {message}"),
            None => message,
        };
        let _ = kwargs.set_item("hint", hint);
        raise(py, "RunError", message, &kwargs)
    }
}

/// Replication `r`'s record hook: stop once the caller was interrupted.
fn unless_cancelled(cancel: &AtomicBool) -> Result<(), String> {
    if cancel.load(Ordering::SeqCst) {
        Err(INTERRUPTED.to_string())
    } else {
        Ok(())
    }
}

/// Runs every replication of `dep` with `opts` and reduces them as `montecarlo::run` does
/// (`shard::assemble` is documented to give its summary exactly). The replications run through
/// `shard::run_replications` for its record hook: after `cancel` is set, each replication that
/// finishes stops the run, so no further replication starts.
pub fn study(dep: &Deployment, opts: &RunOptions, cancel: &AtomicBool) -> Result<Summary, Failure> {
    let total = opts.replications.unwrap_or(dep.replications).max(1) as u64;
    let reps: Vec<u64> = (0..total).collect();
    let rows = shard::run_replications(dep, opts, &reps, &|| {}, &|_| unless_cancelled(cancel))
        .map_err(Failure::Run)?;
    shard::assemble(dep, opts, rows).map_err(|e| Failure::Assemble(merge_text(&e)))
}

/// Runs every point of `plan` in order, each as [`study`] runs a scenario, and puts the sweep
/// together as `Plan::run` does (`Plan::assemble` is documented to give its sweep exactly).
pub fn sweep(plan: Plan, opts: &RunOptions, cancel: &AtomicBool) -> Result<Sweep, Failure> {
    let reps: Vec<u64> = (0..plan.replications(opts) as u64).collect();
    let mut points = vec![];
    for (dep, at) in plan.points.iter().zip(&plan.grid) {
        let rows = shard::run_replications(dep, opts, &reps, &|| {}, &|_| unless_cancelled(cancel))
            .map_err(|e| {
                Failure::Point(iotwin::scenario::path::point_label(&plan.settings, at), e)
            })?;
        points.push(rows);
    }
    plan.assemble(opts, points)
        .map_err(|e| Failure::Assemble(format!("sweep point {}: {}", e.0, merge_text(&e.1))))
}

fn merge_text(e: &MergeError) -> String {
    e.to_string()
}

/// An instance of exception class `class` of `iotwin.errors`, made with `message` and
/// `kwargs` (its attributes).
fn raise(py: Python<'_>, class: &str, message: String, kwargs: &Bound<'_, PyDict>) -> PyErr {
    let made = || -> PyResult<PyErr> {
        let cls = py.import("iotwin.errors")?.getattr(class)?;
        let value = cls.call((message.clone(),), Some(kwargs))?;
        Ok(PyErr::from_value(value))
    };
    made().unwrap_or_else(|e| e)
}

/// `message` without the `error: ` that the CLI prints in front of it.
fn bare(message: &str) -> String {
    message
        .strip_prefix("error: ")
        .unwrap_or(message)
        .to_string()
}

/// `iotwin.ScenarioError` with the file, line, column, field and hint of `e`.
pub fn scenario_error(py: Python<'_>, e: &ScenarioError) -> PyErr {
    let kwargs = PyDict::new(py);
    match e {
        ScenarioError::Io { file, hint, .. } => {
            let _ = kwargs.set_item("file", file);
            let _ = kwargs.set_item("hint", hint);
        }
        ScenarioError::Invalid(d) => {
            let _ = kwargs.set_item("file", &d.file);
            let _ = kwargs.set_item("line", d.line);
            let _ = kwargs.set_item("column", d.column);
            let _ = kwargs.set_item("field", &d.field);
            let _ = kwargs.set_item("hint", &d.hint);
            let _ = kwargs.set_item("source_line", &d.source_line);
        }
    }
    raise(py, "ScenarioError", bare(&e.to_string()), &kwargs)
}

/// A sweep that could not be planned: its scenario or a point of it is invalid
/// (`ScenarioError`), or a `set` or `limit` is wrong (`UsageError`).
pub fn sweep_error(py: Python<'_>, file: &str, e: &SweepError) -> PyErr {
    match e {
        SweepError::Scenario(s) => scenario_error(py, s),
        SweepError::Path(p) => {
            let kwargs = PyDict::new(py);
            let _ = kwargs.set_item("file", file);
            let _ = kwargs.set_item("field", &p.path);
            let _ = kwargs.set_item("hint", &p.hint);
            raise(
                py,
                "UsageError",
                format!("set {}: {}", p.path, p.message),
                &kwargs,
            )
        }
        SweepError::Limit { message, hint } => usage_error(py, message.clone(), hint.clone()),
        SweepError::Unreachable { point, fleets } => scenario_error(
            py,
            &ScenarioError::Io {
                file: format!("{file} [sweep point {point}]"),
                message: format!("fleets {fleets} have no path to the cloud"),
                hint: "give their gateways an uplink through a carrier".into(),
            },
        ),
        SweepError::Run { point, source } => {
            let message = format!("sweep point {point}: {source}");
            let kwargs = PyDict::new(py);
            let _ = kwargs.set_item("hint", "a bug in iotwin: please report it");
            raise(py, "RunError", message, &kwargs)
        }
    }
}

/// `iotwin.UsageError`: an argument that cannot be used, with how to fix it.
pub fn usage_error(py: Python<'_>, message: String, hint: String) -> PyErr {
    let kwargs = PyDict::new(py);
    let _ = kwargs.set_item("hint", hint);
    raise(py, "UsageError", message, &kwargs)
}

pub fn os_error(message: String) -> PyErr {
    PyOSError::new_err(message)
}

/// Refuses, before it starts, a run that would not fit in memory, as the CLI does (the same
/// estimate, [`budget::check_fits`]): `iotwin.StudyTooLarge` (a `MemoryError`) with the
/// estimate and a hint worded for this package's arguments.
pub fn check_memory(
    py: Python<'_>,
    dep: &Deployment,
    opts: &RunOptions,
    max_gib: Option<f64>,
) -> PyResult<()> {
    let replications = opts.replications.unwrap_or(dep.replications).max(1) as u64;
    let Err(refused) = budget::check_fits(dep, opts, replications, max_gib) else {
        return Ok(());
    };
    let hint = match refused.advice {
        Advice::FlowMode => {
            "run it in flow mode (mode=\"flow\"), which keeps no message events; or fewer replications at once with threads=1"
        }
        Advice::FewerAtOnce => {
            "run fewer replications at once with threads=1, or split the fleet into several scenarios"
        }
        Advice::SplitFleet => {
            "split the fleet into several scenarios, or lower buffer_messages; max_memory_gib= raises the limit"
        }
    };
    let kwargs = PyDict::new(py);
    let _ = kwargs.set_item("hint", hint);
    let _ = kwargs.set_item("needed_bytes", refused.needed);
    let _ = kwargs.set_item("limit_bytes", refused.limit);
    Err(raise(
        py,
        "StudyTooLarge",
        format!(
            "this run needs about {} ({} devices and their buffers, {} replication(s) at a time), more than the {} allowed",
            budget::human_bytes(refused.needed),
            refused.devices,
            refused.concurrent,
            budget::human_bytes(refused.limit)
        ),
        &kwargs,
    ))
}
