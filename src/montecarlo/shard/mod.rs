//! Studies split across processes and machines, and runs that survive interruption.
//!
//! A *study* is a scenario, its compiled options (seed, replication count and whatever else
//! changes a result) and the version of iotwin; [`Study`] names it with a SHA-256 hash.
//! Replication `r` depends only on the study and `r` (every random stream is keyed by
//! (seed, replication, entity, process)), so replications can run anywhere, in any order, and
//! be put back together:
//!
//! - a *shard* ([`Shard`], `--shard INDEX/COUNT`) runs one contiguous block of replications
//!   and writes a [`ShardFile`]: the study, the scenario text, and each replication's metric
//!   values and [`Extras`], exactly (every `f64` round-trips bit for bit, see [`Exact`]);
//! - [`merge`] checks that shard files belong to one study and cover every replication once,
//!   then builds the [`Summary`] an unsharded run builds, in replication order;
//! - a checkpoint (`run` writes one [`ReplicationFile`] per finished replication under a
//!   [`ProgressHeader`]) lets `run --resume` run only what is missing and [`assemble`] the same
//!   summary.
//!
//! Everything here is pure: it encodes, decodes and checks. Files are read and written by
//! `report::shard`.

mod checkpoint;
mod exact;
mod format;
mod merge;
mod replications;
mod study;
mod sweep;

pub use checkpoint::{ProgressHeader, ReplicationFile};
pub use exact::Exact;
pub use format::{FORMAT_VERSION, PROGRESS_FORMAT, REPLICATION_FORMAT, SHARD_FORMAT, ShardFile};
pub use merge::{MergeError, Merged, merge, ranges};
pub use replications::{Replication, assemble, run_replications};
pub use study::{Shard, Study};
pub use sweep::{
    MergedSweep, SWEEP_SHARD_FORMAT, SweepShardFile, SweepStudy, format_of, merge_sweep,
};

#[cfg(doc)]
use super::{Extras, Summary};
