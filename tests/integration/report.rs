//! `report.html`, `report.md` and the charts that `iotwin run` writes beside the summary.

use assert_cmd::Command;

/// The smart home over ten days, with markup in its description that must come out escaped.
fn scenario() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/smart_home.ron");
    let text = std::fs::read_to_string(path).expect("shipped scenario");
    assert!(text.contains(r#"horizon: "90d""#));
    text.replace(r#"horizon: "90d""#, r#"horizon: "10d""#)
        .replace(
            r#"description: "Consumer home"#,
            r#"description: "<b>Tom & Jerry's</b> consumer home"#,
        )
}

/// Runs the scenario into a fresh folder and returns the folder.
fn run(seed: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("scenario.ron");
    std::fs::write(&path, scenario()).expect("written");
    Command::cargo_bin("iotwin")
        .expect("binary built")
        .arg("run")
        .arg(&path)
        .args(["--replications", "4", "--seed", seed, "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .success();
    dir
}

fn read(dir: &tempfile::TempDir, name: &str) -> String {
    std::fs::read_to_string(dir.path().join("out").join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn run_writes_a_self_contained_html_report() {
    let dir = run("7");
    let html = read(&dir, "report.html");
    assert!(html.contains("<h2>Glossary</h2>"), "no glossary");
    assert!(html.contains("Delivered / generated: the share of due readings"));
    assert!(html.contains("<svg"), "no inline chart");
    assert!(html.contains("<text"), "charts without text");
    assert!(!html.contains("<script"), "no scripts");
    assert!(
        html.contains("&lt;b&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;"),
        "scenario text not escaped"
    );
    // The only URL is the SVG namespace, which names a format and fetches nothing.
    let without_namespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_namespace.contains("http://"), "external reference");
    assert!(
        !without_namespace.contains("https://"),
        "external reference"
    );
    // Every metric is in the glossary.
    let summary: serde_json::Value = serde_json::from_str(&read(&dir, "summary.json")).unwrap();
    for id in summary["metrics"].as_object().unwrap().keys() {
        assert!(
            html.contains(&format!("id=\"m-{id}\"")),
            "{id} not in glossary"
        );
    }
}

#[test]
fn run_writes_markdown_and_chart_files() {
    let dir = run("7");
    let md = read(&dir, "report.md");
    assert!(md.contains("## Glossary"));
    for stem in ["availability", "outages", "completeness", "losses"] {
        let link = format!("charts/{stem}.svg");
        assert!(md.contains(&link), "report.md does not show {link}");
        let svg = read(&dir, &link);
        assert!(svg.starts_with("<svg") && svg.contains("<text"), "{link}");
    }
}

#[test]
fn the_same_seed_gives_the_same_report_bytes() {
    let (a, b) = (run("11"), run("11"));
    assert_eq!(read(&a, "report.html"), read(&b, "report.html"));
    assert_eq!(read(&a, "report.md"), read(&b, "report.md"));
    assert_ne!(read(&a, "report.html"), read(&run("12"), "report.html"));
}

/// Runs a shipped scenario over `horizon` into a fresh folder.
fn run_shipped(name: &str, from: &str, horizon: &str) -> tempfile::TempDir {
    let path = format!("{}/scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("shipped scenario");
    let from = format!("horizon: \"{from}\"");
    assert!(text.contains(&from), "{name} has no {from}");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("scenario.ron");
    std::fs::write(
        &path,
        text.replace(&from, &format!("horizon: \"{horizon}\"")),
    )
    .unwrap();
    Command::cargo_bin("iotwin")
        .expect("binary built")
        .arg("run")
        .arg(&path)
        .args(["--replications", "3", "--seed", "5", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .success();
    dir
}

#[test]
fn the_battery_chart_is_drawn_when_and_only_when_the_scenario_has_batteries() {
    // City meters: battery water meters installed over twelve years, some run flat in a year.
    let with = run_shipped("city_meters", "730d", "365d");
    let html = read(&with, "report.html");
    assert!(html.contains("id=\"chart-battery\""), "no battery chart");
    assert!(html.contains("Battery survival"));
    let svg = read(&with, "charts/battery.svg");
    assert!(svg.contains("Battery survival") && svg.contains("flat ones lasted"));
    assert!(
        !svg.contains("No battery ran flat"),
        "no battery ran flat in a year?"
    );
    assert!(read(&with, "report.md").contains("charts/battery.svg"));
    // Deterministic bytes.
    let again = run_shipped("city_meters", "730d", "365d");
    assert_eq!(svg, read(&again, "charts/battery.svg"));
    assert_eq!(html, read(&again, "report.html"));

    // The factory's devices are mains powered: no battery chart, in either document.
    let without = run_shipped("factory", "30d", "5d");
    assert!(!read(&without, "report.html").contains("chart-battery"));
    assert!(!read(&without, "report.md").contains("battery.svg"));
    assert!(!without.path().join("out/charts/battery.svg").exists());
}
