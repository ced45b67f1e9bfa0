//! Errors a person can act on: file, line, column, field, what was expected, and a hint.

use std::fmt;

use super::locate::{FieldMap, Position};

/// A scenario that could not be read or is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    #[error("error: cannot read scenario {file}: {message}\n  = hint: {hint}")]
    Io {
        file: String,
        message: String,
        hint: String,
    },
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
}

impl ScenarioError {
    /// The diagnostic, for a scenario that was read but is not valid.
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            ScenarioError::Invalid(d) => Some(d),
            ScenarioError::Io { .. } => None,
        }
    }
}

/// One mistake in a scenario file, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The field's path, e.g. `fleets[1].link.loss`; empty for the document as a whole.
    pub field: String,
    /// What was expected and what was found.
    pub message: String,
    /// How to fix it.
    pub hint: String,
    /// The offending source line, shown under the message.
    pub source_line: String,
}

impl Diagnostic {
    pub fn new(
        source: &str,
        file: &str,
        position: Position,
        field: &str,
        message: String,
        hint: String,
    ) -> Diagnostic {
        let position = next_token(source, position);
        let source_line = source
            .lines()
            .nth(position.line.saturating_sub(1))
            .unwrap_or("")
            .to_string();
        Diagnostic {
            file: file.to_string(),
            line: position.line,
            column: position.column,
            field: field.to_string(),
            message,
            hint,
            source_line,
        }
    }

    /// A diagnostic for the value at `field`, located through the document's field map.
    pub fn at_field(
        source: &str,
        file: &str,
        map: &FieldMap,
        field: &str,
        message: String,
        hint: String,
    ) -> Diagnostic {
        let position = map
            .position(field)
            .unwrap_or(Position { line: 1, column: 1 });
        Diagnostic::new(source, file, position, field, message, hint)
    }
}

/// `position`, or if it is on blank space, the next character that is not, so that the caret
/// sits under a token; unchanged if only blank space follows.
fn next_token(source: &str, position: Position) -> Position {
    let wanted = (position.line, position.column);
    let (mut line, mut column) = (1, 1);
    for c in source.chars() {
        if (line, column) >= wanted && !c.is_whitespace() {
            return Position { line, column };
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    position
}

impl From<Diagnostic> for ScenarioError {
    fn from(d: Diagnostic) -> Self {
        ScenarioError::Invalid(Box::new(d))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "field `{}`: ", self.field)?;
        }
        writeln!(f, "{}", self.message)?;
        let number = self.line.to_string();
        let pad = " ".repeat(number.len());
        let (shown, column) = window(&self.source_line, self.column);
        writeln!(f, " {pad} |")?;
        writeln!(f, " {number} | {shown}")?;
        let caret_pad: String = shown
            .chars()
            .take(column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(f, " {pad} | {caret_pad}^")?;
        write!(f, " {pad} = hint: {}", self.hint)
    }
}

/// The part of a long source line around `column` (a 400 KB line of brackets is not shown
/// whole), with `…` where it was cut, and the column within what is shown.
fn window(line: &str, column: usize) -> (String, usize) {
    const WHOLE: usize = 400;
    const BEFORE: usize = 100;
    const AFTER: usize = 100;
    let count = line.chars().count();
    if count <= WHOLE {
        return (line.to_string(), column);
    }
    let at = column.saturating_sub(1).min(count);
    let start = at.saturating_sub(BEFORE);
    let end = (at + AFTER).min(count);
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(line.chars().skip(start).take(end - start));
    if end < count {
        shown.push('…');
    }
    (shown, at - start + 1 + usize::from(start > 0))
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn a_long_line_is_shown_around_the_caret() {
        let line = format!("{}X{}", "a".repeat(1000), "b".repeat(1000));
        let (shown, column) = window(&line, 1001);
        assert!(shown.chars().count() < 230, "{shown}");
        assert_eq!(shown.chars().nth(column - 1), Some('X'));
        assert_eq!(window("short", 3), ("short".to_string(), 3));
    }
}
