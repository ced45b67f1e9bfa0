//! `iotwin trace`: one replication as JSON lines, one simulation step a line, in simulation
//! order, with names instead of indices. A trace is a pure function of the scenario, the seed
//! and the replication index, so it replays bit-identically.

use std::io::Write;

use serde_json::{Value, json};

use crate::engine::{Duration, Ticks};
use crate::model::{MessageId, Observer, Trace};
use crate::scenario::Deployment;

/// Writes each step as a JSON line. The first write error stops the output and is kept.
pub struct JsonLines<'d, W: Write> {
    out: W,
    dep: &'d Deployment,
    /// Index of each fleet's first device, to name devices `fleet/index`.
    fleet_starts: Vec<u32>,
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
            error: None,
        }
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
        if self.error.is_some() {
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
