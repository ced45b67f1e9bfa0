//! Whole-file checks and compilation of a parsed scenario into a [`Deployment`].
//!
//! [`compile`] runs one section after another, each in its own module, in a fixed order so
//! the first mistake in the file is the one reported: the study's frame, the named lists,
//! the network (carriers, gateways, redundancy groups), firmware versions, fleets (with their
//! radios and lifecycle), the inventory start, outages and faults, assertions, costs,
//! firmware campaigns, crews. Each section takes the context ([`Ctx`]: the text, file and
//! field positions every located error needs) and what earlier sections produced.

mod assertions;
mod context;
mod costs;
mod crews;
mod firmware;
mod fleets;
mod laws;
mod lifecycle;
mod lora;
mod names;
mod network;
mod outages;
mod radio;
mod start;
mod study;

use crate::engine::random::name_key;

use super::deployment::Deployment;
use super::deployment::{CarrierSpec, GatewaySpec};
use super::error::ScenarioError;
use super::locate::FieldMap;
use super::types::Scenario;
pub(super) use context::Ctx;
use names::Names;

/// Most maintenance windows one scenario may expand to; each is an event pair per replication.
const MAX_WINDOWS: u64 = 1_000_000;

/// The most devices one run may hold: event payloads address devices with 27 bits.
pub const MAX_DEVICES: u64 = (1 << 27) - 1;

/// The most replications one study may run. A 95% interval narrows as 1/√R, so a million
/// replications already pins a mean to a thousandth of one replication's spread; beyond that a
/// count is a typo (`-r 4000000000` allocated 3.7 GB of bookkeeping before anything ran).
pub const MAX_REPLICATIONS: u32 = 1_000_000;

/// The most cold spares a device may keep. Field practice is 0 to 2 spare units per device;
/// each spare adds one lifetime draw per failure, so `4294967295` made a run spin for hours
/// without a word.
pub const MAX_COLD_SPARES: u32 = 100;

/// The network as compiled so far, which later sections name: ids, carriers, gateways and
/// the regions named on carriers.
#[derive(Clone, Copy)]
struct Network<'a> {
    names: &'a Names<'a>,
    carriers: &'a [CarrierSpec],
    gateways: &'a [GatewaySpec],
    regions: &'a [String],
}

/// Checks a parsed scenario as a whole and compiles it: ids to indices, times to ticks, laws
/// to samplers. The first mistake found is returned, located in `source`.
pub fn compile(
    s: Scenario,
    source: &str,
    file: &str,
    map: &FieldMap,
) -> Result<Deployment, ScenarioError> {
    let cx = Ctx { source, file, map };
    study::study(&cx, &s)?;
    let names = names::names(&cx, &s)?;
    let (carriers, regions) = network::carriers(&cx, &s)?;
    let gateways = network::gateways(&cx, &s, &names)?;
    let mut groups = network::groups(&cx, &s, &names, &gateways)?;
    let mut versions = firmware::firmware_versions(&cx, &s)?;
    let mut fleets = fleets::fleets(&cx, &s, &names, &regions, &gateways, &mut groups, &versions)?;
    let net = Network {
        names: &names,
        carriers: &carriers,
        gateways: &gateways,
        regions: &regions,
    };
    let inventory = start::inventory(&cx, &s, &net, &groups, &mut fleets, &mut versions)?;
    let causes = outages::common_causes(&cx, &s, &net, &fleets)?;
    let faults = outages::faults(&cx, &s, &net)?;
    let expectations = assertions::expectations(&cx, &s)?;
    let costs = s
        .costs
        .as_ref()
        .map(|c| costs::costs(&cx, c, &gateways, &fleets, &groups, &names))
        .transpose()?;
    let campaigns = firmware::campaigns(&cx, &s, &names, &fleets, &versions)?;
    firmware::campaigns_find_their_versions(&cx, &s, &fleets, inventory.as_ref(), &versions)?;
    let (crews, crew_of_site) = crews::crews(&cx, &s, &names.sites)?;

    Ok(Deployment {
        name: s.name,
        description: s.description,
        horizon: s.horizon.ticks(),
        warmup: s.warmup.map_or(0, |w| w.ticks()),
        mission_times: s.mission_times,
        seed: s.seed,
        replications: s.replications.0,
        deadline: s.deadline.ticks(),
        sites: s.sites.into_iter().map(|x| x.id).collect(),
        regions,
        carriers,
        gateways,
        fleets,
        groups,
        causes,
        faults,
        expectations,
        costs,
        campaigns,
        crews,
        crew_of_site,
        source_hash: name_key("scenario", source),
        inventory,
        firmware_versions: versions.names,
    })
}
