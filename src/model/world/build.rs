//! Building a replication's fleets and devices from the `Deployment`, in flat arrays, streams
//! keyed by what they describe (the network builds its own part: `network/build.rs`). Nothing
//! is drawn or scheduled here (`World::schedule_start` does that).

use crate::engine::random::member_key;
use crate::engine::{Stream, StreamKey};
use crate::scenario::Deployment;

use super::super::link::Hop;
use super::{Device, FleetRt, process};

/// The key of entity `entity`'s stream for process `process` in this replication.
type Key<'a> = &'a dyn Fn(u64, u64) -> StreamKey;

/// The fleets, and how many devices have device buffers (the fleets' offsets into that array
/// are set). LoRa radios are set by the radio, lifecycle clocks by the lifecycle part
/// (`Life::keep_clocks`).
pub(super) fn fleets(dep: &Deployment) -> (Vec<FleetRt>, u32) {
    let mut first_device = 0u32;
    let mut fleets: Vec<FleetRt> = dep
        .fleets
        .iter()
        .map(|f| {
            let first = first_device;
            first_device += f.count;
            FleetRt {
                key: f.key,
                first_device: first,
                report: f.report.clone(),
                access: Hop::new(&f.link),
                failure: f.failure.clone(),
                life: f.life.clone(),
                count: f.count,
                first_clock: 0,
                first_power: 0,
                lora: None,
                device_buffer: f.buffer_messages,
                first_buffer: 0,
                cellular: f.cellular.is_some(),
                plain: false,
                lived_ahead: false,
            }
        })
        .collect();
    let mut buffered_devices = 0u32;
    for (f, spec) in fleets.iter_mut().zip(&dep.fleets) {
        if f.device_buffer > 0 {
            f.first_buffer = buffered_devices;
            buffered_devices += spec.count;
        }
    }
    (fleets, buffered_devices)
}

/// Every device of every fleet, in fleet order, up.
pub(super) fn devices(dep: &Deployment) -> Vec<Device> {
    let mut devices = Vec::with_capacity(dep.device_count() as usize);
    for (fi, f) in dep.fleets.iter().enumerate() {
        for _ in 0..f.count {
            devices.push(Device {
                fleet: fi as u32,
                life_draws: 0,
                sent: 0,
                up: true,
                access_bad: false,
                failed: false,
                degraded: false,
            });
        }
    }
    devices
}

/// Every device's own traffic stream, in the order of [`devices`] (packet mode).
pub(super) fn traffic(dep: &Deployment, key: Key<'_>) -> Vec<Stream> {
    let mut traffic = Vec::with_capacity(dep.device_count() as usize);
    for f in &dep.fleets {
        for i in 0..f.count as u64 {
            traffic.push(key(member_key(f.key, i), process::TRAFFIC).stream());
        }
    }
    traffic
}
