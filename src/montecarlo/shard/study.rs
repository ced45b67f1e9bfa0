//! Naming a study and its parts: [`Shard`] (`--shard INDEX/COUNT`, a contiguous block of
//! replications) and [`Study`] (what must be equal for replications to be put together: the
//! iotwin version, the options, and a SHA-256 hash of the scenario and compiled deployment).

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::super::{Mode, RunOptions};
use super::format::FORMAT_VERSION;
use crate::scenario::Deployment;

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
        let dep = super::super::with_options(dep, opts);
        let mode = super::super::resolve_mode(&dep, opts.mode).unwrap_or(Mode::Packet);
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
        let mut out = differences(
            label,
            self.identity(),
            other.identity(),
            [("scenario hash", self.hash.clone(), other.hash.clone())],
        );
        if self.metrics != other.metrics {
            out.push("metric columns".to_string());
        }
        out
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

/// What every kind of study (a run's [`Study`], a sweep's) is named by, for [`differences`].
pub(super) struct Identity<'a> {
    pub version: &'a str,
    pub scenario: &'a str,
    pub seed: u64,
    pub replications: u32,
    pub mode: &'a str,
}

/// How `theirs` differs from `ours`, one `field theirs (LABEL: ours)` per field that differs:
/// the identity first, then the kind's own fields `more` as (name, ours, theirs), in order.
/// Run shards, checkpoints and sweep shards all say in these words why they do not go
/// together.
pub(super) fn differences(
    label: &str,
    ours: Identity<'_>,
    theirs: Identity<'_>,
    more: impl IntoIterator<Item = (&'static str, String, String)>,
) -> Vec<String> {
    let fields = |i: Identity<'_>| {
        [
            ("iotwin version", i.version.to_string()),
            ("scenario", format!("\"{}\"", i.scenario)),
            ("seed", i.seed.to_string()),
            ("replications", i.replications.to_string()),
            ("mode", i.mode.to_string()),
        ]
    };
    fields(ours)
        .into_iter()
        .zip(fields(theirs))
        .map(|((name, ours), (_, theirs))| (name, ours, theirs))
        .chain(more)
        .filter(|(_, ours, theirs)| ours != theirs)
        .map(|(name, ours, theirs)| format!("{name} {theirs} ({label}: {ours})"))
        .collect()
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

    fn study() -> Study {
        Study {
            iotwin_version: "1.0.0".to_string(),
            hash: "sha256:aa".to_string(),
            scenario: "plant".to_string(),
            seed: 5,
            replications: 30,
            mode: "packet".to_string(),
            metrics: vec!["availability".to_string()],
        }
    }

    /// Why two studies do not go together reads `field theirs (LABEL: ours)`, identity first.
    #[test]
    fn differences_name_each_field_with_both_values() {
        let ours = study();
        assert!(ours.differences(&ours.clone(), "first file").is_empty());
        let mut theirs = study();
        theirs.seed = 7;
        theirs.scenario = "home".to_string();
        theirs.hash = "sha256:bb".to_string();
        theirs.metrics.clear();
        assert_eq!(
            ours.differences(&theirs, "first file"),
            [
                "scenario \"home\" (first file: \"plant\")",
                "seed 7 (first file: 5)",
                "scenario hash sha256:bb (first file: sha256:aa)",
                "metric columns",
            ]
        );
    }

    /// A sweep's study says it in the same words, with its own fields after the identity.
    #[test]
    fn sweep_differences_use_the_same_words() {
        let sets = ["horizon=7d,30d".to_string()];
        let ours = super::super::sweep::SweepStudy::new("src", &sets, &[], &[study()], "plant");
        let mut theirs = ours.clone();
        theirs.replications = 40;
        theirs.sets = vec!["horizon=1d".to_string()];
        assert_eq!(
            ours.differences(&theirs, "this run"),
            [
                "replications 40 (this run: 30)",
                "--set horizon=1d (this run: horizon=7d,30d)",
            ]
        );
    }
}
