//! hardrun's own command-line surface: its options, its subcommands, and where docker's
//! command line begins.
//!
//! hardrun's options come first and stop at the first word that is not one of them (or at
//! `--`); everything after that is docker's, taken verbatim from argv, never through clap. So
//! `hardrun --profile production compose --profile web up` leaves compose's `--profile` alone,
//! and no docker option is ever captured. hardrun uses no short letters, since docker's global
//! options use them.

use std::ffi::OsString;

use clap::{Parser, Subcommand, ValueEnum};

/// hardrun's options and subcommands. Used to parse them, and to generate help, completions
/// and the man page.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "hardrun",
    version,
    about = "Harden every `docker run` with a named profile, explain each change, then hand off to docker.",
    long_about = None,
    disable_help_subcommand = true,
    override_usage = "hardrun [OPTIONS] <DOCKER COMMAND>...\n       hardrun [OPTIONS] verify [CONTAINER]...\n       hardrun [OPTIONS] check [--format text|json|sarif] [PATH]...\n       hardrun [OPTIONS] fit [--probe-http PORT[/PATH]|--probe-tcp PORT|--probe-cmd CMD|--probe-healthy] [--write] run ... IMAGE ...\n       hardrun doctor [--format F] CONTAINER\n       hardrun [OPTIONS] profiles [list|show NAME]\n       hardrun rules [ID]\n       hardrun completions <SHELL>",
    after_help = "DOCKER COMMAND:\n  Any docker command line, as you would type it after `docker`. `run`, `create`, `container run` and\n  `container create` are hardened with the profile; every other command is handed to docker unchanged.\n  hardrun's options stop at the first word that is not one of them, or at `--`.\n\nEXAMPLES:\n  hardrun --dry-run run --rm -p 8080:80 nginx:1.27\n  hardrun --profile production --explain run -d --name web nginx:1.27\n  alias docker='hardrun --'\n\nEXIT STATUS:\n  docker's own status after the handoff; 125 refused by the profile or a command line hardrun cannot\n  read with certainty; 2 a usage or profile error; 126/127 docker not executable / not found.\n  verify: 0 every rule passes, 1 a rule fails, 2 a container could not be evaluated.\n  fit: 0 an adjustment found (or none needed); 3 no adjustment within the profile's deny rules makes the probe pass.\n  doctor: 0 healthy; 1 a cause found; 2 cannot tell.\n  check: 0 nothing fails, 1 a finding fails (--fail-on, else what the profile refuses), 2 a file could not be evaluated."
)]
pub struct Cli {
    /// Profile to apply: a built-in name, a name in ./.hardrun/profiles or ~/.config/hardrun/profiles, or a YAML path
    #[arg(long, env = "HARDRUN_PROFILE", value_name = "NAME|PATH")]
    pub profile: Option<String>,

    /// Waive a rule for this invocation, with the reason after `=` (repeatable; strict requires the reason)
    #[arg(long, value_name = "RULE[=REASON]")]
    pub allow: Vec<String>,

    /// Print the hardened command and run nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print every change, with its rule and reason, to stderr before running
    #[arg(long)]
    pub explain: bool,

    /// With `run -d`: check the started container with `verify` and report on stderr
    #[arg(long)]
    pub verify: bool,

    /// Write no audit record for this invocation (HARDRUN_AUDIT=off does the same for all)
    #[arg(long)]
    pub no_audit: bool,

    /// Output format for --dry-run, --explain and the subcommands
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
}

/// `check --fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    pub fn severity(self) -> crate::rules::Severity {
        use crate::rules::Severity;
        match self {
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
            FailOn::Critical => Severity::Critical,
        }
    }
}

/// hardrun's own subcommands. Any other word starts a docker command.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// List the profiles, or show one resolved through `extends`
    Profiles {
        #[command(subcommand)]
        action: Option<ProfilesAction>,
    },
    /// List the rules, or show one rule's documentation
    Rules {
        /// Rule id
        id: Option<String>,
    },
    /// Check running containers against a profile (default: the profile recorded on each)
    Verify {
        /// Profile to check against (default: the one recorded on each container, else baseline)
        #[arg(long, value_name = "NAME|PATH")]
        profile: Option<String>,
        /// Output format
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
        /// Check the running containers of this compose project
        #[arg(long, value_name = "NAME", conflicts_with = "containers")]
        project: Option<String>,
        /// Container names or ids; all running containers when none is given
        containers: Vec<String>,
    },
    /// Audit compose files, Dockerfiles and the docker run lines of scripts, Makefiles and CI YAML against the profile, for CI
    Check {
        /// Output format
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Fail (exit 1) on findings of this severity or above (default: what the profile refuses)
        #[arg(long, value_enum, value_name = "SEVERITY")]
        fail_on: Option<FailOn>,
        /// Accept the findings of this baseline file: fail only on new ones
        #[arg(long, value_name = "FILE")]
        baseline: Option<std::path::PathBuf>,
        /// Write every finding into this baseline file
        #[arg(long, value_name = "FILE")]
        write_baseline: Option<std::path::PathBuf>,
        /// Print the fixes as a unified diff (an override file for compose, lines for Dockerfiles); no file is changed
        #[arg(long)]
        fix: bool,
        /// Files or directories (default: the working directory, honouring .gitignore)
        paths: Vec<std::path::PathBuf>,
    },
    /// Find the smallest adjustment under which an image or a compose service works under the profile: throw-away trial containers, probed
    Fit(FitArgs),
    /// Say why a container exited, restarts or is unhealthy, and the adjustment that fixes it
    Doctor {
        /// Output format
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
        /// Log lines to read
        #[arg(long, default_value_t = 100)]
        tail: usize,
        /// The container's name or id
        container: String,
    },
    /// Print a shell completion script
    Completions {
        /// Shell to generate for
        shell: clap_complete::Shell,
    },
}

/// `hardrun fit …`.
#[derive(Debug, Clone, clap::Args)]
pub struct FitArgs {
    /// The probe passes when an HTTP GET of PATH on the container's PORT answers 2xx or 3xx
    #[arg(long, value_name = "PORT[/PATH]", group = "probe")]
    pub probe_http: Option<String>,
    /// The probe passes when the container's PORT accepts a TCP connection
    #[arg(long, value_name = "PORT", group = "probe")]
    pub probe_tcp: Option<String>,
    /// The probe passes when CMD succeeds inside the container (`docker exec … sh -c CMD`)
    #[arg(long, value_name = "CMD", group = "probe")]
    pub probe_cmd: Option<String>,
    /// The probe passes when the container's health check reports healthy
    #[arg(long, group = "probe")]
    pub probe_healthy: bool,
    /// How long a trial may take to pass (default 30; without a probe, how long it must keep running, default 5)
    #[arg(long, value_name = "N")]
    pub seconds: Option<u64>,
    /// Add the adjustment found to .hardrun.yaml (the one found upward from here, else a new one here; appending, never reformatting)
    #[arg(long)]
    pub write: bool,
    /// Trials run at once, where the search has independent ones (more is faster for light images, and can time out heavy ones)
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub parallel: usize,
    /// The docker run command line, run [OPTIONS] IMAGE [COMMAND] [ARG...], or a compose service, compose [OPTIONS] SERVICE
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "RUN … IMAGE | COMPOSE … SERVICE"
    )]
    pub command: Vec<std::ffi::OsString>,
}

/// `hardrun profiles …`.
#[derive(Debug, Clone, Subcommand)]
pub enum ProfilesAction {
    /// List the available profiles
    List,
    /// Print a profile after resolving `extends`
    Show {
        /// Profile name or path
        name: String,
    },
}

/// The names of hardrun's own subcommands.
pub const SUBCOMMANDS: [&str; 7] = [
    "profiles",
    "rules",
    "verify",
    "check",
    "fit",
    "doctor",
    "completions",
];

/// hardrun's options: long name and whether it takes a value. `--help` and `--version` are
/// hardrun's only when hardrun runs under its own name.
const OPTIONS: [(&str, bool); 7] = [
    ("profile", true),
    ("allow", true),
    ("dry-run", false),
    ("explain", false),
    ("verify", false),
    ("no-audit", false),
    ("format", true),
];

/// Reads hardrun's options without clap, for the common case: only the options in `OPTIONS`,
/// with valid values. Anything else (help, version, a subcommand, a bad value) returns `None`
/// and goes through clap, which knows how to explain it. Building clap's parser costs more than
/// the rest of a typical run, and this path runs before every docker command.
pub fn fast_parse(own: &[OsString]) -> Option<Cli> {
    let mut cli = Cli {
        profile: None,
        allow: Vec::new(),
        dry_run: false,
        explain: false,
        verify: false,
        no_audit: false,
        format: OutputFormat::Text,
        command: None,
    };
    let mut words = own.iter();
    let mut seen: Vec<&str> = Vec::new();
    while let Some(word) = words.next() {
        let body = word.to_str()?.strip_prefix("--")?;
        let (name, inline) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (body, None),
        };
        let mut value = || -> Option<String> {
            match &inline {
                Some(value) => Some(value.clone()),
                None => words.next()?.to_str().map(str::to_owned),
            }
        };
        // clap refuses a repeated single-valued option; let it say so.
        if name != "allow" && seen.contains(&name) {
            return None;
        }
        seen.push(name);
        match name {
            "profile" => cli.profile = Some(value()?),
            "allow" => cli.allow.push(value()?),
            "format" => {
                cli.format = match value()?.as_str() {
                    "text" => OutputFormat::Text,
                    "json" => OutputFormat::Json,
                    _ => return None,
                }
            }
            "dry-run" if inline.is_none() => cli.dry_run = true,
            "explain" if inline.is_none() => cli.explain = true,
            "verify" if inline.is_none() => cli.verify = true,
            "no-audit" if inline.is_none() => cli.no_audit = true,
            _ => return None,
        }
    }
    Some(cli)
}

/// hardrun's argv split in two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// hardrun's own options (and subcommand words, when there is a subcommand).
    pub own: Vec<OsString>,
    /// docker's command line, verbatim.
    pub docker: Vec<OsString>,
}

/// Splits `args` (without the program name) into hardrun's options and docker's command line.
/// `help_is_ours` gives hardrun `--help`/`-h`/`--version`/`-V` at the front.
pub fn split(args: &[OsString], help_is_ours: bool) -> Split {
    let mut index = 0;
    while index < args.len() {
        let Some(word) = args[index].to_str() else {
            break;
        };
        if word == "--" {
            return Split {
                own: args[..index].to_vec(),
                docker: args[index + 1..].to_vec(),
            };
        }
        if help_is_ours && matches!(word, "--help" | "-h" | "--version" | "-V") {
            index += 1;
            continue;
        }
        let Some(body) = word.strip_prefix("--") else {
            break;
        };
        let (name, inline) = match body.split_once('=') {
            Some((name, _)) => (name, true),
            None => (body, false),
        };
        match OPTIONS.iter().find(|(option, _)| *option == name) {
            Some((_, true)) if !inline => index += 2,
            Some(_) => index += 1,
            None => break,
        }
    }
    let index = index.min(args.len());
    let rest = &args[index..];
    if rest
        .first()
        .and_then(|w| w.to_str())
        .is_some_and(|w| SUBCOMMANDS.contains(&w))
    {
        return Split {
            own: args.to_vec(),
            docker: Vec::new(),
        };
    }
    Split {
        own: args[..index].to_vec(),
        docker: rest.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn words(items: &[&str]) -> Vec<OsString> {
        items.iter().map(OsString::from).collect()
    }

    fn split_words(items: &[&str]) -> (Vec<OsString>, Vec<OsString>) {
        let s = split(&words(items), true);
        (s.own, s.docker)
    }

    #[test]
    fn hardrun_options_stop_at_the_docker_command() {
        let (own, docker) =
            split_words(&["--profile", "production", "--dry-run", "run", "--rm", "img"]);
        assert_eq!(own, words(&["--profile", "production", "--dry-run"]));
        assert_eq!(docker, words(&["run", "--rm", "img"]));
    }

    #[test]
    fn docker_options_of_the_same_name_are_never_captured() {
        let (own, docker) = split_words(&[
            "--profile=production",
            "compose",
            "--profile",
            "web",
            "--dry-run",
            "up",
        ]);
        assert_eq!(own, words(&["--profile=production"]));
        assert_eq!(
            docker,
            words(&["compose", "--profile", "web", "--dry-run", "up"])
        );
    }

    #[test]
    fn docker_global_options_start_the_docker_command() {
        let (own, docker) = split_words(&["--explain", "-H", "unix:///x", "run", "img"]);
        assert_eq!(own, words(&["--explain"]));
        assert_eq!(docker, words(&["-H", "unix:///x", "run", "img"]));
    }

    #[test]
    fn a_double_dash_ends_hardrun_options_and_is_dropped() {
        let (own, docker) = split_words(&["--", "--version"]);
        assert!(own.is_empty());
        assert_eq!(docker, words(&["--version"]));
        let (_, docker) = split_words(&["--dry-run", "--", "run", "--", "img"]);
        assert_eq!(docker, words(&["run", "--", "img"]));
    }

    #[test]
    fn help_and_version_are_docker_s_under_the_docker_name() {
        let s = split(&words(&["--version"]), false);
        assert!(s.own.is_empty());
        assert_eq!(s.docker, words(&["--version"]));
    }

    #[test]
    fn subcommands_go_to_clap_whole() {
        let (own, docker) = split_words(&["--format", "json", "rules", "no-privileged"]);
        assert_eq!(own, words(&["--format", "json", "rules", "no-privileged"]));
        assert!(docker.is_empty());
    }

    #[test]
    fn the_split_table_matches_the_clap_definition() {
        let command = Cli::command();
        let mut from_clap: Vec<(String, bool)> = command
            .get_arguments()
            .filter_map(|arg| {
                let long = arg.get_long()?;
                (!matches!(long, "help" | "version"))
                    .then(|| (long.to_owned(), arg.get_action().takes_values()))
            })
            .collect();
        from_clap.sort();
        let mut table: Vec<(String, bool)> =
            OPTIONS.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect();
        table.sort();
        assert_eq!(from_clap, table);
        let subcommands: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
        assert_eq!(subcommands, SUBCOMMANDS);
        for arg in command.get_arguments() {
            assert!(
                arg.get_short().is_none() || matches!(arg.get_id().as_str(), "help" | "version"),
                "hardrun options take no short letters: docker uses them"
            );
        }
    }

    /// The committed completions and man page, regenerated from the clap definition. Run with
    /// `HARDRUN_UPDATE_GENERATED=1` to rewrite them after changing the CLI.
    #[test]
    #[allow(clippy::disallowed_methods)] // the test compares and rewrites committed files
    fn committed_completions_and_man_page_are_fresh() {
        use clap_complete::Shell;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut expected: Vec<(std::path::PathBuf, Vec<u8>)> = Vec::new();
        for (shell, file) in [
            (Shell::Bash, "hardrun.bash"),
            (Shell::Zsh, "_hardrun"),
            (Shell::Fish, "hardrun.fish"),
        ] {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "hardrun", &mut out);
            expected.push((root.join("completions").join(file), out));
        }
        let mut man = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut man)
            .unwrap();
        expected.push((root.join("man").join("hardrun.1"), man));
        let update = std::env::var_os("HARDRUN_UPDATE_GENERATED").is_some();
        for (path, content) in expected {
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &content).unwrap();
            }
            let committed = std::fs::read(&path).unwrap_or_default();
            assert!(
                committed == content,
                "{} is stale: run `HARDRUN_UPDATE_GENERATED=1 cargo test --lib cli::` and commit it",
                path.display()
            );
        }
    }

    #[test]
    fn the_fast_path_reads_options_as_clap_does() {
        let cases: [&[&str]; 6] = [
            &[],
            &["--profile", "production", "--dry-run"],
            &[
                "--profile=./p.yaml",
                "--allow",
                "no-privileged",
                "--allow=image-tag",
            ],
            &["--explain", "--format", "json"],
            &["--format=text", "--explain", "--dry-run"],
            &["--dry-run", "--explain", "--format", "json", "--allow", "x"],
        ];
        for case in cases {
            let fast = fast_parse(&words(case)).expect("the fast path reads it");
            let mut args = vec!["hardrun"];
            args.extend(case);
            let slow = Cli::try_parse_from(args).expect("clap reads it");
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{case:?}");
        }
    }

    #[test]
    fn the_fast_path_leaves_everything_else_to_clap() {
        let cases: [&[&str]; 9] = [
            &["--profile", "a", "--profile", "b"],
            &["--dry-run", "--dry-run"],
            &["--help"],
            &["--version"],
            &["-h"],
            &["--format", "yaml"],
            &["--dry-run=true"],
            &["--profile"],
            &["rules"],
        ];
        for case in cases {
            assert!(fast_parse(&words(case)).is_none(), "{case:?}");
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
