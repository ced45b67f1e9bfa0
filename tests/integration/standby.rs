//! Standby gateways against their Markov chains: an active/standby pair whose idle member is
//! cold (does not age), warm (ages at a factor α of the in-service rate) or hot (ages as if it
//! worked), with switch coverage c, repaired independently or by one crew. Lifetimes and
//! repairs are exponential (rates λ, μ) and detection and switch-over instant, so the pair is
//! a continuous-time Markov chain whose steady state and first-passage time are solved here
//! and compared with the simulation. Tolerances are standard errors of the replication means
//! (4.5 for availability as in `k_of_n.rs`, 4 for the mean time to first failure as in
//! `reliability_structures.rs`); runs are seeded, so the tests cannot flake.

use iotwin::montecarlo::{Mode, RunOptions, Summary};

use crate::common::{column, deployment, run};

/// The pair's states: both good with one in use (`BOTH`), one in use and the other in repair
/// (`ONE`), the one in use failed with an uncovered switch so nothing is in use while it is
/// repaired and the other waits idle (`UNCOVERED`), both in repair (`NONE`). Up: `BOTH`, `ONE`.
const BOTH: usize = 0;
const ONE: usize = 1;
const UNCOVERED: usize = 2;
const NONE: usize = 3;

/// The chain's generator for idle ageing factor `alpha`, coverage `c` and `crews` repairs at
/// a time (1 or 2). An uncovered failure waits for the failed member's repair, which puts it
/// back in use (the group's policy returns to the member it was on); a repaired member while
/// the other runs becomes the standby (`switch_back: Never`).
fn generator(lambda: f64, mu: f64, alpha: f64, c: f64, crews: f64) -> [[f64; 4]; 4] {
    let mut q = [[0.0; 4]; 4];
    q[BOTH][ONE] = c * lambda + alpha * lambda;
    q[BOTH][UNCOVERED] = (1.0 - c) * lambda;
    q[ONE][NONE] = lambda;
    q[ONE][BOTH] = mu;
    q[UNCOVERED][BOTH] = mu;
    q[UNCOVERED][NONE] = alpha * lambda;
    q[NONE][ONE] = crews.min(2.0) * mu;
    for (i, row) in q.iter_mut().enumerate() {
        row[i] = -row.iter().sum::<f64>();
    }
    q
}

/// Solves the N×N system `a x = b` by Gaussian elimination with partial pivoting.
fn solve<const N: usize>(mut a: [[f64; N]; N], mut b: [f64; N]) -> [f64; N] {
    for col in 0..N {
        let pivot = (col..N)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap();
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col];
        for row in col + 1..N {
            let f = a[row][col] / pivot_row[col];
            for (x, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *x -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        let rest: f64 = (row + 1..N).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - rest) / a[row][row];
    }
    x
}

/// The steady state of generator `q`: π Q = 0, Σ π = 1 (the last balance equation replaced
/// by the normalisation).
fn steady_state<const N: usize>(q: [[f64; N]; N]) -> [f64; N] {
    let mut a: [[f64; N]; N] = std::array::from_fn(|i| std::array::from_fn(|j| q[j][i]));
    a[N - 1] = [1.0; N];
    let mut b = [0.0; N];
    b[N - 1] = 1.0;
    solve(a, b)
}

/// Steady-state availability: A = π(BOTH) + π(ONE).
fn availability(q: [[f64; 4]; 4]) -> f64 {
    let pi = steady_state(q);
    pi[BOTH] + pi[ONE]
}

/// Mean time from `BOTH` to the first down state: T = 1/q_i + Σ_j (q_ij/q_i) T_j over up
/// states, with the down states absorbing.
fn mean_time_to_failure(q: [[f64; 4]; 4]) -> f64 {
    // Unknowns T_BOTH, T_ONE; rows: −q_ii T_i − Σ_{j up, j≠i} q_ij T_j = 1.
    let mut a = [[0.0; 4]; 4];
    a[0][0] = -q[BOTH][BOTH];
    a[0][1] = -q[BOTH][ONE];
    a[1][0] = -q[ONE][BOTH];
    a[1][1] = -q[ONE][ONE];
    a[2][2] = 1.0;
    a[3][3] = 1.0;
    solve(a, [1.0, 1.0, 0.0, 0.0])[BOTH]
}

/// Mean and standard error of the replication values of `id`.
fn mean_se(s: &Summary, id: &str) -> (f64, f64) {
    let values = column(s, id);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd / n.sqrt())
}

fn close(s: &Summary, id: &str, exact: f64, sigmas: f64) {
    let (mean, se) = mean_se(s, id);
    assert!(
        (mean - exact).abs() <= sigmas * se,
        "{id}: {mean} vs exact {exact} ± {}",
        sigmas * se
    );
}

/// An active/standby pair (MTTF 10 h, MTTR 2 h each) with `standby` and coverage `c`,
/// instant detection and switch-over; one device reporting daily; `crew` adds crews.
fn pair(standby: &str, c: f64, crew: &str, horizon: &str, extra: &str) -> String {
    let gateway = |id: &str| {
        format!(
            r#"Gateway(id: "{id}", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")],
                failure: Failure(lifetime: Exponential(mean: "10h"), repair: Exponential(mean: "2h")))"#
        )
    };
    format!(
        r#"Scenario(
            name: "standby", horizon: "{horizon}", warmup: "20h", seed: 59, replications: 20,
            deadline: "1h", {extra}
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [{}, {}],
            redundancy: [ActiveStandby(id: "pair", gateways: ["a", "b"],
                detection: After(Fixed("0s")), switchover: Fixed("0s"), coverage: {c},
                switch_back: Never, standby: {standby})],
            {crew}
            fleets: [Fleet(id: "f", site: "s", gateway: "pair", count: 1, report: Fixed("1d"))],
        )"#,
        gateway("a"),
        gateway("b")
    )
}

const LAMBDA: f64 = 0.1;
const MU: f64 = 0.5;

#[test]
fn the_chain_gives_the_textbook_forms() {
    // Hot, perfect switch, independent repair: two independent units, 1 − (1 − a)².
    let a = MU / (LAMBDA + MU);
    let hot = availability(generator(LAMBDA, MU, 1.0, 1.0, 2.0));
    assert!((hot - (1.0 - (1.0 - a).powi(2))).abs() < 1e-12, "{hot}");
    // Cold, perfect switch: MTTF (2λ + μ)/λ²; hot: (3λ + μ)/(2λ²).
    let cold = mean_time_to_failure(generator(LAMBDA, MU, 0.0, 1.0, 2.0));
    assert!(
        (cold - (2.0 * LAMBDA + MU) / (LAMBDA * LAMBDA)).abs() < 1e-9,
        "{cold}"
    );
    let hot = mean_time_to_failure(generator(LAMBDA, MU, 1.0, 1.0, 2.0));
    assert!((hot - (3.0 * LAMBDA + MU) / (2.0 * LAMBDA * LAMBDA)).abs() < 1e-9);
    // Cold with one crew: birth-death, unavailability ρ²/(1 + ρ + ρ²).
    let rho = LAMBDA / MU;
    let one_crew = availability(generator(LAMBDA, MU, 0.0, 1.0, 1.0));
    let expected = 1.0 - rho * rho / (1.0 + rho + rho * rho);
    assert!((one_crew - expected).abs() < 1e-12, "{one_crew}");
}

/// Cold, warm (α = 0.5) and hot standby with a perfect switch and independent repair: each
/// is up the chain's share of the time, and a warmer spare is up less.
#[test]
fn a_colder_standby_is_up_more_as_its_markov_chain_says() {
    let mut last = 1.0;
    for (kind, alpha) in [("Cold", 0.0), ("Warm(0.5)", 0.5), ("Hot", 1.0)] {
        let exact = availability(generator(LAMBDA, MU, alpha, 1.0, 2.0));
        let s = run(&deployment(&pair(kind, 1.0, "", "2000h", "")), 20);
        close(&s, "site_availability:s", exact, 4.5);
        assert!(exact < last, "{kind}: {exact} after {last}");
        last = exact;
    }
}

/// Hot standby is the existing 1-of-2 group: `standby: Hot` gives the very same bytes as a
/// group that does not say it.
#[test]
fn hot_standby_is_the_default_group() {
    let written = run(&deployment(&pair("Hot", 0.9, "", "500h", "")), 4);
    let default = pair("Hot", 0.9, "", "500h", "").replace(", standby: Hot", "");
    assert!(!default.contains("standby:"));
    let default = run(&deployment(&default), 4);
    assert_eq!(written.per_replication, default.per_replication);
}

/// An uncovered switch (c = 0.8) leaves the pair down until the failed member is repaired:
/// the cold pair is up the chain's share, which is below the perfectly covered one's.
#[test]
fn coverage_below_one_lowers_availability_as_the_chain_says() {
    let exact = availability(generator(LAMBDA, MU, 0.0, 0.8, 2.0));
    assert!(exact < availability(generator(LAMBDA, MU, 0.0, 1.0, 2.0)));
    let s = run(&deployment(&pair("Cold", 0.8, "", "2000h", "")), 20);
    close(&s, "site_availability:s", exact, 4.5);
}

/// One crew repairs one member at a time: the cold pair's down state lasts twice as long, as
/// the birth-death chain says.
#[test]
fn one_repair_crew_is_the_birth_death_chain() {
    let exact = availability(generator(LAMBDA, MU, 0.0, 1.0, 1.0));
    let crew = r#"crews: [Crew(id: "crew", sites: ["s"], technicians: 1)],"#;
    let s = run(&deployment(&pair("Cold", 1.0, crew, "2000h", "")), 20);
    close(&s, "site_availability:s", exact, 4.5);
}

/// Flow mode sees the same gateway events, so a warm pair is up the chain's share there too.
#[test]
fn flow_mode_models_a_warm_standby() {
    let exact = availability(generator(LAMBDA, MU, 0.5, 0.9, 2.0));
    let dep = deployment(&pair("Warm(0.5)", 0.9, "", "2000h", ""));
    let opts = RunOptions {
        replications: Some(20),
        mode: Mode::Flow,
        ..RunOptions::default()
    };
    let s = iotwin::montecarlo::run(&dep, &opts, &|| {}).unwrap();
    close(&s, "site_availability:s", exact, 4.5);
}

/// The mean time to the pair's first failure, cold, warm and hot, at c = 1 and 0.8: the
/// chain's first-passage time from both up (4 sample standard errors of 1000 replications).
#[test]
fn the_first_failure_comes_after_the_chains_mean_time() {
    for (kind, alpha) in [("Cold", 0.0), ("Warm(0.3)", 0.3), ("Hot", 1.0)] {
        for c in [1.0, 0.8] {
            let expected = mean_time_to_failure(generator(LAMBDA, MU, alpha, c, 2.0));
            let horizon = format!("{}h", (30.0 * expected).round());
            let text = pair(kind, c, "", &horizon, r#"mission_times: ["10h"],"#)
                .replace(r#"warmup: "20h", "#, "")
                .replace(r#"report: Fixed("1d")"#, r#"report: Fixed("100d")"#);
            let s = run(&deployment(&text), 1000);
            assert_eq!(mean_se(&s, "system_failure_share").0, 1.0);
            close(&s, "time_to_system_failure_h", expected, 4.0);
        }
    }
}

/// A warm factor outside (0, 1) is refused at its field, with the file's line and a hint.
#[test]
fn a_warm_factor_outside_zero_and_one_is_refused() {
    for bad in ["Warm(1.5)", "Warm(0.0)", "Warm(-0.2)"] {
        let e = iotwin::scenario::compile_source(&pair(bad, 1.0, "", "100h", ""), "w.ron")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("w.ron:")
                && e.contains("redundancy[0].standby")
                && e.contains("above 0 and below 1")
                && e.contains("Cold"),
            "{bad}: {e}"
        );
    }
}

/// A fleet of 20 devices (MTTF 10 h, MTTR 2 h per unit) each with `standby` spares, on a
/// gateway that does not fail; one reading a day.
fn devices(standby: &str, horizon: &str, extra_fleet: &str) -> String {
    format!(
        r#"Scenario(
            name: "device standby", horizon: "{horizon}", warmup: "20h", seed: 61,
            replications: 20, deadline: "1h",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 20, report: Fixed("1d"),
                failure: Failure(lifetime: Exponential(mean: "10h"), repair: Exponential(mean: "2h")),
                standby: {standby} {extra_fleet})],
        )"#
    )
}

/// A device with one cold, warm (α = 0.5) or hot spare, a perfect instant switch and its
/// failed unit repaired while the spare runs is the same four-state chain as the gateway
/// pair (unit in service and spare on the shelf / one in repair / uncovered / both in
/// repair): each is up the chain's share of the time, colder more.
#[test]
fn a_device_with_a_standby_spare_is_up_as_its_markov_chain_says() {
    let mut last = 1.0;
    for (kind, alpha) in [("Cold", 0.0), ("Warm(0.5)", 0.5), ("Hot", 1.0)] {
        let exact = availability(generator(LAMBDA, MU, alpha, 1.0, 2.0));
        let text = devices(&format!("Standby(spares: 1, kind: {kind})"), "2000h", "");
        let s = run(&deployment(&text), 20);
        close(&s, "device_availability", exact, 4.5);
        assert!(exact < last, "{kind}: {exact} after {last}");
        last = exact;
    }
}

/// An uncovered switch (c = 0.8) leaves the device down until its failed unit is back from
/// repair, while the spare waits: the chain's share, below the covered one's.
#[test]
fn a_device_spares_coverage_below_one_lowers_availability_as_the_chain_says() {
    let exact = availability(generator(LAMBDA, MU, 0.3, 0.8, 2.0));
    assert!(exact < availability(generator(LAMBDA, MU, 0.3, 1.0, 2.0)));
    let text = devices(
        "Standby(spares: 1, kind: Warm(0.3), coverage: 0.8)",
        "2000h",
        "",
    );
    close(
        &run(&deployment(&text), 20),
        "device_availability",
        exact,
        4.5,
    );
}

/// One crew repairs one unit at a time: a lone device with a cold spare is the birth-death
/// chain, its unavailability ρ²/(1 + ρ + ρ²).
#[test]
fn one_crew_repairs_a_devices_units_one_at_a_time() {
    let exact = availability(generator(LAMBDA, MU, 0.0, 1.0, 1.0));
    let text = devices("Standby(spares: 1, kind: Cold)", "5000h", "")
        .replace("count: 20", "count: 1")
        .replace(
            "fleets: [",
            r#"crews: [Crew(id: "crew", sites: ["s"], technicians: 1)], fleets: ["#,
        );
    close(
        &run(&deployment(&text), 40),
        "device_availability",
        exact,
        4.5,
    );
}

/// Flow mode sees the same device events, so devices with warm spares and an imperfect
/// switch are up the chain's share there too.
#[test]
fn flow_mode_models_device_spares() {
    let exact = availability(generator(LAMBDA, MU, 0.5, 0.9, 2.0));
    let text = devices(
        "Standby(spares: 1, kind: Warm(0.5), coverage: 0.9)",
        "2000h",
        "",
    );
    let opts = RunOptions {
        replications: Some(20),
        mode: Mode::Flow,
        ..RunOptions::default()
    };
    let s = iotwin::montecarlo::run(&deployment(&text), &opts, &|| {}).unwrap();
    close(&s, "device_availability", exact, 4.5);
}

/// Fixed laws make the cycle plain: a unit runs 10 h, the device is down for the 6 min
/// switch and runs 10 h on the spare while the failed unit is repaired in 1 h, so it is up
/// 10 h in every 10.1 h. With no coverage it instead waits the hour for the repair: 10 h in
/// 11 h. (Up to the cycles the horizon cuts.)
#[test]
fn the_switch_time_and_an_uncovered_switch_take_the_device_down() {
    for (coverage, cycle) in [(1.0, 10.1), (0.0, 11.0)] {
        let text = devices(
            &format!(r#"Standby(spares: 1, kind: Cold, coverage: {coverage}, switch: "6m")"#),
            "5000h",
            "",
        )
        .replace(
            r#"lifetime: Exponential(mean: "10h"), repair: Exponential(mean: "2h")"#,
            r#"lifetime: Fixed("10h"), repair: Fixed("1h")"#,
        );
        let (mean, _) = mean_se(&run(&deployment(&text), 2), "device_availability");
        let exact = 10.0 / cycle;
        assert!(
            (mean - exact).abs() < 2e-3,
            "c = {coverage}: {mean} vs {exact}"
        );
    }
}

/// The device chain with a switch that takes time: besides the four states above, a spare
/// being switched in while the failed unit is in repair (`SWITCHING`) or already back on the
/// shelf (`SWITCHING_SHELVED`), both down. Exponential switch at rate σ; the spare does not age
/// while it is put in, a unit on the shelf ages at α, repairs are independent (rate μ each).
fn generator_with_switch(alpha: f64, c: f64, sigma: f64) -> [[f64; 6]; 6] {
    const SWITCHING: usize = 4;
    const SWITCHING_SHELVED: usize = 5;
    let (lambda, mu) = (LAMBDA, MU);
    let mut q = [[0.0; 6]; 6];
    q[BOTH][SWITCHING] = c * lambda;
    q[BOTH][UNCOVERED] = (1.0 - c) * lambda;
    q[BOTH][ONE] = alpha * lambda;
    q[ONE][NONE] = lambda;
    q[ONE][BOTH] = mu;
    q[UNCOVERED][BOTH] = mu;
    q[UNCOVERED][NONE] = alpha * lambda;
    q[NONE][ONE] = 2.0 * mu;
    q[SWITCHING][ONE] = sigma;
    q[SWITCHING][SWITCHING_SHELVED] = mu;
    q[SWITCHING_SHELVED][BOTH] = sigma;
    q[SWITCHING_SHELVED][SWITCHING] = alpha * lambda;
    for (i, row) in q.iter_mut().enumerate() {
        row[i] = -row.iter().sum::<f64>();
    }
    q
}

/// A switch time given as a law is drawn at each switch: with an exponential switch of mean
/// 1 h (a tenth of the unit's MTTF) the device is up the share the six-state chain gives,
/// visibly below the instant switch's; and a plain duration still reads as a fixed time.
#[test]
fn an_exponential_switch_time_is_the_chain_with_a_switching_state() {
    let (alpha, c, sigma) = (0.5, 0.9, 1.0);
    let pi = steady_state(generator_with_switch(alpha, c, sigma));
    let exact = pi[BOTH] + pi[ONE];
    let instant = availability(generator(LAMBDA, MU, alpha, c, 2.0));
    let text = devices(
        &format!(
            r#"Standby(spares: 1, kind: Warm({alpha}), coverage: {c},
                switch: Exponential(mean: "1h"))"#
        ),
        "2000h",
        "",
    );
    let s = run(&deployment(&text), 20);
    let (mean, se) = mean_se(&s, "device_availability");
    assert!(instant - exact > 9.0 * se, "{instant} vs {exact} ± {se}");
    close(&s, "device_availability", exact, 4.5);
    let plain = devices(r#"Standby(spares: 1, switch: "1h")"#, "100h", "");
    let fixed = devices(r#"Standby(spares: 1, switch: Fixed("1h"))"#, "100h", "");
    assert_eq!(
        column(&run(&deployment(&plain), 2), "device_availability"),
        column(&run(&deployment(&fixed), 2), "device_availability"),
        "measured {mean}"
    );
}

/// A switch time that is neither a duration nor a law is refused at the field, naming both
/// forms; a law with bad parameters is refused as anywhere else.
#[test]
fn a_switch_time_that_is_not_a_duration_or_a_law_is_refused() {
    for (switch, says) in [
        ("Exponental(mean: \"1h\")", "a law of durations such as"),
        ("12", "a duration such as"),
        (
            "Uniform(min: \"2h\", max: \"1h\")",
            "fleets[0].standby.switch.min",
        ),
    ] {
        let text = devices(&format!("Standby(spares: 1, switch: {switch})"), "100h", "");
        let e = iotwin::scenario::compile_source(&text, "d.ron")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("d.ron:") && e.contains(says), "{switch}: {e}");
    }
}

/// What device spares do not combine with is refused at the fleet's `standby`, with the
/// file's line and a hint; so is a warm factor outside (0, 1) and a shelf of no spares.
#[test]
fn device_spares_refuse_what_they_do_not_model() {
    let cases = [
        (
            "Standby(spares: 1)",
            "cold_spares: 1",
            "fleets[0].standby",
            "cold_spares",
        ),
        (
            "Standby(spares: 1)",
            r#"replace: Replace(at_age: "5h")"#,
            "fleets[0].standby",
            "planned replacement",
        ),
        (
            "Standby(spares: 0)",
            "",
            "fleets[0].standby.spares",
            "spares: 1",
        ),
        (
            "Standby(spares: 1, kind: Warm(1.5))",
            "",
            "fleets[0].standby.kind",
            "above 0 and below 1",
        ),
    ];
    for (standby, extra, field, says) in cases {
        let text = devices(standby, "100h", &format!(", {extra}"));
        let e = iotwin::scenario::compile_source(&text, "d.ron")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("d.ron:") && e.contains(field) && e.contains(says),
            "{standby} {extra}: {e}"
        );
    }
    let no_failure = devices("Standby(spares: 1)", "100h", "").replace(
        r#"failure: Failure(lifetime: Exponential(mean: "10h"), repair: Exponential(mean: "2h")),"#,
        "",
    );
    let e = iotwin::scenario::compile_source(&no_failure, "d.ron")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("without a failure law"), "{e}");
}
