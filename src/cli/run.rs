//! `iotwin run`: load, run (recorded for `--resume`, or until `--precision` is met), write the
//! report set.

use std::path::PathBuf;
use std::process::ExitCode;

use iotwin::montecarlo::{self, Mode, RunOptions, Summary};
use iotwin::report;
use iotwin::scenario::{self, Deployment};

use super::output::{REPORT_LOCK, folder_name, lock_output};
use super::preflight::{check_memory, warn_if_long};
use super::validate::load;
use super::{RunArgs, say, shard};

/// Runs a scenario (or one shard of it) and prints its summary table and the files written.
pub(super) fn run(args: RunArgs) -> ExitCode {
    if let Some(s) = args.shard {
        return shard::run_shard(&args, s);
    }
    match study(&args, false) {
        Ok((_, summary, mut text)) => {
            if !summary.verdicts.is_empty() {
                text.push_str(&report::judgements_table(&summary));
                text.push_str("`iotwin check` exits 1 unless every assertion passes\n");
            }
            say(&text);
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

/// The mode a study of `dep` runs in, or exit 2 when flow mode was asked for and cannot model
/// it.
pub(super) fn resolve_mode(dep: &Deployment, asked: Mode) -> Result<Mode, ExitCode> {
    montecarlo::resolve_mode(dep, asked).map_err(|reason| {
        eprintln!("error: --mode flow: {reason}");
        eprintln!("  = hint: run it with --mode packet (or --mode auto)");
        ExitCode::from(2)
    })
}

/// Loads, runs and writes a study; returns the text to print, or the exit code of a failure
/// (already reported on stderr).
pub(super) fn study(
    args: &RunArgs,
    checking: bool,
) -> Result<(Deployment, Summary, String), ExitCode> {
    shard::refuse_unsupported(args, checking)?;
    let dep = load(args.scenario.as_deref()).map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(2)
    })?;
    if checking {
        montecarlo::check::validate(&dep).map_err(|e| {
            eprintln!("{e}");
            ExitCode::from(2)
        })?;
        if dep.expectations.is_empty() {
            eprintln!(
                "error: scenario \"{}\" has no `expect` assertions to check",
                dep.name
            );
            eprintln!(
                "  = hint: add e.g. expect: [AtLeast(metric: \"data_completeness\", value: 0.999)]"
            );
            return Err(ExitCode::from(2));
        }
    }
    let mut opts = RunOptions {
        replications: args.replications,
        seed: args.seed,
        threads: args.threads,
        mode: args.mode.into(),
    };
    opts.mode = resolve_mode(&dep, opts.mode)?;
    let total = opts.replications.unwrap_or(dep.replications) as u64;
    check_memory(&dep, &opts, total, args.max_memory)?;
    warn_if_long(&dep, &opts, total);
    let bar = super::progress::replications(total);
    bar.set_message(dep.name.clone());
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(folder_name(&dep.name)));
    let _lock = lock_output(&dir, REPORT_LOCK)?;
    // A plain run keeps a checkpoint (removed once the outputs are written) for --resume.
    let mut progress = None;
    let summary = match args.precision {
        None => {
            let done = shard::run_recorded(&dep, args, &dir, None, &bar)?;
            progress = Some(done.progress);
            Ok(shard::assemble(&dep, args, done.rows)?)
        }
        Some(half_width) => {
            let target = precision_target(&dep, args, half_width)?;
            montecarlo::run_until_precise(&dep, &opts, &target, &|| bar.inc(1), &|n| {
                bar.set_length(n as u64)
            })
        }
    };
    bar.finish_and_clear();
    let summary = summary.map_err(|e| {
        eprintln!("error: {e}");
        let scenario = args
            .scenario
            .as_ref()
            .map(|p| format!(" {}", p.display()))
            .unwrap_or_default();
        eprintln!(
            "  = reproduce: iotwin run{scenario} --seed {} --replications {total} --threads 1",
            opts.seed.unwrap_or(dep.seed)
        );
        ExitCode::from(1)
    })?;
    let written = report::write_outputs(&summary, &dir).map_err(|e| {
        eprintln!("error: cannot write the report to {}: {e}", dir.display());
        eprintln!("  = hint: choose another folder with --out DIR");
        ExitCode::from(1)
    })?;
    if let Some(progress) = progress {
        shard::remove_progress(progress);
    }
    let mut text = String::new();
    if !args.quiet {
        text.push_str(&report::summary_table(&summary));
        text.push('\n');
    }
    if let (Some(target), Some(e)) = (args.precision, summary.estimate(&args.metric)) {
        let reached = e.half_width.is_some_and(|h| h <= target);
        let verdict = if reached {
            "target met".to_string()
        } else {
            format!(
                "target NOT met: stopped at --max-replications {}",
                args.max_replications
            )
        };
        text.push_str(&format!(
            "precision: {} ± {} after {} replications (target ± {target}: {verdict})\n",
            args.metric,
            e.half_width
                .map_or("n/a".to_string(), |h| format!("{h:.3e}")),
            summary.replications,
        ));
    }
    for path in written {
        text.push_str(&format!("wrote {}\n", path.display()));
    }
    Ok((dep, summary, text))
}

/// The `--precision` target, after checking that its metric exists and the width makes sense.
fn precision_target(
    dep: &Deployment,
    args: &RunArgs,
    half_width: f64,
) -> Result<montecarlo::Precision, ExitCode> {
    if !(half_width.is_finite() && half_width > 0.0) {
        eprintln!("error: --precision {half_width} is not a positive number");
        eprintln!("  = hint: a 95% half-width in the metric's unit, e.g. --precision 0.0001");
        return Err(ExitCode::from(2));
    }
    let known = iotwin::metrics::catalog(dep);
    if !known.iter().any(|m| m.id == args.metric) {
        let ids = known.iter().map(|m| m.id.as_str());
        let hint = match scenario::closest_name(&args.metric, ids) {
            Some(guess) => format!("did you mean \"{guess}\"?"),
            None => "`iotwin run` lists every metric".to_string(),
        };
        eprintln!("error: --metric: unknown metric \"{}\"", args.metric);
        eprintln!("  = hint: {hint}");
        return Err(ExitCode::from(2));
    }
    Ok(montecarlo::Precision {
        metric: args.metric.clone(),
        half_width,
        max_replications: args.max_replications,
    })
}
