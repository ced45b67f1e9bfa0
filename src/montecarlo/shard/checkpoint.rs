//! A checkpoint directory's files: its header (which study, which shard) and one file per
//! finished replication, tied to the study by its hash.

use serde::{Deserialize, Serialize};

use super::format::{FORMAT_VERSION, PROGRESS_FORMAT, REPLICATION_FORMAT, RowDoc, read_json};
use super::replications::Replication;
use super::study::{Shard, Study};

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
