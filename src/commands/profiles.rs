//! `hardrun profiles [list|show NAME]`: the profiles this machine offers (built-in, project,
//! user), or one resolved through `extends`.

use std::io::{self, Write};

use crate::cli::{Cli, ProfilesAction};
use crate::host::FileSource;
use crate::profile::{self, Source};
use crate::report::Format;

pub fn run(options: &Cli, action: Option<&ProfilesAction>) -> Result<(), String> {
    let stdout = &mut io::stdout().lock();
    let io_error = |e: io::Error| format!("cannot write output: {e}");
    let source = FileSource::discover();
    let name = match action {
        None | Some(ProfilesAction::List) => None,
        Some(ProfilesAction::Show { name }) => Some(name),
    };
    if let Some(name) = name {
        let profile = profile::load(name, &source).map_err(|e| e.to_string())?;
        return write!(stdout, "{profile}").map_err(io_error);
    }
    let mut listed = Vec::new();
    for name in source.names() {
        listed.push(profile::load(&name, &source).map_err(|e| e.to_string())?);
    }
    match Format::from(options.format) {
        Format::Json => {
            let all: Vec<serde_json::Value> = listed
                .iter()
                .map(|p| serde_json::json!({"name": p.name, "source": p.source, "description": p.description}))
                .collect();
            writeln!(stdout, "{:#}", serde_json::Value::Array(all)).map_err(io_error)
        }
        Format::Text => {
            for p in listed {
                writeln!(stdout, "{:<13} {}  ({})", p.name, p.description, p.source)
                    .map_err(io_error)?;
            }
            Ok(())
        }
    }
}
