//! A profile's YAML as a tree of values that remember where they were written.
//!
//! Profiles are written by people, so every mistake must be reported at its file, line and
//! column with a suggestion. Reading YAML into this span-carrying tree first, then walking it by
//! hand, lets hardrun check keys per rule and say exactly where a value is wrong; serde-saphyr
//! does the YAML itself (anchors, merge keys, duplicate-key errors, size budgets).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A YAML value with its position.
pub type Node = Spanned<Value>;

/// A YAML value. Scalars keep their text; YAML's typing is applied by the profile reader.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Spanned<String>, Node)>),
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

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Scalar(format!("{v:?}")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Scalar(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<Spanned<String>, Node>()? {
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

/// Parses YAML text into a node tree. Errors carry serde-saphyr's location.
pub fn parse(text: &str) -> Result<Node, serde_saphyr::Error> {
    serde_saphyr::from_str::<Node>(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_know_their_line_and_column() {
        let node = parse("rules:\n  memory-limit:\n    memory: 512m\n").unwrap();
        let Value::Map(top) = &node.value else {
            panic!()
        };
        assert_eq!(top[0].0.value, "rules");
        assert_eq!(top[0].0.referenced.line(), 1);
        let Value::Map(rules) = &top[0].1.value else {
            panic!()
        };
        assert_eq!(rules[0].0.referenced.line(), 2);
        assert_eq!(rules[0].0.referenced.column(), 3);
        let Value::Map(params) = &rules[0].1.value else {
            panic!()
        };
        assert_eq!(params[0].1.value, Value::Scalar("512m".into()));
        assert_eq!(params[0].1.referenced.line(), 3);
        assert_eq!(params[0].1.referenced.column(), 13);
    }

    #[test]
    fn scalars_keep_yaml_typed_values_as_text() {
        let node = parse("a: 1.0\nb: 100\nc: true\nd: ~\ne: [x, y]\n").unwrap();
        let Value::Map(entries) = node.value else {
            panic!()
        };
        let values: Vec<Value> = entries.into_iter().map(|(_, v)| v.value).collect();
        assert_eq!(values[0], Value::Scalar("1.0".into()));
        assert_eq!(values[1], Value::Scalar("100".into()));
        assert_eq!(values[2], Value::Scalar("true".into()));
        assert_eq!(values[3], Value::Null);
        assert!(matches!(values[4], Value::Seq(_)));
    }

    #[test]
    fn anchors_and_merge_keys_work() {
        let node = parse("base: &b {level: enforce}\nrule:\n  <<: *b\n  pids: 5\n").unwrap();
        let Value::Map(entries) = node.value else {
            panic!()
        };
        let Value::Map(rule) = &entries[1].1.value else {
            panic!()
        };
        let keys: Vec<&str> = rule.iter().map(|(k, _)| k.value.as_str()).collect();
        assert!(
            keys.contains(&"level") && keys.contains(&"pids"),
            "{keys:?}"
        );
    }

    #[test]
    fn duplicate_keys_are_errors_with_a_location() {
        let error = parse("a: 1\na: 2\n").unwrap_err();
        assert!(error.location().is_some());
    }
}
