//! `iotwin forecast SCENARIO`: the coming days of the fleet as it stands (the scenario's
//! inventory), simulated many times: failures, swaps, expiries, replacements, truck rolls,
//! crew hours and costs with 95% prediction intervals, a fan chart per quantity.
//! `iotwin backtest SCENARIO RECORDS...`: the same forecast made at past dates from the
//! records known then, against what the records say happened.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use iotwin::engine::{Duration, Ticks};
use iotwin::fit::records;
use iotwin::forecast::{self, DAY, backtest};
use iotwin::scenario::table::parse_time;

#[derive(Args)]
pub struct ForecastArgs {
    /// The scenario: structure, laws and (usually) `inventory` with `as_of`; see docs/twin.md.
    scenario: PathBuf,
    /// Output folder (default: reports/<scenario name>-forecast).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// How far ahead.
    #[arg(long, default_value = "365d", value_parser = parse_duration)]
    horizon: Ticks,
    /// The points of the tables, comma-separated (each at most the horizon).
    #[arg(long, value_delimiter = ',', default_value = "30d,90d,365d", value_parser = parse_duration)]
    at: Vec<Ticks>,
    /// Futures to simulate (default: the scenario's replications).
    #[arg(long, short = 'r')]
    replications: Option<u32>,
    /// Seed (default: the scenario's).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Simulate every message (packet mode) instead of telemetry in aggregate (flow mode).
    #[arg(long)]
    packets: bool,
}

#[derive(Args)]
pub struct BacktestArgs {
    /// The scenario: its fleets (named as in the records), sites and gateways.
    scenario: PathBuf,
    /// Field records (failure, still_running, repair rows), as for `iotwin fit`.
    #[arg(required = true, value_name = "RECORDS")]
    records: Vec<PathBuf>,
    /// The first window's start (an ISO date).
    #[arg(long)]
    from: String,
    /// No window ends after this date.
    #[arg(long)]
    to: String,
    /// Length of each window.
    #[arg(long, default_value = "90d", value_parser = parse_duration)]
    window: Ticks,
    /// Time between window starts (default: the window's length).
    #[arg(long, value_parser = parse_duration)]
    every: Option<Ticks>,
    /// Futures per window.
    #[arg(long, short = 'r', default_value_t = 200)]
    replications: u32,
    #[arg(long, short = 's', default_value_t = 1)]
    seed: u64,
    /// Output folder (default: reports/<scenario name>-backtest).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
}

fn parse_duration(text: &str) -> Result<Ticks, String> {
    Duration::parse(text)
        .map(|d| d.ticks())
        .map_err(|e| format!("{e} (e.g. 90d)"))
}

fn write_set(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> ExitCode {
    let _lock = match super::lock_output(dir, "forecast") {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    match iotwin::report::output::write_set(dir, files, &[]) {
        Ok(written) => {
            let text: String = written
                .iter()
                .map(|p| format!("wrote {}\n", p.display()))
                .collect();
            super::say(&text);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write to {}: {e}", dir.display());
            eprintln!("  = hint: choose another folder with --out DIR");
            ExitCode::from(1)
        }
    }
}

pub fn forecast(args: ForecastArgs) -> ExitCode {
    let dep = match super::load(Some(&args.scenario)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if let Some(&too_far) = args.at.iter().find(|&&m| m > args.horizon) {
        eprintln!(
            "error: --at {} is beyond the --horizon {}",
            Duration(too_far),
            Duration(args.horizon)
        );
        eprintln!(
            "  = hint: lengthen the horizon, e.g. --horizon {}",
            Duration(too_far)
        );
        return ExitCode::from(2);
    }
    let opts = forecast::Options {
        horizon: args.horizon,
        marks: args.at.clone(),
        replications: args.replications.unwrap_or(dep.replications),
        seed: args.seed.unwrap_or(dep.seed),
        flow: !args.packets,
    };
    let f = match forecast::forecast(&dep, &opts) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let files = match forecast::report::files(&f) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: cannot draw the charts: {e}");
            return ExitCode::from(1);
        }
    };
    let md = files
        .iter()
        .find(|(n, _)| n == Path::new("forecast.md"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    super::say(md.split("\n## Over time").next().unwrap_or(""));
    super::say("\n");
    let dir = args
        .out
        .unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-forecast", dep.name)));
    write_set(&dir, &files)
}

pub fn backtest(args: BacktestArgs) -> ExitCode {
    let dep = match super::load(Some(&args.scenario)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let date = |flag: &str, text: &str| {
        parse_time(text).map_err(|e| {
            eprintln!("error: --{flag}: {e}");
            eprintln!("  = hint: {}", iotwin::scenario::table::DATE_HINT);
            ExitCode::from(2)
        })
    };
    let (from, to) = match (date("from", &args.from), date("to", &args.to)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let mut all = vec![];
    for path in &args.records {
        match records::load(path) {
            Ok(mut rows) => all.append(&mut rows),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    }
    let every = args.every.unwrap_or(args.window);
    let starts = backtest::starts(from, to, every, args.window);
    if starts.is_empty() {
        eprintln!(
            "error: no {}-day window fits between --from and --to",
            args.window / DAY
        );
        eprintln!("  = hint: move --from earlier or --to later, or shorten --window");
        return ExitCode::from(2);
    }
    let opts = backtest::Options {
        starts,
        window: args.window,
        replications: args.replications,
        seed: args.seed,
    };
    let b = match backtest::backtest(&dep, &all, &opts) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("  = hint: each fleet needs failures and repairs before the first window");
            return ExitCode::from(2);
        }
    };
    super::say(&backtest::calibration_md(&b));
    let dir = args
        .out
        .unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-backtest", dep.name)));
    write_set(&dir, &backtest::files(&b))
}
