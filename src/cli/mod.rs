//! The command line: parse arguments, call the library, print. Nothing here simulates.
//!
//! Exit codes: 0 success; 1 a run failed (an invariant broke, a file could not be written);
//! 2 bad usage or an invalid scenario. A closed pipe on standard output is not an error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use iotwin::engine::Duration;
use iotwin::model::{Topology, Unreachable, World};
use iotwin::montecarlo::check::Verdict;
use iotwin::montecarlo::{self, Mode, RunOptions, Summary};
use iotwin::report;
use iotwin::report::trace::JsonLines;
use iotwin::scenario::{self, Deployment, ScenarioError};

mod fit;
mod forecast;
mod shard;
mod sweep;

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
    #[arg(long, value_name = "MB", default_value_t = 1000.0)]
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
    /// Worker threads (default: all cores). Results do not depend on it.
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
    #[arg(long, value_name = "GIB")]
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
    /// Worker threads (default: all cores). Results do not depend on it.
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
    #[arg(long, value_name = "GIB")]
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

/// The mode a study of `dep` runs in, or exit 2 when flow mode was asked for and cannot model
/// it.
fn resolve_mode(dep: &Deployment, asked: Mode) -> Result<Mode, ExitCode> {
    montecarlo::resolve_mode(dep, asked).map_err(|reason| {
        eprintln!("error: --mode flow: {reason}");
        eprintln!("  = hint: run it with --mode packet (or --mode auto)");
        ExitCode::from(2)
    })
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
        Command::Run(args) => run(args),
        Command::Check(args) => check(args),
        Command::Compare(args) => compare(args),
        Command::Merge(args) => shard::merge(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Trace(args) => trace(args),
        Command::Validate { scenario } => validate(&scenario),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut cmd, "iotwin", &mut out);
            ExitCode::SUCCESS
        }
        Command::Man { dir } => man(&dir),
        Command::Fit(args) => fit::fit(args),
        Command::Forecast(args) => forecast::forecast(args),
        Command::Backtest(args) => forecast::backtest(args),
        Command::Catalog {
            kind: CatalogKind::Links,
        } => {
            say(&format!(
                "{}\nA link written `Link(tech: Lte)` starts from that row; fields written beside it override it.\n",
                iotwin::scenario::catalog::table()
            ));
            ExitCode::SUCCESS
        }
        Command::Catalog {
            kind: CatalogKind::Devices,
        } => {
            say(&format!(
                "{}\nA fleet written `Fleet(class: SmartMeter, ...)` starts from that row; fields written beside it override it.\n",
                iotwin::scenario::devices::table()
            ));
            ExitCode::SUCCESS
        }
    }
}

/// Prints to standard output, treating a closed pipe as success.
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

/// Reads and compiles a scenario, and refuses one whose fleets cannot reach the cloud.
fn load(path: Option<&Path>) -> Result<Deployment, ScenarioError> {
    let dep = match path {
        Some(p) => scenario::load(p),
        None => {
            scenario::compile_source(scenario::DEFAULT_SCENARIO, scenario::DEFAULT_SCENARIO_NAME)
        }
    }?;
    // What `check` refuses, `validate` and `run` refuse too: an assertion on a metric that
    // does not exist is a mistake in the file whatever the command.
    montecarlo::check::validate(&dep)?;
    let topology = Topology::build(&dep);
    let cut: Vec<String> = topology
        .unreachable()
        .into_iter()
        .filter_map(|u| match u {
            Unreachable::Fleet(f) => Some(format!("\"{}\"", dep.fleets[f].id)),
            Unreachable::Gateway(_) => None,
        })
        .collect();
    if !cut.is_empty() {
        let file = path.map_or(scenario::DEFAULT_SCENARIO_NAME.to_string(), |p| {
            p.display().to_string()
        });
        return Err(ScenarioError::Io {
            file,
            message: format!("fleets {} have no path to the cloud", cut.join(", ")),
            hint: "give their gateways an uplink through a carrier".into(),
        });
    }
    Ok(dep)
}

fn validate(path: &Path) -> ExitCode {
    match load(Some(path)) {
        Ok(dep) => {
            say(&format!(
                "ok: {} — {} sites, {} carriers, {} gateways, {} fleets, {} devices, horizon {}, {} replications\n",
                dep.name,
                dep.sites.len(),
                dep.carriers.len(),
                dep.gateways.len(),
                dep.fleets.len(),
                dep.device_count(),
                Duration(dep.horizon),
                dep.replications
            ));
            for c in &dep.crews {
                let sites: Vec<String> = c
                    .sites
                    .iter()
                    .map(|&s| format!("\"{}\"", dep.sites[s]))
                    .collect();
                let spares = c.spares.as_ref().map_or(String::new(), |p| {
                    format!(", {} spare parts re-ordered one for one", p.stock)
                });
                say(&format!(
                    "crew \"{}\": {} technician{} for {}{spares}\n",
                    c.id,
                    c.technicians,
                    if c.technicians == 1 { "" } else { "s" },
                    sites.join(", ")
                ));
            }
            say(&Topology::build(&dep).describe(&dep));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: RunArgs) -> ExitCode {
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

/// Runs a scenario like `run`, then judges its `expect` assertions: exit 0 when all pass,
/// 1 naming each one that failed or was inconclusive.
fn check(args: CheckArgs) -> ExitCode {
    let (_, summary, mut text) = match study(&args.run, true) {
        Ok(done) => done,
        Err(code) => return code,
    };
    let judgements = &summary.verdicts;
    text.push_str(&report::judgements_table(&summary));
    if let Some(path) = &args.junit {
        let xml = report::verdicts::junit_xml(&summary).map_err(std::io::Error::other);
        match xml.and_then(|xml| report::write_atomically(path, xml.as_bytes())) {
            Ok(()) => text.push_str(&format!("wrote {}\n", path.display())),
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(1);
            }
        }
    }
    if let Some(path) = &args.json {
        let json = report::verdicts::verdicts_json(&summary);
        match report::write_atomically(path, json.as_bytes()) {
            Ok(()) => text.push_str(&format!("wrote {}\n", path.display())),
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(1);
            }
        }
    }
    say(&text);
    let failed = judgements
        .iter()
        .filter(|j| j.verdict != Verdict::Pass)
        .count();
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "check: {failed} of {} assertions did not pass",
            judgements.len()
        );
        ExitCode::from(1)
    }
}

/// Loads, runs and writes a study; returns the text to print, or the exit code of a failure
/// (already reported on stderr).
fn study(args: &RunArgs, checking: bool) -> Result<(Deployment, Summary, String), ExitCode> {
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
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {pos}/{len} replications, {elapsed} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
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

/// Loads every design (all of them, so each invalid file is reported), runs them on one seed
/// and replication count, compares them with the first, and writes the comparison.
fn compare(args: CompareArgs) -> ExitCode {
    let mut designs = vec![];
    let mut invalid = false;
    for path in &args.scenarios {
        match load(Some(path)) {
            Ok(dep) => designs.push(dep),
            Err(e) => {
                eprintln!("{e}");
                invalid = true;
            }
        }
    }
    if invalid {
        return ExitCode::from(2);
    }
    let asked = RunOptions {
        replications: args.replications,
        seed: args.seed,
        threads: args.threads,
        mode: args.mode.into(),
    };
    let opts = montecarlo::compare::common_options(&designs, &asked);
    for dep in &designs {
        if let Err(code) = resolve_mode(dep, opts.mode) {
            return code;
        }
    }
    let total = opts.replications.unwrap_or(1).max(1) as u64;
    for dep in &designs {
        if let Err(code) = check_memory(dep, &opts, total, args.max_memory) {
            return code;
        }
    }
    let bar = ProgressBar::new(total * designs.len() as u64).with_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {pos}/{len} replications, {elapsed} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let mut summaries = vec![];
    for (dep, path) in designs.iter().zip(&args.scenarios) {
        bar.set_message(dep.name.clone());
        match montecarlo::run(dep, &opts, &|| bar.inc(1)) {
            Ok(s) => summaries.push(s),
            Err(e) => {
                bar.finish_and_clear();
                eprintln!("error: {}: {e}", path.display());
                eprintln!(
                    "  = reproduce: iotwin run {} --seed {} --replications {total} --threads 1",
                    path.display(),
                    opts.seed.unwrap_or(dep.seed)
                );
                return ExitCode::from(1);
            }
        }
    }
    bar.finish_and_clear();
    let comparison = montecarlo::compare::compare(&summaries);
    let dir = args.out.clone().unwrap_or_else(|| {
        let names: Vec<String> = designs.iter().map(|d| folder_name(&d.name)).collect();
        PathBuf::from("reports").join(format!("compare-{}", names.join("-vs-")))
    });
    let _lock = match lock_output(&dir, REPORT_LOCK) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    let written = match report::compare::write_compare_outputs(&comparison, &dir) {
        Ok(written) => written,
        Err(e) => {
            eprintln!(
                "error: cannot write the comparison to {}: {e}",
                dir.display()
            );
            eprintln!("  = hint: choose another folder with --out DIR");
            return ExitCode::from(1);
        }
    };
    let mut text = String::new();
    if !args.quiet {
        text.push_str(&report::compare::compare_table(&comparison));
        text.push('\n');
    }
    for path in written {
        text.push_str(&format!("wrote {}\n", path.display()));
    }
    say(&text);
    ExitCode::SUCCESS
}

/// The lock of a whole report set in an output folder (a shard's file has its own).
pub(crate) const REPORT_LOCK: &str = ".iotwin-lock";

/// Takes the exclusive right to write `name`'s output in `dir`, or says who holds it.
pub(crate) fn lock_output(dir: &Path, name: &str) -> Result<report::output::OutputLock, ExitCode> {
    let command: Vec<String> = std::env::args().collect();
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let holder = format!(
        "pid {}, command `{}`, started {}",
        std::process::id(),
        command.join(" "),
        utc(started)
    );
    report::output::OutputLock::acquire(dir, name, &holder).map_err(|e| {
        eprintln!("error: {e}");
        eprintln!("  = hint: {}", e.hint());
        ExitCode::from(2)
    })
}

/// `2026-12-06 13:40:05 UTC` for seconds since 1970 (the civil-from-days algorithm of
/// Howard Hinnant's date library).
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// A scenario name made safe as a folder name. Names that had to change get a short hash of
/// the name as written, so names that clean to the same text (`.`, ` ` and `~` all clean to
/// `_`) still get folders of their own instead of overwriting each other's reports.
fn folder_name(name: &str) -> String {
    use sha2::{Digest, Sha256};
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned == name && !name.is_empty() {
        return cleaned;
    }
    let digest = Sha256::digest(name.as_bytes());
    let tag: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let stem = if cleaned.is_empty() { "run" } else { &cleaned };
    format!("{stem}-{tag}")
}

fn trace(args: TraceArgs) -> ExitCode {
    let mut dep = match load(args.scenario.as_deref()) {
        Ok(dep) => dep,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if let Some(seed) = args.seed {
        dep.seed = seed;
    }
    let filter = match trace_filter(&dep, &args) {
        Ok(filter) => filter,
        Err(code) => return code,
    };
    let estimate =
        report::trace::lines_needed(&dep) * filter.share(dep.horizon, dep.device_count());
    let megabytes = estimate * report::trace::BYTES_PER_LINE / 1e6;
    eprintln!(
        "trace: about {:.3e} lines, {} (replication {}, {} to {})",
        estimate,
        if megabytes >= 1000.0 {
            format!("{:.1} GB", megabytes / 1000.0)
        } else {
            format!("{megabytes:.1} MB")
        },
        args.replication,
        Duration(filter.from),
        Duration(filter.to.unwrap_or(dep.horizon).min(dep.horizon)),
    );
    if megabytes > args.max_size && !args.force {
        eprintln!(
            "error: the trace would be about {megabytes:.0} MB, over --max-size {} MB",
            args.max_size
        );
        eprintln!(
            "  = hint: narrow it with --from/--to, --device, --fleet or --kind; or raise --max-size, or add --force"
        );
        return ExitCode::from(2);
    }
    let bar = ProgressBar::new(100).with_style(
        ProgressStyle::with_template(
            "{spinner} tracing [{bar:30}] {pos}% of the horizon, {elapsed}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let horizon = dep.horizon;
    let result = match &args.out {
        None => {
            let stdout = std::io::stdout().lock();
            let writer = JsonLines::new(&dep, std::io::BufWriter::new(stdout)).filtered(filter);
            let writer = Progress::new(writer, &bar, horizon);
            World::run_observed(&dep, args.replication, writer)
                .map(|(_, w)| w.inner.finish().map(|_| ()))
        }
        Some(path) => {
            let writer = JsonLines::new(&dep, Vec::new()).filtered(filter);
            let writer = Progress::new(writer, &bar, horizon);
            World::run_observed(&dep, args.replication, writer).map(|(_, w)| {
                w.inner
                    .finish()
                    .and_then(|bytes| report::write_atomically(path, &bytes))
            })
        }
    };
    bar.finish_and_clear();
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: cannot write the trace: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!(
                "error: replication {} (seed {}): {e}",
                args.replication, dep.seed
            );
            ExitCode::from(1)
        }
    }
}

/// The trace filter the arguments ask for, or exit 2 naming what does not exist.
fn trace_filter(dep: &Deployment, args: &TraceArgs) -> Result<report::trace::Filter, ExitCode> {
    let refuse = |what: String, hint: String| {
        eprintln!("error: {what}");
        eprintln!("  = hint: {hint}");
        ExitCode::from(2)
    };
    let mut kinds = vec![];
    for k in &args.kind {
        match report::trace::STEP_KINDS.iter().find(|s| **s == k.as_str()) {
            Some(kind) => kinds.push(*kind),
            None => {
                let guess = scenario::closest_name(k, report::trace::STEP_KINDS.iter().copied());
                let hint = match guess {
                    Some(g) => format!("did you mean \"{g}\"?"),
                    None => format!("steps are {}", report::trace::STEP_KINDS.join(", ")),
                };
                return Err(refuse(format!("--kind {k}: no such trace step"), hint));
            }
        }
    }
    let mut firsts = vec![];
    let mut first = 0u32;
    for f in &dep.fleets {
        firsts.push(first);
        first += f.count;
    }
    let fleet_index = |id: &str| -> Result<usize, ExitCode> {
        dep.fleets.iter().position(|f| f.id == id).ok_or_else(|| {
            let ids = dep.fleets.iter().map(|f| f.id.as_str());
            let hint = match scenario::closest_name(id, ids.clone()) {
                Some(g) => format!("did you mean \"{g}\"?"),
                None => format!("fleets are {}", ids.collect::<Vec<_>>().join(", ")),
            };
            refuse(
                format!("no fleet \"{id}\" in scenario \"{}\"", dep.name),
                hint,
            )
        })
    };
    let mut devices: Option<Vec<u32>> = None;
    for id in &args.fleet {
        let f = fleet_index(id)?;
        devices
            .get_or_insert_with(Vec::new)
            .extend(firsts[f]..firsts[f] + dep.fleets[f].count);
    }
    for name in &args.device {
        let Some((fleet, index)) = name.rsplit_once('/') else {
            return Err(refuse(
                format!("--device {name}: expected FLEET/INDEX"),
                "name a device as the trace does, e.g. sensors/17".to_string(),
            ));
        };
        let f = fleet_index(fleet)?;
        let count = dep.fleets[f].count;
        match index.parse::<u32>() {
            Ok(i) if i < count => devices.get_or_insert_with(Vec::new).push(firsts[f] + i),
            _ => {
                return Err(refuse(
                    format!(
                        "--device {name}: fleet \"{fleet}\" has devices 0 to {}",
                        count - 1
                    ),
                    "the index counts from 0 within the fleet".to_string(),
                ));
            }
        }
    }
    if let Some(d) = &mut devices {
        d.sort_unstable();
        d.dedup();
    }
    let from = args.from.map_or(0, |d| d.0);
    let to = args.to.map(|d| d.0);
    if to.is_some_and(|to| to <= from) {
        return Err(refuse(
            "--to must be after --from".to_string(),
            "e.g. --from 2d --to 3d".to_string(),
        ));
    }
    Ok(report::trace::Filter {
        from,
        to,
        devices,
        kinds,
    })
}

/// An observer that moves a progress bar along the simulated time as it passes steps on.
struct Progress<'b, O> {
    inner: O,
    bar: &'b ProgressBar,
    horizon: u64,
    percent: u64,
}

impl<'b, O> Progress<'b, O> {
    fn new(inner: O, bar: &'b ProgressBar, horizon: u64) -> Self {
        Progress {
            inner,
            bar,
            horizon: horizon.max(1),
            percent: 0,
        }
    }
}

impl<O: iotwin::model::Observer> iotwin::model::Observer for Progress<'_, O> {
    fn observe(&mut self, now: u64, step: iotwin::model::Trace) {
        let percent = (now as u128 * 100 / self.horizon as u128) as u64;
        if percent > self.percent {
            self.percent = percent;
            self.bar.set_position(percent.min(100));
        }
        self.inner.observe(now, step);
    }
}

/// Writes `iotwin.1` and a page per command into `dir`.
fn man(dir: &Path) -> ExitCode {
    let cmd = <Cli as clap::CommandFactory>::command();
    let mut pages = vec![("iotwin".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands() {
        let name = format!("iotwin-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    let written = std::fs::create_dir_all(dir).and_then(|()| {
        let mut paths = vec![];
        for (name, page) in pages {
            let mut bytes = vec![];
            let page = page.after_long_help(EXIT_CODES);
            clap_mangen::Man::new(page)
                .title(name.to_uppercase())
                .render(&mut bytes)?;
            let path = dir.join(format!("{name}.1"));
            report::write_atomically(&path, &bytes)?;
            paths.push(path);
        }
        Ok(paths)
    });
    match written {
        Ok(paths) => {
            let list: String = paths
                .iter()
                .map(|p| format!("wrote {}\n", p.display()))
                .collect();
            say(&list);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "error: cannot write the man pages to {}: {e}",
                dir.display()
            );
            ExitCode::from(1)
        }
    }
}

/// Refuses, before it starts, a run that would not fit in memory (invariant 6 in ARCHITECTURE.md).
fn check_memory(
    dep: &Deployment,
    opts: &RunOptions,
    replications: u64,
    max_gib: Option<f64>,
) -> Result<(), ExitCode> {
    use montecarlo::budget::{self, Advice};
    let Err(refused) = budget::check_fits(dep, opts, replications, max_gib) else {
        return Ok(());
    };
    eprintln!(
        "error: this run needs about {} ({} devices and their gateway buffers, {} replication{} at a time), more than the {} allowed",
        budget::human_bytes(refused.needed),
        refused.devices,
        refused.concurrent,
        if refused.concurrent == 1 { "" } else { "s" },
        budget::human_bytes(refused.limit)
    );
    let hint = match refused.advice {
        Advice::FlowMode => {
            "run it in flow mode (--mode flow), which keeps no message events; or fewer replications at once with --threads 1"
        }
        Advice::FewerAtOnce => {
            "run fewer replications at once with --threads 1, or split the fleet into several scenarios"
        }
        Advice::SplitFleet => {
            "split the fleet into several scenarios, or lower buffer_messages; --max-memory GIB raises the limit"
        }
    };
    eprintln!("  = hint: {hint}");
    Err(ExitCode::from(2))
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

/// Says before a run starts how long it will take, when that is more than a minute, so a
/// mistake (a report period of a microsecond, a thousand-year horizon) shows at once.
fn warn_if_long(dep: &Deployment, opts: &RunOptions, replications: u64) {
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, replications.max(1) as usize);
    let events = montecarlo::events_needed_in(dep, opts.mode) * replications as f64;
    let seconds = events / (montecarlo::EVENTS_PER_SECOND_PER_THREAD * threads as f64);
    if seconds > 60.0 {
        eprintln!(
            "note: about {:.3e} events ({} mode, {} replication{} on {threads} thread{}); expect roughly {} (Ctrl-C stops it)",
            events,
            opts.mode.name(),
            replications,
            if replications == 1 { "" } else { "s" },
            if threads == 1 { "" } else { "s" },
            Duration::from_secs(seconds.round() as u64)
        );
        if opts.mode == Mode::Packet && montecarlo::flow_unsupported(dep).is_none() {
            eprintln!(
                "  = hint: --mode flow accounts telemetry in aggregate between state changes (about {:.3e} events)",
                montecarlo::events_needed_in(dep, Mode::Flow) * replications as f64
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::folder_name;

    #[test]
    fn folder_names_stay_distinct_and_plain_names_unchanged() {
        let names = [".", " ", "~", "_", "a b", "a.b", "a_b", ""];
        let folders: Vec<String> = names.iter().map(|n| folder_name(n)).collect();
        let mut unique = folders.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{folders:?}");
        assert_eq!(folder_name("smart_home"), "smart_home");
        assert!(
            folders
                .iter()
                .all(|f| !f.starts_with('.') && !f.contains('/'))
        );
    }
}
