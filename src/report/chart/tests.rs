//! The charts as a reader sees them, on a small summary of three replications.

use super::*;
use crate::metrics::{Better, Metric};
use crate::montecarlo::{Extras, estimate};

fn metric(id: &str, unit: &'static str) -> Metric {
    Metric {
        id: id.to_string(),
        unit,
        definition: format!("definition of {id}"),
        better: Better::Higher,
    }
}

/// Three replications with availability, losses, interruptions and a completeness series.
fn summary() -> Summary {
    let metrics = vec![
        metric("site_availability", "ratio"),
        metric("lost_link_loss", "messages"),
        metric("lost_buffer_overflow", "messages"),
        metric("cost_hardware", "EUR"),
        metric("cost_connectivity", "EUR"),
    ];
    let per_replication = vec![
        vec![0.9991, 120.0, 0.0, 1000.0, 300.0],
        vec![0.9995, 100.0, 4.0, 1000.0, 320.0],
        vec![0.9989, 140.0, 9.0, 1000.0, 310.0],
    ];
    let estimates = (0..metrics.len())
        .map(|m| estimate(per_replication.iter().map(|r| r[m])))
        .collect();
    let extras = (0..3u64)
        .map(|r| Extras {
            series: (0..100).map(|i| [100, 99 - (i + r) % 3]).collect(),
            interruptions_s: vec![5.0 + r as f64, 600.0, 7200.0 * (r + 1) as f64],
            device_failures: 0,
            gateway_failures: 0,
            carrier_messages: vec![],
            first_failures: (0..100).map(|i| (i % 7 == r) as u64).collect(),
            devices: 50,
            battery_first_depletions: (0..100).map(|i| (i % 5 == r) as u64 * 2).collect(),
            battery_devices: 100,
        })
        .collect();
    Summary {
        scenario: "test <site>".to_string(),
        description: "a test".to_string(),
        seed: 1,
        replications: 3,
        mode: crate::montecarlo::Mode::Packet,
        horizon: 30 * 86_400 * 1_000_000,
        warmup: 0,
        deadline: 60_000_000,
        per_replication,
        extras,
        metrics,
        estimates,
        verdicts: vec![],
        recovery_p95: None,
    }
}

fn well_formed(svg: &str, title: &str) {
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
    assert!(svg.contains(title), "missing title {title:?}");
    assert!(
        svg.contains("<text"),
        "no text drawn: the font is not working"
    );
    assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
}

#[test]
fn every_chart_is_well_formed_svg_with_its_title() {
    let s = summary();
    well_formed(
        &availability(&s).unwrap(),
        "site availability over 3 replications",
    );
    well_formed(&outages(&s).unwrap(), "Length of path interruptions");
    well_formed(&completeness(&s).unwrap(), "Data completeness over time");
    well_formed(&losses(&s).unwrap(), "Messages lost by cause");
    well_formed(&cost(&s).unwrap(), "Cost breakdown");
    well_formed(&svg(Kind::Survival, &s).unwrap(), "Device survival");
    well_formed(&svg(Kind::Battery, &s).unwrap(), "Battery survival");
    assert_eq!(charts(&s).unwrap().len(), 7);
}

#[test]
fn empty_charts_say_why() {
    let mut s = summary();
    for e in &mut s.extras {
        e.interruptions_s.clear();
    }
    s.metrics.truncate(3);
    let svg = outages(&s).unwrap();
    well_formed(&svg, "Length of path interruptions");
    assert!(svg.contains("No path to the cloud was interrupted"));
    assert!(!Kind::Cost.applies(&s), "no cost metric, no cost chart");
}

#[test]
fn charts_are_byte_stable() {
    let s = summary();
    assert_eq!(losses(&s).unwrap(), losses(&s).unwrap());
    assert_eq!(completeness(&s).unwrap(), completeness(&s).unwrap());
}

/// A warm-up is a grey band named in the legend on every chart over time, and nowhere
/// without one; the series themselves are the whole run's either way.
#[test]
fn charts_over_time_shade_the_warm_up() {
    let mut s = summary();
    let plain = [Kind::Completeness, Kind::Survival, Kind::Battery].map(|k| svg(k, &s).unwrap());
    for chart in &plain {
        assert!(!chart.contains("warm-up"));
    }
    s.warmup = 3 * 86_400 * 1_000_000;
    assert!(
        svg(Kind::Completeness, &s)
            .unwrap()
            .contains("warm-up, not measured")
    );
    for kind in [Kind::Survival, Kind::Battery] {
        assert!(
            svg(kind, &s)
                .unwrap()
                .contains("warm-up (lives counted from the start)")
        );
    }
    assert!(!svg(Kind::Losses, &s).unwrap().contains("warm-up"));
    assert_eq!(completeness_band(&s), completeness_band(&summary()));
}

#[test]
fn completeness_band_is_a_mean_with_an_interval() {
    let band = completeness_band(&summary());
    assert_eq!(band.len(), 100);
    let (t, mean, half) = band[0];
    assert_eq!(t, 0.5 * 30.0 * 86_400.0 / 100.0);
    assert!((mean - 0.98).abs() < 1e-12, "{mean}");
    assert!(half > 0.0);
}

#[test]
fn survival_starts_at_one_and_falls_by_first_failures() {
    let s = summary();
    let band = survival_band(&s);
    assert_eq!(band.len(), 101);
    assert_eq!(band[0], (0.0, 1.0, 0.0));
    // Replication r loses a device in slices i with i % 7 == r.
    let (t, mean, _) = band[100];
    assert_eq!(t, 30.0 * 86_400.0);
    let lost: f64 = (0..3u64)
        .map(|r| (0..100).filter(|i| i % 7 == r).count() as f64 / 50.0)
        .sum::<f64>()
        / 3.0;
    assert!((mean - (1.0 - lost)).abs() < 1e-12, "{mean}");
    let mut none = s.clone();
    for x in &mut none.extras {
        x.first_failures.iter_mut().for_each(|f| *f = 0);
    }
    assert!(!Kind::Survival.applies(&none));
}

/// A replication a fleet end of life ended counts only in the slices it ran.
#[test]
fn survival_leaves_out_replications_after_their_fleet_end_of_life() {
    let mut s = summary();
    s.metrics.push(metric("fleet_end_of_life_s", "s"));
    s.metrics.push(metric("fleet_end_of_life_reached", "ratio"));
    let horizon_s = 30.0 * 86_400.0;
    // Replication 0 ended a tenth into the horizon, the others ran to it.
    for (r, row) in s.per_replication.iter_mut().enumerate() {
        let ended = r == 0;
        row.push(if ended { horizon_s / 10.0 } else { horizon_s });
        row.push(ended as u8 as f64);
    }
    let band = survival_band(&s);
    let last = band[100].1;
    let lost: f64 = (1..3u64)
        .map(|r| (0..100).filter(|i| i % 7 == r).count() as f64 / 50.0)
        .sum::<f64>()
        / 2.0;
    assert!((last - (1.0 - lost)).abs() < 1e-12, "{last}");
    // The slice it ended in still has all three.
    let full = survival_band(&summary());
    assert_eq!(band[10], full[10]);
    // By slice 14 replication 0 would have lost a third device; it is no longer watched.
    assert!(band[15].1 > full[15].1, "{:?} vs {:?}", band[15], full[15]);
}

#[test]
fn battery_survival_falls_by_first_depletions_and_needs_batteries() {
    let s = summary();
    let band = battery_band(&s);
    assert_eq!(band.len(), 101);
    assert_eq!(band[0], (0.0, 1.0, 0.0));
    // Replication r has 2 of its 100 batteries run flat in slices i with i % 5 == r.
    let flat: Vec<f64> = (0..3u64)
        .map(|r| (0..100).filter(|i| i % 5 == r).count() as f64 * 2.0 / 100.0)
        .collect();
    let (t, mean, half) = band[100];
    assert_eq!(t, 30.0 * 86_400.0);
    assert!((mean - (1.0 - flat.iter().sum::<f64>() / 3.0)).abs() < 1e-12);
    assert!(half >= 0.0);
    assert!(Kind::Battery.applies(&s));
    assert_eq!(
        svg(Kind::Battery, &s).unwrap(),
        svg(Kind::Battery, &s).unwrap()
    );
    // Batteries that never ran flat: the chart says so.
    let mut none = s.clone();
    for x in &mut none.extras {
        x.battery_first_depletions.iter_mut().for_each(|f| *f = 0);
    }
    assert!(Kind::Battery.applies(&none));
    assert!(
        svg(Kind::Battery, &none)
            .unwrap()
            .contains("No battery ran flat")
    );
    // No batteries: no chart.
    for x in &mut none.extras {
        x.battery_devices = 0;
    }
    assert!(!Kind::Battery.applies(&none));
}

#[test]
fn durations_read_well() {
    assert_eq!(short_duration(0.25), "250 ms");
    assert_eq!(short_duration(42.0), "42 s");
    assert_eq!(short_duration(90.0), "1.5 min");
    assert_eq!(short_duration(7200.0), "2 h");
}
