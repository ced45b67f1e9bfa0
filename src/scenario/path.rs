//! Paths into a scenario, for sweeps: `horizon`, `fleets[0].count`,
//! `gateways[id=gw-a].buffer_messages`, `gateways[id=gw-a].uplinks[carrier=lte].link.loss`.
//!
//! A path is resolved against the parsed scenario (re-serialised to a value tree, so every
//! field is known, including those left at their default), then a value is set by splicing
//! its text into the scenario's *source*. The modified text goes through the normal
//! [`super::compile_source`], so a bad value gets the same located error, with the same line
//! numbers, as if it had been written in the file; only the file name says which sweep point
//! it was.
//!
//! Syntax: steps separated by `.`; a field name, `[N]` (a list element by position, from 0),
//! or `[KEY=VALUE]` (the list element whose field `KEY` is `VALUE`: `[id=sensors]` for sites,
//! carriers, gateways, fleets, redundancy groups and common causes; `[carrier=lte]` for uplinks
//! and plans, `[fleet=vibration]` for device costs). Enum variant names are not written:
//! `gateways[0].failover.detection.every` reaches into `Esim(detection: Heartbeat(every: ..))`.

use serde_json::Value;

use super::error::closest;
use super::locate::FieldMap;
use super::types::Scenario;
use crate::engine::Duration;

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Field(String),
    Index(usize),
    /// `[key=value]`
    Match(String, String),
}

/// A path that could not be read or does not lead anywhere in the scenario.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("error: --set {path}: {message}\n  = hint: {hint}")]
pub struct PathError {
    /// The path as written.
    pub path: String,
    pub message: String,
    pub hint: String,
}

/// A path resolved against a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The path as written on the command line.
    pub written: String,
    /// The same place with list indices only, as [`FieldMap`] and errors name it:
    /// `fleets[1].count`.
    pub field: String,
    /// The value there now, as text: as written in the file, or (for a field left at its
    /// default) as the value tree has it (`"30d"`, `200`, `null` when unset).
    pub current: String,
    /// Whether the field is written in the file (otherwise it is added when set).
    pub in_file: bool,
}

/// One `--set PATH=V1,V2,...`: where, and the values in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub path: Resolved,
    /// The values as written on the command line.
    pub values: Vec<String>,
    /// The same values as RON text, quoted where needed.
    pub ron: Vec<String>,
}

/// Reads `PATH=V1,V2,...` and resolves the path against the scenario.
pub fn setting(scenario: &Scenario, source: &str, arg: &str) -> Result<Setting, PathError> {
    let mut depth = 0i32;
    let eq = arg.char_indices().find_map(|(i, c)| {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '=' if depth == 0 => return Some(i),
            _ => {}
        }
        None
    });
    let Some(eq) = eq else {
        return Err(PathError {
            path: arg.to_string(),
            message: "expected PATH=VALUE1,VALUE2,...".to_string(),
            hint: "e.g. --set 'fleets[id=sensors].count=100,200,400' or --set horizon=30d,90d"
                .to_string(),
        });
    };
    let path = resolve(scenario, source, arg[..eq].trim())?;
    let values: Vec<String> = split_values(&arg[eq + 1..])
        .into_iter()
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return Err(PathError {
            path: path.written.clone(),
            message: "no values to sweep".to_string(),
            hint: format!(
                "give one or more values after `=`, separated by commas; `{}` is {} now",
                path.field, path.current
            ),
        });
    }
    let ron = values
        .iter()
        .map(|v| ron_value(v, &path.current, path.in_file))
        .collect();
    Ok(Setting { path, values, ron })
}

/// The scenario source of one sweep point: `point[k]` is the position of the value of
/// `settings[k]`, applied in order.
pub fn point_source(source: &str, settings: &[Setting], point: &[usize]) -> Result<String, String> {
    let mut text = source.to_string();
    for (s, &v) in settings.iter().zip(point) {
        text = set(&text, &s.path.field, &s.ron[v])?;
    }
    Ok(text)
}

/// `horizon=30d, fleets[id=sensors].count=200`: a point as written on the command line.
pub fn point_label(settings: &[Setting], point: &[usize]) -> String {
    settings
        .iter()
        .zip(point)
        .map(|(s, &v)| format!("{}={}", s.path.written, s.values[v]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a path's steps.
pub fn parse_path(text: &str) -> Result<Vec<Step>, PathError> {
    let bad = |message: String| PathError {
        path: text.to_string(),
        message,
        hint: "write e.g. `horizon`, `fleets[0].count`, `gateways[id=gw-a].buffer_messages`"
            .to_string(),
    };
    let mut steps = vec![];
    let chars: Vec<char> = text.trim().chars().collect();
    let mut i = 0;
    let mut expect_name = true;
    while i < chars.len() {
        match chars[i] {
            '.' if !expect_name && i + 1 < chars.len() => {
                expect_name = true;
                i += 1;
            }
            '[' => {
                let close = chars[i..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|p| i + p)
                    .ok_or_else(|| bad("a `[` is not closed".to_string()))?;
                let inner: String = chars[i + 1..close].iter().collect();
                let inner = inner.trim();
                if steps.is_empty() {
                    return Err(bad("a path starts with a field name".to_string()));
                }
                let step = if let Some((key, value)) = inner.split_once('=') {
                    let value = value.trim().trim_matches('"');
                    if key.trim().is_empty() || value.is_empty() {
                        return Err(bad(format!("`[{inner}]` needs a key and a value")));
                    }
                    Step::Match(key.trim().to_string(), value.to_string())
                } else {
                    Step::Index(inner.parse().map_err(|_| {
                        bad(format!(
                            "`[{inner}]` is neither a position (`[0]`) nor `[id=...]`"
                        ))
                    })?)
                };
                steps.push(step);
                expect_name = false;
                i = close + 1;
            }
            c if expect_name && (c.is_alphabetic() || c == '_') => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                steps.push(Step::Field(chars[start..i].iter().collect()));
                expect_name = false;
            }
            c => {
                return Err(bad(format!("unexpected `{c}` at character {}", i + 1)));
            }
        }
    }
    if steps.is_empty() || expect_name {
        return Err(bad("the path is empty or ends with `.`".to_string()));
    }
    Ok(steps)
}

/// The fields, list or value at a place of the value tree, for error hints.
fn describe(value: &Value) -> String {
    match unwrap_variant(value) {
        Value::Object(map) => format!(
            "it has the fields {}",
            map.keys()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Array(items) => format!("it is a list of {} element(s)", items.len()),
        Value::Null => "it is not set".to_string(),
        other => format!("it is a single value ({other})"),
    }
}

/// An enum variant with fields serialises as `{"Variant": {...}}`; paths do not name variants.
#[expect(
    clippy::expect_used,
    reason = "the map was checked to hold exactly one entry"
)]
fn unwrap_variant(value: &Value) -> &Value {
    match value {
        Value::Object(map) if map.len() == 1 => {
            // ok: the match guard says the map has exactly one entry.
            let (key, inner) = map.iter().next().expect("one entry");
            if key.starts_with(|c: char| c.is_ascii_uppercase()) {
                unwrap_variant(inner)
            } else {
                value
            }
        }
        other => other,
    }
}

/// The `key` field of a list element, as text.
fn key_of(item: &Value, key: &str) -> Option<String> {
    match unwrap_variant(item) {
        Value::Object(map) => match map.get(key)? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        },
        _ => None,
    }
}

/// Resolves `text` against `scenario`: which field it names, with indices only.
pub fn resolve(scenario: &Scenario, source: &str, text: &str) -> Result<Resolved, PathError> {
    let steps = parse_path(text)?;
    let tree = serde_json::to_value(scenario).map_err(|e| PathError {
        path: text.to_string(),
        message: format!("cannot read the scenario as a tree: {e}"),
        hint: "this is a bug in iotwin".to_string(),
    })?;
    let mut here = &tree;
    let mut field = String::new();
    for step in &steps {
        let at = if field.is_empty() {
            "the scenario".to_string()
        } else {
            format!("`{field}`")
        };
        let err = |message: String, hint: String| PathError {
            path: text.to_string(),
            message,
            hint,
        };
        let node = unwrap_variant(here);
        match (step, node) {
            (Step::Field(name), Value::Object(map)) => match map.get(name) {
                Some(next) => {
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(name);
                    here = next;
                }
                None => {
                    let names: Vec<&str> = map.keys().map(String::as_str).collect();
                    let list = names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let hint = match closest(name, names.iter().copied()) {
                        Some(guess) => format!("did you mean `{guess}`? {at} has: {list}"),
                        None => format!("{at} has: {list}"),
                    };
                    return Err(err(format!("{at} has no field `{name}`"), hint));
                }
            },
            (Step::Index(i), Value::Array(items)) => match items.get(*i) {
                Some(next) => {
                    field.push_str(&format!("[{i}]"));
                    here = next;
                }
                None => {
                    return Err(err(
                        format!("{at} has {} element(s), so there is no [{i}]", items.len()),
                        list_hint(&field, items),
                    ));
                }
            },
            (Step::Match(key, wanted), Value::Array(items)) => {
                let found = items
                    .iter()
                    .position(|item| key_of(item, key).as_deref() == Some(wanted.as_str()));
                match found {
                    Some(i) => {
                        field.push_str(&format!("[{i}]"));
                        here = &items[i];
                    }
                    None => {
                        let present: Vec<String> =
                            items.iter().filter_map(|item| key_of(item, key)).collect();
                        let message = format!("{at} has no element with {key} = \"{wanted}\"");
                        let hint = if present.is_empty() {
                            list_hint(&field, items)
                        } else {
                            let shown = present
                                .iter()
                                .map(|p| format!("\"{p}\""))
                                .collect::<Vec<_>>()
                                .join(", ");
                            match closest(wanted, present.iter().map(String::as_str)) {
                                Some(guess) => format!(
                                    "did you mean `[{key}={guess}]`? {key}s present: {shown}"
                                ),
                                None => format!("{key}s present: {shown}"),
                            }
                        };
                        return Err(err(message, hint));
                    }
                }
            }
            (Step::Field(name), Value::Array(items)) => {
                return Err(err(
                    format!("{at} is a list, so it has no field `{name}`"),
                    list_hint(&field, items),
                ));
            }
            (Step::Index(_) | Step::Match(..), other) => {
                return Err(err(
                    format!("{at} is not a list"),
                    format!("{}; leave out the `[...]`", describe(other)),
                ));
            }
            (Step::Field(name), Value::Null) => {
                return Err(err(
                    format!("{at} is not set in the scenario, so it has no `{name}`"),
                    format!("set {at} whole, e.g. --set '{field}=...' with a complete RON value"),
                ));
            }
            (Step::Field(name), other) => {
                return Err(err(
                    format!("{at} is a single value ({other}), with no field `{name}`"),
                    format!("sweep `{field}` itself"),
                ));
            }
        }
    }
    let map = FieldMap::scan(source);
    let written = map.exact(&field).map(|pos| {
        let start = offset(source, pos.line, pos.column);
        source[start..value_end(source, start)].to_string()
    });
    Ok(Resolved {
        written: text.to_string(),
        field,
        in_file: written.is_some(),
        current: written.unwrap_or_else(|| here.to_string()),
    })
}

/// How to pick an element of the list at `field`.
fn list_hint(field: &str, items: &[Value]) -> String {
    if items.is_empty() {
        return format!("`{field}` is empty in this scenario");
    }
    let ids: Vec<String> = items.iter().filter_map(|i| key_of(i, "id")).collect();
    let mut hint = format!(
        "choose `{field}[0]` to `{field}[{}]`",
        items.len().saturating_sub(1)
    );
    if !ids.is_empty() {
        hint.push_str(&format!(
            ", or by id: {}",
            ids.iter()
                .map(|id| format!("`{field}[id={id}]`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    hint
}

/// Splits `V1,V2,...` at the commas that are not inside brackets or quotes, so that RON values
/// such as `LogNormal(median: "4h", sigma: 0.8)` stay whole.
pub fn split_values(text: &str) -> Vec<String> {
    let mut out = vec![];
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    let mut current = String::new();
    for c in text.chars() {
        if in_string {
            current.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current.trim().to_string());
    out
}

/// A value as written on the command line, made into RON: a bare duration (`30d`, `1h30m`) or
/// a bare word where the file has a string (`gw-b`) gets its quotes.
/// `current` is the value there now, `in_file` whether it is written in the file (a default
/// comes from the value tree, where a unit enum variant is a string too).
pub fn ron_value(written: &str, current: &str, in_file: bool) -> String {
    let v = written.trim();
    let quoted = v.starts_with('"');
    let number = v.parse::<f64>().is_ok();
    let duration = Duration::parse(v).is_ok();
    let string_there = current.starts_with('"') && (in_file || !is_variant(v, current));
    if !quoted && !number && (duration || string_there) {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        v.to_string()
    }
}

/// Whether `v` is an enum variant name such as `DropOldest` where the tree holds a unit
/// variant (serialised as a capitalised string).
fn is_variant(v: &str, current: &str) -> bool {
    let inner = current.trim_matches('"');
    let capital = |s: &str| s.starts_with(|c: char| c.is_ascii_uppercase());
    capital(inner)
        && capital(v)
        && inner.chars().all(char::is_alphanumeric)
        && v.chars()
            .all(|c| c.is_alphanumeric() || "(),: \"._".contains(c))
}

/// Byte offset of a 1-based (line, column-in-characters) position.
fn offset(source: &str, line: usize, column: usize) -> usize {
    let mut at = 0;
    for (i, text) in source.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return at
                + text
                    .char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(text.len(), |(b, _)| b);
        }
        at += text.len();
    }
    source.len()
}

/// The byte range of the RON value that starts at `start`: up to the `,` or closing bracket
/// that ends it, without trailing blanks or a trailing comment.
fn value_end(source: &str, start: usize) -> usize {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    let mut end = start;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                end = i + 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                if depth == 0 {
                    break;
                }
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                if depth == 0 {
                    break;
                }
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
                end = i + 1;
            }
            b',' if depth == 0 => break,
            c if c.is_ascii_whitespace() => {}
            _ => end = i + 1,
        }
        i += 1;
    }
    end
}

/// Sets the field `field` (indices only, as [`Resolved::field`]) to the RON text `value` in
/// `source`: replaces the value written there, or, for a field left at its default, writes
/// `field: value` as the first field of the nearest enclosing item that is written (creating
/// unnamed `( .. )` items for fields between, e.g. a defaulted `link`).
pub fn set(source: &str, field: &str, value: &str) -> Result<String, String> {
    let map = FieldMap::scan(source);
    if let Some(pos) = map.exact(field) {
        let start = offset(source, pos.line, pos.column);
        let end = value_end(source, start);
        return Ok(format!("{}{}{}", &source[..start], value, &source[end..]));
    }
    // Absent: climb to the nearest written ancestor.
    let mut parts: Vec<&str> = vec![];
    let mut parent = field;
    loop {
        let Some(cut) = parent.rfind('.') else {
            parts.push(parent);
            parent = "";
            break;
        };
        parts.push(&parent[cut + 1..]);
        parent = &parent[..cut];
        if map.exact(parent).is_some() {
            break;
        }
    }
    if parts.iter().any(|p| p.contains('[')) {
        return Err(format!(
            "`{field}` is not written in the scenario file and cannot be added there"
        ));
    }
    let pos = map
        .exact(parent)
        .ok_or_else(|| format!("`{parent}` is not written in the scenario file"))?;
    let start = offset(source, pos.line, pos.column);
    let open = source[start..]
        .find('(')
        .map(|p| start + p)
        .filter(|&o| o < value_end(source, start))
        .ok_or_else(|| format!("`{parent}` in the file has no `( .. )` to add `{field}` to"))?;
    let mut text = value.to_string();
    for (i, name) in parts.iter().enumerate() {
        text = if i + 1 == parts.len() {
            format!("{name}: {text}, ")
        } else {
            format!("({name}: {text})")
        };
    }
    Ok(format!(
        "{}{}{}",
        &source[..open + 1],
        text,
        &source[open + 1..]
    ))
}

/// The most points a sweep may have. Every point is compiled (a whole `Deployment`) before
/// any runs, and each runs every replication: 10,000 points of the factory at 30
/// replications is already 300,000 runs, more than a day on a workstation.
pub const MAX_GRID_POINTS: usize = 10_000;

/// The number of points of a grid of `sizes` values, refused (naming the sizes) when it
/// passes [`MAX_GRID_POINTS`]; computed with checked arithmetic (16 `--set` of 16 values is
/// 2^64 points, which a plain product wraps to 0).
pub fn grid_size(sizes: &[usize]) -> Result<usize, PathError> {
    let total = sizes
        .iter()
        .try_fold(1usize, |n, &s| n.checked_mul(s))
        .filter(|&n| n <= MAX_GRID_POINTS);
    total.ok_or_else(|| {
        let product: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
        PathError {
            path: format!("({} parameters)", sizes.len()),
            message: format!(
                "the sweep grid has {} points, more than the {MAX_GRID_POINTS} a sweep may run",
                product.join(" × ")
            ),
            hint: "sweep fewer values or fewer parameters at once, e.g. a coarse grid first, \
                   then a finer one around the crossing"
                .to_string(),
        }
    })
}

/// Positions of a parameter's values, one combination per sweep point, in the order they run:
/// the first `--set` varies slowest and the last fastest (as nested loops written in order).
/// A grid larger than [`MAX_GRID_POINTS`] (see [`grid_size`]) gives no points.
pub fn grid(sizes: &[usize]) -> Vec<Vec<usize>> {
    let Ok(total) = grid_size(sizes) else {
        return vec![];
    };
    if sizes.is_empty() || total == 0 {
        return vec![];
    }
    (0..total)
        .map(|mut k| {
            let mut point = vec![0; sizes.len()];
            for (p, &size) in sizes.iter().enumerate().rev() {
                point[p] = k % size;
                k /= size;
            }
            point
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_too_big_to_run_are_refused_before_they_wrap() {
        // 16 parameters of 16 values: 2^64 points, which an unchecked product wraps to 0.
        let err = grid_size(&[16; 16]).unwrap_err();
        assert!(err.message.contains("16 × 16"), "{}", err.message);
        assert!(grid_size(&[10; 12]).is_err());
        assert_eq!(grid_size(&[10, 10, 10, 10]), Ok(10_000));
        assert!(grid(&[16; 16]).is_empty());
    }

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("gateways[id=gw-a].uplinks[1].link.loss").unwrap(),
            vec![
                Step::Field("gateways".into()),
                Step::Match("id".into(), "gw-a".into()),
                Step::Field("uplinks".into()),
                Step::Index(1),
                Step::Field("link".into()),
                Step::Field("loss".into()),
            ]
        );
        assert!(parse_path("fleets[").is_err());
        assert!(parse_path("fleets.").is_err());
        assert!(parse_path("fleets[x]").is_err());
        assert!(parse_path("[0]").is_err());
    }

    #[test]
    fn values_split_outside_brackets() {
        assert_eq!(
            split_values("Fixed(\"1s\"), LogNormal(median: \"4h\", sigma: 0.8),3"),
            vec![
                "Fixed(\"1s\")",
                "LogNormal(median: \"4h\", sigma: 0.8)",
                "3"
            ]
        );
        assert_eq!(split_values("30d,90d"), vec!["30d", "90d"]);
    }

    #[test]
    fn bare_durations_and_strings_are_quoted() {
        assert_eq!(ron_value("30d", "\"30d\"", true), "\"30d\"");
        assert_eq!(ron_value("\"30d\"", "\"30d\"", true), "\"30d\"");
        assert_eq!(ron_value("1h30m", "null", false), "\"1h30m\"");
        assert_eq!(ron_value("gw-b", "\"gw-a\"", true), "\"gw-b\"");
        assert_eq!(ron_value("B", "\"A\"", true), "\"B\"");
        assert_eq!(ron_value("DropOldest", "DropNewest", true), "DropOldest");
        assert_eq!(
            ron_value("DropOldest", "\"DropNewest\"", false),
            "DropOldest"
        );
        assert_eq!(ron_value("200", "100", true), "200");
        assert_eq!(ron_value("50.0", "null", false), "50.0");
    }

    #[test]
    fn grid_runs_the_last_parameter_fastest() {
        assert_eq!(
            grid(&[2, 3]),
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![0, 2],
                vec![1, 0],
                vec![1, 1],
                vec![1, 2]
            ]
        );
        assert_eq!(grid(&[2]), vec![vec![0], vec![1]]);
    }

    #[test]
    fn setting_replaces_or_adds_a_field() {
        let src = "S(\n    a: 1, // one\n    b: X(c: \"2h\", d: [E(id: \"x\")]),\n    f: 3\n)";
        assert_eq!(
            set(src, "a", "7").unwrap(),
            src.replacen("a: 1,", "a: 7,", 1)
        );
        assert_eq!(set(src, "f", "9").unwrap(), src.replacen("f: 3", "f: 9", 1));
        assert_eq!(
            set(src, "b.c", "\"3h\"").unwrap(),
            src.replacen("\"2h\"", "\"3h\"", 1)
        );
        assert_eq!(
            set(src, "b.d[0].g", "5").unwrap(),
            src.replacen("E(id", "E(g: 5, id", 1)
        );
        assert_eq!(
            set(src, "b.h.k", "5").unwrap(),
            src.replacen("X(c", "X(h: (k: 5), c", 1)
        );
        assert_eq!(
            set(src, "z", "1").unwrap(),
            src.replacen("S(", "S(z: 1, ", 1)
        );
    }
}
