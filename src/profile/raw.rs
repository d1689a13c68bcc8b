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
mod tests {
    use super::*;

    fn map(node: &Node) -> &[(Key, Node)] {
        match &node.value {
            Value::Map(entries) => entries,
            other => panic!("expected a mapping, found {other:?}"),
        }
    }

    fn keys(node: &Node) -> Vec<&str> {
        map(node).iter().map(|(k, _)| k.text.as_str()).collect()
    }

    /// The value at `key` of a mapping node.
    fn get<'n>(node: &'n Node, key: &str) -> &'n Node {
        let entry = map(node).iter().find(|(k, _)| k.text == key);
        &entry.unwrap_or_else(|| panic!("no key {key}")).1
    }

    fn text(node: &Node) -> &str {
        match &node.value {
            Value::Scalar(text) => text,
            other => panic!("expected a scalar, found {other:?}"),
        }
    }

    fn fails(yaml: &str) -> Error {
        parse(yaml).expect_err("should not parse")
    }

    #[test]
    fn nodes_know_their_line_and_column() {
        let node = parse("rules:\n  memory-limit:\n    memory: 512m\n").unwrap();
        let top = map(&node);
        assert_eq!(top[0].0.text, "rules");
        assert_eq!(top[0].0.at(), (1, 1));
        let rules = map(&top[0].1);
        assert_eq!(rules[0].0.at(), (2, 3));
        assert_eq!(top[0].1.at(), (2, 3));
        let params = map(&rules[0].1);
        assert_eq!(params[0].1.value, Value::Scalar("512m".into()));
        assert_eq!(params[0].1.at(), (3, 13));
    }

    #[test]
    fn positions_skip_anchors_and_point_into_flow_collections() {
        let node = parse("a:   &q   1\nb: [x, {c: d}]\n").unwrap();
        assert_eq!(get(&node, "a").at(), (1, 11));
        let Value::Seq(items) = &get(&node, "b").value else {
            panic!()
        };
        assert_eq!(get(&node, "b").at(), (2, 4));
        assert_eq!(items[0].at(), (2, 5));
        assert_eq!(items[1].at(), (2, 8));
        assert_eq!(map(&items[1])[0].0.at(), (2, 9));
        assert_eq!(get(&items[1], "c").at(), (2, 12));
    }

    #[test]
    fn scalars_keep_yaml_typed_values_as_text() {
        let node = parse("a: 1.0\nb: 100\nc: true\nd: ~\ne: [x, y]\n").unwrap();
        let values: Vec<&Value> = map(&node).iter().map(|(_, v)| &v.value).collect();
        assert_eq!(values[0], &Value::Scalar("1.0".into()));
        assert_eq!(values[1], &Value::Scalar("100".into()));
        assert_eq!(values[2], &Value::Scalar("true".into()));
        assert_eq!(values[3], &Value::Null);
        assert!(matches!(values[4], Value::Seq(_)));
    }

    #[test]
    fn scalars_are_the_text_written() {
        let yaml = "a: yes\nb: 012\nc: 0x10\nd: 1.50\ne: .inf\nf: 'null'\ng: \"~\"\nh: nULL\n\
                    i: |\n  two\n  lines\nj: ''\n";
        let node = parse(yaml).unwrap();
        let texts: Vec<&str> = map(&node).iter().map(|(_, v)| text(v)).collect();
        assert_eq!(
            texts,
            [
                "yes",
                "012",
                "0x10",
                "1.50",
                ".inf",
                "null",
                "~",
                "nULL",
                "two\nlines\n",
                ""
            ]
        );
    }

    #[test]
    fn plain_nulls_and_empty_values_are_null() {
        let node = parse("a: ~\nb: null\nc: Null\nd: NULL\ne:\nf:\n  -\n  - x\n").unwrap();
        for key in ["a", "b", "c", "d", "e"] {
            assert_eq!(get(&node, key).value, Value::Null, "{key}");
        }
        let Value::Seq(items) = &get(&node, "f").value else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].value, Value::Null);
        assert_eq!(items[0].at(), (7, 4));
    }

    #[test]
    fn keys_are_the_text_written() {
        let node = parse("~: a\n1: b\n'x y': c\n").unwrap();
        assert_eq!(keys(&node), ["~", "1", "x y"]);
    }

    #[test]
    fn an_empty_document_is_null() {
        assert_eq!(parse("").unwrap().value, Value::Null);
        assert_eq!(parse("# nothing\n").unwrap().value, Value::Null);
        assert_eq!(parse("---\n...\n").unwrap().value, Value::Null);
    }

    #[test]
    fn anchors_and_merge_keys_work() {
        let node = parse("base: &b {level: enforce}\nrule:\n  <<: *b\n  pids: 5\n").unwrap();
        assert_eq!(keys(get(&node, "rule")), ["pids", "level"]);
        assert_eq!(text(get(get(&node, "rule"), "level")), "enforce");
    }

    #[test]
    fn an_alias_is_a_copy_of_the_anchored_value_positioned_at_the_alias() {
        let yaml = "base: &b\n  level: enforce\n  drop: [ALL]\nname: &n web\nrule: *b\nother: *n\n";
        let node = parse(yaml).unwrap();
        let base = get(&node, "base");
        let rule = get(&node, "rule");
        assert_eq!(rule.value, copy_at(base, 5, 7).value);
        assert_eq!(rule.at(), (5, 7));
        assert_eq!(map(rule)[0].0.at(), (5, 7));
        assert_eq!(get(rule, "drop").at(), (5, 7));
        assert_eq!(map(base)[0].0.at(), (2, 3), "the original keeps its place");
        assert_eq!(text(get(&node, "other")), "web");
        assert_eq!(get(&node, "other").at(), (6, 8));
    }

    #[test]
    fn an_alias_as_a_key_gives_its_text() {
        let node = parse("a: &k level\nb: {*k : deny}\n").unwrap();
        assert_eq!(keys(get(&node, "b")), ["level"]);
    }

    #[test]
    fn an_anchor_can_be_redefined() {
        let node = parse("a: &x 1\nb: *x\nc: &x 2\nd: *x\n").unwrap();
        assert_eq!(text(get(&node, "b")), "1");
        assert_eq!(text(get(&node, "d")), "2");
    }

    #[test]
    fn explicit_keys_beat_merged_keys_wherever_the_merge_is() {
        let yaml = "a: &a {x: 1, y: 1}\n\
                    before: {x: 0, <<: *a}\n\
                    after: {<<: *a, x: 0}\n";
        let node = parse(yaml).unwrap();
        for name in ["before", "after"] {
            let merged = get(&node, name);
            assert_eq!(keys(merged), ["x", "y"], "{name}");
            assert_eq!(text(get(merged, "x")), "0", "{name}");
            assert_eq!(text(get(merged, "y")), "1", "{name}");
        }
    }

    #[test]
    fn among_merged_mappings_the_earlier_wins() {
        let yaml = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  w: 3\n";
        let node = parse(yaml).unwrap();
        let c = get(&node, "c");
        assert_eq!(keys(c), ["w", "x", "y", "z"]);
        assert_eq!(text(get(c, "y")), "1");
        assert_eq!(text(get(c, "z")), "2");
        // merged entries are positioned at the alias that brought them
        assert_eq!(get(c, "x").at(), (4, 8));
        assert_eq!(get(c, "z").at(), (4, 12));
    }

    #[test]
    fn several_merge_keys_and_inline_mappings_merge_in_order() {
        let yaml = "a: &a {x: 1}\nc:\n  <<: {x: 0, v: 0}\n  <<: *a\n";
        let c = parse(yaml).unwrap();
        let c = get(&c, "c");
        assert_eq!(keys(c), ["x", "v"]);
        assert_eq!(text(get(c, "x")), "0");
    }

    #[test]
    fn a_quoted_merge_key_is_an_ordinary_key() {
        let node = parse("'<<': {a: 1}\n").unwrap();
        assert_eq!(keys(&node), ["<<"]);
    }

    #[test]
    fn merging_something_other_than_mappings_is_an_error_at_it() {
        let error = fails("b:\n  <<: 5\n");
        assert_eq!((error.line, error.column), (2, 7));
        assert_eq!(error.kind, ErrorKind::Merge { found: "a scalar" });
        let error = fails("a: &a {x: 1}\nb:\n  <<: [*a, [1]]\n");
        assert_eq!((error.line, error.column), (3, 12));
        assert_eq!(error.kind, ErrorKind::Merge { found: "a list" });
    }

    #[test]
    fn duplicate_keys_are_errors_with_a_location() {
        let error = fails("a: 1\na: 2\n");
        assert_eq!((error.line, error.column), (2, 1));
        assert_eq!(
            error.kind,
            ErrorKind::DuplicateKey {
                key: "a".into(),
                first_line: 1
            }
        );
        assert_eq!(
            error.kind.to_string(),
            "duplicate key 'a' (first at line 1)"
        );
        let error = fails("x:\n  b: 1\n  c: {d: 1, d: 2}\n");
        assert_eq!((error.line, error.column), (3, 13));
    }

    #[test]
    fn duplicate_keys_are_found_in_large_mappings_too() {
        let mut yaml: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        yaml.push_str("k42: again\n");
        let error = fails(&yaml);
        assert_eq!((error.line, error.column), (101, 1));
        assert_eq!(
            error.kind,
            ErrorKind::DuplicateKey {
                key: "k42".into(),
                first_line: 43
            }
        );
        yaml.truncate(yaml.len() - "k42: again\n".len());
        assert_eq!(map(&parse(&yaml).unwrap()).len(), 100);
    }

    #[test]
    fn a_second_document_is_an_error_at_its_start() {
        let error = fails("a: 1\n---\nb: 2\n");
        assert_eq!(error.kind, ErrorKind::MultipleDocuments);
        assert_eq!((error.line, error.column), (2, 1));
        assert_eq!(fails("a: 1\n---\n").kind, ErrorKind::MultipleDocuments);
        assert!(parse("---\na: 1\n...\n").is_ok());
    }

    #[test]
    fn tags_are_refused_at_the_tag() {
        for (yaml, at) in [
            ("a: !!str 1\n", (1, 4)),
            ("a: !custom x\n", (1, 4)),
            ("!!map {a: 1}\n", (1, 1)),
            ("a: !!seq [x]\n", (1, 4)),
            ("a:\n  - ! x\n", (2, 5)),
            ("!k a: 1\n", (1, 1)),
        ] {
            let error = fails(yaml);
            assert_eq!(error.kind, ErrorKind::Tag, "{yaml:?}");
            assert_eq!((error.line, error.column), at, "{yaml:?}");
        }
        assert_eq!(
            ErrorKind::Tag.to_string(),
            "tags are not supported in profiles"
        );
    }

    #[test]
    fn syntax_errors_have_the_parsers_location_and_message() {
        let error = fails("rules:\n  memory-limit: [unclosed\n");
        assert_eq!((error.line, error.column), (2, 17));
        let ErrorKind::Syntax(message) = &error.kind else {
            panic!("{error:?}")
        };
        assert!(message.contains('['), "{message}");
        let error = fails("a: *nope\n");
        assert_eq!((error.line, error.column), (1, 4));
        assert_eq!(
            error.kind,
            ErrorKind::Syntax("an alias refers to an anchor not defined before it".into())
        );
    }

    #[test]
    fn collections_as_keys_are_errors() {
        let error = fails("? [a, b]\n: c\n");
        assert_eq!(error.kind, ErrorKind::ComplexKey { found: "a list" });
        assert_eq!((error.line, error.column), (1, 3));
        let error = fails("a: &m {x: 1}\nb: {*m : 2}\n");
        assert_eq!(error.kind, ErrorKind::ComplexKey { found: "a mapping" });
    }

    #[test]
    fn an_alias_inside_its_own_anchor_is_an_error() {
        let error = fails("a: &a [1, *a]\n");
        assert_eq!(error.kind, ErrorKind::RecursiveAlias);
        assert_eq!((error.line, error.column), (1, 11));
        assert_eq!(fails("a: &a {x: *a}\n").kind, ErrorKind::RecursiveAlias);
    }

    #[test]
    fn a_yaml_bomb_is_stopped() {
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            yaml.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let error = fails(&yaml);
        assert_eq!(error.kind, ErrorKind::TooLarge);
        assert_eq!(error.line, 5, "stopped where the count passes the limit");
    }

    #[test]
    fn the_node_limit_counts_keys_values_and_copies() {
        // a0 is 1 + 10 values; each further level is 1 + 10 copies of the one before.
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..4 {
            let p = i - 1;
            yaml.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let node = parse(&yaml).unwrap();
        let Value::Seq(items) = &get(&node, "a3").value else {
            panic!()
        };
        assert_eq!(items.len(), 10);
    }

    #[test]
    fn nesting_is_limited_through_aliases_too() {
        let nested = |inner: &str| format!("{}{inner}{}", "[".repeat(40), "]".repeat(40));
        let mut yaml = format!("a0: &a0 {}\n", nested("x"));
        for i in 1..4 {
            yaml.push_str(&format!(
                "a{i}: &a{i} {}\n",
                nested(&format!("*a{}", i - 1))
            ));
        }
        let error = fails(&yaml);
        assert_eq!(error.kind, ErrorKind::TooDeep);
        assert_eq!((error.line, error.column), (4, 49), "at the alias");
        // 1 + 3 × 40 deep is within the limit
        yaml.truncate(yaml.rfind("a3:").unwrap());
        assert!(parse(&yaml).is_ok());
        let error = fails(&format!("a: {}\n", nested(&nested(&nested(&nested("x"))))));
        assert_eq!(error.kind, ErrorKind::TooDeep);
    }
}
