//! Helpers shared by the integration tests.

use iotwin::montecarlo::{self, RunOptions, Summary};
use iotwin::scenario::{self, Deployment};

/// Compiles scenario text, failing the test with the diagnostic if it is invalid.
pub fn deployment(text: &str) -> Deployment {
    scenario::compile_source(text, "test.ron").unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a deployment with `replications` replications on all cores.
pub fn run(dep: &Deployment, replications: u32) -> Summary {
    let opts = RunOptions {
        replications: Some(replications),
        ..RunOptions::default()
    };
    montecarlo::run(dep, &opts, &|| {}).unwrap_or_else(|e| panic!("{e}"))
}

/// The per-replication values of one metric.
pub fn column(s: &Summary, id: &str) -> Vec<f64> {
    let i = s.index_of(id).unwrap_or_else(|| panic!("no metric {id}"));
    s.per_replication.iter().map(|row| row[i]).collect()
}

pub fn total(s: &Summary, id: &str) -> f64 {
    column(s, id).iter().sum()
}

/// The shipped scenarios, by path.
pub fn shipped_scenarios() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    paths.sort();
    paths
}
