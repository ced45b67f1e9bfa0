//! `report.md`: the same report as plain text that reads well in a repository or a review.
//!
//! Charts are referenced as `charts/*.svg`, which `write_outputs` writes beside it.

use super::chart::Chart;
use super::content;
use super::html::card_note;
use crate::montecarlo::Summary;

/// Escapes text for a Markdown table cell or paragraph: no table breaks, no raw HTML, and no
/// link, image, code or emphasis syntax (a scenario named `[x](javascript:alert(1))` or
/// `![](http://tracker)` shows as those characters, not as a link or a remote image).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            // Without `[`, `]` and `!` no link or image can open, so `(` and `_` stay readable.
            '\\' | '|' | '[' | ']' | '!' | '`' | '*' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text for inside a code span (`` `id` ``), where backslashes are literal: a backtick that
/// would end the span early becomes `'`, and table pipes are escaped as tables require.
pub fn code(text: &str) -> String {
    text.replace('`', "'")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The whole document.
pub fn report_md(s: &Summary, charts: &[Chart]) -> String {
    let mut m = format!("# iotwin report: {}\n\n", escape(&s.scenario));
    if !s.description.trim().is_empty() {
        m.push_str(&format!("{}\n\n", escape(s.description.trim())));
    }
    m.push_str("| | |\n|---|---|\n");
    for (label, value) in content::facts(s) {
        m.push_str(&format!("| {label} | {} |\n", escape(&value)));
    }

    m.push_str("\n## Headline\n\n");
    if let Some(warning) = content::summary_capacity_warning(s) {
        m.push_str(&format!("**Capacity: {}.**\n\n", escape(&warning)));
    }
    if let Some(tally) = content::verdict_tally(s) {
        m.push_str(&format!(
            "**{}.**\n\n| verdict | assertion | measured | line |\n|---|---|---|---:|\n",
            escape(&content::capitalised(&tally))
        ));
        for l in content::verdicts(s) {
            let why = if l.why.is_empty() {
                String::new()
            } else {
                format!(" ({})", l.why)
            };
            m.push_str(&format!(
                "| **{}** | `{}`{} | {} | {} |\n",
                l.verdict,
                escape(&l.assertion),
                escape(&why),
                escape(&l.measured),
                l.line
            ));
        }
        m.push('\n');
    }
    m.push_str("| | mean | 95% CI |\n|---|---:|---|\n");
    for (label, row) in content::headline(s).into_iter().chain(content::costs(s)) {
        m.push_str(&format!(
            "| {label} | {} | {} |\n",
            escape(&row.mean),
            escape(&card_note(&row))
        ));
    }

    m.push_str("\n## Charts\n\n");
    for chart in charts {
        let title = content::chart_text(chart.kind).0;
        let guide = content::chart_guide(chart.kind, s);
        m.push_str(&format!(
            "![{title}](charts/{}.svg)\n\n*{title}.* {guide}\n\n",
            chart.kind.stem()
        ));
    }

    m.push_str("## All metrics\n\n| metric | mean | ± 95% | 95% CI | defined in | unit |\n|---|---:|---:|---:|---:|---|\n");
    for row in content::rows(s) {
        m.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            code(&row.metric.id),
            escape(&row.mean),
            escape(&row.half_width),
            escape(&row.interval),
            escape(&row.defined),
            escape(row.metric.unit),
        ));
    }

    m.push_str(&format!(
        "\n## Glossary\n\n{}\n\n",
        escape(content::INTERVAL_NOTE)
    ));
    for metric in &s.metrics {
        m.push_str(&format!(
            "- **`{}`** ({}): {} *{}.*\n",
            code(&metric.id),
            escape(metric.unit),
            escape(&metric.definition),
            content::better(metric),
        ));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_become_links_images_or_html() {
        let link = escape("[x](javascript:alert(1))");
        assert_eq!(link, "\\[x\\](javascript:alert(1))");
        assert_eq!(escape("![](http://t/p.png)"), "\\!\\[\\](http://t/p.png)");
        assert_eq!(escape("smart_home P(better)"), "smart_home P(better)");
        assert_eq!(escape("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(escape("a|b\nc"), "a\\|b c");
        assert_eq!(code("a`b|c"), "a'b\\|c");
    }
}
