//! Field records: the rows `iotwin fit` reads, in CSV with a header or in JSON lines.
//!
//! One row is one fact from the field (see `docs/twin.md` for the full format):
//!
//! | `kind`          | meaning                                          | needs                                 |
//! |-----------------|--------------------------------------------------|---------------------------------------|
//! | `failure`       | a device failed at `at`                          | `unit`, `fleet`, `installed`, `at`    |
//! | `still_running` | a device was still working when the log ended    | `unit`, `fleet`, `installed`, `at`    |
//! | `repair`        | one repair of a device of `fleet` took `duration`| `fleet`, `duration`                   |
//! | `outage`        | carrier `carrier` was down from `at` to `end`    | `carrier`, `at`, `end`                |
//! | `still_up`      | carrier `carrier` was up when its log ended, `at`| `carrier`, `at`                       |
//!
//! `installed` is when the device's current life began (its installation, or its return from
//! the last replacement). `window_start`, optional on `failure` and `still_running`, is when
//! watching began: a device installed before it is only in the log because it survived to it
//! (left truncation). Times are ISO 8601 dates or date-times (`2024-03-01`,
//! `2024-03-01T14:30:00Z`, taken as UTC without an offset); `duration` is written like a
//! scenario's durations (`"3h 20m"`).
//!
//! Every mistake is reported with the file, line, column and field, what was expected and a
//! hint, in the same form as a scenario's errors.

use std::path::Path;

use crate::engine::Duration;
use crate::scenario::closest_name;
use crate::scenario::table::{self, DATE_HINT, Layout, RawRow, TableError, error};

/// What a row records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Failure,
    StillRunning,
    Repair,
    Outage,
    StillUp,
    /// A repair still going on when the log ended: from `at` to the log's `end`, censored.
    InRepair,
    /// A carrier outage still going on when its log ended: from `at` to `end`, censored.
    StillDown,
}

impl Kind {
    const NAMES: [(&'static str, Kind); 7] = [
        ("failure", Kind::Failure),
        ("still_running", Kind::StillRunning),
        ("repair", Kind::Repair),
        ("outage", Kind::Outage),
        ("still_up", Kind::StillUp),
        ("in_repair", Kind::InRepair),
        ("still_down", Kind::StillDown),
    ];

    pub fn name(self) -> &'static str {
        Kind::NAMES
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("", |(n, _)| n)
    }

    /// The fields a row of this kind must fill.
    fn required(self) -> &'static [&'static str] {
        match self {
            Kind::Failure | Kind::StillRunning => &["unit", "fleet", "installed", "at"],
            Kind::Repair => &["fleet", "duration"],
            Kind::Outage => &["carrier", "at", "end"],
            Kind::StillUp => &["carrier", "at"],
            Kind::InRepair => &["fleet", "at", "end"],
            Kind::StillDown => &["carrier", "at", "end"],
        }
    }
}

/// The columns (CSV) or keys (JSON lines) a record may have.
pub const COLUMNS: [&str; 9] = [
    "kind",
    "unit",
    "fleet",
    "carrier",
    "installed",
    "window_start",
    "at",
    "end",
    "duration",
];

/// One checked row. Times are microseconds since 1970-01-01 UTC.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub kind: Kind,
    pub unit: String,
    /// The fleet (failures, repairs) or the carrier (outages).
    pub group: String,
    pub installed: Option<i64>,
    pub window_start: Option<i64>,
    pub at: Option<i64>,
    pub end: Option<i64>,
    pub duration: Option<Duration>,
    /// Where the row is, for messages about it after parsing.
    pub origin: Origin,
}

/// The file and line a record came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

/// Records that could not be read.
pub type RecordsError = TableError;

/// The records' columns, for the table reader.
const LAYOUT: Layout = Layout {
    what: "records",
    columns: &COLUMNS,
    key: "kind",
    example_header: "kind,unit,fleet,installed,at",
    example_json: r#"{"kind": "failure", "unit": "d1", "fleet": "meters", "installed": "2022-01-10", "at": "2024-05-02"}"#,
};

/// Reads the records in `path`: JSON lines if it ends in `.jsonl`, `.ndjson` or `.json`, CSV
/// otherwise.
pub fn load(path: &Path) -> Result<Vec<Record>, RecordsError> {
    let (source, rows) = table::read(path, &LAYOUT)?;
    check_rows(&source, &path.display().to_string(), rows)
}

/// Parses CSV text with a header row; lines starting with `#` are comments.
pub fn parse_csv(source: &str, file: &str) -> Result<Vec<Record>, RecordsError> {
    check_rows(source, file, table::read_csv(source, file, &LAYOUT)?)
}

/// Parses JSON lines: one object per line, keys as the CSV columns.
pub fn parse_json_lines(source: &str, file: &str) -> Result<Vec<Record>, RecordsError> {
    check_rows(source, file, table::read_json_lines(source, file, &LAYOUT)?)
}

/// Checks every raw row and turns it into a record.
fn check_rows(source: &str, file: &str, rows: Vec<RawRow>) -> Result<Vec<Record>, RecordsError> {
    rows.into_iter()
        .map(|row| check_row(source, file, row))
        .collect()
}

fn check_row(source: &str, file: &str, row: RawRow) -> Result<Record, RecordsError> {
    let line = row.line;
    let fail = |field: &str, column: usize, message: String, hint: String| {
        error(source, file, line, column, field, message, hint)
    };
    let cell = |name: &str| row.cells.get(name).filter(|c| !c.text.is_empty());
    let kind_names: Vec<&str> = Kind::NAMES.iter().map(|(n, _)| *n).collect();
    let Some(kind_cell) = cell("kind") else {
        return Err(fail(
            "kind",
            1,
            "this row has no `kind`".into(),
            format!("one of: {}", kind_names.join(", ")),
        ));
    };
    let Some(kind) = Kind::NAMES
        .iter()
        .find(|(n, _)| *n == kind_cell.text)
        .map(|(_, k)| *k)
    else {
        let hint = match closest_name(&kind_cell.text, kind_names.iter().copied()) {
            Some(guess) => format!("did you mean `{guess}`?"),
            None => format!("one of: {}", kind_names.join(", ")),
        };
        return Err(fail(
            "kind",
            kind_cell.column,
            format!("unknown kind `{}`", kind_cell.text),
            hint,
        ));
    };
    let row_start = row.cells.values().map(|c| c.column).min().unwrap_or(1);
    for &name in kind.required() {
        if cell(name).is_none() {
            let column = row.cells.get(name).map_or(row_start, |c| c.column);
            return Err(fail(
                name,
                column,
                format!("a `{}` row needs `{name}`, which is empty", kind.name()),
                format!(
                    "a `{}` row fills {}",
                    kind.name(),
                    kind.required().join(", ")
                ),
            ));
        }
    }
    let time = |name: &str| -> Result<Option<i64>, RecordsError> {
        match cell(name) {
            None => Ok(None),
            Some(c) => parse_time(&c.text)
                .map(Some)
                .map_err(|message| fail(name, c.column, message, DATE_HINT.into())),
        }
    };
    let duration = match cell("duration") {
        None => None,
        Some(c) => Some(Duration::parse(&c.text).map_err(|e| {
            fail(
                "duration",
                c.column,
                format!("expected a duration: {e}"),
                "write it like a scenario's durations, e.g. \"3h 20m\" or \"45min\"".into(),
            )
        })?),
    };
    let group_field = match kind {
        Kind::Outage | Kind::StillUp | Kind::StillDown => "carrier",
        _ => "fleet",
    };
    let record = Record {
        kind,
        unit: cell("unit").map(|c| c.text.clone()).unwrap_or_default(),
        group: cell(group_field)
            .map(|c| c.text.clone())
            .unwrap_or_default(),
        installed: time("installed")?,
        window_start: time("window_start")?,
        at: time("at")?,
        end: time("end")?,
        duration,
        origin: Origin {
            file: file.to_string(),
            line,
        },
    };
    // Order: installed <= at, window_start <= at, at < end; a zero duration is not a repair.
    let column = |name: &str| row.cells.get(name).map_or(row_start, |c| c.column);
    if let (Some(installed), Some(at)) = (record.installed, record.at)
        && at < installed
    {
        return Err(fail(
            "at",
            column("at"),
            format!("`at` ({}) is before `installed`", show_time(at)),
            "a device cannot fail or be seen before its current life began; check both dates"
                .into(),
        ));
    }
    if let (Some(start), Some(at)) = (record.window_start, record.at)
        && at < start
    {
        return Err(fail(
            "window_start",
            column("window_start"),
            format!("`window_start` ({}) is after `at`", show_time(start)),
            "a row is an observation inside its window; leave `window_start` empty if the device was watched since it was installed".into(),
        ));
    }
    if let (Some(at), Some(end)) = (record.at, record.end)
        && end <= at
    {
        return Err(fail(
            "end",
            column("end"),
            format!(
                "the outage ends ({}) no later than it starts",
                show_time(end)
            ),
            "`at` is when the outage began, `end` when service came back".into(),
        ));
    }
    if record.duration == Some(Duration::ZERO) {
        return Err(fail(
            "duration",
            column("duration"),
            "a repair of zero duration".into(),
            "leave the row out if nothing was repaired, or write its real length".into(),
        ));
    }
    Ok(record)
}

pub use crate::scenario::table::{parse_time, show_time};

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "kind,unit,fleet,carrier,installed,window_start,at,end,duration\n";

    fn csv(rows: &str) -> Result<Vec<Record>, RecordsError> {
        parse_csv(&format!("{HEADER}{rows}"), "field.csv")
    }

    fn diagnostic(e: RecordsError) -> crate::scenario::Diagnostic {
        e.diagnostic().expect("a located error").clone()
    }

    #[test]
    fn reads_every_kind_of_row() {
        let records = csv("failure,d1,meters,,2022-01-10,,2024-05-02T06:00:00Z,,\n\
             still_running,d2,meters,,2019-06-01,2021-01-01,2025-01-01,,\n\
             repair,d1,meters,,,,,,3h 20m\n\
             outage,,,lte-a,,,2024-02-01T10:00:00Z,2024-02-01T13:30:00Z,\n\
             still_up,,,lte-a,,,2025-01-01,,\n")
        .unwrap();
        let kinds: Vec<Kind> = records.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Failure,
                Kind::StillRunning,
                Kind::Repair,
                Kind::Outage,
                Kind::StillUp
            ]
        );
        assert_eq!(
            records[2].duration,
            Some(Duration::parse("3h 20m").unwrap())
        );
        assert_eq!(records[3].group, "lte-a");
        let outage = &records[3];
        assert_eq!(outage.end.unwrap() - outage.at.unwrap(), 12_600_000_000);
        assert_eq!(records[1].origin.line, 3);
    }

    #[test]
    fn json_lines_read_the_same_rows() {
        let text = "{\"kind\": \"failure\", \"unit\": \"d1\", \"fleet\": \"meters\", \"installed\": \"2022-01-10\", \"at\": \"2024-05-02T06:00:00Z\"}\n\n{\"kind\": \"repair\", \"fleet\": \"meters\", \"duration\": \"3h 20m\"}\n";
        let json = parse_json_lines(text, "field.jsonl").unwrap();
        let from_csv = csv(
            "failure,d1,meters,,2022-01-10,,2024-05-02T06:00:00Z,,\nrepair,,meters,,,,,,3h 20m\n",
        )
        .unwrap();
        assert_eq!(json.len(), 2);
        for (a, b) in json.iter().zip(&from_csv) {
            assert_eq!(
                (a.kind, a.installed, a.at, a.duration),
                (b.kind, b.installed, b.at, b.duration)
            );
        }
    }

    #[test]
    fn a_bad_date_names_line_column_and_field() {
        let d = diagnostic(csv("failure,d1,meters,,2022-01-10,,2024-13-02,,\n").unwrap_err());
        assert_eq!((d.file.as_str(), d.line, d.column), ("field.csv", 2, 32));
        assert_eq!(d.field, "at");
        assert!(d.hint.contains("2024-03-01"), "{}", d.hint);
    }

    #[test]
    fn a_misspelt_kind_or_column_gets_a_suggestion() {
        let d = diagnostic(csv("falure,d1,meters,,2022-01-10,,2024-01-02,,\n").unwrap_err());
        assert_eq!((d.line, d.column, d.field.as_str()), (2, 1, "kind"));
        assert!(d.hint.contains("`failure`"), "{}", d.hint);
        let d = diagnostic(parse_csv("kind,unit,flet\n", "f.csv").unwrap_err());
        assert_eq!((d.line, d.column), (1, 11));
        assert!(d.hint.contains("`fleet`"), "{}", d.hint);
        let d = diagnostic(
            parse_json_lines(
                "{\"kind\": \"repair\", \"fleet\": \"m\", \"durration\": \"3h\"}",
                "f.jsonl",
            )
            .unwrap_err(),
        );
        assert_eq!((d.line, d.column, d.field.as_str()), (1, 34, "durration"));
        assert!(d.hint.contains("`duration`"), "{}", d.hint);
    }

    #[test]
    fn missing_fields_and_impossible_orders_are_refused() {
        let d = diagnostic(csv("outage,,,lte-a,,,2024-02-01,,\n").unwrap_err());
        assert_eq!(d.field, "end");
        assert!(d.message.contains("needs `end`"), "{}", d.message);
        let d = diagnostic(csv("failure,d1,meters,,2024-01-10,,2023-05-02,,\n").unwrap_err());
        assert!(d.message.contains("before `installed`"), "{}", d.message);
        let d = diagnostic(csv("outage,,,lte-a,,,2024-02-01,2024-01-01,\n").unwrap_err());
        assert_eq!(d.field, "end");
        let d = diagnostic(csv("repair,d1,meters,,,,,,3 hours\n").unwrap_err());
        assert_eq!((d.field.as_str(), d.column), ("duration", 23));
        let d = diagnostic(csv("repair,d1,meters,,,\n").unwrap_err());
        assert!(d.message.contains("fields"), "{}", d.message);
    }
}
