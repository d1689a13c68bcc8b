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

use std::borrow::Cow;

use granit_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, Tag};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};
use thiserror::Error;

use crate::yaml_tree;

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

/// A scalar's value: plain ones typed as serde-saphyr types them, quoted and block ones text,
/// tagged ones as their tag says.
fn scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<Tagged>) -> Result<Value, ErrorKind> {
    let invalid = |text: &str, expected| ErrorKind::Invalid {
        text: text.to_owned(),
        expected,
    };
    match tag {
        None if style == ScalarStyle::Plain => plain(text),
        None | Some(Tagged::Str | Tagged::NonSpecific) => Ok(Value::String(text.into_owned())),
        Some(Tagged::Null) => Ok(Value::Null),
        Some(Tagged::Bool) => yaml11_bool(yaml_trim(&text))
            .map(Value::Bool)
            .ok_or_else(|| invalid(&text, "a boolean")),
        Some(Tagged::Int) => {
            let t = yaml_trim(&text);
            let value = if t.starts_with('-') {
                signed(t)
                    .and_then(|v| i64::try_from(v).ok())
                    .map(Value::from)
            } else {
                unsigned(t)
                    .and_then(|v| u64::try_from(v).ok())
                    .map(Value::from)
            };
            value.ok_or_else(|| invalid(&text, "a 64-bit integer"))
        }
        Some(Tagged::Float) => match float(yaml_trim(&text)) {
            Float::Finite(number) => Ok(Value::Number(number)),
            Float::NonFinite => Err(ErrorKind::NonFinite {
                text: text.into_owned(),
            }),
            Float::Not => Err(invalid(&text, "a number")),
        },
        Some(tag @ (Tagged::Seq | Tagged::Map)) => Err(ErrorKind::TagMismatch {
            tag: tag.name().to_owned(),
            found: "a scalar",
        }),
        Some(Tagged::Merge) => Err(ErrorKind::TagMismatch {
            tag: "!!merge".into(),
            found: "anything but the key `<<`",
        }),
    }
}

/// An untagged plain scalar, typed as serde-saphyr's `deserialize_any` types it: null, then a
/// YAML 1.1 boolean, then an integer, then a float, else text.
pub(super) fn plain(text: Cow<'_, str>) -> Result<Value, ErrorKind> {
    if is_null(&text) {
        return Ok(Value::Null);
    }
    let t = yaml_trim(&text);
    match t.as_bytes().first() {
        Some(b'0'..=b'9' | b'+' | b'-' | b'.') => {}
        // Only these begin a boolean; nothing else that begins with a letter is a number
        // (Rust's float parser reads `inf` and `nan`, but those stay text).
        Some(b't' | b'T' | b'f' | b'F' | b'y' | b'Y' | b'n' | b'N' | b'o' | b'O') => {
            return Ok(match yaml11_bool(t) {
                Some(b) => Value::Bool(b),
                None => Value::String(text.into_owned()),
            });
        }
        _ => return Ok(Value::String(text.into_owned())),
    }
    let unsigned_text = t.strip_prefix(['+', '-']).unwrap_or(t);
    // `0X1F`, `0O17`, `0B1` and `+.nan`, `-.nan` stay text.
    if matches!(unsigned_text.as_bytes(), [b'0', b'X' | b'O' | b'B', ..])
        || matches!(unsigned_text, ".nan" | ".NaN" | ".NAN") && t != unsigned_text
    {
        return Ok(Value::String(text.into_owned()));
    }
    let integer = if t.starts_with('-') {
        signed(t)
            .and_then(|v| i64::try_from(v).ok())
            .map(Value::from)
    } else {
        unsigned(t)
            .and_then(|v| u64::try_from(v).ok())
            .map(Value::from)
    };
    if let Some(integer) = integer {
        return Ok(integer);
    }
    match float(t) {
        Float::Finite(number) => Ok(Value::Number(number)),
        Float::NonFinite => Err(ErrorKind::NonFinite {
            text: text.into_owned(),
        }),
        Float::Not => Ok(Value::String(text.into_owned())),
    }
}

/// `""`, `~`, `null`, `Null`, `NULL`: a plain scalar that is nothing.
fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// The padding serde-saphyr trims before typing a scalar.
fn yaml_trim(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\r', '\n'])
}

/// YAML 1.1's booleans, any case: `true`, `yes`, `y`, `on`, `false`, `no`, `n`, `off`.
fn yaml11_bool(t: &str) -> Option<bool> {
    let is = |word: &str| t.eq_ignore_ascii_case(word);
    if is("true") || is("yes") || is("y") || is("on") {
        Some(true)
    } else if is("false") || is("no") || is("n") || is("off") {
        Some(false)
    } else {
        None
    }
}

/// A key's integer identity, as serde-saphyr compares keys: `11`, `+11`, `0xB`, `0o13` and
/// `1_1` are the same key. Zero is never negative.
fn integer_key(t: &str) -> Option<(bool, u128)> {
    if !matches!(t.as_bytes().first(), Some(b'0'..=b'9' | b'+' | b'-')) {
        return None;
    }
    if t.starts_with('-') {
        signed(t).map(|v| (v < 0, v.unsigned_abs()))
    } else {
        unsigned(t).map(|v| (false, v))
    }
}

/// An integer with an optional `+`: decimal without leading zeros, `0x`, `0o` or `0b`, with
/// single underscores between digits.
fn unsigned(t: &str) -> Option<u128> {
    if t.starts_with('-') {
        return None;
    }
    let (radix, digits) = radix(t.strip_prefix('+').unwrap_or(t));
    if radix == 10 && digits.starts_with('0') && digits != "0" {
        return None;
    }
    magnitude(digits, radix)
}

/// An integer with an optional sign, as `unsigned` reads it.
fn signed(t: &str) -> Option<i128> {
    let (negative, rest) = match t.strip_prefix('+') {
        Some(rest) => (false, rest),
        None => match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        },
    };
    let (radix, digits) = radix(rest);
    if radix == 10 && digits.starts_with('0') && digits != "0" {
        return None;
    }
    let magnitude = magnitude(digits, radix)?;
    if !negative {
        return i128::try_from(magnitude).ok();
    }
    if magnitude == i128::MIN.unsigned_abs() {
        return Some(i128::MIN);
    }
    i128::try_from(magnitude).ok().map(|v| -v)
}

fn radix(rest: &str) -> (u32, &str) {
    for (prefixes, radix) in [(["0x", "0X"], 16), (["0o", "0O"], 8), (["0b", "0B"], 2)] {
        for prefix in prefixes {
            if let Some(digits) = rest.strip_prefix(prefix) {
                return (radix, digits);
            }
        }
    }
    (10, rest)
}

/// Digits in `radix`, with single underscores between them; `None` on anything else or on
/// overflow.
fn magnitude(digits: &str, radix: u32) -> Option<u128> {
    let bytes = digits.as_bytes();
    let mut value: u128 = 0;
    let mut seen = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let before = i > 0 && bytes[i - 1] != b'_';
            let after = i + 1 < bytes.len() && bytes[i + 1] != b'_';
            if !before || !after {
                return None;
            }
            continue;
        }
        let digit = (b as char).to_digit(radix)?;
        value = value
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(digit))?;
        seen = true;
    }
    seen.then_some(value)
}

/// What a scalar is as a float.
enum Float {
    Finite(Number),
    /// `.inf`, `.nan` (any sign, three cases) or a numeral beyond `f64`.
    NonFinite,
    Not,
}

fn float(t: &str) -> Float {
    let unsigned = t
        .strip_prefix('-')
        .unwrap_or_else(|| t.strip_prefix('+').unwrap_or(t));
    if matches!(
        unsigned,
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF"
    ) {
        return Float::NonFinite;
    }
    match t.parse::<f64>() {
        Ok(v) => match Number::from_f64(v) {
            Some(number) => Float::Finite(number),
            // Rust also reads `inf`, `infinity` and `nan`: those stay text.
            None if v.is_infinite()
                && t.strip_prefix(['+', '-'])
                    .unwrap_or(t)
                    .starts_with(|c: char| c.is_ascii_digit()) =>
            {
                Float::NonFinite
            }
            None => Float::Not,
        },
        Err(_) => Float::Not,
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
pub(super) mod tests {
    use proptest::prelude::*;

    use super::*;

    include!("../../benches/support/compose_model.rs");

    /// What serde-saphyr makes of `yaml`, the reader this one replaces.
    fn saphyr(yaml: &str) -> Result<Value, String> {
        serde_saphyr::from_str::<Value>(yaml).map_err(|e| e.to_string())
    }

    /// Two readings are alike: the same value, keys in the same order. What differs otherwise.
    pub(in crate::compose) fn alike(ours: &Value, theirs: &Value) -> Result<(), String> {
        if ours != theirs {
            return Err(format!("ours {ours:?}, theirs {theirs:?}"));
        }
        // `Value`'s equality ignores the order of keys; the text does not.
        let (ours, theirs) = (ours.to_string(), theirs.to_string());
        if ours != theirs {
            return Err(format!(
                "ours {ours}, theirs {theirs}: the keys are in another order"
            ));
        }
        Ok(())
    }

    /// Both readers give the same value, keys in the same order, or both refuse.
    #[track_caller]
    fn same(yaml: &str) {
        match (parse(yaml), saphyr(yaml)) {
            (Ok(ours), Ok(theirs)) => {
                if let Err(difference) = alike(&ours, &theirs) {
                    panic!("{yaml:?}: {difference}");
                }
            }
            (Err(_), Err(_)) => {}
            (ours, theirs) => panic!("{yaml:?}: ours {ours:?}, serde-saphyr {theirs:?}"),
        }
    }

    fn value(yaml: &str) -> Value {
        parse(yaml).unwrap_or_else(|e| panic!("{yaml:?}: {e}"))
    }

    fn fails(yaml: &str) -> Error {
        parse(yaml).expect_err("should not read")
    }

    // --- what compose prints ---------------------------------------------------------------

    /// `docker compose config` (v2.40.3) of every project under tests/fixtures/compose, as
    /// captured there: `config.yaml`, and `config-debug.yaml` with `--profile debug`.
    const COMPOSE_PRINTED: [(&str, &str); 14] = [
        (
            "anchors",
            include_str!("../../tests/fixtures/compose/anchors/config.yaml"),
        ),
        (
            "compliant",
            include_str!("../../tests/fixtures/compose/compliant/config.yaml"),
        ),
        (
            "deploy",
            include_str!("../../tests/fixtures/compose/deploy/config.yaml"),
        ),
        (
            "dotenv",
            include_str!("../../tests/fixtures/compose/dotenv/config.yaml"),
        ),
        (
            "extends",
            include_str!("../../tests/fixtures/compose/extends/config.yaml"),
        ),
        (
            "include",
            include_str!("../../tests/fixtures/compose/include/config.yaml"),
        ),
        (
            "long-syntax",
            include_str!("../../tests/fixtures/compose/long-syntax/config.yaml"),
        ),
        (
            "multi-file",
            include_str!("../../tests/fixtures/compose/multi-file/config.yaml"),
        ),
        (
            "multi-service",
            include_str!("../../tests/fixtures/compose/multi-service/config.yaml"),
        ),
        (
            "partial",
            include_str!("../../tests/fixtures/compose/partial/config.yaml"),
        ),
        (
            "profiles",
            include_str!("../../tests/fixtures/compose/profiles/config.yaml"),
        ),
        (
            "profiles --profile debug",
            include_str!("../../tests/fixtures/compose/profiles/config-debug.yaml"),
        ),
        (
            "scalars",
            include_str!("../../tests/fixtures/compose/scalars/config.yaml"),
        ),
        (
            "waiver",
            include_str!("../../tests/fixtures/compose/waiver/config.yaml"),
        ),
    ];

    #[test]
    fn what_compose_printed_for_every_fixture_reads_as_serde_saphyr_reads_it() {
        for (name, printed) in COMPOSE_PRINTED {
            let ours = parse(printed).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(ours["services"].is_object(), "{name}");
            same(printed);
        }
    }

    #[test]
    fn the_scalars_compose_prints_keep_their_types() {
        let model = value(COMPOSE_PRINTED[12].1);
        let environment = &model["services"]["app"]["environment"];
        assert_eq!(
            environment["YES_WORD"], "yes",
            "compose quotes YAML 1.1 booleans"
        );
        assert_eq!(environment["NUMBER"], "42");
        assert_eq!(environment["UNSET"], Value::Null);
        let values = &model["x-values"];
        assert_eq!(values["plain"][0], "yes");
        assert_eq!(values["plain"][6], true);
        assert_eq!(values["floats"][2], 1000, "compose prints 1e3 as 1000");
        assert_eq!(values["floats"][9], 12345678901234567890_u64);
        assert_eq!(values["texts"][4], "2001-12-14T00:00:00Z");
        assert_eq!(values["texts"][6], "+.nan");
        assert_eq!(values["texts"][10], "😀");
        let big = &model["services"]["app"]["x-service"]["big"];
        assert_eq!(big.as_f64(), Some(18446744073709551616.0));
    }

    #[test]
    fn compose_prints_an_infinite_float_that_neither_reader_has_a_json_value_for() {
        // `x-i: [.Inf, -.inf, .NaN]` in a project, as `docker compose config` prints it.
        let printed =
            "name: x\nservices:\n  a:\n    image: b\nx-i:\n  - .inf\n  - -.inf\n  - .nan\n";
        let error = fails(printed);
        assert_eq!((error.line, error.column), (6, 5));
        assert_eq!(
            error.to_string(),
            "6:5: `.inf` is not a finite number, and a JSON number must be"
        );
        assert!(saphyr(printed).is_err());
    }

    #[test]
    fn the_benchs_model_reads_as_serde_saphyr_reads_it() {
        for services in [1, 20, 200] {
            let text = compose_model(services);
            same(&text);
            assert_eq!(
                value(&text)["services"].as_object().map(Map::len),
                Some(services)
            );
        }
    }

    // --- scalars ---------------------------------------------------------------------------

    /// Plain scalars of every kind serde-saphyr tells apart.
    const PLAIN: &[&str] = &[
        "~",
        "null",
        "Null",
        "NULL",
        "nULL",
        "",
        "true",
        "True",
        "TRUE",
        "tRUE",
        "yes",
        "Yes",
        "YES",
        "y",
        "Y",
        "n",
        "N",
        "no",
        "No",
        "on",
        "ON",
        "oN",
        "off",
        "Off",
        "false",
        "FALSE",
        "yess",
        "tru",
        "o",
        "t",
        "f",
        "1",
        "+1",
        "-1",
        "-0",
        "+0",
        "0",
        "00",
        "012",
        "-012",
        "+012",
        "0o17",
        "0O17",
        "0x1F",
        "0X1F",
        "0x1f",
        "0b101",
        "0B1",
        "+0x10",
        "-0x10",
        "-0b1",
        "-0o7",
        "0x",
        "0b",
        "0o",
        "0x_1",
        "0x1_F",
        "1_000",
        "1__0",
        "_1",
        "1_",
        "-_1",
        "0_1",
        "1.5",
        "1e3",
        "1E3",
        "1e+3",
        "1e-3",
        ".5",
        "1.",
        "+.5",
        "-.5",
        "1_000.5",
        ".inf",
        "-.inf",
        "+.inf",
        ".Inf",
        ".INF",
        ".iNf",
        ".nan",
        "+.nan",
        "-.nan",
        ".NaN",
        ".NAN",
        ".Nan",
        "inf",
        "-inf",
        "+inf",
        "nan",
        "NaN",
        "-nan",
        "infinity",
        "Infinity",
        "1e999",
        "-1e999",
        "1e-400",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "9223372036854775807",
        "123456789012345678901234567890",
        "0x10000000000000000",
        "0xFFFFFFFFFFFFFFFF",
        "-0x8000000000000000",
        "-0x8000000000000001",
        "0.1",
        "1.0",
        "2.50",
        "0.0",
        "-0.0",
        "1:2",
        "12:30:00",
        "2001-12-14",
        "0755",
        "0o755",
        ".",
        "+",
        "+-1",
        "-+1",
        "1e",
        "1e+",
        "e3",
        "1.5e+3",
        "1.5E-3",
        "0x1.5",
        "1,000",
        "0e0",
        "00.5",
        "01.5",
        "1_1.5",
        "1.5.5",
        "- -1",
        "1 2",
        "a b",
        "8080:80",
        "127.0.0.1",
        "1m",
        "512m",
        "0.5",
        "3s",
        "-",
        "--port",
        "svc-001",
        "é",
        "١٢",
        "０",
    ];

    #[test]
    fn plain_scalars_are_typed_as_serde_saphyr_types_them() {
        for text in PLAIN {
            same(&format!("a: {text}\n"));
            same(&format!("- {text}\n"));
            same(&format!("[{text}]\n"));
        }
    }

    #[test]
    fn the_typing_in_short() {
        let typed = |text: &str| value(&format!("a: {text}\n"))["a"].clone();
        assert_eq!(typed("~"), Value::Null);
        assert_eq!(typed(""), Value::Null);
        assert_eq!(typed("nULL"), "nULL");
        // YAML 1.1 booleans, in any case
        assert_eq!(typed("yes"), true);
        assert_eq!(typed("oFf"), false);
        assert_eq!(typed("n"), false);
        // integers: sign, radix prefixes in lower case, underscores between digits
        assert_eq!(typed("+3"), 3);
        assert_eq!(typed("-0x10"), -16);
        assert_eq!(typed("0o17"), 15);
        assert_eq!(typed("1_000"), 1000);
        assert_eq!(typed("0X1F"), "0X1F");
        assert_eq!(typed("18446744073709551615"), u64::MAX);
        // a leading zero or too many digits makes a float, not an octal or an error
        assert_eq!(typed("012"), 12.0);
        assert_eq!(typed("18446744073709551616"), 18446744073709551616.0);
        assert_eq!(typed("0x10000000000000000"), "0x10000000000000000");
        // floats as Rust reads them; words Rust reads as floats stay text
        assert_eq!(typed("1e3"), 1000.0);
        assert_eq!(typed("1."), 1.0);
        assert_eq!(typed("1e-400"), 0.0);
        assert_eq!(typed("infinity"), "infinity");
        assert_eq!(typed("+.nan"), "+.nan");
        for text in [".inf", "-.inf", ".NaN", "1e999"] {
            let error = fails(&format!("a: {text}\n"));
            assert_eq!(error.kind, ErrorKind::NonFinite { text: text.into() });
            assert_eq!((error.line, error.column), (1, 4));
        }
    }

    #[test]
    fn quoted_and_block_scalars_are_text() {
        for yaml in [
            "a: 'yes'\n",
            "a: \"012\"\n",
            "a: ''\n",
            "a: \"~\"\n",
            "a: '.inf'\n",
            "a: |\n  two\n  lines\n",
            "a: >\n  folded\n  text\n",
            "a: |-\n  1\n",
            "a: \"tab\\there \\u00e9 \\U0001F600\"\n",
            "a: 'it''s'\n",
        ] {
            same(yaml);
            assert!(value(yaml)["a"].is_string(), "{yaml:?}");
        }
    }

    #[test]
    fn core_schema_tags_are_read_as_serde_saphyr_reads_them() {
        for yaml in [
            "a: !!str 1\nb: !!str ~\nc: !!str\nd: ! 1\ne: ! ~\nf: !!str yes\ng: !!str 'x'\n",
            "a: !!int 1\nb: !!int \"5\"\nc: !!int 0x10\nd: !!int -3\ne: !!int +3\nf: !!int 0X10\n",
            "a: !!int 1_000\nb: !!int -0\nc: !!int \" 5 \"\nd: !!int |\n  5\n",
            "a: !!int 012\n",
            "a: !!int 1.5\n",
            "a: !!int\n",
            "a: !!int 18446744073709551616\n",
            "a: !!int -9223372036854775809\n",
            "a: !!float 1\nb: !!float 1.5\nc: !!float \"2\"\nd: !!float -3\ne: !!float 012\n",
            "a: !!float .inf\n",
            "a: !!float +.nan\n",
            "a: !!float 0x10\n",
            "a: !!float nan\n",
            "a: !!bool yes\nb: !!bool Y\nc: !!bool \"off\"\nd: !!bool \" true\"\n",
            "a: !!bool 1\n",
            "a: !!bool\n",
            "a: !!null x\nb: !!null\nc: !!null \"\"\n",
            "a: !!null [1]\n",
            "a: !!seq [1]\nb: !!map {x: 1}\n",
            "a: !!map [1]\n",
            "a: !!seq {x: 1}\n",
            "a: !!str [1]\n",
            "!!map {a: 1}\n",
            "! \n- \n",
            "a: ! {x: 1}\nb: ! [1]\n",
            "! <<: {a: 1}\n",
            "!!str <<: {a: 1}\n",
            "a: !<tag:yaml.org,2002:str> 1\n",
            "%TAG !e! tag:yaml.org,2002:\n---\na: !e!str 1\n",
            "!!str 1: a\n",
            "! ~: a\n",
            "!!int 1: a\n",
            "!!null x: a\n",
        ] {
            same(yaml);
        }
        assert_eq!(value("a: !!str 1\n")["a"], "1");
        assert_eq!(value("a: !!float 1\n")["a"], 1.0);
    }

    #[test]
    fn other_tags_are_refused_at_the_tag() {
        // serde-saphyr ignores these (`!reset 1` is 1) or decodes them (`!!binary`); a resolved
        // compose model has none, and ignoring `!reset` would read it backwards.
        for (yaml, at, tag) in [
            ("a: !reset 1\n", (1, 4), "!reset"),
            ("a: !override [1]\n", (1, 4), "!override"),
            ("a: !reset\n", (1, 4), "!reset"),
            ("a: !!binary aGVsbG8=\n", (1, 4), "!!binary"),
            ("a: !!timestamp 2001-12-14\n", (1, 4), "!!timestamp"),
            ("a:\n  - !custom {x: 1}\n", (2, 5), "!custom"),
            ("!local x: 1\n", (1, 1), "!local"),
        ] {
            let error = fails(yaml);
            assert_eq!(
                error.kind,
                ErrorKind::UnsupportedTag { tag: tag.into() },
                "{yaml:?}"
            );
            assert_eq!((error.line, error.column), at, "{yaml:?}");
        }
        assert_eq!(
            fails("a: !reset 1\n").to_string(),
            "1:4: the tag `!reset` is not supported: a resolved compose model has none"
        );
        let error = fails("a: !!map [1]\n");
        assert_eq!(
            error.to_string(),
            "1:4: the tag `!!map` cannot be on a list"
        );
        let error = fails("a: !!int 1.5\n");
        assert_eq!(error.to_string(), "1:10: `1.5` is not a 64-bit integer");
    }

    // --- keys, anchors, merges, documents --------------------------------------------------

    #[test]
    fn keys_anchors_merges_and_documents_read_as_serde_saphyr_reads_them() {
        for yaml in [
            "1: a\ntrue: b\n1.5: c\nyes: d\n.inf: e\n0X1: f\n'': g\n",
            "~: a\n",
            "null: a\n",
            "? \n: a\n",
            "a: {? : 2}\n",
            "a: 1\na: 2\n",
            "'a': 1\na: 2\n",
            "11: a\n0xB: b\n",
            "-0: a\n0: b\n",
            "+1: a\n1: b\n",
            "01: a\n1: b\n",
            "1_0: a\n10: b\n",
            "0o12: a\n10: b\n",
            "0X1F: a\n31: b\n",
            "1.0: a\n1: b\n",
            "[a]: 1\n",
            "{a: 1}: 2\n",
            "? |\n  x\n: 1\n",
            "&k x: 1\nb: *k\n",
            "a: &k x\n*k : 1\n",
            "&k 1: a\nb: *k\n",
            "a: &m {x: 1}\n*m : 2\n",
            "&a b: 1\n*a : 2\n",
            "a: &x 1\nb: *x\nc: &x 2\nd: *x\n",
            "a: &l [1, {b: &s yes}]\nc: *l\nd: *s\n",
            "a: &a [1, *a]\n",
            "a: &a {x: *a}\n",
            "a: *nope\n",
            "a: &a {x: 1, y: 1}\nb: {x: 0, <<: *a}\nc: {<<: *a, x: 0}\n",
            "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  w: 3\n",
            "a: &a {x: 1}\nc:\n  <<: {x: 0, v: 0}\n  <<: *a\n",
            "<<: {a: 1}\na: 2\n",
            "<<: {m: 1}\ne: 2\n",
            "'<<': 1\n<<: {a: 1}\n",
            "\"<<\": {a: 1}\n",
            "<<: &x {a: 1}\nb: *x\n",
            "a: &a {x: 1}\nb: {<<: [*a, *a]}\n",
            "a: &a {x: 1}\nb: {<<: *a, <<: *a}\n",
            "b:\n  <<: ~\n",
            "b:\n  <<:\n",
            "b:\n  <<: []\n",
            "a: &a {x: 1}\nb: {<<: [~]}\n",
            "a: &a {x: 1}\nb: {<<: [[*a]]}\n",
            "a: &a {x: 1, <<: {y: 2, x: 3}}\nb: {<<: *a, y: 0}\n",
            "a: &a {x: 1}\nb:\n  !!merge <<: *a\n",
            "a: {<<: !!map {x: 1}}\n",
            "b:\n  <<: 5\n",
            "b:\n  <<: [1]\n",
            "a: {<<: &x 5}\n",
            "a: &a 1\nb: {<<: *a}\n",
            "a: &m <<\nb: {*m : {x: 1}}\n",
            "",
            "# only a comment\n",
            "\n\n",
            "--- \n",
            "---\n...\n",
            "--- a\n...\n",
            "5\n",
            "[1, 2]\n",
            "\"x\"\n",
            "a: 1\n---\nb: 2\n",
            "a\n---\n",
            "%YAML 1.2\n---\na: 1\n",
            "\u{feff}a: 1\n",
            "a: [unclosed\n",
            "a: b: c\n",
            "\ta: 1\n",
        ] {
            same(yaml);
        }
    }

    #[test]
    fn anchors_and_merge_keys_work() {
        let model = value("base: &b {level: enforce}\nrule:\n  <<: *b\n  pids: 5\n");
        assert_eq!(model["rule"].to_string(), r#"{"pids":5,"level":"enforce"}"#);
        let model = value("a: &x 1\nb: *x\n*x : c\n");
        assert_eq!(
            model.to_string(),
            r#"{"a":1,"b":1,"1":"c"}"#,
            "typed where used"
        );
    }

    #[test]
    fn duplicate_keys_are_errors_at_the_second() {
        let error = fails("a: 1\nb:\n  c: 1\n  c: 2\n");
        assert_eq!(error.to_string(), "4:3: duplicate key 'c'");
        let error = fails("11: a\n0xB: b\n");
        assert_eq!(
            error.to_string(),
            "2:1: duplicate key '0xB': the same integer as the key '11'"
        );
        let mut yaml: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        yaml.push_str("k42: again\n");
        assert_eq!(fails(&yaml).to_string(), "101:1: duplicate key 'k42'");
    }

    #[test]
    fn keys_serde_json_would_merge_are_refused_where_serde_saphyr_keeps_the_last_value() {
        // serde-saphyr sees a string and an integer, and serde_json keeps one key: "1": b.
        assert_eq!(
            saphyr("\"1\": a\n1: b\n").unwrap().to_string(),
            r#"{"1":"b"}"#
        );
        assert_eq!(
            fails("\"1\": a\n1: b\n").to_string(),
            "2:1: duplicate key '1'"
        );
        assert_eq!(
            fails("!!str 1: a\n1: b\n").to_string(),
            "2:1: duplicate key '1'"
        );
        // Merged keys are compared as text: an explicit key wins over a merged one spelled the
        // same, and a merged `0xB` is not an explicit `11` (serde-saphyr compares integers).
        assert_eq!(
            value("a: &a {1: 1}\nb: {<<: *a, \"1\": 0}\n")["b"].to_string(),
            r#"{"1":0}"#
        );
        assert_eq!(
            value("a: &a {0xB: 1}\nb: {<<: *a, 11: 0}\n")["b"].to_string(),
            r#"{"11":0,"0xB":1}"#
        );
    }

    #[test]
    fn keys_that_are_not_strings_are_errors_at_the_key() {
        for (yaml, at, found) in [
            ("~: a\n", (1, 1), "nothing"),
            ("a: {? : 2}\n", (1, 7), "nothing"),
            ("? [a, b]\n: c\n", (1, 3), "a list"),
            ("a: &m {x: 1}\nb: {*m : 2}\n", (2, 5), "a mapping"),
        ] {
            let error = fails(yaml);
            assert_eq!(error.kind, ErrorKind::KeyNotString { found }, "{yaml:?}");
            assert_eq!((error.line, error.column), at, "{yaml:?}");
        }
        assert_eq!(
            fails("!!int 1: a\n").to_string(),
            "1:7: the tag `!!int` cannot be on a mapping key"
        );
    }

    #[test]
    fn merging_something_other_than_mappings_is_an_error_at_the_value() {
        let error = fails("b:\n  <<: 5\n");
        assert_eq!(
            error.to_string(),
            "2:7: a merge key `<<` takes a mapping or a list of mappings, found a scalar"
        );
        let error = fails("a: &a {x: 1}\nb:\n  <<: [*a, [1]]\n");
        assert_eq!((error.line, error.column), (3, 7));
        assert_eq!(error.kind, ErrorKind::Merge { found: "a scalar" });
    }

    #[test]
    fn other_errors_say_where() {
        let error = fails("a: 1\n---\nb: 2\n");
        assert_eq!(
            error.to_string(),
            "2:1: the model is one YAML document, but a second one starts here"
        );
        let error = fails("a: &a [1, *a]\n");
        assert_eq!(
            error.to_string(),
            "1:11: an alias cannot refer to the value it is part of"
        );
        let error = fails("a: *nope\n");
        assert_eq!(
            error.to_string(),
            "1:4: an alias refers to an anchor not defined before it"
        );
        let error = fails("services:\n  a: [unclosed\n");
        assert_eq!(error.line, 2);
        assert!(matches!(error.kind, ErrorKind::Syntax(_)), "{error}");
    }

    // --- limits ----------------------------------------------------------------------------

    /// `levels` anchors, each a list of ten aliases of the one before.
    fn bomb(levels: usize) -> String {
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..levels {
            let p = i - 1;
            yaml.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*a{p}"); 10].join(", ")
            ));
        }
        yaml
    }

    #[test]
    fn a_yaml_bomb_is_stopped_where_the_copies_pass_the_limit() {
        // a4 is 111,111 values; a5 (line 6) copies it ten times and passes a million.
        let error = fails(&bomb(9));
        assert_eq!(error.kind, ErrorKind::TooLarge);
        assert_eq!(error.line, 6);
        assert!(saphyr(&bomb(9)).is_err());
        let model = value(&bomb(5));
        assert_eq!(model["a4"][9][9][9][9][9], "x");
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
        // 1 + 3 × 40 deep is within the limit (serde-saphyr stops at 64)
        yaml.truncate(yaml.rfind("a3:").unwrap());
        assert!(parse(&yaml).is_ok());
        assert!(saphyr(&yaml).is_err());
        let deep = format!("a: {}\n", nested(&nested(&nested(&nested("x")))));
        assert_eq!(fails(&deep).kind, ErrorKind::TooDeep);
    }

    // --- properties ------------------------------------------------------------------------

    /// Strings that YAML could read as something else, or that need quoting or escapes.
    fn tricky_text() -> impl Strategy<Value = String> {
        let words = prop::sample::select(
            [
                "", " ", "yes", "No", "on", "~", "null", "true", "012", "0x1F", "0o7", "1e3",
                ".inf", "-.nan", "1_0", "<<", "- a", "a: b", "#c", "&a", "*a", "!t", "|", ">", "'",
                "\"", "\\", "\n", "\t", "\r\n", "  x", "x  ", "\u{feff}", "\u{85}", "\u{2028}",
                "é", "😀", "\u{7f}", "\u{1}", "---", "...", "%YAML", "@", "`", ",", "[", "]", "{",
                "}", "?", ":",
            ]
            .as_slice(),
        )
        .prop_map(str::to_owned);
        prop_oneof![
            words.clone(),
            prop::collection::vec(words, 1..5).prop_map(|w| w.concat()),
            any::<String>(),
            "[ -~]{0,12}",
        ]
    }

    /// JSON values as serde_json holds them: every number finite.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO)
                .prop_map(Value::from),
            tricky_text().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec((tricky_text(), inner), 0..8)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    /// Tokens that make YAML documents (and near misses) with anchors, merges, flow and block
    /// collections, quoting and tags; no digit, so no key is an integer.
    const TOKENS: &[&str] = &[
        "a", "b", "yes", "~", "x y", "'q'", "\"d\"", "&a ", "&b ", "*a", "*b", "<<", ": ", ":",
        "- ", "\n", "  ", "    ", "[", "]", "{", "}", ", ", "? ", "|\n", ">-\n", "---\n", "...\n",
        "#c", "!!str ", "!!map ", "!!seq ", "!!null ", "!!bool ", "! ", ".inf", "-", ".", "\t",
    ];

    fn documents() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(TOKENS), 0..48).prop_map(|t| t.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever serde-saphyr writes, both readers read back alike.
        #[test]
        fn what_serde_saphyr_writes_reads_as_serde_saphyr_reads_it(model in json()) {
            let yaml = serde_saphyr::to_string(&model).expect("serde-saphyr writes JSON values");
            let ours = parse(&yaml);
            let theirs = saphyr(&yaml);
            match (&ours, &theirs) {
                (Ok(ours), Ok(theirs)) => {
                    prop_assert_eq!(ours, theirs, "{:?}", yaml);
                    prop_assert_eq!(ours.to_string(), theirs.to_string(), "{:?}", yaml);
                }
                _ => prop_assert!(false, "{:?}: ours {:?}, serde-saphyr {:?}", yaml, ours, theirs),
            }
        }

        /// Plain scalars made of the characters that matter to typing.
        #[test]
        fn plain_scalars_from_the_number_alphabet(text in "[-+0-9._xXoObBeEaAfFiInNtTyYlLsSuU~]{1,12}") {
            for yaml in [format!("a: {text}\n"), format!("[{text}]\n"), format!("{text}: v\n")] {
                match (parse(&yaml), saphyr(&yaml)) {
                    (Ok(ours), Ok(theirs)) => {
                        prop_assert_eq!(ours.to_string(), theirs.to_string(), "{:?}", yaml);
                        prop_assert_eq!(ours, theirs, "{:?}", yaml);
                    }
                    (Err(_), Err(_)) => {}
                    (ours, theirs) => prop_assert!(false, "{:?}: ours {:?}, serde-saphyr {:?}", yaml, ours, theirs),
                }
            }
        }

        /// Documents of YAML's tokens: the same value as serde-saphyr, or both refuse.
        #[test]
        fn documents_of_yaml_tokens(yaml in documents()) {
            match (parse(&yaml), saphyr(&yaml)) {
                (Ok(ours), Ok(theirs)) => {
                    prop_assert_eq!(ours.to_string(), theirs.to_string(), "{:?}", yaml);
                    prop_assert_eq!(ours, theirs, "{:?}", yaml);
                }
                (Err(_), Err(_)) => {}
                (ours, theirs) => prop_assert!(false, "{:?}: ours {:?}, serde-saphyr {:?}", yaml, ours, theirs),
            }
        }

        /// Any text, even bytes that are not UTF-8 made into text: an answer, never a panic.
        #[test]
        fn any_text_gets_an_answer(bytes in prop::collection::vec(any::<u8>(), 0..256), text in any::<String>()) {
            let _ = parse(&String::from_utf8_lossy(&bytes));
            let _ = parse(&text);
        }
    }
}
