//! The cost model: what one replication's deployment costs, from its prices
//! ([`CostSpec`]) and what happened in it ([`Outcome`]).
//!
//! A pure function of the two, so that cost gets a confidence interval like every metric:
//! repairs, downtime, penalties and data volume vary from one replication to the next.
//!
//! - **Capital** (paid at time 0): device and gateway hardware and installation, SIM or line
//!   activation.
//! - **Operating**, over the span the replication ran (the horizon, or the fleet end of life
//!   when a fleet's `stop_when_dead` ended it earlier; "horizon" below means that span):
//!   - connectivity: SIM (or line) months, plus data: messages handed to each carrier ×
//!     (message bytes + protocol overhead) / 10^6 × the plan's price per MB;
//!   - cloud ingest: messages delivered / 10^6 × price per million;
//!   - maintenance: each device or gateway failure is one repair visit (truck roll + labour)
//!     plus parts; a fleet whose battery the model simulates (`power: Battery(...)`) pays
//!     each swap the model made, otherwise every device of a fleet with a `battery_life` price
//!     gets a swap every `battery_life` (whole swaps within the horizon); each planned
//!     replacement (`replace`) costs a device's hardware and installation; a device bricked by
//!     firmware and not rolled back remotely costs a repair visit; each repair crew's
//!     technicians cost their `cost_per_year` each over the horizon (a fixed cost, on top of
//!     the per-visit prices: write those as the marginal cost of a visit for a salaried crew);
//!   - downtime: per site, the share of the horizon without a path to the cloud × horizon hours
//!     × the price of a site-hour;
//!   - SLA penalties: per site whose availability over the horizon is below the target, the
//!     penalty × years of horizon (pro rata).
//! - **Net present value**: capital at time 0 plus the operating cost spread evenly over the
//!   horizon's months, each paid at the end of its month and discounted at the monthly rate
//!   equivalent to the annual one: (1 + r)^(1/12) − 1.
//! - **Per device and year**: (capital + operating) / devices / years of horizon.
//!
//! A year is 365 days and a month a twelfth of it.

use crate::engine::TICKS_PER_SECOND;
use crate::model::Outcome;
use crate::scenario::{CostSpec, Deployment};

/// Ticks in a year of 365 days.
const YEAR: f64 = 365.0 * 86_400.0 * TICKS_PER_SECOND as f64;
/// Ticks in an hour.
const HOUR: f64 = 3_600.0 * TICKS_PER_SECOND as f64;

/// One replication's costs, in the scenario's currency.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CostBreakdown {
    /// Hardware, installation and SIM activation: paid once, at the start.
    pub capex: f64,
    /// SIM or line fees and data volume over the horizon.
    pub connectivity: f64,
    /// Cloud ingest of the delivered messages.
    pub cloud: f64,
    /// Repairs of failed devices and gateways, and battery swaps.
    pub maintenance: f64,
    /// Site-hours without a path to the cloud, priced.
    pub downtime: f64,
    /// Service-level penalties.
    pub sla_penalties: f64,
}

impl CostBreakdown {
    /// Operating cost over the horizon.
    pub fn opex(&self) -> f64 {
        self.connectivity + self.cloud + self.maintenance + self.downtime + self.sla_penalties
    }

    /// Capital plus operating cost, undiscounted.
    pub fn total(&self) -> f64 {
        self.capex + self.opex()
    }

    /// Net present value of the total at annual `discount_rate`, over a horizon of `years`.
    pub fn npv(&self, discount_rate: f64, years: f64) -> f64 {
        let months = years * 12.0;
        let monthly_rate = (1.0 + discount_rate).powf(1.0 / 12.0) - 1.0;
        if monthly_rate <= 0.0 || months <= 0.0 {
            return self.total();
        }
        // An annuity of opex / months paid at the end of each month, for a possibly
        // fractional number of months.
        let annuity = (1.0 - (1.0 + monthly_rate).powf(-months)) / monthly_rate;
        self.capex + self.opex() / months * annuity
    }
}

/// The span a replication ran, in years of 365 days: the horizon, or less when a fleet's
/// `stop_when_dead` ended it (its fleet end of life).
pub fn years(o: &Outcome) -> f64 {
    measured(o) / YEAR
}

/// The measured window in ticks: the run less its warm-up. Running costs are priced over it
/// (capex once), matching the counts they price, which start after the warm-up too.
fn measured(o: &Outcome) -> f64 {
    o.horizon.saturating_sub(o.measured_from) as f64
}

/// The costs of one replication of `dep` with prices `c`.
pub fn breakdown(dep: &Deployment, c: &CostSpec, o: &Outcome) -> CostBreakdown {
    let years = years(o);
    let months = years * 12.0;
    let hours = measured(o) / HOUR;

    let devices: f64 = dep
        .fleets
        .iter()
        .zip(&c.devices)
        .map(|(f, p)| f.count as f64 * (p.hardware + p.install))
        .sum();
    let gateways: f64 = c.gateways.iter().map(|p| p.hardware + p.install).sum();
    let activation: f64 = c.plans.iter().map(|p| p.sims as f64 * p.activation).sum();
    let cellular = cellular(dep, c, o);
    let cellular_capex: f64 = cellular.iter().map(|f| f.capex).sum();
    let cellular_opex: f64 = cellular.iter().map(|f| f.opex()).sum();

    let sims: f64 = c
        .plans
        .iter()
        .map(|p| p.sims as f64 * p.per_sim_month * months)
        .sum();
    let data: f64 = o
        .carrier_messages
        .iter()
        .enumerate()
        .filter_map(|(k, &n)| {
            let plan = &c.plans[c.plan_of_carrier.get(k).copied().flatten()?];
            Some(n as f64 * c.carrier_message_bytes[k] / 1e6 * plan.per_mb)
        })
        .sum();

    let device_repairs: f64 = o
        .fleet_failures
        .iter()
        .zip(&c.devices)
        .map(|(&n, p)| n as f64 * (c.repair_visit + p.parts))
        .sum();
    let gateway_repairs: f64 = o
        .gateway_failures_each
        .iter()
        .zip(&c.gateways)
        .map(|(&n, p)| n as f64 * (c.repair_visit + p.parts))
        .sum();
    let batteries: f64 = dep
        .fleets
        .iter()
        .zip(&c.devices)
        .enumerate()
        .filter_map(|(i, (f, p))| {
            if f.life.battery.is_some() {
                // The model knows each battery: price the swaps it made.
                return Some(o.life.fleet_battery_swaps[i] as f64 * p.battery_swap);
            }
            // Whole swaps due within the measured window (after any warm-up).
            let life = p.battery_life?;
            let swaps = o.horizon / life - o.measured_from / life;
            Some(f.count as f64 * swaps as f64 * p.battery_swap)
        })
        .sum();
    // A bricked device that no rollback restored needs a visit, without parts.
    let firmware_visits: f64 =
        o.soft.fleet_firmware_visits.iter().sum::<u64>() as f64 * c.repair_visit;
    // A planned replacement is a new device, installed.
    let replacements: f64 = o
        .life
        .fleet_replacements
        .iter()
        .zip(&c.devices)
        .map(|(&n, p)| n as f64 * (p.hardware + p.install))
        .sum();

    // Salaried technicians cost the same whatever they do.
    let crews: f64 = dep
        .crews
        .iter()
        .map(|c| c.technicians as f64 * c.cost_per_year * years)
        .sum();

    let downtime: f64 = o
        .site_availability
        .iter()
        .map(|a| (1.0 - a).max(0.0) * hours * c.downtime_per_site_hour)
        .sum();
    let sla_penalties = c.sla.map_or(0.0, |sla| {
        let below = o
            .site_availability
            .iter()
            .filter(|&&a| a < sla.availability)
            .count();
        below as f64 * sla.penalty * years
    });

    CostBreakdown {
        capex: devices + gateways + activation + cellular_capex,
        connectivity: sims + data + cellular_opex,
        cloud: o.ledger.delivered() as f64 / 1e6 * c.per_million_messages,
        maintenance: device_repairs
            + gateway_repairs
            + batteries
            + replacements
            + firmware_visits
            + crews,
        downtime,
        sla_penalties,
    }
}

/// Total cost of ownership per device and per year.
pub fn per_device_year(dep: &Deployment, o: &Outcome, b: &CostBreakdown) -> f64 {
    let devices = dep.device_count().max(1) as f64;
    b.total() / devices / years(o)
}

/// What the SIMs of one fleet attached straight to carriers cost in one replication, as
/// connectivity plans bill them (zeros for a fleet behind gateways).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimCosts {
    /// Activation of each SIM and download of each eSIM profile: paid at the start.
    pub capex: f64,
    /// Monthly fees: the active SIM (or first profile) on its plan, each further profile on
    /// another plan at that plan's dormant fee, and the platform fee per device.
    pub sim_fees: f64,
    /// Megabytes sent over each carrier at its plan's price per MB.
    pub data: f64,
    /// The fleet's share (by its megabytes) of each plan's data beyond the pooled allowance.
    pub overage: f64,
    /// Completed switches onto a carrier at its plan's fee per switch.
    pub switches: f64,
}

impl SimCosts {
    /// Operating cost over the horizon.
    pub fn opex(&self) -> f64 {
        self.sim_fees + self.data + self.overage + self.switches
    }
}

/// Per fleet, the SIM costs of its devices attached straight to carriers.
///
/// A device pays, on each plan covering one of its SIM's carriers, one SIM: the plan covering
/// its first carrier bills `per_sim_month` (and `platform_per_device_month`, `activation`),
/// any other plan covering a further carrier bills `dormant_profile_month` (an eSIM's fallback
/// profile on another operator's subscription). A multi-IMSI SIM whose carriers are all on one
/// plan (`also`) is one SIM. Each eSIM profile is downloaded once (`profile_download`). Data is
/// the messages the model handed to each carrier, times the fleet's billed message size, at
/// that carrier's plan's `per_mb`; beyond a plan's pool (`included_mb_month` × its active SIMs
/// × months) each MB also pays `overage_per_mb`, shared among fleets by their megabytes.
pub fn cellular(dep: &Deployment, c: &CostSpec, o: &Outcome) -> Vec<SimCosts> {
    let months = years(o) * 12.0;
    let mut out = vec![SimCosts::default(); dep.fleets.len()];
    // Per plan and fleet: megabytes sent over the plan's carriers.
    let mut plan_mb = vec![vec![0.0; dep.fleets.len()]; c.plans.len()];
    for (f, fleet) in dep.fleets.iter().enumerate() {
        let Some(cell) = &fleet.cellular else {
            continue;
        };
        let count = fleet.count as f64;
        let costs = &mut out[f];
        for (k, plan) in c.plans.iter().enumerate() {
            let here = cell
                .profiles
                .iter()
                .filter(|p| plan.carriers.contains(p))
                .count();
            if here == 0 {
                continue;
            }
            if plan.carriers.contains(&cell.profiles[0]) {
                costs.sim_fees +=
                    count * (plan.per_sim_month + plan.platform_per_device_month) * months;
                costs.capex += count * plan.activation;
            } else {
                costs.sim_fees += count * plan.dormant_profile_month * months;
            }
            if cell.kind == crate::scenario::SimKind::Esim {
                costs.capex += count * here as f64 * plan.profile_download;
            }
            let _ = k;
        }
        for (carrier, &sent) in o.cellular.sent[f].iter().enumerate() {
            let Some(k) = c.plan_of_carrier.get(carrier).copied().flatten() else {
                continue;
            };
            let plan = &c.plans[k];
            let mb = sent as f64 * c.fleet_message_bytes[f] / 1e6;
            costs.data += mb * plan.per_mb;
            plan_mb[k][f] += mb;
            costs.switches += o.cellular.switches_onto[f][carrier] as f64 * plan.per_switch;
        }
    }
    for (k, plan) in c.plans.iter().enumerate() {
        let used: f64 = plan_mb[k].iter().sum();
        let pool = plan.device_sims as f64 * plan.included_mb_month * months;
        let beyond = (used - pool).max(0.0);
        if beyond <= 0.0 || plan.overage_per_mb <= 0.0 {
            continue;
        }
        for (f, mb) in plan_mb[k].iter().enumerate() {
            out[f].overage += beyond * plan.overage_per_mb * mb / used;
        }
    }
    out
}
