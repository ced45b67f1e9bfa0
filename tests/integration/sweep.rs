//! `iotwin sweep`: paths into a scenario, the grid, common random numbers, limits.

use assert_cmd::Command;

use iotwin::montecarlo::sweep::{self, Sweep, SweepError};
use iotwin::montecarlo::{self, RunOptions, Summary};
use iotwin::report::sweep as report;
use iotwin::scenario;

/// A small world with outages, losses and a buffer: every point runs in milliseconds.
const TINY: &str = r#"Scenario(
    name: "tiny",
    horizon: "1h",
    seed: 3,
    replications: 3,
    sites: [Site(id: "site")],
    carriers: [
        Carrier(id: "c", outages: Outages(every: Exponential(mean: "20m"), lasting: Exponential(mean: "2m"))),
    ],
    gateways: [
        Gateway(id: "gw", site: "site", buffer_messages: 1000, uplinks: [Uplink(carrier: "c")]),
    ],
    fleets: [
        Fleet(
            id: "sensors",
            site: "site",
            gateway: "gw",
            count: 5,
            report: Fixed("10s"),
            link: Link(loss: 0.01),
        ),
    ],
)
"#;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn plan(source: &str, sets: &[&str]) -> Result<sweep::Plan, SweepError> {
    sweep::plan(source, "tiny.ron", &strings(sets), &[])
}

fn run_sweep(source: &str, sets: &[&str], threads: Option<usize>) -> Sweep {
    let opts = RunOptions {
        threads,
        ..RunOptions::default()
    };
    plan(source, sets)
        .unwrap_or_else(|e| panic!("{e}"))
        .run(&opts, &|_| {}, &|| {})
        .unwrap_or_else(|e| panic!("{e}"))
}

fn run_text(source: &str) -> Summary {
    let dep = scenario::compile_source(source, "modified.ron").unwrap_or_else(|e| panic!("{e}"));
    montecarlo::run(&dep, &RunOptions::default(), &|| {}).unwrap_or_else(|e| panic!("{e}"))
}

fn same_numbers(a: &Summary, b: &Summary) {
    assert_eq!(a.per_replication.len(), b.per_replication.len());
    for (ra, rb) in a.per_replication.iter().zip(&b.per_replication) {
        let bits = |r: &Vec<f64>| r.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(ra), bits(rb));
    }
    for ((m, ea), eb) in a.metrics().zip(&b.estimates) {
        assert_eq!(ea.mean.to_bits(), eb.mean.to_bits(), "{}", m.id);
        assert_eq!(
            ea.half_width.map(f64::to_bits),
            eb.half_width.map(f64::to_bits),
            "{}",
            m.id
        );
    }
}

fn usage_error(source: &str, sets: &[&str]) -> String {
    match plan(source, sets) {
        Ok(_) => panic!("{sets:?} should be refused"),
        Err(e) => {
            assert!(e.is_usage(), "{e}");
            e.to_string()
        }
    }
}

#[test]
fn one_parameter_gives_exactly_the_runs_of_the_modified_scenarios() {
    let s = run_sweep(TINY, &["fleets[id=sensors].count=2,5,9"], None);
    assert_eq!(s.points.len(), 3);
    for (point, count) in s.points.iter().zip(["2", "5", "9"]) {
        let modified = TINY.replace("count: 5,", &format!("count: {count},"));
        same_numbers(&point.summary, &run_text(&modified));
    }
    // The unchanged value is the unchanged scenario: the same seed at every point.
    same_numbers(&s.points[1].summary, &run_text(TINY));
}

#[test]
fn a_duration_is_written_bare_or_quoted() {
    let bare = run_sweep(TINY, &["horizon=30m,2h"], None);
    let quoted = run_sweep(TINY, &[r#"horizon="30m","2h""#], None);
    for (a, b) in bare.points.iter().zip(&quoted.points) {
        same_numbers(&a.summary, &b.summary);
    }
    same_numbers(
        &bare.points[1].summary,
        &run_text(&TINY.replace(r#"horizon: "1h""#, r#"horizon: "2h""#)),
    );
}

#[test]
fn the_grid_runs_the_last_parameter_fastest() {
    let s = run_sweep(TINY, &["horizon=1h,2h", "fleets[0].count=1,2,3"], None);
    let at: Vec<Vec<usize>> = s.points.iter().map(|p| p.at.clone()).collect();
    assert_eq!(
        at,
        vec![
            vec![0, 0],
            vec![0, 1],
            vec![0, 2],
            vec![1, 0],
            vec![1, 1],
            vec![1, 2]
        ]
    );
    // Messages generated: count × horizon / 10 s, so the points really are in that order.
    let generated: Vec<f64> = s
        .points
        .iter()
        .map(|p| p.summary.estimate("messages_generated").unwrap().mean)
        .collect();
    for (g, (h, n)) in
        generated
            .iter()
            .zip([(1., 1.), (1., 2.), (1., 3.), (2., 1.), (2., 2.), (2., 3.)])
    {
        assert!((g - 360.0 * h * n).abs() <= n, "{generated:?}");
    }
    let csv = report::sweep_csv(&s).unwrap();
    let first_column: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let metrics = s.points[0].summary.metrics.len();
    assert_eq!(first_column.len(), 6 * metrics);
    assert!(first_column[..3 * metrics].iter().all(|v| *v == "1h"));
    assert!(
        csv.starts_with("horizon,fleets[0].count,metric,unit,mean,ci95_half_width,low,high,n\n")
    );
    // A grid draws one line per value of the second parameter.
    assert_eq!(s.lines().len(), 3);
}

#[test]
fn by_index_and_by_id_reach_the_same_field() {
    let by_id = plan(TINY, &["gateways[id=gw].uplinks[carrier=c].link.loss=0.1"]).unwrap();
    let by_index = plan(TINY, &["gateways[0].uplinks[0].link.loss=0.1"]).unwrap();
    assert_eq!(
        by_id.settings[0].path.field,
        "gateways[0].uplinks[0].link.loss"
    );
    assert_eq!(
        by_index.settings[0].path.field,
        by_id.settings[0].path.field
    );
    // `link` is not written for the uplink: it is added, and the value takes effect.
    let loss = |p: &sweep::Plan| p.points[0].gateways[0].uplinks[0].link.loss;
    assert_eq!(loss(&by_id), 0.1);
    assert_eq!(loss(&by_index), 0.1);
    // A field left at its default (no capacity limit) can be swept too.
    let capped = plan(TINY, &["gateways[id=gw].drain_per_s=5.0,50"]).unwrap();
    assert!(
        capped
            .points
            .iter()
            .all(|d| d.gateways[0].has_capacity_limit())
    );
}

#[test]
fn a_bad_path_lists_what_is_there() {
    let e = usage_error(TINY, &["fleets[id=sensorz].count=1"]);
    assert!(e.contains("no element with id = \"sensorz\""), "{e}");
    assert!(e.contains("did you mean `[id=sensors]`"), "{e}");
    let e = usage_error(TINY, &["fleets[3].count=1"]);
    assert!(e.contains("has 1 element(s)"), "{e}");
    assert!(
        e.contains("`fleets[0]`") && e.contains("`fleets[id=sensors]`"),
        "{e}"
    );
    let e = usage_error(TINY, &["fleets[0].cont=1"]);
    assert!(e.contains("has no field `cont`"), "{e}");
    assert!(e.contains("did you mean `count`?"), "{e}");
    assert!(
        e.contains("`report`") && e.contains("`message_bytes`"),
        "{e}"
    );
    let e = usage_error(TINY, &["horizn=1d"]);
    assert!(e.contains("did you mean `horizon`?"), "{e}");
    let e = usage_error(TINY, &["horizon.days=1"]);
    assert!(e.contains("single value"), "{e}");
    let e = usage_error(TINY, &["fleets.count=1"]);
    assert!(e.contains("is a list"), "{e}");
    let e = usage_error(TINY, &["fleets[0].count"]);
    assert!(e.contains("PATH=VALUE1,VALUE2"), "{e}");
}

#[test]
fn a_bad_value_gets_the_located_error_naming_the_point() {
    let e = usage_error(TINY, &["fleets[0].count=3,0"]);
    assert!(
        e.contains("tiny.ron [sweep point fleets[0].count=0]:18:20"),
        "{e}"
    );
    assert!(e.contains("field `fleets[0].count`"), "{e}");
    assert!(e.contains("whole number of at least 1"), "{e}");
    let e = usage_error(TINY, &["horizon=30"]);
    assert!(e.contains("[sweep point horizon=30]:3:14"), "{e}");
    assert!(e.contains("unit"), "{e}");
    // A value valid on its own that the whole file refuses: an unknown gateway.
    let e = usage_error(TINY, &["fleets[0].gateway=gw,gw-b"]);
    assert!(e.contains("sweep point fleets[0].gateway=gw-b"), "{e}");
    assert!(e.contains("gw-b"), "{e}");
}

/// A gateway serving one message at a time in exactly 0.1 s, and devices reporting every
/// second: its utilisation is count / 10, so it passes 0.75 between 6 and 8 devices, at 7.5
/// on the straight line between them.
const SERVER: &str = r#"Scenario(
    name: "server",
    horizon: "1h",
    seed: 5,
    replications: 3,
    sites: [Site(id: "site")],
    carriers: [Carrier(id: "c")],
    gateways: [
        Gateway(id: "gw", site: "site", buffer_messages: 100000, drain_per_s: 10.0, uplinks: [Uplink(carrier: "c")]),
    ],
    fleets: [
        Fleet(id: "d", site: "site", gateway: "gw", count: 1, report: Fixed("1s")),
    ],
)
"#;

#[test]
fn the_limit_crossing_is_where_the_closed_form_says() {
    let p = sweep::plan(
        SERVER,
        "server.ron",
        &strings(&["fleets[id=d].count=2,4,6,8,10"]),
        &strings(&["max_gateway_utilisation<=0.75", "data_completeness>=0.5"]),
    )
    .unwrap();
    let s = p.run(&RunOptions::default(), &|_| {}, &|| {}).unwrap();
    for (point, n) in s.points.iter().zip([2.0, 4.0, 6.0, 8.0, 10.0]) {
        let u = point
            .summary
            .estimate("max_gateway_utilisation")
            .unwrap()
            .mean;
        assert!((u - n / 10.0).abs() < 1e-3, "{n}: {u}");
    }
    let c = s.crossings();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].mean, Some(3), "8 devices");
    assert_eq!(c[0].ci, Some(3));
    let x = c[0].interpolated.unwrap();
    assert!((x - 7.5).abs() < 0.02, "{x}");
    assert_eq!((c[1].mean, c[1].ci), (None, None));
    let text = report::sweep_table(&s);
    assert!(
        text.contains("max_gateway_utilisation ≤ 75%: the mean first crosses it at fleets[id=d].count=8 (straight line between the points: about 7.5"),
        "{text}"
    );
    assert!(
        text.contains("data_completeness ≥ 50%: the mean stays within the limit"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&report::sweep_json(&s)).unwrap();
    assert_eq!(json["limits"][0]["crossings"][0]["mean_first_beyond"], "8");
}

#[test]
fn a_sweep_is_the_same_on_any_number_of_threads() {
    let sets = ["fleets[0].count=2,4", "horizon=30m,1h"];
    let one = run_sweep(TINY, &sets, Some(1));
    let two = run_sweep(TINY, &sets, Some(2));
    assert_eq!(
        report::sweep_csv(&one).unwrap(),
        report::sweep_csv(&two).unwrap()
    );
    assert_eq!(report::sweep_json(&one), report::sweep_json(&two));
    assert_eq!(report::charts(&one).unwrap(), report::charts(&two).unwrap());
}

#[test]
fn the_command_writes_the_sweep_and_refuses_a_bad_path() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("tiny.ron");
    std::fs::write(&file, TINY).unwrap();
    let out = tmp.path().join("out");
    let assert = Command::cargo_bin("iotwin")
        .unwrap()
        .args(["sweep"])
        .arg(&file)
        .args(["--set", "fleets[id=sensors].count=2,4", "--out"])
        .arg(&out)
        .assert()
        .success();
    let text = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("tiny sweep — 2 points, 3 replications each"),
        "{text}"
    );
    for f in [
        "sweep.csv",
        "sweep.json",
        "sweep.md",
        "sweep.html",
        "charts/data_completeness.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    // The sweep's numbers are those `iotwin run` writes for the modified scenario.
    let modified = tmp.path().join("four.ron");
    std::fs::write(&modified, TINY.replace("count: 5,", "count: 4,")).unwrap();
    let run_out = tmp.path().join("run");
    Command::cargo_bin("iotwin")
        .unwrap()
        .arg("run")
        .arg(&modified)
        .arg("--out")
        .arg(&run_out)
        .assert()
        .success();
    let read = |p: std::path::PathBuf| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let sweep_json = read(out.join("sweep.json"));
    let summary = read(run_out.join("summary.json"));
    for metric in ["data_completeness", "messages_lost", "site_availability"] {
        assert_eq!(
            sweep_json["points"][1]["metrics"][metric]["mean"], summary["metrics"][metric]["mean"],
            "{metric}"
        );
        assert_eq!(
            sweep_json["points"][1]["metrics"][metric]["ci95_half_width"],
            summary["metrics"][metric]["ci95_half_width"],
            "{metric}"
        );
    }
    let assert = Command::cargo_bin("iotwin")
        .unwrap()
        .args(["sweep"])
        .arg(&file)
        .args(["--set", "gateways[id=gw-a].buffer_messages=1"])
        .assert()
        .code(2);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("ids present: \"gw\""), "{err}");
}

/// Runs `iotwin sweep` of TINY over two parameters with `extra` arguments into `out`.
fn sweep_cli(file: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("iotwin").unwrap();
    cmd.arg("sweep")
        .arg(file)
        .args([
            "--set",
            "fleets[id=sensors].count=2,4",
            "--set",
            "gateways[id=gw].buffer_messages=10,1000",
            "--limit",
            "data_completeness>=0.99",
            "--replications",
            "5",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .args(extra);
    cmd
}

/// Every file of a sweep's output folder, by relative path.
fn outputs(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![];
    for sub in ["", "charts"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file()
                && !path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("shard-")
            {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn sharded_sweeps_merge_to_the_bytes_of_an_unsharded_one() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("tiny.ron");
    std::fs::write(&file, TINY).unwrap();
    let plain = tmp.path().join("plain");
    sweep_cli(&file, &plain, &[]).assert().success();
    let expected = outputs(&plain);
    assert!(
        expected.iter().any(|(n, _)| n == "sweep.json"),
        "{expected:?}"
    );
    assert!(expected.iter().any(|(n, _)| n == "sweep.csv"));
    for count in [1, 2, 3] {
        let shards = tmp.path().join(format!("shards-{count}"));
        for index in 0..count {
            let shard = format!("{index}/{count}");
            let assert = sweep_cli(&file, &shards, &["--shard", &shard])
                .assert()
                .success();
            let text = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
            assert!(text.contains("iotwin merge"), "{text}");
        }
        // Any order: the files named last first.
        let mut files: Vec<_> = (0..count)
            .rev()
            .map(|i| shards.join(format!("shard-{i:04}-of-{count:04}.json")))
            .collect();
        files.rotate_left(count / 2);
        let merged = tmp.path().join(format!("merged-{count}"));
        Command::cargo_bin("iotwin")
            .unwrap()
            .arg("merge")
            .args(&files)
            .arg("--out")
            .arg(&merged)
            .assert()
            .success();
        let got = outputs(&merged);
        assert_eq!(
            got.iter().map(|f| &f.0).collect::<Vec<_>>(),
            expected.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        for ((name, a), (_, b)) in got.iter().zip(&expected) {
            assert!(a == b, "{name} differs after merging {count} shards");
        }
    }

    // A missing shard is named with the command that runs it.
    let shards = tmp.path().join("shards-3");
    let assert = Command::cargo_bin("iotwin")
        .unwrap()
        .arg("merge")
        .arg(shards.join("shard-0000-of-0003.json"))
        .arg(shards.join("shard-0002-of-0003.json"))
        .assert()
        .code(2);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("shard 1/3 of this sweep is missing"), "{err}");
    assert!(
        err.contains("iotwin sweep") && err.contains("--shard 1/3") && err.contains("--set"),
        "{err}"
    );

    // Another sweep's shard (another seed) is refused, naming the file and the field.
    let other = tmp.path().join("other");
    sweep_cli(&file, &other, &["--shard", "1/3", "--seed", "99"])
        .assert()
        .success();
    let assert = Command::cargo_bin("iotwin")
        .unwrap()
        .arg("merge")
        .arg(shards.join("shard-0000-of-0003.json"))
        .arg(other.join("shard-0001-of-0003.json"))
        .arg(shards.join("shard-0002-of-0003.json"))
        .assert()
        .code(2);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("not of the same sweep") && err.contains("seed 99"),
        "{err}"
    );

    // A run's shard and a sweep's shard do not mix.
    let run_shards = tmp.path().join("run-shards");
    Command::cargo_bin("iotwin")
        .unwrap()
        .arg("run")
        .arg(&file)
        .args(["--shard", "0/1", "--quiet", "--out"])
        .arg(&run_shards)
        .assert()
        .success();
    let assert = Command::cargo_bin("iotwin")
        .unwrap()
        .arg("merge")
        .arg(shards.join("shard-0000-of-0003.json"))
        .arg(run_shards.join("shard-0000-of-0001.json"))
        .assert()
        .code(2);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("is not a sweep's shard file"), "{err}");
}
