//! `report.html`: one self-contained page a person can open offline or mail to a manager.
//!
//! Styles are inline and charts are inline SVG; there are no scripts and no links to fetch, so
//! the page looks the same anywhere and the same summary gives the same bytes.

use super::chart::Chart;
use super::content::{self, Row};
use crate::montecarlo::Summary;

pub(crate) const STYLE: &str = "\
body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;color:#222;background:#fafafa;margin:0}
main{max-width:980px;margin:0 auto;padding:24px;background:#fff}
h1{margin-bottom:4px}h2{border-bottom:2px solid #468;padding-bottom:4px;margin-top:36px}
.desc{color:#444;white-space:pre-wrap}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}
dl.facts dt{font-weight:bold}dl.facts dd{margin:0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px}
.card{border:1px solid #ccd;border-radius:6px;padding:12px;background:#f5f7fb}
.card .label{font-size:0.9em;color:#456}.card .value{font-size:1.6em;font-weight:bold;margin:4px 0}
.card .ci{font-size:0.85em;color:#555}
figure{margin:18px 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:0.9em;color:#444}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:0.85em}
th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th.num{text-align:right}td.num{text-align:right;white-space:nowrap}td.note{color:#666}
td.wrap{white-space:normal}.nw{white-space:nowrap}td.metric{min-width:11em}
td code{word-break:normal;overflow-wrap:normal}tr.undefined td{color:#888}
@media (max-width:900px){td.num{white-space:normal}main{padding:12px}}
code{font-size:0.95em}dl.glossary dt{font-weight:bold;margin-top:8px}dl.glossary dd{margin-left:16px}
.tally{font-size:1.1em;font-weight:bold;padding:8px 12px;border-radius:6px;margin:12px 0}
.tally.ok{background:#e3f4e6;color:#1d5e2a}.tally.bad{background:#fbe4e4;color:#8a1c1c}.tally.unsure{background:#fdf3dc;color:#7a5300}
.verdict{font-weight:bold;white-space:nowrap}.v-PASS{color:#1d7a35}.v-FAIL{color:#b42020}.v-INCONCLUSIVE,.v-UNDEFINED{color:#a06a00}
tr.few td{color:#7a5300}h3{margin-top:20px;color:#345}table.verdicts{margin-bottom:16px}
";

/// A metric id (or a sweep path) that may wrap only after its underscores, colons and dots, so
/// a narrow column breaks `messages_delivered_on_time` into words rather than into letters.
pub(crate) fn breakable(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 16);
    for c in escape(id).chars() {
        out.push(c);
        if matches!(c, '_' | ':' | '.') {
            out.push_str("<wbr>");
        }
    }
    out
}

/// A value that may wrap only between its parts: an interval between its ends ("low to
/// high"), a long duration between seconds and words ("472,143,579 s (14y 354d 14h)"), so
/// the table fits the page column without breaking a number.
pub(crate) fn wrappable(text: &str) -> String {
    let piece = |t: &str| {
        let mut parts = t.split(" (");
        let mut html = format!(
            "<span class=\"nw\">{}</span>",
            escape(parts.next().unwrap_or(""))
        );
        for words in parts {
            html.push_str(&format!(" <span class=\"nw\">({}</span>", escape(words)));
        }
        html
    };
    match text.split_once(" to ") {
        Some((low, high)) => format!("{} to {}", piece(low), piece(high)),
        None => piece(text),
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The whole page.
pub fn report_html(s: &Summary, charts: &[Chart]) -> String {
    let name = escape(&s.scenario);
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>iotwin report: {name}</title>\n"));
    h.push_str(&format!(
        "<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n"
    ));
    h.push_str(&format!("<h1>iotwin report: {name}</h1>\n"));
    if !s.description.trim().is_empty() {
        h.push_str(&format!(
            "<p class=\"desc\">{}</p>\n",
            escape(s.description.trim())
        ));
    }
    h.push_str("<dl class=\"facts\">\n");
    for (label, value) in content::facts(s) {
        h.push_str(&format!("<dt>{label}</dt><dd>{}</dd>\n", escape(&value)));
    }
    h.push_str("</dl>\n");

    h.push_str("<h2>Headline</h2>\n");
    if let Some(warning) = content::summary_capacity_warning(s) {
        h.push_str(&format!(
            "<p class=\"tally bad\">Capacity: {}.</p>\n",
            escape(&warning)
        ));
    }
    h.push_str(&verdicts_html(s));
    h.push_str(&cards(&content::headline(s)));
    let costs = content::costs(s);
    if !costs.is_empty() {
        h.push_str("<h3>Costs</h3>\n");
        h.push_str(&cards(&costs));
    }

    h.push_str("<h2>Charts</h2>\n");
    for chart in charts {
        let title = content::chart_text(chart.kind).0;
        let guide = content::chart_guide(chart.kind, s);
        h.push_str(&format!(
            "<figure id=\"chart-{}\">\n{}\n<figcaption><strong>{title}.</strong> {guide}</figcaption>\n</figure>\n",
            chart.kind.stem(),
            strip_xml_declaration(&chart.svg),
        ));
    }

    h.push_str("<h2>All metrics</h2>\n<div class=\"table-wrap\">\n<table>\n<thead><tr><th>metric</th><th class=\"num\">mean</th><th class=\"num\">± 95%</th><th class=\"num\">95% CI</th><th class=\"num\">defined in</th><th>unit</th></tr></thead>\n<tbody>\n");
    for row in content::rows(s) {
        let class = if row.mean == "undefined" {
            " class=\"undefined\""
        } else if row.few {
            " class=\"few\""
        } else {
            ""
        };
        // Without an interval, the reason spans both interval columns and may wrap.
        let spread = if row.interval.is_empty() {
            format!(
                "<td class=\"note\" colspan=\"2\">{}</td>",
                escape(&row.half_width)
            )
        } else {
            format!(
                "<td class=\"num\">{}</td><td class=\"num wrap\">{}</td>",
                escape(&row.half_width),
                wrappable(&row.interval)
            )
        };
        h.push_str(&format!(
            "<tr{class}><td class=\"metric\"><a href=\"#m-{id}\"><code>{name}</code></a></td><td class=\"num wrap\">{}</td>{spread}<td class=\"num\">{}</td><td>{}</td></tr>\n",
            wrappable(&row.mean),
            escape(&row.defined),
            escape(row.metric.unit),
            id = escape(&row.metric.id),
            name = breakable(&row.metric.id),
        ));
    }
    h.push_str("</tbody>\n</table>\n</div>\n");

    h.push_str(&format!(
        "<h2>Glossary</h2>\n<p>{}</p>\n<dl class=\"glossary\">\n",
        escape(content::INTERVAL_NOTE)
    ));
    for m in &s.metrics {
        h.push_str(&format!(
            "<dt id=\"m-{id}\"><code>{id}</code> ({})</dt><dd>{} <em>{}.</em></dd>\n",
            escape(m.unit),
            escape(&m.definition),
            content::better(m),
            id = escape(&m.id),
        ));
    }
    h.push_str("</dl>\n</main>\n</body>\n</html>\n");
    h
}

/// A row of headline cards: label, mean, interval (and how many replications define it, when
/// that is few or the value is pooled over them).
fn cards(rows: &[(&str, Row)]) -> String {
    let mut h = String::from("<div class=\"cards\">\n");
    for (label, row) in rows {
        h.push_str(&format!(
            "<div class=\"card\"><div class=\"label\">{label}</div><div class=\"value\">{}</div><div class=\"ci\">{}</div></div>\n",
            escape(&row.mean),
            escape(&card_note(row)),
        ));
    }
    h.push_str("</div>\n");
    h
}

/// What a card says under its value: the interval, and how many replications define the
/// value when that is few or when it is pooled over them.
pub(crate) fn card_note(row: &Row) -> String {
    let ci = ci_text(row);
    if row.few || row.pooled {
        format!("{ci}; {}", row.defined)
    } else {
        ci
    }
}

/// The verdicts of the scenario's `expect` assertions: a tally a reader sees first, then one
/// line per assertion. Empty without assertions.
fn verdicts_html(s: &Summary) -> String {
    let Some(tally) = content::verdict_tally(s) else {
        return String::new();
    };
    let lines = content::verdicts(s);
    let class = if lines.iter().any(|l| l.verdict == "FAIL") {
        "bad"
    } else if lines.iter().all(|l| l.verdict == "PASS") {
        "ok"
    } else {
        "unsure"
    };
    let mut h = format!(
        "<p class=\"tally {class}\">{}</p>\n<div class=\"table-wrap\">\n<table class=\"verdicts\">\n<thead><tr><th>verdict</th><th>assertion</th><th>measured</th><th>line</th></tr></thead>\n<tbody>\n",
        escape(&content::capitalised(&tally))
    );
    for l in &lines {
        let why = if l.why.is_empty() {
            String::new()
        } else {
            format!("<br><small>{}</small>", escape(l.why))
        };
        h.push_str(&format!(
            "<tr><td class=\"verdict v-{v}\">{v}</td><td><code>{}</code>{why}</td><td class=\"wrap\">{}</td><td class=\"num\">{}</td></tr>\n",
            escape(&l.assertion),
            escape(&l.measured),
            l.line,
            v = l.verdict,
        ));
    }
    h.push_str("</tbody>\n</table>\n</div>\n");
    h
}

/// "95% CI a to b", or why there is none.
pub(crate) fn ci_text(row: &Row) -> String {
    if row.interval.is_empty() {
        row.half_width.clone()
    } else {
        format!("95% CI {}", row.interval)
    }
}

/// Inline SVG must not carry an `<?xml ...?>` declaration.
pub(crate) fn strip_xml_declaration(svg: &str) -> &str {
    match svg.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(svg, |(_, r)| r.trim_start()),
        None => svg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn without_tags(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn table_values_read_the_same_and_wrap_only_between_their_parts() {
        for text in [
            "472,143,579 s (14y 354d 14h 59m 39s)",
            "2,211 s (36m 51s) to 12,735 s (3h 32m 15s)",
            "1,359 s (22m 39s) (538 s (8m 58s) to 2,179 s (36m 19s))",
            "99.2897% to 99.3014%",
            "17,859,907",
        ] {
            let html = wrappable(text);
            assert_eq!(without_tags(&html), text, "{html}");
            // Every space outside the separators is inside a no-wrap span.
            let spans = html.matches("<span class=\"nw\">").count();
            let parts = 1 + text.matches(" to ").count() + text.matches(" (").count();
            assert_eq!(spans, parts, "{html}");
        }
        assert_eq!(
            without_tags(&breakable("messages_delivered_on_time")),
            "messages_delivered_on_time"
        );
        assert_eq!(breakable("a_b").matches("<wbr>").count(), 1);
    }

    #[test]
    fn scenario_text_is_escaped() {
        assert_eq!(
            escape("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
