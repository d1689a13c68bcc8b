#![allow(clippy::disallowed_methods)] // reads the fixture projects' captured output

use proptest::prelude::*;

use super::super::yaml::general;
use super::super::yaml::tests::alike;
use super::*;

include!("../../benches/support/compose_model.rs");

/// This reader reads `yaml`, and as the general reader does: same value, same key order.
#[track_caller]
fn fast(yaml: &str) -> Value {
    let ours = read(yaml).unwrap_or_else(|| panic!("not read fast: {yaml:?}"));
    let general = general(yaml).unwrap_or_else(|e| panic!("{yaml:?}: {e}"));
    if let Err(difference) = alike(&ours, &general) {
        panic!("{yaml:?}: {difference}");
    }
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
        let general = general(yaml)
            .map_err(|e| TestCaseError::fail(format!("{yaml:?}: ours {ours:?}, general {e}")))?;
        alike(&ours, &general).map_err(|d| TestCaseError::fail(format!("{yaml:?}: {d}")))?;
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
fn after(value: &Value, styles: &mut dyn Iterator<Item = Style>, indent: usize, out: &mut String) {
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
            Value::Object(map) if !map.is_empty() => mapping(map, styles, indent + 2, &mut nested),
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
