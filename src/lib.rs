//! iotwin: a deterministic discrete-event simulator and digital twin of IoT deployments.
//!
//! Layers, lowest first (each imports only those below it): [`engine`], [`scenario`],
//! [`model`], [`cost`], [`metrics`], [`montecarlo`], [`report`]; [`fit`] (laws from field
//! records) uses only [`engine`], [`scenario`] and [`report`]'s charts. The `iotwin` binary adds the CLI.

pub mod cost;
pub mod engine;
pub mod fit;
pub mod metrics;
pub mod model;
pub mod montecarlo;
pub mod report;
pub mod scenario;
