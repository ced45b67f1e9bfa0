//! What a user meets every day: a headline that decides (assertions judged, a cost card, the
//! mode, a pooled time to recover), verdicts for CI systems (JUnit XML, JSON), traces that fit
//! a disk (filters, a size estimate and a refusal), shell completions and man pages.

use assert_cmd::Command;

const DRILL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/fiber_cut_drill.ron");
const DESIGN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/redundant_gateways.ron"
);

fn iotwin() -> Command {
    Command::cargo_bin("iotwin").expect("binary built")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

#[test]
fn a_run_shows_its_assertions_and_mode_in_the_terminal_and_both_documents() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = iotwin()
        .args(["run", DRILL, "-r", "3", "-o"])
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = text(&out.get_output().stdout);
    assert!(stdout.contains(", packet mode"), "{stdout}");
    assert!(stdout.contains("all 4 assertions pass:"), "{stdout}");
    assert!(
        stdout.contains("PASS: data_completeness at least 99.0000% — measured"),
        "{stdout}"
    );
    let html = std::fs::read_to_string(tmp.path().join("report.html")).expect("html");
    let md = std::fs::read_to_string(tmp.path().join("report.md")).expect("md");
    for doc in [&html, &md] {
        assert!(doc.contains("All 4 assertions pass"), "{doc}");
        assert!(doc.contains("data_completeness at least 99.0000%"));
        assert!(doc.contains("packet (every message simulated)"));
    }
    // The verdicts come before the charts: a reader sees them first.
    assert!(html.find("All 4 assertions pass") < html.find("<h2>Charts</h2>"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("summary.json")).expect("json"))
            .expect("valid");
    let assertions = summary["assertions"].as_array().expect("assertions");
    assert_eq!(assertions.len(), 4);
    assert!(assertions.iter().all(|a| a["verdict"] == "pass"));
    assert_eq!(assertions[2]["metric"], "data_completeness");
    assert!(assertions[2]["line"].as_u64().is_some_and(|l| l > 1));
}

/// A failed assertion reads FAIL in the headline of both documents, and `check --junit`
/// writes one test case per assertion, the failed one a `<failure>`.
#[test]
fn check_writes_junit_and_json_verdicts_a_ci_system_reads() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let source = std::fs::read_to_string(DRILL)
        .expect("shipped")
        .replace("value: 0.99)", "value: 0.9999)");
    let path = tmp.path().join("drill.ron");
    std::fs::write(&path, source).expect("written");
    let junit = tmp.path().join("verdicts.xml");
    let json = tmp.path().join("verdicts.json");
    iotwin()
        .arg("check")
        .arg(&path)
        .args(["-r", "3", "-q", "-o"])
        .arg(tmp.path().join("out"))
        .arg("--junit")
        .arg(&junit)
        .arg("--json")
        .arg(&json)
        .assert()
        .code(1);
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 4, "{xml}");
    assert_eq!(xml.matches("<failure").count(), 1, "{xml}");
    assert!(xml.contains("data_completeness at least 99.9900%"), "{xml}");
    assert!(xml.contains("drill.ron:56"), "{xml}");
    let verdicts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json written")).expect("valid");
    assert_eq!(verdicts["passed"], false);
    assert_eq!(verdicts["summary"], "3 of 4 assertions pass (1 failed)");
    let html = std::fs::read_to_string(tmp.path().join("out/report.html")).expect("html");
    assert!(
        html.contains("v-FAIL"),
        "the failed assertion is marked in the page"
    );
}

/// A design with a cost model shows what it costs in the headline; the time to recover is
/// pooled over every recovery with an interval.
#[test]
fn the_headline_has_a_cost_card_and_a_pooled_time_to_recover() {
    let tmp = tempfile::tempdir().expect("temp dir");
    iotwin()
        .args(["run", DESIGN, "-r", "4", "-q", "-o"])
        .arg(tmp.path())
        .assert()
        .success();
    let md = std::fs::read_to_string(tmp.path().join("report.md")).expect("md");
    let headline =
        &md[md.find("## Headline").expect("headline")..md.find("## Charts").expect("charts")];
    for label in [
        "Total cost over the horizon",
        "Cost per device-year",
        "Net present value of the costs",
    ] {
        assert!(headline.contains(label), "{headline}");
    }
    assert!(headline.contains("recoveries in"), "{headline}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("summary.json")).expect("json"))
            .expect("valid");
    let ttr = &summary["pooled"]["ttr_p95_s"];
    let (value, low, high) = (
        ttr["value"].as_f64().expect("value"),
        ttr["ci95_low"].as_f64().expect("low"),
        ttr["ci95_high"].as_f64().expect("high"),
    );
    assert!(low <= value && value <= high, "{ttr}");
    assert!(ttr["recoveries"].as_u64().is_some_and(|n| n > 0));
}

/// Every line of a filtered trace satisfies the filter, and network steps stay as context.
#[test]
fn a_filtered_trace_keeps_only_what_was_asked() {
    let out = iotwin()
        .args([
            "trace",
            DRILL,
            "--from",
            "1d",
            "--to",
            "2d",
            "--device",
            "vibration/3",
            "--kind",
            "delivered",
            "--kind",
            "lost",
            "--kind",
            "uplink_changed",
        ])
        .assert()
        .success();
    let stdout = text(&out.get_output().stdout);
    let stderr = text(&out.get_output().stderr);
    assert!(
        stderr.contains("trace: about"),
        "the size is estimated first: {stderr}"
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert!(lines.len() > 100, "{}", lines.len());
    for l in &lines {
        let t = l["t_us"].as_u64().expect("time");
        assert!((86_400_000_000..172_800_000_000).contains(&t), "{l}");
        let step = l["step"].as_str().expect("step");
        assert!(
            ["delivered", "lost", "uplink_changed"].contains(&step),
            "{l}"
        );
        if step != "uplink_changed" {
            assert_eq!(l["device"], "vibration/3", "{l}");
        }
    }
}

#[test]
fn a_trace_too_large_is_refused_unless_forced_and_bad_filters_are_named() {
    let refused = iotwin()
        .args(["trace", DRILL, "--max-size", "10"])
        .assert()
        .code(2);
    let stderr = text(&refused.get_output().stderr);
    assert!(stderr.contains("over --max-size 10 MB"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    let bad = iotwin()
        .args(["trace", DRILL, "--kind", "delivred"])
        .assert()
        .code(2);
    assert!(text(&bad.get_output().stderr).contains("did you mean \"delivered\""));
    let bad = iotwin()
        .args(["trace", DRILL, "--device", "vibration/100000"])
        .assert()
        .code(2);
    assert!(text(&bad.get_output().stderr).contains("has devices 0 to"));
}

#[test]
fn completions_and_man_pages_are_generated_for_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = iotwin().args(["completions", shell]).assert().success();
        let script = text(&out.get_output().stdout);
        assert!(script.contains("iotwin"), "{shell}");
        assert!(
            script.contains("sweep") && script.contains("junit"),
            "{shell}"
        );
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    iotwin().arg("man").arg(tmp.path()).assert().success();
    for command in ["iotwin", "iotwin-run", "iotwin-check", "iotwin-trace"] {
        let page = std::fs::read_to_string(tmp.path().join(format!("{command}.1")))
            .unwrap_or_else(|e| panic!("{command}.1: {e}"));
        assert!(page.contains(".TH"), "{command}");
        assert!(
            page.contains("Exit codes"),
            "{command}: exit codes documented"
        );
    }
}

#[test]
fn every_command_has_examples_in_its_help() {
    for command in [
        "run",
        "check",
        "compare",
        "merge",
        "sweep",
        "trace",
        "validate",
        "catalog",
        "completions",
        "man",
    ] {
        let out = iotwin().args([command, "--help"]).assert().success();
        let help = text(&out.get_output().stdout);
        assert!(
            help.contains("Examples:"),
            "iotwin {command} --help:\n{help}"
        );
    }
}

/// A template (`#repeat`, `#include`) compiles to the same deployment as the text written out,
/// so it gives the same results; a mistake in a repeated line is located where it is written.
#[test]
fn a_template_runs_as_the_scenario_written_out_and_its_errors_point_into_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("carriers.ron"),
        "Carrier(id: \"lte\", outages: Outages(every: Exponential(mean: \"5d\"), lasting: Fixed(\"2h\"))),\n",
    )
    .expect("written");
    let site = |i: &str| format!("Site(id: \"s{i}\"),\n");
    let gateway = |i: &str| {
        format!(
            "Gateway(id: \"g{i}\", site: \"s{i}\", buffer_messages: 100, uplinks: [Uplink(carrier: \"lte\")]),\n"
        )
    };
    let fleet = |i: &str, n: u32| {
        format!(
            "Fleet(id: \"f{i}\", site: \"s{i}\", gateway: \"g{i}\", count: {n}, report: Fixed(\"1m\")),\n"
        )
    };
    let head = "Scenario(name: \"t\", horizon: \"10d\", seed: 3, replications: 2,\n";
    let template = format!(
        "{head}sites: [\n#repeat i in 0..3\n{}#end\n],\ncarriers: [\n#include \"carriers.ron\"\n],\ngateways: [\n#repeat i in 0..3\n{}#end\n],\nfleets: [\n#repeat i in 0..3\n{}#end\n],\n)\n",
        site("{i}"),
        gateway("{i}"),
        fleet("{i}", 0).replace("count: 0", "count: {i+1}")
    );
    let written = format!(
        "{head}sites: [\n{}{}{}],\ncarriers: [\nCarrier(id: \"lte\", outages: Outages(every: Exponential(mean: \"5d\"), lasting: Fixed(\"2h\"))),\n],\ngateways: [\n{}{}{}],\nfleets: [\n{}{}{}],\n)\n",
        site("0"),
        site("1"),
        site("2"),
        gateway("0"),
        gateway("1"),
        gateway("2"),
        fleet("0", 1),
        fleet("1", 2),
        fleet("2", 3)
    );
    let template_path = dir.path().join("city.ron");
    let written_path = dir.path().join("written.ron");
    std::fs::write(&template_path, &template).expect("written");
    std::fs::write(&written_path, &written).expect("written");
    let summary = |path: &std::path::Path, out: &str| {
        iotwin()
            .arg("run")
            .arg(path)
            .args(["-q", "-o"])
            .arg(dir.path().join(out))
            .assert()
            .success();
        std::fs::read(dir.path().join(out).join("summary.json")).expect("summary")
    };
    assert_eq!(summary(&template_path, "a"), summary(&written_path, "b"));

    let broken = template.replace("report: Fixed(\"1m\")", "report: Fixed(\"1 m\")");
    std::fs::write(&template_path, broken).expect("written");
    let out = iotwin()
        .arg("validate")
        .arg(&template_path)
        .assert()
        .code(2);
    let stderr = text(&out.get_output().stderr);
    // The fleet line is line 17 of the template, whatever copy the parser met first.
    assert!(stderr.contains("city.ron:17:"), "{stderr}");
    assert!(
        stderr.contains("(in the repetition where i = 0)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Fleet(id: \"f{i}\""),
        "the line as written: {stderr}"
    );
}

/// A reader that does not run iotwin checks that a report folder holds one whole set with
/// `sha256sum -c MANIFEST.sha256`; the manifest lists every file of the set.
#[test]
fn a_report_set_carries_a_manifest_sha256sum_checks() {
    let tmp = tempfile::tempdir().expect("temp dir");
    iotwin()
        .args(["run", DRILL, "-r", "2", "-q", "-o"])
        .arg(tmp.path())
        .assert()
        .success();
    let manifest = std::fs::read_to_string(tmp.path().join("MANIFEST.sha256")).expect("manifest");
    for file in [
        "summary.json",
        "metrics.csv",
        "report.html",
        "report.md",
        "charts/losses.svg",
    ] {
        assert!(
            manifest.contains(&format!("  {file}\n")),
            "{file}: {manifest}"
        );
    }
    if let Ok(out) = std::process::Command::new("sha256sum")
        .args(["--check", "--quiet", "MANIFEST.sha256"])
        .current_dir(tmp.path())
        .output()
    {
        assert!(out.status.success(), "{}", text(&out.stdout));
    }
    std::fs::write(tmp.path().join("summary.json"), "{}").expect("edited");
    assert!(!iotwin::report::output::is_whole(tmp.path()));
}
