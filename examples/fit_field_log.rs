//! Writes the synthetic field log and inventory of `iotwin::fit::synthetic` (drawn from known
//! laws; not field data) into a folder, for `iotwin fit` to recover the laws:
//!
//! ```sh
//! cargo run --profile ci --example fit_field_log -- reports/fit-example
//! cargo run --profile ci -- fit reports/fit-example/field.csv -o reports/fit-example
//! ```

use std::path::PathBuf;

use iotwin::fit::synthetic::{Truth, generate};

/// The seed of the committed sample.
const SEED: u64 = 2026;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "reports/fit-example".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let history = generate(&Truth::example(), SEED);
    for (name, text) in [
        ("field.csv", &history.field_log),
        ("inventory.csv", &history.inventory),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
