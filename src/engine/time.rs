//! Integer simulation time.
//!
//! A tick is one microsecond. Times are `u64` ticks since the start of a run (enough for
//! 584,000 years); durations are [`Duration`], written by people as strings such as `"250ms"`,
//! `"90s"`, `"2h"`, `"365d"`, `"10y"`, `"1h 30m"` or `"3d 02:00"`. A year is 365 days: scenario
//! horizons are engineering years, not calendar years.

use std::fmt;

/// Simulation time in ticks (microseconds) since the start of a run.
pub type Ticks = u64;

/// Ticks in one second.
pub const TICKS_PER_SECOND: u64 = 1_000_000;

/// A span of simulation time, in ticks of one microsecond.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub u64);

/// Units a duration may be written in, longest name first so that `ms` is not read as `m`.
const UNITS: &[(&str, u64)] = &[
    ("min", 60 * TICKS_PER_SECOND),
    ("ms", 1_000),
    ("us", 1),
    ("µs", 1),
    ("y", 365 * 86_400 * TICKS_PER_SECOND),
    ("w", 7 * 86_400 * TICKS_PER_SECOND),
    ("d", 86_400 * TICKS_PER_SECOND),
    ("h", 3_600 * TICKS_PER_SECOND),
    ("m", 60 * TICKS_PER_SECOND),
    ("s", TICKS_PER_SECOND),
];

/// Why a duration string was refused, phrased for the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("empty duration; write a number and a unit, e.g. \"90s\" or \"2h\"")]
    Empty,
    #[error(
        "\"{0}\" has no unit; write e.g. \"{0}s\" or \"{0}ms\" (units: us, ms, s, m, h, d, w, y)"
    )]
    MissingUnit(String),
    #[error("unknown unit \"{unit}\" in \"{text}\" (units: us, ms, s, m, h, d, w, y)")]
    UnknownUnit { text: String, unit: String },
    #[error(
        "\"{text}\" spells its unit out; write \"{written}\" (units: us, ms, s, m, h, d, w, y)"
    )]
    SpelledOut { text: String, written: String },
    #[error("durations cannot be negative: \"{0}\"")]
    Negative(String),
    #[error(
        "\"{0}\" is not a duration; write e.g. \"250ms\", \"90s\", \"2h\", \"365d\" or \"3d 02:00\""
    )]
    Malformed(String),
    #[error("\"{0}\" is finer than the 1 µs tick")]
    TooFine(String),
    #[error("\"{0}\" is too long to represent")]
    TooLong(String),
    #[error(
        "\"{text}\": {field} {value} is out of range (below {limit}); carry it into the next unit, e.g. \"3d 02:00\" or \"1h 30m\""
    )]
    ClockField {
        text: String,
        field: &'static str,
        value: String,
        limit: u32,
    },
}

impl Duration {
    pub const ZERO: Duration = Duration(0);

    /// Saturates at the longest duration (584,000 years) rather than wrapping: callers pass
    /// figures computed from input, such as an estimate of a run's length.
    pub const fn from_secs(s: u64) -> Duration {
        Duration(s.saturating_mul(TICKS_PER_SECOND))
    }

    /// Saturates like [`Duration::from_secs`].
    pub const fn from_millis(ms: u64) -> Duration {
        Duration(ms.saturating_mul(1_000))
    }

    pub const fn ticks(self) -> Ticks {
        self.0
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / TICKS_PER_SECOND as f64
    }

    /// Parses `"250ms"`, `"1.5h"`, `"1h 30m"`, `"3d 02:00"` or `"02:00:30"` exactly: decimal
    /// fractions are converted in integer arithmetic, never through a float.
    pub fn parse(text: &str) -> Result<Duration, DurationError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(DurationError::Empty);
        }
        if trimmed.starts_with('-') {
            return Err(DurationError::Negative(trimmed.to_string()));
        }
        if let Some(written) = spelled_out(trimmed) {
            return Err(DurationError::SpelledOut {
                text: trimmed.to_string(),
                written,
            });
        }
        let too_long = || DurationError::TooLong(trimmed.to_string());
        let mut total: u128 = 0;
        for (n, part) in trimmed.split_whitespace().enumerate() {
            let term = if part.contains(':') {
                parse_clock(part, trimmed, n > 0)?
            } else {
                parse_term(part, trimmed)?
            };
            // Checked: a sum of terms each below u128::MAX can still wrap (`"<u128::MAX>us 2us"`).
            total = total.checked_add(term).ok_or_else(too_long)?;
        }
        u64::try_from(total)
            .map(Duration)
            .map_err(|_| DurationError::TooLong(trimmed.to_string()))
    }
}

/// `"1 minute"` or `"90 seconds"` written the way iotwin reads them (`"1m"`, `"90s"`), or
/// `None` if `text` is not a number and a unit spelled out.
fn spelled_out(text: &str) -> Option<String> {
    let mut words = text.split_whitespace();
    let (number, word, None) = (words.next()?, words.next()?, words.next()) else {
        return None;
    };
    if !number.starts_with(|c: char| c.is_ascii_digit()) || number.parse::<f64>().is_err() {
        return None;
    }
    let unit = match word.to_ascii_lowercase().as_str() {
        "us" | "µs" | "microsecond" | "microseconds" => "us",
        "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => "ms",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        "m" | "min" | "mins" | "minute" | "minutes" => "m",
        "h" | "hr" | "hrs" | "hour" | "hours" => "h",
        "d" | "day" | "days" => "d",
        "w" | "wk" | "wks" | "week" | "weeks" => "w",
        "y" | "yr" | "yrs" | "year" | "years" => "y",
        _ => return None,
    };
    Some(format!("{number}{unit}"))
}

/// One `<number><unit>` term, possibly several glued together as in `"1h30m"`.
fn parse_term(mut part: &str, whole: &str) -> Result<u128, DurationError> {
    let mut total = 0u128;
    let mut glued = false;
    while !part.is_empty() {
        // A term glued to the previous one starts with a digit (`1h30m`); `30d.90d` is a typo,
        // not thirty days and nine tenths of a day.
        if glued && !part.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(DurationError::Malformed(whole.to_string()));
        }
        glued = true;
        let digits_end = part
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .unwrap_or(part.len());
        let (number, rest) = part.split_at(digits_end);
        if number.is_empty() {
            return Err(DurationError::Malformed(whole.to_string()));
        }
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let (unit, rest) = rest.split_at(unit_end);
        if unit.is_empty() {
            return Err(DurationError::MissingUnit(whole.to_string()));
        }
        let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(DurationError::UnknownUnit {
                text: whole.to_string(),
                unit: unit.to_string(),
            });
        };
        total = total
            .checked_add(scaled_decimal(number, scale, whole)?)
            .ok_or_else(|| DurationError::TooLong(whole.to_string()))?;
        part = rest;
    }
    Ok(total)
}

/// `HH:MM` or `HH:MM:SS` (seconds may have a fraction), as in `"3d 02:00"`. Minutes and
/// seconds are below 60, and hours below 24 after another term (`"3d 25:00"` is a typo for
/// `"4d 01:00"`); a clock on its own may count any number of hours (`"36:00"`).
fn parse_clock(part: &str, whole: &str, after_term: bool) -> Result<u128, DurationError> {
    let fields: Vec<&str> = part.split(':').collect();
    if !(2..=3).contains(&fields.len()) || fields.iter().any(|f| f.is_empty()) {
        return Err(DurationError::Malformed(whole.to_string()));
    }
    let hours = scaled_decimal(fields[0], 3_600 * TICKS_PER_SECOND, whole)?;
    let minutes = scaled_decimal(fields[1], 60 * TICKS_PER_SECOND, whole)?;
    let seconds = match fields.get(2) {
        Some(s) => scaled_decimal(s, TICKS_PER_SECOND, whole)?,
        None => 0,
    };
    let out_of_range = |field: &'static str, value: &str, limit: u32| DurationError::ClockField {
        text: whole.to_string(),
        field,
        value: value.to_string(),
        limit,
    };
    if after_term && hours >= 24 * 3_600 * TICKS_PER_SECOND as u128 {
        return Err(out_of_range("hours", fields[0], 24));
    }
    if minutes >= 3_600 * TICKS_PER_SECOND as u128 {
        return Err(out_of_range("minutes", fields[1], 60));
    }
    if seconds >= 60 * TICKS_PER_SECOND as u128 {
        return Err(out_of_range("seconds", fields[2], 60));
    }
    hours
        .checked_add(minutes + seconds)
        .ok_or_else(|| DurationError::TooLong(whole.to_string()))
}

/// `number × scale` for a decimal `number`, exactly, refusing results finer than a tick.
fn scaled_decimal(number: &str, scale: u64, whole: &str) -> Result<u128, DurationError> {
    let number = number.replace('_', "");
    let (int_part, frac_part) = number.split_once('.').unwrap_or((&number, ""));
    if int_part.is_empty() && frac_part.is_empty() || frac_part.contains('.') {
        return Err(DurationError::Malformed(whole.to_string()));
    }
    let too_long = || DurationError::TooLong(whole.to_string());
    let int: u128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| too_long())?
    };
    let mut ticks = int.checked_mul(scale as u128).ok_or_else(too_long)?;
    if !frac_part.is_empty() {
        if frac_part.len() > 30 {
            return Err(DurationError::TooFine(whole.to_string()));
        }
        let frac: u128 = frac_part.parse().map_err(|_| too_long())?;
        let denominator = 10u128.pow(frac_part.len() as u32);
        let numerator = frac.checked_mul(scale as u128).ok_or_else(too_long)?;
        if numerator % denominator != 0 {
            return Err(DurationError::TooFine(whole.to_string()));
        }
        ticks = ticks
            .checked_add(numerator / denominator)
            .ok_or_else(too_long)?;
    }
    Ok(ticks)
}

impl fmt::Display for Duration {
    /// Prints the duration in the largest units that represent it exactly, e.g. `1h 30m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        const PRINT: &[(&str, u64)] = &[
            ("y", 365 * 86_400 * TICKS_PER_SECOND),
            ("d", 86_400 * TICKS_PER_SECOND),
            ("h", 3_600 * TICKS_PER_SECOND),
            ("m", 60 * TICKS_PER_SECOND),
            ("s", TICKS_PER_SECOND),
            ("ms", 1_000),
            ("us", 1),
        ];
        let mut rest = self.0;
        let mut first = true;
        for &(unit, scale) in PRINT {
            if rest >= scale {
                if !first {
                    f.write_str(" ")?;
                }
                write!(f, "{}{unit}", rest / scale)?;
                rest %= scale;
                first = false;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for Duration {
    type Err = DurationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Duration::parse(s)
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string such as \"250ms\", \"90s\", \"2h\" or \"10y\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
                Err(E::custom(DurationError::MissingUnit(v.to_string())))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Duration, E> {
                Err(E::custom(DurationError::MissingUnit(v.to_string())))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Duration, E> {
                Err(E::custom(DurationError::MissingUnit(v.to_string())))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_spelled_out_is_answered_with_the_short_form() {
        for (text, written) in [
            ("1 minute", "1m"),
            ("90 seconds", "90s"),
            ("2 Hours", "2h"),
            ("1.5 days", "1.5d"),
            ("250 ms", "250ms"),
            ("10 years", "10y"),
        ] {
            assert_eq!(
                Duration::parse(text),
                Err(DurationError::SpelledOut {
                    text: text.to_string(),
                    written: written.to_string()
                }),
                "{text}"
            );
        }
        let message = Duration::parse("1 minute").unwrap_err().to_string();
        assert!(message.contains("write \"1m\""), "{message}");
        assert!(!message.contains("minutems"), "{message}");
        // Two real terms are still a sum.
        assert_eq!(Duration::parse("1h 30m"), Ok(Duration(5_400_000_000)));
    }

    #[test]
    fn parses_the_units_people_write() {
        let cases = [
            ("250ms", 250_000),
            ("90s", 90_000_000),
            ("2h", 7_200_000_000),
            ("365d", 365 * 86_400_000_000),
            ("10y", 10 * 365 * 86_400_000_000),
            ("1h 30m", 5_400_000_000),
            ("1h30m", 5_400_000_000),
            ("1.5h", 5_400_000_000),
            ("3d 02:00", 3 * 86_400_000_000 + 7_200_000_000),
            ("00:00:01.5", 1_500_000),
            ("5min", 300_000_000),
            ("7us", 7),
            ("1w", 7 * 86_400_000_000),
            (" 0s ", 0),
        ];
        for (text, ticks) in cases {
            assert_eq!(Duration::parse(text), Ok(Duration(ticks)), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        assert_eq!(
            Duration::parse("60"),
            Err(DurationError::MissingUnit("60".into()))
        );
        assert_eq!(
            Duration::parse("-5s"),
            Err(DurationError::Negative("-5s".into()))
        );
        assert!(matches!(
            Duration::parse("5 parsecs"),
            Err(DurationError::MissingUnit(_))
        ));
        assert!(matches!(
            Duration::parse("5parsecs"),
            Err(DurationError::UnknownUnit { .. })
        ));
        assert!(matches!(
            Duration::parse("0.5us"),
            Err(DurationError::TooFine(_))
        ));
        assert!(matches!(
            Duration::parse("h"),
            Err(DurationError::Malformed(_))
        ));
        assert!(matches!(
            Duration::parse("1:2:3:4"),
            Err(DurationError::Malformed(_))
        ));
        assert!(matches!(
            Duration::parse("99999999999y"),
            Err(DurationError::TooLong(_))
        ));
        assert_eq!(Duration::parse(""), Err(DurationError::Empty));
    }

    #[test]
    fn refuses_sums_that_would_wrap_and_clock_fields_out_of_range() {
        let max = format!("{}us 2us", u128::MAX);
        assert!(matches!(
            Duration::parse(&max),
            Err(DurationError::TooLong(_))
        ));
        let max_glued = format!("{}us2us", u128::MAX);
        assert!(matches!(
            Duration::parse(&max_glued),
            Err(DurationError::TooLong(_))
        ));
        assert!(matches!(
            Duration::parse("3d 25:99"),
            Err(DurationError::ClockField { .. })
        ));
        assert!(matches!(
            Duration::parse("3d 25:00"),
            Err(DurationError::ClockField { field: "hours", .. })
        ));
        assert!(matches!(
            Duration::parse("00:00:60"),
            Err(DurationError::ClockField {
                field: "seconds",
                ..
            })
        ));
        assert!(matches!(
            Duration::parse("30d.90d"),
            Err(DurationError::Malformed(_))
        ));
        // A clock alone may count past a day.
        assert_eq!(
            Duration::parse("36:00"),
            Ok(Duration::from_secs(36 * 3_600))
        );
    }

    #[test]
    fn prints_in_the_largest_exact_units() {
        assert_eq!(Duration::from_secs(90).to_string(), "1m 30s");
        assert_eq!(Duration::parse("10y").unwrap().to_string(), "10y");
        assert_eq!(Duration::parse("250ms").unwrap().to_string(), "250ms");
        assert_eq!(Duration::ZERO.to_string(), "0s");
    }

    proptest::proptest! {
        #[test]
        fn printing_then_parsing_is_the_identity(ticks in 0u64..u64::MAX / 2) {
            let d = Duration(ticks);
            proptest::prop_assert_eq!(Duration::parse(&d.to_string()), Ok(d));
        }
    }
}
