//! hardrun as a docker CLI plugin: installed as `docker-hardrun` in a `cli-plugins` directory
//! (`~/.docker/cli-plugins`, `/usr/local/lib/docker/cli-plugins` …), it answers docker's
//! metadata call and runs as `docker [GLOBAL OPTIONS] hardrun [hardrun options] COMMAND …`.
//!
//! docker runs a plugin as `docker-hardrun docker-cli-plugin-metadata`, and otherwise as
//! `docker-hardrun [GLOBAL OPTIONS] hardrun ARGS…` (the plugin spec of docker/cli). This file
//! turns the second form back into hardrun's own command line: hardrun's options first, then
//! docker's global options, then the docker command, so `docker -H ssh://box hardrun --profile
//! production run …` hardens `docker -H ssh://box run …`. Pure.

use std::ffi::OsString;

use crate::cli;
use crate::docker::flags::GLOBAL_FLAGS;
use crate::docker::lexer::lex;

/// The plugin's program name: docker looks for `docker-NAME` and runs it for `docker NAME`.
pub const PROGRAM: &str = "docker-hardrun";
/// The plugin's name, the word docker passes before the plugin's own arguments.
pub const NAME: &str = "hardrun";
/// docker's metadata call.
pub const METADATA_COMMAND: &str = "docker-cli-plugin-metadata";

/// What docker asks of the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `docker-cli-plugin-metadata`: print `metadata()` and exit 0.
    Metadata,
    /// Run hardrun with these arguments (without the program name).
    Run(Vec<OsString>),
    /// A call hardrun cannot read with certainty; the message says why.
    Unreadable(String),
}

/// The JSON docker reads from the metadata call.
pub fn metadata() -> String {
    serde_json::json!({
        "SchemaVersion": "0.1.0",
        "Vendor": "hardrun",
        "Version": env!("CARGO_PKG_VERSION"),
        "ShortDescription": "Harden docker run, create and compose with a named profile",
    })
    .to_string()
}

/// Reads the arguments docker gives the plugin (without the program name).
pub fn call(args: &[OsString]) -> Call {
    if args.len() == 1 && args[0] == METADATA_COMMAND {
        return Call::Metadata;
    }
    let globals = match lex(args, 0, GLOBAL_FLAGS) {
        Ok(lexed) => lexed,
        Err(error) => {
            return Call::Unreadable(format!(
                "cannot read docker's global options before `{NAME}`: {error}"
            ));
        }
    };
    let at = globals.positional;
    if args.get(at).is_none_or(|word| word != NAME) {
        return Call::Unreadable(format!(
            "docker ran the plugin without `{NAME}` after its global options\nhelp: run it as `docker {NAME} …`"
        ));
    }
    let (global_words, rest) = (&args[..at], &args[at + 1..]);
    let split = cli::split(rest, true);
    let subcommand = split.docker.is_empty()
        && split
            .own
            .iter()
            .any(|w| w.to_str().is_some_and(|w| cli::SUBCOMMANDS.contains(&w)));
    if subcommand && !global_words.is_empty() {
        let shown = |list: &[OsString]| {
            list.iter()
                .map(|w| w.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" ")
        };
        return Call::Unreadable(format!(
            "docker's global options `{}` do not reach hardrun's own subcommands\nhelp: set DOCKER_HOST or DOCKER_CONTEXT instead, or run `hardrun {}` directly",
            shown(global_words),
            shown(rest)
        ));
    }
    let mut words = split.own;
    words.extend(global_words.iter().cloned());
    words.extend(split.docker);
    Call::Run(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    fn run(list: &[&str]) -> Vec<OsString> {
        match call(&words(list)) {
            Call::Run(args) => args,
            other => panic!("{list:?}: {other:?}"),
        }
    }

    #[test]
    fn the_metadata_call_is_answered_with_json() {
        assert_eq!(call(&words(&[METADATA_COMMAND])), Call::Metadata);
        let json: serde_json::Value = serde_json::from_str(&metadata()).unwrap();
        assert_eq!(json["SchemaVersion"], "0.1.0");
        assert_eq!(json["Version"], env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn hardrun_s_options_come_first_and_docker_s_globals_before_the_command() {
        assert_eq!(
            run(&["hardrun", "--profile", "production", "run", "busybox"]),
            words(&["--profile", "production", "run", "busybox"])
        );
        assert_eq!(
            run(&[
                "-H",
                "unix:///x.sock",
                "--debug",
                "hardrun",
                "--dry-run",
                "run",
                "img"
            ]),
            words(&["--dry-run", "-H", "unix:///x.sock", "--debug", "run", "img"])
        );
        assert_eq!(
            run(&["--context=box", "hardrun", "compose", "up", "-d"]),
            words(&["--context=box", "compose", "up", "-d"])
        );
        assert_eq!(
            run(&["hardrun", "--", "run", "img"]),
            words(&["run", "img"])
        );
        assert_eq!(
            run(&["hardrun", "verify", "web"]),
            words(&["verify", "web"])
        );
        assert_eq!(run(&["hardrun"]), words(&[]));
    }

    #[test]
    fn what_cannot_be_read_with_certainty_is_refused() {
        for list in [
            &["--nope", "hardrun", "run", "img"][..],
            &["run", "img"],
            &[],
            &["-H", "x", "hardrun", "verify", "web"],
        ] {
            assert!(
                matches!(call(&words(list)), Call::Unreadable(_)),
                "{list:?}"
            );
        }
    }
}
