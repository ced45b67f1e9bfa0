//! The gamma, Erlang, empirical and mixture laws as a scenario writes them, against closed
//! forms. Tolerances are standard errors from the replication count and the law's variance.

use iotwin::montecarlo::{self, Mode, RunOptions, Summary};
use iotwin::scenario::{self, Deployment};

use crate::common::{deployment, run, total};

/// A perfect site with one fleet of `count` devices described by `fleet_fields`.
fn fleet(horizon: &str, count: u32, fleet_fields: &str) -> String {
    format!(
        r#"Scenario(
            name: "laws", horizon: "{horizon}", seed: 17, replications: 10, deadline: "5m",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 1000, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: {count}, {fleet_fields})],
        )"#
    )
}

/// A summary's values as text, so undefined (NaN) metrics compare equal.
fn rows(s: &Summary) -> String {
    format!("{:?}", s.per_replication)
}

fn run_mode(dep: &Deployment, replications: u32, mode: Mode) -> Summary {
    let opts = RunOptions {
        replications: Some(replications),
        mode,
        ..RunOptions::default()
    };
    montecarlo::run(dep, &opts, &|| {}).unwrap_or_else(|e| panic!("{e}"))
}

/// The renewal function of Erlang-2 times between failures (phase rate λ, mean 2/λ) is
/// m(t) = λt/2 − 1/4 + e^{−2λt}/4: the expected failures of a unit by t, new at 0 and repaired
/// at once. Var N(t) ≈ σ²t/μ³ = t/(2μ) for Erlang-2 sets the tolerance. Packet and flow mode
/// draw the same failures.
#[test]
fn erlang_renewals_follow_the_gamma_renewal_function() {
    let (mean_h, horizon_h, devices, replications) = (10.0f64, 25.0f64, 1000.0, 10);
    let text = fleet(
        &format!("{horizon_h}h"),
        devices as u32,
        &format!(
            "report: Fixed(\"1h\"), failure: Failure(lifetime: Erlang(k: 2, mean: \"{mean_h}h\"), \
             repair: Fixed(\"1us\"))"
        ),
    );
    let dep = deployment(&text);
    let lambda_t = 2.0 / mean_h * horizon_h;
    let exact = lambda_t / 2.0 - 0.25 + (-2.0 * lambda_t).exp() / 4.0;
    let variance = horizon_h / (2.0 * mean_h);
    let se = (variance / (devices * replications as f64)).sqrt();
    for mode in [Mode::Packet, Mode::Flow] {
        let s = run_mode(&dep, replications, mode);
        let per_device = total(&s, "device_failures") / (devices * replications as f64);
        assert!(
            (per_device - exact).abs() < 4.5 * se,
            "{mode:?}: m(t) observed {per_device}, exact {exact} ± {}",
            4.5 * se
        );
    }
    // The same law written as a gamma by its scale or its mean is the same deployment.
    let by_scale = text.replace(
        "Erlang(k: 2, mean: \"10h\")",
        "Gamma(shape: 2, scale: \"5h\")",
    );
    let by_mean = text.replace(
        "Erlang(k: 2, mean: \"10h\")",
        "Gamma(shape: 2, mean: \"10h\")",
    );
    let a = run(&deployment(&by_scale), 2);
    let b = run(&deployment(&by_mean), 2);
    assert_eq!(rows(&a), rows(&b));
}

/// Reports every draw of a law: over a horizon T a device sends about T / mean reports
/// (elementary renewal theorem; the first falls uniformly in one nominal period). The count's
/// variance is about σ²T/μ³ per device.
fn reports_per_device(law: &str, horizon_s: f64, devices: f64, mean_s: f64, sd_s: f64) {
    let text = fleet(
        &format!("{horizon_s}s"),
        devices as u32,
        &format!("report: {law}"),
    );
    let replications = 4;
    let s = run(&deployment(&text), replications);
    let per_device = total(&s, "messages_generated") / (devices * replications as f64);
    let expected = horizon_s / mean_s;
    let variance = sd_s * sd_s * horizon_s / mean_s.powi(3);
    // The random phase of the first report shifts the count by less than one.
    let tolerance = 4.5 * (variance / (devices * replications as f64)).sqrt() + 1.0;
    assert!(
        (per_device - expected).abs() < tolerance,
        "{law}: {per_device} reports per device, expected {expected} ± {tolerance}"
    );
}

/// An empirical law draws each observation with probability 1/n: its mean is the sample mean.
#[test]
fn an_empirical_report_law_reproduces_its_sample_mean() {
    let observed = [20.0f64, 40.0, 40.0, 60.0, 240.0];
    let mean = observed.iter().sum::<f64>() / 5.0;
    let sd = (observed.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 5.0).sqrt();
    let list = observed
        .iter()
        .map(|x| format!("\"{x}s\""))
        .collect::<Vec<_>>()
        .join(", ");
    reports_per_device(
        &format!("Empirical(durations: [{list}])"),
        400_000.0,
        50.0,
        mean,
        sd,
    );
}

/// A mixture's mean is the weighted mean of its parts: 0.75 × 60 s + 0.25 × 300 s = 120 s.
#[test]
fn a_mixture_report_law_has_the_weighted_mean() {
    let (m, m2) = (
        0.75 * 60.0 + 0.25 * 300.0,
        0.75 * 2.0 * 60.0f64.powi(2) + 0.25 * 300.0f64.powi(2),
    );
    reports_per_device(
        "Mixture(weights: [3, 1], laws: [Exponential(mean: \"60s\"), Fixed(\"300s\")])",
        400_000.0,
        50.0,
        m,
        (m2 - m * m).sqrt(),
    );
}

/// An empirical law read from a CSV file beside the scenario is the same law as the list.
#[test]
fn an_empirical_law_reads_a_csv_file_relative_to_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("repairs.csv"),
        "# hands-on times from the work orders\nduration\n2h\n3h\n\n7h\n",
    )
    .unwrap();
    let with = |law: &str| {
        fleet(
            "30d",
            20,
            &format!(
                "report: Fixed(\"1h\"), failure: Failure(lifetime: Exponential(mean: \"5d\"), repair: {law})"
            ),
        )
    };
    let path = dir.path().join("plant.ron");
    std::fs::write(&path, with("Empirical(file: \"repairs.csv\")")).unwrap();
    let from_file = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let listed = deployment(&with("Empirical(durations: [\"7h\", \"2h\", \"3h\"])"));
    assert_eq!(rows(&run(&from_file, 2)), rows(&run(&listed, 2)));

    // A cell that is not a duration is refused at its line and column in the CSV file.
    std::fs::write(
        dir.path().join("repairs.csv"),
        "duration\n2h\nthree hours\n",
    )
    .unwrap();
    let e = scenario::load(&path).unwrap_err().to_string();
    assert!(e.contains("repairs.csv:3:1"), "{e}");
    assert!(e.contains("not a duration"), "{e}");
    // A missing file names the field and the path it tried.
    std::fs::remove_file(dir.path().join("repairs.csv")).unwrap();
    let e = scenario::load(&path).unwrap_err().to_string();
    assert!(
        e.contains("repair.file") && e.contains("repairs.csv"),
        "{e}"
    );
}

/// Mistakes in the new laws are refused before the run, at their field, with a hint.
#[test]
fn ill_formed_new_laws_are_refused_with_their_place() {
    let cases = [
        ("Gamma(shape: 2)", "exactly one of scale and mean"),
        (
            "Gamma(shape: 2, scale: \"1h\", mean: \"2h\")",
            "exactly one of scale and mean",
        ),
        ("Gamma(shape: 0, scale: \"1h\")", "positive"),
        ("Erlang(k: 0, mean: \"1h\")", "at least 1"),
        ("Empirical(durations: [])", "at least one observed duration"),
        ("Empirical()", "exactly one of durations and file"),
        (
            "Mixture(weights: [1], laws: [Fixed(\"1h\"), Fixed(\"2h\")])",
            "1 weights for 2 laws",
        ),
        ("Mixture(weights: [], laws: [])", "0 weights for 0 laws"),
        ("Mixture(weights: [0], laws: [Fixed(\"1h\")])", "positive"),
    ];
    for (law, says) in cases {
        let text = fleet("1d", 1, &format!("report: {law}"));
        let e = scenario::compile_source(&text, "bad.ron")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains(says), "{law}: {e}");
        assert!(
            e.contains("bad.ron:6:"),
            "{law} is located on its line: {e}"
        );
    }
}

/// A fleet started in equilibrium is in steady state from t = 0: its availability over a
/// short first window is MTTF/(MTTF+MTTR), not the near 1 of a new fleet. Weibull(2, 10 h)
/// lifetimes (MTTF 8.862 h) and LogNormal(2 h, 0.5) repairs (MTTR 2.266 h): A = 0.7964. One
/// device's availability over the hour has variance at most A(1 − A); packet and flow mode
/// draw the same failures.
#[test]
fn an_equilibrium_start_is_in_steady_state_from_the_first_hour() {
    let (devices, replications) = (2000.0, 10);
    let text = |start: &str| {
        fleet(
            "1h",
            devices as u32,
            &format!(
                "report: Fixed(\"10m\"), failure: Failure(lifetime: Weibull(shape: 2, scale: \"10h\"), \
                 repair: LogNormal(median: \"2h\", sigma: 0.5){start})"
            ),
        )
    };
    let mttf = 10.0 * statrs::function::gamma::gamma(1.5);
    let mttr = 2.0 * (0.125f64).exp();
    let a = mttf / (mttf + mttr);
    let se = (a * (1.0 - a) / (devices * replications as f64)).sqrt();
    let steady = deployment(&text(", start: Equilibrium"));
    for mode in [Mode::Packet, Mode::Flow] {
        let s = run_mode(&steady, replications, mode);
        let observed = s.estimate("device_availability").unwrap().mean;
        assert!(
            (observed - a).abs() < 4.5 * se,
            "{mode:?}: availability {observed}, steady state {a} ± {}",
            4.5 * se
        );
    }
    let new = run(&deployment(&text("")), replications);
    assert!(new.estimate("device_availability").unwrap().mean > 0.99);
    // Where the process is not a plain renewal process, it is refused at its field.
    let aged =
        text(", start: Equilibrium").replace("count: 2000,", "count: 2000, age: Fixed(\"1y\"),");
    let e = scenario::compile_source(&aged, "aged.ron")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("failure.start"), "{e}");
}
