//! Judging a scenario's `expect` assertions against a study's estimates, for `iotwin check`.
//!
//! An assertion passes when its whole 95% confidence interval satisfies it, fails when the whole
//! interval violates it, and is inconclusive when the interval straddles the bound: more
//! replications would tell. With one replication there is no interval and the mean decides.

use crate::metrics;
use crate::scenario::{Bound, Deployment, Diagnostic, Expectation, ScenarioError};

use super::{Estimate, Summary};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
    /// No replication defines the metric (a time to recover when nothing was interrupted):
    /// the scenario never exercised what the assertion is about.
    Undefined,
}

/// One assertion, the estimate it was judged on, and the verdict.
#[derive(Clone, Debug)]
pub struct Judgement {
    pub expectation: Expectation,
    pub estimate: Estimate,
    pub verdict: Verdict,
}

/// Refuses assertions on metrics that do not exist, pointing at where they were written.
pub fn validate(dep: &Deployment) -> Result<(), ScenarioError> {
    for e in &dep.expectations {
        let known = metrics::catalog(dep);
        if !known.iter().any(|m| m.id == e.metric) {
            let ids = known.iter().map(|m| m.id.as_str());
            let hint = match crate::scenario::closest_name(&e.metric, ids.clone()) {
                Some(guess) => format!("did you mean \"{guess}\"? `iotwin run` lists every metric"),
                None => format!("known metrics: {}", ids.collect::<Vec<_>>().join(", ")),
            };
            let mut d: Diagnostic = e.location.clone();
            d.message = format!("unknown metric \"{}\"", e.metric);
            d.hint = hint;
            return Err(d.into());
        }
    }
    Ok(())
}

/// Judges every assertion of `dep` on `summary`. Call [`validate`] first.
pub fn judge(dep: &Deployment, summary: &Summary) -> Vec<Judgement> {
    dep.expectations
        .iter()
        .filter_map(|e| {
            let estimate = *summary.estimate(&e.metric)?;
            Some(Judgement {
                expectation: e.clone(),
                estimate,
                verdict: verdict(e, &estimate),
            })
        })
        .collect()
}

fn verdict(e: &Expectation, est: &Estimate) -> Verdict {
    if est.n == 0 {
        return Verdict::Undefined;
    }
    let (low, high) = (est.low(), est.high());
    let (all_good, all_bad) = match e.bound {
        Bound::AtLeast => (low >= e.value, high < e.value),
        Bound::AtMost => (high <= e.value, low > e.value),
    };
    if all_good {
        Verdict::Pass
    } else if all_bad {
        Verdict::Fail
    } else {
        Verdict::Inconclusive
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Position;

    fn expectation(bound: Bound, value: f64) -> Expectation {
        let location = Diagnostic::new(
            "",
            "t.ron",
            Position { line: 1, column: 1 },
            "",
            String::new(),
            String::new(),
        );
        Expectation {
            metric: "data_completeness".into(),
            bound,
            value,
            location,
        }
    }

    fn estimate(mean: f64, half_width: f64) -> Estimate {
        Estimate {
            mean,
            half_width: Some(half_width),
            std_dev: 0.0,
            min: mean,
            max: mean,
            n: 10,
            bounds: None,
        }
    }

    #[test]
    fn the_whole_interval_decides() {
        let at_least = expectation(Bound::AtLeast, 0.99);
        assert_eq!(verdict(&at_least, &estimate(0.995, 0.001)), Verdict::Pass);
        assert_eq!(verdict(&at_least, &estimate(0.985, 0.001)), Verdict::Fail);
        assert_eq!(
            verdict(&at_least, &estimate(0.9905, 0.001)),
            Verdict::Inconclusive
        );
        let at_most = expectation(Bound::AtMost, 0.0);
        assert_eq!(verdict(&at_most, &estimate(0.0, 0.0)), Verdict::Pass);
        assert_eq!(verdict(&at_most, &estimate(3.0, 1.0)), Verdict::Fail);
        let never = Estimate {
            n: 0,
            ..estimate(f64::NAN, 0.0)
        };
        assert_eq!(verdict(&at_most, &never), Verdict::Undefined);
    }
}
