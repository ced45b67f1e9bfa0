//! `iotwin trace`: one replication, step by step, replayable and faithful to `run`.

use assert_cmd::Command;

/// The smart home over ten days instead of ninety: the same mechanisms, a shorter trace.
fn short_smart_home() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/smart_home.ron");
    let text = std::fs::read_to_string(path).expect("shipped scenario");
    assert!(text.contains(r#"horizon: "90d""#));
    text.replace(r#"horizon: "90d""#, r#"horizon: "10d""#)
}

fn trace(extra: &[&str]) -> Vec<u8> {
    trace_of(&short_smart_home(), extra)
}

fn trace_of(text: &str, extra: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("scenario.ron");
    std::fs::write(&scenario, text).expect("written");
    Command::cargo_bin("iotwin")
        .expect("binary built")
        .arg("trace")
        .arg(&scenario)
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone()
}

#[test]
fn a_trace_replays_bit_identically() {
    let a = trace(&["--replication", "3"]);
    let b = trace(&["--replication", "3"]);
    assert!(!a.is_empty());
    assert_eq!(a, b);
    assert_ne!(a, trace(&["--replication", "4"]));
}

/// The traced world is the world `run` simulates: counting the trace's steps gives replication
/// K's row of metrics.csv. And every generated message has exactly one final step. Checked on
/// the smart home and on the hostile scenario, which exercises every mechanism.
#[test]
fn a_trace_agrees_with_the_run_and_closes_every_message() {
    // The degraded link starts within the shortened horizon (a fault after it is refused).
    let hostile = crate::common::HOSTILE
        .replace(r#"horizon: "3d""#, r#"horizon: "6h""#)
        .replace(r#"at: "12h", lasting: "6h""#, r#"at: "2h", lasting: "6h""#);
    for text in [short_smart_home(), hostile] {
        agrees_with_run(&text, 2);
    }
}

fn agrees_with_run(scenario: &str, k: usize) {
    let text =
        String::from_utf8(trace_of(scenario, &["--replication", &k.to_string()])).expect("utf-8");
    let steps: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let count = |step: &str| steps.iter().filter(|s| s["step"] == step).count() as f64;
    let lost = |cause: &str| {
        steps
            .iter()
            .filter(|s| s["step"] == "lost" && s["cause"] == cause)
            .count() as f64
    };
    let late = steps
        .iter()
        .filter(|s| s["step"] == "delivered" && s["on_time"] == false)
        .count() as f64;

    // Time never goes backwards in a trace.
    let times: Vec<u64> = steps
        .iter()
        .map(|s| s["t_us"].as_u64().expect("t_us"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));

    let dep = crate::common::deployment(scenario);
    let summary = crate::common::run(&dep, (k + 1) as u32);
    let value = |id: &str| crate::common::column(&summary, id)[k];
    assert_eq!(count("generated"), value("messages_generated"));
    assert_eq!(
        count("delivered") - late,
        value("messages_delivered_on_time")
    );
    assert_eq!(late, value("messages_delivered_late"));
    for cause in iotwin::model::LossCause::ALL {
        let name = cause.name();
        let id = format!("lost_{name}");
        // A cause some scenarios cannot have (`no_service` without cellular fleets) has its
        // metric only where it can happen.
        let expected = summary.index_of(&id).map_or(0.0, |_| value(&id));
        assert_eq!(lost(name), expected, "{name}");
    }
    assert_eq!(
        count("buffered_at_horizon") + count("on_device_at_horizon"),
        value("messages_buffered_at_horizon")
    );
    assert_eq!(
        count("in_flight_at_horizon") + count("on_access_link_at_horizon"),
        value("messages_in_flight_at_horizon")
    );
    assert_eq!(count("carrier_down"), value("carrier_outages"));

    // Each (device, seq) is generated once and ends once.
    let finals = [
        "delivered",
        "lost",
        "in_flight_at_horizon",
        "on_access_link_at_horizon",
        "buffered_at_horizon",
        "on_device_at_horizon",
    ];
    let mut ends = std::collections::BTreeMap::new();
    for s in &steps {
        if finals.contains(&s["step"].as_str().unwrap_or("")) {
            *ends
                .entry((s["device"].to_string(), s["seq"].as_u64()))
                .or_insert(0) += 1;
        }
    }
    assert_eq!(ends.len() as f64, count("generated"));
    assert!(ends.values().all(|&n| n == 1));
}

#[test]
fn a_trace_can_go_to_a_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("t.jsonl");
    let out = trace(&[
        "--replication",
        "1",
        "--out",
        file.to_str().expect("utf-8 path"),
    ]);
    assert!(out.is_empty());
    assert_eq!(
        std::fs::read(&file).expect("written"),
        trace(&["--replication", "1"])
    );
}
