//! The tests of `raw`: positions, scalars as written, anchors, aliases and merge keys, and
//! every error at its line and column, YAML bombs and deep nesting included.

use super::*;

fn map(node: &Node) -> &[(Key, Node)] {
    match &node.value {
        Value::Map(entries) => entries,
        other => panic!("expected a mapping, found {other:?}"),
    }
}

fn keys(node: &Node) -> Vec<&str> {
    map(node).iter().map(|(k, _)| k.text.as_str()).collect()
}

/// The value at `key` of a mapping node.
fn get<'n>(node: &'n Node, key: &str) -> &'n Node {
    let entry = map(node).iter().find(|(k, _)| k.text == key);
    &entry.unwrap_or_else(|| panic!("no key {key}")).1
}

fn text(node: &Node) -> &str {
    match &node.value {
        Value::Scalar(text) => text,
        other => panic!("expected a scalar, found {other:?}"),
    }
}

fn fails(yaml: &str) -> Error {
    parse(yaml).expect_err("should not parse")
}

#[test]
fn nodes_know_their_line_and_column() {
    let node = parse("rules:\n  memory-limit:\n    memory: 512m\n").unwrap();
    let top = map(&node);
    assert_eq!(top[0].0.text, "rules");
    assert_eq!(top[0].0.at(), (1, 1));
    let rules = map(&top[0].1);
    assert_eq!(rules[0].0.at(), (2, 3));
    assert_eq!(top[0].1.at(), (2, 3));
    let params = map(&rules[0].1);
    assert_eq!(params[0].1.value, Value::Scalar("512m".into()));
    assert_eq!(params[0].1.at(), (3, 13));
}

#[test]
fn positions_skip_anchors_and_point_into_flow_collections() {
    let node = parse("a:   &q   1\nb: [x, {c: d}]\n").unwrap();
    assert_eq!(get(&node, "a").at(), (1, 11));
    let Value::Seq(items) = &get(&node, "b").value else {
        panic!()
    };
    assert_eq!(get(&node, "b").at(), (2, 4));
    assert_eq!(items[0].at(), (2, 5));
    assert_eq!(items[1].at(), (2, 8));
    assert_eq!(map(&items[1])[0].0.at(), (2, 9));
    assert_eq!(get(&items[1], "c").at(), (2, 12));
}

#[test]
fn scalars_keep_yaml_typed_values_as_text() {
    let node = parse("a: 1.0\nb: 100\nc: true\nd: ~\ne: [x, y]\n").unwrap();
    let values: Vec<&Value> = map(&node).iter().map(|(_, v)| &v.value).collect();
    assert_eq!(values[0], &Value::Scalar("1.0".into()));
    assert_eq!(values[1], &Value::Scalar("100".into()));
    assert_eq!(values[2], &Value::Scalar("true".into()));
    assert_eq!(values[3], &Value::Null);
    assert!(matches!(values[4], Value::Seq(_)));
}

#[test]
fn scalars_are_the_text_written() {
    let yaml = "a: yes\nb: 012\nc: 0x10\nd: 1.50\ne: .inf\nf: 'null'\ng: \"~\"\nh: nULL\n\
                i: |\n  two\n  lines\nj: ''\n";
    let node = parse(yaml).unwrap();
    let texts: Vec<&str> = map(&node).iter().map(|(_, v)| text(v)).collect();
    assert_eq!(
        texts,
        [
            "yes",
            "012",
            "0x10",
            "1.50",
            ".inf",
            "null",
            "~",
            "nULL",
            "two\nlines\n",
            ""
        ]
    );
}

#[test]
fn plain_nulls_and_empty_values_are_null() {
    let node = parse("a: ~\nb: null\nc: Null\nd: NULL\ne:\nf:\n  -\n  - x\n").unwrap();
    for key in ["a", "b", "c", "d", "e"] {
        assert_eq!(get(&node, key).value, Value::Null, "{key}");
    }
    let Value::Seq(items) = &get(&node, "f").value else {
        panic!()
    };
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].value, Value::Null);
    assert_eq!(items[0].at(), (7, 4));
}

#[test]
fn keys_are_the_text_written() {
    let node = parse("~: a\n1: b\n'x y': c\n").unwrap();
    assert_eq!(keys(&node), ["~", "1", "x y"]);
}

#[test]
fn an_empty_document_is_null() {
    assert_eq!(parse("").unwrap().value, Value::Null);
    assert_eq!(parse("# nothing\n").unwrap().value, Value::Null);
    assert_eq!(parse("---\n...\n").unwrap().value, Value::Null);
}

#[test]
fn anchors_and_merge_keys_work() {
    let node = parse("base: &b {level: enforce}\nrule:\n  <<: *b\n  pids: 5\n").unwrap();
    assert_eq!(keys(get(&node, "rule")), ["pids", "level"]);
    assert_eq!(text(get(get(&node, "rule"), "level")), "enforce");
}

#[test]
fn an_alias_is_a_copy_of_the_anchored_value_positioned_at_the_alias() {
    let yaml = "base: &b\n  level: enforce\n  drop: [ALL]\nname: &n web\nrule: *b\nother: *n\n";
    let node = parse(yaml).unwrap();
    let base = get(&node, "base");
    let rule = get(&node, "rule");
    assert_eq!(rule.value, crate::yaml_tree::copy_at(base, (5, 7)).value);
    assert_eq!(rule.at(), (5, 7));
    assert_eq!(map(rule)[0].0.at(), (5, 7));
    assert_eq!(get(rule, "drop").at(), (5, 7));
    assert_eq!(map(base)[0].0.at(), (2, 3), "the original keeps its place");
    assert_eq!(text(get(&node, "other")), "web");
    assert_eq!(get(&node, "other").at(), (6, 8));
}

#[test]
fn an_alias_as_a_key_gives_its_text() {
    let node = parse("a: &k level\nb: {*k : deny}\n").unwrap();
    assert_eq!(keys(get(&node, "b")), ["level"]);
}

#[test]
fn an_anchor_can_be_redefined() {
    let node = parse("a: &x 1\nb: *x\nc: &x 2\nd: *x\n").unwrap();
    assert_eq!(text(get(&node, "b")), "1");
    assert_eq!(text(get(&node, "d")), "2");
}

#[test]
fn explicit_keys_beat_merged_keys_wherever_the_merge_is() {
    let yaml = "a: &a {x: 1, y: 1}\n\
                before: {x: 0, <<: *a}\n\
                after: {<<: *a, x: 0}\n";
    let node = parse(yaml).unwrap();
    for name in ["before", "after"] {
        let merged = get(&node, name);
        assert_eq!(keys(merged), ["x", "y"], "{name}");
        assert_eq!(text(get(merged, "x")), "0", "{name}");
        assert_eq!(text(get(merged, "y")), "1", "{name}");
    }
}

#[test]
fn among_merged_mappings_the_earlier_wins() {
    let yaml = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  w: 3\n";
    let node = parse(yaml).unwrap();
    let c = get(&node, "c");
    assert_eq!(keys(c), ["w", "x", "y", "z"]);
    assert_eq!(text(get(c, "y")), "1");
    assert_eq!(text(get(c, "z")), "2");
    // merged entries are positioned at the alias that brought them
    assert_eq!(get(c, "x").at(), (4, 8));
    assert_eq!(get(c, "z").at(), (4, 12));
}

#[test]
fn several_merge_keys_and_inline_mappings_merge_in_order() {
    let yaml = "a: &a {x: 1}\nc:\n  <<: {x: 0, v: 0}\n  <<: *a\n";
    let c = parse(yaml).unwrap();
    let c = get(&c, "c");
    assert_eq!(keys(c), ["x", "v"]);
    assert_eq!(text(get(c, "x")), "0");
}

#[test]
fn a_quoted_merge_key_is_an_ordinary_key() {
    let node = parse("'<<': {a: 1}\n").unwrap();
    assert_eq!(keys(&node), ["<<"]);
}

#[test]
fn merging_something_other_than_mappings_is_an_error_at_it() {
    let error = fails("b:\n  <<: 5\n");
    assert_eq!((error.line, error.column), (2, 7));
    assert_eq!(error.kind, ErrorKind::Merge { found: "a scalar" });
    let error = fails("a: &a {x: 1}\nb:\n  <<: [*a, [1]]\n");
    assert_eq!((error.line, error.column), (3, 12));
    assert_eq!(error.kind, ErrorKind::Merge { found: "a list" });
}

#[test]
fn duplicate_keys_are_errors_with_a_location() {
    let error = fails("a: 1\na: 2\n");
    assert_eq!((error.line, error.column), (2, 1));
    assert_eq!(
        error.kind,
        ErrorKind::DuplicateKey {
            key: "a".into(),
            first_line: 1
        }
    );
    assert_eq!(error.message(), "duplicate key 'a' (first at line 1)");
    let error = fails("x:\n  b: 1\n  c: {d: 1, d: 2}\n");
    assert_eq!((error.line, error.column), (3, 13));
}

#[test]
fn duplicate_keys_are_found_in_large_mappings_too() {
    let mut yaml: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
    yaml.push_str("k42: again\n");
    let error = fails(&yaml);
    assert_eq!((error.line, error.column), (101, 1));
    assert_eq!(
        error.kind,
        ErrorKind::DuplicateKey {
            key: "k42".into(),
            first_line: 43
        }
    );
    yaml.truncate(yaml.len() - "k42: again\n".len());
    assert_eq!(map(&parse(&yaml).unwrap()).len(), 100);
}

#[test]
fn a_second_document_is_an_error_at_its_start() {
    let error = fails("a: 1\n---\nb: 2\n");
    assert_eq!(error.kind, ErrorKind::MultipleDocuments);
    assert_eq!((error.line, error.column), (2, 1));
    assert_eq!(fails("a: 1\n---\n").kind, ErrorKind::MultipleDocuments);
    assert!(parse("---\na: 1\n...\n").is_ok());
}

#[test]
fn tags_are_refused_at_the_tag() {
    for (yaml, at) in [
        ("a: !!str 1\n", (1, 4)),
        ("a: !custom x\n", (1, 4)),
        ("!!map {a: 1}\n", (1, 1)),
        ("a: !!seq [x]\n", (1, 4)),
        ("a:\n  - ! x\n", (2, 5)),
        ("!k a: 1\n", (1, 1)),
    ] {
        let error = fails(yaml);
        assert_eq!(error.kind, ErrorKind::Tag, "{yaml:?}");
        assert_eq!((error.line, error.column), at, "{yaml:?}");
    }
    assert_eq!(
        fails("a: !!str x\n").message(),
        "tags are not supported in profiles"
    );
}

#[test]
fn syntax_errors_have_the_parsers_location_and_message() {
    let error = fails("rules:\n  memory-limit: [unclosed\n");
    assert_eq!((error.line, error.column), (2, 17));
    let ErrorKind::Syntax(message) = &error.kind else {
        panic!("{error:?}")
    };
    assert!(message.contains('['), "{message}");
    let error = fails("a: *nope\n");
    assert_eq!((error.line, error.column), (1, 4));
    assert_eq!(
        error.kind,
        ErrorKind::Syntax("an alias refers to an anchor not defined before it".into())
    );
}

#[test]
fn collections_as_keys_are_errors() {
    let error = fails("? [a, b]\n: c\n");
    assert_eq!(error.kind, ErrorKind::ComplexKey { found: "a list" });
    assert_eq!((error.line, error.column), (1, 3));
    let error = fails("a: &m {x: 1}\nb: {*m : 2}\n");
    assert_eq!(error.kind, ErrorKind::ComplexKey { found: "a mapping" });
}

#[test]
fn an_alias_inside_its_own_anchor_is_an_error() {
    let error = fails("a: &a [1, *a]\n");
    assert_eq!(error.kind, ErrorKind::RecursiveAlias);
    assert_eq!((error.line, error.column), (1, 11));
    assert_eq!(fails("a: &a {x: *a}\n").kind, ErrorKind::RecursiveAlias);
}

#[test]
fn a_yaml_bomb_is_stopped() {
    let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        yaml.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let error = fails(&yaml);
    assert_eq!(error.kind, ErrorKind::TooLarge);
    assert_eq!(error.line, 5, "stopped where the count passes the limit");
}

#[test]
fn the_node_limit_counts_keys_values_and_copies() {
    // a0 is 1 + 10 values; each further level is 1 + 10 copies of the one before.
    let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..4 {
        let p = i - 1;
        yaml.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let node = parse(&yaml).unwrap();
    let Value::Seq(items) = &get(&node, "a3").value else {
        panic!()
    };
    assert_eq!(items.len(), 10);
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
    // 1 + 3 × 40 deep is within the limit
    yaml.truncate(yaml.rfind("a3:").unwrap());
    assert!(parse(&yaml).is_ok());
    let error = fails(&format!("a: {}\n", nested(&nested(&nested(&nested("x"))))));
    assert_eq!(error.kind, ErrorKind::TooDeep);
}
