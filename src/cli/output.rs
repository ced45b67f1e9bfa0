//! The output folder: its default name, and the lock that keeps two commands from writing
//! into it at once.

use std::path::Path;
use std::process::ExitCode;

use iotwin::report;

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
pub(crate) fn folder_name(name: &str) -> String {
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
