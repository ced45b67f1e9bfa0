//! `iotwin sweep`: plan the sweep (every `--set` resolved and every point compiled, so a bad
//! path or value stops it before anything runs), run the points on one seed and replication
//! count with a progress bar, write the sweep report. Thin: the work is in `scenario::path`,
//! `montecarlo::sweep` and `report::sweep`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use iotwin::montecarlo::RunOptions;
use iotwin::montecarlo::shard::{self, Shard, SweepShardFile};
use iotwin::montecarlo::sweep::{self, Sweep, SweepError};
use iotwin::report;
use iotwin::scenario;

/// `iotwin sweep SCENARIO --set PATH=V1,V2,... [--set ...]`
#[derive(Args)]
pub struct SweepArgs {
    /// The scenario file (RON); without it, the built-in factory scenario.
    pub scenario: Option<PathBuf>,
    /// A parameter and its values: `PATH=V1,V2,...`. PATH is `field`, `list[N]` or
    /// `list[id=ID]` steps joined by `.`, e.g. `fleets[id=sensors].count=100,200,400` or
    /// `horizon=30d,90d`. Values are RON; bare durations and strings are quoted for you.
    /// Several `--set` make a grid: the first varies slowest, the last fastest.
    #[arg(long = "set", required = true, value_name = "PATH=V1,V2,...")]
    pub set: Vec<String>,
    /// A limit to find the crossing of: `METRIC<=VALUE` or `METRIC>=VALUE` (ratios as
    /// fractions), drawn on the charts. Default: max_gateway_utilisation<=0.8 and data_completeness>=0.99.
    #[arg(long = "limit", value_name = "METRIC<=VALUE")]
    pub limit: Vec<String>,
    /// Replications of every point (default: the scenario's).
    #[arg(long, short = 'r', value_parser = super::replication_count)]
    pub replications: Option<u32>,
    /// Seed of every point (default: the scenario's); one seed for all points gives common
    /// random numbers.
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
    /// Worker threads (default, or 0: every core). Results do not depend on it.
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
    /// Output folder (default: reports/<scenario name>-sweep).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Print only the paths written, not the table.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Run only shard INDEX of COUNT (numbered from 0): the same contiguous block of every
    /// point's replications, written to DIR/shard-IIII-of-NNNN.json for `iotwin merge`.
    #[arg(long, value_name = "INDEX/COUNT")]
    pub shard: Option<Shard>,
}

fn failed(e: &SweepError) -> ExitCode {
    eprintln!("{e}");
    ExitCode::from(if e.is_usage() { 2 } else { 1 })
}

pub fn sweep(args: SweepArgs) -> ExitCode {
    let (source, file) = match &args.scenario {
        Some(p) => match scenario::read_source(p) {
            Ok(text) => (text, p.display().to_string()),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
        None => (
            scenario::DEFAULT_SCENARIO.to_string(),
            scenario::DEFAULT_SCENARIO_NAME.to_string(),
        ),
    };
    let plan = match sweep::plan(&source, &file, &args.set, &args.limit) {
        Ok(plan) => plan,
        Err(e) => return failed(&e),
    };
    if let Err(e) = iotwin::montecarlo::check::validate(&plan.base) {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    let opts = RunOptions {
        replications: args.replications,
        seed: args.seed,
        threads: args.threads,
        ..RunOptions::default()
    };
    let name = plan.base.name.clone();
    let dir = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("{}-sweep", super::folder_name(&name)))
    });
    if let Some(shard) = args.shard {
        return sweep_shard(&args, plan, &opts, shard, (source, file), &dir);
    }
    let _lock = match super::lock_output(&dir, super::REPORT_LOCK) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    let total = plan.replications(&opts) as u64 * plan.points.len() as u64;
    let bar = super::progress::replications(total);
    let result = plan.run(&opts, &|label| bar.set_message(label.to_string()), &|| {
        bar.inc(1)
    });
    bar.finish_and_clear();
    let result = match result {
        Ok(r) => r,
        Err(e) => return failed(&e),
    };
    write(&result, &dir, args.quiet, "")
}

/// Writes the sweep's outputs into `dir` and says what was written after `note`.
/// The caller holds the folder's lock.
fn write(result: &Sweep, dir: &std::path::Path, quiet: bool, note: &str) -> ExitCode {
    let written = match report::sweep::write_sweep_outputs(result, dir) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot write the sweep to {}: {e}", dir.display());
            eprintln!("  = hint: choose another folder with --out DIR");
            return ExitCode::from(1);
        }
    };
    let mut text = String::new();
    if !quiet {
        text.push_str(&report::sweep::sweep_table(result));
        text.push('\n');
    }
    text.push_str(note);
    for p in written {
        text.push_str(&format!("wrote {}\n", p.display()));
    }
    super::say(&text);
    ExitCode::SUCCESS
}

/// `iotwin sweep ... --shard INDEX/COUNT`: runs the shard's block of every point and writes a
/// self-describing [`SweepShardFile`] for `iotwin merge`.
fn sweep_shard(
    args: &SweepArgs,
    plan: sweep::Plan,
    opts: &RunOptions,
    shard: Shard,
    (source, file): (String, String),
    dir: &std::path::Path,
) -> ExitCode {
    let _lock = match super::lock_output(
        dir,
        &format!(
            ".iotwin-lock-shard-{:04}-of-{:04}",
            shard.index, shard.count
        ),
    ) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    let study = plan.study(&source, &args.set, opts);
    let per_point = shard.replications(plan.replications(opts));
    let count = per_point.end - per_point.start;
    let bar = super::progress::replications(count * plan.points.len() as u64);
    let result = plan.run_shard(
        opts,
        shard,
        &|label| bar.set_message(label.to_string()),
        &|| bar.inc(1),
    );
    bar.finish_and_clear();
    let points = match result {
        Ok(points) => points,
        Err(e) => return failed(&e),
    };
    let out = SweepShardFile {
        study,
        shard,
        scenario_path: file,
        scenario_source: source,
        points,
    };
    let path = dir.join(shard.file_name());
    let written = report::output::create_dir(dir)
        .and_then(|()| report::write_atomically(&path, out.to_json().as_bytes()));
    if let Err(e) = written {
        eprintln!("error: cannot write the shard file {}: {e}", path.display());
        eprintln!("  = hint: choose another folder with --out DIR");
        return ExitCode::from(1);
    }
    let range = if count == 0 {
        "no replications".to_string()
    } else {
        format!(
            "replications {}",
            shard::ranges(&per_point.collect::<Vec<_>>())
        )
    };
    super::say(&format!(
        "wrote {}: shard {shard}, {range} of each of {} points (sweep of \"{}\", seed {})\n\
         when all {} shards have run: iotwin merge {} --out {}\n",
        path.display(),
        out.study.points,
        out.study.scenario,
        out.study.seed,
        shard.count,
        dir.join(format!("shard-*-of-{:04}.json", shard.count))
            .display(),
        dir.display(),
    ));
    ExitCode::SUCCESS
}

/// `iotwin merge` of sweep shard files: checks they are one sweep, every shard once, plans
/// the sweep again from the stored scenario and writes the outputs an unsharded `iotwin
/// sweep` writes, byte for byte.
pub fn merge(paths: &[PathBuf], out: Option<PathBuf>, quiet: bool) -> ExitCode {
    let fail = |message: String, hint: &str| {
        eprintln!("error: {message}");
        eprintln!("  = hint: {hint}");
        ExitCode::from(2)
    };
    let mut files = vec![];
    for path in paths {
        let read = std::fs::read(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|bytes| {
                SweepShardFile::from_json(&bytes).map_err(|e| format!("{}: {e}", path.display()))
            });
        match read {
            Ok(file) => files.push((path.display().to_string(), file)),
            Err(e) => {
                return fail(
                    e,
                    "merge reads the files `iotwin sweep SCENARIO --set ... --shard I/N` writes",
                );
            }
        }
    }
    let count = files.len();
    let (first, points) = match shard::merge_sweep(files) {
        Ok(merged) => merged,
        Err((message, hint)) => return fail(message, &hint),
    };
    let study = &first.study;
    let plan = match sweep::plan(
        &first.scenario_source,
        &first.scenario_path,
        &study.sets,
        &study.limits,
    ) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("{e}");
            eprintln!("  = note: the scenario is the one stored in the shard files");
            return ExitCode::from(2);
        }
    };
    let opts = RunOptions {
        replications: Some(study.replications),
        seed: Some(study.seed),
        ..RunOptions::default()
    };
    let again = plan.study(&first.scenario_source, &study.sets, &opts);
    if again != *study {
        let differences = again.differences(study, "this iotwin");
        return fail(
            format!(
                "the shard files' study does not match their stored scenario: {}",
                differences.join(", ")
            ),
            "run the shards again with this iotwin",
        );
    }
    let dir = out.unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("{}-sweep", super::folder_name(&study.scenario)))
    });
    let note = format!(
        "merged {count} sweep shard file{}: {} points of {} replications of \"{}\", seed {}\n",
        if count == 1 { "" } else { "s" },
        study.points,
        study.replications,
        study.scenario,
        study.seed
    );
    let _lock = match super::lock_output(&dir, super::REPORT_LOCK) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    match plan.assemble(&opts, points) {
        Ok(result) => write(&result, &dir, quiet, &note),
        Err(err) => {
            let (point, e) = *err;
            fail(format!("sweep point {point}: {e}"), &e.hint())
        }
    }
}
