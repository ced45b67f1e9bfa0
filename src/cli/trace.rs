//! `iotwin trace`: one replication's steps as JSON lines, filtered, with its size estimated
//! and refused past `--max-size` before it starts.

use std::process::ExitCode;

use indicatif::ProgressBar;

use iotwin::engine::Duration;
use iotwin::model::World;
use iotwin::report;
use iotwin::report::trace::JsonLines;
use iotwin::scenario::{self, Deployment};

use super::TraceArgs;
use super::validate::load;

/// Writes the trace to `--out` (atomically) or to standard output (a closed pipe is fine).
pub(super) fn trace(args: TraceArgs) -> ExitCode {
    let mut dep = match load(args.scenario.as_deref()) {
        Ok(dep) => dep,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if let Some(seed) = args.seed {
        dep.seed = seed;
    }
    let filter = match trace_filter(&dep, &args) {
        Ok(filter) => filter,
        Err(code) => return code,
    };
    let estimate =
        report::trace::lines_needed(&dep) * filter.share(dep.horizon, dep.device_count());
    let megabytes = estimate * report::trace::BYTES_PER_LINE / 1e6;
    eprintln!(
        "trace: about {:.3e} lines, {} (replication {}, {} to {})",
        estimate,
        if megabytes >= 1000.0 {
            format!("{:.1} GB", megabytes / 1000.0)
        } else {
            format!("{megabytes:.1} MB")
        },
        args.replication,
        Duration(filter.from),
        Duration(filter.to.unwrap_or(dep.horizon).min(dep.horizon)),
    );
    if megabytes > args.max_size && !args.force {
        eprintln!(
            "error: the trace would be about {megabytes:.0} MB, over --max-size {} MB",
            args.max_size
        );
        eprintln!(
            "  = hint: narrow it with --from/--to, --device, --fleet or --kind; or raise --max-size, or add --force"
        );
        return ExitCode::from(2);
    }
    let bar = super::progress::horizon();
    let horizon = dep.horizon;
    let result = match &args.out {
        None => {
            let stdout = std::io::stdout().lock();
            let writer = JsonLines::new(&dep, std::io::BufWriter::new(stdout)).filtered(filter);
            let writer = Progress::new(writer, &bar, horizon);
            World::run_observed(&dep, args.replication, writer)
                .map(|(_, w)| w.inner.finish().map(|_| ()))
        }
        Some(path) => {
            let writer = JsonLines::new(&dep, Vec::new()).filtered(filter);
            let writer = Progress::new(writer, &bar, horizon);
            World::run_observed(&dep, args.replication, writer).map(|(_, w)| {
                w.inner
                    .finish()
                    .and_then(|bytes| report::write_atomically(path, &bytes))
            })
        }
    };
    bar.finish_and_clear();
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: cannot write the trace: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!(
                "error: replication {} (seed {}): {e}",
                args.replication, dep.seed
            );
            ExitCode::from(1)
        }
    }
}

/// The trace filter the arguments ask for, or exit 2 naming what does not exist.
fn trace_filter(dep: &Deployment, args: &TraceArgs) -> Result<report::trace::Filter, ExitCode> {
    let refuse = |what: String, hint: String| {
        eprintln!("error: {what}");
        eprintln!("  = hint: {hint}");
        ExitCode::from(2)
    };
    let mut kinds = vec![];
    for k in &args.kind {
        match report::trace::STEP_KINDS.iter().find(|s| **s == k.as_str()) {
            Some(kind) => kinds.push(*kind),
            None => {
                let guess = scenario::closest_name(k, report::trace::STEP_KINDS.iter().copied());
                let hint = match guess {
                    Some(g) => format!("did you mean \"{g}\"?"),
                    None => format!("steps are {}", report::trace::STEP_KINDS.join(", ")),
                };
                return Err(refuse(format!("--kind {k}: no such trace step"), hint));
            }
        }
    }
    let mut firsts = vec![];
    let mut first = 0u32;
    for f in &dep.fleets {
        firsts.push(first);
        first += f.count;
    }
    let fleet_index = |id: &str| -> Result<usize, ExitCode> {
        dep.fleets.iter().position(|f| f.id == id).ok_or_else(|| {
            let ids = dep.fleets.iter().map(|f| f.id.as_str());
            let hint = match scenario::closest_name(id, ids.clone()) {
                Some(g) => format!("did you mean \"{g}\"?"),
                None => format!("fleets are {}", ids.collect::<Vec<_>>().join(", ")),
            };
            refuse(
                format!("no fleet \"{id}\" in scenario \"{}\"", dep.name),
                hint,
            )
        })
    };
    let mut devices: Option<Vec<u32>> = None;
    for id in &args.fleet {
        let f = fleet_index(id)?;
        devices
            .get_or_insert_with(Vec::new)
            .extend(firsts[f]..firsts[f] + dep.fleets[f].count);
    }
    for name in &args.device {
        let Some((fleet, index)) = name.rsplit_once('/') else {
            return Err(refuse(
                format!("--device {name}: expected FLEET/INDEX"),
                "name a device as the trace does, e.g. sensors/17".to_string(),
            ));
        };
        let f = fleet_index(fleet)?;
        let count = dep.fleets[f].count;
        match index.parse::<u32>() {
            Ok(i) if i < count => devices.get_or_insert_with(Vec::new).push(firsts[f] + i),
            _ => {
                return Err(refuse(
                    format!(
                        "--device {name}: fleet \"{fleet}\" has devices 0 to {}",
                        count - 1
                    ),
                    "the index counts from 0 within the fleet".to_string(),
                ));
            }
        }
    }
    if let Some(d) = &mut devices {
        d.sort_unstable();
        d.dedup();
    }
    let from = args.from.map_or(0, |d| d.0);
    let to = args.to.map(|d| d.0);
    if to.is_some_and(|to| to <= from) {
        return Err(refuse(
            "--to must be after --from".to_string(),
            "e.g. --from 2d --to 3d".to_string(),
        ));
    }
    Ok(report::trace::Filter {
        from,
        to,
        devices,
        kinds,
    })
}

/// An observer that moves a progress bar along the simulated time as it passes steps on.
struct Progress<'b, O> {
    inner: O,
    bar: &'b ProgressBar,
    horizon: u64,
    percent: u64,
}

impl<'b, O> Progress<'b, O> {
    fn new(inner: O, bar: &'b ProgressBar, horizon: u64) -> Self {
        Progress {
            inner,
            bar,
            horizon: horizon.max(1),
            percent: 0,
        }
    }
}

impl<O: iotwin::model::Observer> iotwin::model::Observer for Progress<'_, O> {
    fn observe(&mut self, now: u64, step: iotwin::model::Trace) {
        let percent = (now as u128 * 100 / self.horizon as u128) as u64;
        if percent > self.percent {
            self.percent = percent;
            self.bar.set_position(percent.min(100));
        }
        self.inner.observe(now, step);
    }
}
