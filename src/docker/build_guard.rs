//! The build guard: reads `docker build`, `docker buildx build` (and `buildx b`), `docker image
//! build` and `docker builder build`, so that `build-arg-secrets` can judge their build
//! arguments. The command reaches docker exactly as typed: only `--build-arg` values are
//! inspected, and only the dry-run display masks the secret ones.
//!
//! With buildx installed, `docker build` is `docker buildx build`; without it, the classic
//! builder. The flag table is the union of both (docker CLI 28's `AddBuildFlags` with its
//! content-trust flag, buildx's `buildCmd` with its hidden compatibility flags, experimental
//! ones and the buildx root's `--builder` and `-D/--debug`), so that either reading finds the
//! same build arguments; a flag in neither is refused, never guessed. Build options are
//! interspersed (cobra's default): `docker build . -t app` is valid, and only `--` ends them.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::docker::exec_guard::GuardError;
use crate::docker::flags::{FlagDef, ValueKind, flag};
use crate::docker::lexer::{LexError, Occurrence, lex};
use crate::rules::build_arg_secrets::{self, BuildArg};
use crate::rules::{Finding, Params};

const B: ValueKind = ValueKind::Bool;
const T: ValueKind = ValueKind::Text;

/// The build flags of docker CLI 28 (classic builder) and buildx 0.1x–0.2x, sorted by long
/// name. Values are docker's to check: only their arity matters here. `--check` is a value
/// flag with a default (`NoOptDefVal`), which pflag reads like a boolean.
pub const BUILD_FLAGS: &[FlagDef] = &[
    flag("add-host", None, T),
    flag("allow", None, T),
    flag("annotation", None, T),
    flag("attest", None, T),
    flag("build-arg", None, T),
    flag("build-context", None, T),
    flag("builder", None, T),
    flag("cache-from", None, T),
    flag("cache-to", None, T),
    flag("call", None, T),
    flag("cgroup-parent", None, T),
    flag("check", None, B),
    flag("compress", None, B),
    flag("cpu-period", None, T),
    flag("cpu-quota", None, T),
    flag("cpu-shares", Some('c'), T),
    flag("cpuset-cpus", None, T),
    flag("cpuset-mems", None, T),
    flag("debug", Some('D'), B),
    flag("detach", None, B),
    flag("disable-content-trust", None, B),
    flag("file", Some('f'), T),
    flag("force-rm", None, B),
    flag("help", Some('h'), B),
    flag("iidfile", None, T),
    flag("isolation", None, T),
    flag("label", None, T),
    flag("load", None, B),
    flag("memory", Some('m'), T),
    flag("memory-swap", None, T),
    flag("metadata-file", None, T),
    flag("network", None, T),
    flag("no-cache", None, B),
    flag("no-cache-filter", None, T),
    flag("output", Some('o'), T),
    flag("platform", None, T),
    flag("print", None, T),
    flag("progress", None, T),
    flag("provenance", None, T),
    flag("pull", None, B),
    flag("push", None, B),
    flag("quiet", Some('q'), B),
    flag("rm", None, B),
    flag("root", None, T),
    flag("sbom", None, T),
    flag("secret", None, T),
    flag("security-opt", None, T),
    flag("server-config", None, T),
    flag("shm-size", None, T),
    flag("squash", None, B),
    flag("ssh", None, T),
    flag("tag", Some('t'), T),
    flag("target", None, T),
    flag("ulimit", None, T),
];

/// The options of `docker buildx` itself, which may stand before `build`.
pub const BUILDX_FLAGS: &[FlagDef] = &[
    flag("builder", None, T),
    flag("debug", Some('D'), B),
    flag("help", Some('h'), B),
];

/// A build command line: the user's argv, and where its options are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildLine {
    argv: Vec<OsString>,
    options: Vec<Occurrence>,
}

/// Reads a build command whose command word (after docker's global options) is at `at`.
/// `Ok(None)`: not a build, or a build docker answers itself (`--help`, no context, more
/// than one), which builds nothing.
pub fn find(argv: &[OsString], at: usize) -> Result<Option<BuildLine>, GuardError> {
    let word = |index: usize| argv.get(index).and_then(|w| w.to_str());
    let start = match word(at) {
        Some("build") => at + 1,
        Some(group @ ("image" | "builder")) => match word(at + 1) {
            Some("build") => at + 2,
            Some("--help" | "-h") => return Ok(None),
            // The management command's options: docker refuses them, or they are global
            // options hardrun would have to place; neither is guessed when a build follows.
            Some(option) if option.starts_with('-') && has_word(argv, at + 2, &["build"]) => {
                return Err(GuardError::Options {
                    command: group.to_owned(),
                    option: option.to_owned(),
                });
            }
            _ => return Ok(None),
        },
        Some("buildx") => match lex(argv, at + 1, BUILDX_FLAGS) {
            Ok(root) if root.occurrences.iter().any(Occurrence::is_help) => return Ok(None),
            Ok(root) if root.terminator.is_none() => match word(root.positional) {
                Some("build" | "b") => root.positional + 1,
                _ => return Ok(None),
            },
            Ok(_) => return Ok(None),
            Err(error) if has_word(argv, at + 1, &["build", "b"]) => {
                return Err(GuardError::Lex {
                    command: "buildx",
                    error,
                });
            }
            Err(_) => return Ok(None),
        },
        _ => return Ok(None),
    };
    let (options, positionals) =
        lex_interspersed(argv, start, BUILD_FLAGS).map_err(|error| GuardError::Lex {
            command: "build",
            error,
        })?;
    if options.iter().any(Occurrence::is_help) || positionals != 1 {
        return Ok(None);
    }
    for occurrence in options.iter().filter(|o| o.flag.long == "build-arg") {
        if occurrence.text().is_some_and(|t| t.to_str().is_none()) {
            return Err(GuardError::NotUtf8 {
                command: "build",
                flag: "build-arg",
            });
        }
    }
    Ok(Some(BuildLine {
        argv: argv.to_vec(),
        options,
    }))
}

fn has_word(argv: &[OsString], from: usize, words: &[&str]) -> bool {
    argv.iter()
        .skip(from)
        .any(|w| w.to_str().is_some_and(|w| words.contains(&w)))
}

/// pflag's loop with interspersed parsing on: a positional word does not end the options, only
/// `--` does. Returns the options and the number of positional words.
fn lex_interspersed(
    argv: &[OsString],
    start: usize,
    table: &'static [FlagDef],
) -> Result<(Vec<Occurrence>, usize), LexError> {
    let mut occurrences = Vec::new();
    let mut positionals = 0;
    let mut index = start;
    loop {
        let lexed = lex(argv, index, table)?;
        occurrences.extend(lexed.occurrences);
        if lexed.terminator.is_some() {
            positionals += argv.len() - lexed.positional;
            break;
        }
        if lexed.positional >= argv.len() {
            break;
        }
        positionals += 1;
        index = lexed.positional + 1;
    }
    Ok((occurrences, positionals))
}

impl BuildLine {
    /// The command line exactly as given.
    pub fn argv(&self) -> &[OsString] {
        &self.argv
    }

    /// The build options, in order.
    pub fn options(&self) -> &[Occurrence] {
        &self.options
    }

    /// Every `--build-arg`, as docker reads it: `NAME=value`, or `NAME` with its value from
    /// `env` (hardrun's environment, which docker inherits). Values were checked to be UTF-8;
    /// one from the environment that is not is read lossily.
    pub fn build_args(&self, env: &dyn Fn(&OsStr) -> Option<OsString>) -> Vec<BuildArg> {
        self.options
            .iter()
            .filter(|o| o.flag.long == "build-arg")
            .filter_map(|o| o.text())
            .map(|text| {
                let text = text.to_string_lossy();
                match text.split_once('=') {
                    Some((name, value)) => BuildArg {
                        name: name.to_owned(),
                        value: Some(value.to_owned()),
                        from_environment: false,
                        origin: format!("--build-arg {name}=***"),
                    },
                    None => BuildArg {
                        name: text.to_string(),
                        value: env(OsStr::new(text.as_ref()))
                            .map(|v| v.to_string_lossy().into_owned()),
                        from_environment: true,
                        origin: format!("--build-arg {text}"),
                    },
                }
            })
            .collect()
    }

    /// What `build-arg-secrets` finds, with `params` from the profile.
    pub fn findings(
        &self,
        params: &Params,
        env: &dyn Fn(&OsStr) -> Option<OsString>,
    ) -> Vec<(&'static str, Finding)> {
        build_arg_secrets::judge(&self.build_args(env), params)
            .into_iter()
            .map(|finding| (build_arg_secrets::RULE.id, finding))
            .collect()
    }

    /// The command line for display: the value of every build argument `build-arg-secrets`
    /// catches reads `NAME=***`, however `--build-arg` was spelt.
    pub fn masked(&self, params: &Params) -> Vec<OsString> {
        let mut argv = self.argv.clone();
        for occurrence in self.options.iter().filter(|o| o.flag.long == "build-arg") {
            let Some(value) = occurrence.text() else {
                continue;
            };
            let text = value.to_string_lossy();
            let Some((name, secret)) = text.split_once('=') else {
                continue; // the value is in the environment, not on the command line
            };
            let arg = BuildArg {
                name: name.to_owned(),
                value: Some(secret.to_owned()),
                from_environment: false,
                origin: String::new(),
            };
            if !build_arg_secrets::is_secret(&arg, params) {
                continue;
            }
            // pflag takes a value from the end of its last word: replace that suffix.
            let last = occurrence.tokens.end - 1;
            let word = argv[last].as_bytes();
            let prefix = &word[..word.len() - value.as_bytes().len()];
            let mut masked = prefix.to_vec();
            masked.extend_from_slice(name.as_bytes());
            masked.extend_from_slice(b"=***");
            argv[last] = OsString::from_vec(masked);
        }
        argv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    fn line(words: &[&str]) -> Option<BuildLine> {
        find(&argv(words), 0).expect("reads")
    }

    fn no_env(_: &OsStr) -> Option<OsString> {
        None
    }

    /// The rule ids and offending arguments of the forbidden findings.
    fn caught(words: &[&str]) -> Vec<String> {
        line(words)
            .unwrap_or_else(|| panic!("not a build: {words:?}"))
            .findings(&Params::default(), &no_env)
            .into_iter()
            .filter_map(|(id, finding)| match finding {
                Finding::Forbidden { offending, .. } => {
                    assert_eq!(id, "build-arg-secrets");
                    Some(offending)
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_table_is_sorted_with_unique_shorthands_and_its_size_is_known() {
        for table in [BUILD_FLAGS, BUILDX_FLAGS] {
            for pair in table.windows(2) {
                assert!(pair[0].long < pair[1].long, "{}", pair[1].long);
            }
            let mut shorts: Vec<char> = table.iter().filter_map(|f| f.short).collect();
            let count = shorts.len();
            shorts.sort_unstable();
            shorts.dedup();
            assert_eq!(shorts.len(), count, "a shorthand letter is used twice");
        }
        assert_eq!(BUILD_FLAGS.len(), 54);
        let shorts: String = BUILD_FLAGS.iter().filter_map(|f| f.short).collect();
        assert_eq!(shorts, "cDfhmoqt");
    }

    #[test]
    fn the_classic_builder_s_flags_are_all_there() {
        for long in [
            "add-host",
            "build-arg",
            "cache-from",
            "cgroup-parent",
            "compress",
            "cpu-period",
            "cpu-quota",
            "cpu-shares",
            "cpuset-cpus",
            "cpuset-mems",
            "disable-content-trust",
            "file",
            "force-rm",
            "iidfile",
            "isolation",
            "label",
            "memory",
            "memory-swap",
            "network",
            "no-cache",
            "platform",
            "pull",
            "quiet",
            "rm",
            "security-opt",
            "shm-size",
            "squash",
            "tag",
            "target",
            "ulimit",
        ] {
            assert!(BUILD_FLAGS.iter().any(|f| f.long == long), "{long}");
        }
    }

    #[test]
    fn booleans_are_the_builders_booleans() {
        let booleans: Vec<&str> = BUILD_FLAGS
            .iter()
            .filter(|f| !f.takes_value())
            .map(|f| f.long)
            .collect();
        assert_eq!(
            booleans,
            [
                "check",
                "compress",
                "debug",
                "detach",
                "disable-content-trust",
                "force-rm",
                "help",
                "load",
                "no-cache",
                "pull",
                "push",
                "quiet",
                "rm",
                "squash"
            ]
        );
    }

    #[test]
    fn catches_a_secret_build_arg_in_every_spelling_of_build() {
        let expected = vec!["--build-arg API_TOKEN=***".to_owned()];
        for words in [
            &["build", "--build-arg", "API_TOKEN=sk-secret-value", "."][..],
            &["build", "--build-arg=API_TOKEN=sk-secret-value", "."],
            &["build", ".", "--build-arg", "API_TOKEN=sk-secret-value"],
            &["image", "build", "--build-arg", "API_TOKEN=x1", "."],
            &["builder", "build", "--build-arg", "API_TOKEN=x1", "."],
            &["buildx", "build", "--build-arg", "API_TOKEN=x1", "."],
            &["buildx", "b", "--build-arg", "API_TOKEN=x1", "."],
            &[
                "buildx",
                "--builder",
                "b1",
                "-D",
                "build",
                "--build-arg",
                "API_TOKEN=x",
                ".",
            ],
            &["build", "-qt", "app:1", "--build-arg", "API_TOKEN=x", "-"],
        ] {
            assert_eq!(caught(words), expected, "{words:?}");
        }
    }

    #[test]
    fn does_not_catch_ordinary_build_args_or_other_flags() {
        assert!(caught(&["build", "--build-arg", "VERSION=1.2", "-t", "app:1", "."]).is_empty());
        // Other flags' values are not build arguments.
        assert!(
            caught(&[
                "build",
                "--label",
                "API_TOKEN=x",
                "--secret",
                "id=t,src=f",
                "."
            ])
            .is_empty()
        );
        // After `--` everything is positional (docker then refuses two contexts itself).
        assert!(line(&["build", ".", "--", "--build-arg", "API_TOKEN=x"]).is_none());
        // A value flag takes the next word, even one that looks like --build-arg.
        assert!(caught(&["build", "-t", "--build-arg", "API_TOKEN=x"]).is_empty());
    }

    #[test]
    fn a_build_arg_without_value_is_read_from_the_environment() {
        let build = line(&["build", "--build-arg", "API_TOKEN", "."]).unwrap();
        let env = |name: &OsStr| (name == "API_TOKEN").then(|| OsString::from("sk-from-env"));
        let findings = build.findings(&Params::default(), &env);
        assert!(matches!(
            &findings[..],
            [(_, Finding::Forbidden { offending, reason })]
                if offending == "--build-arg API_TOKEN" && !reason.contains("sk-from-env")
        ));
        let findings = build.findings(&Params::default(), &no_env);
        assert!(matches!(&findings[..], [(_, Finding::Satisfied(_))]));
    }

    #[test]
    fn every_build_arg_is_judged_not_only_the_last() {
        let found = caught(&[
            "build",
            "--build-arg",
            "DB_PASSWORD=a1",
            "--build-arg",
            "DB_PASSWORD=",
            ".",
        ]);
        assert_eq!(found, ["--build-arg DB_PASSWORD=***"]);
    }

    #[test]
    fn masking_hides_only_caught_values_and_keeps_every_word() {
        let build = line(&[
            "build",
            "--build-arg",
            "API_TOKEN=sk-secret-value",
            "--build-arg=DB_PASSWORD=hunter2",
            "--build-arg",
            "VERSION=1.2",
            "--build-arg",
            "HOME_TOKEN",
            ".",
        ])
        .unwrap();
        assert_eq!(
            build.masked(&Params::default()),
            argv(&[
                "build",
                "--build-arg",
                "API_TOKEN=***",
                "--build-arg=DB_PASSWORD=***",
                "--build-arg",
                "VERSION=1.2",
                "--build-arg",
                "HOME_TOKEN",
                ".",
            ])
        );
    }

    #[test]
    fn docker_answers_help_and_wrong_argument_counts_itself() {
        for words in [
            &["build", "--help", "."][..],
            &["build", "-h"],
            &["build"],
            &["build", "--build-arg", "API_TOKEN=x"],
            &["build", "a", "b"],
            &["buildx", "--help"],
            &["buildx", "-h", "build", "."],
            &["image", "--help", "build"],
        ] {
            assert!(line(words).is_none(), "{words:?}");
        }
    }

    #[test]
    fn other_commands_are_not_builds() {
        for words in [
            &["ps"][..],
            &["image", "ls"],
            &["builder", "prune"],
            &["buildx", "ls"],
            &["buildx", "bake", "--set", "*.args.API_TOKEN=x"],
            &["buildx", "--builder", "build", "ls"],
            &["run", "build"],
            &[],
        ] {
            assert!(line(words).is_none(), "{words:?}");
        }
    }

    #[test]
    fn unknown_flags_are_refused_naming_the_flag() {
        let error = find(&argv(&["build", "--bogus", "."]), 0).unwrap_err();
        assert_eq!(error.to_string(), "unknown flag: --bogus");
        let error = find(&argv(&["build", ".", "-Z"]), 0).unwrap_err();
        assert_eq!(error.to_string(), "unknown shorthand flag: 'Z' in -Z");
        assert!(find(&argv(&["buildx", "--bogus", "build", "."]), 0).is_err());
        assert!(find(&argv(&["image", "-q", "build", "."]), 0).is_err());
        // docker's own mistakes elsewhere are docker's to report.
        assert!(
            find(&argv(&["buildx", "--bogus", "ls"]), 0)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_non_utf8_build_arg_is_refused() {
        let mut words = argv(&["build", "--build-arg"]);
        words.push(OsString::from_vec(vec![b'K', b'=', 0xff]));
        words.push(".".into());
        assert!(matches!(find(&words, 0), Err(GuardError::NotUtf8 { .. })));
    }
}
