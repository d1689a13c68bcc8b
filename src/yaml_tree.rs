//! A YAML document read from granit-parser's events into a tree of values that remember where
//! they were written: anchors and aliases copied (a copy is positioned at its alias), merge keys
//! (`<<: *a`, `<<: [*a, *b]`; keys written in the mapping win, then the first merged), duplicate
//! keys refused, limits on how far aliases expand (YAML bombs) and how deep values nest, tags
//! and a second document refused.
//!
//! The tree is the reader's own: `profile::raw` (a profile or project file) and `kube::yaml`
//! (one document of a manifest) each implement `Tree`, and each names its `Subject` for the
//! limits and the words of its messages. The compose reader, which builds JSON values with
//! tags and types of its own, shares the positions and the parser's messages. Pure.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use granit_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, Tag};

/// A 1-based line and column.
pub type Position = (u64, u64);

/// How a tree's value looks, to copy it and to use it as a key.
pub enum Shape<'a, T: Tree> {
    /// A value the tree keeps as null rather than as its text.
    Null,
    /// A scalar's text, and whether it was plain.
    Scalar(&'a str, bool),
    Seq(&'a [T]),
    Map(&'a [(T::Key, T)]),
}

/// A tree the builder can make: its values and its mapping keys, each with its position.
pub trait Tree: Clone + Sized {
    type Key;
    /// A scalar as written: its text, and whether it was plain.
    fn scalar(text: Cow<'_, str>, plain: bool, at: Position) -> Self;
    fn seq(items: Vec<Self>, at: Position) -> Self;
    fn map(entries: Vec<(Self::Key, Self)>, at: Position) -> Self;
    fn key(text: String, plain: bool, at: Position) -> Self::Key;
    fn key_text(key: &Self::Key) -> &str;
    fn key_plain(key: &Self::Key) -> bool;
    fn key_at(key: &Self::Key) -> Position;
    fn shape(&self) -> Shape<'_, Self>;
    fn at(&self) -> Position;
    /// What kind of value this is, for messages: `a list`.
    fn kind(&self) -> &'static str;
    /// A mapping's entries; the value itself when it is something else.
    fn into_entries(self) -> Result<Vec<(Self::Key, Self)>, Self>;
    /// A list's items; the value itself when it is something else.
    fn into_items(self) -> Result<Vec<Self>, Self>;
}

/// What the text is: its limits, and how messages name it.
#[derive(Debug, PartialEq, Eq)]
pub struct Subject {
    /// The most values (keys included) one document may expand to, counting every copy an
    /// alias makes.
    pub max_nodes: usize,
    /// The deepest values may nest (the root is at depth 1), counting what aliases bring in.
    pub max_depth: usize,
    /// Such texts, in the plural: `profiles`.
    pub plural: &'static str,
    /// The whole text: `the profile`.
    pub whole: &'static str,
    /// What is said of a second document in the text.
    pub second_document: &'static str,
}

/// Why some text is not the subject's YAML, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub line: u64,
    pub column: u64,
    pub kind: ErrorKind,
    pub subject: &'static Subject,
}

/// What is wrong. `Error::message` says it.
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
    /// More than the subject's `max_nodes` values, through aliases.
    TooLarge,
    /// Values nested more than the subject's `max_depth` deep, directly or through aliases.
    TooDeep,
}

impl Error {
    /// What is wrong, in the subject's words, without the position.
    pub fn message(&self) -> String {
        let subject = self.subject;
        match &self.kind {
            ErrorKind::Syntax(message) => message.clone(),
            ErrorKind::DuplicateKey { key, first_line } => {
                format!("duplicate key '{key}' (first at line {first_line})")
            }
            ErrorKind::Tag => format!("tags are not supported in {}", subject.plural),
            ErrorKind::MultipleDocuments => subject.second_document.to_owned(),
            ErrorKind::ComplexKey { found } => {
                format!("a mapping key must be a single value, found {found}")
            }
            ErrorKind::Merge { found } => {
                format!("a merge key `<<` takes a mapping or a list of mappings, found {found}")
            }
            ErrorKind::RecursiveAlias => "an alias cannot refer to the value it is part of".into(),
            ErrorKind::TooLarge => format!(
                "{} expands to more than {} values through aliases",
                subject.whole, subject.max_nodes
            ),
            ErrorKind::TooDeep => format!("values nest more than {} deep", subject.max_depth),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message())
    }
}

impl std::error::Error for Error {}

/// Reads YAML text (one document) into a tree. An empty document is a plain empty scalar.
pub fn parse<T: Tree>(text: &str, subject: &'static Subject) -> Result<T, Error> {
    let options = granit_parser::options! { emit_comments: false };
    Builder {
        events: Parser::new_from_str_with_options(text, options),
        subject,
        last: (1, 1),
        anchors: Vec::new(),
        nodes: 0,
        depth: 0,
        deepest: 0,
    }
    .stream()
}

/// granit-parser's lines are 1-based and its columns 0-based; hardrun's are both 1-based.
pub fn position(marker: &Marker) -> Position {
    (marker.line() as u64, marker.col() as u64 + 1)
}

/// The parser's message for a syntax error: its first line, in words of hardrun's for an alias
/// to an anchor not defined before it.
#[cold]
pub fn syntax_message(scan: &ScanError) -> String {
    let info = scan.info();
    let message = match info.lines().next() {
        _ if *scan.kind() == granit_parser::ErrorKind::UnknownAnchor => {
            "an alias refers to an anchor not defined before it"
        }
        Some(line) if !line.is_empty() => line,
        _ => "not valid YAML",
    };
    message.to_owned()
}

/// A value an anchor is on, ready to be copied by aliases.
struct Anchored<T> {
    node: T,
    /// How many values (keys included) the node is, as counted against `max_nodes`.
    size: usize,
    /// How deep the node nests below itself.
    height: usize,
}

struct Builder<I, T> {
    events: I,
    subject: &'static Subject,
    /// Position of the last event, for an input that ends early.
    last: Position,
    /// By anchor id; `None` while the anchored value is still being read.
    anchors: Vec<Option<Anchored<T>>>,
    /// Values (keys included) produced so far.
    nodes: usize,
    /// Depth of the value being read; the document's root is at depth 1.
    depth: usize,
    /// Deepest depth reached (through aliases too) since the innermost anchored value began.
    deepest: usize,
}

type Item<'a> = Result<(Event<'a>, Span), ScanError>;

impl<'a, I: Iterator<Item = Item<'a>>, T: Tree> Builder<I, T> {
    fn stream(mut self) -> Result<T, Error> {
        let mut root = None;
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::StreamEnd => break,
                Event::DocumentStart(..) => {
                    if root.is_some() {
                        return Err(self.error(&span.start, ErrorKind::MultipleDocuments));
                    }
                    let (event, span) = self.next_node()?;
                    root = Some(self.node(event, &span)?);
                }
                _ => {}
            }
        }
        Ok(root.unwrap_or_else(|| T::scalar(Cow::Borrowed(""), true, self.last)))
    }

    fn error(&self, marker: &Marker, kind: ErrorKind) -> Error {
        self.error_at(position(marker), kind)
    }

    fn error_at(&self, (line, column): Position, kind: ErrorKind) -> Error {
        Error {
            line,
            column,
            kind,
            subject: self.subject,
        }
    }

    /// The next event.
    fn next(&mut self) -> Result<(Event<'a>, Span), Error> {
        match self.events.next() {
            Some(Ok((event, span))) => {
                self.last = position(&span.start);
                Ok((event, span))
            }
            Some(Err(scan)) => {
                Err(self.error(scan.marker(), ErrorKind::Syntax(syntax_message(&scan))))
            }
            None => Err(self.error_at(
                self.last,
                ErrorKind::Syntax("unexpected end of the YAML text".into()),
            )),
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
    fn node(&mut self, event: Event<'a>, span: &Span) -> Result<T, Error> {
        self.depth += 1;
        self.deepest = self.deepest.max(self.depth);
        if self.depth > self.subject.max_depth {
            return Err(self.error(&span.start, ErrorKind::TooDeep));
        }
        let node = match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.refuse_tag(tag.as_ref(), span)?;
                self.count(1, span)?;
                let node = T::scalar(text, style == ScalarStyle::Plain, position(&span.start));
                self.anchor_scalar(anchor, &node);
                node
            }
            Event::SequenceStart(_, anchor, tag) => {
                self.refuse_tag(tag.as_ref(), span)?;
                self.count(1, span)?;
                self.anchored(anchor, span, Self::sequence)?
            }
            Event::MappingStart(_, anchor, tag) => {
                self.refuse_tag(tag.as_ref(), span)?;
                self.count(1, span)?;
                self.anchored(anchor, span, Self::mapping)?
            }
            Event::Alias(id) => self.alias(id, span)?,
            other => {
                return Err(self.error(
                    &span.start,
                    ErrorKind::Syntax(format!("unexpected YAML event {other:?}")),
                ));
            }
        };
        self.depth -= 1;
        Ok(node)
    }

    fn refuse_tag(&self, tag: Option<&Cow<'_, Tag>>, span: &Span) -> Result<(), Error> {
        match tag {
            None => Ok(()),
            Some(_) => Err(self.error(
                span.tag_start.as_ref().unwrap_or(&span.start),
                ErrorKind::Tag,
            )),
        }
    }

    /// Reads a collection with `read`, and keeps it for aliases if `anchor` is not 0.
    fn anchored(
        &mut self,
        anchor: usize,
        span: &Span,
        read: fn(&mut Self, &Span) -> Result<T, Error>,
    ) -> Result<T, Error> {
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
    fn anchor_scalar(&mut self, anchor: usize, node: &T) {
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
    fn alias(&mut self, id: usize, span: &Span) -> Result<T, Error> {
        let Some(anchored) = self.anchors.get(id).and_then(Option::as_ref) else {
            return Err(self.error(&span.start, ErrorKind::RecursiveAlias));
        };
        let (size, height) = (anchored.size, anchored.height);
        self.count(size, span)?;
        let reach = self.depth + height;
        if reach > self.subject.max_depth {
            return Err(self.error(&span.start, ErrorKind::TooDeep));
        }
        self.deepest = self.deepest.max(reach);
        let anchored = self.anchors[id].as_ref().expect("checked above");
        Ok(copy_at(&anchored.node, position(&span.start)))
    }

    fn count(&mut self, nodes: usize, span: &Span) -> Result<(), Error> {
        self.nodes += nodes;
        if self.nodes > self.subject.max_nodes {
            return Err(self.error(&span.start, ErrorKind::TooLarge));
        }
        Ok(())
    }

    /// Reads a sequence's items, up to its end.
    fn sequence(&mut self, start: &Span) -> Result<T, Error> {
        let mut items = Vec::new();
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::SequenceEnd => break,
                event if event.is_node() => items.push(self.node(event, &span)?),
                _ => {}
            }
        }
        Ok(T::seq(items, position(&start.start)))
    }

    /// Reads a mapping's entries, up to its end, then applies its merge keys.
    fn mapping(&mut self, start: &Span) -> Result<T, Error> {
        let mut entries = Entries::<T>::default();
        let mut merges = Vec::new();
        loop {
            let (event, span) = self.next()?;
            let key = match event {
                Event::MappingEnd => break,
                Event::Scalar(text, style, anchor, tag) => {
                    // A key is the text written, even `~` or `null`.
                    self.refuse_tag(tag.as_ref(), &span)?;
                    self.count(1, &span)?;
                    let plain = style == ScalarStyle::Plain;
                    let at = position(&span.start);
                    if anchor != 0 {
                        self.anchor_scalar(anchor, &T::scalar(text.clone(), plain, at));
                    }
                    if plain && text == "<<" {
                        let (event, span) = self.next_node()?;
                        merges.push(self.node(event, &span)?);
                        continue;
                    }
                    T::key(text.into_owned(), plain, at)
                }
                Event::Alias(id) => {
                    let copy = self.alias(id, &span)?;
                    let Shape::Scalar(text, plain) = copy.shape() else {
                        let found = copy.kind();
                        return Err(self.error(&span.start, ErrorKind::ComplexKey { found }));
                    };
                    T::key(text.to_owned(), plain, position(&span.start))
                }
                Event::SequenceStart(..) => {
                    return Err(self.error(&span.start, ErrorKind::ComplexKey { found: "a list" }));
                }
                Event::MappingStart(..) => {
                    return Err(
                        self.error(&span.start, ErrorKind::ComplexKey { found: "a mapping" })
                    );
                }
                _ => continue,
            };
            if let Some(first) = entries.find(T::key_text(&key)) {
                let first_line = T::key_at(first).0;
                return Err(self.error_at(
                    T::key_at(&key),
                    ErrorKind::DuplicateKey {
                        key: T::key_text(&key).to_owned(),
                        first_line,
                    },
                ));
            }
            let (event, span) = self.next_node()?;
            let value = self.node(event, &span)?;
            entries.push(key, value);
        }
        for merge in merges {
            let items = match merge.into_entries() {
                Ok(merged) => {
                    entries.merge(merged);
                    continue;
                }
                Err(other) => match other.into_items() {
                    Ok(items) => items,
                    Err(other) => {
                        let found = other.kind();
                        return Err(self.error_at(other.at(), ErrorKind::Merge { found }));
                    }
                },
            };
            for item in items {
                match item.into_entries() {
                    Ok(merged) => entries.merge(merged),
                    Err(other) => {
                        let found = other.kind();
                        return Err(self.error_at(other.at(), ErrorKind::Merge { found }));
                    }
                }
            }
        }
        Ok(T::map(entries.list, position(&start.start)))
    }
}

/// A mapping's entries, with a lookup by key that stays fast for large mappings.
struct Entries<T: Tree> {
    list: Vec<(T::Key, T)>,
    /// Key to index in `list`, once the mapping has `INDEX_FROM` entries.
    index: Option<HashMap<String, usize>>,
}

impl<T: Tree> Default for Entries<T> {
    fn default() -> Self {
        Entries {
            list: Vec::new(),
            index: None,
        }
    }
}

/// Below this many entries a linear search is cheaper than hashing.
const INDEX_FROM: usize = 16;

impl<T: Tree> Entries<T> {
    fn find(&self, key: &str) -> Option<&T::Key> {
        let at = match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.list.iter().position(|(k, _)| T::key_text(k) == key),
        };
        at.map(|at| &self.list[at].0)
    }

    fn push(&mut self, key: T::Key, value: T) {
        if let Some(index) = &mut self.index {
            index.insert(T::key_text(&key).to_owned(), self.list.len());
        }
        self.list.push((key, value));
        if self.index.is_none() && self.list.len() >= INDEX_FROM {
            let index = self.list.iter().enumerate();
            self.index = Some(
                index
                    .map(|(at, (k, _))| (T::key_text(k).to_owned(), at))
                    .collect(),
            );
        }
    }

    /// Adds the entries whose keys are not here yet: keys written in the mapping beat merged
    /// ones, and among merged ones the first merged wins.
    fn merge(&mut self, merged: Vec<(T::Key, T)>) {
        for (key, value) in merged {
            if self.find(T::key_text(&key)).is_none() {
                self.push(key, value);
            }
        }
    }
}

/// A deep copy of `node` with every value and key in it positioned at `at`.
pub fn copy_at<T: Tree>(node: &T, at: Position) -> T {
    match node.shape() {
        Shape::Null => T::scalar(Cow::Borrowed(""), true, at),
        Shape::Scalar(text, plain) => T::scalar(Cow::Borrowed(text), plain, at),
        Shape::Seq(items) => {
            let mut copies = Vec::with_capacity(items.len());
            for item in items {
                copies.push(copy_at(item, at));
            }
            T::seq(copies, at)
        }
        Shape::Map(entries) => {
            let mut copies = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let key = T::key(T::key_text(key).to_owned(), T::key_plain(key), at);
                copies.push((key, copy_at(value, at)));
            }
            T::map(copies, at)
        }
    }
}
