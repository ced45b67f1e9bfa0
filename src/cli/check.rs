//! `iotwin check`: a run, then its `expect` assertions judged (and written as JUnit or JSON).

use std::process::ExitCode;

use iotwin::montecarlo::check::Verdict;
use iotwin::report;

use super::run::study;
use super::{CheckArgs, say};

/// Runs a scenario like `run`, then judges its `expect` assertions: exit 0 when all pass,
/// 1 naming each one that failed or was inconclusive.
pub(super) fn check(args: CheckArgs) -> ExitCode {
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
