//! Paired comparison of designs run on common random numbers (invariant 2 in ARCHITECTURE.md).
//!
//! Replication `r` of every design draws the same random numbers for the entities the designs
//! share (same seed, same replication index, same ids), so the designs face the same outages,
//! failures and traffic. The per-replication difference `B_r − A_r` then cancels that shared
//! noise, and its Student-t interval is much tighter than one built from two independent means:
//! that is why a comparison pairs replications instead of comparing two summaries.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{Estimate, RunOptions, Summary, estimate};
use crate::metrics::Better;
use crate::scenario::Deployment;

/// The options that make a set of designs comparable: one seed and one replication count for
/// all. Where `opts` leaves them open, the seed is the first design's and the replication
/// count the largest of the designs' own, so no design gets fewer replications than it asks.
pub fn common_options(designs: &[Deployment], opts: &RunOptions) -> RunOptions {
    RunOptions {
        replications: opts
            .replications
            .or_else(|| designs.iter().map(|d| d.replications).max()),
        seed: opts.seed.or_else(|| designs.first().map(|d| d.seed)),
        threads: opts.threads,
        // One mode for every design, so differences are not differences of method: `auto`
        // is flow mode only if it would pick flow mode for each design.
        mode: match opts.mode {
            super::Mode::Auto
                if designs.iter().all(|d| {
                    super::resolve_mode(d, super::Mode::Auto) == Ok(super::Mode::Flow)
                }) =>
            {
                super::Mode::Flow
            }
            super::Mode::Auto => super::Mode::Packet,
            asked => asked,
        },
    }
}

/// One design against the baseline on one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Versus {
    /// The design's own estimate of the metric.
    pub estimate: Estimate,
    /// The paired differences `design_r − baseline_r` over replications where both are
    /// defined: mean and 95% Student-t interval (`n` counts the pairs).
    pub difference: Estimate,
    /// Share of pairs in which the design is strictly better; `None` for a metric that is
    /// neither better higher nor lower, or with no pairs.
    pub share_better: Option<f64>,
    /// One-sided paired-t probability that the mean difference favours the design:
    /// the t CDF (n − 1 df) at mean/se in the better direction. `None` where `share_better`
    /// is, or with fewer than two pairs. With no spread (se = 0) it is 1, 0 or ½ by the sign
    /// of the mean.
    pub p_better: Option<f64>,
}

/// One metric compared across designs.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricComparison {
    pub id: String,
    pub unit: &'static str,
    pub better: Better,
    /// The baseline's (first design's) estimate.
    pub baseline: Estimate,
    /// One per other design, in the order given.
    pub versus: Vec<Versus>,
}

/// Every design against the first, on the metrics they all have.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Scenario names, baseline first.
    pub designs: Vec<String>,
    pub seed: u64,
    pub replications: u32,
    /// The mode every design ran in (one mode for all: see [`common_options`]).
    pub mode: super::Mode,
    /// In the baseline's metric order; metrics some design lacks (per-site or per-gateway
    /// metrics of entities it does not have) are left out.
    pub metrics: Vec<MetricComparison>,
}

/// Compares `summaries[1..]` against `summaries[0]`, replication by replication. The summaries
/// must come from [`common_options`] (same seed and replication count); pairs are formed over
/// the replications both have.
pub fn compare(summaries: &[Summary]) -> Comparison {
    let Some((base, others)) = summaries.split_first() else {
        return Comparison {
            designs: vec![],
            seed: 0,
            replications: 0,
            mode: super::Mode::Packet,
            metrics: vec![],
        };
    };
    let metrics = base
        .metrics
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let columns: Option<Vec<usize>> = others.iter().map(|s| s.index_of(&m.id)).collect();
            let columns = columns?;
            let versus = others
                .iter()
                .zip(columns)
                .map(|(s, j)| versus(base, i, s, j, m.better))
                .collect();
            Some(MetricComparison {
                id: m.id.clone(),
                unit: m.unit,
                better: m.better,
                baseline: base.estimates[i],
                versus,
            })
        })
        .collect();
    Comparison {
        designs: summaries.iter().map(|s| s.scenario.clone()).collect(),
        seed: base.seed,
        replications: base.replications,
        mode: base.mode,
        metrics,
    }
}

/// Column `j` of `design` against column `i` of `base`, paired by replication.
#[expect(
    clippy::expect_used,
    reason = "the column index comes from index_of on the same summary"
)]
fn versus(base: &Summary, i: usize, design: &Summary, j: usize, better: Better) -> Versus {
    let diffs: Vec<f64> = base
        .per_replication
        .iter()
        .zip(&design.per_replication)
        .map(|(a, b)| b[j] - a[i])
        .filter(|d| !d.is_nan())
        .collect();
    let difference = estimate(diffs.iter().copied());
    // +1 when a positive difference favours the design, −1 when a negative one does.
    let sign = match better {
        Better::Higher => 1.0,
        Better::Lower => -1.0,
        Better::Neither => 0.0,
    };
    let judged = sign != 0.0 && !diffs.is_empty();
    let share_better = judged.then(|| {
        let wins = diffs.iter().filter(|&&d| sign * d > 0.0).count();
        wins as f64 / diffs.len() as f64
    });
    let p_better = (judged && difference.n >= 2).then(|| {
        let favour = sign * difference.mean;
        let se = difference.std_dev / (difference.n as f64).sqrt();
        if se == 0.0 || !se.is_finite() {
            return if favour > 0.0 {
                1.0
            } else if favour < 0.0 {
                0.0
            } else {
                0.5
            };
        }
        StudentsT::new(0.0, 1.0, (difference.n - 1) as f64)
            .map(|t| t.cdf(favour / se))
            .unwrap_or(f64::NAN)
    });
    Versus {
        // ok: `j` comes from `index_of` on this design's own summary.
        estimate: *design
            .estimates
            .get(j)
            .expect("column index comes from index_of"),
        difference,
        share_better,
        p_better,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metric;

    fn summary(name: &str, ids: &[(&str, Better)], rows: Vec<Vec<f64>>) -> Summary {
        let metrics: Vec<Metric> = ids
            .iter()
            .map(|(id, b)| Metric {
                id: id.to_string(),
                unit: "ratio",
                definition: String::new(),
                better: *b,
            })
            .collect();
        let estimates = (0..metrics.len())
            .map(|m| estimate(rows.iter().map(|r| r[m]).filter(|v| !v.is_nan())))
            .collect();
        Summary {
            scenario: name.into(),
            description: String::new(),
            seed: 1,
            replications: rows.len() as u32,
            mode: crate::montecarlo::Mode::Packet,
            horizon: 0,
            warmup: 0,
            deadline: 0,
            per_replication: rows,
            extras: vec![],
            metrics,
            estimates,
            verdicts: vec![],
            recovery_p95: None,
        }
    }

    #[test]
    fn pairs_skip_nan_and_direction_decides_better() {
        let a = summary(
            "a",
            &[
                ("avail", Better::Higher),
                ("lost", Better::Lower),
                ("only_a", Better::Neither),
            ],
            vec![
                vec![0.9, 5.0, 1.0],
                vec![0.8, f64::NAN, 1.0],
                vec![0.7, 3.0, 1.0],
            ],
        );
        let b = summary(
            "b",
            &[("lost", Better::Lower), ("avail", Better::Higher)],
            vec![vec![4.0, 0.95], vec![1.0, 0.8], vec![3.0, 0.75]],
        );
        let c = compare(&[a, b]);
        let ids: Vec<&str> = c.metrics.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            ids,
            ["avail", "lost"],
            "only the common metrics, baseline order"
        );
        let avail = &c.metrics[0].versus[0];
        assert_eq!(avail.difference.n, 3);
        // Differences 0.05, 0 (a tie: neither), 0.05.
        assert_eq!(avail.share_better, Some(2.0 / 3.0));
        assert!(avail.p_better.unwrap() > 0.5);
        let lost = &c.metrics[1].versus[0];
        assert_eq!(lost.difference.n, 2, "the NaN pair is skipped");
        assert_eq!(lost.difference.mean, -0.5);
        assert_eq!(lost.share_better, Some(0.5));
        // A tie and a win: mean 0.5 in favour, se 0.5, t = 1 with 1 df (Cauchy): 0.75.
        assert!((lost.p_better.unwrap() - 0.75).abs() < 1e-12);
    }

    #[test]
    fn neither_metrics_get_a_difference_but_no_probability() {
        let rows = vec![vec![1.0], vec![2.0]];
        let a = summary("a", &[("events", Better::Neither)], rows.clone());
        let b = summary(
            "b",
            &[("events", Better::Neither)],
            vec![vec![2.0], vec![4.0]],
        );
        let v = &compare(&[a, b]).metrics[0].versus[0];
        assert_eq!(v.difference.mean, 1.5);
        assert_eq!((v.share_better, v.p_better), (None, None));
    }
}
