//! `iotwin.forecast`: the twin run forward from a scenario's inventory, as `iotwin forecast`
//! runs it: the same library call, so `forecast_json()` is the CLI's `forecast.json` byte for
//! byte, and `figures` its `forecast.csv` as records.

use std::path::PathBuf;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use iotwin::engine::{Duration, TICKS_PER_SECOND, Ticks};
use iotwin::forecast::{Forecast, Options, report};

use crate::runner::{self, interruptible};

/// A forecast: per quantity (failures, battery swaps, certificate expiries, firmware updates,
/// planned replacements, truck rolls, crew hours, cost), per fleet and for the whole fleet
/// (`"all"`), at each horizon: the mean over futures with its 95% confidence interval, the
/// median and the 95% prediction interval (where the count itself should fall).
#[pyclass(name = "Forecast", module = "iotwin", frozen)]
pub struct PyForecast {
    forecast: Forecast,
}

#[pymethods]
impl PyForecast {
    /// One record per quantity, group and horizon, with the columns of `forecast.csv`:
    /// quantity, group, devices, horizon_days, mean, mean_ci95_low, mean_ci95_high, median,
    /// pi95_low, pi95_high, replications.
    #[getter]
    fn figures<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let f = &self.forecast;
        let rows = PyList::empty(py);
        for (q, quantity) in f.quantities.iter().enumerate() {
            for (g, group) in f.groups.iter().enumerate() {
                for (m, &mark) in f.marks.iter().enumerate() {
                    let x = f.figure(q, g, m);
                    let row = PyDict::new(py);
                    row.set_item("quantity", quantity.id())?;
                    row.set_item("group", group)?;
                    row.set_item("devices", f.devices[g])?;
                    row.set_item("horizon_days", days(mark))?;
                    row.set_item("mean", x.mean.mean)?;
                    row.set_item("mean_ci95_low", x.mean.low())?;
                    row.set_item("mean_ci95_high", x.mean.high())?;
                    row.set_item("median", x.median)?;
                    row.set_item("pi95_low", x.low)?;
                    row.set_item("pi95_high", x.high)?;
                    row.set_item("replications", f.replications)?;
                    rows.append(row)?;
                }
            }
        }
        Ok(rows)
    }

    /// The quantities this scenario can produce, as their ids.
    #[getter]
    fn quantities(&self) -> Vec<&'static str> {
        self.forecast.quantities.iter().map(|q| q.id()).collect()
    }

    /// The fleets, then `"all"`.
    #[getter]
    fn groups(&self) -> Vec<String> {
        self.forecast.groups.clone()
    }

    /// The horizons reported, in days.
    #[getter]
    fn horizons_days(&self) -> Vec<f64> {
        self.forecast.marks.iter().map(|&m| days(m)).collect()
    }

    /// What `iotwin forecast` writes as `forecast.json`, byte for byte.
    fn forecast_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string_pretty(&report::to_json(&self.forecast))
            .map(|j| j + "\n")
            .map_err(|e| runner::usage_error(py, e.to_string(), String::new()))
    }

    /// `forecast.csv`, byte for byte.
    fn forecast_csv(&self) -> String {
        report::to_csv(&self.forecast)
    }

    /// Writes what `iotwin forecast -o DIR` writes (CSV, JSON, Markdown, HTML, fan charts)
    /// and returns the paths written.
    fn write(&self, py: Python<'_>, dir: PathBuf) -> PyResult<Vec<String>> {
        let written = py
            .detach(|| report::write(&self.forecast, &dir))
            .map_err(|e| {
                runner::usage_error(
                    py,
                    format!("cannot write the forecast to {}: {e}", dir.display()),
                    "choose another folder".to_string(),
                )
            })?;
        Ok(written.iter().map(|p| p.display().to_string()).collect())
    }

    fn __repr__(&self) -> String {
        let f = &self.forecast;
        format!(
            "<iotwin.Forecast of {} for {} ahead, {} futures>",
            f.scenario,
            Duration(f.horizon),
            f.replications
        )
    }
}

fn days(ticks: Ticks) -> f64 {
    ticks as f64 / (86_400.0 * TICKS_PER_SECOND as f64)
}

/// A duration written as in scenarios ("90d", "1y").
fn ticks(py: Python<'_>, what: &str, text: &str) -> PyResult<Ticks> {
    Duration::parse(text).map(|d| d.ticks()).map_err(|e| {
        runner::usage_error(
            py,
            format!("{what}=\"{text}\": {e}"),
            "a duration such as \"90d\" or \"1y\"".into(),
        )
    })
}

/// Forecasts the coming days of the fleet as the scenario's inventory has it, as `iotwin
/// forecast` does: `replications` futures (default: the scenario's) to `horizon`, figures at
/// each of `at`, flow mode unless `packets`. The same options give the CLI's numbers. Ctrl-C
/// raises `KeyboardInterrupt` at once (the futures under way finish in the background).
#[pyfunction]
#[pyo3(signature = (scenario, *, horizon="365d", at=None, replications=None, seed=None, packets=false))]
pub fn forecast(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    horizon: &str,
    at: Option<Vec<String>>,
    replications: Option<u32>,
    seed: Option<u64>,
    packets: bool,
) -> PyResult<PyForecast> {
    let (dep, _, _) = crate::scenario_of(py, scenario)?;
    let horizon = ticks(py, "horizon", horizon)?;
    let at = at.unwrap_or_else(|| ["30d", "90d", "365d"].map(String::from).to_vec());
    let mut marks = Vec::with_capacity(at.len());
    for text in &at {
        let mark = ticks(py, "at", text)?;
        if mark > horizon {
            return Err(runner::usage_error(
                py,
                format!("at=\"{text}\" is beyond the horizon {}", Duration(horizon)),
                format!("lengthen the horizon, e.g. horizon=\"{text}\""),
            ));
        }
        marks.push(mark);
    }
    let opts = Options {
        horizon,
        marks,
        replications: replications.unwrap_or(dep.replications),
        seed: seed.unwrap_or(dep.seed),
        flow: !packets,
    };
    let result = interruptible(py, move |_| iotwin::forecast::forecast(&dep, &opts))?;
    let forecast = result.map_err(|e| {
        PyRuntimeError::new_err(format!("{e}: a broken invariant, a bug; please report it"))
    })?;
    Ok(PyForecast { forecast })
}
