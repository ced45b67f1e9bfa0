//! Whether a study fits in memory, decided before it starts.
//!
//! The CLI and the Python package refuse the same studies with the same estimate: both call
//! [`check_fits`] and only word the advice for their own options.

use super::{Mode, RunOptions, flow_unsupported, memory_needed_in};
use crate::metrics;
use crate::model::world::{
    CELLULAR_COHORT_BYTES, CELLULAR_DEVICE_BYTES, CELLULAR_HOLDING_BYTES, MOVING_DEVICE_BYTES,
};
use crate::scenario::{Deployment, Placement};

/// Share of the machine's available memory a study may plan to use when no limit is given:
/// the rest is left for the report, the operating system and whatever else runs.
const SHARE_OF_AVAILABLE: f64 = 0.8;

/// A study refused because its estimate exceeds the limit.
#[derive(Clone, Debug, PartialEq)]
pub struct TooLarge {
    /// Estimated peak bytes: replications held at once plus the per-replication rows kept.
    pub needed: f64,
    /// The limit it was judged against: `max_gib`, or a share of the available memory.
    pub limit: f64,
    pub devices: u64,
    /// Replications that would be held in memory at once.
    pub concurrent: u64,
    pub advice: Advice,
}

/// What would make the study fit, most effective first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advice {
    /// Packet mode on a scenario flow mode can model: flow mode keeps no message events.
    FlowMode,
    /// Several replications at once: run them one at a time.
    FewerAtOnce,
    /// One replication alone is too large: split the fleet or shrink its buffers.
    SplitFleet,
}

/// Refuses a study whose estimated peak memory exceeds `max_gib`, or, without one,
/// 80% of the memory the machine has available (`SHARE_OF_AVAILABLE`). Where the machine does not
/// say how much it has, the study is let through.
pub fn check_fits(
    dep: &Deployment,
    opts: &RunOptions,
    replications: u64,
    max_gib: Option<f64>,
) -> Result<(), TooLarge> {
    const GIB: f64 = (1u64 << 30) as f64;
    let threads = opts.worker_threads();
    let concurrent = replications.min(threads as u64);
    let needed = memory_needed_in(dep, concurrent, opts.mode) as f64
        + (cellular_bytes(dep, opts.mode) * concurrent) as f64
        + bookkeeping_bytes(dep, replications) as f64;
    let limit = match max_gib {
        Some(gib) => gib * GIB,
        None => match available_memory() {
            Some(bytes) => SHARE_OF_AVAILABLE * bytes as f64,
            None => return Ok(()),
        },
    };
    if needed <= limit {
        return Ok(());
    }
    let advice = if opts.mode == Mode::Packet && flow_unsupported(dep).is_none() {
        Advice::FlowMode
    } else if concurrent > 1 {
        Advice::FewerAtOnce
    } else {
        Advice::SplitFleet
    };
    Err(TooLarge {
        needed,
        limit,
        devices: dep.device_count(),
        concurrent,
        advice,
    })
}

/// Bytes kept per replication after it ends: its seed and two rows of metric values (the row
/// and its copy in the summary), whatever the fleet's size.
fn bookkeeping_bytes(dep: &Deployment, replications: u64) -> u64 {
    let metrics = metrics::catalog(dep).len() as u64;
    let row = 2 * (metrics * 8 + 64);
    replications.saturating_mul(8 + row)
}

/// Bytes one replication holds for devices on their own SIMs, besides what every device
/// holds: each one's connectivity state, and a moving device's pending move; in flow mode
/// also its cohort, and in a fleet with device buffers what it keeps (`flow::cellular`).
fn cellular_bytes(dep: &Deployment, mode: Mode) -> u64 {
    dep.fleets
        .iter()
        .filter_map(|f| {
            let cell = f.cellular.as_ref()?;
            let moving = cell
                .regional
                .as_ref()
                .is_some_and(|r| matches!(r.placement, Placement::Markov { .. }));
            let mut per_device = CELLULAR_DEVICE_BYTES + moving as u64 * MOVING_DEVICE_BYTES;
            // `Auto` is judged as the costlier mode it may pick.
            if mode != Mode::Packet {
                per_device += CELLULAR_COHORT_BYTES;
                if f.buffer_messages > 0 {
                    per_device += CELLULAR_HOLDING_BYTES;
                }
            }
            Some(f.count as u64 * per_device)
        })
        .sum()
}

/// MemAvailable from /proc/meminfo, in bytes, where the system has it.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Bytes as a person reads them: MiB below a GiB, GiB above, one decimal.
pub fn human_bytes(bytes: f64) -> String {
    const MIB: f64 = (1u64 << 20) as f64;
    if bytes >= 1024.0 * MIB {
        format!("{:.1} GiB", bytes / (1024.0 * MIB))
    } else {
        format!("{:.1} MiB", bytes / MIB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;

    fn factory() -> Deployment {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/factory.ron");
        scenario::load(std::path::Path::new(path)).expect("the shipped factory scenario loads")
    }

    #[test]
    fn a_study_under_its_limit_passes_and_one_over_is_refused_with_advice() {
        let dep = factory();
        let opts = RunOptions {
            threads: Some(1),
            mode: Mode::Packet,
            ..RunOptions::default()
        };
        assert_eq!(check_fits(&dep, &opts, 4, Some(64.0)), Ok(()));
        let refused = check_fits(&dep, &opts, 4, Some(1e-6)).unwrap_err();
        assert_eq!(refused.concurrent, 1);
        assert_eq!(refused.devices, dep.device_count());
        assert!(refused.needed > refused.limit);
        assert_ne!(
            refused.advice,
            Advice::FewerAtOnce,
            "one thread holds one replication"
        );
    }

    /// A fleet of `count` devices on their own SIMs, placed by `regions` (or not).
    fn trackers(count: u32, regions: &str) -> Deployment {
        let text = format!(
            r#"Scenario(
                name: "t", horizon: "1d",
                sites: [Site(id: "s")],
                carriers: [Carrier(id: "a", coverage: {{"north": 1.0, "south": 0.5}})],
                fleets: [Fleet(id: "f", site: "s", count: {count}, report: Fixed("1h"),
                    connectivity: Cellular(sim: Single("a"), detection: After(Fixed("1m")){regions}))],
            )"#
        );
        scenario::compile_source(&text, "t.ron").expect("compiles")
    }

    #[test]
    fn devices_on_their_own_sims_count_their_state_and_moving_ones_their_next_move() {
        let still = trackers(1000, "");
        let placed = trackers(1000, r#", regions: Shares({"north": 0.5, "south": 0.5})"#);
        let moving = trackers(
            1000,
            r#", regions: Markov(dwell: {"north": Fixed("1h"), "south": Fixed("1h")},
                                 next: {"north": {"south": 1.0}, "south": {"north": 1.0}})"#,
        );
        let packet = Mode::Packet;
        assert_eq!(cellular_bytes(&still, packet), 1000 * 24);
        assert_eq!(cellular_bytes(&placed, packet), 1000 * 24);
        assert_eq!(cellular_bytes(&moving, packet), 1000 * (24 + 16));
        assert_eq!(cellular_bytes(&factory(), packet), 0);
        // Flow mode adds each device's cohort (2 bytes), and what it keeps where devices
        // have buffers (32 bytes: its share of the blind pool's index, span and count).
        assert_eq!(cellular_bytes(&still, Mode::Flow), 1000 * (24 + 2));
        let mut buffered = still.clone();
        buffered.fleets[0].buffer_messages = 48;
        assert_eq!(cellular_bytes(&buffered, Mode::Flow), 1000 * (24 + 2 + 32));
        assert_eq!(cellular_bytes(&buffered, packet), 1000 * 24);
    }

    #[test]
    fn rows_kept_per_replication_count_even_when_one_runs_at_a_time() {
        let dep = factory();
        let opts = RunOptions {
            threads: Some(1),
            mode: Mode::Packet,
            ..RunOptions::default()
        };
        let few = check_fits(&dep, &opts, 1, Some(1e-6)).unwrap_err().needed;
        let many = check_fits(&dep, &opts, 1_000_000, Some(1e-6))
            .unwrap_err()
            .needed;
        assert!(many > few + 1e6, "{few} → {many}");
    }
}
