//! `iotwin fit`: laws fitted from field records, checked against independent implementations,
//! against the truth of simulated data, and as snippets the scenario parser accepts.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use iotwin::engine::StreamKey;
use iotwin::fit::law::{Family, Law};
use iotwin::fit::optimise::{Z_95, fit};
use iotwin::fit::sample::{Observation, Population};
use iotwin::fit::synthetic::{Truth, generate};
use iotwin::fit::{self, Options, PopulationFit, records, sample};
use rand::RngExt;

const DAY: f64 = 86_400.0;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Fits every population of `files` without bootstrap (the estimates do not depend on it).
fn fit_files(files: &[&str]) -> Vec<PopulationFit> {
    let mut all = vec![];
    for f in files {
        all.extend(records::load(&repo(f)).unwrap_or_else(|e| panic!("{e}")));
    }
    let samples = sample::samples(&all).unwrap_or_else(|e| panic!("{e}"));
    let options = Options {
        resamples: 0,
        ..Options::default()
    };
    fit::fit_samples(samples, &options)
}

fn population<'a>(fits: &'a [PopulationFit], p: &Population) -> &'a PopulationFit {
    fits.iter()
        .find(|f| &f.sample.population == p)
        .unwrap_or_else(|| panic!("no population {p:?}"))
}

/// Estimates printed by `scripts/fit-reference.py` (lifelines 0.30.3 for the exponential,
/// Weibull and log-normal laws, scipy 1.17.1 for the gamma law), times in days:
/// (file, population, family, parameters, log-likelihood in days).
const REFERENCE: [(&str, &str, Family, [f64; 2], f64); 8] = [
    (
        "lifetimes.csv",
        "lifetime",
        Family::Exponential,
        [789.3683602, f64::NAN],
        -352.8767205,
    ),
    (
        "lifetimes.csv",
        "lifetime",
        Family::Weibull,
        [1.344463934, 869.168946],
        -350.5579985,
    ),
    (
        "lifetimes.csv",
        "lifetime",
        Family::LogNormal,
        [566.3687659, 0.977595633],
        -354.6371544,
    ),
    (
        "lifetimes.csv",
        "lifetime",
        Family::Gamma,
        [1.540599088, 521.0131421],
        -350.9371519,
    ),
    (
        "repairs.csv",
        "repair",
        Family::Exponential,
        [0.2051875, f64::NAN],
        23.35324335,
    ),
    (
        "repairs.csv",
        "repair",
        Family::Weibull,
        [1.549453785, 0.22934917],
        28.97966588,
    ),
    (
        "repairs.csv",
        "repair",
        Family::LogNormal,
        [0.163508663, 0.7096940928],
        29.39468337,
    ),
    (
        "repairs.csv",
        "repair",
        Family::Gamma,
        [2.355359739, 0.08711514297],
        30.01298408,
    ),
];

#[test]
fn estimates_match_lifelines_and_scipy_on_censored_and_truncated_data() {
    let fits = fit_files(&["tests/data/fit/lifetimes.csv", "tests/data/fit/repairs.csv"]);
    for (file, what, family, expected, loglik) in REFERENCE {
        let p = match what {
            "lifetime" => Population::Lifetime("sensors".into()),
            _ => Population::Repair("sensors".into()),
        };
        let pf = population(&fits, &p);
        let e = &pf
            .of(family)
            .unwrap_or_else(|| panic!("{file} {family:?}"))
            .estimate;
        for (i, &want) in expected.iter().enumerate().take(e.law.params.len()) {
            let got = e.law.params[i] / if family.is_time(i) { DAY } else { 1.0 };
            // Both optimisers stop within about 1e-6 of the optimum; 1e-4 leaves room for
            // the flatter log-normal and gamma likelihoods.
            assert!(
                (got / want - 1.0).abs() < 1e-4,
                "{file} {family:?} parameter {i}: iotwin {got}, reference {want}"
            );
        }
        // The log-likelihood in days: each ended duration's density gains ln(86400).
        let in_days = e.log_likelihood + pf.sample.ended() as f64 * DAY.ln();
        assert!(
            (in_days - loglik).abs() < 1e-4,
            "{file} {family:?} log-likelihood: iotwin {in_days}, reference {loglik}"
        );
    }
}

/// The true parameters of the example, by population and family.
fn example_truths() -> Vec<(Population, Law)> {
    let truth = Truth::example();
    let mut out = vec![];
    for f in &truth.fleets {
        out.push((Population::Lifetime(f.name.into()), f.lifetime.clone()));
        out.push((Population::Repair(f.name.into()), f.repair.clone()));
    }
    for c in &truth.carriers {
        out.push((Population::OutageGap(c.name.into()), c.every.clone()));
        out.push((Population::OutageLength(c.name.into()), c.lasting.clone()));
    }
    out
}

#[test]
fn the_example_recovers_its_true_laws_within_their_intervals() {
    let fits = fit_files(&["reports/fit-example/field.csv"]);
    let (mut checked, mut outside_95) = (0, vec![]);
    for (p, truth) in example_truths() {
        let e = &population(&fits, &p)
            .of(truth.family)
            .expect("fitted")
            .estimate;
        let se = e.log_se.as_ref().expect("an interval");
        for (i, &true_value) in truth.params.iter().enumerate() {
            let (lo, hi) = e.intervals.as_ref().unwrap()[i];
            // z of the truth on the log scale the intervals are built on.
            let z = (true_value.ln() - e.law.params[i].ln()) / se[i];
            checked += 1;
            if !(lo..=hi).contains(&true_value) {
                outside_95.push(format!(
                    "{} {:?} param {i}: z = {z:.2}",
                    p.label(),
                    truth.family
                ));
            }
            // Nothing is far off: within the 99.9% interval (|z| < 3.29).
            assert!(
                z.abs() < 3.29,
                "{} {:?} param {i}: z = {z:.2}",
                p.label(),
                truth.family
            );
        }
    }
    // 95% intervals miss a true value 5% of the time: of 15, five or more miss with
    // probability 0.06%, the one-in-a-thousand level of the coverage tests below. (With the
    // committed seed three miss, the repair and outage medians by z ≈ 2.1: the log-normal MLE
    // of complete data is the sample's mean log, and the drawn sample's is that far off.)
    assert_eq!(checked, 15);
    assert!(outside_95.len() <= 4, "{outside_95:?}");
}

#[test]
fn the_committed_example_is_what_the_generator_draws() {
    let history = generate(&Truth::example(), 2026);
    let committed = std::fs::read_to_string(repo("reports/fit-example/field.csv")).unwrap();
    assert!(
        history.field_log == committed,
        "regenerate: see reports/fit-example/README.md"
    );
    let inventory = std::fs::read_to_string(repo("reports/fit-example/inventory.csv")).unwrap();
    assert!(
        history.inventory == inventory,
        "regenerate: see reports/fit-example/README.md"
    );
}

/// `source` with the value of the first `field: Variant(...)` replaced by `value`.
fn replace_first(source: &str, field: &str, value: &str) -> String {
    let start = source.find(field).unwrap_or_else(|| panic!("no {field}"));
    let open = start + source[start..].find('(').unwrap();
    let mut depth = 0;
    let mut close = open;
    for (i, c) in source[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    close = open + i;
                    break;
                }
            }
            _ => {}
        }
    }
    format!("{}{}{}", &source[..start], value, &source[close + 1..])
}

#[test]
fn snippets_are_accepted_by_the_scenario_compiler() {
    let fits = fit_files(&["reports/fit-example/field.csv"]);
    let text = fit::snippet::snippets(&fits);
    let factory = iotwin::scenario::DEFAULT_SCENARIO;
    let mut pasted = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with("//") && !l.is_empty())
    {
        let value = line.trim_end_matches(',');
        let field = if line.starts_with("failure: ") {
            "failure: Failure("
        } else {
            assert!(line.starts_with("outages: "), "unexpected line {line}");
            "outages: Outages("
        };
        let scenario = replace_first(factory, field, value);
        assert_ne!(scenario, factory);
        let dep = iotwin::scenario::compile_source(&scenario, "pasted.ron")
            .unwrap_or_else(|e| panic!("{line}\n{e}"));
        if line.contains("Gamma(") {
            // A pasted gamma law runs like any other.
            iotwin::model::World::run(&dep, 0).unwrap_or_else(|e| panic!("{line}\n{e}"));
        }
        pasted += 1;
    }
    assert_eq!(pasted, 4, "two fleets and two carriers:\n{text}");
    // The trackers' lifetime is best fitted by a gamma law: it is pasted as one.
    assert!(
        text.lines()
            .any(|l| l.starts_with("failure: ") && l.contains("Gamma(shape: ")),
        "{text}"
    );
}

/// Simulated data sets of `n` durations from `law`: a third of the units enter already aged
/// (left truncation) and every unit is watched for a limited time (right censoring).
fn simulated(law: &Law, n: usize, set: u64, seed: u64) -> Vec<Observation> {
    let mut rng = StreamKey {
        seed,
        replication: set,
        entity: law.family as u64,
        process: 0,
    }
    .stream();
    let median = law.quantile(0.5);
    (0..n)
        .map(|_| {
            let entry = if rng.random::<f64>() < 1.0 / 3.0 {
                median * rng.random::<f64>()
            } else {
                0.0
            };
            let limit = entry + median * (0.5 + 2.5 * rng.random::<f64>());
            let t = law.sample_beyond(entry, &mut rng);
            Observation {
                time: t.min(limit),
                ended: t <= limit,
                entry,
                limit,
            }
        })
        .collect()
}

/// The share of `sets` simulated data sets whose 95% interval of each parameter covers the
/// truth, per parameter; asserts it is within `tolerance_z` binomial standard errors of 95%.
fn coverage(law: &Law, n: usize, sets: u64, tolerance_z: f64) {
    let mut covered = vec![0u64; law.params.len()];
    for set in 0..sets {
        let data = simulated(law, n, set, 16);
        let e = fit(law.family, &data).expect("fitted");
        let iv = e.intervals.expect("intervals");
        for (i, &truth) in law.params.iter().enumerate() {
            covered[i] += u64::from(iv[i].0 <= truth && truth <= iv[i].1);
        }
    }
    let sd = (0.95 * 0.05 / sets as f64).sqrt();
    for (i, &c) in covered.iter().enumerate() {
        let rate = c as f64 / sets as f64;
        eprintln!(
            "{:?} n={n} param {i}: coverage {rate:.4} over {sets} data sets",
            law.family
        );
        assert!(
            (rate - 0.95).abs() <= tolerance_z * sd,
            "{:?} param {i}: coverage {rate} over {sets} data sets, 0.95 ± {:.3}",
            law.family,
            tolerance_z * sd
        );
    }
}

fn coverage_laws() -> [Law; 4] {
    [
        Law::new(Family::Exponential, vec![100.0]),
        Law::new(Family::Weibull, vec![1.5, 100.0]),
        Law::new(Family::LogNormal, vec![100.0, 0.8]),
        Law::new(Family::Gamma, vec![2.0, 50.0]),
    ]
}

#[test]
fn intervals_cover_the_truth_at_their_nominal_rate() {
    // 200 data sets of 150 units: coverage within 3.29 binomial standard errors of 95%
    // (± 0.051; a correct interval fails this one time in a thousand).
    for law in coverage_laws() {
        coverage(&law, 150, 200, 3.29);
    }
    let _ = Z_95;
}

/// The heavy version: `cargo test --profile ci --test integration fit::heavy -- --ignored`.
#[test]
#[ignore]
fn heavy_intervals_cover_the_truth_at_their_nominal_rate() {
    // 4000 data sets per law: ± 0.011. Smaller samples (60 units) test the Wald intervals
    // where their normal approximation is weakest.
    for law in coverage_laws() {
        coverage(&law, 150, 4000, 3.29);
        coverage(&law, 60, 4000, 3.29);
    }
}

fn iotwin() -> Command {
    Command::cargo_bin("iotwin").expect("binary built")
}

#[test]
fn the_fit_command_writes_snippets_summary_and_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let out = iotwin()
        .args([
            "fit",
            "--resamples",
            "19",
            "--laws",
            "weibull,lognormal",
            "-o",
        ])
        .arg(tmp.path())
        .arg(repo("tests/data/fit/lifetimes.csv"))
        .arg(repo("tests/data/fit/repairs.csv"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("failure: Failure(lifetime: Weibull(shape: 1.344"),
        "{text}"
    );
    for file in [
        "fit.md",
        "fit.json",
        "laws.ron",
        "charts/weibull-lifetime-sensors.svg",
    ] {
        assert!(tmp.path().join(file).is_file(), "{file}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("fit.json")).unwrap()).unwrap();
    let life = &json["populations"][0];
    assert_eq!(life["right_censored"], 14);
    assert_eq!(life["left_truncated"], 25);
    assert!(life["laws"][0]["p_value"].as_f64().unwrap() > 0.0);
    let svg =
        std::fs::read_to_string(tmp.path().join("charts/weibull-lifetime-sensors.svg")).unwrap();
    assert!(svg.contains("Kaplan"), "the plot has its points' legend");
}

#[test]
fn the_fit_command_refuses_bad_records_with_their_place() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.csv");
    std::fs::write(
        &bad,
        "kind,unit,fleet,installed,at\nfailure,d1,meters,2022-01-10,2024-05-02\nfailure,d2,meters,2022-01-10,last tuesday\n",
    )
    .unwrap();
    let err = iotwin()
        .arg("fit")
        .arg(&bad)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("bad.csv:3:30: field `at`"), "{err}");
    assert!(err.contains("hint: write a date"), "{err}");
    let err = iotwin()
        .args(["fit", "--laws", "weibul"])
        .arg(&bad)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8(err)
            .unwrap()
            .contains("did you mean \"weibull\"")
    );
}

/// Durations all alike have no spread to fit: the laws with a shape say so, the exponential
/// is still fitted, and the command ends at once (it used to refit degenerate bootstrap
/// samples for minutes).
#[test]
fn durations_all_alike_fit_only_the_exponential() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("repairs.csv");
    let rows: String = (0..20).map(|_| "repair,meters,1s\n").collect();
    std::fs::write(&log, format!("kind,fleet,duration\n{rows}")).unwrap();
    let out = tmp.path().join("fit");
    iotwin()
        .arg("fit")
        .arg(&log)
        .arg("-q")
        .arg("-o")
        .arg(&out)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success();
    let md = std::fs::read_to_string(out.join("fit.md")).unwrap();
    assert!(md.contains("exponential(mean 1s)"), "{md}");
    for law in ["weibull", "lognormal", "gamma"] {
        assert!(
            md.contains(&format!(
                "- {law} not fitted: all 20 ended durations are 1 s: a law with a spread needs at least two different ones"
            )),
            "{law}: {md}"
        );
    }
}
