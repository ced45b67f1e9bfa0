//! Sharded and resumed runs give the bytes of one uninterrupted run (invariants 1 and 6 in
//! ARCHITECTURE.md): `run --shard I/N` + `merge`, and `run` stopped part way + `run --resume`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use iotwin::montecarlo::shard::{self, Replication, Shard, ShardFile, Study};
use iotwin::montecarlo::{Extras, RunOptions};

fn iotwin() -> Command {
    Command::cargo_bin("iotwin").expect("binary built")
}

/// The redundant-gateways design (costs, two gateways, failover) cut to one day, so that some
/// replications see no failover and leave metrics undefined (NaN).
fn scenario(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/redundant_gateways.ron"
    ))
    .expect("shipped scenario");
    let text = text.replace("horizon: \"365d\"", "horizon: \"1d\"");
    assert!(text.contains("horizon: \"1d\""));
    let path = dir.join("rg.ron");
    std::fs::write(&path, text).expect("write scenario");
    path
}

const OUTPUTS: [&str; 4] = ["summary.json", "metrics.csv", "report.md", "report.html"];

fn outputs(dir: &Path) -> Vec<Vec<u8>> {
    OUTPUTS
        .iter()
        .map(|name| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

/// `iotwin run SCENARIO -r 7 --out DIR` plus `extra`.
fn run(scenario: &Path, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    iotwin()
        .arg("run")
        .arg(scenario)
        .args(["--replications", "7", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

fn shard_file(dir: &Path, index: u32, count: u32) -> PathBuf {
    dir.join(Shard { index, count }.file_name())
}

#[test]
fn merged_shards_give_the_bytes_of_an_unsharded_run() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = scenario(tmp.path());
    let whole = tmp.path().join("whole");
    run(&scenario, &whole, &["--threads", "2"]).success();
    let expected = outputs(&whole);
    let csv = String::from_utf8_lossy(&expected[1]).into_owned();
    assert!(csv.contains("NaN"), "the study has undefined metrics");
    assert!(csv.contains("cost_total"), "the study has costs");
    for count in [1u32, 2, 3] {
        let shards = tmp.path().join(format!("shards-{count}"));
        for index in 0..count {
            let threads = if index % 2 == 0 { "1" } else { "2" };
            let shard = format!("{index}/{count}");
            let a = run(
                &scenario,
                &shards,
                &["--shard", &shard, "--threads", threads],
            )
            .success();
            let text = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
            assert!(text.contains("iotwin merge"), "says how to merge: {text}");
        }
        // No report and no checkpoint beside the shard files.
        assert!(!shards.join("summary.json").exists());
        let names: Vec<String> = std::fs::read_dir(&shards)
            .expect("listed")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), count as usize, "{names:?}");
        // Files in reverse order, or the folder: the result is in replication order anyway.
        let mut files: Vec<PathBuf> = (0..count).map(|i| shard_file(&shards, i, count)).collect();
        files.reverse();
        let merged = tmp.path().join(format!("merged-{count}"));
        iotwin()
            .arg("merge")
            .args(&files)
            .args(["--quiet", "--out"])
            .arg(&merged)
            .assert()
            .success();
        assert!(outputs(&merged) == expected, "{count} shards");
        let from_folder = tmp.path().join(format!("folder-{count}"));
        iotwin()
            .arg("merge")
            .arg(&shards)
            .args(["--quiet", "--out"])
            .arg(&from_folder)
            .assert()
            .success();
        assert!(outputs(&from_folder) == expected, "{count} shards, folder");
    }
}

/// The study hash covers the scenario's text, not where it lies: shards run from two copies
/// of the file merge, and a changed file does not.
#[test]
fn shards_of_one_scenario_in_two_places_merge_and_of_an_edited_one_do_not() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let here = scenario(tmp.path());
    let elsewhere_dir = tmp.path().join("copy");
    std::fs::create_dir(&elsewhere_dir).expect("mkdir");
    let elsewhere = scenario(&elsewhere_dir);
    let shards = tmp.path().join("shards");
    run(&here, &shards, &["--shard", "0/2"]).success();
    run(&elsewhere, &shards, &["--shard", "1/2"]).success();
    iotwin()
        .arg("merge")
        .arg(&shards)
        .args(["-q", "--out"])
        .arg(tmp.path().join("merged"))
        .assert()
        .success();

    let edited = tmp.path().join("edited.ron");
    let text = std::fs::read_to_string(&here).expect("read");
    std::fs::write(&edited, text.replace("coverage: 0.97", "coverage: 0.8")).expect("write");
    let other = tmp.path().join("other");
    run(&edited, &other, &["--shard", "1/2"]).success();
    let a = iotwin()
        .arg("merge")
        .arg(shard_file(&shards, 0, 2))
        .arg(shard_file(&other, 1, 2))
        .assert()
        .code(2);
    let err = stderr(&a);
    assert!(
        err.contains("other/shard-0001-of-0002.json") && err.contains("scenario hash"),
        "{err}"
    );
}

#[test]
fn merge_names_missing_and_duplicated_replications() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = scenario(tmp.path());
    let shards = tmp.path().join("shards");
    for index in 0..3 {
        run(&scenario, &shards, &["--shard", &format!("{index}/3")]).success();
    }
    // 7 replications in 3 shards: 0-1, 2-3, 4-6.
    let a = iotwin()
        .arg("merge")
        .arg(shard_file(&shards, 0, 3))
        .arg(shard_file(&shards, 2, 3))
        .assert()
        .code(2);
    let err = stderr(&a);
    assert!(
        err.contains("replications 2-3 of 0-6 are missing (shard 1/3)"),
        "{err}"
    );
    assert!(err.contains("--shard 1/3"), "{err}");

    let copy = tmp.path().join("copy.json");
    std::fs::copy(shard_file(&shards, 2, 3), &copy).expect("copy");
    let a = iotwin()
        .arg("merge")
        .arg(&shards)
        .arg(&copy)
        .assert()
        .code(2);
    let err = stderr(&a);
    assert!(
        err.contains("replications 4-6 are in more than one file")
            && err.contains("shard-0002-of-0003.json")
            && err.contains("copy.json"),
        "{err}"
    );
}

#[test]
fn merge_refuses_shards_of_another_study_naming_the_file_and_field() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = scenario(tmp.path());
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&scenario, &a, &["--shard", "0/2", "--seed", "1"]).success();
    run(&scenario, &b, &["--shard", "1/2", "--seed", "2"]).success();
    let out = iotwin()
        .arg("merge")
        .arg(shard_file(&a, 0, 2))
        .arg(shard_file(&b, 1, 2))
        .assert()
        .code(2);
    let err = stderr(&out);
    assert!(
        err.contains("b/shard-0001-of-0002.json is not of the same study as")
            && err.contains("seed 2 (")
            && err.contains(": 1)"),
        "{err}"
    );
    let c = tmp.path().join("c");
    iotwin()
        .arg("run")
        .arg(&scenario)
        .args(["-r", "9", "--shard", "1/2", "--seed", "1", "-q", "--out"])
        .arg(&c)
        .assert()
        .success();
    let out = iotwin()
        .arg("merge")
        .arg(shard_file(&a, 0, 2))
        .arg(shard_file(&c, 1, 2))
        .assert()
        .code(2);
    assert!(
        stderr(&out).contains("replications 9 ("),
        "{}",
        stderr(&out)
    );
}

/// Files that are not shard files are refused with a message, never a panic.
#[test]
fn merge_refuses_what_is_not_a_shard_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = scenario(tmp.path());
    let shards = tmp.path().join("shards");
    run(&scenario, &shards, &["--shard", "0/1"]).success();
    let good = shard_file(&shards, 0, 1);
    let text = std::fs::read_to_string(&good).expect("read");
    let cases: Vec<(&str, String, &str)> = vec![
        ("missing.json", String::new(), "cannot read"),
        ("empty.json", "".into(), "not JSON"),
        ("other.json", "{\"format\": \"something\"}".into(), "format"),
        (
            "summary.json",
            "{\"scenario\": \"x\"}".into(),
            "no \"format\" field",
        ),
        ("cut.json", text[..text.len() / 2].into(), "not JSON"),
        (
            "future.json",
            text.replace("\"format_version\": 2", "\"format_version\": 99"),
            "format version 99",
        ),
        (
            "value.json",
            text.replacen(
                "\"replication\":0,\"values\":[",
                "\"replication\":0,\"values\":[\"x\",",
                1,
            ),
            "rows[0].values[0]",
        ),
        (
            "old.json",
            text.replace("\"iotwin_version\": \"", "\"iotwin_version\": \"0.0.0-"),
            "written by iotwin 0.0.0-",
        ),
    ];
    for (name, content, expected) in cases {
        let path = tmp.path().join(name);
        if name != "missing.json" {
            std::fs::write(&path, content).expect("write");
        }
        let out = iotwin().arg("merge").arg(&path).assert().code(2);
        let err = stderr(&out);
        assert!(err.contains(expected), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let out = iotwin().arg("merge").arg(&empty).assert().code(2);
    assert!(stderr(&out).contains("holds no shard-*.json files"));
}

#[test]
fn bad_shard_syntax_says_what_was_expected() {
    for bad in ["3/2", "0/0", "a/b", "5"] {
        let out = iotwin().args(["run", "--shard", bad]).assert().code(2);
        let err = stderr(&out);
        assert!(
            err.contains("e.g. --shard 3/10") || err.contains("numbered from 0"),
            "{bad}: {err}"
        );
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = scenario(tmp.path());
    let out = iotwin()
        .arg("check")
        .arg(&scenario)
        .args(["--shard", "0/2"])
        .assert()
        .code(2);
    assert!(stderr(&out).contains("iotwin merge"), "{}", stderr(&out));
    let out = run(&scenario, tmp.path(), &["--precision", "0.01", "--resume"]).code(2);
    assert!(stderr(&out).contains("--precision"), "{}", stderr(&out));
}

fn bits(rows: &[Replication]) -> Vec<(u64, Vec<u64>, Vec<u64>, Extras)> {
    rows.iter()
        .map(|r| {
            (
                r.index,
                r.values.iter().map(|v| v.to_bits()).collect(),
                r.extras
                    .interruptions_s
                    .iter()
                    .map(|v| v.to_bits())
                    .collect(),
                r.extras.clone(),
            )
        })
        .collect()
}

/// Replications, NaN-undefined metrics included, come back from a shard file bit for bit.
#[test]
fn a_shard_file_keeps_every_value_bit_for_bit() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let source = std::fs::read_to_string(scenario(tmp.path())).expect("read");
    let source = source.as_str();
    let dep = crate::common::deployment(source);
    let opts = RunOptions {
        replications: Some(4),
        ..RunOptions::default()
    };
    let mut rows =
        shard::run_replications(&dep, &opts, &[0, 1, 2, 3], &|| {}, &|_| Ok(())).expect("runs");
    assert!(rows.iter().any(|r| r.values.iter().any(|v| v.is_nan())));
    // Values a run rarely makes, still kept exactly.
    let odd = [
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::from_bits(0x7ff8_0000_0000_0001),
        f64::from_bits(1),
        0.1 + 0.2,
    ];
    rows[0].values[..odd.len()].copy_from_slice(&odd);
    let file = ShardFile {
        study: Study::new(&dep, source, &opts),
        shard: Some(Shard { index: 0, count: 1 }),
        scenario_path: "test.ron".into(),
        scenario_source: source.into(),
        rows,
    };
    let text = file.to_json();
    let back = ShardFile::from_json(text.as_bytes()).expect("reads back");
    assert_eq!(bits(&back.rows), bits(&file.rows));
    assert_eq!(back.study, file.study);
    assert_eq!(back.to_json(), text);
}

#[test]
fn a_resumed_run_gives_the_bytes_of_an_uninterrupted_one() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = scenario(tmp.path());
    let clean = tmp.path().join("clean");
    run(&scenario, &clean, &[]).success();
    assert!(
        !clean.join(".iotwin-progress").exists(),
        "a finished run removes its checkpoint"
    );
    let expected = outputs(&clean);

    let out = tmp.path().join("out");
    let stopped = run(&scenario, &out, &["--threads", "1", "--stop-after", "3"]).code(1);
    assert!(
        stderr(&stopped).contains("--resume"),
        "{}",
        stderr(&stopped)
    );
    let progress = out.join(".iotwin-progress");
    let finished = |dir: &Path| {
        std::fs::read_dir(dir)
            .expect("checkpoint")
            .filter(|e| {
                e.as_ref()
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .starts_with("rep-")
            })
            .count()
    };
    assert_eq!(finished(&progress), 3);
    assert!(!out.join("summary.json").exists());
    // Running again without --resume does not throw the finished replications away.
    let refused = run(&scenario, &out, &[]).code(2);
    assert!(
        stderr(&refused).contains("unfinished run") && stderr(&refused).contains("--resume"),
        "{}",
        stderr(&refused)
    );
    // Stopped again part way, on two threads; then a lost file (as if never written).
    run(
        &scenario,
        &out,
        &["--resume", "--threads", "2", "--stop-after", "2"],
    )
    .code(1);
    assert!(finished(&progress) >= 5);
    std::fs::remove_file(progress.join("rep-000001.json")).expect("remove");
    let resumed = run(&scenario, &out, &["--resume"]).success();
    assert!(
        stderr(&resumed).contains("resuming"),
        "{}",
        stderr(&resumed)
    );
    assert!(outputs(&out) == expected);
    assert!(!progress.exists());
    // --resume with nothing to resume runs everything.
    let fresh = tmp.path().join("fresh");
    run(&scenario, &fresh, &["--resume"]).success();
    assert!(outputs(&fresh) == expected);
}

#[test]
fn a_resumed_shard_gives_the_same_shard_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = scenario(tmp.path());
    let (clean, out) = (tmp.path().join("clean"), tmp.path().join("out"));
    run(&scenario, &clean, &["--shard", "1/2"]).success();
    run(
        &scenario,
        &out,
        &["--shard", "1/2", "--threads", "1", "--stop-after", "1"],
    )
    .code(1);
    assert!(out.join(".iotwin-progress-shard-0001-of-0002").is_dir());
    // Another shard writing into the same folder is not disturbed by it.
    run(&scenario, &out, &["--shard", "0/2"]).success();
    run(&scenario, &out, &["--shard", "1/2", "--resume"]).success();
    assert_eq!(
        std::fs::read(shard_file(&out, 1, 2)).expect("written"),
        std::fs::read(shard_file(&clean, 1, 2)).expect("written")
    );
    assert!(!out.join(".iotwin-progress-shard-0001-of-0002").exists());
}

#[test]
fn a_foreign_or_damaged_checkpoint_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = scenario(tmp.path());
    let out = tmp.path().join("out");
    let progress = out.join(".iotwin-progress");
    run(
        &scenario,
        &out,
        &["--threads", "1", "--stop-after", "2", "--seed", "1"],
    )
    .code(1);

    let other_seed = run(&scenario, &out, &["--resume", "--seed", "2"]).code(2);
    let err = stderr(&other_seed);
    assert!(
        err.contains("checkpoint of another study") && err.contains("seed 1 (this run: 2)"),
        "{err}"
    );
    let more = iotwin()
        .arg("run")
        .arg(&scenario)
        .args(["--resume", "--seed", "1", "-r", "8", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    assert!(
        stderr(&more).contains("replications 7 (this run: 8)"),
        "{}",
        stderr(&more)
    );

    // A replication file cut short (not by iotwin, whose writes are atomic) is named.
    let rep = progress.join("rep-000000.json");
    let text = std::fs::read_to_string(&rep).expect("read");
    std::fs::write(&rep, &text[..text.len() / 2]).expect("write");
    let damaged = run(&scenario, &out, &["--resume", "--seed", "1"]).code(2);
    let err = stderr(&damaged);
    assert!(
        err.contains("rep-000000.json") && err.contains("delete"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    std::fs::remove_file(&rep).expect("remove");

    // A replication of another study slipped in.
    let foreign = text.replace("\"study_hash\":\"sha256:", "\"study_hash\":\"sha256:00");
    std::fs::write(
        progress.join("rep-000005.json"),
        foreign.replace("\"replication\":0", "\"replication\":5"),
    )
    .expect("write");
    let err = stderr(&run(&scenario, &out, &["--resume", "--seed", "1"]).code(2));
    assert!(err.contains("rep-000005.json belongs to study"), "{err}");
    std::fs::remove_file(progress.join("rep-000005.json")).expect("remove");

    // A damaged header.
    std::fs::write(progress.join("study.json"), "{").expect("write");
    let err = stderr(&run(&scenario, &out, &["--resume", "--seed", "1"]).code(2));
    assert!(
        err.contains("study.json") && err.contains("not JSON"),
        "{err}"
    );
}
