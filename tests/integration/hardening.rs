//! Hostile input and faults: every input is bounded in the memory and time it can cost, every
//! number derived from input is checked, and what `check` refuses `validate` and `run` refuse
//! too. Each test is one attack that used to get through.

use std::path::Path;

use assert_cmd::Command;
use iotwin::engine::Duration;
use iotwin::engine::time::DurationError;
use iotwin::scenario::{self, FieldMap, ScenarioError};

/// A small valid scenario: one site, one carrier, one gateway, one fleet, a short horizon.
const SMALL: &str = r#"Scenario(
    name: "small",
    horizon: "2d",
    replications: 2,
    sites: [Site(id: "s")],
    carriers: [Carrier(id: "c")],
    gateways: [Gateway(id: "g", site: "s", buffer_messages: 1000, uplinks: [Uplink(carrier: "c")])],
    fleets: [
        Fleet(id: "f", site: "s", gateway: "g", count: 5, report: Fixed("10m"),
            failure: Failure(lifetime: Exponential(mean: "30d"), repair: Exponential(mean: "1d"))),
    ],
)
"#;

fn iotwin() -> Command {
    Command::cargo_bin("iotwin").expect("binary built")
}

/// `SMALL` with `from` (which must occur once) replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(SMALL.matches(from).count(), 1, "`{from}` must occur once");
    SMALL.replacen(from, to, 1)
}

/// The located diagnostic of text that must be refused.
fn refused(text: &str) -> scenario::Diagnostic {
    match scenario::compile_source(text, "bad.ron") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e
            .diagnostic()
            .cloned()
            .unwrap_or_else(|| panic!("not located: {e}")),
    }
}

fn write(dir: &Path, name: &str, text: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write scenario");
    path
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// ---- Memory from small inputs ----

#[test]
fn validate_of_an_endless_file_stops_with_an_error() {
    let out = iotwin()
        .args(["validate", "/dev/zero"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("larger than 16 MiB"), "{err}");
}

#[test]
fn deep_nesting_is_refused_at_once() {
    // 200,000 nested brackets (400 KB): the field map's path strings, one per element and as
    // long as its depth, made this abort past 6.6 GB. RON refuses it at the second bracket
    // (a fleet is expected there); nesting where any value is allowed stops at 128 levels.
    let depth = 200_000;
    let text = format!(
        "Scenario(fleets: {}{})",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let started = std::time::Instant::now();
    let d = refused(&text);
    assert_eq!((d.line, d.column), (1, 19), "{}", d.message);
    assert!(
        started.elapsed().as_secs() < 5,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn the_field_map_of_a_deep_document_is_linear_and_still_finds_fields() {
    let depth = 100_000;
    let text = format!(
        "Scenario(a: {}Fleet(id: \"x\"){})",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let map = FieldMap::scan(&text);
    let deep = format!("a{}.id", "[0]".repeat(depth));
    assert_eq!(map.exact(&deep).map(|p| p.line), Some(1));
    assert!(map.exact("a[1]").is_none());
}

#[test]
fn a_sweep_grid_that_would_wrap_to_zero_points_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = write(tmp.path(), "s.ron", SMALL.as_bytes());
    let mut cmd = iotwin();
    cmd.arg("sweep")
        .arg(&path)
        .arg("--out")
        .arg(tmp.path().join("out"));
    // 16 parameters of 16 values: 2^64 points, which an unchecked product wraps to 0.
    for _ in 0..16 {
        let values: Vec<String> = (1..=16).map(|v| v.to_string()).collect();
        cmd.arg("--set")
            .arg(format!("fleets[0].count={}", values.join(",")));
    }
    let out = cmd.output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("more than the 10000"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn replication_counts_no_one_means_are_refused_before_anything_runs() {
    for bad in ["0", "4000000000", "1000001"] {
        let out = iotwin()
            .args(["run", "-r", bad, "-q", "--out", "/nonexistent/never"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "-r {bad}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("--replications"),
            "{}",
            stderr_of(&out)
        );
    }
    let d = refused(&edit("replications: 2", "replications: 4000000"));
    assert_eq!(d.field, "replications", "{d}");
}

#[test]
fn the_memory_estimate_counts_the_bookkeeping_of_every_replication() {
    // A tiny fleet, a million replications, and a 0.05 GiB budget: the per-replication rows
    // alone are past it, so the run is refused before it starts.
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = write(tmp.path(), "s.ron", SMALL.as_bytes());
    let out = iotwin()
        .arg("run")
        .arg(&path)
        .args(["-r", "1000000", "--max-memory", "0.05", "-q", "--out"])
        .arg(tmp.path().join("out"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("needs about"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn absurd_cold_spares_are_refused_where_they_are_written() {
    let d = refused(&edit("count: 5,", "count: 5, cold_spares: 4294967295,"));
    assert_eq!(d.field, "fleets[0].cold_spares", "{d}");
    assert!(d.message.contains("4294967295"), "{d}");
}

// ---- Arithmetic ----

#[test]
fn duration_sums_that_would_wrap_are_refused_with_their_place() {
    let huge = format!("{}us 2us", u128::MAX);
    assert!(matches!(
        Duration::parse(&huge),
        Err(DurationError::TooLong(_))
    ));
    let d = refused(&edit("horizon: \"2d\"", &format!("horizon: \"{huge}\"")));
    assert_eq!(d.field, "horizon", "{d}");
    for typo in ["3d 25:99", "30d.90d"] {
        let d = refused(&edit("horizon: \"2d\"", &format!("horizon: \"{typo}\"")));
        assert_eq!((d.field.as_str(), d.line), ("horizon", 3), "{typo}: {d}");
    }
}

#[test]
fn a_fault_after_the_horizon_is_refused() {
    let text = edit(
        "fleets: [",
        "faults: [GatewayDown(gateway: \"g\", at: \"3d\", lasting: \"1h\")],\n    fleets: [",
    );
    let d = refused(&text);
    assert_eq!(d.field, "faults[0].at", "{d}");
    assert!(d.message.contains("after the horizon"), "{d}");
}

#[test]
fn validate_and_run_refuse_an_expect_on_an_unknown_metric() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let text = edit(
        "fleets: [",
        "expect: [AtLeast(metric: \"data_completenes\", value: 0.9)],\n    fleets: [",
    );
    let path = write(tmp.path(), "s.ron", text.as_bytes());
    let validate = iotwin().arg("validate").arg(&path).output().expect("runs");
    let run = iotwin()
        .arg("run")
        .arg(&path)
        .arg("-q")
        .arg("--out")
        .arg(tmp.path().join("out"))
        .output()
        .expect("runs");
    for (command, out) in [("validate", validate), ("run", run)] {
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(err.contains("unknown metric \"data_completenes\""), "{err}");
        assert!(err.contains("s.ron:8:"), "{command} names the line: {err}");
    }
    assert!(!tmp.path().join("out").exists(), "nothing ran");
}

#[test]
fn an_error_in_a_file_that_is_not_utf8_has_a_line_and_column() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut bytes = SMALL.as_bytes().to_vec();
    // A Latin-1 `é` in the name on line 2.
    let at = SMALL.find("small").expect("name") + 2;
    bytes[at] = 0xE9;
    let path = write(tmp.path(), "latin1.ron", &bytes);
    match scenario::load(&path) {
        Err(ScenarioError::Invalid(d)) => {
            assert_eq!((d.line, d.column), (2, 14), "{d}");
            assert!(d.message.contains("0xE9"), "{d}");
        }
        other => panic!("expected a located error, got {other:?}"),
    }
}

// ---- One writer per output folder ----

#[test]
fn a_second_run_on_a_locked_folder_is_refused_and_names_the_holder() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let _held = iotwin::report::output::OutputLock::acquire(
        &out,
        ".iotwin-lock",
        "pid 4242, command `iotwin run other.ron`, started 2026-12-06 13:00:00 UTC",
    )
    .expect("lock");
    let path = write(tmp.path(), "s.ron", SMALL.as_bytes());
    let run = iotwin()
        .arg("run")
        .arg(&path)
        .arg("-q")
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    let err = stderr_of(&run);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains("pid 4242, command `iotwin run other.ron`"),
        "{err}"
    );
    assert!(!out.join("summary.json").exists());
}

#[cfg(unix)]
#[test]
fn a_planted_link_for_the_checkpoint_folder_is_refused_not_followed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&out).expect("out");
    std::fs::create_dir_all(&elsewhere).expect("elsewhere");
    std::os::unix::fs::symlink(&elsewhere, out.join(".iotwin-progress")).expect("link");
    let path = write(tmp.path(), "s.ron", SMALL.as_bytes());
    let run = iotwin()
        .arg("run")
        .arg(&path)
        .arg("-q")
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    let err = stderr_of(&run);
    assert_ne!(run.status.code(), Some(0), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_dir(&elsewhere).expect("list").count(), 0);
}

#[test]
fn a_finished_run_leaves_no_lock_staging_or_temporary_files() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let path = write(tmp.path(), "s.ron", SMALL.as_bytes());
    let run = iotwin()
        .arg("run")
        .arg(&path)
        .arg("-q")
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(run.status.success(), "{}", stderr_of(&run));
    let hidden: Vec<String> = std::fs::read_dir(&out)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "litter: {hidden:?}");
}

// ---- Tamper-evident checkpoints and shards ----

/// The first number in `text` after `"values":[`, replaced by `to`.
fn edit_first_value(text: &str, to: &str) -> String {
    let at = text.find("\"values\":[").expect("a row") + "\"values\":[".len();
    let end = at + text[at..].find([',', ']']).expect("a value");
    format!("{}{to}{}", &text[..at], &text[end..])
}

#[test]
fn an_edited_checkpoint_entry_is_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let path = write(tmp.path(), "s.ron", SMALL.as_bytes());
    let run = |extra: &[&str]| {
        iotwin()
            .arg("run")
            .arg(&path)
            .args(["-q", "-r", "6", "--threads", "1", "--out"])
            .arg(&out)
            .args(extra)
            .output()
            .expect("runs")
    };
    assert_eq!(run(&["--stop-after", "2"]).status.code(), Some(1));
    let entry = out.join(".iotwin-progress").join("rep-000001.json");
    let text = std::fs::read_to_string(&entry).expect("entry");
    for bad in ["null", "0.5", "1e308"] {
        std::fs::write(&entry, edit_first_value(&text, bad)).expect("edit");
        let resumed = run(&["--resume"]);
        let err = stderr_of(&resumed);
        assert_eq!(resumed.status.code(), Some(2), "{bad}: {err}");
        assert!(
            err.contains("rep-000001.json")
                && err.contains("replication 1")
                && err.contains("checksum"),
            "{bad}: {err}"
        );
        assert!(
            err.contains("delete") && err.contains("runs again"),
            "{err}"
        );
        assert!(!out.join("summary.json").exists(), "nothing ran");
    }
}

#[test]
fn an_edited_shard_file_is_refused_by_merge_naming_file_and_replication() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let path = write(tmp.path(), "s.ron", SMALL.as_bytes());
    for shard in ["0/2", "1/2"] {
        let ran = iotwin()
            .arg("run")
            .arg(&path)
            .args(["-q", "-r", "4", "--shard", shard, "--out"])
            .arg(&out)
            .output()
            .expect("runs");
        assert!(ran.status.success(), "{}", stderr_of(&ran));
    }
    let file = out.join("shard-0001-of-0002.json");
    let text = std::fs::read_to_string(&file).expect("shard");
    std::fs::write(&file, edit_first_value(&text, "0.123")).expect("edit");
    let merged = iotwin()
        .arg("merge")
        .arg(&out)
        .arg("--out")
        .arg(tmp.path().join("merged"))
        .output()
        .expect("runs");
    let err = stderr_of(&merged);
    assert_eq!(merged.status.code(), Some(2), "{err}");
    assert!(
        err.contains("shard-0001-of-0002.json")
            && err.contains("replication 2")
            && err.contains("checksum"),
        "{err}"
    );
    assert!(err.contains("restore the file"), "{err}");
}
