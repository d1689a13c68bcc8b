//! The resolved compose model, read from the YAML `docker compose config` prints into the
//! `serde_json::Value` the compose front end works on.
//!
//! The model is read as YAML because Compose's JSON output drops service-level `x-*` keys
//! (`x-hardrun`). This reader builds the `Value` straight from granit-parser's events, as
//! `profile::raw` does for profiles, instead of going through serde-saphyr's deserializer:
//! about 40 % fewer instructions on the bench's 200-service model, most of what is left being
//! granit-parser's own work. It gives the `Value` `serde_saphyr::from_str::<Value>`
//! (serde-saphyr 2.2, default options) gives for everything `docker compose config` prints;
//! the tests compare the two on what Compose printed for every fixture project, on the bench's
//! model, and on generated documents.
//!
//! What serde-saphyr does, found by experiment, and so what this reader does:
//!
//! - **Plain scalars** are typed in this order. Nothing: empty, `~`, `null`, `Null`, `NULL`
//!   (not `nULL`). A boolean in YAML 1.1's spellings, any case: `true`, `yes`, `y`, `on`,
//!   `false`, `no`, `n`, `off` (`Off`, `Y` and `oN` too). Text, if it is `0X…`, `0O…`, `0B…`
//!   (an upper-case radix) or `+.nan`, `-.nan`. An integer: an optional sign, then decimal
//!   without a leading zero, or `0x`, `0o`, `0b` (lower case), with single underscores between
//!   digits (`1_000`); a `u64` without a sign or with `+`, an `i64` with `-` (`-0` is 0). A
//!   float, as Rust's `f64` parser reads it (`1.`, `.5`, `1e3`, `+.5`), so `012` is 12.0, `00`
//!   is 0.0 and an integer beyond 64 bits (`18446744073709551616`) becomes the nearest float;
//!   `0x10000000000000000` is text. Everything else is text, including `inf`, `nan`,
//!   `infinity` (which Rust's parser would read), `1_000.5`, `0x_1`, `1:2` and dates.
//! - **Non-finite floats** are refused: `.inf`, `.Inf`, `.INF`, `.nan`, `.NaN`, `.NAN` with an
//!   optional sign (but `±.nan`, text, see above), and numerals beyond `f64` (`1e999`). JSON has
//!   no such number. Compose prints an infinite float of an extension as `.inf`, so a project
//!   with one cannot be hardened, with this reader or serde-saphyr.
//! - **Quoted and block scalars** are text, whatever they say.
//! - **Tags**: `!!str` and `!` make text (`!!str ~` is `"~"`); `!!null` makes nothing of any
//!   scalar; `!!bool` takes the booleans above; `!!int` takes the integers above, and also an
//!   upper-case radix, but refuses what does not fit 64 bits; `!!float` takes any finite float
//!   Rust reads, integers included (`!!float 1` is 1.0). A tagged scalar is trimmed of spaces,
//!   tabs and line breaks first, so `!!int " 5 "` is 5. `!!seq` and `!!map` go on their kind
//!   only; `!` on any collection. serde-saphyr ignores every other tag (`!reset 1` is 1,
//!   `!custom yes` is `true`) or decodes it (`!!binary`); this reader refuses them at the tag,
//!   since a resolved model has none and reading `!reset` or `!override` as nothing would
//!   invert it.
//! - **Keys** are the text written: `1`, `true` and `1.5` are the strings `"1"`, `"true"`,
//!   `"1.5"`. A key that is nothing (`~`, `null`, empty), a list or a mapping is refused, as is
//!   any tag on a key but `!!str` and `!`.
//! - **Duplicate keys** are refused, including plain integer keys spelled differently (`11` and
//!   `0xB`, `-0` and `0`, `+1` and `1`). serde-saphyr tells a string key from an integer key:
//!   `"1": a` with `1: b` reaches `serde_json`, which keeps one entry, `{"1": "b"}`. This reader
//!   refuses that too: two keys with one text are a duplicate here.
//! - **Anchors and aliases** copy values; a scalar is typed where the alias is (as a key, text;
//!   as a value, typed). An anchor can be defined again; an alias inside its own anchor is
//!   refused.
//! - **Merge keys**: a plain `<<` (or `!!merge <<`; a quoted `'<<'` is an ordinary key) takes a
//!   mapping, a list of them (nested lists are flattened), or nothing (`<<: ~`, `<<: []` merge
//!   nothing). The keys written in the mapping come first, whether before or after `<<`, then
//!   the merged ones in order; an explicit key beats a merged one, and among merged ones the
//!   first wins. One difference, with merges only: merged keys are compared with the mapping's
//!   keys as text, where serde-saphyr compares integers (so a merged `0xB` beside an explicit
//!   `11` is kept here and dropped there). Compose resolves merge keys before printing.
//! - **Documents**: empty text, or only comments, is `null`; a second document is refused.
//! - **Limits**: aliases may copy up to `MAX_ALIAS_VALUES` values in all, and values may nest
//!   `MAX_DEPTH` deep, counting what aliases bring in. serde-saphyr's budget is different:
//!   nesting stops at 64, a document at 250,000 nodes and a million events; this reader has no
//!   limit on values written out in the text, which is bounded by its length.
//!
//! `scalar` types the scalars; the tests are in `yaml_tests.rs`.

use std::borrow::Cow;

use granit_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, Tag};
use serde_json::map::Entry;
use serde_json::{Map, Value};
use thiserror::Error;

use crate::yaml_tree;

mod scalar;

pub(super) use scalar::plain;
use scalar::{integer_key, is_null, scalar, yaml_trim};

/// The most values (keys included) that aliases may copy, over the whole model. serde-saphyr
/// stops replaying aliases at a million events.
pub const MAX_ALIAS_VALUES: usize = 1_000_000;

/// The deepest values may nest (the model's root is at depth 1), counting what aliases bring
/// in. A resolved compose model nests about 8 deep; the limit keeps the recursion that builds,
/// copies and drops the value shallow.
pub const MAX_DEPTH: usize = 128;

/// Why some text is not a model hardrun can read, and where: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{line}:{column}: {kind}")]
pub struct Error {
    pub line: u64,
    pub column: u64,
    pub kind: ErrorKind,
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ErrorKind {
    /// The text is not YAML; the parser's message.
    #[error("{0}")]
    Syntax(String),
    /// A second YAML document (`---`).
    #[error("the model is one YAML document, but a second one starts here")]
    MultipleDocuments,
    /// A mapping has the same key twice; the error is at the second.
    #[error("duplicate key '{key}'")]
    DuplicateKey { key: String },
    /// Two plain keys of one mapping are the same integer, spelled differently.
    #[error("duplicate key '{key}': the same integer as the key '{first}'")]
    DuplicateInteger { key: String, first: String },
    /// A mapping key that is not a string: nothing (`~`, `null`, empty), a list or a mapping.
    #[error("a mapping key must be a string, found {found}")]
    KeyNotString { found: &'static str },
    /// A tag other than the core schema's (`!reset`, `!override`, `!!binary`, `!custom` …).
    #[error("the tag `{tag}` is not supported: a resolved compose model has none")]
    UnsupportedTag { tag: String },
    /// A core-schema tag on a value of another kind (`!!map [1]`, `!!int` on a key …).
    #[error("the tag `{tag}` cannot be on {found}")]
    TagMismatch { tag: String, found: &'static str },
    /// A scalar its explicit tag does not accept (`!!int 1.5`, `!!bool maybe`).
    #[error("`{text}` is not {expected}")]
    Invalid {
        text: String,
        expected: &'static str,
    },
    /// `.inf`, `.nan` or a number too large for a float: JSON has no such number.
    #[error("`{text}` is not a finite number, and a JSON number must be")]
    NonFinite { text: String },
    /// A merge key (`<<`) whose value is not a mapping or a list of mappings.
    #[error("a merge key `<<` takes a mapping or a list of mappings, found {found}")]
    Merge { found: &'static str },
    /// An alias inside the value its anchor is on.
    #[error("an alias cannot refer to the value it is part of")]
    RecursiveAlias,
    /// More than `MAX_ALIAS_VALUES` values copied by aliases.
    #[error("aliases expand to more than {} values", MAX_ALIAS_VALUES)]
    TooLarge,
    /// Values nested more than `MAX_DEPTH` deep, directly or through aliases.
    #[error("values nest more than {} deep", MAX_DEPTH)]
    TooDeep,
}

/// Reads YAML text (one document) as a JSON value, as `serde_saphyr::from_str` does. An empty
/// document is `Value::Null`. What Compose prints is read by `printed`, a reader of that
/// subset of YAML that is about ten times faster; anything else by the general reader.
pub fn parse(text: &str) -> Result<Value, Error> {
    match super::printed::read(text) {
        Some(value) => Ok(value),
        None => general(text),
    }
}

/// Reads YAML text as `parse` does, from granit-parser's events, whatever the text.
pub(super) fn general(text: &str) -> Result<Value, Error> {
    let options = granit_parser::options! { emit_comments: false };
    Reader {
        events: Parser::new_from_str_with_options(text, options),
        last: Marker::new(0, 1, 0),
        anchors: Vec::new(),
        values: 0,
        copied: 0,
        depth: 0,
        deepest: 0,
    }
    .stream()
}

/// The core-schema tags (and `!`), as far as this reader gives them a meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tagged {
    /// `!!str`: the scalar's text.
    Str,
    /// `!`: a scalar's text; on a collection, nothing.
    NonSpecific,
    Null,
    Bool,
    Int,
    Float,
    Seq,
    Map,
    /// `!!merge`, meaningful on a `<<` key only.
    Merge,
}

impl Tagged {
    fn of(tag: &Tag) -> Option<Tagged> {
        if let Some(core) = tag.core_suffix() {
            return Some(match core {
                "str" => Tagged::Str,
                "null" => Tagged::Null,
                "bool" => Tagged::Bool,
                "int" => Tagged::Int,
                "float" => Tagged::Float,
                "seq" => Tagged::Seq,
                "map" => Tagged::Map,
                _ => return None,
            });
        }
        match tag.parts() {
            ("", "!") | ("!", "") => Some(Tagged::NonSpecific),
            _ if tag.suffix_in_namespace("tag:yaml.org,2002:").as_deref() == Some("merge") => {
                Some(Tagged::Merge)
            }
            _ => None,
        }
    }
}

/// What an anchor is on, ready for its aliases.
enum Anchored<'a> {
    /// A scalar is typed where its alias is: as a key it is text, as a value it is typed.
    Scalar {
        text: Cow<'a, str>,
        style: ScalarStyle,
        tag: Option<Tagged>,
    },
    Collection {
        value: Value,
        /// How many values (keys included) it is, as counted against `MAX_ALIAS_VALUES`.
        size: usize,
        /// How deep it nests below itself.
        height: usize,
    },
}

struct Reader<'a, I> {
    events: I,
    /// Where the last event started, for an input that ends early.
    last: Marker,
    /// By anchor id; `None` while the anchored value is still being read.
    anchors: Vec<Option<Anchored<'a>>>,
    /// Values (keys included) produced so far, copies included.
    values: usize,
    /// Values (keys included) copied by aliases so far.
    copied: usize,
    /// Depth of the value being read; the document's root is at depth 1.
    depth: usize,
    /// Deepest depth reached (through aliases too) since the innermost anchored value began.
    deepest: usize,
}

type Item<'a> = Result<(Event<'a>, Span), ScanError>;

impl<'a, I: Iterator<Item = Item<'a>>> Reader<'a, I> {
    fn stream(mut self) -> Result<Value, Error> {
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
        Ok(root.unwrap_or(Value::Null))
    }

    /// The next event.
    fn next(&mut self) -> Result<(Event<'a>, Span), Error> {
        match self.events.next() {
            Some(Ok((event, span))) => {
                self.last = span.start;
                Ok((event, span))
            }
            Some(Err(scan)) => Err(syntax(&scan)),
            None => Err(error(
                &self.last,
                ErrorKind::Syntax("unexpected end of the YAML text".into()),
            )),
        }
    }

    /// The next event that is a value (anything else the parser reports is skipped).
    fn next_node(&mut self) -> Result<(Event<'a>, Span), Error> {
        loop {
            let (event, span) = self.next()?;
            if event.is_node() {
                return Ok((event, span));
            }
        }
    }

    /// Reads the value that `event` starts.
    fn node(&mut self, event: Event<'a>, span: &Span) -> Result<Value, Error> {
        self.depth += 1;
        self.deepest = self.deepest.max(self.depth);
        if self.depth > MAX_DEPTH {
            return Err(error(&span.start, ErrorKind::TooDeep));
        }
        self.values += 1;
        let value = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tagged(tag.as_deref(), span)?;
                if anchor != 0 {
                    self.anchor_begins(anchor);
                    self.anchors[anchor] = Some(Anchored::Scalar {
                        text: text.clone(),
                        style,
                        tag,
                    });
                }
                scalar(text, style, tag).map_err(|kind| error(&span.start, kind))?
            }
            Event::SequenceStart(_, anchor, tag) => {
                collection_tag(tag.as_deref(), Tagged::Seq, "a list", span)?;
                self.anchored(anchor, Self::sequence)?
            }
            Event::MappingStart(_, anchor, tag) => {
                collection_tag(tag.as_deref(), Tagged::Map, "a mapping", span)?;
                self.anchored(anchor, Self::mapping)?
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
        Ok(value)
    }

    /// Reads a collection with `read`, and keeps it for aliases if `anchor` is not 0.
    fn anchored(
        &mut self,
        anchor: usize,
        read: fn(&mut Self) -> Result<Value, Error>,
    ) -> Result<Value, Error> {
        if anchor == 0 {
            return read(self);
        }
        self.anchor_begins(anchor);
        // This collection was counted before its contents.
        let values = self.values - 1;
        let outer_deepest = std::mem::replace(&mut self.deepest, self.depth);
        let value = read(self)?;
        let height = self.deepest - self.depth;
        self.deepest = self.deepest.max(outer_deepest);
        self.anchors[anchor] = Some(Anchored::Collection {
            value: value.clone(),
            size: self.values - values,
            height,
        });
        Ok(value)
    }

    fn anchor_begins(&mut self, anchor: usize) {
        if self.anchors.len() <= anchor {
            self.anchors.resize_with(anchor + 1, || None);
        }
        self.anchors[anchor] = None;
    }

    /// The anchored value alias `id` refers to, or an error if it is still being read.
    fn anchor(&self, id: usize, span: &Span) -> Result<&Anchored<'a>, Error> {
        match self.anchors.get(id) {
            Some(Some(anchored)) => Ok(anchored),
            _ => Err(error(&span.start, ErrorKind::RecursiveAlias)),
        }
    }

    /// A copy of the value anchor `id` is on, as a value.
    fn alias(&mut self, id: usize, span: &Span) -> Result<Value, Error> {
        let (size, height) = match self.anchor(id, span)? {
            Anchored::Scalar { text, style, tag } => {
                let (text, style, tag) = (text.clone(), *style, *tag);
                self.copy(1, span)?;
                return scalar(text, style, tag).map_err(|kind| error(&span.start, kind));
            }
            Anchored::Collection { size, height, .. } => (*size, *height),
        };
        self.copy(size, span)?;
        // The alias itself was counted as one value.
        self.values += size - 1;
        let reach = self.depth + height;
        if reach > MAX_DEPTH {
            return Err(error(&span.start, ErrorKind::TooDeep));
        }
        self.deepest = self.deepest.max(reach);
        match &self.anchors[id] {
            Some(Anchored::Collection { value, .. }) => Ok(value.clone()),
            _ => unreachable!("the anchor was a collection above"),
        }
    }

    fn copy(&mut self, values: usize, span: &Span) -> Result<(), Error> {
        self.copied += values;
        if self.copied > MAX_ALIAS_VALUES {
            return Err(error(&span.start, ErrorKind::TooLarge));
        }
        Ok(())
    }

    /// Reads a sequence's items, up to its end.
    fn sequence(&mut self) -> Result<Value, Error> {
        let mut items = Vec::new();
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::SequenceEnd => break,
                event if event.is_node() => items.push(self.node(event, &span)?),
                _ => {}
            }
        }
        Ok(Value::Array(items))
    }

    /// Reads a mapping's entries, up to its end, then applies its merge keys.
    fn mapping(&mut self) -> Result<Value, Error> {
        let mut map = Map::new();
        let mut merges = Vec::new();
        // The plain keys that are integers, for the duplicates spelled differently.
        let mut integers: Vec<((bool, u128), String)> = Vec::new();
        loop {
            let (event, span) = self.next()?;
            let key = match event {
                Event::MappingEnd => break,
                Event::Scalar(text, style, anchor, tag) => {
                    let tag = tagged(tag.as_deref(), &span)?;
                    self.values += 1;
                    if anchor != 0 {
                        self.anchor_begins(anchor);
                        self.anchors[anchor] = Some(Anchored::Scalar {
                            text: text.clone(),
                            style,
                            tag,
                        });
                    }
                    Key::of(text, style, tag)
                }
                Event::Alias(id) => match self.anchor(id, &span)? {
                    Anchored::Scalar { text, style, tag } => {
                        let key = Key::of(text.clone(), *style, *tag);
                        self.copy(1, &span)?;
                        self.values += 1;
                        key
                    }
                    Anchored::Collection { value, .. } => {
                        let found = kind(value);
                        return Err(error(&span.start, ErrorKind::KeyNotString { found }));
                    }
                },
                Event::SequenceStart(..) => Key::Not("a list"),
                Event::MappingStart(..) => Key::Not("a mapping"),
                _ => continue,
            };
            let (text, integer) = match key {
                Key::Merge => {
                    let (event, span) = self.next_node()?;
                    let value = self.node(event, &span)?;
                    merges.push((value, span.start));
                    continue;
                }
                Key::Text { text, integer } => (text, integer),
                Key::Not(found) => {
                    return Err(error(&span.start, ErrorKind::KeyNotString { found }));
                }
                Key::Tagged(tag) => {
                    let found = "a mapping key";
                    return Err(error(&span.start, ErrorKind::TagMismatch { tag, found }));
                }
            };
            if let Some(integer) = integer {
                let same = integers.iter().find(|(other, _)| *other == integer);
                if let Some((_, first)) = same
                    && *first != *text
                {
                    let (key, first) = (text.into_owned(), first.clone());
                    return Err(error(
                        &span.start,
                        ErrorKind::DuplicateInteger { key, first },
                    ));
                }
                integers.push((integer, text.clone().into_owned()));
            }
            match map.entry(text.into_owned()) {
                Entry::Occupied(entry) => {
                    let key = entry.key().clone();
                    return Err(error(&span.start, ErrorKind::DuplicateKey { key }));
                }
                Entry::Vacant(entry) => {
                    let (event, span) = self.next_node()?;
                    entry.insert(self.node(event, &span)?);
                }
            }
        }
        for (merged, at) in merges {
            merge(&mut map, merged).map_err(|found| error(&at, ErrorKind::Merge { found }))?;
        }
        Ok(Value::Object(map))
    }
}

/// A mapping key, as serde-saphyr gives it to `serde_json`.
enum Key<'a> {
    /// A string key; `integer` is its value if it is a plain integer (sign, magnitude).
    Text {
        text: Cow<'a, str>,
        integer: Option<(bool, u128)>,
    },
    /// `<<`: the entries of its value are merged.
    Merge,
    /// Not a string: what it is.
    Not(&'static str),
    /// A tag other than `!!str` or `!`.
    Tagged(String),
}

impl<'a> Key<'a> {
    fn of(text: Cow<'a, str>, style: ScalarStyle, tag: Option<Tagged>) -> Key<'a> {
        let plain = style == ScalarStyle::Plain;
        match tag {
            None if plain && text == "<<" => Key::Merge,
            Some(Tagged::Merge) if plain && text == "<<" => Key::Merge,
            None if plain && is_null(&text) => Key::Not("nothing"),
            None if plain => {
                let integer = integer_key(yaml_trim(&text));
                Key::Text { text, integer }
            }
            None | Some(Tagged::Str | Tagged::NonSpecific) => Key::Text {
                text,
                integer: None,
            },
            Some(other) => Key::Tagged(other.name().to_owned()),
        }
    }
}

impl Tagged {
    /// The tag as written in its short form, for messages.
    fn name(self) -> &'static str {
        match self {
            Tagged::Str => "!!str",
            Tagged::NonSpecific => "!",
            Tagged::Null => "!!null",
            Tagged::Bool => "!!bool",
            Tagged::Int => "!!int",
            Tagged::Float => "!!float",
            Tagged::Seq => "!!seq",
            Tagged::Map => "!!map",
            Tagged::Merge => "!!merge",
        }
    }
}

/// Adds the entries of a merge key's value that are not in `map` yet: keys written in the
/// mapping beat merged ones, and among merged ones the first merged wins. A list merges each
/// of its items in order; nothing (`<<: ~`) merges nothing.
fn merge(map: &mut Map<String, Value>, merged: Value) -> Result<(), &'static str> {
    match merged {
        Value::Null => Ok(()),
        Value::Object(entries) => {
            for (key, value) in entries {
                if let Entry::Vacant(entry) = map.entry(key) {
                    entry.insert(value);
                }
            }
            Ok(())
        }
        Value::Array(items) => items.into_iter().try_for_each(|item| merge(map, item)),
        other => Err(kind(&other)),
    }
}

/// What kind of value this is, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) | Value::Number(_) | Value::String(_) => "a scalar",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The meaning of a scalar's tag, or an error for one this reader does not support.
fn tagged(tag: Option<&Tag>, span: &Span) -> Result<Option<Tagged>, Error> {
    let Some(tag) = tag else {
        return Ok(None);
    };
    match Tagged::of(tag) {
        Some(tagged) => Ok(Some(tagged)),
        None => Err(error(
            span.tag_start.as_ref().unwrap_or(&span.start),
            ErrorKind::UnsupportedTag {
                tag: tag.original(),
            },
        )),
    }
}

/// Checks a collection's tag: none, or `expected`.
fn collection_tag(
    tag: Option<&Tag>,
    expected: Tagged,
    found: &'static str,
    span: &Span,
) -> Result<(), Error> {
    match tagged(tag, span)? {
        None | Some(Tagged::NonSpecific) => Ok(()),
        Some(tagged) if tagged == expected => Ok(()),
        Some(_) => Err(error(
            span.tag_start.as_ref().unwrap_or(&span.start),
            ErrorKind::TagMismatch {
                tag: tag.map(Tag::original).unwrap_or_default(),
                found,
            },
        )),
    }
}

fn error(marker: &Marker, kind: ErrorKind) -> Error {
    let (line, column) = yaml_tree::position(marker);
    Error { line, column, kind }
}

#[cold]
fn syntax(scan: &ScanError) -> Error {
    error(
        scan.marker(),
        ErrorKind::Syntax(yaml_tree::syntax_message(scan)),
    )
}

#[cfg(test)]
#[path = "yaml_tests.rs"]
pub(super) mod tests;
