//! `hardrun rules [ID]`: the rule registry, or one rule's documentation, in text or JSON.

use std::io::{self, Write};

use crate::cli::Cli;
use crate::report::{Format, rule_json, write_rule};
use crate::rules::{self, RULES};
use crate::suggest;

pub fn run(options: &Cli, id: Option<&str>) -> Result<(), String> {
    let stdout = &mut io::stdout().lock();
    let io_error = |e: io::Error| format!("cannot write output: {e}");
    let format = Format::from(options.format);
    let Some(id) = id else {
        return match format {
            Format::Json => {
                let all: Vec<serde_json::Value> = RULES.iter().map(|r| rule_json(r)).collect();
                writeln!(stdout, "{:#}", serde_json::Value::Array(all)).map_err(io_error)
            }
            Format::Text => {
                for rule in RULES {
                    writeln!(
                        stdout,
                        "{:<27} {:<9} {}",
                        rule.id, rule.severity, rule.title
                    )
                    .map_err(io_error)?;
                }
                Ok(())
            }
        };
    };
    let rule = rules::find(id).ok_or_else(|| {
        let help = suggest::did_you_mean(id, RULES.iter().map(|r| r.id))
            .map(|s| format!("did you mean '{s}'?"))
            .unwrap_or_else(|| "`hardrun rules` lists the rule ids".into());
        format!("unknown rule '{id}'\nhelp: {help}")
    })?;
    match format {
        Format::Json => writeln!(stdout, "{:#}", rule_json(rule)).map_err(io_error),
        Format::Text => write_rule(stdout, rule).map_err(io_error),
    }
}
