//! Renders a sweep's charts as PNG files, to look at them without a browser (the same drawing
//! as the SVGs in `sweep.html`).
//!
//! ```sh
//! cargo run --release --example sweep_pngs -- SCENARIO.ron OUT_DIR REPLICATIONS 'PATH=V1,V2' ['PATH=...'] ['--limit=METRIC<=X']
//! ```
//! Example: `cargo run --release --example sweep_pngs -- scenarios/gateway_capacity.ron
//! target/sweep-pngs 4 'fleets[id=meters].count=250,750,1250,1750'`.

use std::path::PathBuf;

use iotwin::montecarlo::RunOptions;
use iotwin::montecarlo::sweep;
use iotwin::report::sweep as report;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err("usage: sweep_pngs SCENARIO OUT_DIR REPLICATIONS PATH=V1,V2 [...]".into());
    }
    let source = std::fs::read_to_string(&args[0])?;
    let out = PathBuf::from(&args[1]);
    let replications: u32 = args[2].parse()?;
    let (limits, sets): (Vec<String>, Vec<String>) = args[3..]
        .iter()
        .cloned()
        .partition(|a| a.starts_with("--limit="));
    let limits: Vec<String> = limits
        .iter()
        .map(|l| l.trim_start_matches("--limit=").to_string())
        .collect();
    let plan = sweep::plan(&source, &args[0], &sets, &limits).map_err(|e| e.to_string())?;
    let opts = RunOptions {
        replications: Some(replications),
        ..RunOptions::default()
    };
    let result = plan
        .run(&opts, &|_| {}, &|| {})
        .map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&out)?;
    for metric in report::charted(&result) {
        let path = out.join(format!("{}.png", report::stem(&metric)));
        report::chart_png(&result, &metric, &path)?;
        println!("wrote {}", path.display());
    }
    print!("{}", report::sweep_table(&result));
    Ok(())
}
