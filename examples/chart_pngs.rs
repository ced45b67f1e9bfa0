//! Renders a scenario's charts as PNG files, to look at them without a browser.
//!
//! The PNGs are drawn by the same code as the SVGs in `report.html`, through plotters' bitmap
//! backend and the embedded font, so what they show is what the report shows.
//!
//! ```sh
//! cargo run --release --example chart_pngs -- [SCENARIO.ron] [OUT_DIR]
//! ```
//! Defaults: the built-in factory scenario, `target/chart-pngs/`.

use std::path::PathBuf;

use iotwin::montecarlo::{self, RunOptions};
use iotwin::report::chart::{self, Kind};
use iotwin::scenario;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (text, file) = match args.next() {
        Some(path) => (std::fs::read_to_string(&path)?, path),
        None => (
            scenario::DEFAULT_SCENARIO.to_string(),
            "factory.ron".to_string(),
        ),
    };
    let out = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/chart-pngs"));
    let dep = scenario::compile_source(&text, &file).map_err(|e| e.to_string())?;
    let summary = montecarlo::run(&dep, &RunOptions::default(), &|| {})?;
    std::fs::create_dir_all(&out)?;
    for kind in Kind::ALL.into_iter().filter(|k| k.applies(&summary)) {
        let path = out.join(format!("{}.png", kind.stem()));
        chart::png(kind, &summary, &path)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
