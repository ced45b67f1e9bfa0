//! One integration-test binary: each module is a specification of one kind of behaviour.

mod analytic;
mod bad_input;
mod check;
mod cli;
mod common;
mod compare;
mod conservation;
mod cost;
mod determinism;
mod failover;
mod flow;
mod lora;
mod outages;
mod report;
mod trace;
