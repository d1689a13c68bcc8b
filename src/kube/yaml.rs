//! A Kubernetes manifest's YAML: a stream of documents (`documents`), each a tree of values that
//! remember where they were written and how (plain or quoted), and the writer that puts a
//! hardened document back into YAML (`write`).
//!
//! The tree is built from granit-parser's events by `yaml_tree`, as a profile's is (anchors and
//! aliases copied, merge keys, duplicate keys refused, limits on aliases and depth, tags
//! refused), with two differences a manifest needs: a stream holds many documents, split at
//! their `---` lines and kept verbatim so that a document hardrun does not change is handed on
//! as the user wrote it; and a scalar keeps its style, since kubectl reads YAML 1.1 (a plain
//! `yes` is `true`, a plain `0644` is 420) and a document hardrun does change must say the same
//! to kubectl after it is written back. Comments of a changed document are not kept. Pure.

use std::borrow::Cow;

use crate::yaml_tree::{self, Position, Shape, Subject, Tree};

mod documents;
mod write;

pub use crate::yaml_tree::{Error, ErrorKind};
pub use documents::{Document, parse_stream};
pub use write::{plain_safe, write_document};

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

/// What a manifest's document is, for the tree's limits and messages.
pub static SUBJECT: Subject = Subject {
    max_nodes: MAX_NODES,
    max_depth: MAX_DEPTH,
    plural: "manifests",
    whole: "the document",
    second_document: "a second YAML document starts inside this one",
};

/// Parses YAML text (one document) into a node tree. An empty document is a plain empty scalar.
pub fn parse(text: &str) -> Result<Node, Error> {
    yaml_tree::parse(text, &SUBJECT)
}

impl Tree for Node {
    type Key = Key;

    fn scalar(text: Cow<'_, str>, plain: bool, (line, column): Position) -> Node {
        Node {
            value: Value::Scalar {
                text: text.into_owned(),
                plain,
            },
            line,
            column,
        }
    }

    fn seq(items: Vec<Node>, (line, column): Position) -> Node {
        Node {
            value: Value::Seq(items),
            line,
            column,
        }
    }

    fn map(entries: Vec<(Key, Node)>, (line, column): Position) -> Node {
        Node {
            value: Value::Map(entries),
            line,
            column,
        }
    }

    fn key(text: String, plain: bool, (line, column): Position) -> Key {
        Key {
            text,
            plain,
            line,
            column,
        }
    }

    fn key_text(key: &Key) -> &str {
        &key.text
    }

    fn key_plain(key: &Key) -> bool {
        key.plain
    }

    fn key_at(key: &Key) -> Position {
        key.at()
    }

    fn shape(&self) -> Shape<'_, Node> {
        match &self.value {
            Value::Scalar { text, plain } => Shape::Scalar(text, *plain),
            Value::Seq(items) => Shape::Seq(items),
            Value::Map(entries) => Shape::Map(entries),
        }
    }

    fn at(&self) -> Position {
        Node::at(self)
    }

    fn kind(&self) -> &'static str {
        self.value.kind()
    }

    fn into_entries(self) -> Result<Vec<(Key, Node)>, Node> {
        match self.value {
            Value::Map(entries) => Ok(entries),
            _ => Err(self),
        }
    }

    fn into_items(self) -> Result<Vec<Node>, Node> {
        match self.value {
            Value::Seq(items) => Ok(items),
            _ => Err(self),
        }
    }
}

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

#[cfg(test)]
#[path = "yaml_tests.rs"]
mod tests;
