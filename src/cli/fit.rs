//! `iotwin fit RECORDS...`: fit failure, repair and outage laws from field records and write
//! them as scenario snippets, with a Markdown and JSON summary and Weibull plots.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use iotwin::fit::{self, Options, law::Family, records, sample};

#[derive(Args)]
pub struct FitArgs {
    /// Field record files: CSV with a header, or JSON lines (.jsonl); see docs/twin.md.
    #[arg(required = true, value_name = "RECORDS")]
    records: Vec<PathBuf>,
    /// Output folder.
    #[arg(long, short = 'o', default_value = "reports/fit")]
    out: PathBuf,
    /// Candidate laws, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "exponential,weibull,lognormal,gamma"
    )]
    laws: Vec<String>,
    /// Parametric-bootstrap resamples behind each goodness-of-fit p-value (0: distance only).
    #[arg(long, default_value_t = Options::default().resamples)]
    resamples: u32,
    /// Seed of the bootstrap's random streams.
    #[arg(long, short = 's', default_value_t = Options::default().seed)]
    seed: u64,
    /// Print only the paths written, not the snippets.
    #[arg(long, short = 'q')]
    quiet: bool,
}

pub fn fit(args: FitArgs) -> ExitCode {
    let mut families = vec![];
    for name in &args.laws {
        match Family::parse(name) {
            Some(f) if !families.contains(&f) => families.push(f),
            Some(_) => {}
            None => {
                let names = Family::ALL.map(|f| f.name());
                let hint = match iotwin::scenario::closest_name(name, names) {
                    Some(guess) => format!("did you mean \"{guess}\"?"),
                    None => format!("the laws are: {}", names.join(", ")),
                };
                eprintln!("error: --laws: unknown law \"{name}\"");
                eprintln!("  = hint: {hint}");
                return ExitCode::from(2);
            }
        }
    }
    let mut all = vec![];
    let mut invalid = false;
    for path in &args.records {
        match records::load(path) {
            Ok(mut rows) => all.append(&mut rows),
            Err(e) => {
                eprintln!("{e}");
                invalid = true;
            }
        }
    }
    if invalid {
        return ExitCode::from(2);
    }
    let samples = match sample::samples(&all) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if samples.is_empty() {
        eprintln!("error: the records hold no failure, repair or outage to fit");
        eprintln!(
            "  = hint: rows of kind failure, still_running, repair, outage or still_up; see docs/twin.md"
        );
        return ExitCode::from(2);
    }
    let options = Options {
        families,
        resamples: args.resamples,
        seed: args.seed,
    };
    let fits = fit::fit_samples(samples, &options);
    let written = match fit::summary::write_outputs(&fits, &options, &args.out) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot write the fit to {}: {e}", args.out.display());
            eprintln!("  = hint: choose another folder with --out DIR");
            return ExitCode::from(1);
        }
    };
    let mut text = String::new();
    if !args.quiet {
        text.push_str(&fit::snippet::snippets(&fits));
        text.push('\n');
    }
    for path in written {
        text.push_str(&format!("wrote {}\n", path.display()));
    }
    super::say(&text);
    ExitCode::SUCCESS
}
