//! What a replication can report as it runs, for `iotwin trace` and for tests of failover logic.
//!
//! The model calls an [`Observer`] at every state change and at every step of every message.
//! [`Silent`] observes nothing and compiles away: a traced run and an untraced one simulate the
//! same world event for event, only the traced one says so.

use crate::engine::Ticks;

use super::ledger::LossCause;

/// One message: its device and its number among that device's messages (from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageId {
    pub device: u32,
    pub seq: u32,
}

/// A step of the simulation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trace {
    Generated(MessageId),
    Lost(MessageId, LossCause),
    AtGateway {
        msg: MessageId,
        gateway: u32,
    },
    Buffered {
        msg: MessageId,
        gateway: u32,
        occupancy: u64,
    },
    /// Sent over the uplink now; reaches the cloud at `arrival`, `delay` after it was generated.
    Delivered {
        msg: MessageId,
        arrival: Ticks,
        delay: Ticks,
        on_time: bool,
    },
    /// Left the gateway but reaches the cloud only after the horizon.
    InFlightAtHorizon(MessageId),
    /// Still on the access link at the horizon.
    OnAccessLinkAtHorizon(MessageId),
    BufferedAtHorizon {
        msg: MessageId,
        gateway: u32,
    },
    DeviceDown(u32),
    DeviceUp(u32),
    GatewayDown(u32),
    GatewayUp(u32),
    CarrierDown(u32),
    CarrierUp(u32),
    /// Gateway now forwards over `uplink` (an index into its uplinks), or over none.
    UplinkChanged {
        gateway: u32,
        uplink: Option<u32>,
    },
    /// Redundancy group `group` now sends its devices to `gateway` (the first in use), or to
    /// none.
    GroupChanged {
        group: u32,
        gateway: Option<u32>,
    },
    /// Kept on its device, which cannot reach a gateway; `occupancy` readings are kept now.
    BufferedOnDevice {
        msg: MessageId,
        occupancy: u64,
    },
    /// Still kept on its device at the horizon.
    OnDeviceAtHorizon(MessageId),
    /// Common cause `0` strikes.
    CauseDown(u32),
    CauseUp(u32),
    /// Device `0`'s sensor degrades: its readings are out of accuracy (or dropped) from now.
    DeviceDegraded(u32),
    /// An inspection found device `0` degraded and replaced it by a new unit.
    DeviceReplaced(u32),
    /// Device `device` needs `work`, which takes `lasting` (a repair's, swap's or planned
    /// replacement's own time; a certificate's fix): what a forecast counts.
    Upkeep {
        device: u32,
        work: Upkeep,
        lasting: Ticks,
    },
}

/// Work a device needs, reported when it becomes due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Upkeep {
    /// A random failure: one repair visit.
    Repair,
    /// A flat battery, swapped or recharged.
    BatterySwap,
    /// A flat battery nobody swaps: the device is dead for good.
    BatteryDead,
    /// A planned replacement at the fleet's replacement age.
    Replacement,
    /// Its certificate expired; `lasting` is the time to fix it.
    CertExpired,
    /// A campaign updated its firmware over the air (no visit; `lasting` 0).
    FirmwareUpdate,
}

impl Upkeep {
    /// The name used in traces and forecasts.
    pub fn name(self) -> &'static str {
        match self {
            Upkeep::Repair => "repair",
            Upkeep::BatterySwap => "battery_swap",
            Upkeep::BatteryDead => "battery_dead",
            Upkeep::Replacement => "replacement",
            Upkeep::CertExpired => "cert_expired",
            Upkeep::FirmwareUpdate => "firmware_update",
        }
    }
}

/// Receives every step of one replication, in simulation order.
pub trait Observer {
    /// False for observers that ignore everything, so the model can skip the bookkeeping.
    const ENABLED: bool = true;
    fn observe(&mut self, now: Ticks, step: Trace);
}

/// Observes nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Observer for Silent {
    const ENABLED: bool = false;
    #[inline(always)]
    fn observe(&mut self, _: Ticks, _: Trace) {}
}

/// Keeps every step in memory (for tests and small runs).
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    pub steps: Vec<(Ticks, Trace)>,
}

impl Observer for Recorder {
    fn observe(&mut self, now: Ticks, step: Trace) {
        self.steps.push((now, step));
    }
}
