//! Device software that fails fleets: certificates that expire and firmware updates that brick.
//!
//! Both are commonly the cause of fleet-wide outages: certificates issued together expire
//! together, and an update pushed to a whole fleet bricks a share of it at once. They leave
//! the hardware working, so device availability does not count them; their readings are lost
//! as `auth_expired` and `firmware`, and their own counters say what happened.

use rand::RngExt;

use super::{Observer, Packed, Work, World, process};
use crate::engine::random::member_key;
use crate::engine::{Scheduler, Stream, StreamKey, Ticks};
use crate::model::event::Event;

/// A device's software state: flags and its certificate's expiry.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Soft {
    pub flags: u8,
    pub cert_expiry: Ticks,
}

pub(super) const EXPIRED: u8 = 1;
pub(super) const BRICKED: u8 = 2;

/// Steps of a certificate's life, carried by `Event::Cert`.
const RENEW: u32 = 0;
const EXPIRE: u32 = 1;
const FIXED: u32 = 2;

/// A replication's certificate and firmware counts.
#[derive(Clone, Debug, Default)]
pub struct SoftStats {
    pub cert_expiries: u64,
    pub cert_renewal_failures: u64,
    pub bricked: u64,
    pub rollbacks: u64,
    pub campaigns_halted: u64,
    /// Per fleet: site visits to repair bricked devices, to price them.
    pub fleet_firmware_visits: Vec<u64>,
}

/// A campaign's progress.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct CampaignRt {
    pub halted: bool,
}

impl<O: Observer> World<O> {
    /// The software slot of device `d`, if its fleet has certificates or campaigns.
    #[inline(always)]
    pub(super) fn soft_of(&self, d: u32) -> Option<usize> {
        let f = &self.fleets[self.devices[d as usize].fleet as usize];
        f.first_soft
            .map(|first| (first + d - f.first_device) as usize)
    }

    /// A stream for device `d`'s software draw at `now`: keyed by the time, so certificate and
    /// firmware draws never shift the device's other streams.
    fn soft_stream(&self, d: u32, now: Ticks, salt: u64) -> Stream {
        let f = &self.fleets[self.devices[d as usize].fleet as usize];
        StreamKey {
            seed: self.seed,
            replication: self.replication,
            entity: member_key(f.key ^ salt, (d - f.first_device) as u64),
            process: process::SOFTWARE | (now << 8),
        }
        .stream()
    }

    /// Schedules certificates' first steps and campaigns' first waves.
    pub(super) fn schedule_software(&mut self, sched: &mut Scheduler<Packed>) {
        for f in 0..self.fleets.len() {
            let Some(cert) = self.fleets[f].cert.clone() else {
                continue;
            };
            let first = self.fleets[f].first_device;
            for d in first..first + self.fleets[f].count {
                let expiry = match &cert.first_expiry {
                    Some(law) => law.sample(&mut self.soft_stream(d, 0, 0)),
                    None => cert.validity,
                };
                let slot = self
                    .soft_of(d)
                    .expect("a fleet with certificates has slots");
                self.soft[slot].cert_expiry = expiry;
                self.schedule_cert(sched, d, 0);
            }
        }
        for (c, campaign) in self.campaign_specs.iter().enumerate() {
            sched.schedule_at(
                campaign.start,
                Event::Wave {
                    campaign: c as u32,
                    wave: 0,
                }
                .into(),
            );
        }
    }

    /// The next step of device `d`'s certificate from time `from`: a renewal attempt when the
    /// renewal window is open and before expiry, else the expiry.
    fn schedule_cert(&mut self, sched: &mut Scheduler<Packed>, d: u32, from: Ticks) {
        let f = self.devices[d as usize].fleet as usize;
        let cert = self.fleets[f]
            .cert
            .as_ref()
            .expect("a fleet with certificates");
        let slot = self.soft_of(d).expect("slot");
        let expiry = self.soft[slot].cert_expiry;
        let renew_at = cert
            .renew_before
            .map(|before| expiry.saturating_sub(before).max(from));
        let (at, step) = match renew_at {
            Some(at) if at < expiry => (at, RENEW),
            _ => (expiry.max(from), EXPIRE),
        };
        sched.schedule_at(at, Event::Cert { device: d, step }.into());
    }

    pub(super) fn cert_step(&mut self, sched: &mut Scheduler<Packed>, d: u32, step: u32) {
        let now = sched.now();
        let f = self.devices[d as usize].fleet as usize;
        let cert = self.fleets[f]
            .cert
            .clone()
            .expect("a fleet with certificates");
        let slot = self.soft_of(d).expect("slot");
        match step {
            RENEW => {
                let mut rng = self.soft_stream(d, now, 1);
                if self.devices[d as usize].up && rng.random::<f64>() < cert.renewal_success {
                    self.soft[slot].cert_expiry = now.saturating_add(cert.validity);
                    return self.schedule_cert(sched, d, now);
                }
                self.acc.soft_stats.cert_renewal_failures += 1;
                let retry = now.saturating_add(cert.retry_every);
                let expiry = self.soft[slot].cert_expiry;
                let (at, step) = if retry < expiry {
                    (retry, RENEW)
                } else {
                    (expiry, EXPIRE)
                };
                sched.schedule_at(at, Event::Cert { device: d, step }.into());
            }
            EXPIRE => {
                self.soft[slot].flags |= EXPIRED;
                self.acc.soft_stats.cert_expiries += 1;
                let fix = cert.fix.sample(&mut self.soft_stream(d, now, 2));
                sched.schedule_at(
                    now.saturating_add(fix),
                    Event::Cert {
                        device: d,
                        step: FIXED,
                    }
                    .into(),
                );
            }
            _ => {
                self.soft[slot].flags &= !EXPIRED;
                self.soft[slot].cert_expiry = now.saturating_add(cert.validity);
                self.schedule_cert(sched, d, now);
            }
        }
    }

    /// Wave `wave` of campaign `c`: each working device in it is updated; some brick.
    pub(super) fn firmware_wave(&mut self, sched: &mut Scheduler<Packed>, c: usize, wave: u32) {
        if self.campaigns[c].halted {
            return;
        }
        let now = sched.now();
        let spec = self.campaign_specs[c].clone();
        let fleet = &self.fleets[spec.fleet];
        let (first, count) = (fleet.first_device, fleet.count);
        let from = first + (count as u64 * wave as u64 / spec.waves as u64) as u32;
        let to = first + (count as u64 * (wave as u64 + 1) / spec.waves as u64) as u32;
        let (mut updated, mut bricked) = (0u64, 0u64);
        for d in from..to {
            let slot = self.soft_of(d).expect("a fleet with campaigns has slots");
            if !self.devices[d as usize].up || self.soft[slot].flags & BRICKED != 0 {
                continue;
            }
            updated += 1;
            let mut rng = self.soft_stream(d, now, spec.key);
            if rng.random::<f64>() >= spec.brick {
                continue;
            }
            bricked += 1;
            self.soft[slot].flags |= BRICKED;
            let (back, visit) = if rng.random::<f64>() < spec.recover {
                self.acc.soft_stats.rollbacks += 1;
                let back = spec.rollback_time.as_ref();
                (back.map_or(0, |t| t.sample(&mut rng)), false)
            } else {
                self.acc.soft_stats.fleet_firmware_visits[spec.fleet] += 1;
                (spec.repair.sample(&mut rng), true)
            };
            // A site visit at a crew's site is one of its jobs (no part: a reflash).
            match self.crews.of_fleet(spec.fleet) {
                Some(c) if visit => self.raise_job(sched, c, Work::Unbrick(d), back, false),
                _ => {
                    sched.schedule_at(now.saturating_add(back), Event::Unbrick(d).into());
                }
            }
        }
        self.acc.soft_stats.bricked += bricked;
        if spec
            .halt_above
            .is_some_and(|limit| updated > 0 && bricked as f64 / updated as f64 > limit)
        {
            self.campaigns[c].halted = true;
            self.acc.soft_stats.campaigns_halted += 1;
        } else if wave + 1 < spec.waves {
            sched.schedule_at(
                now.saturating_add(spec.wave_every),
                Event::Wave {
                    campaign: c as u32,
                    wave: wave + 1,
                }
                .into(),
            );
        }
    }

    pub(super) fn unbrick(&mut self, d: u32) {
        let slot = self.soft_of(d).expect("slot");
        self.soft[slot].flags &= !BRICKED;
    }
}
