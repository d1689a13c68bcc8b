//! A changed document written back as block YAML that kubectl reads as the tree says: plain
//! scalars and keys as they were read where a block can hold them, every other one
//! double-quoted with YAML's escapes. Pure.

use super::{Key, Node, Value};

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
/// scalars and keys are written as they were read where a block can hold them, every other one
/// double-quoted, so kubectl reads the same values and types.
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
            text if key.plain && plain_writable(text, Role::Key) => text.to_owned(),
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
        Value::Scalar { text, plain: true } if plain_writable(text, Role::Value) => text.clone(),
        Value::Scalar { text, .. } => quoted(text),
    }
}

/// The longest implicit key hardrun writes, below YAML's limit of 1024 characters.
const MAX_IMPLICIT_KEY: usize = 1000;

/// Where a scalar is written: as a key, followed by its `:`, or as a value, followed by the end
/// of its line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Key,
    Value,
}

/// Whether a scalar read plain (anywhere: a flow collection allows what a block does not) may
/// be written plain after `key: ` or `- `, or as a key, and read back as the same text: one
/// printable line that starts with no indicator, holds no `: ` or ` #`, is no document marker,
/// and, as a value, does not end with `:` (a key's own `:` follows it, so a key may). The
/// others are quoted; YAML types none of them, so kubectl reads the same text either way.
fn plain_writable(text: &str, role: Role) -> bool {
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
        && !text.ends_with([' ', '\t'])
        && (role == Role::Key || !text.ends_with(':'))
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
