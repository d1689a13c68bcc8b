use proptest::prelude::*;

use super::*;

include!("../../benches/support/compose_model.rs");

/// What serde-saphyr makes of `yaml`, the reader this one replaces.
fn saphyr(yaml: &str) -> Result<Value, String> {
    serde_saphyr::from_str::<Value>(yaml).map_err(|e| e.to_string())
}

/// Two readings are alike: the same value, keys in the same order. What differs otherwise.
pub(in crate::compose) fn alike(ours: &Value, theirs: &Value) -> Result<(), String> {
    if ours != theirs {
        return Err(format!("ours {ours:?}, theirs {theirs:?}"));
    }
    // `Value`'s equality ignores the order of keys; the text does not.
    let (ours, theirs) = (ours.to_string(), theirs.to_string());
    if ours != theirs {
        return Err(format!(
            "ours {ours}, theirs {theirs}: the keys are in another order"
        ));
    }
    Ok(())
}

/// Both readers give the same value, keys in the same order, or both refuse.
#[track_caller]
fn same(yaml: &str) {
    match (parse(yaml), saphyr(yaml)) {
        (Ok(ours), Ok(theirs)) => {
            if let Err(difference) = alike(&ours, &theirs) {
                panic!("{yaml:?}: {difference}");
            }
        }
        (Err(_), Err(_)) => {}
        (ours, theirs) => panic!("{yaml:?}: ours {ours:?}, serde-saphyr {theirs:?}"),
    }
}

fn value(yaml: &str) -> Value {
    parse(yaml).unwrap_or_else(|e| panic!("{yaml:?}: {e}"))
}

fn fails(yaml: &str) -> Error {
    parse(yaml).expect_err("should not read")
}

// --- what compose prints ---------------------------------------------------------------

/// `docker compose config` (v2.40.3) of every project under tests/fixtures/compose, as
/// captured there: `config.yaml`, and `config-debug.yaml` with `--profile debug`.
const COMPOSE_PRINTED: [(&str, &str); 14] = [
    (
        "anchors",
        include_str!("../../tests/fixtures/compose/anchors/config.yaml"),
    ),
    (
        "compliant",
        include_str!("../../tests/fixtures/compose/compliant/config.yaml"),
    ),
    (
        "deploy",
        include_str!("../../tests/fixtures/compose/deploy/config.yaml"),
    ),
    (
        "dotenv",
        include_str!("../../tests/fixtures/compose/dotenv/config.yaml"),
    ),
    (
        "extends",
        include_str!("../../tests/fixtures/compose/extends/config.yaml"),
    ),
    (
        "include",
        include_str!("../../tests/fixtures/compose/include/config.yaml"),
    ),
    (
        "long-syntax",
        include_str!("../../tests/fixtures/compose/long-syntax/config.yaml"),
    ),
    (
        "multi-file",
        include_str!("../../tests/fixtures/compose/multi-file/config.yaml"),
    ),
    (
        "multi-service",
        include_str!("../../tests/fixtures/compose/multi-service/config.yaml"),
    ),
    (
        "partial",
        include_str!("../../tests/fixtures/compose/partial/config.yaml"),
    ),
    (
        "profiles",
        include_str!("../../tests/fixtures/compose/profiles/config.yaml"),
    ),
    (
        "profiles --profile debug",
        include_str!("../../tests/fixtures/compose/profiles/config-debug.yaml"),
    ),
    (
        "scalars",
        include_str!("../../tests/fixtures/compose/scalars/config.yaml"),
    ),
    (
        "waiver",
        include_str!("../../tests/fixtures/compose/waiver/config.yaml"),
    ),
];

#[test]
fn what_compose_printed_for_every_fixture_reads_as_serde_saphyr_reads_it() {
    for (name, printed) in COMPOSE_PRINTED {
        let ours = parse(printed).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(ours["services"].is_object(), "{name}");
        same(printed);
    }
}

#[test]
fn the_scalars_compose_prints_keep_their_types() {
    let model = value(COMPOSE_PRINTED[12].1);
    let environment = &model["services"]["app"]["environment"];
    assert_eq!(
        environment["YES_WORD"], "yes",
        "compose quotes YAML 1.1 booleans"
    );
    assert_eq!(environment["NUMBER"], "42");
    assert_eq!(environment["UNSET"], Value::Null);
    let values = &model["x-values"];
    assert_eq!(values["plain"][0], "yes");
    assert_eq!(values["plain"][6], true);
    assert_eq!(values["floats"][2], 1000, "compose prints 1e3 as 1000");
    assert_eq!(values["floats"][9], 12345678901234567890_u64);
    assert_eq!(values["texts"][4], "2001-12-14T00:00:00Z");
    assert_eq!(values["texts"][6], "+.nan");
    assert_eq!(values["texts"][10], "😀");
    let big = &model["services"]["app"]["x-service"]["big"];
    assert_eq!(big.as_f64(), Some(18446744073709551616.0));
}

#[test]
fn compose_prints_an_infinite_float_that_neither_reader_has_a_json_value_for() {
    // `x-i: [.Inf, -.inf, .NaN]` in a project, as `docker compose config` prints it.
    let printed = "name: x\nservices:\n  a:\n    image: b\nx-i:\n  - .inf\n  - -.inf\n  - .nan\n";
    let error = fails(printed);
    assert_eq!((error.line, error.column), (6, 5));
    assert_eq!(
        error.to_string(),
        "6:5: `.inf` is not a finite number, and a JSON number must be"
    );
    assert!(saphyr(printed).is_err());
}

#[test]
fn the_benchs_model_reads_as_serde_saphyr_reads_it() {
    for services in [1, 20, 200] {
        let text = compose_model(services);
        same(&text);
        assert_eq!(
            value(&text)["services"].as_object().map(Map::len),
            Some(services)
        );
    }
}

// --- scalars ---------------------------------------------------------------------------

/// Plain scalars of every kind serde-saphyr tells apart.
const PLAIN: &[&str] = &[
    "~",
    "null",
    "Null",
    "NULL",
    "nULL",
    "",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "yes",
    "Yes",
    "YES",
    "y",
    "Y",
    "n",
    "N",
    "no",
    "No",
    "on",
    "ON",
    "oN",
    "off",
    "Off",
    "false",
    "FALSE",
    "yess",
    "tru",
    "o",
    "t",
    "f",
    "1",
    "+1",
    "-1",
    "-0",
    "+0",
    "0",
    "00",
    "012",
    "-012",
    "+012",
    "0o17",
    "0O17",
    "0x1F",
    "0X1F",
    "0x1f",
    "0b101",
    "0B1",
    "+0x10",
    "-0x10",
    "-0b1",
    "-0o7",
    "0x",
    "0b",
    "0o",
    "0x_1",
    "0x1_F",
    "1_000",
    "1__0",
    "_1",
    "1_",
    "-_1",
    "0_1",
    "1.5",
    "1e3",
    "1E3",
    "1e+3",
    "1e-3",
    ".5",
    "1.",
    "+.5",
    "-.5",
    "1_000.5",
    ".inf",
    "-.inf",
    "+.inf",
    ".Inf",
    ".INF",
    ".iNf",
    ".nan",
    "+.nan",
    "-.nan",
    ".NaN",
    ".NAN",
    ".Nan",
    "inf",
    "-inf",
    "+inf",
    "nan",
    "NaN",
    "-nan",
    "infinity",
    "Infinity",
    "1e999",
    "-1e999",
    "1e-400",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "9223372036854775807",
    "123456789012345678901234567890",
    "0x10000000000000000",
    "0xFFFFFFFFFFFFFFFF",
    "-0x8000000000000000",
    "-0x8000000000000001",
    "0.1",
    "1.0",
    "2.50",
    "0.0",
    "-0.0",
    "1:2",
    "12:30:00",
    "2001-12-14",
    "0755",
    "0o755",
    ".",
    "+",
    "+-1",
    "-+1",
    "1e",
    "1e+",
    "e3",
    "1.5e+3",
    "1.5E-3",
    "0x1.5",
    "1,000",
    "0e0",
    "00.5",
    "01.5",
    "1_1.5",
    "1.5.5",
    "- -1",
    "1 2",
    "a b",
    "8080:80",
    "127.0.0.1",
    "1m",
    "512m",
    "0.5",
    "3s",
    "-",
    "--port",
    "svc-001",
    "é",
    "١٢",
    "０",
];

#[test]
fn plain_scalars_are_typed_as_serde_saphyr_types_them() {
    for text in PLAIN {
        same(&format!("a: {text}\n"));
        same(&format!("- {text}\n"));
        same(&format!("[{text}]\n"));
    }
}

#[test]
fn the_typing_in_short() {
    let typed = |text: &str| value(&format!("a: {text}\n"))["a"].clone();
    assert_eq!(typed("~"), Value::Null);
    assert_eq!(typed(""), Value::Null);
    assert_eq!(typed("nULL"), "nULL");
    // YAML 1.1 booleans, in any case
    assert_eq!(typed("yes"), true);
    assert_eq!(typed("oFf"), false);
    assert_eq!(typed("n"), false);
    // integers: sign, radix prefixes in lower case, underscores between digits
    assert_eq!(typed("+3"), 3);
    assert_eq!(typed("-0x10"), -16);
    assert_eq!(typed("0o17"), 15);
    assert_eq!(typed("1_000"), 1000);
    assert_eq!(typed("0X1F"), "0X1F");
    assert_eq!(typed("18446744073709551615"), u64::MAX);
    // a leading zero or too many digits makes a float, not an octal or an error
    assert_eq!(typed("012"), 12.0);
    assert_eq!(typed("18446744073709551616"), 18446744073709551616.0);
    assert_eq!(typed("0x10000000000000000"), "0x10000000000000000");
    // floats as Rust reads them; words Rust reads as floats stay text
    assert_eq!(typed("1e3"), 1000.0);
    assert_eq!(typed("1."), 1.0);
    assert_eq!(typed("1e-400"), 0.0);
    assert_eq!(typed("infinity"), "infinity");
    assert_eq!(typed("+.nan"), "+.nan");
    for text in [".inf", "-.inf", ".NaN", "1e999"] {
        let error = fails(&format!("a: {text}\n"));
        assert_eq!(error.kind, ErrorKind::NonFinite { text: text.into() });
        assert_eq!((error.line, error.column), (1, 4));
    }
}

#[test]
fn quoted_and_block_scalars_are_text() {
    for yaml in [
        "a: 'yes'\n",
        "a: \"012\"\n",
        "a: ''\n",
        "a: \"~\"\n",
        "a: '.inf'\n",
        "a: |\n  two\n  lines\n",
        "a: >\n  folded\n  text\n",
        "a: |-\n  1\n",
        "a: \"tab\\there \\u00e9 \\U0001F600\"\n",
        "a: 'it''s'\n",
    ] {
        same(yaml);
        assert!(value(yaml)["a"].is_string(), "{yaml:?}");
    }
}

#[test]
fn core_schema_tags_are_read_as_serde_saphyr_reads_them() {
    for yaml in [
        "a: !!str 1\nb: !!str ~\nc: !!str\nd: ! 1\ne: ! ~\nf: !!str yes\ng: !!str 'x'\n",
        "a: !!int 1\nb: !!int \"5\"\nc: !!int 0x10\nd: !!int -3\ne: !!int +3\nf: !!int 0X10\n",
        "a: !!int 1_000\nb: !!int -0\nc: !!int \" 5 \"\nd: !!int |\n  5\n",
        "a: !!int 012\n",
        "a: !!int 1.5\n",
        "a: !!int\n",
        "a: !!int 18446744073709551616\n",
        "a: !!int -9223372036854775809\n",
        "a: !!float 1\nb: !!float 1.5\nc: !!float \"2\"\nd: !!float -3\ne: !!float 012\n",
        "a: !!float .inf\n",
        "a: !!float +.nan\n",
        "a: !!float 0x10\n",
        "a: !!float nan\n",
        "a: !!bool yes\nb: !!bool Y\nc: !!bool \"off\"\nd: !!bool \" true\"\n",
        "a: !!bool 1\n",
        "a: !!bool\n",
        "a: !!null x\nb: !!null\nc: !!null \"\"\n",
        "a: !!null [1]\n",
        "a: !!seq [1]\nb: !!map {x: 1}\n",
        "a: !!map [1]\n",
        "a: !!seq {x: 1}\n",
        "a: !!str [1]\n",
        "!!map {a: 1}\n",
        "! \n- \n",
        "a: ! {x: 1}\nb: ! [1]\n",
        "! <<: {a: 1}\n",
        "!!str <<: {a: 1}\n",
        "a: !<tag:yaml.org,2002:str> 1\n",
        "%TAG !e! tag:yaml.org,2002:\n---\na: !e!str 1\n",
        "!!str 1: a\n",
        "! ~: a\n",
        "!!int 1: a\n",
        "!!null x: a\n",
    ] {
        same(yaml);
    }
    assert_eq!(value("a: !!str 1\n")["a"], "1");
    assert_eq!(value("a: !!float 1\n")["a"], 1.0);
}

#[test]
fn other_tags_are_refused_at_the_tag() {
    // serde-saphyr ignores these (`!reset 1` is 1) or decodes them (`!!binary`); a resolved
    // compose model has none, and ignoring `!reset` would read it backwards.
    for (yaml, at, tag) in [
        ("a: !reset 1\n", (1, 4), "!reset"),
        ("a: !override [1]\n", (1, 4), "!override"),
        ("a: !reset\n", (1, 4), "!reset"),
        ("a: !!binary aGVsbG8=\n", (1, 4), "!!binary"),
        ("a: !!timestamp 2001-12-14\n", (1, 4), "!!timestamp"),
        ("a:\n  - !custom {x: 1}\n", (2, 5), "!custom"),
        ("!local x: 1\n", (1, 1), "!local"),
    ] {
        let error = fails(yaml);
        assert_eq!(
            error.kind,
            ErrorKind::UnsupportedTag { tag: tag.into() },
            "{yaml:?}"
        );
        assert_eq!((error.line, error.column), at, "{yaml:?}");
    }
    assert_eq!(
        fails("a: !reset 1\n").to_string(),
        "1:4: the tag `!reset` is not supported: a resolved compose model has none"
    );
    let error = fails("a: !!map [1]\n");
    assert_eq!(
        error.to_string(),
        "1:4: the tag `!!map` cannot be on a list"
    );
    let error = fails("a: !!int 1.5\n");
    assert_eq!(error.to_string(), "1:10: `1.5` is not a 64-bit integer");
}

// --- keys, anchors, merges, documents --------------------------------------------------

#[test]
fn keys_anchors_merges_and_documents_read_as_serde_saphyr_reads_them() {
    for yaml in [
        "1: a\ntrue: b\n1.5: c\nyes: d\n.inf: e\n0X1: f\n'': g\n",
        "~: a\n",
        "null: a\n",
        "? \n: a\n",
        "a: {? : 2}\n",
        "a: 1\na: 2\n",
        "'a': 1\na: 2\n",
        "11: a\n0xB: b\n",
        "-0: a\n0: b\n",
        "+1: a\n1: b\n",
        "01: a\n1: b\n",
        "1_0: a\n10: b\n",
        "0o12: a\n10: b\n",
        "0X1F: a\n31: b\n",
        "1.0: a\n1: b\n",
        "[a]: 1\n",
        "{a: 1}: 2\n",
        "? |\n  x\n: 1\n",
        "&k x: 1\nb: *k\n",
        "a: &k x\n*k : 1\n",
        "&k 1: a\nb: *k\n",
        "a: &m {x: 1}\n*m : 2\n",
        "&a b: 1\n*a : 2\n",
        "a: &x 1\nb: *x\nc: &x 2\nd: *x\n",
        "a: &l [1, {b: &s yes}]\nc: *l\nd: *s\n",
        "a: &a [1, *a]\n",
        "a: &a {x: *a}\n",
        "a: *nope\n",
        "a: &a {x: 1, y: 1}\nb: {x: 0, <<: *a}\nc: {<<: *a, x: 0}\n",
        "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  w: 3\n",
        "a: &a {x: 1}\nc:\n  <<: {x: 0, v: 0}\n  <<: *a\n",
        "<<: {a: 1}\na: 2\n",
        "<<: {m: 1}\ne: 2\n",
        "'<<': 1\n<<: {a: 1}\n",
        "\"<<\": {a: 1}\n",
        "<<: &x {a: 1}\nb: *x\n",
        "a: &a {x: 1}\nb: {<<: [*a, *a]}\n",
        "a: &a {x: 1}\nb: {<<: *a, <<: *a}\n",
        "b:\n  <<: ~\n",
        "b:\n  <<:\n",
        "b:\n  <<: []\n",
        "a: &a {x: 1}\nb: {<<: [~]}\n",
        "a: &a {x: 1}\nb: {<<: [[*a]]}\n",
        "a: &a {x: 1, <<: {y: 2, x: 3}}\nb: {<<: *a, y: 0}\n",
        "a: &a {x: 1}\nb:\n  !!merge <<: *a\n",
        "a: {<<: !!map {x: 1}}\n",
        "b:\n  <<: 5\n",
        "b:\n  <<: [1]\n",
        "a: {<<: &x 5}\n",
        "a: &a 1\nb: {<<: *a}\n",
        "a: &m <<\nb: {*m : {x: 1}}\n",
        "",
        "# only a comment\n",
        "\n\n",
        "--- \n",
        "---\n...\n",
        "--- a\n...\n",
        "5\n",
        "[1, 2]\n",
        "\"x\"\n",
        "a: 1\n---\nb: 2\n",
        "a\n---\n",
        "%YAML 1.2\n---\na: 1\n",
        "\u{feff}a: 1\n",
        "a: [unclosed\n",
        "a: b: c\n",
        "\ta: 1\n",
    ] {
        same(yaml);
    }
}

#[test]
fn anchors_and_merge_keys_work() {
    let model = value("base: &b {level: enforce}\nrule:\n  <<: *b\n  pids: 5\n");
    assert_eq!(model["rule"].to_string(), r#"{"pids":5,"level":"enforce"}"#);
    let model = value("a: &x 1\nb: *x\n*x : c\n");
    assert_eq!(
        model.to_string(),
        r#"{"a":1,"b":1,"1":"c"}"#,
        "typed where used"
    );
}

#[test]
fn duplicate_keys_are_errors_at_the_second() {
    let error = fails("a: 1\nb:\n  c: 1\n  c: 2\n");
    assert_eq!(error.to_string(), "4:3: duplicate key 'c'");
    let error = fails("11: a\n0xB: b\n");
    assert_eq!(
        error.to_string(),
        "2:1: duplicate key '0xB': the same integer as the key '11'"
    );
    let mut yaml: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
    yaml.push_str("k42: again\n");
    assert_eq!(fails(&yaml).to_string(), "101:1: duplicate key 'k42'");
}

#[test]
fn keys_serde_json_would_merge_are_refused_where_serde_saphyr_keeps_the_last_value() {
    // serde-saphyr sees a string and an integer, and serde_json keeps one key: "1": b.
    assert_eq!(
        saphyr("\"1\": a\n1: b\n").unwrap().to_string(),
        r#"{"1":"b"}"#
    );
    assert_eq!(
        fails("\"1\": a\n1: b\n").to_string(),
        "2:1: duplicate key '1'"
    );
    assert_eq!(
        fails("!!str 1: a\n1: b\n").to_string(),
        "2:1: duplicate key '1'"
    );
    // Merged keys are compared as text: an explicit key wins over a merged one spelled the
    // same, and a merged `0xB` is not an explicit `11` (serde-saphyr compares integers).
    assert_eq!(
        value("a: &a {1: 1}\nb: {<<: *a, \"1\": 0}\n")["b"].to_string(),
        r#"{"1":0}"#
    );
    assert_eq!(
        value("a: &a {0xB: 1}\nb: {<<: *a, 11: 0}\n")["b"].to_string(),
        r#"{"11":0,"0xB":1}"#
    );
}

#[test]
fn keys_that_are_not_strings_are_errors_at_the_key() {
    for (yaml, at, found) in [
        ("~: a\n", (1, 1), "nothing"),
        ("a: {? : 2}\n", (1, 7), "nothing"),
        ("? [a, b]\n: c\n", (1, 3), "a list"),
        ("a: &m {x: 1}\nb: {*m : 2}\n", (2, 5), "a mapping"),
    ] {
        let error = fails(yaml);
        assert_eq!(error.kind, ErrorKind::KeyNotString { found }, "{yaml:?}");
        assert_eq!((error.line, error.column), at, "{yaml:?}");
    }
    assert_eq!(
        fails("!!int 1: a\n").to_string(),
        "1:7: the tag `!!int` cannot be on a mapping key"
    );
}

#[test]
fn merging_something_other_than_mappings_is_an_error_at_the_value() {
    let error = fails("b:\n  <<: 5\n");
    assert_eq!(
        error.to_string(),
        "2:7: a merge key `<<` takes a mapping or a list of mappings, found a scalar"
    );
    let error = fails("a: &a {x: 1}\nb:\n  <<: [*a, [1]]\n");
    assert_eq!((error.line, error.column), (3, 7));
    assert_eq!(error.kind, ErrorKind::Merge { found: "a scalar" });
}

#[test]
fn other_errors_say_where() {
    let error = fails("a: 1\n---\nb: 2\n");
    assert_eq!(
        error.to_string(),
        "2:1: the model is one YAML document, but a second one starts here"
    );
    let error = fails("a: &a [1, *a]\n");
    assert_eq!(
        error.to_string(),
        "1:11: an alias cannot refer to the value it is part of"
    );
    let error = fails("a: *nope\n");
    assert_eq!(
        error.to_string(),
        "1:4: an alias refers to an anchor not defined before it"
    );
    let error = fails("services:\n  a: [unclosed\n");
    assert_eq!(error.line, 2);
    assert!(matches!(error.kind, ErrorKind::Syntax(_)), "{error}");
}

// --- limits ----------------------------------------------------------------------------

/// `levels` anchors, each a list of ten aliases of the one before.
fn bomb(levels: usize) -> String {
    let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..levels {
        let p = i - 1;
        yaml.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{p}"); 10].join(", ")
        ));
    }
    yaml
}

#[test]
fn a_yaml_bomb_is_stopped_where_the_copies_pass_the_limit() {
    // a4 is 111,111 values; a5 (line 6) copies it ten times and passes a million.
    let error = fails(&bomb(9));
    assert_eq!(error.kind, ErrorKind::TooLarge);
    assert_eq!(error.line, 6);
    assert!(saphyr(&bomb(9)).is_err());
    let model = value(&bomb(5));
    assert_eq!(model["a4"][9][9][9][9][9], "x");
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
    // 1 + 3 × 40 deep is within the limit (serde-saphyr stops at 64)
    yaml.truncate(yaml.rfind("a3:").unwrap());
    assert!(parse(&yaml).is_ok());
    assert!(saphyr(&yaml).is_err());
    let deep = format!("a: {}\n", nested(&nested(&nested(&nested("x")))));
    assert_eq!(fails(&deep).kind, ErrorKind::TooDeep);
}

// --- properties ------------------------------------------------------------------------

/// Strings that YAML could read as something else, or that need quoting or escapes.
fn tricky_text() -> impl Strategy<Value = String> {
    let words = prop::sample::select(
        [
            "", " ", "yes", "No", "on", "~", "null", "true", "012", "0x1F", "0o7", "1e3", ".inf",
            "-.nan", "1_0", "<<", "- a", "a: b", "#c", "&a", "*a", "!t", "|", ">", "'", "\"", "\\",
            "\n", "\t", "\r\n", "  x", "x  ", "\u{feff}", "\u{85}", "\u{2028}", "é", "😀",
            "\u{7f}", "\u{1}", "---", "...", "%YAML", "@", "`", ",", "[", "]", "{", "}", "?", ":",
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

/// JSON values as serde_json holds them: every number finite.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO)
            .prop_map(Value::from),
        tricky_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((tricky_text(), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// Tokens that make YAML documents (and near misses) with anchors, merges, flow and block
/// collections, quoting and tags; no digit, so no key is an integer.
const TOKENS: &[&str] = &[
    "a", "b", "yes", "~", "x y", "'q'", "\"d\"", "&a ", "&b ", "*a", "*b", "<<", ": ", ":", "- ",
    "\n", "  ", "    ", "[", "]", "{", "}", ", ", "? ", "|\n", ">-\n", "---\n", "...\n", "#c",
    "!!str ", "!!map ", "!!seq ", "!!null ", "!!bool ", "! ", ".inf", "-", ".", "\t",
];

fn documents() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..48).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever serde-saphyr writes, both readers read back alike.
    #[test]
    fn what_serde_saphyr_writes_reads_as_serde_saphyr_reads_it(model in json()) {
        let yaml = serde_saphyr::to_string(&model).expect("serde-saphyr writes JSON values");
        let ours = parse(&yaml);
        let theirs = saphyr(&yaml);
        match (&ours, &theirs) {
            (Ok(ours), Ok(theirs)) => {
                prop_assert_eq!(ours, theirs, "{:?}", yaml);
                prop_assert_eq!(ours.to_string(), theirs.to_string(), "{:?}", yaml);
            }
            _ => prop_assert!(false, "{:?}: ours {:?}, serde-saphyr {:?}", yaml, ours, theirs),
        }
    }

    /// Plain scalars made of the characters that matter to typing.
    #[test]
    fn plain_scalars_from_the_number_alphabet(text in "[-+0-9._xXoObBeEaAfFiInNtTyYlLsSuU~]{1,12}") {
        for yaml in [format!("a: {text}\n"), format!("[{text}]\n"), format!("{text}: v\n")] {
            match (parse(&yaml), saphyr(&yaml)) {
                (Ok(ours), Ok(theirs)) => {
                    prop_assert_eq!(ours.to_string(), theirs.to_string(), "{:?}", yaml);
                    prop_assert_eq!(ours, theirs, "{:?}", yaml);
                }
                (Err(_), Err(_)) => {}
                (ours, theirs) => prop_assert!(false, "{:?}: ours {:?}, serde-saphyr {:?}", yaml, ours, theirs),
            }
        }
    }

    /// Documents of YAML's tokens: the same value as serde-saphyr, or both refuse.
    #[test]
    fn documents_of_yaml_tokens(yaml in documents()) {
        match (parse(&yaml), saphyr(&yaml)) {
            (Ok(ours), Ok(theirs)) => {
                prop_assert_eq!(ours.to_string(), theirs.to_string(), "{:?}", yaml);
                prop_assert_eq!(ours, theirs, "{:?}", yaml);
            }
            (Err(_), Err(_)) => {}
            (ours, theirs) => prop_assert!(false, "{:?}: ours {:?}, serde-saphyr {:?}", yaml, ours, theirs),
        }
    }

    /// Any text, even bytes that are not UTF-8 made into text: an answer, never a panic.
    #[test]
    fn any_text_gets_an_answer(bytes in prop::collection::vec(any::<u8>(), 0..256), text in any::<String>()) {
        let _ = parse(&String::from_utf8_lossy(&bytes));
        let _ = parse(&text);
    }
}
