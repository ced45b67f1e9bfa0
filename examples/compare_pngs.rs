//! Renders `iotwin compare`'s cost-against-availability chart as a PNG, to look at it without
//! a browser (the same drawing as `tradeoff.svg`).
//!
//! ```sh
//! cargo run --release --example compare_pngs -- OUT.png REPLICATIONS A.ron B.ron [C.ron ...]
//! ```

use iotwin::montecarlo::{self, RunOptions};
use iotwin::report::tradeoff;
use iotwin::scenario;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err("usage: compare_pngs OUT.png REPLICATIONS A.ron B.ron [...]".into());
    }
    let designs = args[2..]
        .iter()
        .map(|p| scenario::load(std::path::Path::new(p)).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let asked = RunOptions {
        replications: Some(args[1].parse()?),
        ..RunOptions::default()
    };
    let opts = montecarlo::compare::common_options(&designs, &asked);
    let summaries = designs
        .iter()
        .map(|d| montecarlo::run(d, &opts, &|| {}))
        .collect::<Result<Vec<_>, _>>()?;
    let comparison = montecarlo::compare::compare(&summaries);
    let t = tradeoff::tradeoff(&comparison)?;
    tradeoff::png(&t, std::path::Path::new(&args[0]))?;
    println!("wrote {}", args[0]);
    Ok(())
}
