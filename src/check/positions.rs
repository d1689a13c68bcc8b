//! Where each value of a YAML file was written: model paths (`services.web.cap_add[0]`, the
//! paths of compose origins) to the line and column of the user's text that set them.
//!
//! Read from granit-parser's events, like `compose::yaml`. A mapping entry is at its key, a
//! list item at the item. An alias gives the paths below it the places of its anchor's
//! contents, and a merge key (`<<: *defaults`) gives the merged keys the places where the
//! anchor wrote them, unless the mapping sets them itself: the line to change is the line that
//! set the value. A `NAME=value` item of an `environment` list is also found as
//! `environment.NAME`, the path of its origin.

use std::collections::HashMap;

use granit_parser::{Event, Parser, Span};

/// A place in a text: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// The places of a YAML document's values, by model path.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    places: HashMap<String, Position>,
}

impl Positions {
    /// The place of `path`, or of the nearest enclosing value that has one.
    pub fn find(&self, path: &str) -> Option<Position> {
        let mut path = path;
        loop {
            if let Some(place) = self.places.get(path) {
                return Some(*place);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }

    /// The place of `path` itself.
    pub fn exact(&self, path: &str) -> Option<Position> {
        self.places.get(path).copied()
    }
}

/// The places of `text`'s first document. A text granit-parser cannot read gives the places
/// found before the error.
pub fn index(text: &str) -> Positions {
    let options = granit_parser::options! { emit_comments: false };
    let mut walker = Walker {
        events: Parser::new_from_str_with_options(text, options),
        places: HashMap::new(),
        anchors: Vec::new(),
    };
    while let Some((event, span)) = walker.next() {
        if event.is_node() {
            walker.node(event, &span, "", false);
            break;
        }
    }
    Positions {
        places: walker.places,
    }
}

struct Walker<I> {
    events: I,
    places: HashMap<String, Position>,
    /// The path each anchor was written at, by anchor id.
    anchors: Vec<Option<String>>,
}

fn position(span: &Span) -> Position {
    Position {
        line: span.start.line() as u32,
        column: span.start.col() as u32 + 1,
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a, I: Iterator<Item = Result<(Event<'a>, Span), granit_parser::ScanError>>> Walker<I> {
    fn next(&mut self) -> Option<(Event<'a>, Span)> {
        self.events.next()?.ok()
    }

    fn record(&mut self, path: String, place: Position, merging: bool) {
        if merging {
            self.places.entry(path).or_insert(place);
        } else {
            self.places.insert(path, place);
        }
    }

    fn anchor(&mut self, id: usize, path: &str) {
        if id == 0 {
            return;
        }
        if self.anchors.len() <= id {
            self.anchors.resize(id + 1, None);
        }
        self.anchors[id] = Some(path.to_owned());
    }

    /// Copies the places below anchor `id` to below `path`.
    fn alias(&mut self, id: usize, path: &str, merging: bool) {
        let Some(Some(from)) = self.anchors.get(id).cloned() else {
            return;
        };
        let copies: Vec<(String, Position)> = self
            .places
            .iter()
            .filter_map(|(key, place)| {
                let rest = key.strip_prefix(from.as_str())?;
                let below = rest.starts_with('.') || rest.starts_with('[');
                below.then(|| {
                    let rest = rest.strip_prefix('.').unwrap_or(rest);
                    let target = if rest.starts_with('[') {
                        format!("{path}{rest}")
                    } else {
                        child(path, rest)
                    };
                    (target, *place)
                })
            })
            .collect();
        for (target, place) in copies {
            self.record(target, place, merging);
        }
    }

    /// Walks the value `event` starts, at `path`.
    fn node(&mut self, event: Event<'a>, span: &Span, path: &str, merging: bool) {
        match event {
            Event::Scalar(_, _, anchor, _) => self.anchor(anchor, path),
            Event::Alias(id) => self.alias(id, path, merging),
            Event::SequenceStart(_, anchor, _) => {
                self.anchor(anchor, path);
                let environment = path.ends_with(".environment") || path == "environment";
                let mut index = 0;
                while let Some((event, span)) = self.next() {
                    match event {
                        Event::SequenceEnd => break,
                        event if event.is_node() => {
                            let item = format!("{path}[{index}]");
                            let place = position(&span);
                            if environment && let Event::Scalar(text, ..) = &event {
                                let name = text.split_once('=').map_or(&**text, |(n, _)| n);
                                self.record(child(path, name), place, merging);
                            }
                            self.record(item.clone(), place, merging);
                            self.node(event, &span, &item, merging);
                            index += 1;
                        }
                        _ => {}
                    }
                }
            }
            Event::MappingStart(_, anchor, _) => {
                self.anchor(anchor, path);
                self.mapping(path, merging);
            }
            _ => {}
        }
        let _ = span;
    }

    fn mapping(&mut self, path: &str, merging: bool) {
        loop {
            let Some((event, span)) = self.next() else {
                return;
            };
            let key = match event {
                Event::MappingEnd => return,
                Event::Scalar(text, style, anchor, _) => {
                    self.anchor(anchor, path);
                    let merge = text == "<<" && style == granit_parser::ScalarStyle::Plain;
                    (text.into_owned(), merge)
                }
                event if event.is_node() => {
                    // A key that is not text: skip it and its value.
                    self.node(event, &span, "\u{0}", true);
                    if let Some((value, span)) = self.next_node() {
                        self.node(value, &span, "\u{0}", true);
                    }
                    continue;
                }
                _ => continue,
            };
            let Some((value, value_span)) = self.next_node() else {
                return;
            };
            match key {
                (_, true) => self.merge(value, &value_span, path),
                (key, false) => {
                    let at = child(path, &key);
                    self.record(at.clone(), position(&span), merging);
                    self.node(value, &value_span, &at, merging);
                }
            }
        }
    }

    /// The value of a merge key: an alias, a mapping, or a list of them.
    fn merge(&mut self, value: Event<'a>, span: &Span, path: &str) {
        match value {
            Event::SequenceStart(..) => {
                while let Some((event, span)) = self.next() {
                    match event {
                        Event::SequenceEnd => break,
                        event if event.is_node() => self.merge(event, &span, path),
                        _ => {}
                    }
                }
            }
            other => self.node(other, span, path, true),
        }
    }

    fn next_node(&mut self) -> Option<(Event<'a>, Span)> {
        loop {
            let (event, span) = self.next()?;
            if event.is_node() {
                return Some((event, span));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Option<Position> {
        Some(Position { line, column })
    }

    #[test]
    fn keys_and_items_are_where_they_are_written() {
        let text = "services:\n  web:\n    image: nginx\n    cap_add:\n      - SYS_ADMIN\n    environment:\n      - TOKEN=x\n";
        let places = index(text);
        assert_eq!(places.exact("services.web"), at(2, 3));
        assert_eq!(places.exact("services.web.image"), at(3, 5));
        assert_eq!(places.exact("services.web.cap_add[0]"), at(5, 9));
        assert_eq!(places.exact("services.web.environment.TOKEN"), at(7, 9));
        assert_eq!(places.find("services.web.healthcheck.test"), at(2, 3));
    }

    #[test]
    fn merged_keys_are_where_the_anchor_wrote_them_unless_set_here() {
        let text = "x-base: &base\n  privileged: true\n  user: root\nservices:\n  web:\n    <<: *base\n    user: app\n";
        let places = index(text);
        assert_eq!(places.exact("services.web.privileged"), at(2, 3));
        assert_eq!(places.exact("services.web.user"), at(7, 5));
    }

    #[test]
    fn an_alias_brings_its_anchors_places() {
        let text = "x-caps: &caps\n  - NET_ADMIN\nservices:\n  web:\n    cap_add: *caps\n";
        let places = index(text);
        assert_eq!(places.exact("services.web.cap_add"), at(5, 5));
        assert_eq!(places.exact("services.web.cap_add[0]"), at(2, 5));
    }
}
