//! The cost model against costs computed by hand: capital, SIM months and data volume of a
//! deployment that never fails, repairs priced per failure, downtime and SLA penalties from
//! the measured availability, net present value, and the errors a user gets for a bad price.

use iotwin::metrics;
use iotwin::scenario::{self, Diagnostic};

use crate::common::{column, deployment, run};

const COST_IDS: &[&str] = &[
    "cost_capex",
    "cost_connectivity",
    "cost_cloud",
    "cost_maintenance",
    "cost_downtime",
    "cost_sla_penalties",
    "cost_total",
    "cost_npv",
    "cost_per_device_year",
];

/// One site, one perfect carrier, one gateway, ten devices reporting every hour for a year,
/// nothing fails; `costs` is the costs block (or nothing).
fn steady(costs: &str) -> String {
    format!(
        r#"Scenario(
            name: "steady", horizon: "365d", seed: 3, replications: 3,
            sites: [Site(id: "s")],
            carriers: [Carrier(id: "c"), Carrier(id: "d")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 100, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 10, report: Fixed("1h"), message_bytes: 50)],
            {costs}
        )"#
    )
}

const PRICES: &str = r#"costs: Costs(
    currency: "USD",
    discount_rate: 0.0,
    devices: [DeviceCost(fleet: "f", hardware: 100.0, install: 20.0)],
    gateway: GatewayCost(hardware: 500.0, install: 200.0),
    plans: [
        Plan(carrier: "c", per_sim_month: 10.0, per_mb: 2.0, activation: 5.0),
        // No gateway uses "d": no SIM, no fee.
        Plan(carrier: "d", per_sim_month: 99.0, activation: 99.0),
    ],
    protocol_overhead_bytes: 150,
    per_million_messages: 1000.0,
    downtime_per_site_hour: 500.0,
    sla: Sla(availability: 0.999, penalty: 1e6),
),"#;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn a_deployment_that_never_fails_costs_what_is_computed_by_hand() {
    let dep = deployment(&steady(PRICES));
    let s = run(&dep, 3);
    let delivered = column(&s, "messages_delivered");
    for (r, extras) in s.extras.iter().enumerate() {
        // Nothing is lost on perfect links: the carrier carries every delivered message.
        assert_eq!(extras.carrier_messages[0] as f64, delivered[r]);
        assert_eq!(extras.carrier_messages[1], 0);
        let n = delivered[r];
        assert!(n >= 10.0 * 8759.0, "{n} messages");
        // 10 devices × (100 + 20) + one gateway 500 + 200 + one SIM activation 5.
        let capex = 1905.0;
        // One SIM × 10 a month × 12 months, plus n × (50 + 150) bytes at 2 per MB.
        let connectivity = 120.0 + n * 200.0 / 1e6 * 2.0;
        let cloud = n / 1e6 * 1000.0;
        let total = capex + connectivity + cloud;
        let expect = [
            ("cost_capex", capex),
            ("cost_connectivity", connectivity),
            ("cost_cloud", cloud),
            ("cost_maintenance", 0.0),
            ("cost_downtime", 0.0),
            ("cost_sla_penalties", 0.0),
            ("cost_total", total),
            // At a discount rate of 0 the present value is the plain total.
            ("cost_npv", total),
            ("cost_per_device_year", total / 10.0),
        ];
        for (id, want) in expect {
            let got = column(&s, id)[r];
            assert!(close(got, want), "{id}: {got} against {want} by hand");
        }
    }
    let units: Vec<_> = s
        .metrics
        .iter()
        .filter(|m| m.id.starts_with("cost_"))
        .map(|m| m.unit)
        .collect();
    assert_eq!(units, vec!["USD"; COST_IDS.len()]);
}

#[test]
fn net_present_value_discounts_monthly_operating_cost() {
    let text = steady(PRICES).replace("discount_rate: 0.0", "discount_rate: 0.08");
    let s = run(&deployment(&text), 1);
    let capex = column(&s, "cost_capex")[0];
    let total = column(&s, "cost_total")[0];
    let npv = column(&s, "cost_npv")[0];
    let monthly = (total - capex) / 12.0;
    let factor: f64 = (1..=12).map(|k| 1.08f64.powf(-(k as f64) / 12.0)).sum();
    assert!(close(npv, capex + monthly * factor), "{npv}");
    assert!(npv < total && npv > capex);
}

#[test]
fn scenarios_without_costs_have_no_cost_metrics() {
    let plain = deployment(&steady(""));
    let priced = deployment(&steady(PRICES));
    let without = metrics::catalog(&plain);
    let with = metrics::catalog(&priced);
    assert!(without.iter().all(|m| !m.id.starts_with("cost")));
    assert_eq!(with[..without.len()], without[..]);
    let added: Vec<_> = with[without.len()..]
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(added, COST_IDS);
    let s = run(&plain, 1);
    assert_eq!(s.per_replication[0].len(), without.len());
    assert!(s.index_of("cost_total").is_none());
}

/// Devices and a gateway that fail and get repaired: each failure is one visit plus parts,
/// batteries are swapped on schedule, and downtime and SLA penalties follow the measured
/// site availability.
#[test]
fn repairs_downtime_and_penalties_follow_what_happened() {
    let text = r#"Scenario(
        name: "repairs", horizon: "100d", seed: 9, replications: 12,
        sites: [Site(id: "s")],
        carriers: [Carrier(id: "c")],
        gateways: [Gateway(id: "g", site: "s", buffer_messages: 0, uplinks: [Uplink(carrier: "c")],
            failure: Failure(lifetime: Exponential(mean: "40d"), repair: Exponential(mean: "12h")))],
        fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 3, report: Fixed("1h"),
            failure: Failure(lifetime: Exponential(mean: "20d"), repair: Fixed("1d")))],
        costs: Costs(
            devices: [DeviceCost(fleet: "f", hardware: 100.0, parts: 40.0, battery_swap: 7.0, battery_life: "30d")],
            gateway: GatewayCost(hardware: 300.0),
            repairs: Repairs(truck_roll: 100.0, labour_hour: 50.0, repair_hours: 2.0),
            per_million_messages: 0.0,
            downtime_per_site_hour: 10.0,
            sla: Sla(availability: 0.9999, penalty: 1000.0),
        ),
    )"#;
    let s = run(&deployment(text), 12);
    let maintenance = column(&s, "cost_maintenance");
    let downtime = column(&s, "cost_downtime");
    let penalties = column(&s, "cost_sla_penalties");
    let availability = column(&s, "site_availability:s");
    let (mut devices, mut gateways) = (0, 0);
    for (r, x) in s.extras.iter().enumerate() {
        devices += x.device_failures;
        gateways += x.gateway_failures;
        // A visit is 100 + 50 × 2 = 200; device parts 40, gateway parts its price (300);
        // batteries: 3 devices × 3 whole swaps in 100 days × 7.
        let want =
            x.device_failures as f64 * 240.0 + x.gateway_failures as f64 * 500.0 + 3.0 * 3.0 * 7.0;
        assert!(
            close(maintenance[r], want),
            "{} against {want}",
            maintenance[r]
        );
        let hours = 100.0 * 24.0;
        assert!(close(downtime[r], (1.0 - availability[r]) * hours * 10.0));
        let below = availability[r] < 0.9999;
        assert!(close(
            penalties[r],
            if below { 1000.0 * 100.0 / 365.0 } else { 0.0 }
        ));
    }
    assert!(
        devices > 0 && gateways > 0,
        "{devices} {gateways}: something must fail"
    );
    assert!(penalties.iter().any(|&p| p > 0.0));
}

#[test]
fn a_multi_carrier_sim_is_one_sim() {
    let text = steady(
        r#"costs: Costs(plans: [Plan(carrier: "c", also: ["d"], per_sim_month: 9.0)]),"#,
    )
    .replace(
        r#"uplinks: [Uplink(carrier: "c")]"#,
        r#"uplinks: [Uplink(carrier: "c"), Uplink(carrier: "d")], failover: Esim(detection: After(Fixed("1m")), switch_time: Fixed("30s"))"#,
    );
    let dep = deployment(&text);
    let c = dep.costs.as_ref().expect("costs");
    assert_eq!(c.plans[0].sims, 1);
    assert_eq!(c.plans[0].carriers, vec![0, 1]);
    assert_eq!(c.currency, "EUR");
    assert_eq!(c.discount_rate, 0.08);
}

fn refused(text: &str) -> Diagnostic {
    match scenario::compile_source(text, "bad.ron") {
        Ok(_) => panic!("a bad scenario was accepted:\n{text}"),
        Err(e) => e
            .diagnostic()
            .cloned()
            .unwrap_or_else(|| panic!("unlocated: {e}")),
    }
}

/// The 1-based line and column of the first occurrence of `at` in `text`.
fn position(text: &str, at: &str) -> (usize, usize) {
    let i = text.find(at).expect("snippet present");
    let line = text[..i].matches('\n').count() + 1;
    let column = text[..i].rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[test]
fn an_unknown_carrier_in_a_plan_is_located_with_a_suggestion() {
    let text = steady(PRICES).replace(r#"Plan(carrier: "c","#, r#"Plan(carrier: "cc","#);
    let d = refused(&text);
    assert_eq!(d.field, "costs.plans[0].carrier", "{d}");
    assert_eq!((d.line, d.column), position(&text, r#""cc""#), "{d}");
    assert!(d.message.contains("unknown carrier id \"cc\""), "{d}");
    assert!(d.hint.contains("did you mean \"c\"?"), "{d}");
}

#[test]
fn an_unknown_fleet_in_a_device_price_is_located() {
    let text = steady(PRICES).replace(r#"fleet: "f", hardware"#, r#"fleet: "g", hardware"#);
    let d = refused(&text);
    assert_eq!(d.field, "costs.devices[0].fleet", "{d}");
    assert!(d.message.contains("unknown fleet id \"g\""), "{d}");
    assert!(d.hint.contains("\"f\""), "{d}");
}

#[test]
fn a_negative_price_is_refused_where_it_is_written() {
    let text = steady(PRICES).replace("hardware: 100.0", "hardware: -100.0");
    let d = refused(&text);
    assert_eq!(d.field, "costs.devices[0].hardware", "{d}");
    assert_eq!((d.line, d.column), position(&text, "-100.0"), "{d}");
    assert!(
        d.message.contains("at least 0") && d.message.contains("-100"),
        "{d}"
    );
    assert!(d.hint.contains("never negative"), "{d}");
}

#[test]
fn a_carrier_in_two_plans_is_refused() {
    let text = steady(PRICES).replace(r#"Plan(carrier: "d","#, r#"Plan(carrier: "c","#);
    let d = refused(&text);
    assert_eq!(d.field, "costs.plans[1].carrier", "{d}");
    assert!(d.message.contains("already billed"), "{d}");
}
