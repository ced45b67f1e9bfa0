//! Results as plain records: lists of dicts with the same keys in the same order, which
//! `pandas.DataFrame(records)` takes as they are. An undefined number is NaN (not None), so a
//! column stays numeric and plots skip it; only values that are not numbers (a sweep's
//! crossing that never happens, a parameter written as text) are None.

use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use iotwin::metrics::Better;
use iotwin::montecarlo::compare::Comparison;
use iotwin::montecarlo::sweep::{Axis, Sweep};
use iotwin::montecarlo::{Estimate, Summary};

/// The columns every estimate fills: mean, interval, and the replications defining it.
fn put_estimate(row: &Bound<'_, PyDict>, e: &Estimate, prefix: &str) -> PyResult<()> {
    let half = e.half_width.unwrap_or(f64::NAN);
    row.set_item(format!("{prefix}mean"), e.mean)?;
    row.set_item(format!("{prefix}ci_low"), e.mean - half)?;
    row.set_item(format!("{prefix}ci_high"), e.mean + half)?;
    Ok(())
}

fn metric_record<'py>(py: Python<'py>, s: &Summary, m: usize) -> PyResult<Bound<'py, PyDict>> {
    let (def, e) = (&s.metrics[m], &s.estimates[m]);
    let row = PyDict::new(py);
    row.set_item("metric", &def.id)?;
    row.set_item("unit", def.unit)?;
    put_estimate(&row, e, "")?;
    row.set_item("ci95_half_width", e.half_width.unwrap_or(f64::NAN))?;
    row.set_item("n", e.n)?;
    row.set_item("std_dev", e.std_dev)?;
    row.set_item("min", e.min)?;
    row.set_item("max", e.max)?;
    row.set_item("definition", &def.definition)?;
    Ok(row)
}

/// One record per metric of a run.
pub fn metric_rows<'py>(py: Python<'py>, s: &Summary) -> PyResult<Bound<'py, PyList>> {
    let rows = PyList::empty(py);
    for m in 0..s.metrics.len() {
        rows.append(metric_record(py, s, m)?)?;
    }
    Ok(rows)
}

/// The record of metric `id`.
pub fn metric_row<'py>(py: Python<'py>, s: &Summary, id: &str) -> PyResult<Bound<'py, PyDict>> {
    match s.index_of(id) {
        Some(m) => metric_record(py, s, m),
        None => {
            let hint = iotwin::scenario::closest_name(id, s.metrics.iter().map(|m| m.id.as_str()))
                .map_or(String::new(), |g| format!(" (did you mean \"{g}\"?)"));
            Err(PyKeyError::new_err(format!(
                "this run has no metric \"{id}\"{hint}"
            )))
        }
    }
}

/// One record per replication: its index, then each metric's value.
pub fn replication_rows<'py>(py: Python<'py>, s: &Summary) -> PyResult<Bound<'py, PyList>> {
    let ids: Vec<Bound<'py, PyString>> =
        s.metrics.iter().map(|m| PyString::new(py, &m.id)).collect();
    let rows = PyList::empty(py);
    for (r, values) in s.per_replication.iter().enumerate() {
        let row = PyDict::new(py);
        row.set_item("replication", r)?;
        for (id, v) in ids.iter().zip(values) {
            row.set_item(id, *v)?;
        }
        rows.append(row)?;
    }
    Ok(rows)
}

fn better_name(b: Better) -> &'static str {
    match b {
        Better::Higher => "higher",
        Better::Lower => "lower",
        Better::Neither => "neither",
    }
}

/// One record per metric per design, the baseline first with its difference columns NaN.
pub fn comparison_rows<'py>(py: Python<'py>, c: &Comparison) -> PyResult<Bound<'py, PyList>> {
    let rows = PyList::empty(py);
    for m in &c.metrics {
        let designs = std::iter::once((&c.designs[0], &m.baseline, None)).chain(
            c.designs[1..]
                .iter()
                .zip(&m.versus)
                .map(|(d, v)| (d, &v.estimate, Some(v))),
        );
        for (design, estimate, versus) in designs {
            let row = PyDict::new(py);
            row.set_item("metric", &m.id)?;
            row.set_item("unit", m.unit)?;
            row.set_item("better", better_name(m.better))?;
            row.set_item("design", design)?;
            row.set_item("baseline", versus.is_none())?;
            put_estimate(&row, estimate, "")?;
            row.set_item("n", estimate.n)?;
            match versus {
                Some(v) => {
                    let d = &v.difference;
                    let half = d.half_width.unwrap_or(f64::NAN);
                    row.set_item("difference", d.mean)?;
                    row.set_item("difference_ci_low", d.mean - half)?;
                    row.set_item("difference_ci_high", d.mean + half)?;
                    row.set_item("pairs", d.n)?;
                    row.set_item("share_better", v.share_better.unwrap_or(f64::NAN))?;
                    row.set_item("p_better", v.p_better.unwrap_or(f64::NAN))?;
                }
                None => {
                    row.set_item("difference", f64::NAN)?;
                    row.set_item("difference_ci_low", f64::NAN)?;
                    row.set_item("difference_ci_high", f64::NAN)?;
                    row.set_item("pairs", 0)?;
                    row.set_item("share_better", f64::NAN)?;
                    row.set_item("p_better", f64::NAN)?;
                }
            }
            rows.append(row)?;
        }
    }
    Ok(rows)
}

/// A parameter's value `k` as a record holds it: a number on a numeric axis (seconds for
/// durations), else the text as written.
fn parameter_value<'py>(
    py: Python<'py>,
    sweep: &Sweep,
    p: usize,
    k: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let par = &sweep.parameters[p];
    Ok(match par.axis {
        Axis::Number | Axis::Duration => par.x[k].into_pyobject(py)?.into_any(),
        Axis::Category => PyString::new(py, &par.values[k]).into_any(),
    })
}

/// One record per point per metric.
pub fn sweep_rows<'py>(py: Python<'py>, sweep: &Sweep) -> PyResult<Bound<'py, PyList>> {
    let rows = PyList::empty(py);
    for (i, point) in sweep.points.iter().enumerate() {
        let label: Vec<String> = sweep
            .parameters
            .iter()
            .zip(&point.at)
            .map(|(p, &k)| format!("{}={}", p.path, p.values[k]))
            .collect();
        let label = label.join(", ");
        for (def, e) in point.summary.metrics() {
            let row = PyDict::new(py);
            row.set_item("point", i)?;
            for (p, &k) in point.at.iter().enumerate() {
                row.set_item(&sweep.parameters[p].path, parameter_value(py, sweep, p, k)?)?;
            }
            row.set_item("label", &label)?;
            row.set_item("metric", &def.id)?;
            row.set_item("unit", def.unit)?;
            put_estimate(&row, e, "")?;
            row.set_item("n", e.n)?;
            rows.append(row)?;
        }
    }
    Ok(rows)
}

/// One record per limit and line of the sweep.
pub fn crossing_rows<'py>(py: Python<'py>, sweep: &Sweep) -> PyResult<Bound<'py, PyList>> {
    let first = &sweep.parameters[0];
    let value = |k: Option<usize>| k.map(|k| first.values[k].clone());
    let rows = PyList::empty(py);
    for c in sweep.crossings() {
        let limit = &sweep.limits[c.limit];
        let row = PyDict::new(py);
        row.set_item("limit", limit.text())?;
        row.set_item("metric", &limit.metric)?;
        for (p, &k) in c.others.iter().enumerate() {
            row.set_item(
                &sweep.parameters[p + 1].path,
                parameter_value(py, sweep, p + 1, k)?,
            )?;
        }
        row.set_item("mean_first_beyond", value(c.mean))?;
        row.set_item("ci_first_reaches", value(c.ci))?;
        row.set_item("interpolated", c.interpolated)?;
        rows.append(row)?;
    }
    Ok(rows)
}

/// A value as `--set` writes it: text as it is, booleans in RON's spelling, anything else as
/// Python prints it.
fn set_value(v: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(b) = v.extract::<bool>() {
        return Ok(b.to_string());
    }
    if let Ok(s) = v.extract::<String>() {
        return Ok(s);
    }
    Ok(v.str()?.to_string())
}

/// `sweep`'s `set` as the `PATH=V1,V2` arguments of `iotwin sweep --set`: a dict of path to
/// values (a list, or one value), a list of such strings, or one string.
pub fn settings(set: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if let Ok(one) = set.extract::<String>() {
        return Ok(vec![one]);
    }
    if let Ok(dict) = set.cast::<PyDict>() {
        let mut out = vec![];
        for (path, values) in dict.iter() {
            let path: String = path.extract().map_err(|_| {
                PyTypeError::new_err(
                    "set: each key is a path written as a string, e.g. \"fleets[0].count\"",
                )
            })?;
            let values: Vec<String> = if values.is_instance_of::<PyString>()
                || values.extract::<bool>().is_ok()
                || values.try_iter().is_err()
            {
                vec![set_value(&values)?]
            } else {
                values
                    .try_iter()?
                    .map(|v| set_value(&v?))
                    .collect::<PyResult<_>>()?
            };
            out.push(format!("{path}={}", values.join(",")));
        }
        return Ok(out);
    }
    set.extract::<Vec<String>>().map_err(|_| {
        PyTypeError::new_err(
            "set: expected a dict of path to values, e.g. {\"fleets[0].count\": [100, 200]}, or a list of \"PATH=V1,V2\" strings",
        )
    })
}
