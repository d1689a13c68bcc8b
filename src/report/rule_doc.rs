//! A rule's documentation, for `hardrun rules ID` and `hardrun rules --format json`.

use std::io::{self, Write};

use crate::rules;

pub fn rule_json(rule: &rules::Rule) -> serde_json::Value {
    let params: serde_json::Map<String, serde_json::Value> = rule
        .params
        .iter()
        .map(|(name, default)| ((*name).to_owned(), serde_json::Value::from(*default)))
        .collect();
    serde_json::json!({
        "id": rule.id,
        "title": rule.title,
        "severity": rule.severity.to_string(),
        "levels": rule.levels().iter().map(|l| l.name()).collect::<Vec<_>>(),
        "cis": rule.cis,
        "owasp": rule.owasp,
        "protects": rule.protects,
        "may_break": rule.may_break,
        "params": params,
        "example": rule.example,
    })
}

pub fn write_rule(out: &mut dyn Write, rule: &rules::Rule) -> io::Result<()> {
    writeln!(out, "{}: {}", rule.id, rule.title)?;
    writeln!(out, "  severity:   {}", rule.severity)?;
    let levels: Vec<&str> = rule.levels().iter().map(|l| l.name()).collect();
    writeln!(out, "  levels:     {}", levels.join(", "))?;
    writeln!(out, "  references: {}", rule.references())?;
    writeln!(out, "  protects:   {}", rule.protects)?;
    writeln!(out, "  may break:  {}", rule.may_break)?;
    if !rule.params.is_empty() {
        writeln!(out, "  parameters:")?;
        for (name, default) in rule.params {
            writeln!(out, "    {name} (default {default})")?;
        }
    }
    writeln!(out, "  example:    {}", rule.example)
}
