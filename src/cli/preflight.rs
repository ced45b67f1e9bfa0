//! What is said before a run starts: refused when it would not fit in memory, warned when it
//! will take long.

use std::process::ExitCode;

use iotwin::engine::Duration;
use iotwin::montecarlo::{self, Mode, RunOptions};
use iotwin::scenario::Deployment;

/// Refuses, before it starts, a run that would not fit in memory (invariant 6 in ARCHITECTURE.md).
pub(crate) fn check_memory(
    dep: &Deployment,
    opts: &RunOptions,
    replications: u64,
    max_gib: Option<f64>,
) -> Result<(), ExitCode> {
    use montecarlo::budget::{self, Advice};
    let Err(refused) = budget::check_fits(dep, opts, replications, max_gib) else {
        return Ok(());
    };
    eprintln!(
        "error: this run needs about {} ({} devices and their gateway buffers, {} replication{} at a time), more than the {} allowed",
        budget::human_bytes(refused.needed),
        refused.devices,
        refused.concurrent,
        if refused.concurrent == 1 { "" } else { "s" },
        budget::human_bytes(refused.limit)
    );
    let hint = match refused.advice {
        Advice::FlowMode => {
            "run it in flow mode (--mode flow), which keeps no message events; or fewer replications at once with --threads 1"
        }
        Advice::FewerAtOnce => {
            "run fewer replications at once with --threads 1, or split the fleet into several scenarios"
        }
        Advice::SplitFleet => {
            "split the fleet into several scenarios, or lower buffer_messages; --max-memory GIB raises the limit"
        }
    };
    eprintln!("  = hint: {hint}");
    Err(ExitCode::from(2))
}

/// Says before a run starts how long it will take, when that is more than a minute, so a
/// mistake (a report period of a microsecond, a thousand-year horizon) shows at once.
pub(crate) fn warn_if_long(dep: &Deployment, opts: &RunOptions, replications: u64) {
    let threads = opts.worker_threads().clamp(1, replications.max(1) as usize);
    let events = montecarlo::events_needed_in(dep, opts.mode) * replications as f64;
    let seconds = events / (montecarlo::EVENTS_PER_SECOND_PER_THREAD * threads as f64);
    if seconds > 60.0 {
        eprintln!(
            "note: about {:.3e} events ({} mode, {} replication{} on {threads} thread{}); expect roughly {} (Ctrl-C stops it)",
            events,
            opts.mode.name(),
            replications,
            if replications == 1 { "" } else { "s" },
            if threads == 1 { "" } else { "s" },
            Duration::from_secs(seconds.round() as u64)
        );
        if opts.mode == Mode::Packet && montecarlo::flow_unsupported(dep).is_none() {
            eprintln!(
                "  = hint: --mode flow accounts telemetry in aggregate between state changes (about {:.3e} events)",
                montecarlo::events_needed_in(dep, Mode::Flow) * replications as f64
            );
        }
    }
}
