//! A Kubernetes manifest's YAML: a stream of documents, each a tree of values that remember
//! where they were written and how (plain or quoted), and the writer that puts a hardened
//! document back into YAML.
//!
//! The tree is built from granit-parser's events as `profile::raw` builds a profile's (anchors
//! and aliases copied, merge keys, duplicate keys refused, limits on aliases and depth, tags
//! refused), with two differences a manifest needs: a stream holds many documents, split at
//! their `---` lines and kept verbatim so that a document hardrun does not change is handed on
//! as the user wrote it; and a scalar keeps its style, since kubectl reads YAML 1.1 (a plain
//! `yes` is `true`, a plain `0644` is 420) and a document hardrun does change must say the same
//! to kubectl after it is written back. Comments of a changed document are not kept. Pure.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use granit_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, Tag};

/// The most values (keys included) one document may expand to, counting every copy an alias
/// makes.
pub const MAX_NODES: usize = 1_000_000;

/// The deepest values may nest, counting what aliases bring in. A CronJob's containers are ten
/// deep; the limit keeps the recursion that builds, copies and drops the tree shallow.
pub const MAX_DEPTH: usize = 128;

/// A YAML value with its position: 1-based line and column of its first character (after any
/// anchor). A value copied by an alias is positioned at the alias, as are all values inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: u64,
    pub column: u64,
}

/// A mapping key with its position; `plain` when it was written unquoted (so that it is written
/// back the same way and read with the same type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub text: String,
    pub plain: bool,
    pub line: u64,
    pub column: u64,
}

impl Node {
    /// A value hardrun writes, positioned nowhere.
    pub fn new(value: Value) -> Node {
        Node {
            value,
            line: 0,
            column: 0,
        }
    }

    /// Text, written plain when YAML would read it back as the same text, quoted otherwise.
    pub fn text(text: &str) -> Node {
        Node::new(Value::Scalar {
            text: text.to_owned(),
            plain: plain_safe(text),
        })
    }

    /// A plain scalar (a number or boolean) as YAML types it.
    pub fn plain(text: impl Into<String>) -> Node {
        Node::new(Value::Scalar {
            text: text.into(),
            plain: true,
        })
    }

    /// An empty mapping.
    pub fn map() -> Node {
        Node::new(Value::Map(Vec::new()))
    }

    /// The value at `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.text == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key and value at `key` of a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.text == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The value at `key` of a mapping, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| k.text == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets `key` of a mapping (turning a null into an empty mapping first), keeping its place
    /// when it is there and appending it otherwise. Does nothing to any other value.
    pub fn set(&mut self, key: &str, value: Node) {
        if self.value.is_null() {
            self.value = Value::Map(Vec::new());
        }
        if let Value::Map(entries) = &mut self.value {
            match entries.iter_mut().find(|(k, _)| k.text == key) {
                Some((_, v)) => *v = value,
                None => entries.push((Key::new(key), value)),
            }
        }
    }

    /// The mapping at `key`, made (or a null turned into one) when missing; `None` when the
    /// value there is something else.
    pub fn child(&mut self, key: &str) -> Option<&mut Node> {
        if self.get(key).is_none_or(|v| v.value.is_null()) {
            self.set(key, Node::map());
        }
        self.get_mut(key)
            .filter(|v| matches!(v.value, Value::Map(_)))
    }

    /// The list at `key`, made (or a null turned into one) when missing; `None` when the value
    /// there is something else.
    pub fn list(&mut self, key: &str) -> Option<&mut Vec<Node>> {
        if self.get(key).is_none_or(|v| v.value.is_null()) {
            self.set(key, Node::new(Value::Seq(Vec::new())));
        }
        match self.get_mut(key).map(|v| &mut v.value) {
            Some(Value::Seq(items)) => Some(items),
            _ => None,
        }
    }

    /// A scalar's text; `None` for a null or a collection.
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } if !self.value.is_null() => Some(text),
            _ => None,
        }
    }

    /// A plain scalar as YAML 1.1 (kubectl's reading) types a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y"
                | "Y" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
                | "N" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A plain decimal integer.
    pub fn as_int(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar { text, plain: true } => {
                let digits = text.strip_prefix('+').unwrap_or(text);
                let unsigned = digits.strip_prefix('-').unwrap_or(digits);
                let decimal = !unsigned.is_empty()
                    && unsigned.bytes().all(|b| b.is_ascii_digit())
                    && (unsigned == "0" || !unsigned.starts_with('0'));
                if decimal { digits.parse().ok() } else { None }
            }
            _ => None,
        }
    }

    /// The items of a list (a null is an empty list).
    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ if self.value.is_null() => Some(&[]),
            _ => None,
        }
    }

    /// Line and column, for error messages.
    pub fn at(&self) -> (u64, u64) {
        (self.line, self.column)
    }
}

impl Key {
    /// A key hardrun writes: plain when it may be, positioned nowhere.
    pub fn new(text: &str) -> Key {
        Key {
            text: text.to_owned(),
            plain: plain_safe(text),
            line: 0,
            column: 0,
        }
    }

    /// Line and column, for error messages.
    pub fn at(&self) -> (u64, u64) {
        (self.line, self.column)
    }
}

/// A YAML value. Scalars keep their text and whether they were plain: Kubernetes types a plain
/// scalar (`true`, `0644`, `~`) and takes a quoted or block one as text, so both are written back
/// as they were read.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Entries in the order written; keys brought in by merge keys (`<<`) come last.
    Map(Vec<(Key, Node)>),
}

impl Value {
    /// The empty plain scalar, YAML's null.
    pub fn null() -> Value {
        Value::Scalar {
            text: String::new(),
            plain: true,
        }
    }

    /// Whether this is YAML's null: a plain empty, `~`, `null`, `Null` or `NULL`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// What kind of value this is, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Scalar { .. } if self.is_null() => "nothing",
            Value::Scalar { .. } => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Why some text is not a manifest's YAML, and where.
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
            ErrorKind::Tag => f.write_str("tags are not supported in manifests"),
            ErrorKind::MultipleDocuments => {
                f.write_str("a second YAML document starts inside this one")
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
                "the document expands to more than {MAX_NODES} values through aliases"
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

/// Parses YAML text (one document) into a node tree. An empty document is a plain empty scalar.
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
            value: Value::null(),
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
                        plain: style == ScalarStyle::Plain,
                        line,
                        column,
                    }
                }
                Event::Alias(id) => {
                    let (line, column) = position(&span.start);
                    let copy = self.alias(id, &span)?;
                    let Value::Scalar { text, plain } = copy.value else {
                        let found = copy.value.kind();
                        return Err(error(&span.start, ErrorKind::ComplexKey { found }));
                    };
                    Key {
                        text,
                        plain,
                        line,
                        column,
                    }
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

/// A scalar as written: its text, and whether it was plain.
fn scalar(text: Cow<'_, str>, style: ScalarStyle, span: &Span) -> Node {
    let value = Value::Scalar {
        text: text.into_owned(),
        plain: style == ScalarStyle::Plain,
    };
    at(value, span)
}

/// A deep copy of `node` with every value and key in it positioned at `line`, `column`.
fn copy_at(node: &Node, line: u64, column: u64) -> Node {
    let value = match &node.value {
        Value::Scalar { text, plain } => Value::Scalar {
            text: text.clone(),
            plain: *plain,
        },
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
                    plain: key.plain,
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

/// One document of a stream: its text as written (with its `---` line and comments), the line
/// that text starts on, and its tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub text: String,
    pub first_line: u64,
    /// `None` when the document holds nothing but comments or is empty.
    pub root: Option<Node>,
}

/// Splits a YAML stream into its documents and reads each. A document starts at a `---` line
/// (the directives `%…` before it belong to it) and a `...` line ends it; YAML forbids both at
/// the start of a line inside any value, so the split is the parser's. Positions are in the
/// whole stream.
pub fn parse_stream(text: &str) -> Result<Vec<Document>, Error> {
    let mut documents = Vec::new();
    for (first_line, piece) in split_documents(text) {
        let root = match parse(piece) {
            Ok(root) => root,
            Err(mut error) => {
                error.line += first_line - 1;
                return Err(error);
            }
        };
        let root = if root.value.is_null() && !has_content(piece) {
            None
        } else {
            Some(shifted(root, first_line - 1))
        };
        documents.push(Document {
            text: piece.to_owned(),
            first_line,
            root,
        });
    }
    Ok(documents)
}

/// Whether a document's text holds anything but comments, blank lines and markers.
fn has_content(piece: &str) -> bool {
    piece.lines().any(|line| {
        let line = line.trim();
        !(line.is_empty()
            || line.starts_with('#')
            || marker(line).is_some()
            || line.starts_with('%'))
    })
}

/// The documents of a stream: each with the 1-based line it starts on. Comments between two
/// documents stay with the first.
fn split_documents(text: &str) -> Vec<(u64, &str)> {
    let mut pieces = Vec::new();
    let (mut start, mut start_line) = (0usize, 1u64);
    // Whether the current piece has content yet, and where a run of directives began.
    let mut content = false;
    let mut directives: Option<(usize, u64)> = None;
    let mut offset = 0usize;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index as u64 + 1;
        let bare = line.trim_end_matches(['\n', '\r']);
        match marker(bare) {
            Some(Separator::Start) => {
                if content {
                    let (cut, cut_line) = directives.unwrap_or((offset, number));
                    pieces.push((start_line, &text[start..cut]));
                    (start, start_line) = (cut, cut_line);
                }
                content = true;
                directives = None;
            }
            Some(Separator::End) => {
                let end = offset + line.len();
                pieces.push((start_line, &text[start..end]));
                (start, start_line) = (end, number + 1);
                content = false;
                directives = None;
            }
            None if bare.starts_with('%') => {
                directives.get_or_insert((offset, number));
            }
            None => {
                let trimmed = bare.trim();
                if !trimmed.is_empty() && !trimmed.starts_with('#') {
                    content = true;
                    directives = None;
                }
            }
        }
        offset += line.len();
    }
    if start < text.len() || pieces.is_empty() {
        pieces.push((start_line, &text[start..]));
    }
    pieces
}

enum Separator {
    Start,
    End,
}

/// `---` or `...` at the start of a line, alone or followed by a space or tab.
fn marker(line: &str) -> Option<Separator> {
    let after = |m: &str| {
        line.strip_prefix(m)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    };
    if after("---") {
        Some(Separator::Start)
    } else if after("...") {
        Some(Separator::End)
    } else {
        None
    }
}

/// `node` with every line moved down by `lines`.
fn shifted(mut node: Node, lines: u64) -> Node {
    fn shift(node: &mut Node, lines: u64) {
        node.line += lines;
        match &mut node.value {
            Value::Seq(items) => items.iter_mut().for_each(|item| shift(item, lines)),
            Value::Map(entries) => entries.iter_mut().for_each(|(key, value)| {
                key.line += lines;
                shift(value, lines);
            }),
            Value::Scalar { .. } => {}
        }
    }
    shift(&mut node, lines);
    node
}

/// Whether `text` may be written as a plain scalar and read back as the same text: words
/// YAML 1.1 would type (`yes`, `1`, `~`, `1e3`, `0x1F`) and anything with an indicator are
/// quoted.
pub fn plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let simple = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    let typed = Node::plain(text).as_bool().is_some()
        || Value::Scalar {
            text: text.to_owned(),
            plain: true,
        }
        .is_null()
        || text.starts_with(['.', '-', '+'])
        || first.is_ascii_digit();
    simple && !typed
}

/// A document's tree written as block YAML, two spaces an indent, starting with `---`. Plain
/// scalars and keys are written as they were read, every other one double-quoted (JSON's
/// escapes are YAML's), so kubectl reads the same values and types.
pub fn write_document(root: &Node) -> String {
    let mut out = String::from("---\n");
    match &root.value {
        Value::Map(entries) if !entries.is_empty() => write_map(&mut out, entries, 0, false),
        Value::Seq(items) if !items.is_empty() => write_seq(&mut out, items, 0),
        _ => {
            out.push_str(&inline(root));
            out.push('\n');
        }
    }
    out
}

fn write_map(out: &mut String, entries: &[(Key, Node)], indent: usize, first_inline: bool) {
    for (at, (key, value)) in entries.iter().enumerate() {
        if !(first_inline && at == 0) {
            out.push_str(&" ".repeat(indent));
        }
        let written = match key.text.as_str() {
            "" if key.plain => "null".to_owned(),
            text if key.plain && plain_writable(text) => text.to_owned(),
            text => quoted(text),
        };
        // YAML limits an implicit key to 1024 characters; a longer one is written explicit.
        if written.chars().count() > MAX_IMPLICIT_KEY {
            out.push_str("? ");
            out.push_str(&written);
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        } else {
            out.push_str(&written);
        }
        out.push(':');
        write_value(out, value, indent);
    }
}

fn write_seq(out: &mut String, items: &[Node], indent: usize) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match &item.value {
            Value::Map(entries) if !entries.is_empty() => {
                out.push(' ');
                write_map(out, entries, indent + 2, true);
            }
            Value::Seq(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, indent + 2);
            }
            _ => {
                out.push(' ');
                out.push_str(&inline(item));
                out.push('\n');
            }
        }
    }
}

/// After a key's `:`, the value: on the line for a scalar or an empty collection, else below.
fn write_value(out: &mut String, value: &Node, indent: usize) {
    match &value.value {
        Value::Map(entries) if !entries.is_empty() => {
            out.push('\n');
            write_map(out, entries, indent + 2, false);
        }
        Value::Seq(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, indent + 2);
        }
        _ => {
            out.push(' ');
            out.push_str(&inline(value));
            out.push('\n');
        }
    }
}

/// A scalar or an empty collection on one line.
fn inline(node: &Node) -> String {
    match &node.value {
        Value::Map(_) => "{}".into(),
        Value::Seq(_) => "[]".into(),
        Value::Scalar { text, plain: true } if text.is_empty() => "null".into(),
        Value::Scalar { text, plain: true } if plain_writable(text) => text.clone(),
        Value::Scalar { text, .. } => quoted(text),
    }
}

/// The longest implicit key hardrun writes, below YAML's limit of 1024 characters.
const MAX_IMPLICIT_KEY: usize = 1000;

/// Whether a scalar read plain (anywhere: a flow collection allows what a block does not) may
/// be written plain after `key: ` or `- `, and read back as the same text: one printable line
/// that starts with no indicator, holds no `: ` or ` #`, and is no document marker. The others
/// are quoted; YAML types none of them, so kubectl reads the same text either way.
fn plain_writable(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let spaced = |c: Option<char>| c.is_none_or(|c| c == ' ' || c == '\t');
    let indicator = match first {
        '-' | '?' | ':' => spaced(chars.next()),
        ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%'
        | '@' | '`' | ' ' | '\t' => true,
        _ => false,
    };
    !indicator
        && !text.ends_with([' ', '\t', ':'])
        && !text.contains(": ")
        && !text.contains(":\t")
        && !text.contains(" #")
        && !text.contains("\t#")
        && !text.starts_with("---")
        && !text.starts_with("...")
        && text.chars().all(|c| c == '\t' || printable(c))
}

/// A character YAML allows unescaped in a quoted scalar and that no YAML 1.1 reader takes for
/// a line break or a byte order mark.
fn printable(c: char) -> bool {
    matches!(c,
        '\u{20}'..='\u{7e}'
        | '\u{a0}'..='\u{2027}'
        | '\u{202a}'..='\u{d7ff}'
        | '\u{e000}'..='\u{fefe}'
        | '\u{ff00}'..='\u{fffd}'
        | '\u{10000}'..)
}

/// `text` double-quoted. Only YAML's printable characters are written as they are; the others
/// are escaped, and so are the line breaks of YAML 1.1 (NEL, LS, PS, which kubectl's reader
/// would fold inside quotes) and the byte order mark.
fn quoted(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) => out.push(c),
            c if u32::from(c) < 0x100 => {
                let _ = write!(out, "\\x{:02X}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
#[path = "yaml_tests.rs"]
mod tests;

/// A tree as JSON, typed as kubectl types YAML: plain nulls, booleans, integers and floats,
/// every other scalar text.
pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as Json;
    match &node.value {
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.text.clone(), to_json(v)))
                .collect(),
        ),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        scalar if scalar.is_null() => Json::Null,
        Value::Scalar { text, plain } => {
            if let Some(b) = node.as_bool() {
                Json::Bool(b)
            } else if let Some(n) = node.as_int() {
                Json::from(n)
            } else if let Some(f) = plain
                .then(|| text.parse::<f64>().ok())
                .flatten()
                .filter(|f| f.is_finite() && text.bytes().any(|b| b.is_ascii_digit()))
                .and_then(serde_json::Number::from_f64)
            {
                Json::Number(f)
            } else {
                Json::String(text.clone())
            }
        }
    }
}
