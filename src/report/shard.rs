//! Shard files and checkpoints on disk (formats in [`crate::montecarlo::shard`]). Every file is
//! written atomically (a temporary file beside it, then a rename), so a killed process leaves
//! either the whole file or none of it.
//!
//! A checkpoint is a directory inside the output folder — `.iotwin-progress/` for a whole run,
//! `.iotwin-progress-shard-0003-of-0010/` for a shard, so shards can share an output folder —
//! holding `study.json` (a [`ProgressHeader`]) and one `rep-000042.json` per finished
//! replication. The run removes it once its outputs are written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::write_atomically;
use crate::montecarlo::shard::{ProgressHeader, Replication, ReplicationFile, Shard, ShardFile};

/// Writes `file` into `dir` (created if needed) as `shard-IIII-of-NNNN.json`, or
/// `shard-all.json` for a whole study; returns its path.
pub fn write_shard(dir: &Path, file: &ShardFile) -> std::io::Result<PathBuf> {
    super::output::create_dir(dir)?;
    let name = file
        .shard
        .map_or_else(|| "shard-all.json".to_string(), |s| s.file_name());
    let path = dir.join(name);
    write_atomically(&path, file.to_json().as_bytes())?;
    Ok(path)
}

/// Reads a shard file; the message names what is wrong with it.
pub fn read_shard(path: &Path) -> Result<ShardFile, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    ShardFile::from_json(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// The files to merge: each argument as it is, or, for a directory, the `shard-*.json` files
/// in it, sorted by name.
pub fn shard_paths(args: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = vec![];
    for arg in args {
        if arg.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(arg)
                .map_err(|e| format!("cannot list {}: {e}", arg.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".json"))
                })
                .collect();
            if found.is_empty() {
                return Err(format!("{} holds no shard-*.json files", arg.display()));
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(arg.clone());
        }
    }
    Ok(out)
}

/// The checkpoint directory of a run writing into `out`.
pub fn progress_dir(out: &Path, shard: Option<Shard>) -> PathBuf {
    match shard {
        None => out.join(".iotwin-progress"),
        Some(s) => out.join(format!(
            ".iotwin-progress-shard-{:04}-of-{:04}",
            s.index, s.count
        )),
    }
}

const HEADER: &str = "study.json";

/// Why a checkpoint cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("{} holds an unfinished run{}: {finished} replication{} already finished", dir.display(), what.as_deref().map(|w| format!(" ({w})")).unwrap_or_default(), if *finished == 1 { "" } else { "s" })]
    Unfinished {
        dir: PathBuf,
        what: Option<String>,
        finished: usize,
    },
    #[error("{} is the checkpoint of another study: {}", dir.display(), differences.join(", "))]
    Foreign {
        dir: PathBuf,
        differences: Vec<String>,
    },
    #[error("{}: {message}", file.display())]
    Damaged { file: PathBuf, message: String },
    #[error("cannot use the checkpoint {}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl ProgressError {
    pub fn hint(&self) -> String {
        match self {
            ProgressError::Unfinished { dir, .. } => format!(
                "add --resume to continue it (same scenario, seed and replications), or delete {} to start over",
                dir.display()
            ),
            ProgressError::Foreign { dir, .. } => format!(
                "resume with the options of that run, or delete {} to start this one afresh",
                dir.display()
            ),
            ProgressError::Damaged { file, .. } => format!(
                "delete {} and resume: that replication runs again",
                file.display()
            ),
            ProgressError::Io { .. } => "choose another folder with --out DIR".to_string(),
        }
    }
}

/// A run's checkpoint: where each finished replication is written as it finishes.
pub struct Progress {
    dir: PathBuf,
    hash: String,
}

/// `rep-000042.json`; the number is the replication's.
fn replication_file(r: u64) -> String {
    format!("rep-{r:06}.json")
}

fn replication_number(name: &str) -> Option<u64> {
    name.strip_prefix("rep-")?
        .strip_suffix(".json")?
        .parse()
        .ok()
}

impl Progress {
    /// Opens the checkpoint at `dir` for the run `header` describes, creating it. Without
    /// `resume`, a directory holding finished replications is refused (nothing is thrown
    /// away silently); with it, they are checked against `header` and returned. A replication
    /// outside `wanted` is refused too.
    pub fn open(
        dir: &Path,
        header: &ProgressHeader,
        wanted: std::ops::Range<u64>,
        resume: bool,
    ) -> Result<(Progress, Vec<Replication>), ProgressError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |error| ProgressError::Io { path, error }
        };
        let mut finished = BTreeMap::new();
        super::output::refuse_link(dir).map_err(io(dir))?;
        if dir.is_dir() {
            let mut names: Vec<(u64, PathBuf)> = vec![];
            for entry in std::fs::read_dir(dir).map_err(io(dir))? {
                let path = entry.map_err(io(dir))?.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if let Some(r) = replication_number(name) {
                    names.push((r, path));
                }
            }
            names.sort();
            let header_path = dir.join(HEADER);
            let theirs = match std::fs::read(&header_path) {
                Ok(bytes) => Some(ProgressHeader::from_json(&bytes).map_err(|message| {
                    ProgressError::Damaged {
                        file: header_path.clone(),
                        message,
                    }
                })),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(io(&header_path)(e)),
            };
            if !resume && !names.is_empty() {
                let what = theirs.and_then(|h| h.ok()).map(|h| {
                    format!(
                        "scenario \"{}\", seed {}, {} replications",
                        h.study.scenario, h.study.seed, h.study.replications
                    )
                });
                return Err(ProgressError::Unfinished {
                    dir: dir.to_path_buf(),
                    what,
                    finished: names.len(),
                });
            }
            match theirs {
                Some(theirs) => {
                    let theirs = theirs?;
                    let mut differences = header.study.differences(&theirs.study, "this run");
                    if theirs.shard != header.shard {
                        let show =
                            |s: Option<Shard>| s.map_or("none".to_string(), |s| s.to_string());
                        differences.push(format!(
                            "shard {} (this run: {})",
                            show(theirs.shard),
                            show(header.shard)
                        ));
                    }
                    if !differences.is_empty() {
                        return Err(ProgressError::Foreign {
                            dir: dir.to_path_buf(),
                            differences,
                        });
                    }
                }
                None if !names.is_empty() => {
                    return Err(ProgressError::Damaged {
                        file: header_path,
                        message: "missing: the replications beside it belong to no known study"
                            .into(),
                    });
                }
                None => {}
            }
            for (r, path) in names {
                let bytes = std::fs::read(&path).map_err(io(&path))?;
                let damaged = |message: String| ProgressError::Damaged {
                    file: path.clone(),
                    message,
                };
                let (hash, row) = ReplicationFile::from_json(&bytes).map_err(damaged)?;
                if hash != header.study.hash {
                    return Err(ProgressError::Foreign {
                        dir: dir.to_path_buf(),
                        differences: vec![format!(
                            "{} belongs to study {hash} (this run: {})",
                            path.display(),
                            header.study.hash
                        )],
                    });
                }
                let row = row.map_err(damaged)?;
                if row.values.len() != header.study.metrics.len() {
                    return Err(damaged(format!(
                        "replication {r}: {} values where the study has {} metrics",
                        row.values.len(),
                        header.study.metrics.len()
                    )));
                }
                if row.index != r || !wanted.contains(&r) {
                    return Err(damaged(format!(
                        "holds replication {} where replication {r} of {}..{} was expected",
                        row.index, wanted.start, wanted.end
                    )));
                }
                finished.insert(r, row);
            }
        }
        super::output::create_dir(dir).map_err(io(dir))?;
        let header_path = dir.join(HEADER);
        write_atomically(&header_path, header.to_json().as_bytes()).map_err(io(&header_path))?;
        Ok((
            Progress {
                dir: dir.to_path_buf(),
                hash: header.study.hash.clone(),
            },
            finished.into_values().collect(),
        ))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one finished replication, atomically (without `fsync`: see `write_unsynced`).
    pub fn record(&self, row: &Replication) -> std::io::Result<()> {
        let path = self.dir.join(replication_file(row.index));
        write_unsynced(&path, ReplicationFile::to_json(&self.hash, row).as_bytes())
    }

    /// Removes the checkpoint, once the run's outputs are written.
    pub fn remove(self) -> std::io::Result<()> {
        std::fs::remove_dir_all(&self.dir)
    }
}

/// As [`write_atomically`] (a temporary file, then a rename) but without `fsync`: a killed
/// process still leaves the whole file or none, and only a crash of the machine itself could
/// leave a damaged one, which `--resume` then names. Syncing every replication cost 4 ms each
/// (1,000 one-hour replications of the smart home: 4.5 s instead of 0.3 s).
fn write_unsynced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    super::output::write_new(path, bytes, false)
}
