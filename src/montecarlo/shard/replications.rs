//! Replications as units of work: any set of them run in parallel (each handed to a hook as it
//! finishes, e.g. to checkpoint it), and a study's replications, in any order, assembled into
//! the summary a plain run makes.

use std::collections::BTreeMap;

use super::super::{Extras, Mode, RunError, RunOptions, Summary};
use super::merge::{MergeError, ranges};
use crate::scenario::Deployment;

/// One finished replication: its metric values (columns of
/// [`Study::metrics`](super::Study::metrics)) and extras.
#[derive(Clone, Debug, PartialEq)]
pub struct Replication {
    pub index: u64,
    pub values: Vec<f64>,
    pub extras: Extras,
}

/// Runs replications `reps` of `dep` with `opts` in parallel; `record` hears each one as it
/// finishes (from the thread that ran it), e.g. to write it to a checkpoint, and an error from
/// it stops the run. Returns them in the order of `reps`.
pub fn run_replications(
    dep: &Deployment,
    opts: &RunOptions,
    reps: &[u64],
    on_done: &(dyn Fn() + Sync),
    record: &(dyn Fn(&Replication) -> Result<(), String> + Sync),
) -> Result<Vec<Replication>, RunError> {
    let dep = super::super::with_options(dep, opts);
    let mode = super::super::resolve_mode(&dep, opts.mode).map_err(RunError::FlowUnsupported)?;
    let rows =
        super::super::replicate_recorded(&dep, reps, mode, opts, on_done, &|_| None, &|r, row| {
            record(&Replication {
                index: r,
                values: row.0.clone(),
                extras: row.1.clone(),
            })
        })?;
    Ok(reps
        .iter()
        .zip(rows)
        .map(|(&index, (values, extras))| Replication {
            index,
            values,
            extras,
        })
        .collect())
}

/// The summary of a study from its replications, exactly as [`super::super::run`] makes it: `rows`
/// must hold replications `0..R` once each (the order given does not matter: they are reduced
/// in replication order).
pub fn assemble(
    dep: &Deployment,
    opts: &RunOptions,
    rows: impl IntoIterator<Item = Replication>,
) -> Result<Summary, MergeError> {
    let dep = super::super::with_options(dep, opts);
    let columns = crate::metrics::catalog(&dep).len();
    let mut by_index = BTreeMap::new();
    let mut duplicated = vec![];
    for row in rows {
        if row.values.len() != columns {
            return Err(MergeError::Columns {
                file: format!("replication {}", row.index),
                found: row.values.len(),
                expected: columns,
            });
        }
        let index = row.index;
        if by_index.insert(index, row).is_some() {
            duplicated.push(index);
        }
    }
    duplicated.sort_unstable();
    duplicated.dedup();
    let total = dep.replications as u64;
    let missing: Vec<u64> = (0..total).filter(|r| !by_index.contains_key(r)).collect();
    let extra: Vec<u64> = by_index.range(total..).map(|(&r, _)| r).collect();
    if !missing.is_empty() || !extra.is_empty() || !duplicated.is_empty() {
        return Err(MergeError::Coverage {
            missing: ranges(&missing),
            duplicated: if duplicated.is_empty() {
                vec![]
            } else {
                vec![(ranges(&duplicated), vec![])]
            },
            beyond: ranges(&extra),
            total,
            missing_shards: vec![],
        });
    }
    let rows = by_index
        .into_values()
        .map(|r| (r.values, r.extras))
        .collect();
    let mode = super::super::resolve_mode(&dep, opts.mode).unwrap_or(Mode::Packet);
    Ok(super::super::summarise(&dep, mode, rows))
}
