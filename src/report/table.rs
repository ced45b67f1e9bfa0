//! The summary table printed at the end of a run.

use crate::engine::Duration;
use crate::montecarlo::Summary;

/// A value formatted for its unit: ratios as percentages with enough digits to tell 99.9%
/// from 99.99%, counts with thousands separators.
pub fn format_value(value: f64, unit: &str) -> String {
    if !value.is_finite() {
        return "-".to_string();
    }
    match unit {
        "ratio" => format!("{:.4}%", value * 100.0),
        // Long times read better as durations: 15448 s is 4h 17m 28s.
        "s" if value.abs() >= 100.0 => format!(
            "{} s ({})",
            thousands(value.round() as i64),
            Duration::from_secs(value.abs().round() as u64)
        ),
        // A clipped interval's end or a time that never occurred: no false precision.
        "s" if value == 0.0 => "0 s".to_string(),
        "s" => format!("{value:.4} s"),
        _ if value.fract() == 0.0 && value.abs() < 1e15 => thousands(value as i64),
        _ if value.abs() >= 100.0 => thousands(value.round() as i64),
        _ => format!("{value:.3}"),
    }
}

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// What a report says instead of an interval when only one replication defines the metric.
pub const NO_INTERVAL: &str = "one replication: no interval";

/// The range a metric's values can take, by unit: shares in [0, 1]; counts, durations and
/// amounts at least 0 (every metric iotwin reports is one of these).
pub fn metric_range(unit: &str) -> (f64, f64) {
    match unit {
        "ratio" => (0.0, 1.0),
        _ => (0.0, f64::INFINITY),
    }
}

/// The 95% interval as reports display it: the Student-t interval `low..high` clipped to the
/// metric's range, so a share never reads above 100% nor a count below 0. `summary.json` keeps
/// the raw interval.
pub fn clipped(low: f64, high: f64, unit: &str) -> (f64, f64) {
    let (min, max) = metric_range(unit);
    (low.clamp(min, max), high.clamp(min, max))
}

/// `± h` of a 95% interval in the metric's unit, or why there is none.
pub(crate) fn half_width(value: Option<f64>, unit: &str) -> String {
    match value {
        None => NO_INTERVAL.to_string(),
        Some(h) => match unit {
            "ratio" => format!("± {:.4}%", h * 100.0),
            "s" if h >= 100.0 => format!("± {} s", thousands(h.round() as i64)),
            "s" => format!("± {h:.4} s"),
            _ if h >= 100.0 => format!("± {}", thousands(h.round() as i64)),
            _ => format!("± {h:.3}"),
        },
    }
}

/// A plain-text table: metric, mean, 95% confidence interval.
pub fn summary_table(s: &Summary) -> String {
    let rows: Vec<[String; 3]> = s
        .metrics()
        .map(|(def, e)| {
            let interval = if e.n == 0 {
                "undefined in every replication".to_string()
            } else if let Some((low, high)) = e.bounds {
                let (low, high) = clipped(low, high, def.unit);
                format!(
                    "{} to {}",
                    format_value(low, def.unit),
                    format_value(high, def.unit)
                )
            } else {
                half_width(e.half_width, def.unit)
            };
            [def.id.clone(), format_value(e.mean, def.unit), interval]
        })
        .collect();
    let headers = ["metric", "mean", "95% CI"];
    let widths: Vec<usize> = (0..3)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([headers[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!(
        "{} — {} replications, seed {}, horizon {}, deadline {}, {} mode\n\n",
        s.scenario,
        s.replications,
        s.seed,
        Duration(s.horizon),
        Duration(s.deadline),
        s.mode.name()
    );
    if let Some(warning) = super::content::summary_capacity_warning(s) {
        out.push_str(&format!("WARNING: {warning}.\n\n"));
    }
    let line = |cells: [&str; 3]| {
        format!(
            "{:<w0$}  {:>w1$}  {:<w2$}\n",
            cells[0],
            cells[1],
            cells[2],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        )
    };
    out.push_str(&line(headers));
    out.push_str(&line([
        &"-".repeat(widths[0]),
        &"-".repeat(widths[1]),
        &"-".repeat(widths[2]),
    ]));
    for r in &rows {
        out.push_str(&line([&r[0], &r[1], &r[2]]));
    }
    out
}

/// One line per assertion: verdict, the assertion, the measured mean and interval, and where
/// the assertion is written; a tally first.
pub fn judgements_table(s: &Summary) -> String {
    let Some(tally) = super::content::verdict_tally(s) else {
        return String::new();
    };
    let mut out = format!("\n{tally}:\n");
    for l in super::content::verdicts(s) {
        let why = if l.why.is_empty() {
            String::new()
        } else {
            format!(" ({})", l.why)
        };
        out.push_str(&format!(
            "  {}{why}: {} — measured {} [{}:{}]\n",
            l.verdict, l.assertion, l.measured, l.file, l.line
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_well() {
        assert_eq!(format_value(1234567.0, "messages"), "1,234,567");
        assert_eq!(format_value(0.999912, "ratio"), "99.9912%");
        assert_eq!(format_value(0.05, "s"), "0.0500 s");
    }

    #[test]
    fn intervals_are_clipped_to_the_metric_range() {
        assert_eq!(clipped(0.995, 1.003, "ratio"), (0.995, 1.0));
        assert_eq!(clipped(-0.01, 0.02, "ratio"), (0.0, 0.02));
        assert_eq!(clipped(-3.5, 12.0, "messages"), (0.0, 12.0));
        assert_eq!(clipped(-3.5, 12.0, "EUR"), (0.0, 12.0));
        assert_eq!(clipped(2.0, 5.0, "s"), (2.0, 5.0));
        assert_eq!(half_width(None, "ratio"), NO_INTERVAL);
    }
}

/// A text cell made safe for a spreadsheet: text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is read as a formula by Excel and LibreOffice (a site named
/// `=HYPERLINK(...)`), so it gets a leading `'`, which they show as text. Numbers such as
/// `-0.5` are left as they are.
pub fn csv_text(text: &str) -> String {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod csv_tests {
    use super::csv_text;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        assert_eq!(
            csv_text("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(csv_text("availability:@cmd"), "availability:@cmd");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("+1+1"), "'+1+1");
        assert_eq!(csv_text("-0.5"), "-0.5");
        assert_eq!(csv_text("data_completeness"), "data_completeness");
    }
}
