//! iotwin: a deterministic discrete-event simulator and digital twin of IoT deployments.
//!
//! Layers, lowest first (each imports only those below it): [`engine`], [`scenario`],
//! [`model`], [`cost`], [`metrics`], [`montecarlo`], [`report`]. The `iotwin` binary adds the CLI.

#![forbid(unsafe_code)]

pub mod cost;
pub mod engine;
pub mod metrics;
pub mod model;
pub mod montecarlo;
pub mod report;
pub mod scenario;
