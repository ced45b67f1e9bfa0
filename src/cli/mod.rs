//! The command line: parse arguments, call the library, print. Nothing here simulates.
//!
//! Exit codes: 0 success; 1 a run failed (an invariant broke, a file could not be written);
//! 2 bad usage or an invalid scenario. A closed pipe on standard output is not an error.
//! This file holds the command line's grammar (every command, argument and help text, which
//! clap derives the help, completions and man pages from) and sends each command to its module:
//! `run`, `check`, `compare`, `trace`, `validate` (with the scenario loading all share),
//! `catalog`, `man` (and completions), `fit`, `forecast` (and backtest), `shard` (and merge),
//! `sweep`; `output` names and locks the output folder, `preflight` refuses or warns before a
//! run starts, `progress` draws the progress bars.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use iotwin::engine::Duration;
use iotwin::montecarlo::Mode;
use iotwin::scenario;

mod catalog;
mod check;
mod compare;
mod fit;
mod forecast;
mod man;
mod output;
mod preflight;
mod progress;
mod run;
mod shard;
mod sweep;
mod trace;
mod validate;

// The helpers the command modules share, under the names they use.
use output::{REPORT_LOCK, folder_name, lock_output};
use preflight::{check_memory, warn_if_long};
use validate::load;

/// Exit codes, in every command's help and the man page.
const EXIT_CODES: &str = "Exit codes:
  0  success (for check: every assertion passed)
  1  a check did not pass (an assertion failed, was inconclusive or undefined), a run broke
     an invariant (the command to reproduce it is printed), or an output could not be written
  2  bad usage, or an invalid scenario (file, line, column, field and a hint are printed)
A closed pipe on standard output (iotwin trace | head) is not an error.";

#[derive(Parser)]
#[command(
    name = "iotwin",
    version,
    about = "Deterministic simulator and digital twin of IoT deployments",
    after_help = concat!(
        "Examples:
  iotwin run                                   # the built-in factory scenario
  iotwin run scenarios/smart_home.ron -r 40    # 40 replications, report in reports/smart_home/
  iotwin check scenarios/fiber_cut_drill.ron --junit drill.xml
  iotwin compare scenarios/single_carrier.ron scenarios/dual_carrier_esim.ron
  iotwin sweep scenarios/gateway_capacity.ron --set 'fleets[id=meters].count=250,500,1000'

",
        "Exit codes: 0 success; 1 a check did not pass, a run broke an invariant or could not
write; 2 bad usage or an invalid scenario. `iotwin help <command>` has examples."
    )
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario's replications and write summary.json and metrics.csv.
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Run a scenario and judge its `expect` assertions; exit 1 if any does not pass.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Run designs on common random numbers and compare each with the first, metric by metric.
    #[command(after_help = COMPARE_EXAMPLES)]
    Compare(CompareArgs),
    /// Put the shard files of `run --shard I/N` together into the report of the whole study.
    #[command(after_help = "Examples:
  iotwin run scenarios/factory.ron --shard 0/2 -o shards   # on one machine
  iotwin run scenarios/factory.ron --shard 1/2 -o shards   # on another
  iotwin merge shards -o reports/factory                    # same bytes as one run
  iotwin merge sweep-shards/*.json                          # shards of a sweep")]
    Merge(shard::MergeArgs),
    /// Run a scenario at every point of a grid of values (`--set PATH=V1,V2,...`) and chart
    /// each headline metric against them, with where a limit is crossed.
    #[command(after_help = "Examples:
  iotwin sweep scenarios/gateway_capacity.ron --set 'fleets[id=meters].count=250,500,1000'
  iotwin sweep scenarios/factory.ron --set 'gateways[0].buffer_messages=0,100,1000' \\
      --limit 'lost_buffer_overflow<=10'
  iotwin sweep scenarios/factory.ron --set horizon=7d,30d --set 'fleets[1].count=50,100'")]
    Sweep(sweep::SweepArgs),
    /// Write one replication's steps as JSON lines (replays bit-identically from the seed).
    #[command(after_help = TRACE_EXAMPLES)]
    Trace(TraceArgs),
    /// Check a scenario file without running it, and list its single points of failure.
    #[command(after_help = "Examples:
  iotwin validate scenarios/factory.ron
  for f in scenarios/*.ron; do iotwin validate \"$f\" || exit 1; done")]
    Validate {
        /// The scenario file (RON).
        scenario: PathBuf,
    },
    /// List the link technology presets a scenario can name with `tech:` (or, with `devices`,
    /// the device classes a fleet can name with `class:`).
    #[command(after_help = "Examples:
  iotwin catalog            # link technologies and their sourced defaults
  iotwin catalog devices    # device classes, protocols and lifetimes")]
    Catalog {
        #[arg(value_enum, default_value_t = CatalogKind::Links)]
        kind: CatalogKind,
    },
    /// Print a shell completion script to standard output.
    #[command(after_help = "Examples:
  iotwin completions bash > ~/.local/share/bash-completion/completions/iotwin
  iotwin completions zsh > ~/.zfunc/_iotwin
  iotwin completions fish > ~/.config/fish/completions/iotwin.fish
  iotwin completions powershell >> $PROFILE")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write man pages (iotwin.1 and one per command) into a folder.
    #[command(after_help = "Examples:
  iotwin man target/man && man -l target/man/iotwin.1")]
    Man {
        /// The folder to write the pages into (created if missing).
        #[arg(default_value = "man")]
        dir: PathBuf,
    },
    /// Fit failure, repair and outage laws from field records (censored and truncated maximum
    /// likelihood) and write them as scenario snippets, with intervals, AIC/BIC and plots.
    #[command(after_help = "Examples:
  iotwin fit reports/fit-example/field.csv -o reports/fit-example/fit
  iotwin fit field.jsonl --laws weibull,lognormal --resamples 999")]
    Fit(fit::FitArgs),
    /// Forecast the coming days from the fleet as it stands (the scenario's inventory): failures,
    /// battery swaps, certificate expiries, replacements, truck rolls, crew hours and costs, with
    /// 95% prediction intervals over simulated futures and fan charts.
    #[command(after_help = "Examples:
  iotwin forecast reports/twin-example/scenario.ron -o reports/twin-example/forecast
  iotwin forecast plant.ron --horizon 180d --at 30d,90d,180d -r 500")]
    Forecast(forecast::ForecastArgs),
    /// Back-test forecasts on field records: fit on what was known at each window's start,
    /// forecast the window from the fleet as it stood, compare with what happened.
    #[command(after_help = "Examples:
  iotwin backtest reports/twin-example/scenario.ron reports/twin-example/field.csv \\
      --from 2023-01-01 --to 2026-01-01 --window 90d -o reports/twin-example/backtest")]
    Backtest(forecast::BacktestArgs),
}

const RUN_EXAMPLES: &str = "Examples:
  iotwin run                                          # the built-in factory scenario
  iotwin run scenarios/smart_home.ron -r 40 -s 7      # 40 replications on seed 7
  iotwin run scenarios/city_scale_meters.ron --mode flow
  iotwin run scenarios/factory.ron --precision 0.0001 # until data_completeness is ±0.01%
  iotwin run scenarios/factory.ron --shard 0/4 -o shards   # then: iotwin merge shards
  iotwin run scenarios/factory.ron --resume           # continue an interrupted run";

const CHECK_EXAMPLES: &str = "Examples:
  iotwin check scenarios/fiber_cut_drill.ron
  iotwin check scenarios/dual_carrier_esim.ron --junit results.xml --json verdicts.json
  iotwin check scenarios/factory.ron -r 100 || echo \"an assertion did not pass\"

An assertion passes when its whole 95% interval satisfies it, fails when the whole interval
violates it, and is inconclusive when the interval straddles the bound (more replications
would tell). Exit codes: 0 every assertion passed; 1 one did not; 2 bad usage or scenario.";

const COMPARE_EXAMPLES: &str = "Examples:
  iotwin compare scenarios/single_carrier.ron scenarios/dual_carrier_esim.ron
  iotwin compare scenarios/single_carrier.ron scenarios/dual_carrier_esim.ron \\
      scenarios/wired_with_lte_backup.ron -r 40 -o reports/compare-designs";

const TRACE_EXAMPLES: &str = "Examples:
  iotwin trace scenarios/fiber_cut_drill.ron -o drill.jsonl
  iotwin trace scenarios/factory.ron --from 2d --to 2d6h --kind lost --kind gateway_down
  iotwin trace scenarios/factory.ron --device sensors/17 -k 3 | head
  iotwin trace scenarios/factory.ron --fleet cameras --kind delivered -o cameras.jsonl

A whole trace is about 125 bytes per step, three steps per message: the size is estimated
before starting, and a trace larger than --max-size is refused unless --force.";

/// `iotwin check`: a run, then its assertions judged.
#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Also write the verdicts as JUnit XML to this file (one test case per assertion).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write the verdicts as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CatalogKind {
    /// Link technologies (`tech:`).
    Links,
    /// Device classes (`class:`) and protocols.
    Devices,
}

#[derive(Args)]
struct TraceArgs {
    /// The scenario file (RON); without it, the built-in factory scenario.
    scenario: Option<PathBuf>,
    /// Which replication to trace (0-based); it is the same world as in `run`.
    #[arg(long, short = 'k', default_value_t = 0)]
    replication: u64,
    /// Seed of every random stream (default: the scenario's).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Keep only steps at or after this simulated time (e.g. "2d", "36h").
    #[arg(long, value_name = "TIME")]
    from: Option<Duration>,
    /// Keep only steps before this simulated time.
    #[arg(long, value_name = "TIME")]
    to: Option<Duration>,
    /// Keep only this device's steps, named FLEET/INDEX as in the trace (repeatable).
    /// Network steps (gateways, carriers, uplinks, groups, causes) are kept as context.
    #[arg(long, value_name = "FLEET/INDEX")]
    device: Vec<String>,
    /// Keep only the steps of this fleet's devices (repeatable).
    #[arg(long, value_name = "FLEET")]
    fleet: Vec<String>,
    /// Keep only steps of this kind, e.g. lost, delivered, gateway_down (repeatable).
    #[arg(long, value_name = "STEP")]
    kind: Vec<String>,
    /// Refuse a trace estimated larger than this, in MB, unless --force.
    #[arg(long, value_name = "MB", default_value_t = 1000.0, value_parser = positive_number)]
    max_size: f64,
    /// Write the trace whatever its estimated size.
    #[arg(long)]
    force: bool,
}

/// `iotwin compare A.ron B.ron [C.ron ...]`: the first design is the baseline.
#[derive(Args)]
struct CompareArgs {
    /// The scenario files (RON) of the designs; the first is the baseline the others are
    /// measured against.
    #[arg(required = true, num_args = 2.., value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// Replications of every design (default: the largest of the designs' own counts).
    #[arg(long, short = 'r', value_parser = replication_count)]
    replications: Option<u32>,
    /// Seed of every design's random streams (default: the first design's). One seed for all
    /// makes replication r of each design face the same outages and failures (common random
    /// numbers), so differences are paired.
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Worker threads (default, or 0: every core). Results do not depend on it.
    #[arg(long, short = 't')]
    threads: Option<usize>,
    /// Output folder (default: reports/compare-<a>-vs-<b>).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Print only the paths written, not the table.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// How telemetry is simulated: every message (packet), in aggregate between state changes
    /// (flow), or flow only where packet mode would be slow and flow models everything (auto).
    #[arg(long, value_enum, default_value_t = ModeArg::Auto)]
    mode: ModeArg,
    /// Refuse a design estimated to need more memory than this, in GiB (default: 80% of the
    /// memory available now).
    #[arg(long, value_name = "GIB", value_parser = positive_number)]
    max_memory: Option<f64>,
}

#[derive(Args)]
struct RunArgs {
    /// The scenario file (RON); without it, the built-in factory scenario runs.
    scenario: Option<PathBuf>,
    /// Number of replications (default: the scenario's).
    #[arg(long, short = 'r', value_parser = replication_count)]
    replications: Option<u32>,
    /// Seed of every random stream (default: the scenario's).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Worker threads (default, or 0: every core). Results do not depend on it.
    #[arg(long, short = 't')]
    threads: Option<usize>,
    /// Output folder (default: reports/<scenario name>).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Print only the paths written, not the table.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// How telemetry is simulated: every message (packet), in aggregate between state changes
    /// (flow), or flow only where packet mode would be slow and flow models everything (auto).
    #[arg(long, value_enum, default_value_t = ModeArg::Auto)]
    mode: ModeArg,
    /// Refuse a run estimated to need more memory than this, in GiB (default: 80% of the
    /// memory available now).
    #[arg(long, value_name = "GIB", value_parser = positive_number)]
    max_memory: Option<f64>,
    /// Sequential mode: add replications (doubling, reusing those run) until the 95% CI
    /// half-width of `--metric` is at most this, in the metric's unit (ratios as fractions:
    /// 0.0001 is ±0.01%).
    #[arg(long, value_name = "HALF_WIDTH")]
    precision: Option<f64>,
    /// The metric `--precision` is about.
    #[arg(long, default_value = "data_completeness", requires = "precision")]
    metric: String,
    /// The most replications `--precision` may run.
    #[arg(long, default_value_t = 1000, requires = "precision", value_parser = replication_count)]
    max_replications: u32,
    /// Run only shard INDEX of COUNT (numbered from 0): a contiguous block of the
    /// replications, written to DIR/shard-IIII-of-NNNN.json for `iotwin merge`.
    #[arg(long, value_name = "INDEX/COUNT")]
    shard: Option<iotwin::montecarlo::shard::Shard>,
    /// Continue an interrupted run with the same options: the replications it finished
    /// (kept in DIR/.iotwin-progress) are not run again.
    #[arg(long)]
    resume: bool,
    /// Stop with exit code 1 once this many replications are recorded, as if killed (tests).
    #[arg(long, hide = true, value_name = "K")]
    stop_after: Option<u64>,
}

/// A replication count from the command line: at least 1 (`-r 0` used to run 1 silently) and
/// at most [`scenario::MAX_REPLICATIONS`].
fn replication_count(text: &str) -> Result<u32, String> {
    let n: u64 = text
        .trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not a whole number of replications, e.g. 30"))?;
    if n == 0 {
        return Err("at least 1 replication is needed, e.g. --replications 30".into());
    }
    u32::try_from(n)
        .ok()
        .filter(|&n| n <= scenario::MAX_REPLICATIONS)
        .ok_or_else(|| {
            format!(
                "{n} is more than the {} replications one study may run; 1,000 are usually plenty, and --precision stops once an interval is narrow enough",
                scenario::MAX_REPLICATIONS
            )
        })
}

/// A limit from the command line (`--max-size`, `--max-memory`): a positive, finite number.
/// `nan` compares false with everything, so it would silently mean "no limit" (or, as a
/// memory limit, refuse every run with a hint about flow mode).
fn positive_number(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("\"{text}\" is not a positive number, e.g. 2.5")),
    }
}

/// `--mode`: the library's [`Mode`], spelled for the command line.
#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Packet,
    Flow,
    Auto,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Packet => Mode::Packet,
            ModeArg::Flow => Mode::Flow,
            ModeArg::Auto => Mode::Auto,
        }
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::check(args),
        Command::Compare(args) => compare::compare(args),
        Command::Merge(args) => shard::merge(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Trace(args) => trace::trace(args),
        Command::Validate { scenario } => validate::validate(&scenario),
        Command::Completions { shell } => man::completions(shell),
        Command::Man { dir } => man::man(&dir),
        Command::Fit(args) => fit::fit(args),
        Command::Forecast(args) => forecast::forecast(args),
        Command::Backtest(args) => forecast::backtest(args),
        Command::Catalog { kind } => catalog::catalog(kind),
    }
}

/// Prints to standard output, treating a closed pipe as success.
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}
