//! The command line as a user meets it.

use assert_cmd::Command;

fn iotwin() -> Command {
    Command::cargo_bin("iotwin").expect("binary built")
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn run_without_a_scenario_runs_the_built_in_factory() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let text = stdout_of(
        iotwin()
            .args(["run", "--replications", "2", "--out"])
            .arg(tmp.path()),
    );
    assert!(text.contains("factory — 2 replications"), "{text}");
    assert!(text.contains("95% CI"), "{text}");
    assert!(text.contains("data_completeness"), "{text}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("summary.json")).expect("written"))
            .expect("json");
    assert_eq!(summary["scenario"], "factory");
    assert_eq!(summary["replications"], 2);
    assert!(summary["seed"].is_u64());
    for metric in [
        "messages_generated",
        "messages_delivered",
        "messages_delivered_late",
        "lost_link_loss",
        "lost_device_down",
        "lost_buffer_overflow",
        "data_completeness",
        "device_availability",
        "uplink_availability",
    ] {
        let m = &summary["metrics"][metric];
        assert!(m["mean"].is_f64() || m["mean"].is_u64(), "{metric}: {m}");
        assert!(m["ci95_half_width"].is_number(), "{metric}: {m}");
    }
    let csv = std::fs::read_to_string(tmp.path().join("metrics.csv")).expect("written");
    assert_eq!(csv.lines().count(), 3, "header and one row per replication");
}

#[test]
fn the_shipped_default_scenario_is_the_built_in_one() {
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/factory.ron"
    ))
    .expect("read");
    assert_eq!(shipped, iotwin::scenario::DEFAULT_SCENARIO);
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    for path in crate::common::shipped_scenarios() {
        let text = stdout_of(iotwin().arg("validate").arg(&path));
        assert!(text.starts_with("ok: "), "{}: {text}", path.display());
    }
}

#[test]
fn usage_errors_exit_with_2() {
    iotwin().arg("frobnicate").assert().code(2);
    iotwin()
        .args(["run", "--replications", "many"])
        .assert()
        .code(2);
    iotwin()
        .args(["validate", "/no/such/file.ron"])
        .assert()
        .code(2);
}

#[test]
fn help_lists_the_commands() {
    let text = stdout_of(iotwin().arg("--help"));
    assert!(text.contains("run") && text.contains("validate"), "{text}");
}

/// A run that would not fit in memory is refused before it starts, with the estimate and a hint.
#[test]
fn a_run_too_large_for_memory_is_refused_before_it_starts() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let assert = iotwin()
        .args(["run", "--max-memory", "0.001", "--threads", "2", "--out"])
        .arg(tmp.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).expect("utf-8");
    assert!(stderr.contains("this run needs about"), "{stderr}");
    assert!(stderr.contains("2 replications at a time"), "{stderr}");
    assert!(stderr.contains("--threads 1"), "{stderr}");
    assert!(!tmp.path().join("summary.json").exists());
}

/// Sequential mode adds replications until the chosen metric's interval is narrow enough, and
/// reuses the ones already run: its summary is byte for byte a plain run of the final count.
#[test]
fn precision_mode_equals_a_plain_run_of_the_count_it_reached() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/smart_home.ron");
    let run = |dir: &str, extra: &[&str]| {
        let out = Command::cargo_bin("iotwin")
            .expect("binary built")
            .args(["run", scenario, "--quiet", "--out"])
            .arg(tmp.path().join(dir))
            .args(extra)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let summary = std::fs::read(tmp.path().join(dir).join("summary.json")).expect("written");
        (String::from_utf8(out).expect("utf-8"), summary)
    };
    let (said, sequential) = run(
        "seq",
        &[
            "--replications",
            "2",
            "--precision",
            "0.003",
            "--metric",
            "data_completeness",
            "--max-replications",
            "64",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&sequential).expect("json");
    let n = json["replications"].as_u64().expect("count");
    assert!(n > 2 && n <= 64, "{said}");
    assert!(said.contains("precision: data_completeness"), "{said}");
    assert!(said.contains("target met"), "{said}");
    let (_, plain) = run("plain", &["--replications", &n.to_string()]);
    assert_eq!(sequential, plain);
}

#[test]
fn precision_mode_refuses_an_unknown_metric() {
    let out = Command::cargo_bin("iotwin")
        .expect("binary built")
        .args(["run", "--precision", "0.01", "--metric", "data_completness"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    assert!(
        text.contains("did you mean \"data_completeness\"?"),
        "{text}"
    );
}

/// A limit that is not a positive number is refused before anything runs: `nan` would
/// otherwise mean "no limit" to `--max-size` and "refuse everything" to `--max-memory`.
#[test]
fn limits_that_are_not_positive_numbers_are_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for (command, limit) in [
        ("trace", "--max-size"),
        ("run", "--max-memory"),
        ("check", "--max-memory"),
    ] {
        for value in ["nan", "inf", "0", "-1", "lots"] {
            let out = iotwin()
                .args([command, &format!("{limit}={value}"), "--out"])
                .arg(tmp.path().join("out"))
                .assert()
                .code(2)
                .get_output()
                .stderr
                .clone();
            let text = String::from_utf8(out).expect("utf-8");
            assert!(
                text.contains(&format!("\"{value}\" is not a positive number")),
                "{command} {limit}={value}: {text}"
            );
        }
    }
    assert!(!tmp.path().join("out").exists());
}

/// A thread count far beyond the replications starts no more workers than there are
/// replications: the run ends at once instead of spawning threads until the system refuses.
#[test]
fn a_huge_thread_count_does_not_start_a_thread_per_count() {
    let tmp = tempfile::tempdir().expect("temp dir");
    iotwin()
        .args([
            "run",
            "-r",
            "1",
            "-q",
            "-t",
            "18446744073709551615",
            "--out",
        ])
        .arg(tmp.path())
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success();
    assert!(tmp.path().join("summary.json").exists());
}

/// `-t 0` asks for every core, as leaving `--threads` out does (as `xz -T0` and `zstd -T0`
/// read it), in every command that takes a thread count; the help says so. The memory
/// estimate counts the replications run at once, so `run`'s and `compare`'s refusals show
/// the count: the same with `-t 0` as without, min(replications, cores). It used to be one
/// thread, silently, and an estimate of 0 replications at a time.
#[test]
fn zero_threads_means_every_core() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/smart_home.ron");
    let refusal = |args: &[&str]| {
        let tmp = tempfile::tempdir().expect("temp dir");
        let assert = iotwin()
            .args(args)
            .args(["--max-memory", "0.000001", "--out"])
            .arg(tmp.path())
            .assert()
            .code(2);
        String::from_utf8(assert.get_output().stderr.clone()).expect("utf-8")
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let at_once = match cores.min(4) {
        1 => "1 replication at a time".to_string(),
        n => format!("{n} replications at a time"),
    };
    for command in [
        vec!["run", scenario, "-r", "4"],
        vec!["compare", scenario, scenario, "-r", "4"],
    ] {
        let unset = refusal(&command);
        let zero = refusal(&[command.as_slice(), &["-t", "0"]].concat());
        assert_eq!(zero, unset, "{}", command[0]);
        assert!(zero.contains(&at_once), "{}: {zero}", command[0]);
    }
    for command in ["run", "check", "compare", "sweep"] {
        let help = stdout_of(iotwin().args([command, "--help"]));
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            help.contains("Worker threads (default, or 0: every core)"),
            "{command}: {help}"
        );
    }
}
