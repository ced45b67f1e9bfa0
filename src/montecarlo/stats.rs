//! Point estimates and Student-t confidence intervals over replications.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean of a metric over replications with its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    /// Half-width of the 95% Student-t interval; `None` with fewer than two replications.
    pub half_width: Option<f64>,
    pub std_dev: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

impl Estimate {
    pub fn low(&self) -> f64 {
        self.mean - self.half_width.unwrap_or(0.0)
    }

    pub fn high(&self) -> f64 {
        self.mean + self.half_width.unwrap_or(0.0)
    }
}

/// Summarises values in the order given (sums run sequentially, so the result is bit-stable).
pub fn estimate(values: impl Iterator<Item = f64>) -> Estimate {
    let values: Vec<f64> = values.collect();
    let n = values.len();
    if n == 0 {
        return Estimate {
            mean: f64::NAN,
            half_width: None,
            std_dev: 0.0,
            min: f64::NAN,
            max: f64::NAN,
            n,
        };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if n < 2 {
        return Estimate {
            mean,
            half_width: None,
            std_dev: 0.0,
            min,
            max,
            n,
        };
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let std_dev = variance.sqrt();
    let t = t_quantile_975(n - 1);
    Estimate {
        mean,
        half_width: Some(t * std_dev / (n as f64).sqrt()),
        std_dev,
        min,
        max,
        n,
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile_975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(1.959_963_984_540_054)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_interval_matches_tables() {
        // t(0.975, 4) = 2.776 from any table.
        assert!((t_quantile_975(4) - 2.776_445).abs() < 1e-5);
        let e = estimate([1.0, 2.0, 3.0, 4.0, 5.0].into_iter());
        assert_eq!(e.mean, 3.0);
        let expected = 2.776_445 * (2.5f64).sqrt() / 5f64.sqrt();
        assert!((e.half_width.unwrap() - expected).abs() < 1e-5);
    }

    #[test]
    fn one_replication_has_no_interval() {
        let e = estimate([7.0].into_iter());
        assert_eq!((e.mean, e.half_width), (7.0, None));
    }
}
