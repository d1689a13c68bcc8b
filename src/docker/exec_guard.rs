//! The exec guard, and what it shares with the build guard.
//!
//! `docker exec` and `docker container exec` are read with docker CLI 28's exec flags
//! (interspersed parsing off: the options end at CONTAINER, and everything after it is the
//! command's), so that `exec-privileged` (CIS 5.23) and `exec-root` (CIS 5.24) can judge
//! `--privileged` and `-u/--user`. The guards never change a command: a refusal stops it, a
//! warning or waiver is said, and docker receives the user's argv exactly as typed, TTY and
//! all. An unknown flag is refused (docker would refuse it too), `--help` and an exec without
//! CONTAINER are docker's to answer.
//!
//! Shared with `build_guard`: `detect` finds which guard a command line is for. The guards'
//! findings are planned by `plan::plan_command` through `decision::decide`, so that refusal,
//! warnings, `--explain` and JSON read as they do for `run`. Everything here is pure.

use std::ffi::OsString;

use thiserror::Error;

use crate::docker::build_guard::{self, BuildLine};
use crate::docker::flags::{FlagDef, GLOBAL_FLAGS, ValueKind, flag};
use crate::docker::invocation::quote_words;
use crate::docker::lexer::{LexError, Occurrence, lex};
use crate::rules::{Finding, exec_privileged, exec_root};

/// The `docker exec` flags of docker CLI 28 (`cli/command/container/exec.go`), sorted by long
/// name, plus the root's `-h/--help`, which exec inherits (no exec flag takes `-h`).
pub const EXEC_FLAGS: &[FlagDef] = &[
    flag("detach", Some('d'), ValueKind::Bool),
    flag("detach-keys", None, ValueKind::Text),
    flag("env", Some('e'), ValueKind::Text),
    flag("env-file", None, ValueKind::Text),
    flag("help", Some('h'), ValueKind::Bool),
    flag("interactive", Some('i'), ValueKind::Bool),
    flag("privileged", None, ValueKind::Bool),
    flag("tty", Some('t'), ValueKind::Bool),
    flag("user", Some('u'), ValueKind::Text),
    flag("workdir", Some('w'), ValueKind::Text),
];

/// Why a guarded command line cannot be read with certainty. Each is also an error for docker,
/// or a place where hardrun would have to guess.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GuardError {
    #[error("{error}")]
    Lex {
        /// The docker command, for the help line: `exec`, `build`, `buildx`.
        command: &'static str,
        error: LexError,
    },
    #[error("options between '{command}' and its subcommand are not supported: {option:?}")]
    Options { command: String, option: String },
    #[error("the value of --{flag} is not valid UTF-8")]
    NotUtf8 {
        command: &'static str,
        flag: &'static str,
    },
}

impl GuardError {
    /// The whole message, after `hardrun: `, with its help line.
    pub fn message(&self) -> String {
        let command = match self {
            GuardError::Lex { command, .. } | GuardError::NotUtf8 { command, .. } => *command,
            GuardError::Options { command, .. } => command.as_str(),
        };
        format!(
            "cannot read this docker command line with certainty: {self}\nhelp: hardrun \
             refuses rather than guesses what docker will do; check the flag, or run `docker \
             {command}` without hardrun"
        )
    }
}

/// A `docker exec` command line: the user's argv, and where its options are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecLine {
    argv: Vec<OsString>,
    options: Vec<Occurrence>,
}

/// Reads an exec whose command word (after docker's global options) is at `at`. `Ok(None)`:
/// not an exec, or one docker answers itself (`--help`, no CONTAINER).
pub fn find_exec(argv: &[OsString], at: usize) -> Result<Option<ExecLine>, GuardError> {
    let word = |index: usize| argv.get(index).and_then(|w| w.to_str());
    let start = match (word(at), word(at + 1)) {
        (Some("exec"), _) => at + 1,
        (Some("container"), Some("exec")) => at + 2,
        _ => return Ok(None),
    };
    let lexed = lex(argv, start, EXEC_FLAGS).map_err(|error| GuardError::Lex {
        command: "exec",
        error,
    })?;
    let asks_help = lexed.occurrences.iter().any(Occurrence::is_help);
    if asks_help || lexed.positional >= argv.len() {
        return Ok(None);
    }
    Ok(Some(ExecLine {
        argv: argv.to_vec(),
        options: lexed.occurrences,
    }))
}

impl ExecLine {
    /// The command line exactly as given.
    pub fn argv(&self) -> &[OsString] {
        &self.argv
    }

    /// The exec options, in order; the container and its command are not among them.
    pub fn options(&self) -> &[Occurrence] {
        &self.options
    }

    /// How the user typed an option, with its value (`-u 0`, `--user=root`, `-itu0`).
    fn origin(&self, occurrence: &Occurrence) -> String {
        quote_words(&self.argv[occurrence.tokens.clone()])
    }

    /// The last occurrence of a flag: pflag's last one wins.
    fn last(&self, long: &str) -> Option<&Occurrence> {
        self.options.iter().rev().find(|o| o.flag.long == long)
    }

    /// What `exec-privileged` and `exec-root` find, in that order.
    pub fn findings(&self) -> Vec<(&'static str, Finding)> {
        let privileged = self.last("privileged");
        let privileged = privileged.map(|o| (o.enabled(), self.origin(o)));
        let user = self.last("user");
        let user = user.map(|o| {
            let value = o.text().unwrap_or_default().to_string_lossy().into_owned();
            (value, self.origin(o))
        });
        vec![
            (
                exec_privileged::RULE.id,
                exec_privileged::judge(privileged.as_ref().map(|(p, o)| (*p, o.as_str()))),
            ),
            (
                exec_root::RULE.id,
                exec_root::judge(user.as_ref().map(|(u, o)| (u.as_str(), o.as_str()))),
            ),
        ]
    }
}

/// A command line one of the guards judges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guarded {
    Exec(ExecLine),
    Build(BuildLine),
}

/// Which guard, if any, judges this docker command line (without the program name).
/// `Ok(None)` for every other command, which passes through untouched.
pub fn detect(argv: &[OsString]) -> Result<Option<Guarded>, GuardError> {
    // Global options that do not read are refused before the guards are asked.
    let Ok(globals) = lex(argv, 0, GLOBAL_FLAGS) else {
        return Ok(None);
    };
    let at = globals.positional;
    if let Some(exec) = find_exec(argv, at)? {
        return Ok(Some(Guarded::Exec(exec)));
    }
    Ok(build_guard::find(argv, at)?.map(Guarded::Build))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ChangeKind;
    use crate::profile::builtin::Builtins;
    use crate::report::Format;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    fn exec(words: &[&str]) -> Option<ExecLine> {
        find_exec(&argv(words), 0).expect("reads")
    }

    /// The offending arguments each rule forbids.
    fn caught(words: &[&str]) -> Vec<(&'static str, String)> {
        exec(words)
            .unwrap_or_else(|| panic!("not an exec: {words:?}"))
            .findings()
            .into_iter()
            .filter_map(|(id, finding)| match finding {
                Finding::Forbidden { offending, .. } => Some((id, offending)),
                _ => None,
            })
            .collect()
    }

    fn root(origin: &str) -> Vec<(&'static str, String)> {
        vec![("exec-root", origin.to_owned())]
    }

    #[test]
    fn the_table_has_docker_28_s_ten_exec_flags_and_help_sorted_with_unique_shorthands() {
        assert_eq!(EXEC_FLAGS.len(), 10);
        for pair in EXEC_FLAGS.windows(2) {
            assert!(pair[0].long < pair[1].long, "{}", pair[1].long);
        }
        let shorts: String = EXEC_FLAGS.iter().filter_map(|f| f.short).collect();
        assert_eq!(shorts, "dehituw");
        let booleans: Vec<&str> = EXEC_FLAGS
            .iter()
            .filter(|f| !f.takes_value())
            .map(|f| f.long)
            .collect();
        assert_eq!(
            booleans,
            ["detach", "help", "interactive", "privileged", "tty"]
        );
    }

    #[test]
    fn catches_root_in_every_spelling() {
        assert_eq!(caught(&["exec", "-u0", "c", "id"]), root("-u0"));
        assert_eq!(caught(&["exec", "-u", "0", "c", "id"]), root("-u 0"));
        assert_eq!(caught(&["exec", "-u", "root", "c", "id"]), root("-u root"));
        assert_eq!(
            caught(&["exec", "--user=0:0", "c", "id"]),
            root("--user=0:0")
        );
        assert_eq!(
            caught(&["exec", "--user", "root:app", "c"]),
            root("--user root:app")
        );
        assert_eq!(caught(&["exec", "-itu", "0", "c", "sh"]), root("-itu 0"));
        assert_eq!(caught(&["exec", "-itu0", "c", "sh"]), root("-itu0"));
        assert_eq!(caught(&["exec", "-u=0", "c", "sh"]), root("-u=0"));
        assert_eq!(caught(&["exec", "-u", ":1000", "c"]), root("-u :1000"));
        assert_eq!(
            caught(&["container", "exec", "-u", "0", "c", "id"]),
            root("-u 0")
        );
    }

    #[test]
    fn the_last_user_wins() {
        assert!(caught(&["exec", "-u", "0", "-u", "app", "c", "id"]).is_empty());
        assert_eq!(
            caught(&["exec", "-u", "app", "--user", "root", "c", "id"]),
            root("--user root")
        );
    }

    #[test]
    fn does_not_catch_other_users_or_none() {
        for words in [
            &["exec", "c", "id"][..],
            &["exec", "-it", "c", "sh"],
            &["exec", "-u", "1000:1000", "c", "id"],
            &["exec", "-u", "app", "c", "id"],
            &["exec", "--user=", "c", "id"],
        ] {
            assert!(caught(words).is_empty(), "{words:?}");
        }
    }

    #[test]
    fn words_after_the_container_are_the_command_s() {
        assert!(caught(&["exec", "c", "-u", "0"]).is_empty());
        assert!(caught(&["exec", "c", "--privileged"]).is_empty());
        assert!(caught(&["exec", "-it", "c", "sudo", "-u", "root", "sh"]).is_empty());
        // A value flag takes the next word even when it looks like a flag.
        assert!(caught(&["exec", "-w", "-u", "c", "id"]).is_empty());
        assert!(caught(&["exec", "--", "c", "--privileged"]).is_empty());
    }

    #[test]
    fn catches_privileged_but_not_privileged_false() {
        assert_eq!(
            caught(&["exec", "--privileged", "c", "sh"]),
            [("exec-privileged", "--privileged".to_owned())]
        );
        assert_eq!(
            caught(&["exec", "--privileged=true", "-u", "0", "c", "sh"]),
            [
                ("exec-privileged", "--privileged=true".to_owned()),
                ("exec-root", "-u 0".to_owned())
            ]
        );
        assert!(caught(&["exec", "--privileged=false", "c", "sh"]).is_empty());
        assert!(caught(&["exec", "--privileged", "--privileged=0", "c", "sh"]).is_empty());
    }

    #[test]
    fn docker_answers_help_and_a_missing_container_itself() {
        for words in [
            &["exec", "--help"][..],
            &["exec", "-h", "c", "sh"],
            &["exec"],
            &["exec", "-it"],
            &["container", "exec", "-u", "0"],
        ] {
            assert!(exec(words).is_none(), "{words:?}");
        }
    }

    #[test]
    fn unknown_flags_are_refused_naming_the_flag() {
        let error = find_exec(&argv(&["exec", "--bogus", "c", "sh"]), 0).unwrap_err();
        assert_eq!(error.to_string(), "unknown flag: --bogus");
        assert!(
            error
                .message()
                .contains("run `docker exec` without hardrun")
        );
        let error = find_exec(&argv(&["exec", "-itx", "c", "sh"]), 0).unwrap_err();
        assert_eq!(error.to_string(), "unknown shorthand flag: 'x' in -itx");
        assert!(find_exec(&argv(&["exec", "-u"]), 0).is_err());
        assert!(find_exec(&argv(&["exec", "--privileged=maybe", "c"]), 0).is_err());
    }

    #[test]
    fn detect_finds_the_guard_after_docker_s_global_options() {
        let detected = |words: &[&str]| detect(&argv(words)).unwrap();
        assert!(matches!(
            detected(&[
                "-H",
                "unix:///x.sock",
                "--context=a",
                "exec",
                "-u",
                "0",
                "c"
            ]),
            Some(Guarded::Exec(_))
        ));
        assert!(matches!(
            detected(&["-D", "buildx", "build", "."]),
            Some(Guarded::Build(_))
        ));
        for words in [
            &["ps"][..],
            &["exec"],
            &["run", "img"],
            &["--context", "exec", "ps"],
            &["logs", "exec"],
        ] {
            assert_eq!(detected(words), None, "{words:?}");
        }
    }

    /// A guarded command as `commands::exec` and `commands::build` decide it: the decision,
    /// and the handoff that would show and run it.
    struct Judged {
        decision: crate::decision::Decision,
        argv: Vec<OsString>,
        shown: Vec<OsString>,
    }

    impl Judged {
        fn plan(&self) -> &crate::plan::Plan {
            &self.decision.containers[0].plan
        }

        fn report(
            &self,
            out: &mut Vec<u8>,
            err: &mut Vec<u8>,
            format: Format,
            explain: bool,
            dry_run: bool,
        ) {
            let handoff = crate::commands::passthrough::Verbatim {
                argv: &self.argv,
                shown: self.shown.clone(),
                depth: 0,
            };
            let presentation = crate::deliver::Presentation {
                format,
                explain,
                dry_run,
            };
            crate::deliver::report(out, err, presentation, &self.decision, &handoff).unwrap();
        }
    }

    fn judged(profile: &str, words: &[&str], allow: &[&str]) -> Judged {
        let profile = crate::profile::load(profile, &Builtins).unwrap();
        let allowed = allow
            .iter()
            .map(|rule| crate::waivers::Allowed {
                rule: crate::rules::find(rule).unwrap().id,
                reason: None,
            })
            .collect();
        let waivers =
            crate::waivers::Waivers::allowed_only(allowed, crate::waivers::Date::from_unix_days(0));
        let argv = argv(words);
        let params = profile
            .setting(crate::rules::build_arg_secrets::RULE.id)
            .map(|s| s.params.clone())
            .unwrap_or_default();
        let (findings, shown) = match detect(&argv).unwrap().unwrap() {
            Guarded::Exec(line) => (line.findings(), line.argv().to_vec()),
            Guarded::Build(line) => (line.findings(&params, &|_| None), line.masked(&params)),
        };
        let decision = crate::decision::decide(crate::decision::Request {
            command: "exec".into(),
            profile: &profile,
            subjects: vec![crate::decision::Subject {
                service: None,
                image: String::new(),
                judged: crate::decision::Judged::Command(findings),
                waivers: waivers.for_container(""),
                service_waiver: None,
                notes: Vec::new(),
            }],
            trust: None,
        });
        Judged {
            decision,
            argv,
            shown,
        }
    }

    fn kinds(judged: &Judged) -> Vec<(&'static str, ChangeKind)> {
        judged
            .plan()
            .changes
            .iter()
            .filter(|c| c.kind != ChangeKind::Kept)
            .map(|c| (c.rule, c.kind))
            .collect()
    }

    #[test]
    fn levels_come_from_the_profile() {
        let words = ["exec", "--privileged", "-u", "0", "c", "sh"];
        assert_eq!(
            kinds(&judged("baseline", &words, &[])),
            [
                ("exec-privileged", ChangeKind::Refused),
                ("exec-root", ChangeKind::Warned)
            ]
        );
        assert_eq!(
            kinds(&judged("production", &words, &[])),
            [
                ("exec-privileged", ChangeKind::Refused),
                ("exec-root", ChangeKind::Refused)
            ]
        );
        assert_eq!(
            kinds(&judged("development", &words, &[])),
            [
                ("exec-privileged", ChangeKind::Warned),
                ("exec-root", ChangeKind::Warned)
            ]
        );
        assert_eq!(
            kinds(&judged("strict", &words, &["exec-root"])),
            [
                ("exec-privileged", ChangeKind::Refused),
                ("exec-root", ChangeKind::Waived)
            ]
        );
        let build = ["build", "--build-arg", "API_TOKEN=sk-secret-value", "."];
        assert_eq!(
            kinds(&judged("baseline", &build, &[])),
            [("build-arg-secrets", ChangeKind::Warned)]
        );
        assert_eq!(
            kinds(&judged("production", &build, &[])),
            [("build-arg-secrets", ChangeKind::Refused)]
        );
    }

    #[test]
    fn a_compliant_command_is_kept_and_shown_as_typed() {
        let judged = judged("production", &["exec", "-it", "c", "sh"], &[]);
        assert!(!judged.plan().is_refused());
        assert!(
            judged
                .plan()
                .changes
                .iter()
                .all(|c| c.kind == ChangeKind::Kept)
        );
        assert_eq!(judged.shown, argv(&["exec", "-it", "c", "sh"]));
    }

    #[test]
    fn the_report_never_shows_a_secret_value() {
        let words = [
            "build",
            "--build-arg",
            "API_TOKEN=sk-secret-value",
            "-t",
            "a:1",
            ".",
        ];
        for (profile, format, explain, dry_run) in [
            ("production", Format::Text, true, false),
            ("production", Format::Json, false, true),
            ("baseline", Format::Text, false, true),
            ("baseline", Format::Json, true, false),
            ("baseline", Format::Json, false, true),
        ] {
            let judged = judged(profile, &words, &[]);
            let (mut out, mut err) = (Vec::new(), Vec::new());
            judged.report(&mut out, &mut err, format, explain, dry_run);
            let all = format!(
                "{}{}",
                String::from_utf8(out).unwrap(),
                String::from_utf8(err).unwrap()
            );
            assert!(all.contains("API_TOKEN"), "{all}");
            assert!(!all.contains("sk-secret-value"), "{all}");
        }
    }

    #[test]
    fn a_refusal_reads_as_run_s_do() {
        let judged = judged("production", &["exec", "-u", "0", "c", "id"], &[]);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        judged.report(&mut out, &mut err, Format::Text, false, false);
        assert!(out.is_empty());
        let err = String::from_utf8(err).unwrap();
        assert_eq!(
            err,
            "hardrun: refused by profile 'production': rule 'exec-root' forbids -u 0: the exec \
             process runs as root in the container, whatever user the container runs as\n\
             help: change or remove -u 0, or waive the rule for this invocation with \
             `hardrun --allow exec-root …` (`=REASON` after the rule records why; strict \
             requires it)\n"
        );
    }
}
