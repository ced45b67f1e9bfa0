//! Comparing designs on common random numbers: paired differences, their intervals and the
//! probability that a design is better, from the library and from the command line.

use std::sync::OnceLock;

use assert_cmd::Command;
use iotwin::montecarlo::compare::{Comparison, common_options, compare};
use iotwin::montecarlo::{self, RunOptions};
use iotwin::report::compare::compare_json;
use iotwin::scenario::{self, Deployment};

/// A shipped design with its horizon shortened to `horizon` (the shipped files run a year).
fn design(file: &str, horizon: &str) -> Deployment {
    let path = format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("shipped scenario");
    let text = text.replacen("horizon: \"365d\"", &format!("horizon: \"{horizon}\""), 1);
    scenario::compile_source(&text, file).unwrap_or_else(|e| panic!("{e}"))
}

fn compare_designs(
    designs: &[Deployment],
    replications: u32,
    threads: Option<usize>,
) -> Comparison {
    let opts = common_options(
        designs,
        &RunOptions {
            replications: Some(replications),
            seed: None,
            threads,
            mode: Default::default(),
        },
    );
    let summaries: Vec<_> = designs
        .iter()
        .map(|d| montecarlo::run(d, &opts, &|| {}).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    compare(&summaries)
}

/// single_carrier against wired_with_lte_backup, 6 one-year replications, run once for the
/// tests that read it.
fn cellular_vs_wired() -> &'static Comparison {
    static DONE: OnceLock<Comparison> = OnceLock::new();
    DONE.get_or_init(|| {
        let designs = [
            design("single_carrier.ron", "365d"),
            design("wired_with_lte_backup.ron", "365d"),
        ];
        compare_designs(&designs, 6, None)
    })
}

#[test]
fn defaults_are_the_first_seed_and_the_largest_replication_count() {
    let mut a = design("single_carrier.ron", "30d");
    let mut b = design("wired_with_lte_backup.ron", "30d");
    (a.seed, a.replications, b.seed, b.replications) = (11, 3, 22, 9);
    let opts = common_options(&[a, b], &RunOptions::default());
    assert_eq!((opts.seed, opts.replications), (Some(11), Some(9)));
}

#[test]
fn a_design_compared_with_itself_differs_by_exactly_zero() {
    let a = design("single_carrier.ron", "60d");
    let c = compare_designs(&[a.clone(), a], 4, None);
    assert_eq!(c.designs, ["single_carrier", "single_carrier"]);
    assert!(!c.metrics.is_empty());
    for m in &c.metrics {
        let v = &m.versus[0];
        if v.difference.n == 0 {
            continue; // undefined in every replication (e.g. nothing failed over)
        }
        assert_eq!(v.difference.mean, 0.0, "{}", m.id);
        assert_eq!(v.difference.std_dev, 0.0, "{}", m.id);
        assert!(
            matches!(v.difference.half_width, None | Some(0.0)),
            "{}",
            m.id
        );
        assert!(matches!(v.share_better, None | Some(0.0)), "{}", m.id);
        assert!(matches!(v.p_better, None | Some(0.5)), "{}", m.id);
    }
}

#[test]
fn wired_with_lte_backup_is_better_on_site_availability() {
    let c = cellular_vs_wired();
    let m = c
        .metrics
        .iter()
        .find(|m| m.id == "site_availability:plant")
        .expect("both designs have the plant");
    let v = &m.versus[0];
    assert_eq!(v.difference.n, 6);
    assert!(
        v.difference.low() > 0.0,
        "paired CI excludes 0: {:?}",
        v.difference
    );
    assert!(v.p_better.unwrap() > 0.99, "{v:?}");
    assert!(v.share_better.unwrap() >= 5.0 / 6.0, "{v:?}");
    // Only the metrics both designs have: no per-carrier metric of the fiber design.
    assert!(c.metrics.iter().all(|m| m.versus.len() == 1));
}

/// Half-widths of the paired interval and of the unpaired one built from each design's own
/// estimate (independent means: the half-widths combine in quadrature), for metric `id`.
fn paired_and_unpaired(c: &Comparison, id: &str) -> (f64, f64) {
    let m = c.metrics.iter().find(|m| m.id == id).expect("metric");
    let v = &m.versus[0];
    let unpaired =
        (m.baseline.half_width.unwrap().powi(2) + v.estimate.half_width.unwrap().powi(2)).sqrt();
    (v.difference.half_width.unwrap(), unpaired)
}

#[test]
fn pairing_makes_the_interval_narrower_than_comparing_two_means() {
    let c = cellular_vs_wired();
    // The wired design removes nearly all of the cellular one's downtime, so little of the
    // availability's variance is shared: pairing still helps, a little.
    let (paired, unpaired) = paired_and_unpaired(c, "site_availability:plant");
    assert!(paired < unpaired, "± {paired} vs ± {unpaired}");
    // Device failures are the same in both designs (same fleets, same streams): they cancel.
    let (paired, unpaired) = paired_and_unpaired(c, "lost_device_down");
    assert!(paired < unpaired / 100.0, "± {paired} vs ± {unpaired}");
    // Two cellular designs share the LTE carrier's outages and the regional incidents, so
    // most of the availability's variance is common and the paired interval is far tighter.
    let designs = [
        design("single_carrier.ron", "365d"),
        design("dual_carrier_esim.ron", "365d"),
    ];
    let c = compare_designs(&designs, 6, None);
    let (paired, unpaired) = paired_and_unpaired(&c, "site_availability:plant");
    assert!(paired < 0.8 * unpaired, "± {paired} vs ± {unpaired}");
}

#[test]
fn the_same_seed_gives_the_same_bytes_whatever_the_threads() {
    let designs = [
        design("single_carrier.ron", "30d"),
        design("wired_with_lte_backup.ron", "30d"),
    ];
    let one = compare_json(&compare_designs(&designs, 4, Some(1)));
    let two = compare_json(&compare_designs(&designs, 4, Some(2)));
    let again = compare_json(&compare_designs(&designs, 4, Some(2)));
    assert_eq!(one, two, "1 thread vs 2 threads");
    assert_eq!(two, again, "same seed, same bytes");
    assert!(one.contains("\"site_availability:plant\""));
}

fn iotwin() -> Command {
    Command::cargo_bin("iotwin").expect("binary built")
}

/// Writes a shipped design with a 30-day horizon into `dir`.
fn short_copy(dir: &std::path::Path, file: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR")))
        .expect("shipped");
    let path = dir.join(file);
    std::fs::write(
        &path,
        text.replacen("horizon: \"365d\"", "horizon: \"30d\"", 1),
    )
    .expect("write");
    path
}

#[test]
fn the_cli_prints_the_table_and_writes_json_and_csv() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let a = short_copy(tmp.path(), "single_carrier.ron");
    let b = short_copy(tmp.path(), "wired_with_lte_backup.ron");
    let out = tmp.path().join("out");
    let assert = iotwin()
        .arg("compare")
        .args([&a, &b])
        .args(["--replications", "3", "--out"])
        .arg(&out)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        text.contains("wired_with_lte_backup vs single_carrier"),
        "{text}"
    );
    assert!(text.contains("P(better)"), "{text}");
    assert!(text.contains("site_availability:plant"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("compare.json")).expect("written"))
            .expect("json");
    assert_eq!(json["baseline"], "single_carrier");
    assert_eq!(json["replications"], 3);
    assert_eq!(json["seed"], 2026);
    let csv = std::fs::read_to_string(out.join("compare.csv")).expect("written");
    let metrics = json["metrics"].as_array().expect("list").len();
    assert_eq!(
        csv.lines().count(),
        1 + 2 * metrics,
        "one row per metric per design"
    );
    // The documents a manager reads carry the paired differences of the decision metrics too.
    for page in ["compare.md", "compare.html"] {
        let text = std::fs::read_to_string(out.join(page)).expect("written");
        assert!(text.contains("Against the baseline"), "{page}");
        assert!(
            text.contains("wired_with_lte_backup vs single_carrier"),
            "{page}"
        );
        assert!(text.contains("P(better)"), "{page}");
        for metric in ["cost_total", "site_availability", "data_completeness"] {
            assert!(text.contains(metric), "{page} lacks {metric}");
        }
    }
}

#[test]
fn the_cli_exits_2_with_a_located_error_on_a_broken_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let good = short_copy(tmp.path(), "single_carrier.ron");
    let text = std::fs::read_to_string(&good).expect("read");
    let broken = tmp.path().join("broken.ron");
    std::fs::write(
        &broken,
        text.replacen("count: 20,", "count: \"twenty\",", 1),
    )
    .expect("write");
    let out = iotwin()
        .arg("compare")
        .args([&good, &broken])
        .args(["--replications", "2", "--out"])
        .arg(tmp.path().join("out"))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .position(|l| l.contains("count: 20,"))
        .expect("the edited line")
        + 1;
    assert!(
        err.contains(&format!("broken.ron:{line}:")),
        "names the file and line: {err}"
    );
    assert!(!tmp.path().join("out").exists(), "nothing written");
}
