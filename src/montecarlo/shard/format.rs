//! The JSON files a study's replications travel in: a shard's result file ([`ShardFile`]), and
//! the rows inside it and a checkpoint, each sealed with a checksum under its study's hash.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::super::Extras;
use super::exact::Exact;
use super::replications::Replication;
use super::study::{Shard, Study};

/// Version of the shard and checkpoint file formats; a reader refuses any other.
pub const FORMAT_VERSION: u32 = 2;
/// The `format` field of a shard file.
pub const SHARD_FORMAT: &str = "iotwin-shard";
/// The `format` field of a checkpoint's header.
pub const PROGRESS_FORMAT: &str = "iotwin-progress";
/// The `format` field of one replication in a checkpoint.
pub const REPLICATION_FORMAT: &str = "iotwin-replication";

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
pub(super) struct Probe {
    pub(super) format: Option<String>,
    format_version: Option<u32>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RowDoc {
    replication: u64,
    values: Vec<Exact>,
    extras: ExtrasDoc,
    /// SHA-256 of the row (this field empty) and its study's hash: an edited, truncated or
    /// `null`ed value no longer matches, so a damaged row is refused before anything runs.
    sha256: String,
}

impl RowDoc {
    /// The row of `r`, sealed with its checksum under `key` (the study hash).
    pub(super) fn sealed(r: &Replication, key: &str) -> RowDoc {
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
    pub(super) fn open(self, key: &str, columns: Option<usize>) -> Result<Replication, String> {
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

/// Reads JSON into `T`, naming the field that is wrong (`rows[3].values[7]: ...`).
pub(super) fn read_json<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    format: &str,
) -> Result<T, String> {
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
pub(super) fn with_rows(mut header: String, rows: &[RowDoc]) -> String {
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
