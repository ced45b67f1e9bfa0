//! The domain-free core: simulation time, the event queue, the scheduler and its run loop,
//! keyed random streams and duration distributions.
//!
//! Nothing here knows about devices, links or carriers; `model` is written against this small
//! API. The engine does no I/O and never reads the wall clock.

pub mod agenda;
pub mod dist;
pub mod lanes;
mod occupancy;
pub mod queue;
pub mod random;
pub mod sim;
pub mod time;

pub use agenda::Agenda;
pub use dist::DurationDist;
pub use lanes::Lane;
pub use queue::EventQueue;
pub use random::{Stream, StreamKey};
pub use sim::{Model, Scheduler};
pub use time::{Duration, TICKS_PER_SECOND, Ticks};
