//! Repair crews and spare parts against queueing and inventory theory. Each tolerance is a
//! number of standard errors of the replications' values (independent replications, so the
//! standard error of their mean is their standard deviation over √R), plus a stated bound on
//! the model's own bias where it has one (a start from an empty queue, a finite source).
//! Runs are seeded, so these tests are deterministic: they cannot flake.

use iotwin::montecarlo::{self, Mode, RunOptions, Summary};
use iotwin::report::summary_json;

use crate::common::{HOSTILE, column, deployment, run, total};

/// Standard errors allowed: two-sided 6.8e-6 each, so the few dozen comparisons here fail by
/// chance less than once in a thousand runs of the suite (as `flow.rs`).
const Z: f64 = 4.5;

const HOUR_S: f64 = 3600.0;

/// One site "s" with a perfect gateway and carrier, one fleet "f" of `count` devices that
/// report rarely (telemetry does not matter here) and fail with `failure`, and `crews`.
fn plant(horizon: &str, seed: u64, count: u32, failure: &str, crews: &str) -> String {
    format!(
        r#"Scenario(
            name: "crews", horizon: "{horizon}", seed: {seed}, replications: 4, deadline: "1h",
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 1000, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: {count}, report: Fixed("1000d"),
                failure: Failure({failure}))],
            crews: [{crews}],
        )"#
    )
}

/// Asserts that metric `id`'s mean over the replications is `expected` within `Z` standard
/// errors plus `bias`.
fn assert_mean(s: &Summary, id: &str, expected: f64, bias: f64) {
    let e = s.estimate(id).unwrap_or_else(|| panic!("no metric {id}"));
    let tolerance = Z * e.std_dev / (e.n as f64).sqrt() + bias;
    assert!(
        (e.mean - expected).abs() <= tolerance,
        "{id}: observed {}, expected {expected} ± {tolerance}",
        e.mean
    );
}

/// Expected time averages over [0, h] of each `f` of the state of a birth-death chain that
/// starts in state 0 (all units up): the forward equations integrated by RK4, the average by
/// the trapezoid rule. Exact to far better than the tests' tolerances, so the start's
/// transient is in the expectation, not in the error.
fn time_averages(birth: &[f64], death: &[f64], h: f64, fs: &[&dyn Fn(usize) -> f64]) -> Vec<f64> {
    let n = birth.len();
    let derivative = |p: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|k| {
                let inflow = if k > 0 { birth[k - 1] * p[k - 1] } else { 0.0 }
                    + if k + 1 < n {
                        death[k + 1] * p[k + 1]
                    } else {
                        0.0
                    };
                inflow - (birth[k] + death[k]) * p[k]
            })
            .collect()
    };
    let steps = 200_000usize;
    let dt = h / steps as f64;
    let mut p = vec![0.0; n];
    p[0] = 1.0;
    let value = |p: &[f64], f: &dyn Fn(usize) -> f64| (0..n).map(|k| p[k] * f(k)).sum::<f64>();
    let mut sums: Vec<f64> = fs.iter().map(|f| value(&p, *f) / 2.0).collect();
    for step in 1..=steps {
        let add = |a: &[f64], b: &[f64], s: f64| -> Vec<f64> {
            a.iter().zip(b).map(|(x, y)| x + s * y).collect()
        };
        let k1 = derivative(&p);
        let k2 = derivative(&add(&p, &k1, dt / 2.0));
        let k3 = derivative(&add(&p, &k2, dt / 2.0));
        let k4 = derivative(&add(&p, &k3, dt));
        for k in 0..n {
            p[k] += dt / 6.0 * (k1[k] + 2.0 * k2[k] + 2.0 * k3[k] + k4[k]);
        }
        let weight = if step == steps { 0.5 } else { 1.0 };
        for (sum, f) in sums.iter_mut().zip(fs) {
            *sum += weight * value(&p, *f);
        }
    }
    sums.iter().map(|s| s / steps as f64).collect()
}

/// The machine-repairman model: N units with exponential lifetimes (rate λ) and c technicians
/// with exponential repairs (rate μ), no travel, is the finite-source queue M/M/c//N: the
/// number of failed units n is a birth-death chain with births (N − n)λ and deaths
/// min(n, c)μ. Availability is 1 − E[n]/N, crew utilisation E[min(n, c)]/c and the repair
/// queue E[(n − c)⁺], each a time average over the horizon from the all-up start.
#[test]
fn a_crew_is_the_machine_repairman_queue_m_m_c_n() {
    let (units, technicians) = (10usize, 2usize);
    let (mtbf_h, mttr_h, horizon_h) = (20.0, 5.0, 20_000.0);
    let text = plant(
        &format!("{horizon_h}h"),
        41,
        units as u32,
        &format!(
            r#"lifetime: Exponential(mean: "{mtbf_h}h"), repair: Exponential(mean: "{mttr_h}h")"#
        ),
        &format!(r#"Crew(id: "fitters", sites: ["s"], technicians: {technicians})"#),
    );
    let s = run(&deployment(&text), 40);

    let (lambda, mu) = (1.0 / mtbf_h, 1.0 / mttr_h);
    let birth: Vec<f64> = (0..=units).map(|n| (units - n) as f64 * lambda).collect();
    let death: Vec<f64> = (0..=units)
        .map(|n| n.min(technicians) as f64 * mu)
        .collect();
    let expected = time_averages(
        &birth,
        &death,
        horizon_h,
        &[
            &|n| 1.0 - n as f64 / units as f64,
            &|n| n.min(technicians) as f64 / technicians as f64,
            &|n| n.saturating_sub(technicians) as f64,
        ],
    );
    // A loaded crew (offered load Nλ/μ = 2.5 technicians' worth at full availability): the
    // queue matters, and availability is well below the unlimited-repair MTBF/(MTBF + MTTR).
    assert!(
        expected[0] < 0.75 && expected[1] > 0.8 && expected[2] > 1.0,
        "{expected:?}"
    );
    assert_mean(&s, "device_availability", expected[0], 0.0);
    assert_mean(&s, "crew_utilisation", expected[1], 0.0);
    assert_mean(&s, "repair_queue_mean", expected[2], 0.0);
    assert_eq!(total(&s, "spares_stockouts"), 0.0);
    // MTTR grows with the load. By Little's law the mean time from failure to restoration is
    // the mean number down over the failure rate, E[n] / (λ (N − E[n])), against 5 h with
    // unlimited repairs. Over a finite horizon the jobs still open at its end (at most N of
    // some 8,000 a replication) make Little's law exact to about 0.1%: allowed as bias.
    let down = units as f64 * (1.0 - expected[0]);
    let mttr_s = down / (lambda * (units as f64 - down)) * HOUR_S;
    assert!(mttr_s > 1.3 * mttr_h * HOUR_S, "{mttr_s}");
    assert_mean(&s, "mttr_s", mttr_s, 0.002 * mttr_s);

    // Flow mode runs the same failures, crews and repairs on the same streams: the same values.
    let opts = RunOptions {
        replications: Some(40),
        mode: Mode::Flow,
        ..RunOptions::default()
    };
    let flow = montecarlo::run(&deployment(&text), &opts, &|| {}).expect("flow mode runs");
    assert_eq!(flow.mode, Mode::Flow);
    for id in [
        "device_availability",
        "crew_utilisation",
        "repair_queue_mean",
        "mttr_s",
        "repair_wait_mean_s",
        "device_failures",
    ] {
        assert_eq!(column(&flow, id), column(&s, id), "{id} in flow mode");
    }
}

/// Many units that rarely fail are a Poisson stream of jobs (rate Λ = N/MTBF) to one
/// technician: the M/G/1 queue, whose mean wait is Pollaczek-Khinchine's
/// W_q = Λ E[S²] / (2 (1 − ρ)), ρ = Λ E[S], for any law of the repair time S.
///
/// The source is finite: with n units down the rate is (N − n)/MTBF, and n averages
/// L = ρ + Λ W_q < 1.5 here, so Λ is overstated by L/N < 0.15% and W_q, whose elasticity in Λ is
/// 1/(1 − ρ) + 1 ≤ 3 at ρ ≤ 0.5, by less than 0.5%: allowed as bias beside the statistical
/// tolerance (about 2%). The start from an empty queue relaxes within a few busy periods
/// (hours) of a 20,000-hour horizon.
#[test]
fn one_technician_with_many_units_waits_as_pollaczek_khinchine() {
    let (units, mtbf_h) = (1000.0, 1000.0);
    let rate = units / mtbf_h / HOUR_S;
    // (repair law, E[S], E[S²]) in seconds: deterministic, and lognormal with
    // E[S] = m e^{σ²/2}, E[S²] = m² e^{2σ²}.
    let (m, sigma): (f64, f64) = (1200.0, 0.8);
    let laws = [
        (r#"Fixed("30m")"#.to_string(), 1800.0, 1800.0f64.powi(2)),
        (
            r#"LogNormal(median: "20m", sigma: 0.8)"#.to_string(),
            m * (sigma * sigma / 2.0).exp(),
            m * m * (2.0 * sigma * sigma).exp(),
        ),
    ];
    for (law, es, es2) in laws {
        let text = plant(
            "20000h",
            42,
            units as u32,
            &format!(r#"lifetime: Exponential(mean: "{mtbf_h}h"), repair: {law}"#),
            r#"Crew(id: "solo", sites: ["s"], technicians: 1)"#,
        );
        let s = run(&deployment(&text), 20);
        let rho = rate * es;
        let wq = rate * es2 / (2.0 * (1.0 - rho));
        let bias = 0.005 * wq;
        assert_mean(&s, "repair_wait_mean_s", wq, bias);
        // Time to restore is the wait plus the repair; the technician is busy ρ of the time.
        assert_mean(&s, "mttr_s", wq + es, bias);
        assert_mean(&s, "crew_utilisation", rho, 0.002 * rho);
        // Little's law for the queue: L_q = Λ W_q.
        assert_mean(&s, "repair_queue_mean", rate * wq, 2.0 * bias * rate);
    }
}

/// With at least as many technicians as units nobody waits: the time to restore is the travel
/// plus the repair, E[T] + E[S], whatever the laws (here both exponential, so one restore time
/// has variance Var T + Var S and the mean of n of them a standard error of √((Var T + Var S)/n)).
#[test]
fn ample_crews_restore_in_travel_plus_repair_time() {
    let (travel_h, repair_h) = (2.0f64, 3.0f64);
    let units = 40;
    let text = plant(
        "10000h",
        43,
        units,
        &format!(
            r#"lifetime: Exponential(mean: "100h"), repair: Exponential(mean: "{repair_h}h")"#
        ),
        &format!(
            r#"Crew(id: "many", sites: ["s"], technicians: {units}, travel: Exponential(mean: "{travel_h}h"))"#
        ),
    );
    let s = run(&deployment(&text), 10);
    assert_eq!(total(&s, "repair_wait_mean_s"), 0.0);
    assert_eq!(total(&s, "repair_queue_mean"), 0.0);
    let restores = total(&s, "device_failures");
    let mttr = s.estimate("mttr_s").expect("metric").mean / HOUR_S;
    let sigma = ((travel_h.powi(2) + repair_h.powi(2)) / restores).sqrt();
    let expected = travel_h + repair_h;
    assert!(
        (mttr - expected).abs() < Z * sigma,
        "MTTR {mttr} h, expected {expected} ± {} h",
        Z * sigma
    );
}

/// One-for-one replenishment with base stock S, Poisson demand λ and any lead-time law of mean
/// L: the parts on order are an M/G/∞ queue, Poisson(λL) in steady state (Palm's theorem), and
/// a demand finds the shelf empty when S or more are on order, so the share of repairs that
/// meet a stockout is P(Poisson(λL) ≥ S). Travel is zero and the repair a minute, so parts
/// dominate. The source is 10,000 units that fail once in 10,000 hours (λ = 1/h), so the few
/// units down bias λ by under 0.1%; the start with a full shelf and nothing on order makes the
/// first L hours of 5,000 short of stockouts: together below 0.005 of the share, allowed.
#[test]
fn spares_run_out_as_palms_theorem_says() {
    let poisson_at_least = |mean: f64, s: u32| -> f64 {
        let mut term = (-mean).exp();
        let mut below = 0.0;
        for k in 0..s {
            below += term;
            term *= mean / (k + 1) as f64;
        }
        1.0 - below
    };
    for (stock, lead) in [
        (2u32, r#"Fixed("5h")"#),
        (5, r#"Uniform(min: "0s", max: "10h")"#),
        (8, r#"Fixed("5h")"#),
    ] {
        let text = plant(
            "5000h",
            44,
            10_000,
            r#"lifetime: Exponential(mean: "10000h"), repair: Fixed("1m")"#,
            &format!(
                r#"Crew(id: "stores", sites: ["s"], technicians: 3,
                    spares: Spares(stock: {stock}, lead_time: {lead}))"#
            ),
        );
        let s = run(&deployment(&text), 10);
        let shares: Vec<f64> = column(&s, "spares_stockouts")
            .iter()
            .zip(column(&s, "device_failures"))
            .map(|(out, demands)| out / demands)
            .collect();
        let n = shares.len() as f64;
        let mean = shares.iter().sum::<f64>() / n;
        let sd = (shares.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let expected = poisson_at_least(5.0, stock);
        let tolerance = Z * sd / n.sqrt() + 0.005;
        assert!(
            (mean - expected).abs() < tolerance,
            "stock {stock}, lead {lead}: stockout share {mean}, expected {expected} ± {tolerance}"
        );
    }
}

/// Parts and technicians together. Crew "stocked" keeps no part on the shelf (stock 0) and
/// waits a fixed 20 h for each: every job is a stockout, and since parts arrive in the order
/// they were ordered, each job gets the part its own failure ordered, 20 h later. Jobs waiting
/// for a part are set aside, so a technician is busy only for the travel and repair (1.5 h a
/// job) — were it to hold a job through its part's wait, 0.1 jobs an hour × 21.5 h would
/// saturate it. Crew "free" has no spares. Both run the same in flow mode.
#[test]
fn jobs_waiting_for_parts_do_not_hold_a_technician() {
    let text = r#"Scenario(
        name: "two-crews", horizon: "2000h", seed: 45, replications: 6, deadline: "1h",
        sites: [Site(id: "a"), Site(id: "b")],
        carriers: [Carrier(id: "c")],
        gateways: [
            Gateway(id: "ga", site: "a", buffer_messages: 100, uplinks: [Uplink(carrier: "c")],
                failure: Failure(lifetime: Exponential(mean: "400h"), repair: Fixed("1h"))),
            Gateway(id: "gb", site: "b", buffer_messages: 100, uplinks: [Uplink(carrier: "c")],
                failure: Failure(lifetime: Exponential(mean: "400h"), repair: Fixed("1h"))),
        ],
        fleets: [
            Fleet(id: "fa", site: "a", gateway: "ga", count: 50, report: Fixed("10m"),
                failure: Failure(lifetime: Exponential(mean: "500h"), repair: Fixed("1h"))),
            Fleet(id: "fb", site: "b", gateway: "gb", count: 50, report: Fixed("10m"),
                failure: Failure(lifetime: Exponential(mean: "500h"), repair: Fixed("1h"))),
        ],
        crews: [
            Crew(id: "stocked", sites: ["a"], technicians: 1, travel: Fixed("30m"),
                spares: Spares(stock: 0, lead_time: Fixed("20h"))),
            Crew(id: "free", sites: ["b"], technicians: 1, travel: Fixed("30m")),
        ],
    )"#;
    let dep = deployment(text);
    let hour: u128 = 3_600_000_000;
    for r in 0..4 {
        let o = iotwin::model::World::run(&dep, r).expect("conserves");
        let (a, b) = (&o.crews[0], &o.crews[1]);
        assert!(a.raised > 50 && b.raised > 50, "{a:?} {b:?}");
        assert_eq!((a.demands, a.stockouts), (a.raised, a.raised), "{a:?}");
        assert_eq!((b.demands, b.stockouts), (0, 0), "{b:?}");
        assert!(a.wait_sum >= a.started as u128 * 20 * hour, "{a:?}");
        assert!(a.restore_sum >= a.completed as u128 * (20 * hour + 3 * hour / 2));
        for c in [a, b] {
            let job = 3 * hour / 2;
            assert!(c.busy_time <= c.started as u128 * job, "{c:?}");
            assert!(c.busy_time >= c.completed as u128 * job, "{c:?}");
        }
    }
    let s = run(&dep, 6);
    assert!(s.estimate("crew_utilisation:stocked").expect("metric").mean < 0.3);
    assert!(s.estimate("mttr_s").expect("metric").mean > 10.0 * HOUR_S);
    let opts = RunOptions {
        replications: Some(6),
        mode: Mode::Flow,
        ..RunOptions::default()
    };
    let flow = montecarlo::run(&dep, &opts, &|| {}).expect("flow mode runs");
    for id in [
        "device_availability",
        "gateway_availability",
        "crew_utilisation",
        "crew_utilisation:stocked",
        "crew_utilisation:free",
        "repair_queue_mean",
        "mttr_s",
        "repair_wait_mean_s",
        "spares_stockouts",
    ] {
        assert_eq!(column(&flow, id), column(&s, id), "{id} in flow mode");
    }
}

/// A crew with a technician for every unit that could fail at once, no travel and no spares
/// restores each unit exactly when the unlimited repairs of a scenario without crews do: every
/// metric of the hostile scenario (device and gateway repairs, a firmware campaign's site
/// visits, clocked devices) is bit-identical.
#[test]
fn an_ample_crew_without_travel_is_todays_unlimited_repair() {
    let without = run(&deployment(HOSTILE), 4);
    let crewed = HOSTILE.replacen(
        "fleets: [",
        r#"crews: [Crew(id: "all", sites: ["s"], technicians: 100000)],
        fleets: ["#,
        1,
    );
    let with = run(&deployment(&crewed), 4);
    let mut compared = 0;
    for (i, m) in without.metrics.iter().enumerate() {
        let j = with.index_of(&m.id).expect("every metric is still there");
        let a: Vec<u64> = without
            .per_replication
            .iter()
            .map(|r| r[i].to_bits())
            .collect();
        let b: Vec<u64> = with
            .per_replication
            .iter()
            .map(|r| r[j].to_bits())
            .collect();
        assert_eq!(a, b, "{}", m.id);
        compared += 1;
    }
    assert!(compared > 40);
    assert_eq!(total(&with, "repair_wait_mean_s"), 0.0);
    assert!(total(&with, "mttr_s") > 0.0);
}

/// A scenario without crews gives the same bytes whether it says `crews: []` or nothing.
#[test]
fn no_crews_leave_a_scenario_unchanged() {
    let written = HOSTILE.replacen("fleets: [", "crews: [],\n        fleets: [", 1);
    let a = summary_json(&run(&deployment(HOSTILE), 3));
    let b = summary_json(&run(&deployment(&written), 3));
    assert_eq!(a, b);
    assert!(!a.contains("crew_utilisation"));
}

/// Same seed, same bytes, whatever the thread count, with crews and spares.
#[test]
fn crews_are_deterministic_across_threads() {
    let text = plant(
        "2000h",
        46,
        200,
        r#"lifetime: Exponential(mean: "300h"), repair: LogNormal(median: "2h", sigma: 0.5)"#,
        r#"Crew(id: "c", sites: ["s"], technicians: 2, travel: Uniform(min: "10m", max: "1h"),
            spares: Spares(stock: 2, lead_time: Exponential(mean: "3d")))"#,
    );
    let dep = deployment(&text);
    let with_threads = |threads| {
        let opts = RunOptions {
            replications: Some(6),
            threads: Some(threads),
            mode: Mode::Packet,
            ..RunOptions::default()
        };
        summary_json(&montecarlo::run(&dep, &opts, &|| {}).expect("runs"))
    };
    let one = with_threads(1);
    assert_eq!(one, with_threads(3));
    assert!(one.contains("spares_stockouts"));
}

/// The technicians' yearly cost is part of maintenance: technicians × cost × years.
#[test]
fn technicians_cost_their_yearly_cost_over_the_horizon() {
    let base = plant(
        "730d",
        47,
        10,
        r#"lifetime: Exponential(mean: "1y"), repair: Fixed("4h")"#,
        r#"Crew(id: "c", sites: ["s"], technicians: 3COST)"#,
    )
    .replacen(
        "crews: [",
        "costs: Costs(repairs: Repairs(truck_roll: 0.0, labour_hour: 0.0)),\n crews: [",
        1,
    );
    let free = run(&deployment(&base.replace("COST", "")), 2);
    let paid = run(
        &deployment(&base.replace("COST", ", cost_per_year: 60000.0")),
        2,
    );
    let diff: Vec<f64> = column(&paid, "cost_maintenance")
        .iter()
        .zip(column(&free, "cost_maintenance"))
        .map(|(p, f)| p - f)
        .collect();
    for d in diff {
        assert!((d - 3.0 * 60_000.0 * 2.0).abs() < 1e-6, "{d}");
    }
}
