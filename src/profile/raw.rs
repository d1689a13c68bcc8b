//! A profile's YAML as a tree of values that remember where they were written.
//!
//! Profiles are written by people, so every mistake must be reported at its file, line and
//! column with a suggestion. Reading YAML into this span-carrying tree first, then walking it by
//! hand, lets hardrun check keys per rule and say exactly where a value is wrong.
//!
//! The tree is built straight from granit-parser's events by `yaml_tree`, which is much cheaper
//! than going through serde: this runs on every `hardrun` invocation. Besides plain YAML it
//! handles anchors and aliases, merge keys (`<<: *a`, `<<: [*a, *b]`) and duplicate keys, limits
//! how far aliases may expand (YAML bombs), and refuses what a profile has no use for: tags and
//! more than one document.

use std::borrow::Cow;

use crate::yaml_tree::{self, Position, Shape, Subject, Tree};

pub use crate::yaml_tree::{Error, ErrorKind};

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

/// What a profile is, for the tree's limits and messages.
pub static SUBJECT: Subject = Subject {
    max_nodes: MAX_NODES,
    max_depth: MAX_DEPTH,
    plural: "profiles",
    whole: "the profile",
    second_document: "a profile is one YAML document, but a second one starts here",
};

/// Parses YAML text (one document) into a node tree. An empty document is `Value::Null`.
pub fn parse(text: &str) -> Result<Node, Error> {
    yaml_tree::parse(text, &SUBJECT)
}

impl Tree for Node {
    type Key = Key;

    /// Plain `~`, `null`, `Null`, `NULL` and empty are `Null`, everything else (and every quoted
    /// or block scalar) is its text.
    fn scalar(text: Cow<'_, str>, plain: bool, (line, column): Position) -> Node {
        let null = plain && matches!(&*text, "" | "~" | "null" | "Null" | "NULL");
        let value = if null {
            Value::Null
        } else {
            Value::Scalar(text.into_owned())
        };
        Node {
            value,
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

    fn key(text: String, _plain: bool, (line, column): Position) -> Key {
        Key { text, line, column }
    }

    fn key_text(key: &Key) -> &str {
        &key.text
    }

    fn key_plain(_key: &Key) -> bool {
        true
    }

    fn key_at(key: &Key) -> Position {
        key.at()
    }

    fn shape(&self) -> Shape<'_, Node> {
        match &self.value {
            Value::Null => Shape::Null,
            Value::Scalar(text) => Shape::Scalar(text, false),
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

#[cfg(test)]
#[path = "raw_tests.rs"]
mod tests;
