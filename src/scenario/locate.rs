//! Where each field of a RON document sits, so that checks made after parsing (an unknown id, a
//! fleet at the wrong site) can still point at a line and column.
//!
//! A small structural scan, not a parser: it tracks brackets, field names and list indices, and
//! skips strings and comments. Paths look like `fleets[1].link.loss`, the same form the parse
//! errors use.

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Every field and list element of the document, with the position where its value starts.
///
/// Paths are kept as a tree (each value names its parent and its own field or index), never as
/// one string per value: a document of `n` values nested `d` deep takes memory in `n`, not
/// `n × d` (10,000 nested brackets took 374 MB as strings).
#[derive(Debug, Default)]
pub struct FieldMap {
    nodes: Vec<Node>,
    entries: Vec<(usize, Position)>,
}

/// One step of a path: the value `segment` inside the value `parent` (`None`: the document).
#[derive(Debug)]
struct Node {
    parent: Option<usize>,
    segment: Segment,
}

#[derive(Debug)]
enum Segment {
    /// The document itself: the empty path.
    Root,
    Field(Box<str>),
    Index(usize),
}

impl FieldMap {
    /// The position of the value at `path`, or of its nearest enclosing value that was found.
    pub fn position(&self, path: &str) -> Option<Position> {
        let mut path = path;
        loop {
            if let Some(pos) = self.exact(path) {
                return Some(pos);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }

    /// The position of the value at exactly `path`, if it is written in the document.
    pub fn exact(&self, path: &str) -> Option<Position> {
        self.entries
            .iter()
            .find(|(node, _)| self.is_path(*node, path))
            .map(|(_, pos)| *pos)
    }

    /// Whether `node`'s path is `path`, compared segment by segment from the end.
    fn is_path(&self, node: usize, path: &str) -> bool {
        let mut rest = path;
        let mut at = Some(node);
        while let Some(n) = at {
            let node = &self.nodes[n];
            match &node.segment {
                Segment::Root => return rest.is_empty(),
                Segment::Index(i) => {
                    let Some(inner) = rest.strip_suffix(']') else {
                        return false;
                    };
                    let Some(open) = inner.rfind('[') else {
                        return false;
                    };
                    if inner[open + 1..].parse::<usize>().ok() != Some(*i) {
                        return false;
                    }
                    rest = &inner[..open];
                }
                Segment::Field(name) => {
                    let Some(before) = rest.strip_suffix(&**name) else {
                        return false;
                    };
                    let at_top = node
                        .parent
                        .is_none_or(|p| matches!(self.nodes[p].segment, Segment::Root));
                    rest = if at_top {
                        before
                    } else {
                        match before.strip_suffix('.') {
                            Some(b) => b,
                            None => return false,
                        }
                    };
                }
            }
            at = node.parent;
        }
        rest.is_empty()
    }

    pub fn scan(source: &str) -> FieldMap {
        Scanner::new(source).run()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Bracket {
    Paren,
    List,
    Map,
}

struct Frame {
    /// The node of the value this bracket opens.
    node: usize,
    bracket: Bracket,
    index: usize,
    field: Option<String>,
    /// The node of the value being read inside this bracket, once made.
    child: Option<usize>,
}

struct Scanner {
    chars: Vec<char>,
    at: usize,
    line: usize,
    column: usize,
    stack: Vec<Frame>,
    map: FieldMap,
}

const ROOT: usize = 0;

impl Scanner {
    fn new(source: &str) -> Self {
        Scanner {
            chars: source.chars().collect(),
            at: 0,
            line: 1,
            column: 1,
            stack: vec![],
            map: FieldMap {
                nodes: vec![Node {
                    parent: None,
                    segment: Segment::Root,
                }],
                entries: vec![],
            },
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }

    /// The node of the value that starts at the current token, made on first use.
    fn value_node(&mut self) -> usize {
        let Some(f) = self.stack.last() else {
            return ROOT;
        };
        let segment = match (&f.bracket, &f.field) {
            (Bracket::List, _) => Segment::Index(f.index),
            (_, Some(field)) => Segment::Field(field.as_str().into()),
            (_, None) => return f.node,
        };
        if let Some(child) = f.child {
            return child;
        }
        let parent = f.node;
        self.map.nodes.push(Node {
            parent: Some(parent),
            segment,
        });
        let node = self.map.nodes.len() - 1;
        if let Some(f) = self.stack.last_mut() {
            f.child = Some(node);
        }
        node
    }

    /// Records the start of a value unless it was recorded already (`Some(Fleet(` starts one
    /// value three times).
    fn record_value_start(&mut self) {
        self.record_value_start_at(self.position());
    }

    fn record_value_start_at(&mut self, pos: Position) {
        let node = self.value_node();
        if self.map.entries.last().is_none_or(|(n, _)| *n != node) {
            self.map.entries.push((node, pos));
        }
    }

    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    while self.peek(0).is_some()
                        && !(self.peek(0) == Some('*') && self.peek(1) == Some('/'))
                    {
                        self.bump();
                    }
                    self.bump();
                    self.bump();
                }
                _ => return,
            }
        }
    }

    fn skip_string(&mut self) {
        self.bump();
        while let Some(c) = self.bump() {
            match c {
                '\\' => {
                    self.bump();
                }
                '"' => return,
                _ => {}
            }
        }
    }

    fn run(mut self) -> FieldMap {
        loop {
            self.skip_trivia();
            let Some(c) = self.peek(0) else { break };
            let in_list = self
                .stack
                .last()
                .is_some_and(|f| f.bracket == Bracket::List);
            match c {
                '(' | '[' | '{' => {
                    if in_list || self.stack.is_empty() {
                        self.record_value_start();
                    }
                    let node = self.value_node();
                    let bracket = match c {
                        '(' => Bracket::Paren,
                        '[' => Bracket::List,
                        _ => Bracket::Map,
                    };
                    self.stack.push(Frame {
                        node,
                        bracket,
                        index: 0,
                        field: None,
                        child: None,
                    });
                    self.bump();
                }
                ')' | ']' | '}' => {
                    self.stack.pop();
                    self.bump();
                }
                ',' => {
                    if let Some(f) = self.stack.last_mut() {
                        f.index += 1;
                        f.field = None;
                        f.child = None;
                    }
                    self.bump();
                }
                '"' => {
                    if in_list {
                        self.record_value_start();
                    }
                    self.skip_string();
                }
                c if c.is_alphabetic() || c == '_' => {
                    let start = self.at;
                    let start_pos = self.position();
                    while self
                        .peek(0)
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    {
                        self.bump();
                    }
                    let word: String = self.chars[start..self.at].iter().collect();
                    self.skip_trivia();
                    let in_paren = self
                        .stack
                        .last()
                        .is_some_and(|f| f.bracket == Bracket::Paren);
                    if in_paren && self.peek(0) == Some(':') {
                        self.bump();
                        self.skip_trivia();
                        if let Some(f) = self.stack.last_mut() {
                            f.field = Some(word);
                            f.child = None;
                        }
                        self.record_value_start();
                    } else if in_list {
                        // A list element that starts with a name, e.g. `Fleet(`.
                        self.record_value_start_at(start_pos);
                    }
                }
                _ => {
                    if in_list {
                        self.record_value_start();
                    }
                    self.bump();
                }
            }
        }
        self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_fields_and_list_elements() {
        let src = r#"Scenario(
    name: "x", // a comment with fleets: [
    fleets: [
        Fleet(id: "a", link: Link(loss: 0.5)),
        Fleet(
            id: "b",
            report: Jitter(period: "60s", jitter: Exponential(mean: "2s")),
        ),
    ],
)"#;
        let map = FieldMap::scan(src);
        let at = |p: &str| map.position(p).map(|p| (p.line, p.column));
        assert_eq!(at("name"), Some((2, 11)));
        assert_eq!(at("fleets[0].link.loss"), Some((4, 41)));
        assert_eq!(at("fleets[1].id"), Some((6, 17)));
        assert_eq!(at("fleets[1].report.jitter.mean"), Some((7, 69)));
        assert_eq!(at("fleets[1]"), Some((5, 9)));
        // Unknown deeper paths fall back to the nearest known ancestor.
        assert_eq!(at("fleets[1].id.nothing"), Some((6, 17)));
    }
}
