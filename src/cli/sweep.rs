//! `iotwin sweep`: plan the sweep (every `--set` resolved and every point compiled, so a bad
//! path or value stops it before anything runs), run the points on one seed and replication
//! count with a progress bar, write the sweep report. Thin: the work is in `scenario::path`,
//! `montecarlo::sweep` and `report::sweep`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use iotwin::montecarlo::RunOptions;
use iotwin::montecarlo::sweep::{self, SweepError};
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
    /// fractions), drawn on the charts. Default: max_gateway_utilisation<=0.8.
    #[arg(long = "limit", value_name = "METRIC<=VALUE")]
    pub limit: Vec<String>,
    /// Replications of every point (default: the scenario's).
    #[arg(long, short = 'r')]
    pub replications: Option<u32>,
    /// Seed of every point (default: the scenario's); one seed for all points gives common
    /// random numbers.
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
    /// Output folder (default: reports/<scenario name>-sweep).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Print only the paths written, not the table.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

fn failed(e: &SweepError) -> ExitCode {
    eprintln!("{e}");
    ExitCode::from(if e.is_usage() { 2 } else { 1 })
}

pub fn sweep(args: SweepArgs) -> ExitCode {
    let (source, file) = match &args.scenario {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(text) => (text, p.display().to_string()),
            Err(e) => {
                eprintln!("error: cannot read scenario {}: {e}", p.display());
                eprintln!("  = hint: check the path");
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
    let opts = RunOptions {
        replications: args.replications,
        seed: args.seed,
        threads: args.threads,
        ..RunOptions::default()
    };
    let name = plan.base.name.clone();
    let total = plan.replications(&opts) as u64 * plan.points.len() as u64;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {pos}/{len} replications, {elapsed} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let result = plan.run(&opts, &|label| bar.set_message(label.to_string()), &|| {
        bar.inc(1)
    });
    bar.finish_and_clear();
    let result = match result {
        Ok(r) => r,
        Err(e) => return failed(&e),
    };
    let dir = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("{}-sweep", super::folder_name(&name)))
    });
    let written = match report::sweep::write_sweep_outputs(&result, &dir) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot write the sweep to {}: {e}", dir.display());
            eprintln!("  = hint: choose another folder with --out DIR");
            return ExitCode::from(1);
        }
    };
    let mut text = String::new();
    if !args.quiet {
        text.push_str(&report::sweep::sweep_table(&result));
        text.push('\n');
    }
    for p in written {
        text.push_str(&format!("wrote {}\n", p.display()));
    }
    super::say(&text);
    ExitCode::SUCCESS
}
