//! Bad scenario input, as a user writes it: every mistake is refused before the run with an
//! error that names the file, line, column and field, says what was expected, and suggests the
//! fix (invariant 6 in ARCHITECTURE.md). Nothing a user types makes iotwin panic.
//!
//! Each bad input is a small textual edit of `GOOD`, a valid scenario kept here so that the
//! shipped examples can change freely. Positions are found from a snippet of the edited text in
//! which `|` marks the expected caret, so a test says where the caret goes, not which number.

use std::path::Path;

use assert_cmd::Command;
use iotwin::scenario::{self, Diagnostic, ScenarioError};
use proptest::prelude::*;

/// A valid scenario with two sites, two carriers, two gateways and two fleets.
const GOOD: &str = r#"// A small plant with an office next door.
Scenario(
    name: "bad-input-base",
    horizon: "30d",
    replications: 2,
    sites: [Site(id: "plant"), Site(id: "office")],
    carriers: [
        Carrier(
            id: "fiber",
            outages: Outages(
                every: Exponential(mean: "90d"),
                lasting: LogNormal(median: "4h", sigma: 0.8),
            ),
        ),
        Carrier(id: "lte"),
    ],
    gateways: [
        Gateway(
            id: "gw-north",
            site: "plant",
            buffer_messages: 50000,
            drain_per_s: 200.0,
            uplinks: [
                Uplink(carrier: "fiber", link: Link(loss: 0.0001, latency: Fixed("10ms"))),
                Uplink(carrier: "lte", link: Link(loss: 0.001)),
            ],
        ),
        Gateway(
            id: "gw-office",
            site: "office",
            buffer_messages: 1000,
            uplinks: [Uplink(carrier: "lte")],
        ),
    ],
    fleets: [
        Fleet(
            id: "vibration",
            site: "plant",
            gateway: "gw-north",
            count: 200,
            report: Jitter(period: "10m", jitter: Uniform(min: "0s", max: "5s")),
            link: Link(loss: 0.005, latency: LogNormal(median: "800ms", sigma: 0.5)),
            failure: Failure(
                lifetime: Weibull(shape: 1.5, scale: "8y"),
                repair: Exponential(mean: "1d"),
            ),
        ),
        Fleet(
            id: "printers",
            site: "office",
            gateway: "gw-office",
            count: 5,
            report: Fixed("5m"),
        ),
    ],
)
"#;

/// `GOOD` with `from`, which must occur exactly once, replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(
        GOOD.matches(from).count(),
        1,
        "`{from}` must occur once in GOOD"
    );
    GOOD.replacen(from, to, 1)
}

/// The 1-based line and column (in characters) marked by `|` in `snippet`, which must occur
/// exactly once in `text` once the mark is removed.
fn caret(text: &str, snippet: &str) -> (usize, usize) {
    let (before, after) = snippet.split_once('|').unwrap_or(("", snippet));
    let whole = format!("{before}{after}");
    assert_eq!(text.matches(&whole).count(), 1, "`{whole}` must occur once");
    let at = text.find(&whole).expect("found") + before.len();
    let line = text[..at].matches('\n').count() + 1;
    let column = text[..at].rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// The diagnostic for text that must be refused.
fn refused(text: &str) -> Diagnostic {
    match scenario::compile_source(text, "bad.ron") {
        Ok(_) => panic!("a bad scenario was accepted:\n{text}"),
        Err(e) => match e.diagnostic() {
            Some(d) => d.clone(),
            None => panic!("no located diagnostic: {e}"),
        },
    }
}

/// What a user must be told about one mistake.
struct Expect<'a> {
    /// Where the caret goes: a snippet of the bad text with `|` at the caret.
    at: &'a str,
    field: &'a str,
    /// Words the message must contain.
    message: &'a [&'a str],
    /// Words the hint must contain.
    hint: &'a [&'a str],
}

/// Checks the diagnostic for `text` field by field, and its rendering.
fn check(text: &str, expect: Expect) -> Diagnostic {
    let d = refused(text);
    let (line, column) = caret(text, expect.at);
    assert_eq!(d.file, "bad.ron", "{d}");
    assert_eq!(
        (d.line, d.column),
        (line, column),
        "position of `{}`:\n{d}",
        expect.at
    );
    assert_eq!(d.field, expect.field, "{d}");
    for word in expect.message {
        assert!(d.message.contains(word), "message lacks `{word}`:\n{d}");
    }
    for word in expect.hint {
        assert!(d.hint.contains(word), "hint lacks `{word}`:\n{d}");
    }
    assert_eq!(
        d.source_line,
        text.lines().nth(line - 1).unwrap_or(""),
        "{d}"
    );
    // Rendered as `error: FILE:LINE:COL: field `F`: MESSAGE`, the source line, a caret under the
    // column and the hint.
    let shown = d.to_string();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "error: bad.ron:{line}:{column}: field `{}`: {}",
            d.field, d.message
        ),
        "{shown}"
    );
    assert!(
        lines[2].ends_with(&format!("| {}", d.source_line)),
        "{shown}"
    );
    let bar = lines[3].find('|').expect("caret line has a bar");
    assert_eq!(
        lines[3][bar + 2..],
        format!("{}^", " ".repeat(column - 1)),
        "{shown}"
    );
    assert!(lines[4].trim_start().starts_with("= hint: "), "{shown}");
    assert!(shown.ends_with(&d.hint), "{shown}");
    d
}

#[test]
fn the_base_scenario_is_valid() {
    let dep = scenario::compile_source(GOOD, "good.ron").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dep.fleets.len(), 2);
    assert_eq!(dep.gateways.len(), 2);
}

#[test]
fn misspelled_field_suggests_the_right_name() {
    let text = edit("buffer_messages: 50000", "buffer_mesages: 50000");
    check(
        &text,
        Expect {
            at: "|buffer_mesages: 50000",
            field: "gateways[0].buffer_mesages",
            message: &["unknown field `buffer_mesages`", "Gateway"],
            hint: &[
                "did you mean `buffer_messages`?",
                "`drain_per_s`",
                "`uplinks`",
            ],
        },
    );
}

#[test]
fn misspelled_top_level_field_suggests_the_right_name() {
    let text = edit(r#"horizon: "30d""#, r#"horizn: "30d""#);
    check(
        &text,
        Expect {
            at: "|horizn",
            field: "horizn",
            message: &["unknown field `horizn`", "Scenario"],
            hint: &["did you mean `horizon`?"],
        },
    );
}

#[test]
fn missing_field_names_it_and_shows_an_example() {
    let text = edit("            count: 5,\n", "");
    // The caret is where the item ends, i.e. where the field can be added.
    check(
        &text,
        Expect {
            at: "report: Fixed(\"5m\"),\n        |),",
            field: "fleets[1].count",
            message: &["missing field `count`", "Fleet"],
            hint: &["count: 100"],
        },
    );
}

#[test]
fn string_where_a_whole_number_goes() {
    let text = edit("buffer_messages: 50000", r#"buffer_messages: "50000""#);
    check(
        &text,
        Expect {
            at: r#"buffer_messages: |"50000""#,
            field: "gateways[0].buffer_messages",
            message: &["expected a whole number"],
            hint: &["buffer_messages: 1000"],
        },
    );
}

#[test]
fn string_where_a_count_goes() {
    let text = edit("count: 200", r#"count: "200""#);
    check(
        &text,
        Expect {
            at: r#"count: "|200""#,
            field: "fleets[0].count",
            message: &[
                "expected a whole number of at least 1",
                r#"found the string "200""#,
            ],
            hint: &["count: 100"],
        },
    );
}

#[test]
fn string_where_a_rate_goes() {
    let text = edit("drain_per_s: 200.0", r#"drain_per_s: "fast""#);
    check(
        &text,
        Expect {
            at: r#"drain_per_s: "|fast""#,
            field: "gateways[0].drain_per_s",
            message: &["expected a positive number", r#"found the string "fast""#],
            hint: &["messages per second", "drain_per_s: 50.0"],
        },
    );
}

#[test]
fn negative_rate_is_refused() {
    let text = edit("drain_per_s: 200.0", "drain_per_s: -5.0");
    check(
        &text,
        Expect {
            at: "drain_per_s: |-5.0",
            field: "gateways[0].drain_per_s",
            message: &["expected a positive number", "found -5"],
            hint: &["messages per second", "drain_per_s: 50.0"],
        },
    );
}

#[test]
fn probability_above_one_is_refused() {
    let text = edit("loss: 0.005", "loss: 1.5");
    check(
        &text,
        Expect {
            at: "loss: |1.5",
            field: "fleets[0].link.loss",
            message: &["expected a probability between 0 and 1", "found 1.5"],
            hint: &["0.01 means 1%"],
        },
    );
}

#[test]
fn probability_nan_is_refused() {
    let text = edit("loss: 0.0001", "loss: NaN");
    check(
        &text,
        Expect {
            at: "loss: |NaN",
            field: "gateways[0].uplinks[0].link.loss",
            message: &["probability between 0 and 1", "found NaN"],
            hint: &["0.01 means 1%"],
        },
    );
}

#[test]
fn horizon_without_unit_is_refused() {
    let text = edit(r#"horizon: "30d""#, r#"horizon: "30""#);
    check(
        &text,
        Expect {
            at: r#"horizon: "|30""#,
            field: "horizon",
            message: &[
                r#""30" has no unit"#,
                r#""30s""#,
                "units: us, ms, s, m, h, d, w, y",
            ],
            hint: &["durations are strings with a unit", "\"30d\""],
        },
    );
}

#[test]
fn bare_number_as_a_duration_is_refused() {
    let text = edit(r#"report: Fixed("5m")"#, "report: Fixed(60)");
    check(
        &text,
        Expect {
            at: "report: Fixed(|60)",
            field: "fleets[1].report",
            message: &[r#""60" has no unit"#, r#""60s""#],
            hint: &[r#"Fixed("60s")"#],
        },
    );
}

#[test]
fn unknown_gateway_id_suggests_the_near_miss() {
    let text = edit(r#"gateway: "gw-office""#, r#"gateway: "gw-ofice""#);
    check(
        &text,
        Expect {
            at: r#"gateway: |"gw-ofice""#,
            field: "fleets[1].gateway",
            message: &[r#"unknown gateway id "gw-ofice""#],
            hint: &[r#"did you mean "gw-office"?"#, r#""gw-north", "gw-office""#],
        },
    );
}

#[test]
fn unknown_carrier_id_suggests_the_near_miss() {
    let text = edit(
        r#"uplinks: [Uplink(carrier: "lte")]"#,
        r#"uplinks: [Uplink(carrier: "lt")]"#,
    );
    check(
        &text,
        Expect {
            at: r#"Uplink(carrier: |"lt")"#,
            field: "gateways[1].uplinks[0].carrier",
            message: &[r#"unknown carrier id "lt""#],
            hint: &[r#"did you mean "lte"?"#, r#""fiber", "lte""#],
        },
    );
}

#[test]
fn empty_fleet_is_refused() {
    let text = edit("count: 5", "count: 0");
    check(
        &text,
        Expect {
            at: "count: |0",
            field: "fleets[1].count",
            message: &["expected a whole number of at least 1", "found 0"],
            hint: &["at least one device", "count: 100"],
        },
    );
}

#[test]
fn misspelled_distribution_suggests_the_right_one() {
    let text = edit(
        r#"repair: Exponential(mean: "1d")"#,
        r#"repair: Exponentail(mean: "1d")"#,
    );
    check(
        &text,
        Expect {
            at: "repair: |Exponentail",
            field: "fleets[0].failure.repair",
            message: &["`Exponentail`"],
            hint: &[
                "did you mean `Exponential`?",
                "`Weibull`",
                "`LogNormal`",
                "`Uniform`",
            ],
        },
    );
}

#[test]
fn duplicate_fleet_ids_are_refused() {
    let text = edit(r#"id: "printers""#, r#"id: "vibration""#);
    check(
        &text,
        Expect {
            at: "Fleet(\n            id: |\"vibration\",\n            site: \"office\"",
            field: "fleets[1].id",
            message: &[r#"fleet id "vibration" is used twice"#, "fleets[0]"],
            hint: &["unique", "rename one"],
        },
    );
}

#[test]
fn duplicate_gateway_ids_are_refused() {
    let text = edit(r#"id: "gw-office""#, r#"id: "gw-north""#);
    check(
        &text,
        Expect {
            at: "id: |\"gw-north\",\n            site: \"office\"",
            field: "gateways[1].id",
            message: &[r#"gateway id "gw-north" is used twice"#, "gateways[0]"],
            hint: &["unique", "rename one"],
        },
    );
}

#[test]
fn fleet_using_a_gateway_at_another_site_is_refused() {
    let text = edit(r#"gateway: "gw-office""#, r#"gateway: "gw-north""#);
    check(
        &text,
        Expect {
            at: "site: \"office\",\n            gateway: |\"gw-north\"",
            field: "fleets[1].gateway",
            message: &[
                r#"fleet "printers" is at site "office""#,
                r#"gateway "gw-north" is at site "plant""#,
            ],
            hint: &["gateway at its own site"],
        },
    );
}

#[test]
fn uniform_with_min_above_max_is_refused() {
    let text = edit(
        r#"Uniform(min: "0s", max: "5s")"#,
        r#"Uniform(min: "9s", max: "5s")"#,
    );
    check(
        &text,
        Expect {
            at: r#"Uniform(min: |"9s""#,
            field: "fleets[0].report.jitter.min",
            message: &["min 9s is greater than max 5s"],
            hint: &[r#"Uniform(min: "5s", max: "9s")"#],
        },
    );
}

#[test]
fn unclosed_parenthesis_is_reported_where_it_shows() {
    // `Link(` is not closed; the reader notices at the `]` that ends the list.
    let text = edit("Link(loss: 0.001)),", "Link(loss: 0.001),");
    check(
        &text,
        Expect {
            at: "Link(loss: 0.001),\n            |],",
            field: "gateways[0].uplinks[1]",
            message: &["expected a field name"],
            hint: &["`(`", "not closed"],
        },
    );
}

#[test]
fn misspelled_item_name_is_reported() {
    let text = edit(
        "Gateway(\n            id: \"gw-office\"",
        "Gatway(\n            id: \"gw-office\"",
    );
    check(
        &text,
        Expect {
            at: "|Gatway(",
            field: "gateways[1]",
            message: &["expected `Gateway( ... )`", "found `Gatway`"],
            hint: &["write `Gateway(`"],
        },
    );
}

#[test]
fn unclosed_list_is_reported() {
    // The `]` of `fleets` is missing: the reader expects another fleet at the final `)`.
    let text = edit(
        "        ),
    ],
)",
        "        ),
)",
    );
    check(
        &text,
        Expect {
            at: "        ),
|)",
            field: "fleets[2]",
            message: &["expected `Fleet( ... )`"],
            hint: &["`]` is missing"],
        },
    );
}

#[test]
fn missing_comma_is_reported() {
    let text = edit("count: 5,", "count: 5");
    check(
        &text,
        Expect {
            at: "count: 5\n            |report",
            field: "fleets[1]",
            message: &["expected a comma"],
            hint: &["`,`"],
        },
    );
}

#[test]
fn truncated_file_is_reported_at_its_end() {
    let cut = GOOD.find("count: 5,").expect("in GOOD");
    // The caret follows the last complete token.
    check(
        &GOOD[..cut],
        Expect {
            at: "gateway: \"gw-office\",|",
            field: "fleets[1]",
            message: &["ends too early"],
            hint: &["not closed"],
        },
    );
}

#[test]
fn empty_file_is_reported() {
    for text in ["", "   \n", "// only a comment\n"] {
        let d = refused(text);
        assert_eq!(d.file, "bad.ron");
        assert!(d.line >= 1 && d.column >= 1, "{d}");
        assert!(d.message.contains("Scenario"), "{d}");
        assert!(d.hint.contains("scenarios/factory.ron"), "{d}");
    }
}

#[test]
fn text_after_the_scenario_is_reported() {
    let text = format!("{GOOD})\n");
    let d = refused(&text);
    assert_eq!((d.line, d.column), (GOOD.lines().count() + 1, 1), "{d}");
    assert!(d.message.contains("after the end of the scenario"), "{d}");
    assert!(d.hint.contains("`)`"), "{d}");
}

#[test]
fn gateway_without_uplinks_is_refused() {
    let text = edit(r#"uplinks: [Uplink(carrier: "lte")]"#, "uplinks: []");
    check(
        &text,
        Expect {
            at: "uplinks: |[]",
            field: "gateways[1].uplinks",
            message: &[r#"gateway "gw-office" has no uplink"#],
            hint: &[r#"uplinks: [Uplink(carrier: "fiber")]"#],
        },
    );
}

#[test]
fn missing_file_names_the_path_and_a_hint() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("nowhere.ron");
    let err = scenario::load(&path).expect_err("no such file");
    assert!(err.diagnostic().is_none(), "{err}");
    match &err {
        ScenarioError::Io {
            file,
            message,
            hint,
        } => {
            assert_eq!(file, &path.display().to_string());
            assert!(!message.is_empty());
            assert!(hint.contains("check the path"), "{hint}");
        }
        other => panic!("expected an I/O error, got {other}"),
    }
    let shown = err.to_string();
    assert!(shown.starts_with("error: cannot read scenario "), "{shown}");
    assert!(shown.contains("nowhere.ron"), "{shown}");
    assert!(shown.contains("= hint: "), "{shown}");
}

// The command line: exit code 2 and the located message on standard error, nothing on
// standard output, nothing written.

fn iotwin() -> Command {
    Command::cargo_bin("iotwin").expect("binary built")
}

/// Writes `text` to `bad.ron` in a fresh folder and runs `iotwin ARGS bad.ron` there; returns
/// the folder and what was printed on standard error.
fn cli_refuses(args: &[&str], text: &str) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("bad.ron"), text).expect("write");
    let out = iotwin()
        .current_dir(tmp.path())
        .args(args)
        .arg("bad.ron")
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    (tmp, String::from_utf8(out.stderr).expect("utf-8"))
}

#[test]
fn cli_validate_accepts_the_base_scenario() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("good.ron"), GOOD).expect("write");
    let out = iotwin()
        .current_dir(tmp.path())
        .args(["validate", "good.ron"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.starts_with("ok: bad-input-base"), "{text}");
}

#[test]
fn cli_validate_reports_a_misspelled_field() {
    let text = edit("buffer_messages: 50000", "buffer_mesages: 50000");
    let (line, column) = caret(&text, "|buffer_mesages");
    let (_tmp, err) = cli_refuses(&["validate"], &text);
    assert!(
        err.starts_with(&format!(
            "error: bad.ron:{line}:{column}: field `gateways[0].buffer_mesages`"
        )),
        "{err}"
    );
    assert!(
        err.contains("buffer_mesages: 50000"),
        "the source line is shown:\n{err}"
    );
    assert!(err.contains("did you mean `buffer_messages`?"), "{err}");
}

#[test]
fn cli_validate_reports_a_duration_without_unit() {
    let text = edit(r#"report: Fixed("5m")"#, "report: Fixed(60)");
    let (line, column) = caret(&text, "report: Fixed(|60)");
    let (_tmp, err) = cli_refuses(&["validate"], &text);
    assert!(err.contains(&format!("bad.ron:{line}:{column}")), "{err}");
    assert!(err.contains(r#""60" has no unit"#), "{err}");
}

#[test]
fn cli_run_refuses_an_unknown_gateway_before_running() {
    let text = edit(r#"gateway: "gw-office""#, r#"gateway: "gw-ofice""#);
    let (line, column) = caret(&text, r#"gateway: |"gw-ofice""#);
    let (tmp, err) = cli_refuses(&["run"], &text);
    assert!(err.contains(&format!("bad.ron:{line}:{column}")), "{err}");
    assert!(err.contains(r#"did you mean "gw-office"?"#), "{err}");
    assert!(
        !tmp.path().join("reports").exists(),
        "nothing is written for a bad scenario"
    );
}

#[test]
fn cli_run_refuses_a_truncated_file() {
    let text = &GOOD[..GOOD.len() / 2];
    let (_tmp, err) = cli_refuses(&["run"], text);
    assert!(err.starts_with("error: bad.ron:"), "{err}");
    assert!(err.contains("ends too early"), "{err}");
}

#[test]
fn cli_reports_a_missing_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for command in ["validate", "run"] {
        let out = iotwin()
            .current_dir(tmp.path())
            .args([command, "missing.ron"])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("cannot read scenario missing.ron"),
            "{command}: {err}"
        );
        assert!(err.contains("hint:"), "{command}: {err}");
    }
    assert!(!Path::new(&tmp.path().join("reports")).exists());
}

// Arbitrary damage never panics, and every error points inside the text.

/// One edit of a text: delete, duplicate or replace the character at a fraction of its length.
#[derive(Clone, Debug)]
enum Damage {
    Delete(f64),
    Duplicate(f64),
    Replace(f64, char),
}

fn damage() -> impl Strategy<Value = Damage> {
    // Characters that matter to the syntax, and any character at all.
    let special = prop::sample::select(vec![
        '(', ')', '[', ']', '{', '}', ',', ':', '"', '\\', '-', '.', '0', '9', 'e', 'x', '_', ' ',
        '\n', '\t', '/', '*', '#', 'é', '∞',
    ]);
    let ch = prop_oneof![3 => special, 1 => any::<char>()];
    prop_oneof![
        (0.0..1.0f64).prop_map(Damage::Delete),
        (0.0..1.0f64).prop_map(Damage::Duplicate),
        (0.0..1.0f64, ch).prop_map(|(at, c)| Damage::Replace(at, c)),
    ]
}

fn apply(text: &str, edits: &[Damage]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        if chars.is_empty() {
            break;
        }
        let index = |at: f64| ((at * chars.len() as f64) as usize).min(chars.len() - 1);
        match *e {
            Damage::Delete(at) => {
                chars.remove(index(at));
            }
            Damage::Duplicate(at) => {
                let i = index(at);
                chars.insert(i, chars[i]);
            }
            Damage::Replace(at, c) => {
                let i = index(at);
                chars[i] = c;
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn damaged_scenarios_never_panic_and_errors_point_inside_the_text(
        edits in prop::collection::vec(damage(), 1..6),
    ) {
        let text = apply(GOOD, &edits);
        if let Err(e) = scenario::compile_source(&text, "bad.ron") {
            let shown = e.to_string();
            let d = e.diagnostic().expect("compile_source errors are located");
            prop_assert_eq!(&d.file, "bad.ron");
            prop_assert!(d.line >= 1 && d.column >= 1, "{}", shown);
            let lines: Vec<&str> = text.split('\n').collect();
            prop_assert!(d.line <= lines.len(), "line past the end:\n{}", shown);
            let width = lines[d.line - 1].chars().count();
            prop_assert!(d.column <= width + 1, "column past the line's end:\n{}", shown);
            prop_assert!(!d.message.is_empty() && !d.hint.is_empty(), "{}", shown);
            let header = format!("error: bad.ron:{}:{}: ", d.line, d.column);
            prop_assert!(shown.starts_with(&header), "{}", shown);
        }
    }
}

/// `GOOD` with `extra` added as top-level fields.
fn with(extra: &str) -> String {
    assert_eq!(GOOD.matches("\n)\n").count(), 1);
    GOOD.replacen("\n)\n", &format!("\n    {extra}\n)\n"), 1)
}

#[test]
fn a_redundancy_group_with_an_unknown_gateway_suggests_the_near_miss() {
    let text = with(
        r#"redundancy: [ActiveStandby(id: "pair", gateways: ["gw-north", "gw-nort"], detection: After(Fixed("30s")))],"#,
    );
    check(
        &text,
        Expect {
            at: r#"["gw-north", |"gw-nort"]"#,
            field: "redundancy[0].gateways[1]",
            message: &[r#"unknown gateway id "gw-nort""#],
            hint: &[r#"did you mean "gw-north"?"#],
        },
    );
}

#[test]
fn redundant_gateways_stand_at_one_site() {
    let text = with(
        r#"redundancy: [ActiveStandby(id: "pair", gateways: ["gw-north", "gw-office"], detection: After(Fixed("30s")))],"#,
    );
    check(
        &text,
        Expect {
            at: r#"["gw-north", |"gw-office"]"#,
            field: "redundancy[0].gateways[1]",
            message: &["another site"],
            hint: &["same devices"],
        },
    );
}

/// A warm standby's ageing factor must lie strictly between cold (0) and hot (1).
#[test]
fn a_warm_standby_factor_of_one_or_more_is_refused_with_the_kinds_named() {
    let text = with(
        r#"redundancy: [ActiveStandby(id: "pair", gateways: ["gw-north", "gw-office"], detection: After(Fixed("30s")), standby: Warm(1.5))],"#,
    )
    .replacen("id: \"gw-office\",\n            site: \"office\"", "id: \"gw-office\",\n            site: \"plant\"", 1)
    .replacen("site: \"office\",\n            gateway: \"gw-office\"", "site: \"plant\",\n            gateway: \"gw-office\"", 1);
    check(
        &text,
        Expect {
            at: "standby: |Warm(1.5)",
            field: "redundancy[0].standby",
            message: &["above 0 and below 1", "1.5"],
            hint: &["Cold", "Hot"],
        },
    );
}

#[test]
fn a_region_target_needs_carriers_in_that_region() {
    let text = with(r#"faults: [Down(target: Region("south"), at: "1d", lasting: "1h")],"#);
    check(
        &text,
        Expect {
            at: r#"target: |Region("south")"#,
            field: "faults[0].target",
            message: &[r#"unknown region id "south""#],
            hint: &[r#"region: "north""#],
        },
    );
}

#[test]
fn a_degraded_uplink_must_exist_on_its_gateway() {
    let text = with(
        r#"faults: [LinkDegraded(link: Uplink(gateway: "gw-office", carrier: "fiber"), at: "1d", lasting: "1h", loss: 0.2)],"#,
    );
    check(
        &text,
        Expect {
            at: r#"carrier: |"fiber"), at"#,
            field: "faults[0].link.carrier",
            message: &[r#"gateway "gw-office" has no uplink through "fiber""#],
            hint: &["uplinks"],
        },
    );
}

#[test]
fn a_common_cause_target_suggests_the_near_miss() {
    let text = with(
        r#"common_causes: [CommonCause(id: "x", takes_down: [Site("plan")], outages: Outages(every: Fixed("1d"), lasting: Fixed("1h")))],"#,
    );
    check(
        &text,
        Expect {
            at: r#"takes_down: [|Site("plan")]"#,
            field: "common_causes[0].takes_down[0]",
            message: &[r#"unknown site id "plan""#],
            hint: &[r#"did you mean "plant"?"#],
        },
    );
}

#[test]
fn a_lora_spreading_factor_is_seven_to_twelve() {
    let text = edit(
        r#"report: Fixed("5m"),"#,
        r#"report: Fixed("5m"), lora: LoRa(spreading_factor: 13),"#,
    );
    check(
        &text,
        Expect {
            at: "spreading_factor: |13",
            field: "fleets[1].lora.spreading_factor",
            message: &["spreading factor 13"],
            hint: &["SF7", "SF12"],
        },
    );
}

#[test]
fn an_unknown_link_technology_lists_the_catalogue() {
    let text = edit(
        r#"Uplink(carrier: "lte", link: Link(loss: 0.001)),"#,
        r#"Uplink(carrier: "lte", link: Link(tech: Lte4G)),"#,
    );
    let d = refused(&text);
    assert_eq!(d.field, "gateways[0].uplinks[1].link.tech", "{d}");
    assert!(d.to_string().contains("Lte"), "{d}");
}

#[test]
fn a_zero_maintenance_period_is_refused() {
    let text = with(
        r#"maintenance: [Maintenance(target: Carrier("lte"), first: "1d", every: "0s", lasting: "1h")],"#,
    );
    check(
        &text,
        Expect {
            at: r#"every: |"0s""#,
            field: "maintenance[0].every",
            message: &["`every` is 0s"],
            hint: &["Maintenance("],
        },
    );
}

#[test]
fn a_fleet_without_a_report_or_a_class_is_told_to_add_one() {
    let text = edit("            report: Fixed(\"5m\"),\n", "");
    check(
        &text,
        Expect {
            at: "        |Fleet(\n            id: \"printers\"",
            field: "fleets[1]",
            message: &["neither how often it reports nor its class"],
            hint: &["report: Fixed", "class: SmartMeter", "catalog devices"],
        },
    );
}

#[test]
fn an_unknown_device_class_lists_the_classes() {
    let text = edit(
        "            report: Fixed(\"5m\"),\n",
        "            class: SmartMetre,\n",
    );
    let d = refused(&text);
    assert_eq!(d.field, "fleets[1].class", "{d}");
    assert!(d.message.contains("SmartMetre"), "{d}");
    assert!(
        d.message.contains("SmartMeter") || d.hint.contains("SmartMeter"),
        "{d}"
    );
}

#[test]
fn a_battery_needs_its_radio_energy_from_somewhere() {
    let text = edit(
        "            report: Fixed(\"5m\"),\n",
        "            report: Fixed(\"5m\"),\n            power: Battery(capacity_mah: 2600, voltage: 3.6),\n",
    );
    check(
        &text,
        Expect {
            at: "power: |Battery(capacity_mah: 2600",
            field: "fleets[1].power",
            message: &["radio energy per message"],
            hint: &["tech", "radio_mj_per_message"],
        },
    );
}

#[test]
fn a_replacement_age_of_zero_is_refused() {
    let text = edit(
        "            report: Fixed(\"5m\"),\n",
        "            report: Fixed(\"5m\"),\n            replace: Replace(at_age: \"0s\"),\n",
    );
    check(
        &text,
        Expect {
            at: "replace: Replace(at_age: |\"0s\")",
            field: "fleets[1].replace.at_age",
            message: &["age 0s"],
            hint: &["at_age"],
        },
    );
}

#[test]
fn competing_risks_need_at_least_one_risk() {
    let text = edit(
        "lifetime: Weibull(shape: 1.5, scale: \"8y\"),",
        "lifetime: First([]),",
    );
    check(
        &text,
        Expect {
            at: "lifetime: |First([])",
            field: "fleets[0].failure.lifetime",
            message: &["no risk"],
            hint: &["at least one"],
        },
    );
}

#[test]
fn a_crew_at_an_unknown_site_suggests_the_near_miss() {
    let text = with(r#"crews: [Crew(id: "north", sites: ["plant", "ofice"], technicians: 1)],"#);
    check(
        &text,
        Expect {
            at: r#"["plant", |"ofice"]"#,
            field: "crews[0].sites[1]",
            message: &[r#"unknown site id "ofice""#],
            hint: &[r#"did you mean "office"?"#],
        },
    );
}

#[test]
fn a_site_belongs_to_at_most_one_crew() {
    let text = with(
        r#"crews: [Crew(id: "day", sites: ["plant"], technicians: 1), Crew(id: "night", sites: ["office", "plant"], technicians: 1)],"#,
    );
    check(
        &text,
        Expect {
            at: r#"["office", |"plant"]"#,
            field: "crews[1].sites[1]",
            message: &[r#"site "plant" is already served by crew "day""#],
            hint: &["at most one crew"],
        },
    );
}

#[test]
fn a_crew_without_technicians_is_refused() {
    let text = with(r#"crews: [Crew(id: "north", sites: ["plant"], technicians: 0)],"#);
    check(
        &text,
        Expect {
            at: "technicians: |0",
            field: "crews[0].technicians",
            message: &["expected a whole number of at least 1", "found 0"],
            hint: &["at least one technician", "technicians: 2"],
        },
    );
}

#[test]
fn a_crew_serving_no_site_is_refused() {
    let text = with(r#"crews: [Crew(id: "north", sites: [], technicians: 2)],"#);
    check(
        &text,
        Expect {
            at: "sites: |[]",
            field: "crews[0].sites",
            message: &[r#"crew "north" serves no site"#],
            hint: &[r#"sites: ["plant"]"#],
        },
    );
}

#[test]
fn duplicate_crew_ids_are_refused() {
    let text = with(
        r#"crews: [Crew(id: "c", sites: ["plant"], technicians: 1), Crew(id: "c", sites: ["office"], technicians: 1)],"#,
    );
    check(
        &text,
        Expect {
            at: r#"Crew(id: "c", sites: ["plant"], technicians: 1), Crew(id: |"c""#,
            field: "crews[1].id",
            message: &[r#"crew id "c" is used twice"#],
            hint: &["unique"],
        },
    );
}
