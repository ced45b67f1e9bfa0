//! The model's events, packed into 8 bytes so that a queue entry (time and event) is 16 bytes.
//!
//! A 5-bit kind and a 27-bit index share one word; `aux` carries a delay in ticks for arrivals
//! (a delay too long for 32 bits goes through a side table instead, see `World`).

/// What happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Device `0` is due to report.
    Emit(u32),
    /// A message from device `device` reaches its gateway after `delay` ticks on the access link.
    Arrive {
        device: u32,
        delay: u32,
    },
    /// As `Arrive`, for a delay kept in the long-delay table at `slot`.
    ArriveLong {
        slot: u32,
    },
    DeviceFail(u32),
    DeviceRepair(u32),
    GatewayFail(u32),
    GatewayRepair(u32),
    CarrierDown(u32),
    CarrierUp(u32),
    /// Channel `channel` of gateway `gateway`'s server has finished sending its message.
    ServiceDone {
        gateway: u32,
        channel: u32,
    },
    /// Scripted fault `0` begins.
    FaultBegin(u32),
    /// Scripted fault `0` ends.
    FaultEnd(u32),
    /// Common cause `index` strikes (`up == false`) or clears.
    Cause {
        index: u32,
        up: bool,
    },
    /// A timer of failover place `place` fires with the policy's `token`.
    PolicyTimer {
        place: u32,
        token: u32,
    },
    /// The LoRa transmission last started on shared channel `0` ends, unless a later one
    /// replaced it.
    ChannelFree(u32),
    /// Device `device`'s certificate: a renewal attempt, its expiry or its re-provisioning.
    Cert {
        device: u32,
        step: u32,
    },
    /// Wave `wave` of firmware campaign `campaign` starts.
    Wave {
        campaign: u32,
        wave: u32,
    },
    /// Bricked device `0` is restored (rolled back remotely or repaired on site).
    Unbrick(u32),
    /// Device `0`'s sensor degrades, unless its unit was renewed since this was scheduled.
    DeviceDegrade(u32),
    /// As `Arrive`, for a reading taken while its sensor was out of accuracy.
    ArriveBad {
        device: u32,
        delay: u32,
    },
    /// Fleet `0`'s devices are inspected (condition-based maintenance).
    Inspect(u32),
    /// A technician of crew `crew` finishes job `slot` (travel and hands-on repair): the unit
    /// is back and the technician free.
    JobDone {
        crew: u32,
        slot: u32,
    },
    /// A spare part ordered by crew `0` arrives.
    PartArrives(u32),
    /// A timer of cellular device `device` (detection, switch, hold-down) with its `token`.
    Cell {
        device: u32,
        token: u32,
    },
    /// A connectivity platform's timer for the cellular fleet whose first device is `device`.
    Platform {
        device: u32,
        token: u32,
    },
}

/// An [`Event`] in 8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packed {
    word: u32,
    aux: u32,
}

/// 5 bits of kind (32 kinds; 25 used) and 27 of index (134 million devices).
const INDEX_BITS: u32 = 27;
const INDEX_MASK: u32 = (1 << INDEX_BITS) - 1;

/// The largest index an event can carry.
pub const MAX_INDEX: u32 = INDEX_MASK;

impl Packed {
    #[inline(always)]
    fn new(kind: u32, index: u32, aux: u32) -> Packed {
        debug_assert!(index <= INDEX_MASK);
        Packed {
            word: (kind << INDEX_BITS) | index,
            aux,
        }
    }
}

impl From<Event> for Packed {
    #[inline(always)]
    fn from(e: Event) -> Packed {
        match e {
            Event::Emit(i) => Packed::new(0, i, 0),
            Event::Arrive { device, delay } => Packed::new(1, device, delay),
            Event::ArriveLong { slot } => Packed::new(2, slot, 0),
            Event::DeviceFail(i) => Packed::new(3, i, 0),
            Event::DeviceRepair(i) => Packed::new(4, i, 0),
            Event::GatewayFail(i) => Packed::new(5, i, 0),
            Event::GatewayRepair(i) => Packed::new(6, i, 0),
            Event::CarrierDown(i) => Packed::new(7, i, 0),
            Event::CarrierUp(i) => Packed::new(8, i, 0),
            Event::ServiceDone { gateway, channel } => Packed::new(9, gateway, channel),
            Event::FaultBegin(i) => Packed::new(10, i, 0),
            Event::FaultEnd(i) => Packed::new(11, i, 0),
            Event::Cause { index, up } => Packed::new(12, index, up as u32),
            Event::PolicyTimer { place, token } => Packed::new(13, place, token),
            Event::ChannelFree(i) => Packed::new(14, i, 0),
            Event::Cert { device, step } => Packed::new(15, device, step),
            Event::Wave { campaign, wave } => Packed::new(16, campaign, wave),
            Event::Unbrick(i) => Packed::new(17, i, 0),
            Event::DeviceDegrade(i) => Packed::new(18, i, 0),
            Event::ArriveBad { device, delay } => Packed::new(19, device, delay),
            Event::Inspect(i) => Packed::new(20, i, 0),
            Event::JobDone { crew, slot } => Packed::new(21, crew, slot),
            Event::PartArrives(i) => Packed::new(22, i, 0),
            Event::Cell { device, token } => Packed::new(23, device, token),
            Event::Platform { device, token } => Packed::new(24, device, token),
        }
    }
}

impl From<Packed> for Event {
    #[inline(always)]
    fn from(p: Packed) -> Event {
        let i = p.word & INDEX_MASK;
        match p.word >> INDEX_BITS {
            0 => Event::Emit(i),
            1 => Event::Arrive {
                device: i,
                delay: p.aux,
            },
            2 => Event::ArriveLong { slot: i },
            3 => Event::DeviceFail(i),
            4 => Event::DeviceRepair(i),
            5 => Event::GatewayFail(i),
            6 => Event::GatewayRepair(i),
            7 => Event::CarrierDown(i),
            8 => Event::CarrierUp(i),
            9 => Event::ServiceDone {
                gateway: i,
                channel: p.aux,
            },
            10 => Event::FaultBegin(i),
            11 => Event::FaultEnd(i),
            12 => Event::Cause {
                index: i,
                up: p.aux != 0,
            },
            13 => Event::PolicyTimer {
                place: i,
                token: p.aux,
            },
            14 => Event::ChannelFree(i),
            15 => Event::Cert {
                device: i,
                step: p.aux,
            },
            16 => Event::Wave {
                campaign: i,
                wave: p.aux,
            },
            17 => Event::Unbrick(i),
            18 => Event::DeviceDegrade(i),
            19 => Event::ArriveBad {
                device: i,
                delay: p.aux,
            },
            20 => Event::Inspect(i),
            21 => Event::JobDone {
                crew: i,
                slot: p.aux,
            },
            22 => Event::PartArrives(i),
            23 => Event::Cell {
                device: i,
                token: p.aux,
            },
            _ => Event::Platform {
                device: i,
                token: p.aux,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips() {
        let events = [
            Event::Emit(MAX_INDEX),
            Event::Arrive {
                device: 7,
                delay: u32::MAX,
            },
            Event::ArriveLong { slot: 3 },
            Event::DeviceFail(1),
            Event::DeviceRepair(2),
            Event::GatewayFail(3),
            Event::GatewayRepair(4),
            Event::CarrierDown(5),
            Event::CarrierUp(6),
            Event::ServiceDone {
                gateway: 0,
                channel: 3,
            },
            Event::FaultBegin(9),
            Event::FaultEnd(MAX_INDEX),
            Event::Cause { index: 2, up: true },
            Event::PolicyTimer {
                place: 1,
                token: u32::MAX,
            },
            Event::ChannelFree(4),
            Event::Cert { device: 3, step: 2 },
            Event::Wave {
                campaign: 1,
                wave: 7,
            },
            Event::Unbrick(MAX_INDEX),
            Event::DeviceDegrade(MAX_INDEX),
            Event::ArriveBad {
                device: 3,
                delay: 77,
            },
            Event::Inspect(2),
            Event::JobDone {
                crew: 3,
                slot: u32::MAX,
            },
            Event::PartArrives(MAX_INDEX),
            Event::Cell {
                device: MAX_INDEX,
                token: u32::MAX,
            },
            Event::Platform {
                device: 5,
                token: 3,
            },
        ];
        for e in events {
            assert_eq!(Event::from(Packed::from(e)), e);
        }
        assert_eq!(std::mem::size_of::<Packed>(), 8);
    }
}
