//! A profile's YAML as a tree of values that remember where they were written.
//!
//! Profiles are written by people, so every mistake must be reported at its file, line and
//! column with a suggestion. Reading YAML into this span-carrying tree first, then walking it by
//! hand, lets hardrun check keys per rule and say exactly where a value is wrong.
//!
//! The tree is built straight from granit-parser's events, which is much cheaper than going
//! through serde: this runs on every `hardrun` invocation. Besides plain YAML it handles anchors
//! and aliases, merge keys (`<<: *a`, `<<: [*a, *b]`) and duplicate keys, limits how far aliases
//! may expand (YAML bombs), and refuses what a profile has no use for: tags and more than one
//! document.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use granit_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, Tag};

/// The most values (keys included) one profile may expand to, counting every copy an alias
/// makes.
pub const MAX_NODES: usize = 100_000;

/// The deepest values may nest, counting what aliases bring in. Profiles nest four deep; the
/// limit keeps the recursion that builds, copies and drops the tree shallow.
pub const MAX_DEPTH: usize = 128;

/// A YAML value with its position: 1-based line and column of its first character (after any
/// anchor). A value copied by an alias is positioned at the alias, as are all values inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: u64,
    pub column: u64,
}

/// A mapping key, or any text that needs its position (such as the profile named by `extends`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub text: String,
    pub line: u64,
    pub column: u64,
}

impl Node {
    /// Line and column, for error messages.
    pub fn at(&self) -> (u64, u64) {
        (self.line, self.column)
    }
}

impl Key {
    /// Line and column, for error messages.
    pub fn at(&self) -> (u64, u64) {
        (self.line, self.column)
    }
}

/// A YAML value. Scalars keep their text; YAML's typing is applied by the profile reader.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An empty value, or a plain `~`, `null`, `Null` or `NULL`.
    Null,
    Scalar(String),
    Seq(Vec<Node>),
    /// Entries in the order written; keys brought in by merge keys (`<<`) come last.
    Map(Vec<(Key, Node)>),
}

impl Value {
    /// What kind of value this is, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Scalar(_) => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Why some text is not a profile's YAML, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub line: u64,
    pub column: u64,
    pub kind: ErrorKind,
}

/// What is wrong. `Display` gives the message, without the position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not YAML; the parser's message.
    Syntax(String),
    /// A mapping has the same key twice; the error is at the second.
    DuplicateKey { key: String, first_line: u64 },
    /// A value has an explicit tag (`!!str`, `!custom`, …).
    Tag,
    /// A second YAML document (`---`).
    MultipleDocuments,
    /// A mapping key that is a list or a mapping (or nothing).
    ComplexKey { found: &'static str },
    /// A merge key (`<<`) whose value is not a mapping or a list of mappings.
    Merge { found: &'static str },
    /// An alias inside the value its anchor is on.
    RecursiveAlias,
    /// More than `MAX_NODES` values, through aliases.
    TooLarge,
    /// Values nested more than `MAX_DEPTH` deep, directly or through aliases.
    TooDeep,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Syntax(message) => f.write_str(message),
            ErrorKind::DuplicateKey { key, first_line } => {
                write!(f, "duplicate key '{key}' (first at line {first_line})")
            }
            ErrorKind::Tag => f.write_str("tags are not supported in profiles"),
            ErrorKind::MultipleDocuments => {
                f.write_str("a profile is one YAML document, but a second one starts here")
            }
            ErrorKind::ComplexKey { found } => {
                write!(f, "a mapping key must be a single value, found {found}")
            }
            ErrorKind::Merge { found } => write!(
                f,
                "a merge key `<<` takes a mapping or a list of mappings, found {found}"
            ),
            ErrorKind::RecursiveAlias => {
                f.write_str("an alias cannot refer to the value it is part of")
            }
            ErrorKind::TooLarge => write!(
                f,
                "the profile expands to more than {MAX_NODES} values through aliases"
            ),
            ErrorKind::TooDeep => write!(f, "values nest more than {MAX_DEPTH} deep"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.kind)
    }
}

impl std::error::Error for Error {}

/// Parses YAML text (one document) into a node tree. An empty document is `Value::Null`.
pub fn parse(text: &str) -> Result<Node, Error> {
    let options = granit_parser::options! { emit_comments: false };
    Builder {
        events: Parser::new_from_str_with_options(text, options),
        last: (1, 1),
        anchors: Vec::new(),
        nodes: 0,
        depth: 0,
        deepest: 0,
    }
    .stream()
}

/// A value an anchor is on, ready to be copied by aliases.
struct Anchored {
    node: Node,
    /// How many values (keys included) the node is, as counted against `MAX_NODES`.
    size: usize,
    /// How deep the node nests below itself.
    height: usize,
}

struct Builder<I> {
    events: I,
    /// Position of the last event, for an input that ends early.
    last: (u64, u64),
    /// By anchor id; `None` while the anchored value is still being read.
    anchors: Vec<Option<Anchored>>,
    /// Values (keys included) produced so far.
    nodes: usize,
    /// Depth of the value being read; the document's root is at depth 1.
    depth: usize,
    /// Deepest depth reached (through aliases too) since the innermost anchored value began.
    deepest: usize,
}

type Item<'a> = Result<(Event<'a>, Span), ScanError>;

impl<'a, I: Iterator<Item = Item<'a>>> Builder<I> {
    fn stream(mut self) -> Result<Node, Error> {
        let mut root = None;
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::StreamEnd => break,
                Event::DocumentStart(..) => {
                    if root.is_some() {
                        return Err(error(&span.start, ErrorKind::MultipleDocuments));
                    }
                    let (event, span) = self.next_node()?;
                    root = Some(self.node(event, &span)?);
                }
                _ => {}
            }
        }
        Ok(root.unwrap_or(Node {
            value: Value::Null,
            line: self.last.0,
            column: self.last.1,
        }))
    }

    /// The next event.
    fn next(&mut self) -> Result<(Event<'a>, Span), Error> {
        match self.events.next() {
            Some(Ok((event, span))) => {
                self.last = position(&span.start);
                Ok((event, span))
            }
            Some(Err(scan)) => Err(syntax(&scan)),
            None => Err(Error {
                line: self.last.0,
                column: self.last.1,
                kind: ErrorKind::Syntax("unexpected end of the YAML text".into()),
            }),
        }
    }

    /// The next event that is a value (the parser's comments and the like are skipped).
    fn next_node(&mut self) -> Result<(Event<'a>, Span), Error> {
        loop {
            let (event, span) = self.next()?;
            if event.is_node() {
                return Ok((event, span));
            }
        }
    }

    /// Reads the value that `event` starts.
    fn node(&mut self, event: Event<'a>, span: &Span) -> Result<Node, Error> {
        self.depth += 1;
        self.deepest = self.deepest.max(self.depth);
        if self.depth > MAX_DEPTH {
            return Err(error(&span.start, ErrorKind::TooDeep));
        }
        let node = match event {
            Event::Scalar(text, style, anchor, tag) => {
                refuse_tag(tag.as_ref(), span)?;
                self.count(1, span)?;
                let node = scalar(text, style, span);
                self.anchor_scalar(anchor, &node);
                node
            }
            Event::SequenceStart(_, anchor, tag) => {
                refuse_tag(tag.as_ref(), span)?;
                self.count(1, span)?;
                self.anchored(anchor, span, Self::sequence)?
            }
            Event::MappingStart(_, anchor, tag) => {
                refuse_tag(tag.as_ref(), span)?;
                self.count(1, span)?;
                self.anchored(anchor, span, Self::mapping)?
            }
            Event::Alias(id) => self.alias(id, span)?,
            other => {
                return Err(error(
                    &span.start,
                    ErrorKind::Syntax(format!("unexpected YAML event {other:?}")),
                ));
            }
        };
        self.depth -= 1;
        Ok(node)
    }

    /// Reads a collection with `read`, and keeps it for aliases if `anchor` is not 0.
    fn anchored(
        &mut self,
        anchor: usize,
        span: &Span,
        read: fn(&mut Self, &Span) -> Result<Node, Error>,
    ) -> Result<Node, Error> {
        if anchor == 0 {
            return read(self, span);
        }
        self.anchor_begins(anchor);
        let nodes = self.nodes;
        let outer_deepest = std::mem::replace(&mut self.deepest, self.depth);
        let node = read(self, span)?;
        let height = self.deepest - self.depth;
        self.deepest = self.deepest.max(outer_deepest);
        self.anchors[anchor] = Some(Anchored {
            node: node.clone(),
            // This collection was counted before `nodes` was read.
            size: self.nodes - nodes + 1,
            height,
        });
        Ok(node)
    }

    /// Keeps a scalar for aliases if `anchor` is not 0.
    fn anchor_scalar(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchor_begins(anchor);
            self.anchors[anchor] = Some(Anchored {
                node: node.clone(),
                size: 1,
                height: 0,
            });
        }
    }

    fn anchor_begins(&mut self, anchor: usize) {
        if self.anchors.len() <= anchor {
            self.anchors.resize_with(anchor + 1, || None);
        }
        self.anchors[anchor] = None;
    }

    /// A copy of the value anchor `id` is on, positioned at the alias.
    fn alias(&mut self, id: usize, span: &Span) -> Result<Node, Error> {
        let Some(anchored) = self.anchors.get(id).and_then(Option::as_ref) else {
            return Err(error(&span.start, ErrorKind::RecursiveAlias));
        };
        let (size, height) = (anchored.size, anchored.height);
        self.count(size, span)?;
        let reach = self.depth + height;
        if reach > MAX_DEPTH {
            return Err(error(&span.start, ErrorKind::TooDeep));
        }
        self.deepest = self.deepest.max(reach);
        let (line, column) = position(&span.start);
        let anchored = self.anchors[id].as_ref().expect("checked above");
        Ok(copy_at(&anchored.node, line, column))
    }

    fn count(&mut self, nodes: usize, span: &Span) -> Result<(), Error> {
        self.nodes += nodes;
        if self.nodes > MAX_NODES {
            return Err(error(&span.start, ErrorKind::TooLarge));
        }
        Ok(())
    }

    /// Reads a sequence's items, up to its end.
    fn sequence(&mut self, start: &Span) -> Result<Node, Error> {
        let mut items = Vec::new();
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::SequenceEnd => break,
                event if event.is_node() => items.push(self.node(event, &span)?),
                _ => {}
            }
        }
        Ok(at(Value::Seq(items), start))
    }

    /// Reads a mapping's entries, up to its end, then applies its merge keys.
    fn mapping(&mut self, start: &Span) -> Result<Node, Error> {
        let mut entries = Entries::default();
        let mut merges = Vec::new();
        loop {
            let (event, span) = self.next()?;
            let key = match event {
                Event::MappingEnd => break,
                Event::Scalar(text, style, anchor, tag) => {
                    // A key is the text written, even `~` or `null`.
                    refuse_tag(tag.as_ref(), &span)?;
                    self.count(1, &span)?;
                    if anchor != 0 {
                        self.anchor_scalar(anchor, &scalar(text.clone(), style, &span));
                    }
                    if style == ScalarStyle::Plain && text == "<<" {
                        let (event, span) = self.next_node()?;
                        merges.push(self.node(event, &span)?);
                        continue;
                    }
                    let (line, column) = position(&span.start);
                    Key {
                        text: text.into_owned(),
                        line,
                        column,
                    }
                }
                Event::Alias(id) => {
                    let (line, column) = position(&span.start);
                    let copy = self.alias(id, &span)?;
                    let Value::Scalar(text) = copy.value else {
                        let found = copy.value.kind();
                        return Err(error(&span.start, ErrorKind::ComplexKey { found }));
                    };
                    Key { text, line, column }
                }
                Event::SequenceStart(..) => {
                    return Err(error(
                        &span.start,
                        ErrorKind::ComplexKey { found: "a list" },
                    ));
                }
                Event::MappingStart(..) => {
                    return Err(error(
                        &span.start,
                        ErrorKind::ComplexKey { found: "a mapping" },
                    ));
                }
                _ => continue,
            };
            if let Some(first) = entries.find(&key.text) {
                let first_line = first.line;
                return Err(Error {
                    line: key.line,
                    column: key.column,
                    kind: ErrorKind::DuplicateKey {
                        key: key.text,
                        first_line,
                    },
                });
            }
            let (event, span) = self.next_node()?;
            let value = self.node(event, &span)?;
            entries.push(key, value);
        }
        for merge in merges {
            match merge.value {
                Value::Map(merged) => entries.merge(merged),
                Value::Seq(items) => {
                    for item in items {
                        match item.value {
                            Value::Map(merged) => entries.merge(merged),
                            other => {
                                return Err(Error {
                                    line: item.line,
                                    column: item.column,
                                    kind: ErrorKind::Merge {
                                        found: other.kind(),
                                    },
                                });
                            }
                        }
                    }
                }
                other => {
                    return Err(Error {
                        line: merge.line,
                        column: merge.column,
                        kind: ErrorKind::Merge {
                            found: other.kind(),
                        },
                    });
                }
            }
        }
        Ok(at(Value::Map(entries.list), start))
    }
}

/// A mapping's entries, with a lookup by key that stays fast for large mappings.
#[derive(Default)]
struct Entries {
    list: Vec<(Key, Node)>,
    /// Key to index in `list`, once the mapping has `INDEX_FROM` entries.
    index: Option<HashMap<String, usize>>,
}

/// Below this many entries a linear search is cheaper than hashing.
const INDEX_FROM: usize = 16;

impl Entries {
    fn find(&self, key: &str) -> Option<&Key> {
        let at = match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.list.iter().position(|(k, _)| k.text == key),
        };
        at.map(|at| &self.list[at].0)
    }

    fn push(&mut self, key: Key, value: Node) {
        if let Some(index) = &mut self.index {
            index.insert(key.text.clone(), self.list.len());
        }
        self.list.push((key, value));
        if self.index.is_none() && self.list.len() >= INDEX_FROM {
            let index = self.list.iter().enumerate();
            self.index = Some(index.map(|(at, (k, _))| (k.text.clone(), at)).collect());
        }
    }

    /// Adds the entries whose keys are not here yet: keys written in the mapping beat merged
    /// ones, and among merged ones the first merged wins.
    fn merge(&mut self, merged: Vec<(Key, Node)>) {
        for (key, value) in merged {
            if self.find(&key.text).is_none() {
                self.push(key, value);
            }
        }
    }
}

/// A scalar's value: plain `~`, `null`, `Null`, `NULL` and empty are `Null`, everything else
/// (and every quoted or block scalar) is its text.
fn scalar(text: Cow<'_, str>, style: ScalarStyle, span: &Span) -> Node {
    let null = style == ScalarStyle::Plain && matches!(&*text, "" | "~" | "null" | "Null" | "NULL");
    let value = if null {
        Value::Null
    } else {
        Value::Scalar(text.into_owned())
    };
    at(value, span)
}

/// A deep copy of `node` with every value and key in it positioned at `line`, `column`.
fn copy_at(node: &Node, line: u64, column: u64) -> Node {
    let value = match &node.value {
        Value::Null => Value::Null,
        Value::Scalar(text) => Value::Scalar(text.clone()),
        Value::Seq(items) => {
            let mut copies = Vec::with_capacity(items.len());
            for item in items {
                copies.push(copy_at(item, line, column));
            }
            Value::Seq(copies)
        }
        Value::Map(entries) => {
            let mut copies = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let key = Key {
                    text: key.text.clone(),
                    line,
                    column,
                };
                copies.push((key, copy_at(value, line, column)));
            }
            Value::Map(copies)
        }
    };
    Node {
        value,
        line,
        column,
    }
}

fn refuse_tag(tag: Option<&Cow<'_, Tag>>, span: &Span) -> Result<(), Error> {
    match tag {
        None => Ok(()),
        Some(_) => Err(error(
            span.tag_start.as_ref().unwrap_or(&span.start),
            ErrorKind::Tag,
        )),
    }
}

fn at(value: Value, span: &Span) -> Node {
    let (line, column) = position(&span.start);
    Node {
        value,
        line,
        column,
    }
}

/// granit-parser's lines are 1-based and its columns 0-based; hardrun's are both 1-based.
fn position(marker: &Marker) -> (u64, u64) {
    (marker.line() as u64, marker.col() as u64 + 1)
}

fn error(marker: &Marker, kind: ErrorKind) -> Error {
    let (line, column) = position(marker);
    Error { line, column, kind }
}

#[cold]
fn syntax(scan: &ScanError) -> Error {
    let info = scan.info();
    let message = match info.lines().next() {
        _ if *scan.kind() == granit_parser::ErrorKind::UnknownAnchor => {
            "an alias refers to an anchor not defined before it"
        }
        Some(line) if !line.is_empty() => line,
        _ => "not valid YAML",
    };
    error(scan.marker(), ErrorKind::Syntax(message.to_owned()))
}

#[cfg(test)]
#[path = "raw_tests.rs"]
mod tests;
