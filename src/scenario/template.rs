//! Scenario templates: `#repeat` blocks and `#include` lines, expanded before the RON is read.
//!
//! A city of 100 districts is one block written once:
//!
//! ```text
//! sites: [
//!     #repeat d in 00..100
//!     Site(id: "d{d}", region: "zone-{d%4}"),
//!     #end
//! ],
//! carriers: [
//!     #include "shared/carriers.ron"
//! ],
//! ```
//!
//! - `#repeat NAME in A..B` (or `A..=B`, B included) repeats the lines up to its `#end` once per
//!   integer, with `{NAME}` replaced by it. A bound written with leading zeros (`00..100`)
//!   pads the number to that width (`d07`). `{NAME+K}`, `{NAME-K}`, `{NAME*K}`, `{NAME/K}` and
//!   `{NAME%K}` derive another number (never padded). Blocks nest; an inner one sees the outer
//!   names.
//! - `#include "PATH"` puts the lines of another file there (its own directives expanded),
//!   PATH relative to the including file.
//!
//! Directives are whole lines, so the text between them stays plain RON. Every line of the
//! expanded text remembers the file and line it came from and where its substitutions are, so
//! an error in a repeated or included line points at the line and column where it is written,
//! and says which repetition it was.
//!
//! A file without a directive line is returned as it is: templates cost nothing to a scenario
//! that does not use them.

use std::path::{Path, PathBuf};

use super::{Diagnostic, Position, ScenarioError};

/// Lines a scenario may expand to: far more than any deployment needs (the million-meter city
/// is about 40 lines a district), and a bound on the memory a small file can ask for.
pub const MAX_EXPANDED_LINES: usize = 2_000_000;
/// The largest file `#include` reads: a scenario of a million devices written out in full is
/// about 40 MB, and a bound keeps a stray include of a device file from reading forever.
const MAX_INCLUDE_BYTES: usize = 64 << 20;
/// How deep `#include` may nest: enough for shared parts that include shared parts.
const MAX_INCLUDE_DEPTH: usize = 8;

/// Expanded scenario text, with where each of its lines came from.
#[derive(Debug, Default)]
pub struct Expanded {
    pub text: String,
    /// One per line of `text`; empty when nothing was expanded (the text is the source).
    origins: Vec<Origin>,
}

/// Where one expanded line was written, and what its substitutions changed.
#[derive(Clone, Debug)]
struct Origin {
    file: String,
    /// 1-based line in `file`.
    line: usize,
    /// The line as written.
    written: String,
    /// Substitutions, left to right: (column in the expanded line, length there, column in the
    /// written line, length there), columns 0-based in bytes.
    edits: Vec<(usize, usize, usize, usize)>,
    /// The repetition the line belongs to, e.g. "d = 17", for messages.
    context: String,
}

impl Expanded {
    /// Whether any directive was expanded.
    pub fn is_template(&self) -> bool {
        !self.origins.is_empty()
    }

    /// `d` moved from the expanded text to where its line is written.
    pub fn locate(&self, mut d: Diagnostic) -> Diagnostic {
        let Some(origin) = d.line.checked_sub(1).and_then(|i| self.origins.get(i)) else {
            return d;
        };
        // Edits run left to right: past the last one before the column, the column moves by
        // what that edit and those before it changed; inside one, it points at its `{`.
        let column = d.column.saturating_sub(1);
        let mut written = column;
        for &(at, len, src_at, src_len) in &origin.edits {
            if column < at {
                break;
            }
            if column < at + len {
                written = src_at;
                break;
            }
            written = column - (at + len) + (src_at + src_len);
        }
        d.file = origin.file.clone();
        d.line = origin.line;
        d.column = written + 1;
        d.source_line = origin.written.clone();
        if !origin.context.is_empty() {
            d.message = format!("{} (in the repetition where {})", d.message, origin.context);
        }
        d
    }

    /// A scenario error moved to where its line is written.
    pub fn locate_error(&self, e: ScenarioError) -> ScenarioError {
        match e {
            ScenarioError::Invalid(d) => ScenarioError::Invalid(Box::new(self.locate(*d))),
            other => other,
        }
    }
}

/// Whether `line` is a directive (`#repeat`, `#end`, `#include`, or a mistyped one). RON's own
/// `#![enable(...)]` attributes are not.
fn directive(line: &str) -> Option<&str> {
    let t = line.trim_start();
    (t.starts_with('#') && !t.starts_with("#!")).then_some(t)
}

/// Expands the directives of `source`, read from `file` (which names it in errors and anchors
/// relative `#include` paths).
pub fn expand(source: &str, file: &str) -> Result<Expanded, ScenarioError> {
    if !source.lines().any(|l| directive(l).is_some()) {
        return Ok(Expanded {
            text: source.to_string(),
            origins: vec![],
        });
    }
    let mut out = Expander {
        text: String::with_capacity(source.len()),
        origins: vec![],
        stack: vec![file.to_string()],
    };
    let lines: Vec<Written> = written_lines(source, file);
    out.block(&lines, &[])?;
    Ok(Expanded {
        text: out.text,
        origins: out.origins,
    })
}

/// A line as written in a file.
#[derive(Clone, Debug)]
struct Written {
    file: String,
    line: usize,
    text: String,
}

fn written_lines(source: &str, file: &str) -> Vec<Written> {
    source
        .lines()
        .enumerate()
        .map(|(i, text)| Written {
            file: file.to_string(),
            line: i + 1,
            text: text.to_string(),
        })
        .collect()
}

/// A loop variable in scope: its name, value and padding width.
#[derive(Clone, Debug)]
struct Var {
    name: String,
    value: i64,
    width: usize,
}

struct Expander {
    text: String,
    origins: Vec<Origin>,
    /// Files being included, outermost first (for cycles and depth).
    stack: Vec<String>,
}

fn error(w: &Written, column: usize, message: String, hint: &str) -> ScenarioError {
    let d = Diagnostic::new(
        &w.text,
        &w.file,
        Position {
            line: 1,
            column: column.max(1),
        },
        "",
        message,
        hint.to_string(),
    );
    ScenarioError::Invalid(Box::new(Diagnostic { line: w.line, ..d }))
}

/// `#repeat NAME in A..B` parsed: the name, the values and the padding width.
fn repeat_header(w: &Written, rest: &str) -> Result<(String, i64, i64, usize), ScenarioError> {
    const HINT: &str =
        "write e.g. `#repeat d in 00..100` (0 to 99, two digits) or `#repeat i in 1..=12`";
    let bad = |what: &str| {
        error(
            w,
            w.text.find("#repeat").map_or(1, |c| c + 1),
            format!("#repeat: {what}"),
            HINT,
        )
    };
    let mut words = rest.split_whitespace();
    let name = words.next().ok_or_else(|| bad("a name is missing"))?;
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(bad(&format!(
            "\"{name}\" is not a name (letters, digits, _)"
        )));
    }
    if words.next() != Some("in") {
        return Err(bad("expected `in` after the name"));
    }
    let range = words.next().ok_or_else(|| bad("a range is missing"))?;
    if let Some(extra) = words.next() {
        return Err(bad(&format!("unexpected \"{extra}\" after the range")));
    }
    let (a, b, inclusive) = match range.split_once("..=") {
        Some((a, b)) => (a, b, true),
        None => match range.split_once("..") {
            Some((a, b)) => (a, b, false),
            None => return Err(bad(&format!("\"{range}\" is not a range A..B"))),
        },
    };
    let number = |s: &str| {
        s.parse::<i64>()
            .ok()
            .filter(|n| (0..=1_000_000_000).contains(n))
            .ok_or_else(|| bad(&format!("\"{s}\" is not a whole number from 0 to 10⁹")))
    };
    let (from, to) = (number(a)?, number(b)?);
    let end = if inclusive { to + 1 } else { to };
    if end <= from {
        return Err(bad(&format!("the range {range} is empty")));
    }
    // A bound written with leading zeros gives the width: `00..100` is two digits.
    let width = |s: &str| {
        if s.len() > 1 && s.starts_with('0') {
            s.len()
        } else {
            0
        }
    };
    let width = width(a).max(width(b));
    Ok((name.to_string(), from, end, width))
}

impl Expander {
    /// Expands `lines` with `vars` in scope.
    fn block(&mut self, lines: &[Written], vars: &[Var]) -> Result<(), ScenarioError> {
        let mut i = 0;
        while i < lines.len() {
            let w = &lines[i];
            let Some(d) = directive(&w.text) else {
                self.emit(w, vars)?;
                i += 1;
                continue;
            };
            if let Some(rest) = d.strip_prefix("#repeat") {
                let (name, from, end, width) = repeat_header(w, rest)?;
                let close = matching_end(lines, i).ok_or_else(|| {
                    error(
                        w,
                        1,
                        "#repeat without its #end".to_string(),
                        "close the block with a line `#end`",
                    )
                })?;
                let body = &lines[i + 1..close];
                for value in from..end {
                    let mut inner = vars.to_vec();
                    inner.push(Var {
                        name: name.clone(),
                        value,
                        width,
                    });
                    self.block(body, &inner)?;
                }
                i = close + 1;
            } else if d == "#end" || d.starts_with("#end ") || d.starts_with("#end/") {
                return Err(error(
                    w,
                    1,
                    "#end without a #repeat".to_string(),
                    "every #end closes the nearest #repeat above it",
                ));
            } else if let Some(rest) = d.strip_prefix("#include") {
                let lines = self.included(w, rest.trim(), vars)?;
                self.stack.push(lines[0].file.clone());
                let result = self.block(&lines[1..], vars);
                self.stack.pop();
                result?;
                i += 1;
            } else {
                return Err(error(
                    w,
                    w.text.find('#').map_or(1, |c| c + 1),
                    format!(
                        "unknown directive \"{}\"",
                        d.split_whitespace().next().unwrap_or(d)
                    ),
                    "a line starting with # is `#repeat NAME in A..B`, `#end` or `#include \"FILE\"`; comments start with //",
                ));
            }
        }
        Ok(())
    }

    /// The lines of the file an `#include` names, after a first entry naming the file.
    fn included(
        &mut self,
        w: &Written,
        rest: &str,
        vars: &[Var],
    ) -> Result<Vec<Written>, ScenarioError> {
        let column = w.text.find("#include").map_or(1, |c| c + 1);
        let name = rest
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .ok_or_else(|| {
                error(
                    w,
                    column,
                    "#include: expected a file name in quotes".to_string(),
                    "write e.g. `#include \"shared/carriers.ron\"` (relative to this file)",
                )
            })?;
        let (name, _) = substitute(name, vars);
        if self.stack.len() > MAX_INCLUDE_DEPTH {
            return Err(error(
                w,
                column,
                format!("#include nested more than {MAX_INCLUDE_DEPTH} deep"),
                "an included file includes another, and so on: is there a cycle?",
            ));
        }
        let base = Path::new(&w.file).parent().unwrap_or(Path::new(""));
        let path: PathBuf = base.join(&name);
        let shown = path.display().to_string();
        if self.stack.iter().any(|f| f == &shown) {
            return Err(error(
                w,
                column,
                format!(
                    "#include \"{name}\" includes itself (through {})",
                    self.stack.join(" → ")
                ),
                "a file cannot include one of the files that include it",
            ));
        }
        let source = read_bounded(&path).map_err(|e| {
            error(
                w,
                column,
                format!("#include \"{name}\": cannot read {shown}: {e}"),
                "the path is relative to the file that includes it",
            )
        })?;
        let mut lines = vec![Written {
            file: shown.clone(),
            line: 0,
            text: String::new(),
        }];
        lines.extend(written_lines(&source, &shown));
        Ok(lines)
    }

    /// Writes one line with the variables in scope substituted.
    fn emit(&mut self, w: &Written, vars: &[Var]) -> Result<(), ScenarioError> {
        if self.origins.len() >= MAX_EXPANDED_LINES {
            return Err(error(
                w,
                1,
                format!("the scenario expands to more than {MAX_EXPANDED_LINES} lines"),
                "a #repeat range or a nesting of them is larger than meant",
            ));
        }
        let (text, edits) = substitute(&w.text, vars);
        self.text.push_str(&text);
        self.text.push('\n');
        let context = vars
            .iter()
            .map(|v| format!("{} = {}", v.name, v.value))
            .collect::<Vec<_>>()
            .join(", ");
        self.origins.push(Origin {
            file: w.file.clone(),
            line: w.line,
            written: w.text.clone(),
            edits,
            context,
        });
        Ok(())
    }
}

/// Reads a file of at most the size a scenario may have.
fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_INCLUDE_BYTES as u64 + 1)
        .read_to_string(&mut text)?;
    if text.len() > MAX_INCLUDE_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {} bytes",
            MAX_INCLUDE_BYTES
        )));
    }
    Ok(text)
}

/// The index of the `#end` closing the `#repeat` at `open`.
fn matching_end(lines: &[Written], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, w) in lines.iter().enumerate().skip(open + 1) {
        match directive(&w.text) {
            Some(d) if d.starts_with("#repeat") => depth += 1,
            Some(d) if d == "#end" || d.starts_with("#end ") || d.starts_with("#end/") => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

/// `text` with every `{NAME}` (or `{NAME op K}`) of a variable in scope replaced, and the
/// substitutions made (see [`Origin::edits`]). Braces that name no variable stay as written.
fn substitute(text: &str, vars: &[Var]) -> (String, Vec<(usize, usize, usize, usize)>) {
    if vars.is_empty() || !text.contains('{') {
        return (text.to_string(), vec![]);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut edits = vec![];
    let mut rest = text;
    let mut src = 0;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after
            .find('}')
            .and_then(|close| evaluate(&after[..close], vars).map(|v| (v, close)));
        match value {
            Some((v, close)) => {
                let written = close + 2;
                edits.push((out.len(), v.len(), src + open, written));
                out.push_str(&v);
                rest = &rest[open + written..];
                src += open + written;
            }
            None => {
                out.push('{');
                rest = after;
                src += open + 1;
            }
        }
    }
    out.push_str(rest);
    (out, edits)
}

/// The text of `{expr}`: a variable, padded, or a variable with one operation on a whole
/// number; `None` if it names no variable in scope (the innermost wins).
fn evaluate(expr: &str, vars: &[Var]) -> Option<String> {
    let expr = expr.trim();
    let split = expr.find(['+', '-', '*', '/', '%']);
    let (name, op) = match split {
        Some(i) => (
            expr[..i].trim(),
            Some((&expr[i..i + 1], expr[i + 1..].trim())),
        ),
        None => (expr, None),
    };
    let var = vars.iter().rev().find(|v| v.name == name)?;
    let Some((op, k)) = op else {
        return Some(format!("{:0width$}", var.value, width = var.width));
    };
    let k: i64 = k.parse().ok()?;
    let v = var.value;
    let result = match op {
        "+" => v.checked_add(k),
        "-" => v.checked_sub(k),
        "*" => v.checked_mul(k),
        "/" => v.checked_div(k),
        _ => v.checked_rem(k),
    }?;
    Some(result.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(text: &str) -> String {
        expand(text, "t.ron").unwrap_or_else(|e| panic!("{e}")).text
    }

    #[test]
    fn a_file_without_directives_is_returned_as_written() {
        let text = "#![enable(implicit_some)]\nScenario(name: \"x\")";
        let e = expand(text, "t.ron").expect("plain");
        assert_eq!(e.text, text);
        assert!(!e.is_template());
    }

    #[test]
    fn a_block_repeats_with_its_index_padded_to_the_width_written() {
        let text =
            "[\n#repeat d in 08..=10\nSite(id: \"d{d}\", zone: {d%4}, next: {d+1}),\n#end\n]";
        assert_eq!(
            expanded(text),
            "[\nSite(id: \"d08\", zone: 0, next: 9),\nSite(id: \"d09\", zone: 1, next: 10),\nSite(id: \"d10\", zone: 2, next: 11),\n]\n"
        );
    }

    #[test]
    fn blocks_nest_and_braces_of_no_variable_stay() {
        let text = "#repeat a in 0..2\n#repeat b in 0..2\n{a}{b} {x}\n#end\n#end";
        assert_eq!(expanded(text), "00 {x}\n01 {x}\n10 {x}\n11 {x}\n");
    }

    #[test]
    fn an_error_in_a_repeated_line_points_where_it_is_written() {
        let text = "#repeat d in 0..3\nSite(id: \"d{d}\", bad: 1),\n#end";
        let e = expand(text, "t.ron").expect("expands");
        // Line 3 of the expansion is d = 2's copy; column 16 is `bad` after "d2".
        let d = Diagnostic {
            file: "t.ron".into(),
            line: 3,
            column: 16,
            field: String::new(),
            message: "unknown field".into(),
            hint: String::new(),
            source_line: String::new(),
        };
        let d = e.locate(d);
        assert_eq!((d.line, d.column), (2, 18));
        assert_eq!(&d.source_line[17..20], "bad");
        assert!(
            d.message.ends_with("(in the repetition where d = 2)"),
            "{}",
            d.message
        );
    }

    #[test]
    fn mistakes_in_directives_are_located() {
        for (text, says) in [
            ("x\n#repeat d in 3..1\n#end", "is empty"),
            ("#repeat d in 0..2\nx", "without its #end"),
            ("x\n#end", "#end without a #repeat"),
            ("#repaet d in 0..2\n#end", "unknown directive"),
            ("#repeat 1d in 0..2\n#end", "is not a name"),
            ("#include carriers.ron", "in quotes"),
            ("#include \"no-such-file.ron\"", "cannot read"),
        ] {
            let e = expand(text, "t.ron").expect_err(text).to_string();
            assert!(e.contains(says), "{text}: {e}");
            assert!(e.contains("t.ron:"), "{e}");
        }
    }

    #[test]
    fn a_huge_expansion_is_refused() {
        let text = "#repeat a in 0..100000\n#repeat b in 0..100000\nx\n#end\n#end";
        let e = expand(text, "t.ron").expect_err("too large").to_string();
        assert!(e.contains("expands to more than"), "{e}");
    }

    #[test]
    fn an_include_is_read_relative_to_its_file_and_cycles_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("shared")).expect("dir");
        std::fs::write(
            dir.path().join("shared/carriers.ron"),
            "Carrier(id: \"c{i}\"),\n",
        )
        .expect("written");
        std::fs::write(
            dir.path().join("shared/loop.ron"),
            "#include \"loop.ron\"\n",
        )
        .expect("written");
        let main = dir.path().join("main.ron");
        let file = main.display().to_string();
        let text = "[\n#repeat i in 1..3\n#include \"shared/carriers.ron\"\n#end\n]";
        let e = expand(text, &file).expect("expands");
        assert_eq!(e.text, "[\nCarrier(id: \"c1\"),\nCarrier(id: \"c2\"),\n]\n");
        let e = expand("#include \"shared/loop.ron\"", &file).expect_err("a cycle");
        assert!(e.to_string().contains("includes itself"), "{e}");
    }
}
