//! Repair crews and their spare parts.

use serde::{Deserialize, Serialize};

use super::super::values::{Amount, Count, Dist};
use super::network::zero_dist;

/// A repair crew serving one or more sites:
///
/// ```ron
/// crews: [Crew(id: "north", sites: ["plant_a", "plant_b"], technicians: 2, travel: Fixed("2h"),
///     spares: Spares(stock: 4, lead_time: Fixed("14d")), cost_per_year: 70000.0)]
/// ```
///
/// A failed device or gateway at one of the crew's sites becomes a job in the crew's queue. If
/// the crew keeps `spares`, the job takes one part from stock when it is raised (or waits for
/// the next part to arrive: a stockout); jobs waiting for a part are set aside and the
/// technicians serve the others meanwhile. A free technician takes the oldest job that has its
/// part, travels (a draw of `travel`), does the hands-on repair (a draw of the unit's own
/// `repair` law, which for a unit at a crew's site means hands-on time only, not the wait for
/// a technician) and is free again when the unit is back up. Bricked devices that need a site
/// visit (`firmware`'s `repair`) are jobs too, without a part; battery swaps, planned
/// replacements and condition-based replacements are not crew jobs (a swap's law is the whole
/// delay until the swap, often "at the next round").
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Crew {
    pub id: String,
    /// The sites the crew serves; a site belongs to at most one crew.
    pub sites: Vec<String>,
    /// Technicians working in parallel, one job each.
    pub technicians: Count,
    /// Time from a technician taking a job to arriving on site (a truck roll, or the walk to
    /// the machine for an on-site team); none if absent.
    #[serde(default = "zero_dist")]
    pub travel: Dist,
    /// A stock of spare parts, one used per device or gateway repair; unlimited if absent.
    #[serde(default)]
    pub spares: Option<Spares>,
    /// Yearly cost of one technician (salary, overheads, van), added to `cost_maintenance`
    /// when the scenario has `costs`. 0 unless written: it depends on the country and the
    /// contract (a field technician in Western Europe costs an employer roughly 50,000-80,000
    /// EUR a year).
    #[serde(default)]
    pub cost_per_year: Amount,
}

/// A crew's spare parts under one-for-one replenishment (base stock `stock`): every part taken
/// orders a new one at once, which arrives a draw of `lead_time` later.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Spares {
    /// Parts on the shelf at the start, and the base stock the orders restore (0 is allowed:
    /// every repair waits for its part).
    pub stock: u32,
    pub lead_time: Dist,
}
