//! The resolved model's values as Compose writes them, read and written alike.
//!
//! The model is read, never the user's files: Compose has already merged every `-f` file,
//! interpolated, resolved `extends` and `include`, and turned short syntax into long syntax with
//! absolute paths. What the model does not change is how its strings are escaped: Compose
//! writes every `$` as `$$` so that its output can be fed back to it. Every string read from the
//! model is un-escaped (`$$` becomes `$`), and every string written is escaped again, so a health
//! command such as `curl localhost:$PORT` reaches the container as written.

use serde_json::Value;

/// What a value is, for messages (`service 'web' is a list, not a mapping`).
pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Compose's output escapes every `$` as `$$`.
pub(super) fn unescape(text: &str) -> String {
    // Most text has no `$`: a copy, without `replace`'s searcher.
    if text.contains('$') {
        text.replace("$$", "$")
    } else {
        text.to_owned()
    }
}

/// The inverse of `unescape`, for everything written back into the model.
pub(super) fn escape(text: &str) -> String {
    if text.contains('$') {
        text.replace('$', "$$")
    } else {
        text.to_owned()
    }
}

/// A string of the model, escaped.
pub(super) fn escaped(text: &str) -> Value {
    Value::String(escape(text))
}

/// A boolean as Compose casts it: a JSON boolean, or `true`/`false` (any case) and the YAML 1.1
/// spellings it accepts with a warning.
pub(super) fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "y" | "yes" | "on" => Some(true),
            "false" | "n" | "no" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}
