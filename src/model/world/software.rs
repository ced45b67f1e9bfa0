//! Device software that fails fleets: certificates that expire and firmware updates that brick.
//!
//! Both are commonly the cause of fleet-wide outages: certificates issued together expire
//! together, and an update pushed to a whole fleet bricks a share of it at once. They leave
//! the hardware working, so device availability does not count them; their readings are lost
//! as `auth_expired` and `firmware`, and their own counters say what happened.
//!
//! The software part owns each device's software state (flags and certificate expiry), the
//! campaigns' progress and their counters. It schedules its own events (`Cert`, `Wave`,
//! `Unbrick`) and raises site visits with the crews the world hands it; it reads a device's
//! hardware state only as the world passes it (`up`), and never changes it.

use rand::RngExt;

use super::crews::{Crews, Work};
use super::{Packed, process};
use crate::engine::random::member_key;
use crate::engine::{Scheduler, Stream, StreamKey, Ticks};
use crate::model::event::Event;
use crate::scenario::inventory::Start;
use crate::scenario::{CampaignSpec, CertSpec, Deployment};

/// A device's software state: flags, its firmware version and its certificate's expiry. The
/// version fits beside the flags in what the expiry's alignment pads anyway: 16 bytes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Soft {
    pub flags: u8,
    /// Index into the deployment's `firmware_versions`, or [`UNKNOWN_VERSION`].
    pub version: u16,
    pub cert_expiry: Ticks,
}

const _: () = assert!(std::mem::size_of::<Soft>() == 16);

/// The version of a device nothing names a version for: no campaign's `from` matches it.
pub(super) const UNKNOWN_VERSION: u16 = u16::MAX;

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
    /// Devices a campaign updated (bricked or not).
    pub firmware_updates: u64,
    /// Per fleet: site visits to repair bricked devices, to price them.
    pub fleet_firmware_visits: Vec<u64>,
}

/// A campaign's progress.
#[derive(Clone, Copy, Debug, Default)]
struct CampaignRt {
    halted: bool,
}

/// What the software part knows of a fleet.
#[derive(Debug)]
struct SoftFleet {
    key: u64,
    first_device: u32,
    count: u32,
    cert: Option<CertSpec>,
    /// Where the fleet's devices' software state starts (fleets with certificates or
    /// firmware campaigns only).
    first_soft: Option<u32>,
    /// Whether a campaign updates it (its devices' versions are read from the inventory).
    campaigns: bool,
}

/// Certificates and firmware campaigns of one replication.
#[derive(Debug)]
pub(super) struct Software {
    seed: u64,
    replication: u64,
    fleets: Vec<SoftFleet>,
    /// Per device of a fleet with certificates or firmware campaigns: its software state.
    soft: Vec<Soft>,
    campaigns: Vec<CampaignRt>,
    campaign_specs: Vec<CampaignSpec>,
    stats: SoftStats,
}

impl Software {
    pub(super) fn new(dep: &Deployment, replication: u64) -> Software {
        let mut first_device = 0u32;
        let mut soft = vec![];
        let fleets = dep
            .fleets
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let campaigns = dep.campaigns.iter().any(|c| c.fleet == i);
                let has = f.certificate.is_some() || campaigns;
                let first_soft = has.then_some(soft.len() as u32);
                if has {
                    let start = Soft {
                        flags: 0,
                        version: f.firmware_version.unwrap_or(UNKNOWN_VERSION),
                        cert_expiry: 0,
                    };
                    soft.resize(soft.len() + f.count as usize, start);
                }
                let fleet = SoftFleet {
                    key: f.key,
                    first_device,
                    count: f.count,
                    cert: f.certificate.clone(),
                    first_soft,
                    campaigns,
                };
                first_device += f.count;
                fleet
            })
            .collect();
        Software {
            seed: dep.seed,
            replication,
            fleets,
            soft,
            campaigns: vec![CampaignRt::default(); dep.campaigns.len()],
            campaign_specs: dep.campaigns.clone(),
            stats: SoftStats {
                fleet_firmware_visits: vec![0; dep.fleets.len()],
                ..SoftStats::default()
            },
        }
    }

    /// The software slot of device `d` of fleet `f`, if the fleet has certificates or
    /// campaigns.
    #[inline(always)]
    fn slot(&self, f: usize, d: u32) -> Option<usize> {
        let fleet = &self.fleets[f];
        fleet
            .first_soft
            .map(|first| (first + d - fleet.first_device) as usize)
    }

    /// Whether fleet `f`'s devices keep software flags (a fleet without campaigns or
    /// certificates has none: [`Software::flags`] is 0 for each of its devices).
    pub(super) fn keeps_flags(&self, f: usize) -> bool {
        self.fleets[f].first_soft.is_some()
    }

    /// Device `d` of fleet `f`'s software flags ([`EXPIRED`], [`BRICKED`]; 0 for a fleet
    /// without software).
    #[inline(always)]
    pub(super) fn flags(&self, f: usize, d: u32) -> u8 {
        self.slot(f, d).map_or(0, |slot| self.soft[slot].flags)
    }

    /// The fleet campaign `c` updates.
    pub(super) fn campaign_fleet(&self, c: usize) -> usize {
        self.campaign_specs[c].fleet
    }

    /// The warm-up ends: expiries, renewal failures, bricked devices, rollbacks, halted
    /// campaigns and site visits count from now on. Certificates and campaigns go on as they
    /// were (a device expired or bricked before stays blind until fixed, its lost readings
    /// counted by the ledger after the warm-up).
    pub(super) fn warm_up(&mut self) {
        let visits = std::mem::take(&mut self.stats.fleet_firmware_visits);
        self.stats = SoftStats {
            fleet_firmware_visits: vec![0; visits.len()],
            ..SoftStats::default()
        };
    }

    /// The replication's certificate and firmware counts.
    pub(super) fn finish(self) -> SoftStats {
        self.stats
    }

    /// A stream for device `d`'s software draw at `now`: keyed by the time, so certificate and
    /// firmware draws never shift the device's other streams.
    fn soft_stream(&self, f: usize, d: u32, now: Ticks, salt: u64) -> Stream {
        let fleet = &self.fleets[f];
        StreamKey {
            seed: self.seed,
            replication: self.replication,
            entity: member_key(fleet.key ^ salt, (d - fleet.first_device) as u64),
            process: process::SOFTWARE | (now << 8),
        }
        .stream()
    }

    /// Schedules certificates' first steps and campaigns' first waves.
    #[expect(
        clippy::expect_used,
        reason = "Software::new makes slots for every fleet with certificates or a campaign"
    )]
    /// A device the inventory (`start`) lists with a certificate expires on its date, and one
    /// listed with a firmware version is on it.
    pub(super) fn schedule_start(&mut self, sched: &mut Scheduler<Packed>, start: Option<&Start>) {
        for f in 0..self.fleets.len() {
            let Some(start) = start.filter(|_| self.fleets[f].campaigns) else {
                continue;
            };
            let first = self.fleets[f].first_device;
            for d in first..first + self.fleets[f].count {
                if let Some(version) = start.state(f, d - first).and_then(|s| s.firmware) {
                    let slot = self.slot(f, d).expect("a fleet with campaigns has slots");
                    self.soft[slot].version = version;
                }
            }
        }
        for f in 0..self.fleets.len() {
            let Some(cert) = self.fleets[f].cert.clone() else {
                continue;
            };
            let first = self.fleets[f].first_device;
            for d in first..first + self.fleets[f].count {
                let listed = start.and_then(|s| s.state(f, d - first)?.cert_expiry);
                let expiry = match (listed, &cert.first_expiry) {
                    (Some(at), _) => at,
                    (None, Some(law)) => law.sample(&mut self.soft_stream(f, d, 0, 0)),
                    (None, None) => cert.validity,
                };
                let slot = self
                    .slot(f, d)
                    .expect("a fleet with certificates has slots");
                self.soft[slot].cert_expiry = expiry;
                self.schedule_cert(sched, f, d, 0);
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
    #[expect(
        clippy::expect_used,
        reason = "certificate events exist only for fleets with certificates, which have slots"
    )]
    fn schedule_cert(&mut self, sched: &mut Scheduler<Packed>, f: usize, d: u32, from: Ticks) {
        let cert = self.fleets[f]
            .cert
            .as_ref()
            .expect("a fleet with certificates");
        let slot = self.slot(f, d).expect("slot");
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

    /// Step `step` of the certificate of device `d` of fleet `f` (`up`: its hardware works,
    /// so it can attempt a renewal).
    #[expect(
        clippy::expect_used,
        reason = "certificate events exist only for fleets with certificates, which have slots"
    )]
    pub(super) fn cert_step(
        &mut self,
        sched: &mut Scheduler<Packed>,
        f: usize,
        d: u32,
        up: bool,
        step: u32,
    ) -> Option<Ticks> {
        let now = sched.now();
        let cert = self.fleets[f]
            .cert
            .clone()
            .expect("a fleet with certificates");
        let slot = self.slot(f, d).expect("slot");
        match step {
            RENEW => {
                let mut rng = self.soft_stream(f, d, now, 1);
                if up && rng.random::<f64>() < cert.renewal_success {
                    self.soft[slot].cert_expiry = now.saturating_add(cert.validity);
                    self.schedule_cert(sched, f, d, now);
                    return None;
                }
                self.stats.cert_renewal_failures += 1;
                let retry = now.saturating_add(cert.retry_every);
                let expiry = self.soft[slot].cert_expiry;
                let (at, step) = if retry < expiry {
                    (retry, RENEW)
                } else {
                    (expiry, EXPIRE)
                };
                sched.schedule_at(at, Event::Cert { device: d, step }.into());
                None
            }
            EXPIRE => {
                self.soft[slot].flags |= EXPIRED;
                self.stats.cert_expiries += 1;
                let fix = cert.fix.sample(&mut self.soft_stream(f, d, now, 2));
                sched.schedule_at(
                    now.saturating_add(fix),
                    Event::Cert {
                        device: d,
                        step: FIXED,
                    }
                    .into(),
                );
                Some(fix)
            }
            _ => {
                self.soft[slot].flags &= !EXPIRED;
                self.soft[slot].cert_expiry = now.saturating_add(cert.validity);
                self.schedule_cert(sched, f, d, now);
                None
            }
        }
    }

    /// Wave `wave` of campaign `c`: each working device in it (`up`) on one of the versions
    /// it updates is updated (`updated` hears of it) and is then on the campaign's version;
    /// some brick: one rolled back stays on its old version, one reflashed on site gets the
    /// new one. A bricked device at a crew's site waits for one of `crews`' technicians.
    #[expect(
        clippy::expect_used,
        reason = "Software::new makes slots for every fleet a campaign names"
    )]
    pub(super) fn firmware_wave(
        &mut self,
        sched: &mut Scheduler<Packed>,
        crews: &mut Crews,
        up: impl Fn(u32) -> bool,
        mut updated_device: impl FnMut(u32),
        c: usize,
        wave: u32,
    ) {
        if self.campaigns[c].halted {
            return;
        }
        let now = sched.now();
        let spec = self.campaign_specs[c].clone();
        let f = spec.fleet;
        let (first, count) = (self.fleets[f].first_device, self.fleets[f].count);
        let from = first + (count as u64 * wave as u64 / spec.waves as u64) as u32;
        let to = first + (count as u64 * (wave as u64 + 1) / spec.waves as u64) as u32;
        let (mut updated, mut bricked) = (0u64, 0u64);
        for d in from..to {
            let slot = self.slot(f, d).expect("a fleet with campaigns has slots");
            if !up(d) || self.soft[slot].flags & BRICKED != 0 {
                continue;
            }
            if !spec.from.is_empty() && !spec.from.contains(&self.soft[slot].version) {
                continue;
            }
            updated += 1;
            updated_device(d);
            let mut rng = self.soft_stream(f, d, now, spec.key);
            let new_version = spec.to.unwrap_or(self.soft[slot].version);
            if rng.random::<f64>() >= spec.brick {
                self.soft[slot].version = new_version;
                continue;
            }
            bricked += 1;
            self.soft[slot].flags |= BRICKED;
            let (back, visit) = if rng.random::<f64>() < spec.recover {
                self.stats.rollbacks += 1;
                let back = spec.rollback_time.as_ref();
                (back.map_or(0, |t| t.sample(&mut rng)), false)
            } else {
                self.stats.fleet_firmware_visits[f] += 1;
                self.soft[slot].version = new_version;
                (spec.repair.sample(&mut rng), true)
            };
            // A site visit at a crew's site is one of its jobs (no part: a reflash).
            match crews.of_fleet(f) {
                Some(c) if visit => crews.raise_job(sched, c, Work::Unbrick(d), back, false),
                _ => {
                    sched.schedule_at(now.saturating_add(back), Event::Unbrick(d).into());
                }
            }
        }
        self.stats.bricked += bricked;
        self.stats.firmware_updates += updated;
        if spec
            .halt_above
            .is_some_and(|limit| updated > 0 && bricked as f64 / updated as f64 > limit)
        {
            self.campaigns[c].halted = true;
            self.stats.campaigns_halted += 1;
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

    /// Device `d` of fleet `f` is rolled back or reflashed: it works again.
    #[expect(
        clippy::expect_used,
        reason = "only a bricked device of a fleet with a campaign is unbricked, and it has a slot"
    )]
    pub(super) fn unbrick(&mut self, f: usize, d: u32) {
        let slot = self.slot(f, d).expect("slot");
        self.soft[slot].flags &= !BRICKED;
    }
}
