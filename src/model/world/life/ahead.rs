//! Lives lived ahead: a device whose lifecycle nothing else in the run can change (no crew to
//! wait for, no spares shared, no common cause holding it, no software, no observer, no
//! warm-up or end of life cutting the run) lives its whole life before the run starts, on a
//! [`Local`] agenda of its own: the same handlers, the same draws of its own lifecycle stream,
//! its own events in the scheduler's order, and its fleet's inspections at the times the
//! run's would come.
//!
//! Why: at national scale (ten million meters over twenty years) an event on a device read its
//! entry and clocks at random from a gigabyte and went through a queue of twenty million
//! pending events; lived one device after another, its state stays in the caches, and the run
//! keeps only what the rest of the world can see — when each device moved between states (the
//! caller's `changed`), which flow mode turns into its fleets' counts over time.

use crate::engine::Ticks;
use crate::engine::agenda::{Agenda, Local};
use crate::model::event::{Event, Packed};
use crate::model::trace::Observer;
use crate::scenario::inventory::StartState;

use super::super::Device;
use super::{Clocks, Life, LifeCx};

impl Life {
    /// Lives device `d` from its start (`listed`: its inventory state) to `end`, before the
    /// run: calls `changed(at, before, after)` each time `state` of the device changes, in
    /// time order, and counts its events ([`Life::lived_events`]). The device's entry is left as the
    /// run would leave it at `end`; its clocks are the shared entry the next device starts
    /// afresh (nothing reads them during the run).
    #[expect(
        clippy::too_many_arguments,
        reason = "the device, where it starts and ends, and the two views the caller keeps of it"
    )]
    pub(in crate::model::world) fn live_ahead<O: Observer>(
        &mut self,
        agenda: &mut Local<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
        listed: Option<&StartState>,
        end: Ticks,
        state: impl Fn(&Device) -> usize,
        mut changed: impl FnMut(Ticks, usize, usize),
    ) {
        agenda.clear();
        let fleet = cx.devices[d as usize].fleet;
        let inspection = cx.fleets[fleet as usize]
            .life
            .degradation
            .as_ref()
            .and_then(|g| g.inspection);
        if cx.fleets[fleet as usize].life.has_clocks() {
            // Its clocks are the ones the device before it left: start them as the run would.
            let at = self.clock_of(cx, d);
            self.put(at, Clocks::default());
        }
        let mut before = state(&cx.devices[d as usize]);
        self.start_device(agenda, cx, d, listed);
        // The run schedules the first inspections after every device's start, and each
        // inspection the next before it looks at the devices.
        if let Some(i) = inspection {
            agenda.repeat(i.every, i.every, Event::Inspect(fleet).into());
        }
        let mut at = 0;
        loop {
            let after = state(&cx.devices[d as usize]);
            if after != before {
                changed(at, before, after);
                before = after;
            }
            let Some(event) = agenda.next_before(end) else {
                break;
            };
            at = agenda.now();
            match Event::from(event) {
                Event::DeviceFail(_) => self.device_changed(agenda, cx, d, false),
                Event::DeviceRepair(_) => self.device_changed(agenda, cx, d, true),
                Event::DeviceDegrade(_) => self.degrade(agenda, cx, d),
                Event::Inspect(_) => {
                    if let Some(i) = inspection {
                        self.inspect_device(agenda, cx, d, i.detection);
                    }
                }
                // Nothing else is scheduled for a device whose fleet may live ahead (no crews,
                // no software, no own SIMs): `World::mark_lived_ahead`.
                other => debug_assert!(false, "{other:?} in a life lived ahead"),
            }
            if !matches!(Event::from(event), Event::Inspect(_)) {
                self.lived_events += 1;
            }
        }
    }
}
