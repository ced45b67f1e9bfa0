//! What both written reports say, decided once so `report.html` and `report.md` agree.

use super::chart::Kind;
use super::table::{clipped, format_value, half_width};
use crate::engine::Duration;
use crate::metrics::{Better, Metric};
use crate::montecarlo::check::Verdict;
use crate::montecarlo::{Estimate, Summary};
use crate::scenario::Bound;

/// The four numbers a reader looks at first: did data arrive, were sites connected, how long
/// did outages last, how much was lost.
pub const HEADLINE: [(&str, &str); 4] = [
    ("data_completeness", "Data completeness"),
    ("site_availability", "Site availability"),
    ("ttr_p95_s", "Time to recover, 95th percentile"),
    ("messages_lost", "Messages lost per replication"),
];

/// The cost card: what the design costs, when the scenario has a cost model.
pub const COSTS: [(&str, &str); 3] = [
    ("cost_total", "Total cost over the horizon"),
    ("cost_per_device_year", "Cost per device-year"),
    ("cost_npv", "Net present value of the costs"),
];

/// How the reports' intervals are computed and shown, for the glossary.
pub const INTERVAL_NOTE: &str = "Every interval is the 95% Student-t confidence interval of the mean over replications. Tables show it clipped to what the metric can be (a share between 0% and 100%, a count, time or cost of at least 0); summary.json keeps the raw interval (mean ± ci95_half_width), which may pass those bounds when few replications vary. Where a single replication defines a metric there is no interval: the table says \"one replication: no interval\". A metric defined in fewer than half of the replications (a time to recover when most replications had no interruption) is marked \"few\": its mean and interval rest on those replications alone. The headline's time to recover is the 95th percentile of every recovery of every replication, with a 95% interval from a bootstrap over replications (summary.json: pooled.ttr_p95_s).";

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
    /// Fewer than half of the replications define the metric: read its mean with care.
    pub few: bool,
    /// The value is pooled over every replication (not a mean of them): `defined` says over
    /// how much.
    pub pooled: bool,
}

/// Whether a metric defined in `n` of `replications` replications rests on too few of them to
/// stand for the study: fewer than half.
pub fn few(n: usize, replications: u32) -> bool {
    n > 0 && 2 * n < replications as usize
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
            few: false,
            pooled: false,
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
        // An asymmetric interval (Wilson, chi-square) is given by its ends only.
        half_width: if e.bounds.is_some() {
            String::new()
        } else {
            half_width(e.half_width, unit)
        },
        interval,
        defined: if few(e.n, s.replications) {
            format!("{} of {} (few)", e.n, s.replications)
        } else {
            format!("{} of {}", e.n, s.replications)
        },
        few: few(e.n, s.replications),
        pooled: false,
    }
}

/// The headline metrics present in this summary, with their labels. The time to recover is
/// the percentile of every recovery pooled over replications, with its bootstrap interval.
pub fn headline(s: &Summary) -> Vec<(&'static str, Row<'_>)> {
    HEADLINE
        .iter()
        .filter_map(|(id, label)| {
            let i = s.index_of(id)?;
            let metric = &s.metrics[i];
            match (*id, s.recovery_p95) {
                ("ttr_p95_s", Some(p)) => Some((*label, pooled_row(s, metric, p))),
                _ => Some((*label, row(s, metric, &s.estimates[i]))),
            }
        })
        .collect()
}

/// The row of a percentile pooled over every replication.
fn pooled_row<'a>(
    s: &Summary,
    metric: &'a Metric,
    p: crate::montecarlo::PooledQuantile,
) -> Row<'a> {
    let unit = metric.unit;
    let (half_width, interval) = match p.interval {
        Some((low, high)) => {
            let (low, high) = clipped(low, high, unit);
            let text = format!(
                "{} to {}",
                format_value(low, unit),
                format_value(high, unit)
            );
            (String::new(), text)
        }
        None => (super::table::NO_INTERVAL.to_string(), String::new()),
    };
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    Row {
        metric,
        mean: format_value(p.value, unit),
        half_width,
        interval,
        defined: format!(
            "{} recover{} in {} of {} replication{}",
            p.n,
            if p.n == 1 { "y" } else { "ies" },
            p.replications,
            s.replications,
            plural(s.replications as usize)
        ),
        few: false,
        pooled: true,
    }
}

/// The cost card's rows, when the scenario has a cost model, amounts followed by the
/// scenario's currency (the cost metrics' unit).
pub fn costs(s: &Summary) -> Vec<(&'static str, Row<'_>)> {
    COSTS
        .iter()
        .filter_map(|(id, label)| {
            let i = s.index_of(id)?;
            let mut r = row(s, &s.metrics[i], &s.estimates[i]);
            let unit = r.metric.unit;
            if r.mean != "undefined" {
                r.mean = format!("{} {unit}", r.mean);
            }
            if let Some((low, high)) = r.interval.split_once(" to ") {
                r.interval = format!("{low} to {high} {unit}");
            }
            Some((*label, r))
        })
        .collect()
}

/// One `expect` assertion as the headline shows it.
pub struct VerdictLine {
    /// PASS, FAIL, INCONCLUSIVE or UNDEFINED.
    pub verdict: &'static str,
    /// Why it is not a plain PASS or FAIL, for a reader who wonders.
    pub why: &'static str,
    /// The assertion as written: `data_completeness at least 99.0000%`.
    pub assertion: String,
    /// The measured mean and its interval.
    pub measured: String,
    /// Where the assertion is written in the scenario.
    pub file: String,
    pub line: usize,
}

/// The scenario's assertions and their verdicts, in the order written.
pub fn verdicts(s: &Summary) -> Vec<VerdictLine> {
    s.verdicts
        .iter()
        .map(|j| {
            let e = &j.expectation;
            let unit = s.index_of(&e.metric).map_or("", |i| s.metrics[i].unit);
            let (verdict, why) = match j.verdict {
                Verdict::Pass => ("PASS", ""),
                Verdict::Fail => ("FAIL", ""),
                Verdict::Inconclusive => (
                    "INCONCLUSIVE",
                    "the interval straddles the bound; more replications would tell",
                ),
                Verdict::Undefined => (
                    "UNDEFINED",
                    "no replication defines this metric: what it measures never happened",
                ),
            };
            let bound = match e.bound {
                Bound::AtLeast => "at least",
                Bound::AtMost => "at most",
            };
            let est = &j.estimate;
            let measured = if est.n == 0 {
                "undefined".to_string()
            } else if est.half_width.is_none() {
                format!(
                    "{} ({})",
                    format_value(est.mean, unit),
                    super::table::NO_INTERVAL
                )
            } else {
                let (low, high) = clipped(est.low(), est.high(), unit);
                format!(
                    "{} (95% CI {} to {})",
                    format_value(est.mean, unit),
                    format_value(low, unit),
                    format_value(high, unit)
                )
            };
            VerdictLine {
                verdict,
                why,
                assertion: format!("{} {bound} {}", e.metric, format_value(e.value, unit)),
                measured,
                file: e.location.file.clone(),
                line: e.location.line,
            }
        })
        .collect()
}

/// "3 of 4 assertions pass (1 inconclusive)", or `None` without assertions.
///
/// The same words start a sentence in the documents: [`capitalised`].
pub fn verdict_tally(s: &Summary) -> Option<String> {
    if s.verdicts.is_empty() {
        return None;
    }
    let count = |v: Verdict| s.verdicts.iter().filter(|j| j.verdict == v).count();
    let mut others = vec![];
    for (v, word) in [
        (Verdict::Fail, "failed"),
        (Verdict::Inconclusive, "inconclusive"),
        (Verdict::Undefined, "undefined"),
    ] {
        let n = count(v);
        if n > 0 {
            others.push(format!("{n} {word}"));
        }
    }
    let total = s.verdicts.len();
    let pass = count(Verdict::Pass);
    let noun = if total == 1 {
        "assertion"
    } else {
        "assertions"
    };
    Some(if others.is_empty() {
        format!("all {total} {noun} pass")
    } else {
        format!("{pass} of {total} {noun} pass ({})", others.join(", "))
    })
}

/// Every metric's row, in catalogue order.
pub fn rows(s: &Summary) -> Vec<Row<'_>> {
    s.metrics().map(|(m, e)| row(s, m, e)).collect()
}

/// The facts of the study, as (label, value) pairs.
pub fn facts(s: &Summary) -> Vec<(&'static str, String)> {
    let mut facts = vec![
        ("Seed", s.seed.to_string()),
        ("Replications", s.replications.to_string()),
        ("Mode", mode_text(s).to_string()),
        ("Horizon", Duration(s.horizon).to_string()),
        ("Deadline", Duration(s.deadline).to_string()),
    ];
    if s.warmup > 0 {
        // Said only with a warm-up, so reports without one keep their facts.
        facts.push((
            "Warm-up",
            format!(
                "{} (left out of every metric; the charts over time shade it)",
                Duration(s.warmup)
            ),
        ));
    }
    facts.extend([
        (
            "Confidence level",
            "95% (Student t over replications)".to_string(),
        ),
        ("iotwin", env!("CARGO_PKG_VERSION").to_string()),
    ]);
    facts
}

/// `text` with its first letter in capitals.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The mode the study ran in, in words.
pub fn mode_text(s: &Summary) -> &'static str {
    match s.mode {
        crate::montecarlo::Mode::Flow => {
            "flow (telemetry accounted in aggregate between state changes)"
        }
        _ => "packet (every message simulated)",
    }
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
            "Mean messages lost per replication for each cause that lost any message in some replication (the table below lists every cause); whiskers span the 95% confidence interval.",
        ),
        Kind::Cost => (
            "Cost breakdown",
            "Mean cost per replication over the horizon, stacked by component.",
        ),
    }
}

/// The reading guide of chart `kind` for summary `s`: [`chart_text`]'s, and with a warm-up
/// what its grey band means (docs/model.md, "Warm-up"): the completeness series is drawn over
/// the whole run and the band is what its metrics leave out; survival curves follow the
/// devices' lives from the start, warm-up included, as a reliability curve does.
pub fn chart_guide(kind: Kind, s: &Summary) -> String {
    let guide = chart_text(kind).1;
    if s.warmup == 0 {
        return guide.to_string();
    }
    let warm_up = Duration(s.warmup);
    match kind {
        Kind::Completeness => format!(
            "{guide} The grey band is the warm-up ({warm_up}): drawn, but left out of every metric."
        ),
        Kind::Survival | Kind::Battery => format!(
            "{guide} The curve follows the devices' lives from the start, warm-up ({warm_up}, the grey band) included, as a reliability curve does; the metrics count from the warm-up's end."
        ),
        _ => format!("{guide} Of the measured window, after the warm-up ({warm_up})."),
    }
}

/// Share of the messages lost to capacity above which a report's headline says so.
pub const CAPACITY_WARNING_SHARE: f64 = 0.01;

/// "8.3% of the messages were lost to buffer overflow: gateway "mno-core" is busy 99.8% of the
/// time", when more than [`CAPACITY_WARNING_SHARE`] of the messages were lost to a full buffer
/// or a busy server with no buffer; `None` otherwise. `mean` gives a metric's mean by id and
/// `ids` lists the metrics present (for the gateways' utilisations). With no gateway the
/// overflow is in device buffers (readings kept through outages longer than the buffers).
pub fn capacity_warning<'a>(
    mean: &dyn Fn(&str) -> Option<f64>,
    ids: impl Iterator<Item = &'a str>,
) -> Option<String> {
    let generated = mean("messages_generated")?;
    let lost = mean("lost_buffer_overflow")?;
    let share = lost / generated;
    if generated <= 0.0 || share.is_nan() || share <= CAPACITY_WARNING_SHARE {
        return None;
    }
    let busiest = ids
        .filter_map(|id| Some((id.strip_prefix("gateway_utilisation:")?, mean(id)?)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let percent = |x: f64| format!("{:.1}%", 100.0 * x);
    Some(match busiest {
        Some((gateway, busy)) if busy > 0.0 => format!(
            "{} of the messages were lost to capacity (a full buffer, or a busy server with no \
             buffer): gateway \"{gateway}\" is busy {} of the time",
            percent(share),
            percent(busy)
        ),
        Some((gateway, _)) => format!(
            "{} of the messages were lost to full buffers: gateway \"{gateway}\" has no \
             forwarding limit, so its buffer or its devices' fill during outages",
            percent(share)
        ),
        None => format!(
            "{} of the messages were lost to full device buffers: outages outlast what the \
             devices can keep",
            percent(share)
        ),
    })
}

/// [`capacity_warning`] for one study.
pub fn summary_capacity_warning(s: &Summary) -> Option<String> {
    let mean = |id: &str| s.estimate(id).map(|e| e.mean);
    capacity_warning(&mean, s.metrics.iter().map(|m| m.id.as_str()))
}
