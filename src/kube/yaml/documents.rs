//! A manifest's stream split into its documents, each kept as written and read into its tree,
//! positioned in the whole stream. Pure.

use super::{Error, Node, Value, parse};

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
