//! From records to samples: one sample of durations per population (a fleet's lifetimes, a
//! fleet's repairs, a carrier's outage lengths, a carrier's times between outages), each
//! duration with what is known about it (ended or censored, watched from which age).

use std::collections::BTreeMap;

use super::records::{Kind, Origin, Record, show_time};

/// One observed duration, in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    /// The duration if `ended`, else how long it had lasted when watching stopped
    /// (right-censored).
    pub time: f64,
    pub ended: bool,
    /// The age at which watching began: the unit is in the data only because it lasted
    /// beyond it (left truncation); 0 if watched from the start.
    pub entry: f64,
    /// The age at which this unit would have been censored had it not ended (the log's end);
    /// infinite if the log has no end for it. The parametric bootstrap censors its draws here.
    pub limit: f64,
}

/// What a population's durations are.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "what", content = "of", rename_all = "snake_case")]
pub enum Population {
    /// Lifetimes of a fleet's devices (install to failure).
    Lifetime(String),
    /// Repair durations of a fleet's devices.
    Repair(String),
    /// Lengths of a carrier's outages.
    OutageLength(String),
    /// Times from the end of one of a carrier's outages to the start of the next.
    OutageGap(String),
}

impl Population {
    /// A label for reports, e.g. `lifetimes of fleet meters`.
    pub fn label(&self) -> String {
        match self {
            Population::Lifetime(f) => format!("lifetimes of fleet {f}"),
            Population::Repair(f) => format!("repairs of fleet {f}"),
            Population::OutageLength(c) => format!("outage lengths of carrier {c}"),
            Population::OutageGap(c) => format!("times between outages of carrier {c}"),
        }
    }

    /// A name safe in a file name, e.g. `lifetime-meters`.
    pub fn slug(&self) -> String {
        let (what, name) = match self {
            Population::Lifetime(f) => ("lifetime", f),
            Population::Repair(f) => ("repair", f),
            Population::OutageLength(c) => ("outage-length", c),
            Population::OutageGap(c) => ("outage-gap", c),
        };
        let name: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{what}-{name}")
    }

    /// The fleet or carrier it belongs to.
    pub fn owner(&self) -> &str {
        match self {
            Population::Lifetime(n)
            | Population::Repair(n)
            | Population::OutageLength(n)
            | Population::OutageGap(n) => n,
        }
    }
}

/// The durations of one population.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub population: Population,
    pub observations: Vec<Observation>,
}

impl Sample {
    pub fn ended(&self) -> usize {
        self.observations.iter().filter(|o| o.ended).count()
    }
    pub fn censored(&self) -> usize {
        self.observations.len() - self.ended()
    }
    pub fn truncated(&self) -> usize {
        self.observations.iter().filter(|o| o.entry > 0.0).count()
    }
}

/// Records that are each valid but contradict one another.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("error: {}:{}: {message}\n  = hint: {hint}", origin.file, origin.line)]
pub struct Inconsistent {
    pub origin: Origin,
    pub message: String,
    pub hint: String,
}

const MICROS: f64 = 1e6;

/// Groups records into samples, in a fixed order (by population, then by record order).
pub fn samples(records: &[Record]) -> Result<Vec<Sample>, Inconsistent> {
    let mut by: BTreeMap<Population, Vec<Observation>> = BTreeMap::new();
    // The end of each fleet's log: the latest `still_running` row says when watching stopped.
    let mut log_end: BTreeMap<&str, i64> = BTreeMap::new();
    for r in records.iter().filter(|r| r.kind == Kind::StillRunning) {
        let end = log_end.entry(&r.group).or_insert(i64::MIN);
        *end = (*end).max(r.at.unwrap_or(i64::MIN));
    }
    for r in records {
        match r.kind {
            Kind::Failure | Kind::StillRunning => {
                let (Some(installed), Some(at)) = (r.installed, r.at) else {
                    continue;
                };
                let entry = r.window_start.map_or(0, |w| (w - installed).max(0));
                let limit = match (r.kind, log_end.get(r.group.as_str())) {
                    (Kind::StillRunning, _) => at,
                    (_, Some(&end)) if end >= at => end,
                    _ => i64::MAX,
                };
                by.entry(Population::Lifetime(r.group.clone()))
                    .or_default()
                    .push(Observation {
                        time: (at - installed) as f64 / MICROS,
                        ended: r.kind == Kind::Failure,
                        entry: entry as f64 / MICROS,
                        limit: if limit == i64::MAX {
                            f64::INFINITY
                        } else {
                            (limit - installed) as f64 / MICROS
                        },
                    });
            }
            Kind::Repair => {
                let Some(d) = r.duration else { continue };
                by.entry(Population::Repair(r.group.clone()))
                    .or_default()
                    .push(Observation {
                        time: d.as_secs_f64(),
                        ended: true,
                        entry: 0.0,
                        limit: f64::INFINITY,
                    });
            }
            Kind::InRepair => {
                // Still in repair when the log ended: the repair lasted at least this long.
                let (Some(at), Some(end)) = (r.at, r.end) else {
                    continue;
                };
                by.entry(Population::Repair(r.group.clone()))
                    .or_default()
                    .push(Observation {
                        time: (end - at) as f64 / MICROS,
                        ended: false,
                        entry: 0.0,
                        limit: (end - at) as f64 / MICROS,
                    });
            }
            Kind::Outage | Kind::StillUp | Kind::StillDown => {}
        }
    }
    outage_samples(records, &mut by)?;
    Ok(by
        .into_iter()
        .map(|(population, observations)| Sample {
            population,
            observations,
        })
        .collect())
}

/// Each carrier's outage lengths, and the up times between its outages in time order: the up
/// time after the last outage is censored at the carrier's `still_up` row, if it has one. The
/// up time before the first outage is left out: when it began is not in the log.
fn outage_samples(
    records: &[Record],
    by: &mut BTreeMap<Population, Vec<Observation>>,
) -> Result<(), Inconsistent> {
    let mut per_carrier: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    let mut still_up: BTreeMap<&str, &Record> = BTreeMap::new();
    for r in records {
        match r.kind {
            Kind::Outage | Kind::StillDown => per_carrier.entry(&r.group).or_default().push(r),
            Kind::StillUp => {
                let latest = still_up.entry(&r.group).or_insert(r);
                if r.at > latest.at {
                    *latest = r;
                }
            }
            _ => {}
        }
    }
    for (carrier, mut outages) in per_carrier {
        outages.sort_by_key(|r| (r.at, r.origin.line));
        let log_end = still_up.get(carrier).and_then(|r| r.at);
        let lengths = by
            .entry(Population::OutageLength(carrier.to_string()))
            .or_default();
        for r in &outages {
            let (at, end) = (r.at.unwrap_or(0), r.end.unwrap_or(0));
            // A `still_down` outage had lasted this long when the log ended: censored.
            let ended = r.kind == Kind::Outage;
            lengths.push(Observation {
                time: (end - at) as f64 / MICROS,
                ended,
                entry: 0.0,
                limit: if ended {
                    f64::INFINITY
                } else {
                    (end - at) as f64 / MICROS
                },
            });
        }
        if let Some(open) = outages[..outages.len().saturating_sub(1)]
            .iter()
            .find(|r| r.kind == Kind::StillDown)
        {
            return Err(Inconsistent {
                origin: open.origin.clone(),
                message: format!("carrier {carrier} is `still_down` but has a later outage"),
                hint: "`still_down` is an outage going on when the carrier's log ends: its last"
                    .into(),
            });
        }
        let mut gaps = vec![];
        for pair in outages.windows(2) {
            let (before, after) = (pair[0], pair[1]);
            let (end, next) = (before.end.unwrap_or(0), after.at.unwrap_or(0));
            if next < end {
                return Err(Inconsistent {
                    origin: after.origin.clone(),
                    message: format!(
                        "carrier {carrier}'s outage starting {} overlaps the one that ends {} (line {})",
                        show_time(next),
                        show_time(end),
                        before.origin.line
                    ),
                    hint: "merge overlapping outages of one carrier into one row".into(),
                });
            }
            gaps.push((end, next - end, true));
        }
        let open_at_end = outages.last().is_some_and(|r| r.kind == Kind::StillDown);
        if let (Some(last), Some(log_end), false) = (outages.last(), log_end, open_at_end) {
            let end = last.end.unwrap_or(0);
            if log_end < end {
                let row = still_up[carrier];
                return Err(Inconsistent {
                    origin: row.origin.clone(),
                    message: format!(
                        "carrier {carrier} is `still_up` at {}, before its last outage ended ({})",
                        show_time(log_end),
                        show_time(end)
                    ),
                    hint: "`still_up` is when the carrier's log ends, after its last outage".into(),
                });
            }
            gaps.push((end, log_end - end, false));
        }
        if !gaps.is_empty() {
            let limit = log_end.map_or(f64::INFINITY, |e| e as f64);
            by.insert(
                Population::OutageGap(carrier.to_string()),
                gaps.into_iter()
                    .map(|(start, gap, ended)| Observation {
                        time: gap as f64 / MICROS,
                        ended,
                        entry: 0.0,
                        limit: (limit - start as f64) / MICROS,
                    })
                    .collect(),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::records::parse_csv;

    const LOG: &str = "kind,unit,fleet,carrier,installed,window_start,at,end,duration
failure,d1,meters,,2020-01-01,2021-01-01,2021-01-11,,
still_running,d2,meters,,2021-01-01,,2021-01-31,,
repair,d1,meters,,,,,,2h
outage,,,lte,,,2021-01-05,2021-01-05T06:00:00Z,
outage,,,lte,,,2021-01-02,2021-01-02T01:00:00Z,
still_up,,,lte,,,2021-01-10,,
";

    fn by_population(text: &str) -> BTreeMap<Population, Vec<Observation>> {
        let records = parse_csv(text, "log.csv").unwrap();
        samples(&records)
            .unwrap()
            .into_iter()
            .map(|s| (s.population, s.observations))
            .collect()
    }

    #[test]
    fn lifetimes_are_censored_and_truncated_as_the_log_says() {
        let day = 86_400.0;
        let s = by_population(LOG);
        let life = &s[&Population::Lifetime("meters".into())];
        // d1: installed a year before the window, failed 10 days into it.
        assert_eq!(life[0].time, 376.0 * day);
        assert!(life[0].ended);
        assert_eq!(life[0].entry, 366.0 * day);
        // It would have been censored where the fleet's log ends (2021-01-31).
        assert_eq!(life[0].limit, 396.0 * day);
        assert_eq!(
            life[1],
            Observation {
                time: 30.0 * day,
                ended: false,
                entry: 0.0,
                limit: 30.0 * day
            }
        );
        assert_eq!(s[&Population::Repair("meters".into())][0].time, 7200.0);
    }

    #[test]
    fn outage_gaps_follow_time_order_and_end_censored() {
        let s = by_population(LOG);
        let lengths: Vec<f64> = s[&Population::OutageLength("lte".into())]
            .iter()
            .map(|o| o.time)
            .collect();
        assert_eq!(lengths, [3600.0, 21_600.0]);
        let gaps = &s[&Population::OutageGap("lte".into())];
        let hour = 3600.0;
        assert_eq!(gaps.len(), 2);
        assert_eq!((gaps[0].time, gaps[0].ended), (71.0 * hour, true));
        assert_eq!((gaps[1].time, gaps[1].ended), (114.0 * hour, false));
    }

    #[test]
    fn repairs_and_outages_open_at_the_end_are_censored() {
        let text = "kind,fleet,carrier,at,end,duration
repair,meters,,,,2h
in_repair,meters,,2021-01-01,2021-01-01T05:00:00Z,
outage,,lte,2021-01-02,2021-01-02T01:00:00Z,
still_down,,lte,2021-01-03,2021-01-03T04:00:00Z,
";
        let s = by_population(text);
        let repairs = &s[&Population::Repair("meters".into())];
        assert_eq!((repairs[1].time, repairs[1].ended), (18_000.0, false));
        let lengths = &s[&Population::OutageLength("lte".into())];
        assert_eq!((lengths[1].time, lengths[1].ended), (14_400.0, false));
        // The up time before the open outage ended when it began.
        let gaps = &s[&Population::OutageGap("lte".into())];
        assert_eq!(
            (gaps.len(), gaps[0].time, gaps[0].ended),
            (1, 82_800.0, true)
        );
    }

    #[test]
    fn overlapping_outages_are_refused_with_both_lines() {
        let text = "kind,carrier,at,end\noutage,lte,2021-01-01,2021-01-03\noutage,lte,2021-01-02,2021-01-04\n";
        let records = parse_csv(text, "log.csv").unwrap();
        let e = samples(&records).unwrap_err();
        assert_eq!(e.origin.line, 3);
        assert!(e.message.contains("line 2"), "{}", e.message);
    }
}
