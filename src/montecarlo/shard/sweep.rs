//! Sweep shards: every point of a sweep's grid run for the same block of replications, the
//! files' study ([`SweepStudy`]) and their merge.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::format::{FORMAT_VERSION, Probe, RowDoc, read_json};
use super::replications::Replication;
use super::study::{Identity, Shard, Study, differences};

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
        differences(
            label,
            self.identity(),
            other.identity(),
            [
                ("--set", self.sets.join(" "), other.sets.join(" ")),
                ("limits", self.limits.join(" "), other.limits.join(" ")),
                ("study hash", self.hash.clone(), other.hash.clone()),
            ],
        )
    }

    fn identity(&self) -> Identity<'_> {
        Identity {
            version: &self.iotwin_version,
            scenario: &self.scenario,
            seed: self.seed,
            replications: self.replications,
            mode: &self.mode,
        }
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
