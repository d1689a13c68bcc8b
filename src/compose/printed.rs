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
#[allow(clippy::disallowed_methods)] // reads the fixture projects' captured output
mod tests {
    use proptest::prelude::*;

    use super::super::yaml::general;
    use super::*;

    include!("../../benches/support/compose_model.rs");

    /// This reader reads `yaml`, and as the general reader does: same value, same key order.
    #[track_caller]
    fn fast(yaml: &str) -> Value {
        let ours = read(yaml).unwrap_or_else(|| panic!("not read fast: {yaml:?}"));
        let general = general(yaml).unwrap_or_else(|e| panic!("{yaml:?}: {e}"));
        assert_eq!(ours, general, "{yaml:?}");
        assert_eq!(ours.to_string(), general.to_string(), "{yaml:?}");
        ours
    }

    /// This reader leaves `yaml` to the general reader.
    #[track_caller]
    fn falls_back(yaml: &str) {
        assert_eq!(read(yaml), None, "{yaml:?}");
    }

    /// If this reader answers, the general reader gives the same value.
    fn agrees(yaml: &str) -> Result<(), TestCaseError> {
        if let Some(ours) = read(yaml) {
            let general = general(yaml);
            prop_assert!(
                general.is_ok(),
                "{:?}: ours {:?}, general {:?}",
                yaml,
                ours,
                general
            );
            let general = general.unwrap();
            prop_assert_eq!(ours.to_string(), general.to_string(), "{:?}", yaml);
            prop_assert_eq!(ours, general, "{:?}", yaml);
        }
        Ok(())
    }

    #[test]
    fn what_compose_printed_for_every_fixture_is_read_fast_and_alike() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compose");
        let mut read_fast = 0;
        for project in std::fs::read_dir(&root).expect("the fixture projects") {
            let project = project.unwrap().path();
            for file in std::fs::read_dir(&project).unwrap() {
                let file = file.unwrap().path();
                let name = file.file_name().unwrap().to_string_lossy().into_owned();
                if name.starts_with("config") && name.ends_with(".yaml") {
                    let printed = std::fs::read_to_string(&file).unwrap();
                    assert!(fast(&printed)["services"].is_object(), "{}", file.display());
                    read_fast += 1;
                }
            }
        }
        assert!(
            read_fast >= 14,
            "every fixture project's output: {read_fast}"
        );
    }

    #[test]
    fn the_benchs_model_is_read_fast_and_alike() {
        for services in [1, 20, 200] {
            let model = fast(&compose_model(services));
            assert_eq!(model["services"].as_object().map(Map::len), Some(services));
        }
    }

    #[test]
    fn compose_style_edge_cases_are_read_fast_and_alike() {
        for yaml in [
            "a: b\n",
            "name: x\nservices:\n  a:\n    image: b\n    x-hardrun:\n      allow:\n        - healthcheck\n      reason: \"needs: root\"\n",
            // Special scalars: plain ones typed, quoted ones text.
            "a:\n  - yes\n  - \"yes\"\n  - on\n  - 'on'\n  - null\n  - ~\n  - Null\n  - \"~\"\n  - \"null\"\n  - y\n  - N\n  - off\n  - OFF\n",
            "a:\n  - 1\n  - -1\n  - 0x1F\n  - 0o17\n  - 012\n  - 1_000\n  - 1.5\n  - 1e3\n  - -0\n  - 1e+300\n  - 18446744073709551616\n  - 0X1F\n  - +.nan\n  - inf\n  - 1:2\n  - 2001-12-14\n",
            // Quoting and escapes.
            "a:\n  - \"\"\n  - ''\n  - '''q'''\n  - 'it''s'\n  - \"a\\\"b\"\n  - \"tab\\there\"\n  - \"\\U0001F600\\u00e9\\x41\"\n  - \"\\0\\a\\b\\n\\v\\f\\r\\e\\ \\/\\\\\\N\\_\\L\\P\"\n  - ' lead'\n  - 'trail '\n  - 'a: b'\n  - '#c'\n  - a#b\n  - it's\n  - say \"hi\"\n",
            // Keys: quoted, with dots, dashes and spaces, YAML words as text.
            "\"1\": one\n\"true\": t\n'~': t\nyes: y\nno: n\ncom.example.key: v\nx-y z: w\n\"a: b\": c\n",
            // Empty collections and nothing.
            "a: []\nb: {}\nc:\nd: null\ne:\n  - []\n  - {}\n  -\n  - x\n",
            // Nested compact lists and mappings in lists.
            "a:\n  - - 1\n    - - 2\n      - d: e\n        f:\n          - g\n  - h: i\n    j: k\n  - l\n",
            // Literal block scalars: strip and clip, indented lines, empty lines, a `#` and a
            // `- ` in the text.
            "a: |-\n  one\n    two\n\n  # three\n  - four\nb: |\n  x\n\n\nc: |-\n  y\n\n",
            "a:\n  - |-\n    echo 'hi' && printf '%s\n    ' \"$$HOME\"\n  - |\n    z\n  - k: |-\n      v\n    w: x\n",
            "a: ß — ✓ 日本 😀\nb: a long line that goes on and on past eighty columns of text, to see whether it wraps or not\n",
            "a: -c\nb: --port\nc: ---\nd: ...\ne: <<\nf: a[b]{c},d\n",
            "\nname: x\n\nservices:\n\n  a:\n    image: b\n\n",
        ] {
            fast(yaml);
        }
    }

    #[test]
    fn what_compose_does_not_print_is_left_to_the_general_reader() {
        for yaml in [
            "",
            "a: b",
            "\n\n",
            "- a\n",
            "a\n",
            "  a: b\n",
            "a: b # comment\n",
            "# comment\na: b\n",
            "---\na: b\n",
            "a: b\n---\nc: d\n",
            "a: b\n...\n",
            "%YAML 1.2\n---\na: b\n",
            "a: &x b\nc: *x\n",
            "a: !!str 1\n",
            "a:\n  <<: {b: c}\n",
            "<<: {b: c}\n",
            "a: [b]\n",
            "a: {b: c}\n",
            "a: \"b\n  c\"\n",
            "a: 'b\n  c'\n",
            "a: b\n  c\n",
            "a: >-\n  b\n",
            "a: |+\n  b\n",
            "a: |2\n   b\n",
            "a: |\n  b\n  \n  c\n",
            "a: |\n    b\n  c\n",
            "a: |\n",
            "a:\n- b\n",
            "a: b\na: c\n",
            "1: a\n",
            "~: a\n",
            "null: a\n",
            ": a\n",
            "a : b\n",
            "a:b: c\n",
            "a:  b\n",
            "a: b \n",
            "a: b: c\n",
            "a: b:\n",
            "a: - b\n",
            "a: \"b\" \n",
            "a: \"\\q\"\n",
            "a: \"\\ud800\"\n",
            "a:\tb\n",
            "a: b\r\n",
            "\u{feff}a: b\n",
            "a: \u{85}\n",
            "a: \u{2028}\n",
            "a: .inf\n",
            "a: 1e999\n",
            "a:\n  - b\n   - c\n",
            "a:\n  b: c\n d: e\n",
            "a:\n  - b\n  c: d\n",
            "a:\n  - \n",
            "? a\n: b\n",
            "a: 'x' y\n",
        ] {
            falls_back(yaml);
            // What `parse` gives is the general reader's answer, value or error.
            assert_eq!(super::super::yaml::parse(yaml), general(yaml), "{yaml:?}");
        }
        let deep = (0..=MAX_DEPTH).fold(String::new(), |mut y, level| {
            y.push_str(&" ".repeat(2 * level));
            y.push_str("a:\n");
            y
        });
        falls_back(&deep);
    }

    // --- generated documents -------------------------------------------------------------

    /// How a scalar is written: as Compose would (`0`), or forced plain, single-quoted,
    /// double-quoted, double-quoted with everything escaped, or literal, whether or not that
    /// is right for the text.
    type Style = u8;

    fn printable_char(c: char) -> bool {
        matches!(c, ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
            && !matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
    }

    fn double(text: &str, all: bool) -> String {
        let mut out = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if all && !c.is_ascii_alphanumeric() => {
                    let code = c as u32;
                    match code {
                        0..=0xff => out.push_str(&format!("\\x{code:02x}")),
                        0x100..=0xffff => out.push_str(&format!("\\u{code:04X}")),
                        _ => out.push_str(&format!("\\U{code:08x}")),
                    }
                }
                c if printable_char(c) => out.push(c),
                c => out.push_str(&format!("\\u{:04x}", c as u32)),
            }
        }
        out.push('"');
        out
    }

    /// `text` as a scalar after `key: ` or `- ` whose parent is at column `indent`.
    fn scalar(text: &str, style: Style, indent: usize) -> String {
        let plain_text = plain(Cow::Borrowed(text)).ok() == Some(Value::String(text.into()));
        match style % 6 {
            0 if !text.is_empty()
                && plain_safe(text)
                && plain_text
                && text.chars().all(printable_char) =>
            {
                text.to_owned()
            }
            0 if text.contains('\n')
                && !text.trim_end_matches('\n').is_empty()
                && text.trim_end_matches('\n').len() + 1 >= text.len()
                && !text.starts_with(' ')
                && text.split('\n').all(|l| {
                    l.chars().all(printable_char) && !l.ends_with(' ') && !l.starts_with(' ')
                }) =>
            {
                literal(text, indent)
            }
            1 if !text.is_empty() => text.to_owned(),
            2 => format!("'{}'", text.replace('\'', "''")),
            4 => double(text, true),
            5 => literal(text, indent),
            _ => double(text, false),
        }
    }

    fn literal(text: &str, indent: usize) -> String {
        let (header, body) = match text.strip_suffix('\n') {
            Some(body) => ("|", body),
            None => ("|-", text),
        };
        let mut out = header.to_owned();
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&" ".repeat(indent + 2));
                out.push_str(line);
            }
        }
        out
    }

    fn key_text(key: &str, style: Style) -> String {
        match style % 4 {
            0 if plain_key(key) && key.chars().all(printable_char) && !key.contains(": ") => {
                key.to_owned()
            }
            1 if !key.is_empty() => key.to_owned(),
            2 => format!("'{}'", key.replace('\'', "''")),
            _ => double(key, false),
        }
    }

    /// What comes after `key:` or `-` for `value`, whose parent is at column `indent`.
    fn after(
        value: &Value,
        styles: &mut dyn Iterator<Item = Style>,
        indent: usize,
        out: &mut String,
    ) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                out.push('\n');
                mapping(map, styles, indent + 2, out);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                sequence(items, styles, indent + 2, out);
            }
            Value::Object(_) => out.push_str(" {}\n"),
            Value::Array(_) => out.push_str(" []\n"),
            Value::Null => out.push_str(" null\n"),
            Value::Bool(b) => out.push_str(&format!(" {b}\n")),
            Value::Number(n) => out.push_str(&format!(" {n}\n")),
            Value::String(s) => {
                let style = styles.next().unwrap_or(0);
                out.push(' ');
                out.push_str(&scalar(s, style, indent));
                out.push('\n');
            }
        }
    }

    fn mapping(
        map: &Map<String, Value>,
        styles: &mut dyn Iterator<Item = Style>,
        indent: usize,
        out: &mut String,
    ) {
        for (key, value) in map {
            out.push_str(&" ".repeat(indent));
            let style = styles.next().unwrap_or(0);
            out.push_str(&key_text(key, style));
            out.push(':');
            after(value, styles, indent, out);
        }
    }

    fn sequence(
        items: &[Value],
        styles: &mut dyn Iterator<Item = Style>,
        indent: usize,
        out: &mut String,
    ) {
        for item in items {
            out.push_str(&" ".repeat(indent));
            out.push('-');
            let mut nested = String::new();
            match item {
                Value::Object(map) if !map.is_empty() => {
                    mapping(map, styles, indent + 2, &mut nested)
                }
                Value::Array(items) if !items.is_empty() => {
                    sequence(items, styles, indent + 2, &mut nested)
                }
                _ => {
                    after(item, styles, indent, out);
                    continue;
                }
            }
            out.push(' ');
            out.push_str(&nested[indent + 2..]);
        }
    }

    /// A document in Compose's style: `value` under a root key, scalars in `styles`.
    fn document(value: &Value, styles: &[Style]) -> String {
        let mut out = String::new();
        let mut styles = styles.iter().copied().chain(std::iter::repeat(0));
        let root: Map<String, Value> = [("root".to_owned(), value.clone())].into_iter().collect();
        mapping(&root, &mut styles, 0, &mut out);
        out
    }

    fn text() -> impl Strategy<Value = String> {
        let words = prop::sample::select(
            [
                "",
                " ",
                "yes",
                "No",
                "on",
                "~",
                "null",
                "true",
                "012",
                "0x1F",
                "0o7",
                "1e3",
                ".inf",
                "-.nan",
                "1_0",
                "<<",
                "- a",
                "a: b",
                "#c",
                " #c",
                "&a",
                "*a",
                "!t",
                "|",
                ">",
                "'",
                "\"",
                "\\",
                "\n",
                "\t",
                "  x",
                "x  ",
                "\u{feff}",
                "\u{85}",
                "\u{2028}",
                "é",
                "😀",
                "\u{7f}",
                "\u{1}",
                "---",
                "...",
                "%YAML",
                "@",
                "`",
                ",",
                "[",
                "]",
                "{",
                "}",
                "?",
                ":",
                "-",
                "a",
                "b c",
                "x-hardrun",
                "1.5",
                "-1",
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

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (prop::num::f64::NORMAL | prop::num::f64::ZERO).prop_map(Value::from),
            text().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((text(), inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    /// Lines of Compose's style, and near misses, put together at random.
    const TOKENS: &[&str] = &[
        "a",
        "b",
        "yes",
        "~",
        "null",
        "x y",
        "'q'",
        "\"d\"",
        "\"\\x41\"",
        "''",
        ": ",
        ":",
        "- ",
        "-",
        "\n",
        "  ",
        "    ",
        " ",
        "[]",
        "{}",
        "|\n",
        "|-\n",
        "#",
        " #",
        "1",
        "-1",
        "1.5",
        "0x1",
        "é",
        "&a",
        "*a",
        "!!str ",
        "<<",
        "---",
        "'",
        "\"",
        "\\",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Models written as Compose writes them are read fast, and alike.
        #[test]
        fn models_in_composes_style_are_read_fast_and_alike(value in json()) {
            let yaml = document(&value, &[]);
            let ours = read(&yaml);
            prop_assert!(ours.is_some(), "not read fast: {:?}", yaml);
            agrees(&yaml)?;
        }

        /// Written with any scalar style, right or wrong: when this reader answers, it
        /// answers as the general reader does.
        #[test]
        fn models_in_any_style_read_alike(value in json(), styles in prop::collection::vec(any::<u8>(), 0..64)) {
            agrees(&document(&value, &styles))?;
        }

        /// Documents of Compose's tokens: when this reader answers, it answers alike.
        #[test]
        fn documents_of_tokens_read_alike(tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..40)) {
            let mut yaml = tokens.concat();
            yaml.push('\n');
            agrees(&yaml)?;
        }
    }
}
