//! The reports as a browser draws them: headless Chromium renders `report.html`, the test looks
//! at the screenshot's pixels and measures the page's layout.
//!
//! Chromium is found through `IOTWIN_CHROMIUM` or at `/usr/bin/chromium`. Without it the tests
//! fail under `CI=true` (CI installs it, see `.ci/run`) and are skipped with a message
//! otherwise. `scripts/screenshot-reports.sh` takes the same screenshots of the samples.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Width of the window the pages are drawn in: a laptop screen.
const WIDTH: u32 = 1200;

/// Chromium, or `None` (after saying why) when the test should be skipped.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("IOTWIN_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        return Some(path);
    }
    let message = format!(
        "no Chromium at {} (set IOTWIN_CHROMIUM or `apt-get install -y chromium`)",
        path.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}: CI must check the reports in a browser");
    }
    eprintln!("skipped: {message}");
    None
}

/// Runs headless Chromium on `page` with `args`, returning its standard output.
fn headless(chromium: &Path, page: &Path, window: (u32, u32), args: &[String]) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    // Standard output to a file: a pipe nobody reads while waiting fills up and stalls it.
    let stdout_path = profile.path().join("stdout");
    let stdout = std::fs::File::create(&stdout_path).expect("stdout file");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={},{}", window.0, window.1))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .expect("Chromium starts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("Chromium waited for") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(180) {
            child.kill().ok();
            panic!("Chromium did not finish {} in 180 s", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "Chromium failed on {}", page.display());
    std::fs::read_to_string(&stdout_path).expect("Chromium's output")
}

/// Elements of `<main>` reaching past its right edge, and how far the document scrolls
/// sideways, measured by a script added to a copy of the page (the reports carry none) and
/// read back from `--dump-dom`.
fn overflow(chromium: &Path, page: &Path, width: u32) -> (i64, Vec<String>) {
    const PROBE: &str = "<script>\
const main=document.querySelector('main')||document.body;\
const edge=main.getBoundingClientRect().right+0.5;\
const bad=[...main.querySelectorAll('*')].filter(e=>e.getBoundingClientRect().right>edge)\
.map(e=>e.tagName.toLowerCase()+(e.id?'#'+e.id:'')+(e.getAttribute('class')?'.'+e.getAttribute('class'):''));\
const d=document.documentElement;\
document.body.setAttribute('data-overflow',(d.scrollWidth-d.clientWidth)+' '+bad.slice(0,8).join(' '));\
</script>";
    let html = std::fs::read_to_string(page).expect("page readable");
    let dir = tempfile::tempdir().expect("temp dir");
    let probe = dir.path().join("probe.html");
    std::fs::write(&probe, html.replace("</body>", &format!("{PROBE}</body>"))).unwrap();
    let dom = headless(chromium, &probe, (width, 2000), &["--dump-dom".to_string()]);
    let start = dom
        .find("data-overflow=\"")
        .unwrap_or_else(|| panic!("the probe did not run on {}", page.display()))
        + "data-overflow=\"".len();
    let value = &dom[start..start + dom[start..].find('"').expect("closing quote")];
    let mut words = value.split_whitespace();
    let scroll: i64 = words
        .next()
        .expect("scroll width")
        .parse()
        .expect("a number");
    (scroll, words.map(str::to_string).collect())
}

/// A 4-replication, 10-day run of the smart home (devices fail, batteries run flat).
fn render_report() -> tempfile::TempDir {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/smart_home.ron");
    let text = std::fs::read_to_string(path).expect("shipped scenario");
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("scenario.ron");
    std::fs::write(
        &scenario,
        text.replace(r#"horizon: "90d""#, r#"horizon: "10d""#),
    )
    .unwrap();
    assert_cmd::Command::cargo_bin("iotwin")
        .expect("binary built")
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "4", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .success();
    dir
}

/// Saturated pixels: chart bars, lines and bands, never the page's greys and text.
fn coloured(rgb: &[u8]) -> bool {
    let (max, min) = (
        rgb[0].max(rgb[1]).max(rgb[2]),
        rgb[0].min(rgb[1]).min(rgb[2]),
    );
    max - min > 80
}

#[test]
fn the_report_renders_in_a_browser_with_coloured_charts() {
    let Some(chromium) = chromium() else { return };
    let dir = render_report();
    let page = dir.path().join("out/report.html");
    let png_path = dir.path().join("report.png");
    headless(
        &chromium,
        &page,
        (WIDTH, 5000),
        &[format!("--screenshot={}", png_path.display())],
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png_path).expect("screenshot written"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("decoded");
    assert_eq!((info.width, info.height), (WIDTH, 5000), "screenshot size");
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{:?}", info.color_type);
    let stride = info.line_size;
    let pixel = |x: u32, y: u32| {
        let at = y as usize * stride + x as usize * channels;
        &pixels[at..at + 3]
    };

    // Not blank: many colours, dark text on a light page.
    let mut seen = std::collections::BTreeSet::new();
    let mut dark = 0usize;
    for y in (0..info.height).step_by(3) {
        for x in (0..info.width).step_by(3) {
            let p = pixel(x, y);
            seen.insert((p[0] >> 3, p[1] >> 3, p[2] >> 3));
            dark += (p.iter().map(|&c| c as u32).sum::<u32>() < 200) as usize;
        }
    }
    assert!(seen.len() > 200, "{} colours: a blank page?", seen.len());
    assert!(dark > 2000, "{dark} dark pixels: no text?");

    // The charts: coloured pixels in the column of the page, below the headline cards (rows
    // 700..3500 of the screenshot hold the first charts at this width).
    let (left, right) = ((WIDTH - 980) / 2, (WIDTH + 980) / 2);
    let mut colour = 0usize;
    for y in 700..3500 {
        for x in left..right {
            colour += coloured(pixel(x, y)) as usize;
        }
    }
    assert!(
        colour > 30_000,
        "{colour} coloured pixels where the charts are: charts not drawn?"
    );

    // The margins either side of the page column stay the plain page background.
    for y in (0..info.height).step_by(7) {
        for x in (0..left - 20).chain(right + 20..WIDTH - 20).step_by(5) {
            let p = pixel(x, y);
            assert!(
                p.iter().all(|&c| c >= 0xf0),
                "({x}, {y}) is {p:?}: something is drawn outside the page column"
            );
        }
    }
}

#[test]
fn the_report_fits_the_page_without_sideways_scrolling() {
    let Some(chromium) = chromium() else { return };
    let dir = render_report();
    let page = dir.path().join("out/report.html");
    for width in [WIDTH, 800] {
        let (scroll, bad) = overflow(&chromium, &page, width);
        assert!(
            scroll <= 0 && bad.is_empty(),
            "at {width} px the page scrolls {scroll} px sideways; past the column: {bad:?}"
        );
    }
}

/// The committed samples (`scripts/regenerate-samples.sh`) are what a visitor opens first.
#[test]
fn the_sample_reports_fit_the_page() {
    let Some(chromium) = chromium() else { return };
    let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let mut pages = vec![];
    for entry in std::fs::read_dir(&reports).expect("reports/") {
        let dir = entry.expect("entry").path();
        for name in ["report.html", "compare.html", "sweep.html"] {
            if dir.join(name).is_file() {
                pages.push(dir.join(name));
            }
        }
    }
    pages.sort();
    assert!(pages.len() >= 5, "{pages:?}");
    for page in pages {
        let (scroll, bad) = overflow(&chromium, &page, WIDTH);
        assert!(
            scroll <= 0 && bad.is_empty(),
            "{} scrolls {scroll} px sideways at {WIDTH} px; past the column: {bad:?}",
            page.display()
        );
    }
}
