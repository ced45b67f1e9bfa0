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

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::{Extras, Mode, RunError, RunOptions, Summary};
use crate::scenario::{self, Deployment, ScenarioError};

/// Version of the shard and checkpoint file formats; a reader refuses any other.
pub const FORMAT_VERSION: u32 = 2;
/// The `format` field of a shard file.
pub const SHARD_FORMAT: &str = "iotwin-shard";
/// The `format` field of a checkpoint's header.
pub const PROGRESS_FORMAT: &str = "iotwin-progress";
/// The `format` field of one replication in a checkpoint.
pub const REPLICATION_FORMAT: &str = "iotwin-replication";

/// One of `count` shards of a study, numbered from 0. Shard `index` runs the contiguous block
/// of replications `index·R/count .. (index+1)·R/count` (integer division), so the blocks
/// cover `0..R` once, in order, and differ in size by at most one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The replications this shard runs, out of `total`.
    pub fn replications(&self, total: u32) -> Range<u64> {
        let (i, n, t) = (self.index as u64, self.count as u64, total as u64);
        i * t / n..(i + 1) * t / n
    }

    /// `shard-0003-of-0010.json`: sorts in shard order for up to 9,999 shards.
    pub fn file_name(&self) -> String {
        format!("shard-{:04}-of-{:04}.json", self.index, self.count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Reads `INDEX/COUNT`, with `0 <= INDEX < COUNT`; the message says what was expected.
    fn from_str(s: &str) -> Result<Shard, String> {
        let expected = "expected INDEX/COUNT, two whole numbers with 0 <= INDEX < COUNT, \
                        e.g. --shard 3/10 for the fourth of ten shards";
        let (index, count) = s
            .split_once('/')
            .ok_or_else(|| format!("no '/' in \"{s}\": {expected}"))?;
        let number = |part: &str, what: &str| -> Result<u32, String> {
            part.trim()
                .parse::<u32>()
                .map_err(|_| format!("{what} \"{part}\" is not a whole number: {expected}"))
        };
        let (index, count) = (number(index, "INDEX")?, number(count, "COUNT")?);
        if count == 0 {
            return Err(format!("COUNT is 0: {expected}"));
        }
        if index >= count {
            return Err(format!(
                "INDEX {index} is not below COUNT {count}: shards are numbered from 0, so the \
                 shards of {count} are 0/{count} to {}/{count}",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }
}

/// What a study is: two sets of replications can be put together only if their `Study` is
/// equal. `hash` covers the scenario text and the compiled deployment with the run's options
/// applied (seed, replication count, and anything else that changes a result), so it is the
/// same wherever the scenario file lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Study {
    pub iotwin_version: String,
    /// `sha256:` and 64 hex digits.
    pub hash: String,
    pub scenario: String,
    pub seed: u64,
    pub replications: u32,
    /// The mode the replications run in, `packet` or `flow` (resolved: never `auto`).
    pub mode: String,
    /// Metric ids, in column order.
    pub metrics: Vec<String>,
}

impl Study {
    /// The study of running `dep` (compiled from `source`) with `opts`.
    pub fn new(dep: &Deployment, source: &str, opts: &RunOptions) -> Study {
        let dep = super::with_options(dep, opts);
        let mode = super::resolve_mode(&dep, opts.mode).unwrap_or(Mode::Packet);
        Study {
            iotwin_version: env!("CARGO_PKG_VERSION").to_string(),
            hash: study_hash(&dep, source, mode),
            mode: mode.name().to_string(),
            scenario: dep.name.clone(),
            seed: dep.seed,
            replications: dep.replications,
            metrics: crate::metrics::catalog(&dep)
                .into_iter()
                .map(|m| m.id)
                .collect(),
        }
    }

    /// How `other` differs from `self`, one `field theirs (LABEL: ours)` per field, e.g.
    /// `seed 7 (first file: 5)`.
    pub fn differences(&self, other: &Study, label: &str) -> Vec<String> {
        let mut out = vec![];
        let mut field = |name: &str, ours: String, theirs: String| {
            if ours != theirs {
                out.push(format!("{name} {theirs} ({label}: {ours})"));
            }
        };
        field(
            "iotwin version",
            self.iotwin_version.clone(),
            other.iotwin_version.clone(),
        );
        field(
            "scenario",
            format!("\"{}\"", self.scenario),
            format!("\"{}\"", other.scenario),
        );
        field("seed", self.seed.to_string(), other.seed.to_string());
        field(
            "replications",
            self.replications.to_string(),
            other.replications.to_string(),
        );
        field("mode", self.mode.clone(), other.mode.clone());
        field("scenario hash", self.hash.clone(), other.hash.clone());
        if self.metrics != other.metrics {
            out.push("metric columns".to_string());
        }
        out
    }
}

/// SHA-256 of the scenario text and of the compiled deployment (its `Debug` form, which holds
/// every compiled value: horizon, seed, replication count, fleets, prices). Assertions are left
/// out: they judge a result but do not change it, and they carry the file name.
fn study_hash(dep: &Deployment, source: &str, mode: Mode) -> String {
    let mut compiled = dep.clone();
    compiled.expectations.clear();
    let compiled = format!("{compiled:?}");
    let mut h = Sha256::new();
    h.update(b"iotwin study\n");
    h.update(FORMAT_VERSION.to_le_bytes());
    for part in [
        source.as_bytes(),
        compiled.as_bytes(),
        mode.name().as_bytes(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// One finished replication: its metric values (columns of [`Study::metrics`]) and extras.
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
    let dep = super::with_options(dep, opts);
    let mode = super::resolve_mode(&dep, opts.mode).map_err(RunError::FlowUnsupported)?;
    let rows = super::replicate_recorded(&dep, reps, mode, opts, on_done, &|_| None, &|r, row| {
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

/// The summary of a study from its replications, exactly as [`super::run`] makes it: `rows`
/// must hold replications `0..R` once each (the order given does not matter: they are reduced
/// in replication order).
pub fn assemble(
    dep: &Deployment,
    opts: &RunOptions,
    rows: impl IntoIterator<Item = Replication>,
) -> Result<Summary, MergeError> {
    let dep = super::with_options(dep, opts);
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
    let mode = super::resolve_mode(&dep, opts.mode).unwrap_or(Mode::Packet);
    Ok(super::summarise(&dep, mode, rows))
}

/// A shard's result file: self-describing, so `merge` needs nothing else.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardFile {
    pub study: Study,
    /// `None` for a file holding a whole study.
    pub shard: Option<Shard>,
    /// Where the scenario was read from, for people (not part of the study).
    pub scenario_path: String,
    /// The scenario text, compiled again by `merge` for the report.
    pub scenario_source: String,
    /// In replication order.
    pub rows: Vec<Replication>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShardDoc {
    format: String,
    format_version: u32,
    study: Study,
    shard: Option<Shard>,
    scenario_path: String,
    scenario_source: String,
    rows: Vec<RowDoc>,
}

/// Only the fields every version has, to refuse another format before reading the rest.
#[derive(Deserialize)]
struct Probe {
    format: Option<String>,
    format_version: Option<u32>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowDoc {
    replication: u64,
    values: Vec<Exact>,
    extras: ExtrasDoc,
    /// SHA-256 of the row (this field empty) and its study's hash: an edited, truncated or
    /// `null`ed value no longer matches, so a damaged row is refused before anything runs.
    sha256: String,
}

impl RowDoc {
    /// The row of `r`, sealed with its checksum under `key` (the study hash).
    fn sealed(r: &Replication, key: &str) -> RowDoc {
        let mut doc = RowDoc::from(r);
        doc.sha256 = doc.checksum(key);
        doc
    }

    fn checksum(&self, key: &str) -> String {
        let body = RowBody {
            replication: self.replication,
            values: &self.values,
            extras: &self.extras,
        };
        let mut h = Sha256::new();
        h.update(key.as_bytes());
        h.update(b"\n");
        h.update(serde_json::to_string(&body).unwrap_or_default().as_bytes());
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }

    /// The replication, if its checksum under `key` holds and it has `columns` values.
    fn open(self, key: &str, columns: Option<usize>) -> Result<Replication, String> {
        let r = self.replication;
        if self.checksum(key) != self.sha256 {
            return Err(format!(
                "replication {r}: its values do not match their checksum (the file was edited or damaged after iotwin wrote it)"
            ));
        }
        if let Some(n) = columns.filter(|&n| n != self.values.len()) {
            return Err(format!(
                "replication {r}: {} values where the study has {n} metrics",
                self.values.len()
            ));
        }
        Ok(Replication::from(self))
    }
}

/// What a row's checksum covers: everything but the checksum.
#[derive(Serialize)]
struct RowBody<'a> {
    replication: u64,
    values: &'a [Exact],
    extras: &'a ExtrasDoc,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtrasDoc {
    series: Vec<[u64; 2]>,
    interruptions_s: Vec<Exact>,
    device_failures: u64,
    gateway_failures: u64,
    carrier_messages: Vec<u64>,
    first_failures: Vec<u64>,
    devices: u64,
    #[serde(default)]
    battery_first_depletions: Vec<u64>,
    #[serde(default)]
    battery_devices: u64,
}

impl From<&Replication> for RowDoc {
    fn from(r: &Replication) -> RowDoc {
        RowDoc {
            replication: r.index,
            values: r.values.iter().map(|&v| Exact(v)).collect(),
            extras: ExtrasDoc {
                series: r.extras.series.clone(),
                interruptions_s: r.extras.interruptions_s.iter().map(|&v| Exact(v)).collect(),
                device_failures: r.extras.device_failures,
                gateway_failures: r.extras.gateway_failures,
                carrier_messages: r.extras.carrier_messages.clone(),
                first_failures: r.extras.first_failures.clone(),
                devices: r.extras.devices,
                battery_first_depletions: r.extras.battery_first_depletions.clone(),
                battery_devices: r.extras.battery_devices,
            },
            sha256: String::new(),
        }
    }
}

impl From<RowDoc> for Replication {
    fn from(d: RowDoc) -> Replication {
        Replication {
            index: d.replication,
            values: d.values.into_iter().map(|v| v.0).collect(),
            extras: Extras {
                series: d.extras.series,
                interruptions_s: d.extras.interruptions_s.into_iter().map(|v| v.0).collect(),
                device_failures: d.extras.device_failures,
                gateway_failures: d.extras.gateway_failures,
                carrier_messages: d.extras.carrier_messages,
                first_failures: d.extras.first_failures,
                devices: d.extras.devices,
                battery_first_depletions: d.extras.battery_first_depletions,
                battery_devices: d.extras.battery_devices,
            },
        }
    }
}

/// An `f64` that survives JSON bit for bit: a finite value is a JSON number (shortest
/// round-trip form; read back exactly, serde_json's `float_roundtrip`), `f64::NAN` — the value
/// of an undefined metric — is `null`, and any other value JSON cannot hold (infinities, NaNs
/// with other bits) is a string of its bits in hex, `"0x7ff0000000000000"`.
#[derive(Clone, Copy, Debug)]
pub struct Exact(pub f64);

impl Serialize for Exact {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() {
            s.serialize_f64(v)
        } else if v.to_bits() == f64::NAN.to_bits() {
            s.serialize_none()
        } else {
            s.serialize_str(&format!("0x{:016x}", v.to_bits()))
        }
    }
}

impl<'de> Deserialize<'de> for Exact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Exact, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Exact;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, null (undefined) or a hex string of bits like \"0x7ff0000000000000\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Exact, E> {
                Ok(Exact(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Exact, E> {
                Ok(Exact(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Exact, E> {
                Ok(Exact(v as f64))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Exact, E> {
                Ok(Exact(f64::NAN))
            }
            fn visit_none<E: de::Error>(self) -> Result<Exact, E> {
                Ok(Exact(f64::NAN))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Exact, E> {
                s.strip_prefix("0x")
                    .filter(|h| h.len() == 16)
                    .and_then(|h| u64::from_str_radix(h, 16).ok())
                    .map(|bits| Exact(f64::from_bits(bits)))
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads JSON into `T`, naming the field that is wrong (`rows[3].values[7]: ...`).
fn read_json<T: for<'de> Deserialize<'de>>(bytes: &[u8], format: &str) -> Result<T, String> {
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    match (probe.format.as_deref(), probe.format_version) {
        (Some(f), _) if f != format => {
            return Err(format!("a file of format \"{f}\", not \"{format}\""));
        }
        (None, _) => return Err(format!("no \"format\" field: not an iotwin {format} file")),
        (_, Some(v)) if v != FORMAT_VERSION => {
            return Err(format!(
                "format version {v}; this iotwin reads version {FORMAT_VERSION}"
            ));
        }
        _ => {}
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        format!("at {path}: {}", e.into_inner())
    })
}

/// JSON with the header indented and each row on one line: readable with `head`, compact.
fn with_rows(mut header: String, rows: &[RowDoc]) -> String {
    // `header` was serialised with an empty `rows` as its last field.
    let tail = "[]\n}";
    if header.ends_with(tail) {
        header.truncate(header.len() - tail.len());
    }
    header.push('[');
    for (i, row) in rows.iter().enumerate() {
        header.push_str(if i == 0 { "\n    " } else { ",\n    " });
        header.push_str(&serde_json::to_string(row).unwrap_or_default());
    }
    header.push_str(if rows.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    header
}

impl ShardFile {
    pub fn to_json(&self) -> String {
        let doc = ShardDoc {
            format: SHARD_FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            study: self.study.clone(),
            shard: self.shard,
            scenario_path: self.scenario_path.clone(),
            scenario_source: self.scenario_source.clone(),
            rows: vec![],
        };
        let rows: Vec<RowDoc> = self
            .rows
            .iter()
            .map(|r| RowDoc::sealed(r, &self.study.hash))
            .collect();
        with_rows(
            serde_json::to_string_pretty(&doc).unwrap_or_default(),
            &rows,
        )
    }

    pub fn from_json(bytes: &[u8]) -> Result<ShardFile, String> {
        let doc: ShardDoc = read_json(bytes, SHARD_FORMAT)?;
        let columns = doc.study.metrics.len();
        let rows = doc
            .rows
            .into_iter()
            .map(|r| r.open(&doc.study.hash, Some(columns)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ShardFile {
            study: doc.study,
            shard: doc.shard,
            scenario_path: doc.scenario_path,
            scenario_source: doc.scenario_source,
            rows,
        })
    }
}

/// The header of a checkpoint directory: which study (and shard) its replications belong to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressHeader {
    pub format: String,
    pub format_version: u32,
    pub study: Study,
    pub shard: Option<Shard>,
}

impl ProgressHeader {
    pub fn new(study: Study, shard: Option<Shard>) -> ProgressHeader {
        ProgressHeader {
            format: PROGRESS_FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            study,
            shard,
        }
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn from_json(bytes: &[u8]) -> Result<ProgressHeader, String> {
        read_json(bytes, PROGRESS_FORMAT)
    }
}

/// One finished replication in a checkpoint, tied to its study by the hash.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplicationDoc {
    format: String,
    format_version: u32,
    study_hash: String,
    row: RowDoc,
}

/// One finished replication of a checkpoint, as read or to be written.
pub struct ReplicationFile;

impl ReplicationFile {
    pub fn to_json(study_hash: &str, row: &Replication) -> String {
        let doc = ReplicationDoc {
            format: REPLICATION_FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            study_hash: study_hash.to_string(),
            row: RowDoc::sealed(row, study_hash),
        };
        let mut text = serde_json::to_string(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The hash of the study the file belongs to, and its replication unless the row fails
    /// its checksum (the study is named first, so a file of another study is called that).
    pub fn from_json(bytes: &[u8]) -> Result<(String, Result<Replication, String>), String> {
        let doc: ReplicationDoc = read_json(bytes, REPLICATION_FORMAT)?;
        let row = doc.row.open(&doc.study_hash, None);
        Ok((doc.study_hash, row))
    }
}

/// Why shard files cannot be merged (or a checkpoint not assembled).
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no shard files to merge")]
    NoFiles,
    #[error("{file} was written by iotwin {found}; this is iotwin {ours}")]
    Version {
        file: String,
        found: String,
        ours: String,
    },
    #[error("{file} is not of the same study as {first}: {}", differences.join(", "))]
    Differs {
        file: String,
        first: String,
        differences: Vec<String>,
    },
    #[error("{file}: the scenario stored in it no longer compiles: {source}")]
    Scenario {
        file: String,
        source: Box<ScenarioError>,
    },
    #[error("{file}: the stored scenario does not match the study's hash {hash}")]
    Hash { file: String, hash: String },
    #[error("{file}: a replication has {found} metric values, expected {expected}")]
    Columns {
        file: String,
        found: usize,
        expected: usize,
    },
    #[error("{}", coverage_message(missing, duplicated, beyond, *total, missing_shards))]
    Coverage {
        /// Replication ranges no file holds, e.g. `3-5, 9`.
        missing: String,
        /// Each range held more than once, with the files holding it.
        duplicated: Vec<(String, Vec<String>)>,
        /// Replications at or past the study's count.
        beyond: String,
        total: u64,
        /// The shards (`I/N`) that would run the missing replications, when every file is a
        /// shard of the same count.
        missing_shards: Vec<String>,
    },
}

fn coverage_message(
    missing: &str,
    duplicated: &[(String, Vec<String>)],
    beyond: &str,
    total: u64,
    missing_shards: &[String],
) -> String {
    let mut parts = vec![];
    if !missing.is_empty() {
        let shards = match missing_shards.len() {
            0 => String::new(),
            1 => format!(" (shard {})", missing_shards[0]),
            _ => format!(" (shards {})", missing_shards.join(", ")),
        };
        parts.push(format!(
            "replications {missing} of 0-{} are missing{shards}",
            total.saturating_sub(1)
        ));
    }
    for (range, files) in duplicated {
        if files.is_empty() {
            parts.push(format!("replications {range} appear more than once"));
        } else {
            parts.push(format!(
                "replications {range} are in more than one file: {}",
                files.join(", ")
            ));
        }
    }
    if !beyond.is_empty() {
        parts.push(format!(
            "replications {beyond} are past the study's {total} replications"
        ));
    }
    parts.join("; ")
}

impl MergeError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            MergeError::NoFiles => "name the shard files, e.g. iotwin merge shards/shard-*.json --out report".into(),
            MergeError::Version { .. } => "merge with the iotwin version that ran the shards, or run them again with this one".into(),
            MergeError::Differs { .. } => "merge only the shards of one study: same scenario file, seed and replication count (run with the same `iotwin run ... --shard I/N` options)".into(),
            MergeError::Scenario { .. } | MergeError::Hash { .. } | MergeError::Columns { .. } => {
                "the file was edited or damaged: run that shard again".into()
            }
            MergeError::Coverage {
                missing,
                duplicated,
                missing_shards,
                ..
            } => {
                let mut hints = vec![];
                if !missing.is_empty() {
                    hints.push(match missing_shards.first() {
                        Some(s) => format!(
                            "run the missing shards (`iotwin run SCENARIO --shard {s}` with the options of the others) and merge again"
                        ),
                        None => "run the missing shards (`iotwin run SCENARIO --shard I/N`) and merge again".to_string(),
                    });
                }
                if !duplicated.is_empty() {
                    hints.push("give each shard's file once (a shard run twice gives the same file)".to_string());
                }
                if hints.is_empty() {
                    hints.push("merge only the shards of one study".to_string());
                }
                hints.join("; ")
            }
        }
    }
}

/// `0-4, 7, 9-10`: sorted replication numbers as ranges.
pub fn ranges(reps: &[u64]) -> String {
    let mut out: Vec<String> = vec![];
    let mut i = 0;
    while i < reps.len() {
        let start = reps[i];
        let mut end = start;
        while i + 1 < reps.len() && reps[i + 1] == end + 1 {
            i += 1;
            end = reps[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(", ")
}

/// What [`merge`] gives: the scenario compiled from the shards and the study's summary.
pub struct Merged {
    pub deployment: Deployment,
    pub summary: Summary,
}

/// Puts shard files (each with the name to call it by) together into the summary of their
/// study, exactly as an unsharded run makes it. Refuses files of different studies or of
/// another iotwin version, and any replication missing or held twice, naming files and ranges.
pub fn merge(files: Vec<(String, ShardFile)>) -> Result<Merged, MergeError> {
    let (first_name, first) = files.first().ok_or(MergeError::NoFiles)?;
    let ours = env!("CARGO_PKG_VERSION");
    for (name, file) in &files {
        if file.study.iotwin_version != ours {
            return Err(MergeError::Version {
                file: name.clone(),
                found: file.study.iotwin_version.clone(),
                ours: ours.to_string(),
            });
        }
    }
    for (name, file) in &files[1..] {
        let differences = first.study.differences(&file.study, first_name);
        if !differences.is_empty() {
            return Err(MergeError::Differs {
                file: name.clone(),
                first: first_name.clone(),
                differences,
            });
        }
    }
    let label = format!("{first_name} (its stored scenario)");
    let dep = scenario::compile_source(&first.scenario_source, &label).map_err(|e| {
        MergeError::Scenario {
            file: first_name.clone(),
            source: Box::new(e),
        }
    })?;
    let opts = RunOptions {
        replications: Some(first.study.replications),
        seed: Some(first.study.seed),
        threads: None,
        mode: if first.study.mode == Mode::Flow.name() {
            Mode::Flow
        } else {
            Mode::Packet
        },
    };
    let study = Study::new(&dep, &first.scenario_source, &opts);
    if study.hash != first.study.hash || study.metrics != first.study.metrics {
        return Err(MergeError::Hash {
            file: first_name.clone(),
            hash: first.study.hash.clone(),
        });
    }
    // Who holds each replication.
    let total = first.study.replications as u64;
    let mut holders: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (f, (name, file)) in files.iter().enumerate() {
        for row in &file.rows {
            if row.values.len() != study.metrics.len() {
                return Err(MergeError::Columns {
                    file: name.clone(),
                    found: row.values.len(),
                    expected: study.metrics.len(),
                });
            }
            holders.entry(row.index).or_default().push(f);
        }
    }
    let missing: Vec<u64> = (0..total).filter(|r| !holders.contains_key(r)).collect();
    let beyond: Vec<u64> = holders.range(total..).map(|(&r, _)| r).collect();
    // Consecutive replications held by the same files form one range.
    let mut duplicated: Vec<(Vec<u64>, Vec<usize>)> = vec![];
    for (&r, who) in holders.iter().filter(|(_, who)| who.len() > 1) {
        match duplicated.last_mut() {
            Some((reps, files)) if files == who && reps.last() == Some(&(r - 1)) => reps.push(r),
            _ => duplicated.push((vec![r], who.clone())),
        }
    }
    if !missing.is_empty() || !duplicated.is_empty() || !beyond.is_empty() {
        // With every file a shard of one count, name the shards whose blocks are missing.
        let count = files[0].1.shard.map(|s| s.count);
        let same_count = files.iter().all(|(_, f)| f.shard.map(|s| s.count) == count);
        let missing_shards = match count {
            Some(count) if same_count => (0..count)
                .map(|index| Shard { index, count })
                .filter(|s| {
                    let block = s.replications(first.study.replications);
                    missing.iter().any(|r| block.contains(r))
                })
                .map(|s| s.to_string())
                .collect(),
            _ => vec![],
        };
        return Err(MergeError::Coverage {
            missing_shards,
            missing: ranges(&missing),
            duplicated: duplicated
                .into_iter()
                .map(|(reps, who)| {
                    let names = who.iter().map(|&f| files[f].0.clone()).collect();
                    (ranges(&reps), names)
                })
                .collect(),
            beyond: ranges(&beyond),
            total,
        });
    }
    let rows = files.into_iter().flat_map(|(_, file)| file.rows);
    let summary = assemble(&dep, &opts, rows)?;
    Ok(Merged {
        deployment: super::with_options(&dep, &opts),
        summary,
    })
}

/// The `format` field of a sweep's shard file.
pub const SWEEP_SHARD_FORMAT: &str = "iotwin-sweep-shard";

/// The `format` field of a JSON file, if it has one (to tell a sweep's shard from a run's).
pub fn format_of(bytes: &[u8]) -> Option<String> {
    serde_json::from_slice::<Probe>(bytes).ok()?.format
}

/// What a sweep study is: two sweep shard files can be merged only if their `SweepStudy` is
/// equal. `hash` covers the scenario text, the `--set`s and limits as written, and every
/// point's [`Study`] hash (its compiled deployment with the run's options: seed, replication
/// count, mode).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepStudy {
    pub iotwin_version: String,
    /// `sha256:` and 64 hex digits.
    pub hash: String,
    pub scenario: String,
    pub seed: u64,
    /// Replications of every point.
    pub replications: u32,
    /// Each point's mode, `packet` or `flow`, comma-separated when they differ.
    pub mode: String,
    /// The `--set PATH=V1,V2,...` arguments, as given.
    pub sets: Vec<String>,
    /// The limits, `METRIC<=VALUE` (the default one when none was given).
    pub limits: Vec<String>,
    pub points: u32,
}

impl SweepStudy {
    /// The study of a sweep of `source` over `sets` with `limits`, whose points (in run order)
    /// are the studies `points`.
    pub fn new(
        source: &str,
        sets: &[String],
        limits: &[String],
        points: &[Study],
        scenario: &str,
    ) -> SweepStudy {
        let mut h = Sha256::new();
        h.update(b"iotwin sweep study\n");
        h.update(FORMAT_VERSION.to_le_bytes());
        let parts = std::iter::once(source)
            .chain(sets.iter().map(String::as_str))
            .chain(std::iter::once("--limits"))
            .chain(limits.iter().map(String::as_str))
            .chain(std::iter::once("--points"))
            .chain(points.iter().map(|p| p.hash.as_str()));
        for part in parts {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let mut modes: Vec<&str> = vec![];
        for p in points {
            if !modes.contains(&p.mode.as_str()) {
                modes.push(&p.mode);
            }
        }
        SweepStudy {
            iotwin_version: env!("CARGO_PKG_VERSION").to_string(),
            hash: format!("sha256:{hex}"),
            scenario: scenario.to_string(),
            seed: points.first().map_or(0, |p| p.seed),
            replications: points.first().map_or(0, |p| p.replications),
            mode: modes.join(","),
            sets: sets.to_vec(),
            limits: limits.to_vec(),
            points: points.len() as u32,
        }
    }

    /// How `other` differs from `self`, one `field theirs (LABEL: ours)` per field.
    pub fn differences(&self, other: &SweepStudy, label: &str) -> Vec<String> {
        let mut out = vec![];
        let mut field = |name: &str, ours: String, theirs: String| {
            if ours != theirs {
                out.push(format!("{name} {theirs} ({label}: {ours})"));
            }
        };
        field(
            "iotwin version",
            self.iotwin_version.clone(),
            other.iotwin_version.clone(),
        );
        field(
            "scenario",
            format!("\"{}\"", self.scenario),
            format!("\"{}\"", other.scenario),
        );
        field("seed", self.seed.to_string(), other.seed.to_string());
        field(
            "replications",
            self.replications.to_string(),
            other.replications.to_string(),
        );
        field("mode", self.mode.clone(), other.mode.clone());
        field("--set", self.sets.join(" "), other.sets.join(" "));
        field("limits", self.limits.join(" "), other.limits.join(" "));
        field("study hash", self.hash.clone(), other.hash.clone());
        out
    }
}

/// A sweep shard's result file: for every point of the grid, the same block of replications
/// ([`Shard::replications`]), so every shard does an equal share of every point's work.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepShardFile {
    pub study: SweepStudy,
    pub shard: Shard,
    /// Where the scenario was read from, for people and error messages.
    pub scenario_path: String,
    /// The scenario text, planned again by `merge`.
    pub scenario_source: String,
    /// Per point in run order, the shard's replications in replication order.
    pub points: Vec<Vec<Replication>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepShardDoc {
    format: String,
    format_version: u32,
    study: SweepStudy,
    shard: Shard,
    scenario_path: String,
    scenario_source: String,
    points: Vec<Vec<RowDoc>>,
}

impl SweepShardFile {
    pub fn to_json(&self) -> String {
        let doc = SweepShardDoc {
            format: SWEEP_SHARD_FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            study: self.study.clone(),
            shard: self.shard,
            scenario_path: self.scenario_path.clone(),
            scenario_source: self.scenario_source.clone(),
            points: self
                .points
                .iter()
                .map(|rows| {
                    rows.iter()
                        .map(|r| RowDoc::sealed(r, &self.study.hash))
                        .collect()
                })
                .collect(),
        };
        let mut text = serde_json::to_string(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn from_json(bytes: &[u8]) -> Result<SweepShardFile, String> {
        let doc: SweepShardDoc = read_json(bytes, SWEEP_SHARD_FORMAT)?;
        let key = doc.study.hash.clone();
        let points = doc
            .points
            .into_iter()
            .map(|rows| {
                rows.into_iter()
                    .map(|r| r.open(&key, None))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SweepShardFile {
            study: doc.study,
            shard: doc.shard,
            scenario_path: doc.scenario_path,
            scenario_source: doc.scenario_source,
            points,
        })
    }
}

/// The first sweep shard file and every point's replications from all files.
pub type MergedSweep = (SweepShardFile, Vec<Vec<Replication>>);

/// Checks that sweep shard `files` (labelled by path) are of one study, with one shard count,
/// every shard once; returns the first file's study, path and source and every point's rows.
/// The message of an error names the file and field that differ, or the shards missing with
/// the command that runs them.
pub fn merge_sweep(files: Vec<(String, SweepShardFile)>) -> Result<MergedSweep, (String, String)> {
    let mut files = files.into_iter();
    let Some((first_label, first)) = files.next() else {
        return Err((
            "no shard files to merge".to_string(),
            "name the files `iotwin sweep --shard I/N` writes".to_string(),
        ));
    };
    let mut points: Vec<Vec<Replication>> = first.points.clone();
    let mut seen = vec![(first.shard.index, first_label.clone())];
    for (label, file) in files {
        let differences = first.study.differences(&file.study, "first file");
        if !differences.is_empty() {
            return Err((
                format!(
                    "{label} is not of the same sweep as {first_label}: {}",
                    differences.join(", ")
                ),
                "merge only the shards of one `iotwin sweep` command (same scenario, --set, --limit, seed and replications)".to_string(),
            ));
        }
        if file.shard.count != first.shard.count {
            return Err((
                format!(
                    "{label} is shard {} but {first_label} is shard {}: one sweep split two ways",
                    file.shard, first.shard
                ),
                "merge the shards of one --shard I/N split".to_string(),
            ));
        }
        if let Some((_, other)) = seen.iter().find(|(i, _)| *i == file.shard.index) {
            return Err((
                format!("shard {} is given twice: {other} and {label}", file.shard),
                "name each shard file once".to_string(),
            ));
        }
        if file.points.len() != points.len() {
            return Err((
                format!(
                    "{label} holds {} points, {first_label} {}",
                    file.points.len(),
                    points.len()
                ),
                "the file is damaged: run its shard again".to_string(),
            ));
        }
        seen.push((file.shard.index, label));
        for (all, rows) in points.iter_mut().zip(file.points) {
            all.extend(rows);
        }
    }
    let count = first.shard.count;
    let missing: Vec<u32> = (0..count)
        .filter(|i| !seen.iter().any(|(s, _)| s == i))
        .collect();
    if !missing.is_empty() {
        let sets: String = first
            .study
            .sets
            .iter()
            .map(|s| format!(" --set '{s}'"))
            .chain(first.study.limits.iter().map(|l| format!(" --limit '{l}'")))
            .collect();
        let commands: Vec<String> = missing
            .iter()
            .map(|i| {
                format!(
                    "iotwin sweep {}{sets} --seed {} --replications {} --shard {i}/{count}",
                    first.scenario_path, first.study.seed, first.study.replications
                )
            })
            .collect();
        let names: Vec<String> = missing.iter().map(|i| format!("{i}/{count}")).collect();
        return Err((
            format!(
                "shard{} {} of this sweep {} missing",
                if missing.len() == 1 { "" } else { "s" },
                names.join(", "),
                if missing.len() == 1 { "is" } else { "are" }
            ),
            format!("run {}", commands.join(" ; ")),
        ));
    }
    Ok((first, points))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_replication_once_in_order() {
        for total in [0u32, 1, 2, 7, 10, 101] {
            for count in 1..=12u32 {
                let covered: Vec<u64> = (0..count)
                    .flat_map(|index| Shard { index, count }.replications(total))
                    .collect();
                assert_eq!(covered, (0..total as u64).collect::<Vec<_>>());
            }
        }
        assert_eq!(
            Shard {
                index: 3,
                count: 10
            }
            .replications(100),
            30..40
        );
    }

    #[test]
    fn shard_syntax_errors_say_what_was_expected() {
        assert_eq!(
            "3/10".parse::<Shard>(),
            Ok(Shard {
                index: 3,
                count: 10
            })
        );
        for bad in ["3/2", "0/0", "a/b", "3", "-1/4", "2/2"] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(
                e.contains("--shard 3/10") || e.contains("numbered from 0"),
                "{bad}: {e}"
            );
        }
        assert!("2/2".parse::<Shard>().unwrap_err().contains("0/2 to 1/2"));
    }

    #[test]
    fn ranges_read_like_a_person_writes_them() {
        assert_eq!(ranges(&[0, 1, 2, 4, 6, 7]), "0-2, 4, 6-7");
        assert_eq!(ranges(&[]), "");
    }

    fn round_trip(v: f64) -> f64 {
        let text = serde_json::to_string(&Exact(v)).unwrap();
        serde_json::from_str::<Exact>(&text).unwrap().0
    }

    #[test]
    fn every_f64_round_trips_bit_for_bit() {
        let odd_nan = f64::from_bits(0xfff8_0000_0000_0001);
        for v in [
            0.0,
            -0.0,
            1.0,
            0.1,
            1.0 / 3.0,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            f64::NAN,
            -f64::NAN,
            odd_nan,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(round_trip(v).to_bits(), v.to_bits(), "{v:e}");
        }
        assert_eq!(serde_json::to_string(&Exact(f64::NAN)).unwrap(), "null");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bits_round_trip(bits: u64) {
            let v = f64::from_bits(bits);
            proptest::prop_assert_eq!(round_trip(v).to_bits(), bits);
        }
    }
}
