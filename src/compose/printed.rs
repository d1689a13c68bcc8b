//! A fast reader for the YAML `docker compose config` prints, with the general reader
//! (`yaml::general`, granit-parser's events) behind it for anything else.
//!
//! Compose prints one regular subset of YAML: a block mapping at the root, block collections
//! indented by two spaces (a list's `- ` two spaces deeper than its key, a mapping in a list
//! item starting on the dash's line), plain, single- and double-quoted scalars on one line,
//! literal block scalars (`|`, `|-`) for text with line breaks, `[]` and `{}` for empty
//! collections, and no comments, tags, anchors, aliases, merge keys or flow collections.
//! This reader reads that subset line by line into the `Value`, typing plain scalars with
//! `yaml::plain`, and gives up (`None`) at the first thing outside it, or that it is not sure
//! how YAML reads: a tab or control character anywhere, a comment, a document marker, an
//! unexpected indentation, a plain key that is empty, nothing (`~`, `null`), `<<` or could be
//! a number, a plain scalar with `: ` or ` #` in it or that begins with an indicator, a
//! quoted scalar that does not end on its line, an escape it does not know, a block scalar
//! with an indentation indicator, `+` chomping or a line of spaces only, a duplicate key, a
//! scalar the general reader would refuse, or nesting deeper than `MAX_DEPTH`. `yaml::parse`
//! then reads the text with the general reader, which gives the value or the error.
//!
//! So whenever this reader answers, its answer is what the general reader gives: the tests
//! compare the two on what Compose printed for every fixture project, on the bench's model and
//! on generated documents in Compose's style and outside it.

use std::borrow::Cow;

use serde_json::map::Entry;
use serde_json::{Map, Value};

use super::yaml::plain;

/// The deepest this reader goes (the root mapping is at depth 1); deeper models are left to
/// the general reader, whose own limit is `yaml::MAX_DEPTH`.
const MAX_DEPTH: usize = 64;

/// Reads `text` if it is in the subset Compose prints, else `None`.
pub(super) fn read(text: &str) -> Option<Value> {
    // Without a line break at the end, a block scalar's last line would have none.
    if !text.ends_with('\n') || !printable(text.as_bytes()) {
        return None;
    }
    let mut reader = Reader {
        lines: lines(text),
        at: 0,
        depth: 0,
    };
    reader.skip_blank();
    let first = reader.lines.get(reader.at)?;
    if first.indent != 0 {
        return None;
    }
    let root = reader.mapping(0)?;
    reader.skip_blank();
    (reader.at == reader.lines.len()).then_some(Value::Object(root))
}

/// Whether every character is one YAML reads as itself in any context: no tab, carriage
/// return or other control character, no C1 control (U+0080–U+009F, NEL among them), no
/// U+2028/U+2029 (line breaks to YAML 1.1), no byte order mark, no U+FFFE/U+FFFF.
fn printable(bytes: &[u8]) -> bool {
    // Most of the text is printable ASCII and line breaks, checked 16 bytes at a time; a
    // block with anything else is checked byte by byte (a character that begins in a block
    // makes it one).
    const BLOCK: usize = 16;
    let mut blocks = bytes.chunks_exact(BLOCK);
    let mut at = 0;
    for block in &mut blocks {
        let plain = block.iter().fold(true, |plain, &b| {
            plain & (b.wrapping_sub(0x20) < 0x5f || b == b'\n')
        });
        if !plain && !printable_from(bytes, at, at + BLOCK) {
            return false;
        }
        at += BLOCK;
    }
    printable_from(bytes, at, bytes.len())
}

/// `printable` for the characters that begin in `bytes[from..to]`.
fn printable_from(bytes: &[u8], from: usize, to: usize) -> bool {
    let mut i = from;
    while i < to {
        let b = bytes[i];
        match b {
            b'\n' | 0x20..=0x7e => {}
            0x00..=0x1f | 0x7f => return false,
            0xc2 if matches!(bytes.get(i + 1), Some(0x80..=0x9f)) => return false,
            0xe2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9)) =>
            {
                return false;
            }
            0xef if bytes.get(i + 1) == Some(&0xbb) && bytes.get(i + 2) == Some(&0xbf) => {
                return false;
            }
            0xef if bytes.get(i + 1) == Some(&0xbf)
                && matches!(bytes.get(i + 2), Some(0xbe | 0xbf)) =>
            {
                return false;
            }
            _ => {}
        }
        i += 1;
    }
    true
}

/// One line: its indentation (leading spaces) and the rest, up to its line break.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    indent: usize,
    rest: &'a str,
}

impl Line<'_> {
    /// Spaces only, or nothing.
    fn is_blank(&self) -> bool {
        self.rest.is_empty()
    }

    /// `-` alone or `- …`: a list item.
    fn is_item(&self) -> bool {
        self.rest == "-" || self.rest.starts_with("- ")
    }
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::with_capacity(text.len() / 16);
    for line in text.split_terminator('\n') {
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        lines.push(Line {
            indent,
            rest: &line[indent..],
        });
    }
    lines
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    /// The next line to read.
    at: usize,
    depth: usize,
}

/// What follows a mapping key's `:`.
enum After<'a> {
    /// Nothing on the key's line: the value is on the lines below, or is nothing.
    Below,
    /// The value's text on the key's line.
    Inline(&'a str),
}

impl<'a> Reader<'a> {
    fn skip_blank(&mut self) {
        while self.lines.get(self.at).is_some_and(Line::is_blank) {
            self.at += 1;
        }
    }

    /// The next line that is not blank, not consumed.
    fn peek(&mut self) -> Option<Line<'a>> {
        self.skip_blank();
        self.lines.get(self.at).copied()
    }

    fn deeper(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// A block mapping whose keys are at column `indent`, from the current line on.
    fn mapping(&mut self, indent: usize) -> Option<Map<String, Value>> {
        self.deeper()?;
        let mut map = Map::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || line.is_item() {
                return None;
            }
            let (key, after) = key(line.rest)?;
            self.at += 1;
            let value = match after {
                After::Below => self.below(indent, false)?,
                After::Inline(text) => self.inline(text, indent)?,
            };
            match map.entry(key) {
                Entry::Vacant(entry) => {
                    entry.insert(value);
                }
                Entry::Occupied(_) => return None,
            }
        }
        self.depth -= 1;
        Some(map)
    }

    /// A block list whose dashes are at column `indent`, from the current line on.
    fn sequence(&mut self, indent: usize) -> Option<Vec<Value>> {
        self.deeper()?;
        let mut items = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || !line.is_item() {
                return None;
            }
            let item = if line.rest == "-" {
                self.at += 1;
                self.below(indent, true)?
            } else {
                self.item(&line.rest[2..], indent + 2, indent)?
            };
            items.push(item);
        }
        self.depth -= 1;
        Some(items)
    }

    /// The value of a list item whose text (`rest`, at column `column`) is on the dash's
    /// line: a list or mapping that starts there, or a scalar. The current line is the dash's.
    fn item(&mut self, rest: &'a str, column: usize, dash: usize) -> Option<Value> {
        if rest.is_empty() {
            return None;
        }
        let line = Line {
            indent: column,
            rest,
        };
        if line.is_item() {
            self.lines[self.at] = line;
            return self.sequence(column).map(Value::Array);
        }
        if key(rest).is_some() {
            self.lines[self.at] = line;
            return self.mapping(column).map(Value::Object);
        }
        self.at += 1;
        self.inline(rest, dash)
    }

    /// The value of a key (or dash) at column `indent` with nothing after it on its line: a
    /// collection on the lines below, deeper than it, or nothing. A list at the key's own
    /// column (`key:` then `- a` under it) is valid YAML but not Compose's style.
    fn below(&mut self, indent: usize, in_list: bool) -> Option<Value> {
        let Some(line) = self.peek() else {
            return Some(Value::Null);
        };
        if line.indent <= indent {
            if line.indent == indent && line.is_item() && !in_list {
                return None;
            }
            return Some(Value::Null);
        }
        if line.is_item() {
            self.sequence(line.indent).map(Value::Array)
        } else {
            self.mapping(line.indent).map(Value::Object)
        }
    }

    /// A value written after `key: ` or `- ` (the line already consumed), its parent at
    /// column `parent`.
    fn inline(&mut self, text: &'a str, parent: usize) -> Option<Value> {
        match text.as_bytes()[0] {
            b'"' => match double_quoted(&text[1..])? {
                (value, "") => Some(Value::String(value.into_owned())),
                _ => None,
            },
            b'\'' => match single_quoted(&text[1..])? {
                (value, "") => Some(Value::String(value.into_owned())),
                _ => None,
            },
            b'[' if text == "[]" => Some(Value::Array(Vec::new())),
            b'{' if text == "{}" => Some(Value::Object(Map::new())),
            b'|' => {
                let strip = match text {
                    "|" => false,
                    "|-" => true,
                    _ => return None,
                };
                self.literal(parent, strip).map(Value::String)
            }
            _ if plain_safe(text) => plain(Cow::Borrowed(text)).ok(),
            _ => None,
        }
    }

    /// The lines of a literal block scalar deeper than `parent`; `strip` for `|-`, else `|`.
    fn literal(&mut self, parent: usize, strip: bool) -> Option<String> {
        let mut text = String::new();
        let mut content = None;
        // Line breaks not yet written: they belong to the text only if content follows.
        let mut breaks = 0;
        while let Some(line) = self.lines.get(self.at) {
            if line.is_blank() {
                if line.indent != 0 {
                    return None;
                }
                breaks += 1;
                self.at += 1;
                continue;
            }
            if line.indent <= parent {
                break;
            }
            let indent = *content.get_or_insert(line.indent);
            if line.indent < indent {
                return None;
            }
            if text.is_empty() && breaks == 0 {
                text.reserve(line.rest.len() + 1);
            }
            for _ in 0..breaks {
                text.push('\n');
            }
            for _ in indent..line.indent {
                text.push(' ');
            }
            text.push_str(line.rest);
            breaks = 1;
            self.at += 1;
        }
        content?;
        if !strip {
            text.push('\n');
        }
        Some(text)
    }
}

/// A mapping key at the start of `rest` and what follows its `:`, if `rest` is an entry this
/// reader reads.
fn key(rest: &str) -> Option<(String, After<'_>)> {
    let (key, after) = match rest.as_bytes().first()? {
        b'"' => {
            let (key, after) = double_quoted(&rest[1..])?;
            (key.into_owned(), after.strip_prefix(':')?)
        }
        b'\'' => {
            let (key, after) = single_quoted(&rest[1..])?;
            (key.into_owned(), after.strip_prefix(':')?)
        }
        _ => {
            let colon = rest.find(':')?;
            let (key, after) = (&rest[..colon], &rest[colon + 1..]);
            if !plain_key(key) {
                return None;
            }
            (key.to_owned(), after)
        }
    };
    match after.strip_prefix(' ') {
        _ if after.is_empty() => Some((key, After::Below)),
        Some(value) if !value.is_empty() => Some((key, After::Inline(value))),
        _ => None,
    }
}

/// A plain key this reader reads as YAML would: text, not a number or nothing or `<<`, with no
/// character that could mean something else.
fn plain_key(key: &str) -> bool {
    let Some(&first) = key.as_bytes().first() else {
        return false;
    };
    !(first.is_ascii_digit()
        || b"-+.~?:,[]{}#&*!|>'\"%@`< ".contains(&first)
        || key.ends_with(' ')
        || key.bytes().any(|b| b == b'#' || b == b':')
        || matches!(key, "null" | "Null" | "NULL"))
}

/// A plain scalar value this reader reads as YAML would: on one line, no indicator first
/// (but `-` before a character), no `: ` or ` #` in it, no `:` or space last.
fn plain_safe(text: &str) -> bool {
    let bytes = text.as_bytes();
    let first = bytes[0];
    if b"?:,[]{}#&*!|>'\"%@` ".contains(&first)
        || (first == b'-' && matches!(bytes.get(1), None | Some(b' ')))
    {
        return false;
    }
    !(text.ends_with([' ', ':'])
        || bytes
            .windows(2)
            .any(|pair| matches!(pair, [b':', b' '] | [b' ', b'#'])))
}

/// A double-quoted scalar's text, after its opening `"`, and what follows its closing `"`;
/// `None` if it does not close on this line or has an escape this reader does not know.
fn double_quoted(text: &str) -> Option<(Cow<'_, str>, &str)> {
    let end = text.find(['"', '\\'])?;
    if text.as_bytes()[end] == b'"' {
        return Some((Cow::Borrowed(&text[..end]), &text[end + 1..]));
    }
    let mut value = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let end = rest.find(['"', '\\'])?;
        value.push_str(&rest[..end]);
        if rest.as_bytes()[end] == b'"' {
            return Some((Cow::Owned(value), &rest[end + 1..]));
        }
        let escape = rest[end + 1..].chars().next()?;
        rest = &rest[end + 1 + escape.len_utf8()..];
        let hex = match escape {
            '0' => Some('\0'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            't' => Some('\t'),
            'n' => Some('\n'),
            'v' => Some('\u{b}'),
            'f' => Some('\u{c}'),
            'r' => Some('\r'),
            'e' => Some('\u{1b}'),
            ' ' => Some(' '),
            '"' => Some('"'),
            '/' => Some('/'),
            '\\' => Some('\\'),
            'N' => Some('\u{85}'),
            '_' => Some('\u{a0}'),
            'L' => Some('\u{2028}'),
            'P' => Some('\u{2029}'),
            'x' | 'u' | 'U' => None,
            _ => return None,
        };
        let c = match hex {
            Some(c) => c,
            None => {
                let digits = match escape {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let code = rest.get(..digits)?;
                if !code.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                rest = &rest[digits..];
                char::from_u32(u32::from_str_radix(code, 16).ok()?)?
            }
        };
        value.push(c);
    }
}

/// A single-quoted scalar's text, after its opening `'`, and what follows its closing `'`;
/// `None` if it does not close on this line.
fn single_quoted(text: &str) -> Option<(Cow<'_, str>, &str)> {
    let end = text.find('\'')?;
    if text.as_bytes().get(end + 1) != Some(&b'\'') {
        return Some((Cow::Borrowed(&text[..end]), &text[end + 1..]));
    }
    let mut value = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let end = rest.find('\'')?;
        value.push_str(&rest[..end]);
        if rest.as_bytes().get(end + 1) == Some(&b'\'') {
            value.push('\'');
            rest = &rest[end + 2..];
        } else {
            return Some((Cow::Owned(value), &rest[end + 1..]));
        }
    }
}

#[cfg(test)]
#[path = "printed_tests.rs"]
mod tests;
