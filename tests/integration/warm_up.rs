//! The warm-up leaves a special start out of the measures that used to run over the whole
//! replication. An M/M/1 gateway (λ = 0.5/s, E[S] = 1 s: ρ = 0.5) crashes for its first hour,
//! so it serves nothing then; from the warm-up's end on its utilisation is ρ, over the whole
//! run about half of that.

use iotwin::montecarlo::{Mode, RunOptions, Summary};

use crate::common::{column, deployment, run};

fn crashed_first_hour(extra: &str) -> String {
    format!(
        r#"Scenario(
            name: "crash-at-start", horizon: "3h", seed: 29, replications: 10, deadline: "1h",
            {extra}
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 100000,
                service: Exponential(mean: "1s"), uplinks: [Uplink(carrier: "c")])],
            faults: [GatewayDown(gateway: "g", at: "1s", lasting: "1h")],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 100,
                report: Exponential(mean: "200s"))],
        )"#
    )
}

fn mean_se(s: &Summary, id: &str) -> (f64, f64) {
    let v = column(s, id);
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd / n.sqrt())
}

#[test]
fn utilisation_is_measured_from_the_warm_up_end() {
    let warm = run(&deployment(&crashed_first_hour("warmup: \"1h 10m\",")), 10);
    let cold = run(&deployment(&crashed_first_hour("")), 10);
    for id in ["gateway_utilisation:g", "max_gateway_utilisation"] {
        let (u, se) = mean_se(&warm, id);
        assert!((u - 0.5).abs() < 4.5 * se + 0.005, "warm {id}: {u} ± {se}");
        let (c, _) = mean_se(&cold, id);
        // Idle for the first of three hours: about 2/3 of ρ.
        assert!((c - 0.5 * 2.0 / 3.0).abs() < 0.02, "cold {id}: {c}");
    }
    let opts = RunOptions {
        replications: Some(10),
        mode: Mode::Flow,
        ..RunOptions::default()
    };
    let dep = deployment(&crashed_first_hour("warmup: \"1h 10m\","));
    let flow = iotwin::montecarlo::run(&dep, &opts, &|| {}).unwrap();
    let (u, se) = mean_se(&flow, "gateway_utilisation:g");
    assert!((u - 0.5).abs() < 4.5 * se + 0.01, "flow {u} ± {se}");
}

/// Measures the warm-up does not cut yet say so in their definition, only when there is one.
#[test]
fn whole_run_measures_say_so_when_there_is_a_warm_up() {
    let definition = |text: &str, id: &str| {
        iotwin::metrics::catalog(&deployment(text))
            .into_iter()
            .find(|m| m.id == id)
            .map(|m| m.definition)
            .unwrap_or_else(|| panic!("no metric {id}"))
    };
    let note = "Over the whole run";
    let warm = crashed_first_hour("warmup: \"1h 10m\",");
    assert!(definition(&warm, "site_stale_hours:s").contains(note));
    assert!(!definition(&warm, "gateway_utilisation:g").contains(note));
    assert!(!definition(&crashed_first_hour(""), "site_stale_hours:s").contains(note));
}
