//! One integration-test binary: each module is a specification of one kind of behaviour.

mod analytic;
mod bad_input;
mod browser;
mod check;
mod cli;
mod common;
mod compare;
mod conservation;
mod cost;
mod crews;
mod degradation;
mod determinism;
mod everyday;
mod failover;
mod fit;
mod flow;
mod hardening;
mod lifecycle;
mod lora;
mod outages;
mod report;
mod shard;
mod software;
mod stop;
mod sweep;
mod trace;
