//! Tables a person keeps beside a scenario — a field log, a fleet inventory — read from CSV
//! with a header or from JSON lines, every cell with its line and column, so a mistake is
//! reported like a scenario's: file, line, column, field, what was expected and a hint.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::{Diagnostic, closest};
use super::locate::Position;

/// A table that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("error: cannot read {what} {file}: {message}\n  = hint: {hint}")]
    Io {
        what: &'static str,
        file: String,
        message: String,
        hint: String,
    },
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
}

impl TableError {
    /// The diagnostic, for a table that was read but has a mistake.
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            TableError::Invalid(d) => Some(d),
            TableError::Io { .. } => None,
        }
    }
}

/// A field's text (empty if absent) and the column it starts at.
#[derive(Clone, Debug)]
pub struct Cell {
    pub text: String,
    pub column: usize,
}

/// A row before checking: its line and its named cells.
#[derive(Clone, Debug)]
pub struct RawRow {
    pub line: usize,
    pub cells: BTreeMap<String, Cell>,
}

impl RawRow {
    /// The non-empty cell `name`.
    pub fn cell(&self, name: &str) -> Option<&Cell> {
        self.cells.get(name).filter(|c| !c.text.is_empty())
    }

    /// The column of `name`, or of the row's first cell if it has none.
    pub fn column(&self, name: &str) -> usize {
        self.cells
            .get(name)
            .map(|c| c.column)
            .unwrap_or_else(|| self.cells.values().map(|c| c.column).min().unwrap_or(1))
    }
}

/// What a table may hold: its column names and an example line of each format for hints.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// What the table is, in messages: `records`, `inventory`.
    pub what: &'static str,
    pub columns: &'static [&'static str],
    /// A column every row must have.
    pub key: &'static str,
    pub example_header: &'static str,
    pub example_json: &'static str,
}

/// A located mistake in `source`.
pub fn error(
    source: &str,
    file: &str,
    line: usize,
    column: usize,
    field: &str,
    message: String,
    hint: String,
) -> TableError {
    TableError::Invalid(Box::new(Diagnostic::new(
        source,
        file,
        Position { line, column },
        field,
        message,
        hint,
    )))
}

/// Reads the table in `path`: JSON lines if it ends in `.jsonl`, `.ndjson` or `.json`, CSV
/// otherwise.
pub fn read(path: &Path, layout: &Layout) -> Result<(String, Vec<RawRow>), TableError> {
    let file = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| TableError::Io {
        what: layout.what,
        file: file.clone(),
        message: e.to_string(),
        hint: "check the path; tables are CSV with a header, or JSON lines (.jsonl)".into(),
    })?;
    let json = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("jsonl" | "ndjson" | "json")
    );
    let rows = if json {
        read_json_lines(&source, &file, layout)?
    } else {
        read_csv(&source, &file, layout)?
    };
    Ok((source, rows))
}

/// The hint for an unknown column or key.
fn unknown_hint(name: &str, layout: &Layout) -> String {
    match closest(name, layout.columns.iter().copied()) {
        Some(guess) => format!("did you mean `{guess}`?"),
        None => format!("the columns are: {}", layout.columns.join(", ")),
    }
}

/// Reads CSV text with a header row; lines starting with `#` are comments.
pub fn read_csv(source: &str, file: &str, layout: &Layout) -> Result<Vec<RawRow>, TableError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(source.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| csv_error(source, file, &e))?
        .clone();
    let header_line = first_data_line(source).unwrap_or(1);
    let header_text = source.lines().nth(header_line - 1).unwrap_or("");
    for (i, name) in headers.iter().enumerate() {
        if !layout.columns.contains(&name) {
            return Err(error(
                source,
                file,
                header_line,
                field_column(header_text, i),
                name,
                format!("unknown column `{name}`"),
                unknown_hint(name, layout),
            ));
        }
    }
    if !headers.iter().any(|h| h == layout.key) {
        return Err(error(
            source,
            file,
            header_line,
            1,
            layout.key,
            format!("the header has no `{}` column", layout.key),
            format!(
                "the first line names the columns, e.g. {}",
                layout.example_header
            ),
        ));
    }
    let mut rows = vec![];
    for result in reader.records() {
        let record = result.map_err(|e| csv_error(source, file, &e))?;
        let line = record.position().map_or(1, |p| p.line() as usize);
        let text = source.lines().nth(line - 1).unwrap_or("");
        let cells = headers
            .iter()
            .zip(record.iter())
            .enumerate()
            .map(|(i, (name, value))| {
                let cell = Cell {
                    text: value.to_string(),
                    column: field_column(text, i),
                };
                (name.to_string(), cell)
            })
            .collect();
        rows.push(RawRow { line, cells });
    }
    Ok(rows)
}

/// The 1-based line of the first line that is neither blank nor a comment.
fn first_data_line(source: &str) -> Option<usize> {
    source
        .lines()
        .position(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|i| i + 1)
}

/// The 1-based column where field `index` of a CSV line starts (quotes respected).
fn field_column(line: &str, index: usize) -> usize {
    let mut field = 0;
    let mut quoted = false;
    for (column, c) in line.chars().enumerate() {
        if field == index {
            return column + 1;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => field += 1,
            _ => {}
        }
    }
    line.chars().count() + 1
}

fn csv_error(source: &str, file: &str, e: &csv::Error) -> TableError {
    let line = e.position().map_or(1, |p| p.line() as usize);
    let (message, hint) = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => (
            format!("this row has {len} fields but the header has {expected_len}"),
            "leave a field empty with nothing between its commas (e.g. `a,,c`)".to_string(),
        ),
        csv::ErrorKind::Utf8 { .. } => (
            "this row is not valid UTF-8".to_string(),
            "save the file as UTF-8".to_string(),
        ),
        _ => (e.to_string(), "check the quoting of this row".to_string()),
    };
    error(source, file, line, 1, "", message, hint)
}

/// Reads JSON lines: one object per line, keys as the CSV columns; blank lines are skipped.
/// Strings and numbers are read as text, `null` as an absent value.
pub fn read_json_lines(
    source: &str,
    file: &str,
    layout: &Layout,
) -> Result<Vec<RawRow>, TableError> {
    let mut rows = vec![];
    for (i, text) in source.lines().enumerate() {
        let line = i + 1;
        if text.trim().is_empty() {
            continue;
        }
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
            .map_err(|e| {
                error(
                    source,
                    file,
                    line,
                    e.column().max(1),
                    "",
                    format!("not a JSON object: {e}"),
                    format!("one object per line, e.g. {}", layout.example_json),
                )
            })?;
        let mut cells = BTreeMap::new();
        for (key, value) in object {
            if !layout.columns.contains(&key.as_str()) {
                let column = text
                    .find(&format!("\"{key}\""))
                    .map_or(1, |at| text[..at].chars().count() + 1);
                return Err(error(
                    source,
                    file,
                    line,
                    column,
                    &key,
                    format!("unknown key `{key}`"),
                    unknown_hint(&key, layout),
                ));
            }
            let column = value_column(text, &key);
            let text = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                serde_json::Value::Number(n) => n.to_string(),
                other => {
                    return Err(error(
                        source,
                        file,
                        line,
                        column,
                        &key,
                        format!("expected a string or a number, found {other}"),
                        "write dates and durations as strings, e.g. \"2024-03-01\" or \"3h\""
                            .into(),
                    ));
                }
            };
            cells.insert(key, Cell { text, column });
        }
        rows.push(RawRow { line, cells });
    }
    Ok(rows)
}

/// The 1-based column of the value of `key` in a JSON line.
fn value_column(line: &str, key: &str) -> usize {
    let quoted = format!("\"{key}\"");
    let Some(at) = line.find(&quoted) else {
        return 1;
    };
    let after = at + quoted.len();
    let rest = &line[after..];
    let value = rest
        .find(':')
        .map(|colon| {
            let tail = &rest[colon + 1..];
            after + colon + 1 + (tail.len() - tail.trim_start().len())
        })
        .unwrap_or(at);
    line[..value].chars().count() + 1
}

/// Microseconds since 1970-01-01 UTC of an ISO 8601 date (midnight UTC), date-time (UTC
/// without an offset) or RFC 3339 timestamp.
pub fn parse_time(text: &str) -> Result<i64, String> {
    use jiff::{Timestamp, civil, tz::Offset};
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts.as_microsecond());
    }
    let civil = text.parse::<civil::DateTime>().or_else(|_| {
        text.parse::<civil::Date>()
            .map(|d| d.to_datetime(civil::Time::midnight()))
    });
    match civil.and_then(|dt| Offset::UTC.to_timestamp(dt)) {
        Ok(ts) => Ok(ts.as_microsecond()),
        Err(_) => Err(format!("expected a date or date-time, found \"{text}\"")),
    }
}

/// The hint for a bad date.
pub const DATE_HINT: &str =
    "write a date such as 2024-03-01, or a date and time such as 2024-03-01T14:30:00Z";

/// A time for messages, as an RFC 3339 timestamp.
pub fn show_time(micros: i64) -> String {
    jiff::Timestamp::from_microsecond(micros).map_or_else(|_| micros.to_string(), |t| t.to_string())
}
