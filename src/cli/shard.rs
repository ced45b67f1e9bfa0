//! `run --shard`, `run --resume` and `merge`: a study split over processes or machines, and a
//! run that survives being stopped. The formats and checks live in
//! `iotwin::montecarlo::shard`, the files in `iotwin::report::shard`; this is the glue.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use clap::Args;
use indicatif::ProgressBar;

use iotwin::montecarlo::shard::{self, ProgressHeader, Replication, Shard, ShardFile, Study};
use iotwin::montecarlo::{RunError, RunOptions, Summary};
use iotwin::report;
use iotwin::report::shard::{Progress, ProgressError, progress_dir};
use iotwin::scenario::{self, Deployment};

use super::{RunArgs, check_memory, folder_name, load, say, warn_if_long};

/// `iotwin merge FILE... --out DIR`.
#[derive(Args)]
pub(super) struct MergeArgs {
    /// Shard files written by `iotwin run --shard I/N`, or folders holding them (every
    /// `shard-*.json` inside is taken).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output folder of the report (default: reports/<scenario name>).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Print only the paths written, not the table.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// The scenario text a run reads, for the study hash and the shard file.
fn source_of(path: Option<&Path>) -> Result<(String, String), ExitCode> {
    match path {
        None => Ok((
            scenario::DEFAULT_SCENARIO.to_string(),
            scenario::DEFAULT_SCENARIO_NAME.to_string(),
        )),
        Some(p) => scenario::read_source(p)
            .map(|text| (text, p.display().to_string()))
            .map_err(|e| {
                eprintln!("{e}");
                ExitCode::from(2)
            }),
    }
}

fn options(args: &RunArgs) -> RunOptions {
    RunOptions {
        replications: args.replications,
        seed: args.seed,
        threads: args.threads,
        mode: args.mode.into(),
    }
}

fn progress_bar(total: u64, name: &str) -> ProgressBar {
    let bar = super::progress::replications(total);
    bar.set_message(name.to_string());
    bar
}

/// What a checkpointed run gives back: every replication asked for, in order, and the
/// checkpoint to remove once the outputs are written.
pub(super) struct Recorded {
    pub study: Study,
    pub source: (String, String),
    pub rows: Vec<Replication>,
    pub progress: Progress,
}

/// Runs replications `wanted` of `dep`, writing each to the checkpoint in `out` as it
/// finishes; with `--resume`, those the checkpoint already holds are loaded, not run.
/// Errors are reported on stderr, and the exit code returned.
pub(super) fn run_recorded(
    dep: &Deployment,
    args: &RunArgs,
    out: &Path,
    shard: Option<Shard>,
    bar: &ProgressBar,
) -> Result<Recorded, ExitCode> {
    let opts = options(args);
    let source = source_of(args.scenario.as_deref())?;
    let study = Study::new(dep, &source.0, &opts);
    let wanted = match shard {
        Some(s) => s.replications(study.replications),
        None => 0..study.replications as u64,
    };
    let dir = progress_dir(out, shard);
    let header = ProgressHeader::new(study.clone(), shard);
    let (progress, finished) =
        Progress::open(&dir, &header, wanted.clone(), args.resume).map_err(|e| {
            bar.finish_and_clear();
            eprintln!("error: {e}");
            eprintln!("  = hint: {}", e.hint());
            // A folder that cannot be written is a failed run; a checkpoint in the way is usage.
            match e {
                ProgressError::Io { .. } => ExitCode::from(1),
                _ => ExitCode::from(2),
            }
        })?;
    let missing: Vec<u64> = wanted
        .clone()
        .filter(|r| finished.binary_search_by_key(r, |f| f.index).is_err())
        .collect();
    if args.resume {
        if finished.is_empty() {
            if !args.quiet {
                eprintln!(
                    "note: nothing to resume in {}: running every replication",
                    dir.display()
                );
            }
        } else {
            eprintln!(
                "note: resuming: {} of {} replications already finished ({}), running {}",
                finished.len(),
                wanted.end - wanted.start,
                dir.display(),
                missing.len()
            );
        }
    }
    bar.set_position(finished.len() as u64);
    let recorded = AtomicU64::new(0);
    let record = |row: &Replication| -> Result<(), String> {
        progress.record(row).map_err(|e| {
            format!(
                "cannot write it to {}: {e}",
                progress
                    .dir()
                    .join(format!("rep-{:06}.json", row.index))
                    .display()
            )
        })?;
        let n = recorded.fetch_add(1, Ordering::SeqCst) + 1;
        match args.stop_after {
            Some(k) if n >= k => Err(format!("stopped after {k} replications (--stop-after)")),
            _ => Ok(()),
        }
    };
    let ran = shard::run_replications(dep, &opts, &missing, &|| bar.inc(1), &record);
    bar.finish_and_clear();
    let ran = ran.map_err(|e| {
        eprintln!("error: {e}");
        match e {
            RunError::Invariant { .. } => {
                let scenario = args
                    .scenario
                    .as_ref()
                    .map(|p| format!(" {}", p.display()))
                    .unwrap_or_default();
                eprintln!(
                    "  = reproduce: iotwin run{scenario} --seed {} --replications {} --threads 1",
                    study.seed, study.replications
                );
            }
            _ => eprintln!(
                "  = hint: the replications finished so far are in {}: run the same command with --resume to go on",
                dir.display()
            ),
        }
        ExitCode::from(1)
    })?;
    let mut rows = finished;
    rows.extend(ran);
    rows.sort_by_key(|r| r.index);
    Ok(Recorded {
        study,
        source,
        rows,
        progress,
    })
}

/// The summary of a whole run from its recorded replications.
pub(super) fn assemble(
    dep: &Deployment,
    args: &RunArgs,
    rows: Vec<Replication>,
) -> Result<Summary, ExitCode> {
    shard::assemble(dep, &options(args), rows).map_err(|e| {
        eprintln!("error: {e}");
        eprintln!("  = hint: {}", e.hint());
        ExitCode::from(1)
    })
}

/// Removes a finished run's checkpoint; failing to is worth a note, not a failure.
pub(super) fn remove_progress(progress: Progress) {
    let dir = progress.dir().to_path_buf();
    if let Err(e) = progress.remove() {
        eprintln!("note: cannot remove the checkpoint {}: {e}", dir.display());
    }
}

/// Refuses options that do not go with `--shard` or `--resume`.
pub(super) fn refuse_unsupported(args: &RunArgs, checking: bool) -> Result<(), ExitCode> {
    let refuse = |message: &str, hint: &str| {
        eprintln!("error: {message}");
        eprintln!("  = hint: {hint}");
        Err(ExitCode::from(2))
    };
    if args.precision.is_some() && args.shard.is_some() {
        return refuse(
            "--precision cannot be sharded: it decides how many replications to run from all of them",
            "run shards with a fixed --replications N, or run --precision on one machine",
        );
    }
    if args.precision.is_some() && args.resume {
        return refuse(
            "--resume does not work with --precision (sequential runs keep no checkpoint)",
            "run --precision again (it is deterministic), or resume a plain run with --replications N",
        );
    }
    if checking && args.shard.is_some() {
        return refuse(
            "`check` judges the whole study and cannot run one shard",
            "run the shards with `iotwin run SCENARIO --shard I/N`, merge them with `iotwin merge`, and read the assertions' metrics in its report",
        );
    }
    Ok(())
}

/// `iotwin run SCENARIO --shard I/N`: runs one shard's replications and writes its file.
pub(super) fn run_shard(args: &RunArgs, shard: Shard) -> ExitCode {
    match try_run_shard(args, shard) {
        Ok(text) => {
            say(&text);
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn try_run_shard(args: &RunArgs, shard: Shard) -> Result<String, ExitCode> {
    refuse_unsupported(args, false)?;
    let dep = load(args.scenario.as_deref()).map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(2)
    })?;
    let opts = options(args);
    let total = opts.replications.unwrap_or(dep.replications).max(1);
    let wanted = shard.replications(total);
    let count = wanted.end - wanted.start;
    if count == 0 {
        eprintln!(
            "note: shard {shard} of {total} replications holds none (more shards than replications); it writes an empty shard file"
        );
    }
    check_memory(&dep, &opts, count, args.max_memory)?;
    warn_if_long(&dep, &opts, count);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(folder_name(&dep.name)));
    let _lock = super::lock_output(
        &out,
        &format!(
            ".iotwin-lock-shard-{:04}-of-{:04}",
            shard.index, shard.count
        ),
    )?;
    let bar = progress_bar(count, &dep.name);
    let done = run_recorded(&dep, args, &out, Some(shard), &bar)?;
    let file = ShardFile {
        study: done.study,
        shard: Some(shard),
        scenario_path: done.source.1,
        scenario_source: done.source.0,
        rows: done.rows,
    };
    let path = report::shard::write_shard(&out, &file).map_err(|e| {
        eprintln!("error: cannot write the shard file into {}: {e}", out.display());
        eprintln!(
            "  = hint: the finished replications are in {}: choose another folder with --out DIR, or free space and run again with --resume",
            done.progress.dir().display()
        );
        ExitCode::from(1)
    })?;
    remove_progress(done.progress);
    let range = if count == 0 {
        "no replications".to_string()
    } else if count == 1 {
        format!("replication {}", wanted.start)
    } else {
        format!(
            "replications {}",
            shard::ranges(&wanted.collect::<Vec<_>>())
        )
    };
    Ok(format!(
        "wrote {}: shard {shard}, {range} of {total} (scenario \"{}\", seed {})\n\
         when all {} shards have run: iotwin merge {} --out {}\n",
        path.display(),
        file.study.scenario,
        file.study.seed,
        shard.count,
        out.join(format!("shard-*-of-{:04}.json", shard.count))
            .display(),
        PathBuf::from("reports")
            .join(folder_name(&file.study.scenario))
            .display(),
    ))
}

/// `iotwin merge FILE... --out DIR`.
pub(super) fn merge(args: MergeArgs) -> ExitCode {
    let fail = |message: String, hint: &str| {
        eprintln!("error: {message}");
        eprintln!("  = hint: {hint}");
        ExitCode::from(2)
    };
    let paths = match report::shard::shard_paths(&args.files) {
        Ok(paths) => paths,
        Err(e) => {
            return fail(
                e,
                "name the shard files written by `iotwin run --shard I/N`",
            );
        }
    };
    // A sweep's shard files go to the sweep's merge; a mix of the two kinds is refused.
    let sweeps: Vec<bool> = paths
        .iter()
        .map(|p| {
            std::fs::read(p)
                .ok()
                .and_then(|b| shard::format_of(&b))
                .as_deref()
                == Some(shard::SWEEP_SHARD_FORMAT)
        })
        .collect();
    if sweeps.iter().any(|&s| s) {
        if let Some(run) = sweeps.iter().position(|&s| !s) {
            let sweep = sweeps.iter().position(|&s| s).unwrap_or(0);
            return fail(
                format!(
                    "{} is not a sweep's shard file, but {} is: one merge puts together the shards of one study",
                    paths[run].display(),
                    paths[sweep].display()
                ),
                "merge the files of `iotwin run --shard` and of `iotwin sweep --shard` separately",
            );
        }
        return super::sweep::merge(&paths, args.out, args.quiet);
    }
    let mut files = vec![];
    for path in &paths {
        match report::shard::read_shard(path) {
            Ok(file) => files.push((path.display().to_string(), file)),
            Err(e) if e.contains("checksum") => {
                return fail(
                    e,
                    "a shard file is not to be edited: restore the file iotwin wrote (e.g. copy it again from where the shard ran), or run that shard again to rewrite it",
                );
            }
            Err(e) => {
                return fail(
                    e,
                    "merge reads the files `iotwin run SCENARIO --shard I/N` writes (shard-IIII-of-NNNN.json)",
                );
            }
        }
    }
    let count = files.len();
    let merged = match shard::merge(files) {
        Ok(merged) => merged,
        Err(e) => return fail(e.to_string(), &e.hint()),
    };
    let summary = merged.summary;
    let dir = args
        .out
        .unwrap_or_else(|| PathBuf::from("reports").join(folder_name(&summary.scenario)));
    let _lock = match super::lock_output(&dir, super::REPORT_LOCK) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    let written = match report::write_outputs(&summary, &dir) {
        Ok(written) => written,
        Err(e) => {
            eprintln!("error: cannot write the report to {}: {e}", dir.display());
            eprintln!("  = hint: choose another folder with --out DIR");
            return ExitCode::from(1);
        }
    };
    let mut text = String::new();
    if !args.quiet {
        text.push_str(&report::summary_table(&summary));
        text.push('\n');
    }
    text.push_str(&format!(
        "merged {count} shard file{}: {} replications of \"{}\", seed {}\n",
        if count == 1 { "" } else { "s" },
        summary.replications,
        summary.scenario,
        summary.seed
    ));
    for path in written {
        text.push_str(&format!("wrote {}\n", path.display()));
    }
    say(&text);
    ExitCode::SUCCESS
}
