//! The verdicts of a scenario's `expect` assertions in the forms CI systems read: JUnit XML
//! (one test case per assertion) and JSON.
//!
//! Both are pure functions of a [`Summary`]: they hold no wall-clock time, so the same study
//! gives the same bytes, and a CI job can diff them.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::content;
use crate::montecarlo::Summary;
use crate::montecarlo::check::Verdict;

/// JUnit XML: one test suite (the scenario), one test case per assertion in the order written.
/// A failed or inconclusive assertion is a `failure` (its type says which), one that no
/// replication defines an `error`; each carries the measured mean and interval and the line
/// it is written on.
pub fn junit_xml(s: &Summary) -> Result<String, quick_junit::SerializeError> {
    let mut suite = TestSuite::new(format!("iotwin check: {}", s.scenario));
    suite.add_property(("seed", s.seed.to_string().as_str()));
    suite.add_property(("replications", s.replications.to_string().as_str()));
    suite.add_property(("mode", s.mode.name()));
    for (j, line) in s.verdicts.iter().zip(content::verdicts(s)) {
        let status = match j.verdict {
            Verdict::Pass => TestCaseStatus::success(),
            other => {
                let (kind, ty) = match other {
                    Verdict::Fail => (NonSuccessKind::Failure, "fail"),
                    Verdict::Inconclusive => (NonSuccessKind::Failure, "inconclusive"),
                    _ => (NonSuccessKind::Error, "undefined"),
                };
                let mut status = TestCaseStatus::non_success(kind);
                let why = if line.why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", line.why)
                };
                status
                    .set_type(ty)
                    .set_message(format!("{}{why}", line.verdict))
                    .set_description(format!(
                        "{} — measured {} [{}:{}]",
                        line.assertion, line.measured, line.file, line.line
                    ));
                status
            }
        };
        let mut case = TestCase::new(line.assertion.clone(), status);
        case.set_classname(format!("iotwin.{}", s.scenario));
        case.add_property(("metric", j.expectation.metric.as_str()));
        case.add_property(("measured", line.measured.as_str()));
        case.add_property(("file", line.file.as_str()));
        case.add_property(("line", line.line.to_string().as_str()));
        suite.add_test_case(case);
    }
    let mut report = Report::new("iotwin");
    report.add_test_suite(suite);
    report.to_string()
}

/// The verdicts as a JSON document: the study's facts and each assertion with its verdict,
/// mean, interval and line (the same entries as `summary.json`'s `assertions`).
pub fn verdicts_json(s: &Summary) -> String {
    let passed = s.verdicts.iter().all(|j| j.verdict == Verdict::Pass);
    let doc = serde_json::json!({
        "scenario": s.scenario,
        "seed": s.seed,
        "replications": s.replications,
        "mode": s.mode.name(),
        "passed": passed,
        "summary": content::verdict_tally(s),
        "assertions": super::assertions_json(s),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
