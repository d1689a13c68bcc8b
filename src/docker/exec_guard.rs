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
//! Shared with `build_guard`: `detect` finds which guard a command line is for, `Guarded`
//! turns its findings into a `Plan` by the profile's levels and `--allow`, so that `report`'s
//! refusal, warnings, `--explain` and JSON read as they do for `run`. Everything here is pure:
//! the environment (`--build-arg NAME`) comes in as a lookup function, output goes to writers.

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};

use thiserror::Error;

use crate::docker::build_guard::{self, BuildLine};
use crate::docker::flags::{FlagDef, GLOBAL_FLAGS, ValueKind, flag};
use crate::docker::invocation::quote_words;
use crate::docker::lexer::{LexError, Occurrence, lex};
use crate::plan::{Change, ChangeKind, Plan};
use crate::profile::Profile;
use crate::report::{self, Format, command_line};
use crate::rules::{Finding, Level, Params, exec_privileged, exec_root};

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

/// A guarded command, judged: the plan, and the command line as it may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub plan: Plan,
    /// The user's argv with the values of secret build arguments masked, for `--dry-run`.
    pub shown: Vec<OsString>,
    /// For `--explain` and the JSON `notes`.
    pub notes: Vec<String>,
}

impl Guarded {
    /// The docker command, for messages.
    pub fn command(&self) -> &'static str {
        match self {
            Guarded::Exec(_) => "exec",
            Guarded::Build(_) => "build",
        }
    }

    /// The user's argv: what docker receives.
    pub fn argv(&self) -> &[OsString] {
        match self {
            Guarded::Exec(line) => line.argv(),
            Guarded::Build(line) => line.argv(),
        }
    }

    /// Every finding of the guard's rules. `params_of` gives a rule's parameters from the
    /// profile; `env` is the environment docker will inherit.
    pub fn findings(
        &self,
        params_of: &dyn Fn(&str) -> Params,
        env: &dyn Fn(&OsStr) -> Option<OsString>,
    ) -> Vec<(&'static str, Finding)> {
        match self {
            Guarded::Exec(line) => line.findings(),
            Guarded::Build(line) => {
                let params = params_of(crate::rules::build_arg_secrets::RULE.id);
                line.findings(&params, env)
            }
        }
    }

    /// Judges the command with `profile`; `allow` waives rules for this invocation.
    pub fn judge(
        &self,
        profile: &Profile,
        allow: &[String],
        env: &dyn Fn(&OsStr) -> Option<OsString>,
    ) -> Judged {
        let params_of = |id: &str| {
            profile
                .setting(id)
                .map(|s| s.params.clone())
                .unwrap_or_default()
        };
        let findings = self.findings(&params_of, env);
        let shown = match self {
            Guarded::Exec(line) => line.argv().to_vec(),
            Guarded::Build(line) => {
                line.masked(&params_of(crate::rules::build_arg_secrets::RULE.id))
            }
        };
        let notes = vec![format!(
            "docker {} is judged, never changed: docker receives it as typed",
            self.command()
        )];
        Judged {
            plan: plan(profile, findings, allow),
            shown,
            notes,
        }
    }
}

/// The guards' plan: each finding of a rule the profile evaluates, decided by its level. Only
/// refusal rules guard commands, so a forbidden setting is refused (`deny`), waived
/// (`--allow`) or warned about; a satisfied rule is kept. Rules are in registry order.
pub fn plan(profile: &Profile, findings: Vec<(&'static str, Finding)>, allow: &[String]) -> Plan {
    let mut changes = Vec::new();
    for setting in profile.rules.iter().filter(|s| s.level != Level::Off) {
        let rule = setting.rule.id;
        let waived = allow.iter().any(|id| id == rule);
        for (_, finding) in findings.iter().filter(|(id, _)| *id == rule) {
            let (kind, offending, reason) = match finding.clone() {
                Finding::Forbidden { offending, reason } => {
                    let kind = if waived {
                        ChangeKind::Waived
                    } else if setting.level == Level::Deny {
                        ChangeKind::Refused
                    } else {
                        ChangeKind::Warned
                    };
                    (kind, Some(offending), reason)
                }
                Finding::Weaker {
                    offending, reason, ..
                } => (ChangeKind::Warned, Some(offending), reason),
                Finding::Missing { reason, .. } => (ChangeKind::Warned, None, reason),
                Finding::Satisfied(reason) => (ChangeKind::Kept, None, reason),
                Finding::NotApplicable(reason) => {
                    (ChangeKind::Kept, None, format!("not applicable: {reason}"))
                }
            };
            changes.push(Change {
                rule,
                kind,
                reason,
                offending,
                edits: Vec::new(),
            });
        }
    }
    Plan {
        profile: profile.name.clone(),
        changes,
    }
}

impl Judged {
    /// Writes what hardrun says about a guarded command, as it does for `run`: a refusal (and
    /// `--explain` before it), or warnings and waivers (or `--explain`), and with `--dry-run`
    /// the command docker would receive, secret values masked; `--format json` gives the same
    /// as JSON, on stdout for a dry run and on stderr otherwise.
    pub fn report(
        &self,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
        source: &str,
        format: Format,
        explain: bool,
        dry_run: bool,
    ) -> io::Result<()> {
        let plan = &self.plan;
        if plan.is_refused() {
            return match format {
                Format::Json => {
                    let json = report::to_json(plan, source, None, &self.notes);
                    if dry_run {
                        writeln!(stdout, "{json:#}")
                    } else {
                        writeln!(stderr, "{json:#}")
                    }
                }
                Format::Text => {
                    if explain {
                        report::explain(stderr, plan, source, &self.notes)?;
                    }
                    report::refusal(stderr, plan)
                }
            };
        }
        match format {
            Format::Json if dry_run || explain => {
                let json = report::to_json(plan, source, Some(&self.shown), &self.notes);
                if dry_run {
                    writeln!(stdout, "{json:#}")
                } else {
                    writeln!(stderr, "{json:#}")
                }
            }
            Format::Json => Ok(()),
            Format::Text => {
                if explain {
                    report::explain(stderr, plan, source, &self.notes)?;
                } else {
                    report::warnings(stderr, plan)?;
                }
                if dry_run {
                    writeln!(stdout, "{}", command_line(&self.shown))?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::builtin::Builtins;

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

    fn judged(profile: &str, words: &[&str], allow: &[&str]) -> Judged {
        let profile = crate::profile::load(profile, &Builtins).unwrap();
        let allow: Vec<String> = allow.iter().map(|s| (*s).to_owned()).collect();
        detect(&argv(words))
            .unwrap()
            .unwrap()
            .judge(&profile, &allow, &|_| None)
    }

    fn kinds(judged: &Judged) -> Vec<(&'static str, ChangeKind)> {
        judged
            .plan
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
        assert!(!judged.plan.is_refused());
        assert!(
            judged
                .plan
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
            judged
                .report(&mut out, &mut err, "built-in", format, explain, dry_run)
                .unwrap();
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
        judged
            .report(&mut out, &mut err, "built-in", Format::Text, false, false)
            .unwrap();
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
