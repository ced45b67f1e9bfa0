//! `iotwin compare`: designs run on common random numbers, each compared with the first.

use std::path::PathBuf;
use std::process::ExitCode;

use iotwin::montecarlo::{self, RunOptions};
use iotwin::report;

use super::output::{REPORT_LOCK, folder_name, lock_output};
use super::preflight::check_memory;
use super::run::resolve_mode;
use super::validate::load;
use super::{CompareArgs, say};

/// Loads every design (all of them, so each invalid file is reported), runs them on one seed
/// and replication count, compares them with the first, and writes the comparison.
pub(super) fn compare(args: CompareArgs) -> ExitCode {
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
    let bar = super::progress::replications(total * designs.len() as u64);
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
