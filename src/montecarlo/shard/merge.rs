//! Shard files put back together: one study, one iotwin version, every replication once;
//! otherwise which file and field differ, which replications are missing or held twice.

use std::collections::BTreeMap;

use super::super::{Mode, RunOptions, Summary};
use super::format::ShardFile;
use super::replications::assemble;
use super::study::{Shard, Study};
use crate::scenario::{self, Deployment, ScenarioError};

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
        deployment: super::super::with_options(&dep, &opts),
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_like_a_person_writes_them() {
        assert_eq!(ranges(&[0, 1, 2, 4, 6, 7]), "0-2, 4, 6-7");
        assert_eq!(ranges(&[]), "");
    }
}
