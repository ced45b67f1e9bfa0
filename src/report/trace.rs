//! `iotwin trace`: one replication as JSON lines, one simulation step a line, in simulation
//! order, with names instead of indices. A trace is a pure function of the scenario, the seed
//! and the replication index, so it replays bit-identically.

use std::io::Write;

use serde_json::{Value, json};

use crate::engine::{Duration, TICKS_PER_SECOND, Ticks};
use crate::model::{MessageId, Observer, Trace};
use crate::scenario::Deployment;

/// Every step name a trace writes (the `step` field), in the order of [`Trace`]'s variants.
pub const STEP_KINDS: [&str; 23] = [
    "generated",
    "lost",
    "at_gateway",
    "buffered",
    "delivered",
    "in_flight_at_horizon",
    "on_access_link_at_horizon",
    "buffered_at_horizon",
    "device_down",
    "device_up",
    "gateway_down",
    "gateway_up",
    "carrier_down",
    "carrier_up",
    "uplink_changed",
    "group_changed",
    "buffered_on_device",
    "on_device_at_horizon",
    "cause_down",
    "cause_up",
    "device_degraded",
    "device_replaced",
    "upkeep",
];

/// The `step` name of a trace step.
pub fn step_kind(step: &Trace) -> &'static str {
    match step {
        Trace::Generated(_) => "generated",
        Trace::Lost(..) => "lost",
        Trace::AtGateway { .. } => "at_gateway",
        Trace::Buffered { .. } => "buffered",
        Trace::Delivered { .. } => "delivered",
        Trace::InFlightAtHorizon(_) => "in_flight_at_horizon",
        Trace::OnAccessLinkAtHorizon(_) => "on_access_link_at_horizon",
        Trace::BufferedAtHorizon { .. } => "buffered_at_horizon",
        Trace::DeviceDown(_) => "device_down",
        Trace::DeviceUp(_) => "device_up",
        Trace::GatewayDown(_) => "gateway_down",
        Trace::GatewayUp(_) => "gateway_up",
        Trace::CarrierDown(_) => "carrier_down",
        Trace::CarrierUp(_) => "carrier_up",
        Trace::UplinkChanged { .. } => "uplink_changed",
        Trace::GroupChanged { .. } => "group_changed",
        Trace::BufferedOnDevice { .. } => "buffered_on_device",
        Trace::OnDeviceAtHorizon(_) => "on_device_at_horizon",
        Trace::CauseDown(_) => "cause_down",
        Trace::CauseUp(_) => "cause_up",
        Trace::DeviceDegraded(_) => "device_degraded",
        Trace::DeviceReplaced(_) => "device_replaced",
        Trace::Upkeep { .. } => "upkeep",
    }
}

/// The device a step is about, if it is about one (a message's device, or a device's state).
fn step_device(step: &Trace) -> Option<u32> {
    match *step {
        Trace::Generated(m)
        | Trace::Lost(m, _)
        | Trace::InFlightAtHorizon(m)
        | Trace::OnAccessLinkAtHorizon(m)
        | Trace::OnDeviceAtHorizon(m)
        | Trace::AtGateway { msg: m, .. }
        | Trace::Buffered { msg: m, .. }
        | Trace::Delivered { msg: m, .. }
        | Trace::BufferedAtHorizon { msg: m, .. }
        | Trace::BufferedOnDevice { msg: m, .. } => Some(m.device),
        Trace::DeviceDown(d)
        | Trace::DeviceUp(d)
        | Trace::DeviceDegraded(d)
        | Trace::DeviceReplaced(d)
        | Trace::Upkeep { device: d, .. } => Some(d),
        _ => None,
    }
}

/// Which steps a trace keeps. A step about a device (its messages and its state changes) is
/// kept when the device is selected; steps about the network (gateways, carriers, uplinks,
/// groups, common causes) are kept as context whatever the device selection, unless the
/// kinds leave them out.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Keep steps at or after this time.
    pub from: Ticks,
    /// Keep steps before this time (`None`: to the horizon).
    pub to: Option<Ticks>,
    /// Keep only these devices' steps (global device indices, sorted); `None`: every device.
    pub devices: Option<Vec<u32>>,
    /// Keep only these step kinds ([`STEP_KINDS`]); empty: every kind.
    pub kinds: Vec<&'static str>,
}

impl Filter {
    /// Whether a step at `now` passes the filter.
    pub fn keeps(&self, now: Ticks, step: &Trace) -> bool {
        if now < self.from || self.to.is_some_and(|to| now >= to) {
            return false;
        }
        if !self.kinds.is_empty() && !self.kinds.contains(&step_kind(step)) {
            return false;
        }
        match (&self.devices, step_device(step)) {
            (Some(devices), Some(d)) => devices.binary_search(&d).is_ok(),
            _ => true,
        }
    }

    /// The share of a whole trace this filter keeps, roughly (for a size estimate): the share
    /// of the horizon in its window times the share of devices selected.
    pub fn share(&self, horizon: Ticks, devices: u64) -> f64 {
        let to = self.to.unwrap_or(horizon).min(horizon);
        let time = to.saturating_sub(self.from) as f64 / horizon.max(1) as f64;
        let devices = self
            .devices
            .as_ref()
            .map_or(1.0, |d| d.len() as f64 / devices.max(1) as f64);
        // Nearly every line is one of a message's three usual steps (generated, at a
        // gateway, then delivered or lost): a filter keeps about its share of those three.
        let kinds = if self.kinds.is_empty() {
            1.0
        } else {
            let has = |k: &str| self.kinds.contains(&k);
            let kept = has("generated") as u8
                + has("at_gateway") as u8
                + (has("delivered") || has("lost")) as u8;
            (kept as f64 / 3.0).max(0.01)
        };
        time * devices * kinds
    }
}

/// Bytes a trace line takes on average, measured on the shipped scenarios (100–140 bytes:
/// `{"t_us":…,"t":"…","step":"delivered","device":"meters/17","seq":42,…}`).
pub const BYTES_PER_LINE: f64 = 125.0;

/// Lines a whole trace of one replication of `dep` writes, roughly: every message is
/// generated and then delivered or lost, most also reach a gateway (three steps), plus the
/// state changes.
pub fn lines_needed(dep: &Deployment) -> f64 {
    let horizon = dep.horizon as f64;
    let messages: f64 = dep
        .fleets
        .iter()
        .map(|f| f.count as f64 * horizon / f.report.mean().max(1.0))
        .sum();
    3.0 * messages
}

/// Writes each step as a JSON line. The first write error stops the output and is kept.
pub struct JsonLines<'d, W: Write> {
    out: W,
    dep: &'d Deployment,
    /// Index of each fleet's first device, to name devices `fleet/index`.
    fleet_starts: Vec<u32>,
    filter: Filter,
    error: Option<std::io::Error>,
}

impl<'d, W: Write> JsonLines<'d, W> {
    pub fn new(dep: &'d Deployment, out: W) -> Self {
        let mut start = 0;
        let fleet_starts = dep
            .fleets
            .iter()
            .map(|f| {
                let s = start;
                start += f.count;
                s
            })
            .collect();
        JsonLines {
            out,
            dep,
            fleet_starts,
            filter: Filter::default(),
            error: None,
        }
    }

    /// Writes only the steps `filter` keeps.
    pub fn filtered(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    /// The writer, or the first error met while writing.
    pub fn finish(mut self) -> std::io::Result<W> {
        match self.error.take() {
            Some(e) => Err(e),
            None => {
                self.out.flush()?;
                Ok(self.out)
            }
        }
    }

    fn device(&self, d: u32) -> String {
        let f = self.fleet_starts.partition_point(|&s| s <= d) - 1;
        format!("{}/{}", self.dep.fleets[f].id, d - self.fleet_starts[f])
    }

    fn message(&self, step: &str, m: MessageId) -> Value {
        json!({ "step": step, "device": self.device(m.device), "seq": m.seq })
    }

    fn gateway(&self, g: u32) -> &str {
        &self.dep.gateways[g as usize].id
    }

    fn line(&self, step: &Trace) -> Value {
        match *step {
            Trace::Generated(m) => self.message("generated", m),
            Trace::Lost(m, cause) => {
                let mut v = self.message("lost", m);
                v["cause"] = json!(cause.name());
                v
            }
            Trace::AtGateway { msg, gateway } => {
                let mut v = self.message("at_gateway", msg);
                v["gateway"] = json!(self.gateway(gateway));
                v
            }
            Trace::Buffered {
                msg,
                gateway,
                occupancy,
            } => {
                let mut v = self.message("buffered", msg);
                v["gateway"] = json!(self.gateway(gateway));
                v["occupancy"] = json!(occupancy);
                v
            }
            Trace::Delivered {
                msg,
                arrival,
                delay,
                on_time,
            } => {
                let mut v = self.message("delivered", msg);
                v["arrival_us"] = json!(arrival);
                v["delay_us"] = json!(delay);
                v["on_time"] = json!(on_time);
                v
            }
            Trace::InFlightAtHorizon(m) => self.message("in_flight_at_horizon", m),
            Trace::OnAccessLinkAtHorizon(m) => self.message("on_access_link_at_horizon", m),
            Trace::BufferedAtHorizon { msg, gateway } => {
                let mut v = self.message("buffered_at_horizon", msg);
                v["gateway"] = json!(self.gateway(gateway));
                v
            }
            Trace::DeviceDown(d) => json!({ "step": "device_down", "device": self.device(d) }),
            Trace::DeviceUp(d) => json!({ "step": "device_up", "device": self.device(d) }),
            Trace::DeviceDegraded(d) => {
                json!({ "step": "device_degraded", "device": self.device(d) })
            }
            Trace::DeviceReplaced(d) => {
                json!({ "step": "device_replaced", "device": self.device(d) })
            }
            Trace::Upkeep {
                device,
                work,
                lasting,
            } => json!({
                "step": "upkeep",
                "device": self.device(device),
                "work": work.name(),
                "lasting_s": lasting as f64 / TICKS_PER_SECOND as f64,
            }),
            Trace::GatewayDown(g) => json!({ "step": "gateway_down", "gateway": self.gateway(g) }),
            Trace::GatewayUp(g) => json!({ "step": "gateway_up", "gateway": self.gateway(g) }),
            Trace::CarrierDown(c) => {
                json!({ "step": "carrier_down", "carrier": self.dep.carriers[c as usize].id })
            }
            Trace::CarrierUp(c) => {
                json!({ "step": "carrier_up", "carrier": self.dep.carriers[c as usize].id })
            }
            Trace::UplinkChanged { gateway, uplink } => {
                let g = &self.dep.gateways[gateway as usize];
                let carrier = uplink.map(|u| &self.dep.carriers[g.uplinks[u as usize].carrier].id);
                json!({ "step": "uplink_changed", "gateway": g.id, "uplink": uplink, "carrier": carrier })
            }
            Trace::GroupChanged { group, gateway } => {
                let gateway = gateway.map(|g| self.gateway(g));
                let group = &self.dep.groups[group as usize].id;
                json!({ "step": "group_changed", "group": group, "gateway": gateway })
            }
            Trace::BufferedOnDevice { msg, occupancy } => {
                let mut v = self.message("buffered_on_device", msg);
                v["occupancy"] = json!(occupancy);
                v
            }
            Trace::OnDeviceAtHorizon(m) => self.message("on_device_at_horizon", m),
            Trace::CauseDown(c) => {
                json!({ "step": "cause_down", "cause": self.dep.causes[c as usize].id })
            }
            Trace::CauseUp(c) => {
                json!({ "step": "cause_up", "cause": self.dep.causes[c as usize].id })
            }
        }
    }
}

impl<W: Write> Observer for JsonLines<'_, W> {
    fn observe(&mut self, now: Ticks, step: Trace) {
        if self.error.is_some() || !self.filter.keeps(now, &step) {
            return;
        }
        let mut v = json!({ "t_us": now, "t": Duration(now).to_string() });
        if let (Some(line), Value::Object(fields)) = (v.as_object_mut(), self.line(&step)) {
            line.extend(fields);
        }
        let result = serde_json::to_writer(&mut self.out, &v)
            .map_err(std::io::Error::from)
            .and_then(|_| self.out.write_all(b"\n"));
        if let Err(e) = result {
            self.error = Some(e);
        }
    }
}
