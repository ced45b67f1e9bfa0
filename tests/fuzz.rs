//! A fuzz harness on stable Rust (cargo-fuzz needs nightly): structured mutation of real inputs
//! fed to every reader of user input, in process, with a cap on input size and a per-case time
//! check. A case that panics or takes longer than `SLOW` is written to `tests/fuzz-corpus/` and
//! fails the run; every file there is replayed first, so a found case stays fixed.
//!
//! Targets: scenario text (the shipped scenarios, mutated: parse, check and compile), the
//! duration parser, the sweep `--set PATH=VALUES` parser, and the shard, sweep shard,
//! checkpoint header and checkpoint entry readers (files made by a real run, mutated).
//!
//! The default test runs a fast slice (a few seconds). The long run:
//!
//! ```text
//! IOTWIN_FUZZ_CASES=1000000 cargo test --profile ci --test fuzz -- --ignored --nocapture
//! ```
//!
//! (`IOTWIN_FUZZ_SEED` picks another sequence of mutations.)

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration as Wall, Instant};

use iotwin::engine::Duration;
use iotwin::montecarlo::RunOptions;
use iotwin::montecarlo::shard::{
    self, ProgressHeader, ReplicationFile, ShardFile, Study, SweepShardFile,
};
use iotwin::scenario;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The largest mutated input: well above any shipped scenario (15 KB), so memory per case is
/// bounded by what the readers do with at most this much text.
const MAX_INPUT: usize = 64 * 1024;
/// A case slower than this is a hang as far as the harness is concerned.
const SLOW: Wall = Wall::from_secs(2);
/// Resident memory past this (VmHWM) after a run is a blow-up.
const MAX_RSS_KIB: u64 = 2 << 20;

/// Tokens that mean something to one of the readers: brackets, quotes, numbers at the edges
/// of their types, durations and units, field names.
const DICTIONARY: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "\\",
    "//",
    "/*",
    "*/",
    "0",
    "-1",
    "1e308",
    "-1e308",
    "NaN",
    "inf",
    "4294967295",
    "18446744073709551615",
    "340282366920938463463374607431768211455",
    "0.0",
    "1.5",
    "\"0s\"",
    "\"1us\"",
    "\"99999y\"",
    "\"3d 25:99\"",
    "\"30d.90d\"",
    "\"1h30m\"",
    "\"00:00:60\"",
    "Some(",
    "None",
    "true",
    "count:",
    "replications:",
    "horizon:",
    "loss:",
    "cold_spares:",
    "fleets:",
    "gateways:",
    "expect:",
    "faults:",
    "Fixed(",
    "Exponential(mean:",
    "Weibull(shape:",
    "LogNormal(median:",
    "null",
    "\"sha256:",
    "\"values\":[",
    "\"replication\":",
    "[0]",
    "[id=",
    ".count",
    "=",
    "µs",
    "é",
    "\u{0}",
    "\u{feff}",
];

/// What one case feeds.
#[derive(Clone, Copy, Debug)]
enum Target {
    Scenario,
    Duration,
    SetPath,
    ShardFile,
    SweepShard,
    Header,
    Entry,
}

impl Target {
    const ALL: [Target; 7] = [
        Target::Scenario,
        Target::Duration,
        Target::SetPath,
        Target::ShardFile,
        Target::SweepShard,
        Target::Header,
        Target::Entry,
    ];

    fn name(self) -> &'static str {
        match self {
            Target::Scenario => "scenario",
            Target::Duration => "duration",
            Target::SetPath => "set",
            Target::ShardFile => "shard",
            Target::SweepShard => "sweep-shard",
            Target::Header => "header",
            Target::Entry => "entry",
        }
    }

    fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Feeds `input` to the target's reader; only a panic or a hang is a finding, an error
    /// is the right answer to most inputs.
    fn feed(self, seeds: &Seeds, input: &[u8]) {
        let text = String::from_utf8_lossy(input);
        match self {
            Target::Scenario => {
                let _ = scenario::compile_source(&text, "fuzz.ron");
            }
            Target::Duration => {
                let _ = Duration::parse(&text);
            }
            Target::SetPath => {
                let _ = scenario::path::setting(&seeds.parsed, &seeds.base, &text);
            }
            Target::ShardFile => {
                let _ = ShardFile::from_json(input);
            }
            Target::SweepShard => {
                let _ = SweepShardFile::from_json(input);
            }
            Target::Header => {
                let _ = ProgressHeader::from_json(input);
            }
            Target::Entry => {
                let _ = ReplicationFile::from_json(input);
            }
        }
    }
}

/// The real inputs mutations start from.
struct Seeds {
    scenarios: Vec<Vec<u8>>,
    /// The scenario `--set` paths are resolved against, read and as text.
    base: String,
    parsed: scenario::Scenario,
    sets: Vec<Vec<u8>>,
    durations: Vec<Vec<u8>>,
    shard: Vec<u8>,
    sweep_shard: Vec<u8>,
    header: Vec<u8>,
    entry: Vec<u8>,
}

fn manifest(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

impl Seeds {
    fn new() -> Seeds {
        let mut scenarios = vec![];
        // The shipped scenarios and the textbook cases (servers with c channels, k-of-n,
        // device standby).
        let mut names: Vec<PathBuf> = ["scenarios", "scenarios/textbook"]
            .into_iter()
            .flat_map(|dir| std::fs::read_dir(manifest(dir)).expect("scenarios/"))
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .collect();
        names.sort();
        for p in names {
            scenarios.push(std::fs::read(p).expect("scenario"));
        }
        let base = scenario::DEFAULT_SCENARIO.to_string();
        let (parsed, _) = scenario::parse(&base, "factory.ron").expect("factory parses");
        // A tiny study, run for real, gives well-formed shard and checkpoint files.
        let small = r#"Scenario(name: "fuzz", horizon: "1d", replications: 2,
            sites: [Site(id: "s")], carriers: [Carrier(id: "c")],
            gateways: [Gateway(id: "g", site: "s", buffer_messages: 10, uplinks: [Uplink(carrier: "c")])],
            fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 3, report: Fixed("1h"),
                failure: Failure(lifetime: Exponential(mean: "2d"), repair: Exponential(mean: "1h")))])"#;
        let dep = scenario::compile_source(small, "fuzz.ron").expect("small compiles");
        let opts = RunOptions {
            replications: Some(2),
            threads: Some(1),
            ..RunOptions::default()
        };
        let rows =
            shard::run_replications(&dep, &opts, &[0, 1], &|| {}, &|_| Ok(())).expect("small runs");
        let study = Study::new(&dep, small, &opts);
        let file = ShardFile {
            study: study.clone(),
            shard: Some(shard::Shard { index: 0, count: 1 }),
            scenario_path: "fuzz.ron".into(),
            scenario_source: small.into(),
            rows: rows.clone(),
        };
        let header = ProgressHeader::new(study.clone(), None);
        let entry = ReplicationFile::to_json(&study.hash, &rows[0]);
        let plan = iotwin::montecarlo::sweep::plan(
            small,
            "fuzz.ron",
            &["fleets[0].count=2,3".to_string()],
            &[],
        )
        .expect("sweep plans");
        let sweep_study = plan.study(small, &["fleets[0].count=2,3".to_string()], &opts);
        let sweep_shard = SweepShardFile {
            study: sweep_study,
            shard: shard::Shard { index: 0, count: 1 },
            scenario_path: "fuzz.ron".into(),
            scenario_source: small.into(),
            points: vec![rows.clone(), rows],
        };
        let bytes = |s: &[&str]| s.iter().map(|x| x.as_bytes().to_vec()).collect::<Vec<_>>();
        Seeds {
            scenarios,
            base,
            parsed,
            sets: bytes(&[
                "fleets[0].count=10,20,40",
                "fleets[id=sensors].link.loss=0.01,0.1",
                "gateways[0].uplinks[1].link=Link(loss: 0.01)",
                "horizon=\"1d\",\"30d\"",
                "carriers[id=fiber].outages=None",
            ]),
            durations: bytes(&[
                "250ms",
                "1h 30m",
                "3d 02:00",
                "00:00:01.5",
                "1.5h",
                "10y",
                "7us",
                "1w",
            ]),
            shard: file.to_json().into_bytes(),
            sweep_shard: sweep_shard.to_json().into_bytes(),
            header: header.to_json().into_bytes(),
            entry: entry.into_bytes(),
        }
    }

    fn pick(&self, target: Target, rng: &mut Xoshiro256PlusPlus) -> &[u8] {
        match target {
            Target::Scenario => &self.scenarios[rng.random_range(0..self.scenarios.len())],
            Target::Duration => &self.durations[rng.random_range(0..self.durations.len())],
            Target::SetPath => &self.sets[rng.random_range(0..self.sets.len())],
            Target::ShardFile => &self.shard,
            Target::SweepShard => &self.sweep_shard,
            Target::Header => &self.header,
            Target::Entry => &self.entry,
        }
    }
}

/// A few structured edits of `seed`: byte flips, dictionary tokens inserted or written over,
/// ranges deleted, duplicated or repeated, digits swapped for other digits.
fn mutate(seed: &[u8], rng: &mut Xoshiro256PlusPlus) -> Vec<u8> {
    let mut out = seed.to_vec();
    let edits = 1 + rng.random_range(0..4);
    for _ in 0..edits {
        let len = out.len();
        let at = if len == 0 {
            0
        } else {
            rng.random_range(0..len)
        };
        match rng.random_range(0..8) {
            0 if len > 0 => out[at] ^= 1 << rng.random_range(0..8),
            1 => {
                let token = DICTIONARY[rng.random_range(0..DICTIONARY.len())];
                out.splice(at..at, token.bytes());
            }
            2 if len > 0 => {
                let end = (at + rng.random_range(1..64)).min(len);
                out.drain(at..end);
            }
            3 if len > 0 => {
                let end = (at + rng.random_range(1..256)).min(len);
                let copy = out[at..end].to_vec();
                let to = rng.random_range(0..=len);
                out.splice(to..to, copy);
            }
            4 => {
                // Repetition: deep nesting, long lists, long numbers.
                let token = DICTIONARY[rng.random_range(0..DICTIONARY.len())];
                let times = 1 << rng.random_range(1..13);
                let piece = token.repeat(times);
                out.splice(at..at, piece.bytes());
            }
            5 if len > 0 => {
                if out[at].is_ascii_digit() {
                    out[at] = b"0123456789"[rng.random_range(0..10)];
                } else if let Some(d) = out[at..].iter().position(|b| b.is_ascii_digit()) {
                    let digits = "9".repeat(rng.random_range(1..40));
                    out.splice(at + d..at + d + 1, digits.bytes());
                }
            }
            6 if len > 0 => {
                let token = DICTIONARY[rng.random_range(0..DICTIONARY.len())];
                let end = (at + token.len()).min(len);
                out.splice(at..end, token.bytes());
            }
            _ if len > 0 => out.truncate(at),
            _ => {}
        }
    }
    out.truncate(MAX_INPUT);
    out
}

/// Runs one case, catching a panic; returns what went wrong, if anything.
fn case(target: Target, seeds: &Seeds, input: &[u8]) -> Option<String> {
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| target.feed(seeds, input)));
    let took = started.elapsed();
    match result {
        Err(p) => Some(format!(
            "panic: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
        Ok(()) if took > SLOW => Some(format!("slow: {took:?}")),
        Ok(()) => None,
    }
}

fn corpus_dir() -> PathBuf {
    manifest("tests/fuzz-corpus")
}

/// Saves a finding as `tests/fuzz-corpus/<target>-<hash>.bin`.
fn save(target: Target, input: &[u8]) -> PathBuf {
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(input)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = corpus_dir().join(format!("{}-{hash}.bin", target.name()));
    let _ = std::fs::create_dir_all(corpus_dir());
    let _ = std::fs::write(&path, input);
    path
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Replays the corpus, then runs `cases` mutated inputs; panics listing every finding.
fn fuzz(cases: u64, seed: u64) {
    std::panic::set_hook(Box::new(|_| {}));
    let seeds = Seeds::new();
    let mut findings = vec![];
    if let Ok(entries) = std::fs::read_dir(corpus_dir()) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(target) = name.split('-').next().and_then(Target::from_name) else {
                continue;
            };
            let input = std::fs::read(e.path()).unwrap_or_default();
            if let Some(what) = case(target, &seeds, &input) {
                findings.push(format!("{name}: {what}"));
            }
        }
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let started = Instant::now();
    let mut slowest = Wall::ZERO;
    for n in 0..cases {
        let target = Target::ALL[(n % Target::ALL.len() as u64) as usize];
        let input = mutate(seeds.pick(target, &mut rng), &mut rng);
        let t = Instant::now();
        if let Some(what) = case(target, &seeds, &input) {
            let path = save(target, &input);
            findings.push(format!("{}: {what}", path.display()));
        }
        slowest = slowest.max(t.elapsed());
    }
    let _ = std::panic::take_hook();
    let rss = peak_rss_kib();
    println!(
        "fuzz: {cases} cases (seed {seed}) in {:.1?}, slowest {slowest:.1?}, peak RSS {} MiB, {} findings",
        started.elapsed(),
        rss.map_or("?".into(), |k| (k / 1024).to_string()),
        findings.len()
    );
    assert!(findings.is_empty(), "findings:\n{}", findings.join("\n"));
    if let Some(kib) = rss {
        assert!(kib < MAX_RSS_KIB, "peak RSS {kib} KiB");
    }
}

#[test]
fn a_fast_slice_of_fuzzing_finds_nothing() {
    fuzz(3_000, 1);
}

#[test]
#[ignore = "the long run: IOTWIN_FUZZ_CASES=1000000 cargo test --profile ci --test fuzz -- --ignored --nocapture"]
fn the_long_fuzz_run_finds_nothing() {
    let cases = std::env::var("IOTWIN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let seed = std::env::var("IOTWIN_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    fuzz(cases, seed);
}
