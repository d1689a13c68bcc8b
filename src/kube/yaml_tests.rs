use super::*;

#[test]
fn a_stream_is_split_at_its_document_markers_with_comments_kept() {
    let text = "# leading\napiVersion: v1\nkind: A\n---\nkind: B\n# between\n--- {kind: C}\n...\n# trailing\n";
    let documents = parse_stream(text).unwrap();
    let texts: Vec<&str> = documents.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "# leading\napiVersion: v1\nkind: A\n",
            "---\nkind: B\n# between\n",
            "--- {kind: C}\n...\n",
            "# trailing\n"
        ]
    );
    assert_eq!(texts.concat(), text);
    let lines: Vec<u64> = documents.iter().map(|d| d.first_line).collect();
    assert_eq!(lines, [1, 4, 7, 9]);
    let kind = documents[1].root.as_ref().unwrap().entry("kind").unwrap().0;
    assert_eq!((kind.line, kind.column), (5, 1));
    assert_eq!(
        documents[2]
            .root
            .as_ref()
            .unwrap()
            .get("kind")
            .unwrap()
            .line,
        7
    );
    assert!(documents[3].root.is_none());
}

#[test]
fn directives_belong_to_the_document_they_precede() {
    let text = "kind: A\n%YAML 1.1\n---\nkind: B\n";
    let documents = parse_stream(text).unwrap();
    assert_eq!(documents[1].text, "%YAML 1.1\n---\nkind: B\n");
    assert_eq!(
        documents[1]
            .root
            .as_ref()
            .unwrap()
            .get("kind")
            .unwrap()
            .line,
        4
    );
}

#[test]
fn an_error_is_placed_in_the_whole_stream() {
    let error = parse_stream("kind: A\n---\nkind: [\n").unwrap_err();
    assert!(error.line >= 3, "{error}");
}

#[test]
fn scalars_are_typed_as_kubectl_reads_yaml() {
    let root = parse("a: yes\nb: \"yes\"\nc: 0644\nd: 12\ne: ~\n").unwrap();
    assert_eq!(root.get("a").unwrap().as_bool(), Some(true));
    assert_eq!(root.get("b").unwrap().as_bool(), None);
    assert_eq!(root.get("c").unwrap().as_int(), None);
    assert_eq!(root.get("d").unwrap().as_int(), Some(12));
    assert!(root.get("e").unwrap().value.is_null());
}

#[test]
fn a_document_is_written_back_with_its_values_and_styles() {
    let text = "apiVersion: v1\n\"yes\": no\nlist:\n- a: 1\n  b: '0644'\n- - x\n  - 'y'\n- {}\nempty: []\nnull: ~\nblock: |\n  two\n  lines\nanchor: &a {k: v}\nalias: *a\n";
    let root = parse(text).unwrap();
    let written = write_document(&root);
    insta::assert_snapshot!(written, @r#"
    ---
    apiVersion: v1
    "yes": no
    list:
      - a: 1
        b: "0644"
      -
        - x
        - "y"
      - {}
    empty: []
    null: ~
    block: "two\nlines\n"
    anchor:
      k: v
    alias:
      k: v
    "#);
    let again = parse(&written).unwrap();
    assert_eq!(write_document(&again), written);
    assert_eq!(strip(&again), strip(&root));
}

/// A tree without positions, to compare what two texts say.
fn strip(node: &Node) -> Value {
    match &node.value {
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        Key {
                            line: 0,
                            column: 0,
                            ..k.clone()
                        },
                        Node::new(strip(v)),
                    )
                })
                .collect(),
        ),
        Value::Seq(items) => Value::Seq(items.iter().map(|i| Node::new(strip(i))).collect()),
        scalar => scalar.clone(),
    }
}

#[test]
fn text_is_plain_only_where_yaml_reads_it_back_as_text() {
    for plain in [
        "RuntimeDefault",
        "ALL",
        "/tmp",
        "hardrun-tmp",
        "io.hardrun.profile",
    ] {
        assert!(plain_safe(plain), "{plain}");
    }
    for quoted in [
        "", "yes", "on", "1", "1.0", "~", "null", "-x", "a b", "a:b", ".5", "0x1f",
    ] {
        assert!(!plain_safe(quoted), "{quoted}");
    }
}

#[test]
fn nodes_are_set_in_place_or_appended() {
    let mut root = parse("a: 1\nb: ~\n").unwrap();
    root.set("a", Node::plain("2"));
    root.child("b").unwrap().set("c", Node::text("d"));
    root.list("e").unwrap().push(Node::text("ALL"));
    assert_eq!(
        write_document(&root),
        "---\na: 2\nb:\n  c: d\ne:\n  - ALL\n"
    );
    assert!(root.child("a").is_none());
}

/// `text` read, written and read again: the written text, after checking that the second
/// reading says what the first did, as kubectl types it.
fn round_trip(text: &str) -> String {
    let root = parse(text).unwrap();
    let written = write_document(&root);
    let again = parse(&written).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(to_json(&again), to_json(&root), "{written}");
    written
}

/// Found by the `kube_manifest` fuzz target: a plain scalar over two lines reads as text with a
/// line break, and is written back quoted.
#[test]
fn a_plain_scalar_over_lines_is_written_quoted() {
    let root = parse("apiVersion: apps/v1\n\n  matchLaaSet\n").unwrap();
    let written = write_document(&root);
    assert_eq!(written, "---\napiVersion: \"apps/v1\\nmatchLaaSet\"\n");
    let again = parse(&written).unwrap();
    assert_eq!(
        again.get("apiVersion").unwrap().scalar(),
        Some("apps/v1\nmatchLaaSet")
    );
}

/// Found by the `kube_manifest` fuzz target: characters YAML does not allow unescaped (DEL, C1
/// controls, U+FFFF) made the written document unreadable; the line breaks of YAML 1.1 and the
/// byte order mark would be read otherwise by kubectl. All are escaped.
#[test]
fn characters_yaml_does_not_print_are_escaped() {
    let written = round_trip(
        "a: \"x\\x7fy\"\nb: \"\\x9b\"\nc: \"\\uFFFF\"\nd: \"\\x85\\u2028\\u2029\\uFEFF\"\ne: \"\\0\\e\\t\\r\\\\\\\"\"\nf: \"é😀\\xA0\"\n",
    );
    assert_eq!(
        written,
        "---\na: \"x\\x7Fy\"\nb: \"\\x9B\"\nc: \"\\uFFFF\"\nd: \"\\x85\\u2028\\u2029\\uFEFF\"\ne: \"\\x00\\x1B\\t\\r\\\\\\\"\"\nf: \"é😀\u{a0}\"\n"
    );
}

/// Found by the `kube_manifest` fuzz target: a flow collection allows plain scalars a block
/// does not (`?`), and a flow key may look like a document marker at the start of a
/// line. They are written quoted, which YAML types alike: as text.
#[test]
fn plain_scalars_of_flow_collections_are_quoted_where_a_block_needs_it() {
    let written = round_trip("a: [?, :x, 'a', a b, a:b]\n");
    assert_eq!(
        written,
        "---\na:\n  - \"?\"\n  - :x\n  - \"a\"\n  - a b\n  - a:b\n"
    );
    let flow_key = round_trip("k: {--- x: 1, ... y: 2}\n");
    assert_eq!(flow_key, "---\nk:\n  \"--- x\": 1\n  \"... y\": 2\n");
}

/// Found by the `kube_manifest` fuzz target: YAML limits an implicit key to 1024 characters,
/// so a longer one (written explicit, `? KEY`) is written explicit again.
#[test]
fn a_key_over_a_thousand_characters_is_written_explicit() {
    let key = "k".repeat(1100);
    let written = round_trip(&format!("a:\n  ? {key}\n  : v\n"));
    assert_eq!(written, format!("---\na:\n  ? {key}\n  : v\n"));
    let nested = round_trip(&format!("- ? {key}\n  : {{b: c}}\n"));
    assert_eq!(nested, format!("---\n- ? {key}\n  :\n    b: c\n"));
}

/// An empty plain key is YAML's null, and is written as `null`.
#[test]
fn an_empty_key_is_written_as_null() {
    let key = Key {
        plain: true,
        ..Key::new("")
    };
    let root = Node::new(Value::Map(vec![(key, Node::text("v"))]));
    assert_eq!(write_document(&root), "---\nnull: v\n");
}

/// Found by the `kube_manifest` fuzz target: a plain key may end with colons (`{064:: x}` in a
/// flow mapping), and is written plain again, its own `:` after them, so that a key YAML 1.1
/// might type keeps its style.
#[test]
fn a_plain_key_that_ends_with_a_colon_stays_plain() {
    let root = parse("labels: {064:: x, 1e3:::: y}\n").unwrap();
    let written = write_document(&root);
    assert_eq!(written, "---\nlabels:\n  064:: x\n  1e3:::: y\n");
    let again = parse(&written).unwrap();
    let Value::Map(labels) = &again.get("labels").unwrap().value else {
        panic!("{written}");
    };
    let keys: Vec<(&str, bool)> = labels
        .iter()
        .map(|(k, _)| (k.text.as_str(), k.plain))
        .collect();
    assert_eq!(keys, [("064:", true), ("1e3:::", true)]);
}
