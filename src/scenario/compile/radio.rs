//! A device's radio: its link (loss, bursts, latency, data rate, from its technology's preset
//! where unwritten) and, on LoRa, the physical layer, channel access and placement.

use super::super::catalog;
use super::super::deployment::{BurstSpec, LinkSpec, LoRaSpec, PlacementSpec};
use super::super::error::ScenarioError;
use super::super::types::{Dist, Link, LoRa, LoRaAccess, Placement};
use super::Ctx;
use crate::model::lora::{self, LoRaPhy, LogDistance};

impl Ctx<'_> {
    /// A link, its unwritten fields taken from its technology's preset if it names one.
    pub(super) fn link(&self, field: &str, written: &Link) -> Result<LinkSpec, ScenarioError> {
        let preset = written
            .tech
            .map(|t| catalog::preset(t).link())
            .unwrap_or_default();
        let link = Link {
            tech: written.tech,
            loss: written.loss.or(preset.loss),
            latency: written.latency.clone().or(preset.latency),
            burst: written.burst.or(preset.burst),
            data_rate_bps: written.data_rate_bps.or(preset.data_rate_bps),
        };
        let latency = link
            .latency
            .unwrap_or(Dist::Fixed(crate::engine::Duration::ZERO));
        // Every probability a hop draws from is checked here, where it can be located: the
        // model treats them as valid and has no file to point at.
        let probabilities = [
            ("loss", link.loss.map(|p| p.0)),
            ("burst.enter", link.burst.map(|b| b.enter.0)),
            ("burst.leave", link.burst.map(|b| b.leave.0)),
            ("burst.loss", link.burst.map(|b| b.loss.0)),
        ];
        for (name, p) in probabilities {
            if let Some(p) = p.filter(|p| !(0.0..=1.0).contains(p)) {
                return Err(self.error(
                    &format!("{field}.{name}"),
                    format!("expected a probability between 0 and 1, found {p}"),
                    "a probability: 0.01 means 1% of messages".into(),
                ));
            }
        }
        Ok(LinkSpec {
            loss: link.loss.map_or(0.0, |p| p.0),
            data_rate_bps: link.data_rate_bps.map(|r| r.0),
            burst: link.burst.map(|b| BurstSpec {
                enter: b.enter.0,
                leave: b.leave.0,
                loss: b.loss.0,
            }),
            latency: self.dist(&format!("{field}.latency"), &latency)?,
        })
    }

    pub(super) fn lora(
        &self,
        field: &str,
        l: &LoRa,
        message_bytes: u32,
    ) -> Result<LoRaSpec, ScenarioError> {
        if !(7..=12).contains(&l.spreading_factor) {
            return Err(self.error(
                &format!("{field}.spreading_factor"),
                format!("spreading factor {} is not 7 to 12", l.spreading_factor),
                "LoRa uses SF7 (fast, short range) to SF12 (slow, long range)".into(),
            ));
        }
        if ![125, 250, 500].contains(&l.bandwidth_khz) {
            return Err(self.error(
                &format!("{field}.bandwidth_khz"),
                format!("bandwidth {} kHz is not a LoRa bandwidth", l.bandwidth_khz),
                "use 125, 250 or 500".into(),
            ));
        }
        if !(1..=4).contains(&l.coding_rate) {
            return Err(self.error(
                &format!("{field}.coding_rate"),
                format!("coding rate {} is not 1 to 4", l.coding_rate),
                "1 means 4/5 (LoRaWAN's), 4 means 4/8".into(),
            ));
        }
        if l.duty_cycle.0 <= 0.0 {
            return Err(self.error(
                &format!("{field}.duty_cycle"),
                "a duty cycle of 0 never lets a device transmit".into(),
                "EU868 allows 0.01 (1%); write 1.0 for no limit".into(),
            ));
        }
        if l.channels.0 > 64 {
            return Err(self.error(
                &format!("{field}.channels"),
                format!(
                    "{} channels is more than a LoRaWAN region defines",
                    l.channels.0
                ),
                "EU868 networks use 8, US915 64 at most".into(),
            ));
        }
        let slot = match l.access {
            LoRaAccess::Pure => None,
            LoRaAccess::Slotted { slot } => {
                // The longest frame the fleet can send: at SF12 when devices pick their SF.
                let sf = if l.sf_by_distance {
                    12
                } else {
                    l.spreading_factor
                };
                let phy = LoRaPhy {
                    spreading_factor: sf,
                    bandwidth_hz: l.bandwidth_khz * 1000,
                    coding_rate: l.coding_rate,
                    ..LoRaPhy::default()
                };
                let airtime = phy.time_on_air_us(message_bytes + lora::LORAWAN_OVERHEAD_BYTES);
                if slot.ticks() < airtime {
                    return Err(self.error(
                        &format!("{field}.access.slot"),
                        format!(
                            "a slot of {} µs is shorter than a frame's {airtime} µs on air at SF{sf}",
                            slot.ticks()
                        ),
                        format!(
                            "a slotted frame must fit its slot: use a slot of at least {:.3} s",
                            airtime as f64 / 1e6
                        ),
                    ));
                }
                Some(slot.ticks())
            }
        };
        let placement = l.placement.map(|p| self.placement(field, &p)).transpose()?;
        let needs = |what: &str| {
            self.error(
                &format!("{field}.{what}"),
                format!("`{what}` needs to know how far each device is from its gateway"),
                "add `placement: Placement(radius_m: ...)` to the fleet's `lora`".into(),
            )
        };
        if placement.is_none() && l.sf_by_distance {
            return Err(needs("sf_by_distance"));
        }
        if let Some(c) = l.capture_db {
            if placement.is_none() {
                return Err(needs("capture_db"));
            }
            if !(c.is_finite() && c >= 0.0) {
                return Err(self.error(
                    &format!("{field}.capture_db"),
                    format!("a capture threshold of {c} dB is not a power ratio"),
                    "Bor et al. 2016 measured 6 dB; use 0 or more".into(),
                ));
            }
        }
        Ok(LoRaSpec {
            spreading_factor: l.spreading_factor,
            channels: l.channels.0,
            duty_cycle: l.duty_cycle.0,
            bandwidth_hz: l.bandwidth_khz * 1000,
            coding_rate: l.coding_rate,
            slot,
            placement,
            sf_by_distance: l.sf_by_distance,
            capture_db: l.capture_db,
            rules: super::lora::rules(l, message_bytes)
                .map_err(|e| self.error(&format!("{field}.{}", e.field), e.message, e.hint))?,
        })
    }

    fn placement(&self, field: &str, p: &Placement) -> Result<PlacementSpec, ScenarioError> {
        let field = format!("{field}.placement");
        let positive = |name: &str, v: f64, hint: &str| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(self.error(
                    &format!("{field}.{name}"),
                    format!("{name} {v} is not a positive number"),
                    hint.into(),
                ))
            }
        };
        positive(
            "radius_m",
            p.radius_m,
            "the disc's radius in metres, e.g. 500",
        )?;
        positive(
            "path_loss.d0_m",
            p.path_loss.d0_m,
            "the reference distance in metres; Bor et al. 2016 use 40",
        )?;
        positive(
            "path_loss.exponent",
            p.path_loss.exponent,
            "2 in free space, 2.7 to 4 in cities; Bor et al. 2016 fitted 2.08",
        )?;
        let finite = |name: &str, v: f64, hint: &str| {
            if v.is_finite() && (name != "path_loss.shadowing_db" || v >= 0.0) {
                Ok(())
            } else {
                Err(self.error(
                    &format!("{field}.{name}"),
                    format!("{name} {v} is not a usable number of dB"),
                    hint.into(),
                ))
            }
        };
        finite("tx_power_dbm", p.tx_power_dbm, "14 dBm is the EU868 limit")?;
        finite(
            "path_loss.loss_d0_db",
            p.path_loss.loss_d0_db,
            "Bor et al. 2016 measured 127.41 dB at 40 m",
        )?;
        finite(
            "path_loss.shadowing_db",
            p.path_loss.shadowing_db,
            "a standard deviation of 0 or more; Bor et al. 2016 measured 3.57 dB",
        )?;
        Ok(PlacementSpec {
            radius_m: p.radius_m,
            tx_power_dbm: p.tx_power_dbm,
            path_loss: LogDistance {
                d0_m: p.path_loss.d0_m,
                loss_d0_db: p.path_loss.loss_d0_db,
                exponent: p.path_loss.exponent,
            },
            shadowing_db: p.path_loss.shadowing_db,
        })
    }
}
