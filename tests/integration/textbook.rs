//! The shipped textbook checks (`scenarios/textbook/`): each file, run as shipped (its seed,
//! its replication count, the `auto` mode), passes every assertion it makes, and each pair of
//! bounds is centred on the closed form computed here, so a header comment's number and the
//! file's assertions cannot drift apart.

use iotwin::montecarlo::{self, RunOptions, check::Verdict};
use iotwin::scenario::{self, Bound};

use crate::common::ron_files_in;

/// Erlang B by the stable recursion B(k) = a B(k−1) / (k + a B(k−1)).
fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// The closed form each textbook file's bounds are centred on, by file and metric.
fn exact(file: &str, metric: &str) -> f64 {
    let (c, a) = (10, 7.0);
    let b = erlang_b(c, a);
    let rho = a / c as f64;
    let wait = b / (1.0 - rho * (1.0 - b));
    let lq = wait * rho / (1.0 - rho);
    let binomial = |n: i32, k: i32, p: f64| -> f64 {
        (k..=n)
            .map(|j| {
                let choose = (1..=j).fold(1.0, |acc, i| acc * f64::from(n - j + i) / f64::from(i));
                choose * p.powi(j) * (1.0 - p).powi(n - j)
            })
            .sum()
    };
    // Cold standby with coverage c and independent repairs, ρ = λ/μ = 100 h / 25 h inverted.
    let (coverage, r) = (0.9, 25.0 / 100.0);
    match (file, metric) {
        ("erlang_b.ron", "data_completeness") => 1.0 - b,
        ("erlang_b.ron", "queue_length:exponential" | "queue_length:fixed") => a * (1.0 - b),
        ("erlang_c.ron", "wait_probability:agents") => wait,
        ("erlang_c.ron", "queue_waiting:agents") => lq,
        ("erlang_c.ron", "queue_length:agents") => lq + a,
        // Wq = Lq / λ with λ = 700 / 5 h in seconds.
        ("erlang_c.ron", "mean_gateway_wait_s") => lq / (700.0 / 18_000.0),
        ("k_of_n.ron", "k_of_n_availability:pumps") => binomial(5, 3, 0.8),
        ("k_of_n.ron", "device_availability") => 0.8,
        ("standby_coverage.ron", "device_availability") => {
            (1.0 + coverage * r) / (1.0 + r + coverage * r * r / 2.0)
        }
        _ => panic!("{file}: no closed form for {metric}"),
    }
}

#[test]
fn the_closed_forms_are_the_numbers_the_headers_give() {
    assert!((erlang_b(10, 7.0) - 0.078_741).abs() < 1e-6);
    assert!((exact("erlang_c.ron", "wait_probability:agents") - 0.221_731).abs() < 1e-6);
    assert!((exact("erlang_c.ron", "mean_gateway_wait_s") - 13.3039).abs() < 1e-4);
    assert!((exact("k_of_n.ron", "k_of_n_availability:pumps") - 0.942_08).abs() < 1e-9);
    assert!((exact("standby_coverage.ron", "device_availability") - 0.958_435).abs() < 1e-6);
}

#[test]
fn every_textbook_file_passes_its_assertions_centred_on_its_closed_form() {
    let files = ron_files_in("scenarios/textbook");
    assert!(files.len() >= 4, "{files:?}");
    for path in files {
        let file = path.file_name().unwrap().to_str().unwrap().to_string();
        let dep = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!dep.expectations.is_empty(), "{file} asserts nothing");
        // Bounds come in pairs around the exact value.
        for e in &dep.expectations {
            let other = dep
                .expectations
                .iter()
                .find(|o| o.metric == e.metric && o.bound != e.bound)
                .unwrap_or_else(|| panic!("{file}: {} has one bound", e.metric));
            let centre = (e.value + other.value) / 2.0;
            let x = exact(&file, &e.metric);
            assert!(
                (centre - x).abs() <= 1e-4 * x.abs(),
                "{file}: {} bounds centred on {centre}, the closed form is {x}",
                e.metric
            );
            if e.bound == Bound::AtLeast {
                assert!(e.value < x && x < other.value, "{file}: {}", e.metric);
            }
        }
        let s = montecarlo::run(&dep, &RunOptions::default(), &|| {})
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(s.verdicts.len(), dep.expectations.len(), "{file}");
        for j in &s.verdicts {
            assert_eq!(
                j.verdict,
                Verdict::Pass,
                "{file}: {} {:?} {}: measured {} ± {}",
                j.expectation.metric,
                j.expectation.bound,
                j.expectation.value,
                j.estimate.mean,
                j.estimate.high() - j.estimate.mean
            );
        }
    }
}
