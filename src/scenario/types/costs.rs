//! The `costs` block: prices of devices and gateways, connectivity plans, repairs, downtime
//! and the service-level agreement, each default with its source.

use serde::{Deserialize, Serialize};

use super::super::values::{Amount, Probability};
use crate::engine::Duration;

/// What the deployment costs: bought once (capital) and paid over the horizon (operating).
/// Every amount is in `currency`; every number is at least 0.
///
/// ```ron
/// costs: Costs(
///     devices: [DeviceCost(fleet: "vibration", hardware: 250.0, install: 80.0)],
///     gateway: GatewayCost(hardware: 900.0, install: 400.0),
///     plans: [Plan(carrier: "lte-a", per_sim_month: 5.0, per_mb: 0.5)],
///     downtime_per_site_hour: 2000.0,
/// )
/// ```
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// An ISO 4217 code, used as the metrics' unit.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Annual discount rate for the net present value (0.08 is 8% a year).
    #[serde(default = "default_discount_rate")]
    pub discount_rate: Amount,
    /// Per fleet: price and installation of one device; fleets not listed cost nothing.
    #[serde(default)]
    pub devices: Vec<DeviceCost>,
    /// Price and installation of every gateway not listed in `gateways`.
    #[serde(default)]
    pub gateway: Option<GatewayCost>,
    /// Per gateway id: `GatewayCost(gateway: "gw-b", hardware: 900.0, install: 400.0)`.
    #[serde(default)]
    pub gateways: Vec<GatewayCost>,
    /// Connectivity plans: one SIM (or line) per gateway that has an uplink through one of the
    /// plan's carriers. Carriers without a plan cost nothing.
    #[serde(default)]
    pub plans: Vec<Plan>,
    /// Bytes of protocol headers on top of each message's `message_bytes`, as a data plan
    /// bills them, for fleets that do not name a `protocol` (or a class, which has one).
    #[serde(default = "default_overhead")]
    pub protocol_overhead_bytes: Amount,
    /// Cloud ingest price per million messages delivered.
    #[serde(default = "default_per_million")]
    pub per_million_messages: Amount,
    /// What one repair of a failed device or gateway costs in labour and travel.
    #[serde(default)]
    pub repairs: Repairs,
    /// Cost of one hour in which a site has no path to the cloud (lost production, manual
    /// rounds, support calls). 0 unless given: it depends entirely on the business.
    #[serde(default)]
    pub downtime_per_site_hour: Amount,
    /// A service-level agreement on each site's availability; none if absent.
    #[serde(default)]
    pub sla: Option<Sla>,
}

/// Price of one device of a fleet.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCost {
    pub fleet: String,
    pub hardware: Amount,
    #[serde(default)]
    pub install: Amount,
    /// Parts of one repair; the price of the device if absent (a failed sensor is swapped).
    #[serde(default)]
    pub parts: Option<Amount>,
    /// Cost of one battery swap (battery and labour); swaps happen every `battery_life`.
    #[serde(default)]
    pub battery_swap: Amount,
    /// Time between battery swaps; no swaps if absent (mains or loop powered).
    #[serde(default)]
    pub battery_life: Option<Duration>,
}

/// Price of a gateway.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayCost {
    /// The gateway this price is for (in `gateways`); absent in the default `gateway`.
    #[serde(default)]
    pub gateway: Option<String>,
    pub hardware: Amount,
    #[serde(default)]
    pub install: Amount,
    /// Parts of one repair; the price of the gateway if absent (a spare is swapped in).
    #[serde(default)]
    pub parts: Option<Amount>,
}

/// A connectivity plan: a SIM on a cellular carrier, or a wired line. A gateway with an uplink
/// through one of the plan's carriers uses one SIM (`per_site`: each site one line).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub carrier: String,
    /// Further carriers the same SIM works on (a multi-carrier eSIM or multi-IMSI SIM): a
    /// gateway with uplinks through several of them pays one SIM. Its premium is simply a
    /// higher `per_sim_month`.
    #[serde(default)]
    pub also: Vec<String>,
    /// One line per site, shared by every gateway there that uses the carrier (a wired line
    /// behind a site router), instead of one SIM per gateway.
    #[serde(default)]
    pub per_site: bool,
    /// Monthly fee of one SIM or line.
    #[serde(default)]
    pub per_sim_month: Amount,
    /// Price of one megabyte (10^6 bytes) of traffic.
    #[serde(default)]
    pub per_mb: Amount,
    /// One-off activation fee per SIM or line (capital cost).
    #[serde(default)]
    pub activation: Amount,
    /// For devices attached straight to carriers (`Fleet(connectivity: ...)`): the monthly
    /// fee of an eSIM profile of this plan that is not the device's first (a dormant
    /// fallback profile). Default: `per_sim_month` (a second full subscription).
    #[serde(default)]
    pub dormant_profile_month: Option<Amount>,
    /// One-off fee per eSIM profile of this plan downloaded to a device (capital cost).
    #[serde(default)]
    pub profile_download: Amount,
    /// Fee per completed switch of a device onto a carrier of this plan.
    #[serde(default)]
    pub per_switch: Amount,
    /// Connectivity-platform fee per device per month, for devices whose first carrier is on
    /// this plan.
    #[serde(default)]
    pub platform_per_device_month: Amount,
    /// Data included per SIM and month, pooled over the plan's SIMs; what the devices send
    /// beyond the pool is billed at `overage_per_mb` (on top of `per_mb`).
    #[serde(default)]
    pub included_mb_month: Amount,
    #[serde(default)]
    pub overage_per_mb: Amount,
}

/// Price of one repair visit: a truck roll plus `repair_hours` of labour (parts are priced per
/// fleet and gateway).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Repairs {
    /// Travel and call-out of a technician. 150: a typical field-service call-out charge in
    /// Western Europe (100-250 EUR); industrial on-site contracts often charge more.
    #[serde(default = "default_truck_roll")]
    pub truck_roll: Amount,
    /// 75: a typical hourly rate of an industrial electrician or field technician in Western
    /// Europe (60-95 EUR/h billed).
    #[serde(default = "default_labour_hour")]
    pub labour_hour: Amount,
    /// 2: diagnosis, swap, commissioning and paperwork of one unit on site.
    #[serde(default = "default_repair_hours")]
    pub repair_hours: Amount,
}

impl Default for Repairs {
    fn default() -> Self {
        Repairs {
            truck_roll: default_truck_roll(),
            labour_hour: default_labour_hour(),
            repair_hours: default_repair_hours(),
        }
    }
}

/// A service-level agreement: `penalty` per site and per year of the horizon in which the
/// site's availability is below `availability`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    pub availability: Probability,
    pub penalty: Amount,
}

/// Euros: the project's home market; write any ISO 4217 code.
fn default_currency() -> String {
    "EUR".to_string()
}

/// 8% a year: a common corporate hurdle rate (weighted average cost of capital of industrial
/// firms is typically 6-10%).
fn default_discount_rate() -> Amount {
    Amount(0.08)
}

/// About 100 bytes a message for MQTT over TLS over TCP/IP with a persistent session: IPv4
/// header 20 + TCP header with timestamps 32 + TLS 1.3 record header and AEAD tag 5 + 16 +
/// MQTT PUBLISH fixed header and a short topic ~25; QoS 1 adds a ~60-byte PUBACK segment back,
/// which this figure leaves out. It ignores the TLS handshake (amortised over a long session)
/// and cellular operators' rounding of sessions up to 1 KB.
fn default_overhead() -> Amount {
    Amount(100.0)
}

/// 1.0 per million: AWS IoT Core messaging, US$1.00 per million messages for the first billion
/// a month (each up to 5 KB, us-east-1 price list, 2024); Azure IoT Hub's S1 unit (400,000
/// messages a day for ~25 a month) is of the same order at full use.
fn default_per_million() -> Amount {
    Amount(1.0)
}

fn default_truck_roll() -> Amount {
    Amount(150.0)
}

fn default_labour_hour() -> Amount {
    Amount(75.0)
}

fn default_repair_hours() -> Amount {
    Amount(2.0)
}
