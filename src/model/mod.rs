//! The IoT domain on the engine: devices that report, links that lose and delay, gateways that
//! buffer, carriers that fail. Written against the engine's small API; knows nothing of files,
//! threads or reports.

pub mod degradation;
pub mod event;
pub mod failover;
pub mod fluid;
mod freshness;
pub mod ledger;
pub mod lifecycle;
pub mod link;
pub mod lora;
pub mod mission;
pub mod outage_loss;
pub mod sketch;
pub mod stop;
pub mod topology;
pub mod trace;
pub mod world;

pub use failover::{Ctx, FailoverPolicy};
pub use ledger::{ConservationError, Ledger, LossCause};
pub use topology::{Outage, Spof, Topology, Unreachable};
pub use trace::{MessageId, Observer, Recorder, Silent, Trace, Upkeep};
pub use world::{
    CrewStats, CustomPolicies, LifeStats, Outcome, PolicyRequest, SERIES_SLICES, World,
};
