//! What both written reports say, decided once so `report.html` and `report.md` agree.

use super::chart::Kind;
use super::table::{clipped, format_value, half_width};
use crate::engine::Duration;
use crate::metrics::{Better, Metric};
use crate::montecarlo::{Estimate, Summary};

/// The four numbers a reader looks at first: did data arrive, were sites connected, how long
/// did outages last, how much was lost.
pub const HEADLINE: [(&str, &str); 4] = [
    ("data_completeness", "Data completeness"),
    ("site_availability", "Site availability"),
    ("ttr_p95_s", "Time to recover, 95th percentile"),
    ("messages_lost", "Messages lost per replication"),
];

/// How the reports' intervals are computed and shown, for the glossary.
pub const INTERVAL_NOTE: &str = "Every interval is the 95% Student-t confidence interval of the mean over replications. Tables show it clipped to what the metric can be (a share between 0% and 100%, a count, time or cost of at least 0); summary.json keeps the raw interval (mean ± ci95_half_width), which may pass those bounds when few replications vary. Where a single replication defines a metric there is no interval: the table says \"one replication: no interval\".";

/// One metric's numbers as text.
pub struct Row<'a> {
    pub metric: &'a Metric,
    pub mean: String,
    /// `± h` of the 95% interval, or why there is none.
    pub half_width: String,
    /// `low to high`, empty when there is no interval.
    pub interval: String,
    /// Replications that define the metric, out of all.
    pub defined: String,
}

/// A metric's row; "undefined in every replication" when nothing defined it.
pub fn row<'a>(s: &Summary, metric: &'a Metric, e: &Estimate) -> Row<'a> {
    let unit = metric.unit;
    if e.n == 0 {
        return Row {
            metric,
            mean: "undefined".to_string(),
            half_width: "undefined in every replication".to_string(),
            interval: String::new(),
            defined: format!("0 of {}", s.replications),
        };
    }
    let interval = if e.half_width.is_some() {
        let (low, high) = clipped(e.low(), e.high(), unit);
        format!(
            "{} to {}",
            format_value(low, unit),
            format_value(high, unit)
        )
    } else {
        String::new()
    };
    Row {
        metric,
        mean: format_value(e.mean, unit),
        half_width: half_width(e.half_width, unit),
        interval,
        defined: format!("{} of {}", e.n, s.replications),
    }
}

/// The headline metrics present in this summary, with their labels.
pub fn headline(s: &Summary) -> Vec<(&'static str, Row<'_>)> {
    HEADLINE
        .iter()
        .filter_map(|(id, label)| {
            let i = s.index_of(id)?;
            Some((*label, row(s, &s.metrics[i], &s.estimates[i])))
        })
        .collect()
}

/// Every metric's row, in catalogue order.
pub fn rows(s: &Summary) -> Vec<Row<'_>> {
    s.metrics().map(|(m, e)| row(s, m, e)).collect()
}

/// The facts of the study, as (label, value) pairs.
pub fn facts(s: &Summary) -> Vec<(&'static str, String)> {
    vec![
        ("Seed", s.seed.to_string()),
        ("Replications", s.replications.to_string()),
        ("Horizon", Duration(s.horizon).to_string()),
        ("Deadline", Duration(s.deadline).to_string()),
        (
            "Confidence level",
            "95% (Student t over replications)".to_string(),
        ),
        ("iotwin", env!("CARGO_PKG_VERSION").to_string()),
    ]
}

/// Which way a metric is better, in words.
pub fn better(m: &Metric) -> &'static str {
    match m.better {
        Better::Higher => "higher is better",
        Better::Lower => "lower is better",
        Better::Neither => "a count of work, neither better nor worse",
    }
}

/// Title and one-sentence reading guide of each chart.
pub fn chart_text(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Availability => (
            "Availability over replications",
            "Each bar counts replications whose availability fell in the bin; the red line is the mean and the shaded span its 95% confidence interval.",
        ),
        Kind::Outages => (
            "Outage durations",
            "Lengths of every interruption of a fleet's path to the cloud, pooled over all replications, in bins of a quarter decade.",
        ),
        Kind::Completeness => (
            "Data completeness over time",
            "Share of the messages generated in each hundredth of the horizon that reached the cloud before the deadline: mean over replications with its 95% confidence band.",
        ),
        Kind::Survival => (
            "Device survival",
            "Share of devices that have not failed yet (first failures only; repaired devices stay counted as failed): mean over replications with its 95% confidence band. Drawn when devices fail.",
        ),
        Kind::Battery => (
            "Battery survival",
            "Share of battery-powered devices whose battery has not run flat yet (first depletions only; a swapped battery stays counted as flat): mean over replications with its 95% confidence band, the reliability curve of the batteries in the field. Devices still on their first battery at the horizon are counted as such, so lives longer than the horizon bias nothing. The legend gives the mean full life of the batteries that ran flat (battery_life_mean_s). Drawn when the scenario has batteries.",
        ),
        Kind::Losses => (
            "Messages lost by cause",
            "Mean messages lost per replication for each cause; whiskers span the 95% confidence interval.",
        ),
        Kind::Cost => (
            "Cost breakdown",
            "Mean cost per replication over the horizon, stacked by component.",
        ),
    }
}
