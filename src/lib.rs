//! iotwin: a deterministic discrete-event simulator and digital twin of IoT deployments.
//!
//! Layers, lowest first (each imports only those below it): [`engine`], [`scenario`],
//! [`model`], [`cost`], [`metrics`], [`montecarlo`], [`report`]; [`fit`] (laws from field
//! records) uses only [`engine`], [`scenario`] and [`report`]'s charts. The `iotwin` binary adds the CLI.
//!
//! # Use as a library
//!
//! Load a scenario, run its replications, judge its `expect` assertions and read a metric:
//!
//! ```
//! use iotwin::montecarlo::{self, check::Verdict, RunOptions};
//!
//! let scenario = r#"Scenario(
//!     name: "two-sensors", horizon: "1d", seed: 7, replications: 4,
//!     sites: [Site(id: "plant")],
//!     carriers: [Carrier(id: "lte")],
//!     gateways: [Gateway(id: "gw", site: "plant", buffer_messages: 1000,
//!         uplinks: [Uplink(carrier: "lte")])],
//!     fleets: [Fleet(id: "sensors", site: "plant", gateway: "gw", count: 2,
//!         report: Fixed("1m"))],
//!     expect: [AtLeast(metric: "data_completeness", value: 0.9)],
//! )"#;
//! // A mistake in the text comes back with its file, line, column, field and a hint.
//! let dep = iotwin::scenario::compile_source(scenario, "two-sensors.ron")?;
//! // Replications run in parallel; the result is the same bytes whatever the thread count.
//! let summary = montecarlo::run(&dep, &RunOptions::default(), &|| {})?;
//!
//! let completeness = summary.estimate("data_completeness").expect("a fixed metric");
//! assert!(completeness.mean > 0.9);
//! println!(
//!     "data completeness {:.4} ± {:.4}",
//!     completeness.mean,
//!     completeness.half_width.unwrap_or(0.0)
//! );
//! // Every assertion of the scenario, judged on its 95% interval.
//! assert!(summary.verdicts.iter().all(|j| j.verdict == Verdict::Pass));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`report::write_outputs`] writes the same report as `iotwin run` (summary.json,
//! metrics.csv, report.html, report.md, charts) from a [`montecarlo::Summary`].

#![forbid(unsafe_code)]
// User input never reaches a panic: no unwrap or expect outside tests, except where a function
// says why with `#[expect(clippy::expect_used, reason = ...)]`.
#![warn(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod cost;
pub mod engine;
pub mod fit;
pub mod forecast;
pub mod metrics;
pub mod model;
pub mod montecarlo;
pub mod report;
pub mod scenario;
