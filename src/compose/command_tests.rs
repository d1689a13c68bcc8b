//! The tests of `command`: compose command lines read as compose reads them, in every
//! spelling, and refused where a reading would be a guess.

use super::*;
use std::os::unix::ffi::OsStringExt;

fn words(items: &[&str]) -> Vec<OsString> {
    items.iter().map(OsString::from).collect()
}

/// `docker compose …`, with `compose` at index 0.
fn try_compose(items: &[&str]) -> Result<ComposeCommand, ComposeError> {
    let mut argv = words(&["compose"]);
    argv.extend(words(items));
    parse(&argv, 0)
}

fn compose(items: &[&str]) -> ComposeCommand {
    try_compose(items).unwrap_or_else(|e| panic!("{items:?}: {e}"))
}

fn action(items: &[&str]) -> ComposeAction {
    compose(items).action()
}

fn run_of(items: &[&str]) -> ComposeRun {
    compose(items).run().cloned().expect("a compose run")
}

fn origins(values: &[Sourced<String>]) -> Vec<&str> {
    values.iter().map(|s| s.origin.as_str()).collect()
}

fn values(values: &[Sourced<String>]) -> Vec<&str> {
    values.iter().map(|s| s.value.as_str()).collect()
}

// ---- root options ----

#[test]
fn files_in_every_spelling_in_order() {
    let command = compose(&[
        "-f",
        "a.yml",
        "-f=b.yml",
        "--file",
        "c.yml",
        "-fd.yml",
        "--file=e.yml",
        "up",
    ]);
    assert_eq!(
        command.files(),
        words(&["a.yml", "b.yml", "c.yml", "d.yml", "e.yml"])
    );
    assert_eq!(command.action(), ComposeAction::Harden(Subcommand::Up));
    assert_eq!(command.root().len(), 5);
}

#[test]
fn a_stdin_file_is_a_file_like_any_other() {
    assert_eq!(compose(&["-f", "-", "up"]).files(), words(&["-"]));
}

#[test]
fn project_name_spellings_and_the_last_one_wins() {
    assert_eq!(
        compose(&["-p", "name", "up"]).project_name(),
        Some("name".into())
    );
    assert_eq!(
        compose(&["--project-name=x", "up"]).project_name(),
        Some("x".into())
    );
    assert_eq!(
        compose(&["--project-name", "x", "-py", "up"]).project_name(),
        Some("y".into())
    );
    assert_eq!(compose(&["up"]).project_name(), None);
    // `-pf` is the project name "f", not a file.
    let command = compose(&["-pf", "up"]);
    assert_eq!(command.project_name(), Some("f".into()));
    assert!(command.files().is_empty());
}

#[test]
fn profiles_and_env_files_keep_their_order() {
    let command = compose(&[
        "--profile",
        "web",
        "--env-file",
        ".env.prod",
        "--profile=db",
        "--env-file=.env.local",
        "up",
    ]);
    assert_eq!(command.profiles(), words(&["web", "db"]));
    assert_eq!(command.env_files(), words(&[".env.prod", ".env.local"]));
    assert_eq!(command.root_values("profile"), words(&["web", "db"]));
}

#[test]
fn project_directory_and_its_deprecated_spelling() {
    assert_eq!(
        compose(&["--project-directory", "/a", "up"]).project_directory(),
        Some("/a".into())
    );
    assert_eq!(
        compose(&["--workdir", "/w", "up"]).project_directory(),
        Some("/w".into())
    );
    assert_eq!(
        compose(&["--project-directory=/a", "--workdir", "/b", "up"]).project_directory(),
        Some("/b".into())
    );
}

#[test]
fn other_root_options_are_read_and_kept() {
    let command = compose(&[
        "--ansi",
        "never",
        "--progress=plain",
        "--parallel",
        "4",
        "--compatibility",
        "--all-resources",
        "--verbose",
        "--no-ansi",
        "-v",
        "--insecure-registry",
        "r.example",
        "up",
    ]);
    assert_eq!(command.action(), ComposeAction::Harden(Subcommand::Up));
    let names: Vec<&str> = command.root().iter().map(|o| o.flag.long).collect();
    assert_eq!(
        names,
        [
            "ansi",
            "progress",
            "parallel",
            "compatibility",
            "all-resources",
            "verbose",
            "no-ansi",
            "version",
            "insecure-registry"
        ]
    );
    assert_eq!(command.root_words().len(), 12);
}

#[test]
fn parallel_takes_a_base_0_integer() {
    for value in ["4", "-1", "0x10", "0o7", "1_000"] {
        assert!(try_compose(&["--parallel", value, "up"]).is_ok(), "{value}");
    }
    let error = try_compose(&["--parallel", "x", "up"]).unwrap_err();
    assert_eq!(
        error,
        ComposeError::InvalidValue {
            flag: "--parallel".into(),
            value: "x".into(),
            place: ROOT,
            expected: "expected an integer",
        }
    );
    assert_eq!(
        error.to_string(),
        "invalid value \"x\" for --parallel before the compose subcommand: expected an integer"
    );
    assert!(try_compose(&["--parallel=", "up"]).is_err());
}

#[test]
fn dry_run_before_and_after_the_subcommand() {
    assert!(compose(&["--dry-run", "up"]).dry_run());
    assert!(compose(&["up", "--dry-run"]).dry_run());
    assert!(compose(&["up", "-d", "web", "--dry-run"]).dry_run());
    assert!(compose(&["run", "--dry-run", "web"]).dry_run());
    assert!(compose(&["--dry-run", "run", "web"]).dry_run());
    assert!(compose(&["create", "--dry-run"]).dry_run());
    assert!(compose(&["scale", "--dry-run", "web=2"]).dry_run());
    assert!(compose(&["watch", "--dry-run"]).dry_run());
    assert!(compose(&["alpha", "--dry-run", "watch"]).dry_run());
    assert!(!compose(&["up"]).dry_run());
    assert!(!compose(&["--dry-run=false", "up"]).dry_run());
    // The last one wins, root first.
    assert!(!compose(&["--dry-run", "up", "--dry-run=false"]).dry_run());
    assert!(compose(&["--dry-run=false", "up", "--dry-run"]).dry_run());
    assert!(!compose(&["--dry-run", "run", "--dry-run=0", "web"]).dry_run());
    // After SERVICE, or after `--`, it belongs to the container or names a service.
    assert!(!compose(&["run", "web", "--dry-run"]).dry_run());
    assert!(!compose(&["up", "--", "--dry-run"]).dry_run());
    // With no subcommand, and for subcommands that pass through (best effort).
    assert!(compose(&["--dry-run"]).dry_run());
    assert!(compose(&["down", "--dry-run"]).dry_run());
    assert!(!compose(&["down", "--", "--dry-run"]).dry_run());
    // Options hardrun cannot read: any `--dry-run` word counts.
    assert!(compose(&["up", "--some-new-flag", "--dry-run"]).dry_run());
    assert!(!compose(&["--dry-run", "up", "--new", "--dry-run=false"]).dry_run());
}

// ---- subcommands ----

#[test]
fn subcommands_that_create_containers_are_hardened() {
    assert_eq!(action(&["up"]), ComposeAction::Harden(Subcommand::Up));
    assert_eq!(action(&["up", "-d"]), ComposeAction::Harden(Subcommand::Up));
    assert_eq!(
        action(&["create"]),
        ComposeAction::Harden(Subcommand::Create)
    );
    assert_eq!(
        action(&["run", "web"]),
        ComposeAction::Harden(Subcommand::Run)
    );
    assert_eq!(
        action(&["scale", "web=3"]),
        ComposeAction::Harden(Subcommand::Scale)
    );
    assert_eq!(action(&["watch"]), ComposeAction::Harden(Subcommand::Watch));
    for kind in [
        Subcommand::Up,
        Subcommand::Create,
        Subcommand::Run,
        Subcommand::Scale,
        Subcommand::Watch,
    ] {
        assert_eq!(Subcommand::from_word(kind.name()), Some(kind));
    }
}

#[test]
fn every_other_subcommand_passes_through() {
    for items in [
        &[][..],
        &["ps"],
        &["down", "-v"],
        &["exec", "web", "sh"],
        &["logs", "-f"],
        &["start"],
        &["restart", "web"],
        &["stop"],
        &["config", "--format", "json"],
        &["version"],
        &["ls"],
        &["build"],
        &["pull"],
        &["kill"],
        &["rm", "-f"],
        &["help", "up"],
        &["attach", "web"],
        &["upp"],
        &["UP"],
        &["-"],
        &["-f", "x.yml"],
        &["--help"],
        &["-h"],
        &["-v"],
    ] {
        assert_eq!(action(items), ComposeAction::PassThrough, "{items:?}");
    }
    assert_eq!(compose(&["ps"]).subcommand(), Some("ps"));
    assert_eq!(compose(&[]).subcommand(), None);
    assert_eq!(compose(&["-f", "x.yml"]).subcommand_at(), None);
}

#[test]
fn a_value_option_may_hold_a_subcommand_word() {
    let command = compose(&["-p", "up", "ps"]);
    assert_eq!(command.action(), ComposeAction::PassThrough);
    assert_eq!(command.subcommand(), Some("ps"));
    assert_eq!(command.project_name(), Some("up".into()));
    let command = compose(&["-f", "run", "create"]);
    assert_eq!(command.action(), ComposeAction::Harden(Subcommand::Create));
    assert_eq!(command.files(), words(&["run"]));
    // A boolean never takes the next word.
    assert_eq!(
        action(&["--compatibility", "up"]),
        ComposeAction::Harden(Subcommand::Up)
    );
    assert_eq!(
        action(&["--compatibility", "false", "up"]),
        ComposeAction::PassThrough
    );
}

#[test]
fn alpha_watch_and_alpha_scale() {
    let command = compose(&["-p", "x", "alpha", "watch", "web"]);
    assert_eq!(command.action(), ComposeAction::Harden(Subcommand::Watch));
    assert_eq!(command.subcommand(), Some("alpha watch"));
    assert_eq!(command.subcommand_at(), Some(3));
    assert_eq!(command.options_at(), Some(5));
    assert_eq!(command.root_words(), words(&["-p", "x"]));
    assert_eq!(
        command.subcommand_words(),
        words(&["alpha", "watch", "web"])
    );
    assert_eq!(command.services(), ["web"]);
    assert_eq!(
        action(&["alpha", "--dry-run", "watch"]),
        ComposeAction::Harden(Subcommand::Watch)
    );
    assert_eq!(
        action(&["alpha", "scale", "web=2"]),
        ComposeAction::Harden(Subcommand::Scale)
    );
    assert_eq!(action(&["alpha", "viz"]), ComposeAction::PassThrough);
    assert_eq!(action(&["alpha", "publish"]), ComposeAction::PassThrough);
    assert_eq!(action(&["alpha"]), ComposeAction::PassThrough);
    assert_eq!(compose(&["alpha"]).subcommand(), Some("alpha"));
    assert_eq!(
        action(&["alpha", "--help", "watch"]),
        ComposeAction::PassThrough
    );
    assert_eq!(
        action(&["alpha", "watch", "-h"]),
        ComposeAction::PassThrough
    );
    assert!(matches!(
        try_compose(&["alpha", "--bogus", "watch"]),
        Err(ComposeError::UnknownFlag { place: ALPHA, .. })
    ));
}

#[test]
fn help_anywhere_compose_reads_it_passes_through() {
    for items in [
        &["--help", "up"][..],
        &["-h", "up"],
        &["--help=true", "up"],
        &["up", "--help"],
        &["up", "web", "--help"],
        &["up", "-dh"],
        &["create", "-h"],
        &["scale", "--help"],
        &["watch", "--help"],
        &["run", "--help"],
        &["run", "-h", "web"],
        &["run", "-dh", "web"],
        &["-h", "run", "web"],
    ] {
        assert_eq!(action(items), ComposeAction::PassThrough, "{items:?}");
        assert!(compose(items).help(), "{items:?}");
    }
    // `--help=false` is not help; the last one wins.
    assert_eq!(
        action(&["--help=false", "up"]),
        ComposeAction::Harden(Subcommand::Up)
    );
    assert_eq!(
        action(&["up", "--help", "--help=false"]),
        ComposeAction::Harden(Subcommand::Up)
    );
    // After SERVICE, `--help` is the container's.
    assert_eq!(
        action(&["run", "web", "--help"]),
        ComposeAction::Harden(Subcommand::Run)
    );
    // Where the options cannot be read, help is never guessed: hardened.
    assert_eq!(
        action(&["up", "--new-flag", "--help"]),
        ComposeAction::Harden(Subcommand::Up)
    );
    assert!(compose(&["run", "--help"]).run().is_none());
}

#[test]
fn words_around_the_subcommand() {
    let argv = words(&["--context", "x", "compose", "-p", "n", "up", "-d", "web"]);
    let command = parse(&argv, 2).unwrap();
    assert_eq!(command.compose_at(), 2);
    assert_eq!(command.docker_words(), words(&["--context", "x"]));
    assert_eq!(command.root_words(), words(&["-p", "n"]));
    assert_eq!(command.subcommand_at(), Some(5));
    assert_eq!(command.options_at(), Some(6));
    assert_eq!(command.subcommand_words(), words(&["up", "-d", "web"]));
    assert_eq!(command.argv(), argv.as_slice());
    assert_eq!(command.root()[0].tokens, 3..5);
    let command = compose(&["-f", "a.yml"]);
    assert_eq!(command.root_words(), words(&["-f", "a.yml"]));
    assert!(command.subcommand_words().is_empty());
    assert_eq!(command.options_at(), None);
}

// ---- without_files ----

#[test]
fn without_files_keeps_the_rest_in_order() {
    let command = compose(&[
        "--profile",
        "a",
        "-f",
        "x.yml",
        "-p",
        "n",
        "--file=y.yml",
        "-fz.yml",
        "--env-file",
        "e",
        "--file",
        "w.yml",
        "--dry-run",
        "up",
        "-d",
    ]);
    assert_eq!(
        command.without_files().unwrap(),
        words(&["--profile", "a", "-p", "n", "--env-file", "e", "--dry-run"])
    );
    assert_eq!(
        compose(&["-p", "n", "up"]).without_files().unwrap(),
        words(&["-p", "n"])
    );
    assert!(compose(&["up"]).without_files().unwrap().is_empty());
    // A file named like an option is still a value, taken out with its flag.
    assert_eq!(
        compose(&["-f", "--profile", "--profile", "p", "up"])
            .without_files()
            .unwrap(),
        words(&["--profile", "p"])
    );
}

#[test]
fn a_bundled_file_cannot_be_taken_out() {
    let error = compose(&["-vfx.yml", "up"]).without_files().unwrap_err();
    assert_eq!(
        error,
        ComposeError::BundledFile {
            word: "-vfx.yml".into()
        }
    );
    assert!(error.to_string().starts_with("-f/--file is bundled"));
    assert!(compose(&["-hfx.yml", "up"]).without_files().is_err());
    // With its value in the next word, cobra takes that word as the subcommand: compose
    // fails (verified), and hardrun refuses before.
    assert!(matches!(
        try_compose(&["-vf", "x.yml", "up"]),
        Err(ComposeError::AmbiguousSubcommand { .. })
    ));
    // A bundle without -f stays.
    assert_eq!(
        compose(&["-vpx", "-f", "a", "ps"]).without_files().unwrap(),
        words(&["-vpx"])
    );
}

// ---- compose run ----

#[test]
fn run_options_are_read_with_their_origins() {
    let run = run_of(&[
        "run",
        "--rm",
        "-u",
        "0",
        "--cap-add",
        "SYS_ADMIN",
        "-v",
        "/var/run/docker.sock:/s",
        "--entrypoint",
        "sh -c",
        "web",
        "id",
    ]);
    assert_eq!(run.service, "web");
    assert_eq!(run.service_at, 11);
    assert_eq!(run.command, words(&["id"]));
    assert!(run.rm);
    assert!(!run.detach);
    let user = run.user.as_ref().unwrap();
    assert_eq!((user.value.as_str(), user.origin.as_str()), ("0", "-u 0"));
    assert_eq!(values(&run.cap_add), ["SYS_ADMIN"]);
    assert_eq!(origins(&run.cap_add), ["--cap-add SYS_ADMIN"]);
    assert_eq!(values(&run.volumes), ["/var/run/docker.sock:/s"]);
    assert_eq!(origins(&run.volumes), ["-v /var/run/docker.sock:/s"]);
    let entrypoint = run.entrypoint.as_ref().unwrap();
    assert_eq!(entrypoint.value, "sh -c");
    assert_eq!(entrypoint.origin, "--entrypoint 'sh -c'");
    assert_eq!(run.options.len(), 5);
    assert_eq!(run.terminator, None);
    let command = compose(&["run", "--rm", "web"]);
    assert_eq!(command.services(), ["web"]);
    assert_eq!(command.action(), ComposeAction::Harden(Subcommand::Run));
}

#[test]
fn run_without_a_tty() {
    let run = run_of(&["run", "-T", "web"]);
    assert_eq!(run.service, "web");
    assert_eq!(run.options[0].flag.long, "no-TTY");
    let run = run_of(&["run", "--no-TTY", "-T=false", "-it", "web", "sh"]);
    assert_eq!(run.command, words(&["sh"]));
    let names: Vec<&str> = run.options.iter().map(|o| o.flag.long).collect();
    assert_eq!(names, ["no-TTY", "no-TTY", "interactive", "tty"]);
}

#[test]
fn after_service_every_word_belongs_to_the_command() {
    let run = run_of(&["run", "web", "--cap-add", "X", "-u", "0"]);
    assert!(run.cap_add.is_empty());
    assert!(run.user.is_none());
    assert_eq!(run.command, words(&["--cap-add", "X", "-u", "0"]));
}

#[test]
fn run_values_in_every_spelling() {
    let run = run_of(&[
        "run",
        "--cap-add=cap_net_admin",
        "--cap-drop",
        "ALL",
        "-dP",
        "-p=8080:80",
        "--publish",
        "127.0.0.1:9000:9000",
        "-dv/a:/b",
        "--volumes",
        "/c:/d",
        "--volume=/e:/f",
        "--user=1000:1000",
        "-u2000",
        "--labels",
        "a=b",
        "-l",
        "c=d",
        "--entrypoint=",
        "web",
    ]);
    assert_eq!(values(&run.cap_add), ["NET_ADMIN"]);
    assert_eq!(origins(&run.cap_add), ["--cap-add=cap_net_admin"]);
    assert_eq!(values(&run.cap_drop), ["ALL"]);
    assert!(run.detach);
    assert!(run.service_ports);
    assert_eq!(values(&run.publish), ["8080:80", "127.0.0.1:9000:9000"]);
    assert_eq!(values(&run.volumes), ["/a:/b", "/c:/d", "/e:/f"]);
    assert_eq!(
        origins(&run.volumes),
        ["-dv/a:/b", "--volumes /c:/d", "--volume=/e:/f"]
    );
    assert_eq!(run.user.as_ref().unwrap().value, "2000");
    assert_eq!(run.entrypoint.as_ref().unwrap().value, "");
    assert_eq!(run.entrypoint.as_ref().unwrap().origin, "--entrypoint=");
    assert!(!run.rm);
    assert!(!run_of(&["run", "--rm", "--rm=false", "web"]).rm);
}

#[test]
fn run_env_origins_never_show_values() {
    let run = run_of(&[
        "run",
        "-e",
        "A=secret",
        "--env",
        "B",
        "-eC=hidden",
        "--env=D=x",
        "web",
    ]);
    let origins: Vec<&str> = run.env.iter().map(|e| e.origin.as_str()).collect();
    assert_eq!(origins, ["-e A=***", "--env B", "-e C=***", "--env D=***"]);
    assert_eq!(run.env[0].value.as_deref(), Some("secret"));
    assert_eq!(run.env[1].value, None);
    let shown = format!("{:?}", run.env);
    assert!(!shown.contains("secret") && !shown.contains("hidden"));
}

#[test]
fn run_options_end_at_a_double_dash() {
    let run = run_of(&["run", "--rm", "--", "web", "sh", "-c", "id"]);
    assert_eq!(run.service, "web");
    assert_eq!(run.terminator, Some(3));
    assert_eq!(run.command, words(&["sh", "-c", "id"]));
    // A value flag takes the next word, even one that looks like an option.
    let run = run_of(&["run", "--name", "--rm", "web"]);
    assert!(!run.rm);
    assert_eq!(run.service, "web");
}

#[test]
fn run_without_service_is_an_error() {
    for items in [&["run"][..], &["run", "--rm"], &["run", "--rm", "--"]] {
        assert_eq!(
            try_compose(items).unwrap_err(),
            ComposeError::MissingService,
            "{items:?}"
        );
    }
    assert_eq!(
        ComposeError::MissingService.to_string(),
        "'compose run' needs a SERVICE"
    );
}

#[test]
fn unknown_run_options_are_refused() {
    let error = try_compose(&["run", "--privileged", "web"]).unwrap_err();
    assert_eq!(
        error,
        ComposeError::UnknownFlag {
            flag: "--privileged".into(),
            place: RUN
        }
    );
    assert_eq!(
        error.to_string(),
        "unknown option --privileged of 'compose run' (docker compose rejects it too)"
    );
    assert!(matches!(
        try_compose(&["run", "--no-build", "web"]),
        Err(ComposeError::UnknownFlag { .. })
    ));
    assert!(matches!(
        try_compose(&["run", "-f", "x", "web"]),
        Err(ComposeError::UnknownFlag { .. })
    ));
    let error = try_compose(&["run", "-dx", "web"]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown option -x (in -dx) of 'compose run' (docker compose rejects it too)"
    );
    let error = try_compose(&["run", "--user"]).unwrap_err();
    assert_eq!(
        error,
        ComposeError::MissingValue {
            flag: "--user".into(),
            place: RUN
        }
    );
    assert_eq!(
        error.to_string(),
        "option --user of 'compose run' needs a value"
    );
    assert!(matches!(
        try_compose(&["run", "--rm=maybe", "web"]),
        Err(ComposeError::BadOption { place: RUN, .. })
    ));
}

// ---- root errors ----

#[test]
fn root_errors_say_what_and_where() {
    let error = try_compose(&["--bogus", "up"]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown option --bogus before the compose subcommand (docker compose rejects it too)"
    );
    // docker's global options are not compose's.
    for items in [
        &["--context", "x", "up"][..],
        &["-c", "x", "up"],
        &["-H", "x", "up"],
        &["--debug", "up"],
    ] {
        assert!(
            matches!(
                try_compose(items),
                Err(ComposeError::UnknownFlag { place: ROOT, .. })
            ),
            "{items:?}"
        );
    }
    let error = try_compose(&["-f"]).unwrap_err();
    assert_eq!(
        error,
        ComposeError::MissingValue {
            flag: "-f".into(),
            place: ROOT
        }
    );
    assert_eq!(
        error.to_string(),
        "option -f before the compose subcommand needs a value"
    );
    assert!(matches!(
        try_compose(&["--project-name"]),
        Err(ComposeError::MissingValue { .. })
    ));
    assert!(matches!(
        try_compose(&["--dry-run=maybe", "up"]),
        Err(ComposeError::BadOption {
            error: LexError::InvalidBool { .. },
            place: ROOT
        })
    ));
    assert!(matches!(
        try_compose(&["---x", "up"]),
        Err(ComposeError::BadOption { .. })
    ));
    // Options of the subcommand before it are compose's error too.
    assert!(matches!(
        try_compose(&["-d", "up"]),
        Err(ComposeError::UnknownFlag { .. })
    ));
}

#[test]
fn where_cobra_and_pflag_disagree_on_the_subcommand_it_is_refused() {
    // compose runs `up` here (cobra's Traverse); pflag would read the subcommand `x`.
    for (items, word) in [
        (&["--", "x", "up"][..], "up"),
        (&["-p", "--file", "x", "up"], "up"),
        (&["-p", "-f", "x", "up"], "up"),
        (&["--profile", "--", "x", "up", "-d"], "up"),
        (&["-vp", "x", "up"], "x"),
    ] {
        let error = try_compose(items).unwrap_err();
        assert_eq!(
            error,
            ComposeError::AmbiguousSubcommand {
                word: word.into(),
                place: ROOT
            },
            "{items:?}"
        );
    }
    // Where cobra finds no subcommand word, compose runs none: pass through.
    for items in [&["--", "up"][..], &["-p", "--", "up"], &["--"]] {
        let command = compose(items);
        assert_eq!(command.action(), ComposeAction::PassThrough, "{items:?}");
        assert_eq!(command.subcommand_at(), None);
    }
    // Values that do not look like options read the same both ways.
    assert_eq!(
        action(&["-p", "x", "--file=y", "-fz", "up"]),
        ComposeAction::Harden(Subcommand::Up)
    );
    assert_eq!(
        action(&["--profile", "a=b", "up"]),
        ComposeAction::Harden(Subcommand::Up)
    );
}

#[test]
fn traverse_follows_cobra() {
    let at = |items: &[&str]| traverse(&words(items), 0, COMPOSE_ROOT_FLAGS);
    assert_eq!(at(&["up"]), Some(0));
    assert_eq!(at(&["--dry-run", "up"]), Some(1));
    assert_eq!(at(&["-h", "up"]), Some(1));
    assert_eq!(at(&["-p", "x", "up"]), Some(2));
    assert_eq!(at(&["-px", "up"]), Some(1));
    assert_eq!(at(&["-vp", "up"]), Some(1));
    assert_eq!(at(&["--file=a", "up"]), Some(1));
    assert_eq!(at(&["--bogus", "x", "up"]), Some(2));
    assert_eq!(at(&["--", "x", "up"]), Some(2));
    assert_eq!(at(&["-", "up"]), Some(0));
    assert_eq!(at(&["-f"]), None);
    assert_eq!(at(&[]), None);
}

// ---- services ----

#[test]
fn services_named_by_the_subcommand() {
    assert_eq!(
        compose(&["up", "-d", "web", "db"]).services(),
        ["web", "db"]
    );
    assert_eq!(
        compose(&[
            "up", "--scale", "web=3", "--pull", "always", "-t", "5", "web"
        ])
        .services(),
        ["web"]
    );
    assert_eq!(
        compose(&["up", "web", "-d", "db"]).services(),
        ["web", "db"]
    );
    assert_eq!(compose(&["up", "-dt5", "web"]).services(), ["web"]);
    assert_eq!(compose(&["up", "--", "-web"]).services(), ["-web"]);
    assert_eq!(
        compose(&["create", "--no-recreate", "api"]).services(),
        ["api"]
    );
    assert_eq!(
        compose(&["scale", "web=2", "--no-deps", "db=3"]).services(),
        ["web", "db"]
    );
    assert_eq!(compose(&["watch", "web"]).services(), ["web"]);
    assert_eq!(compose(&["run", "-d", "web", "x"]).services(), ["web"]);
    assert!(compose(&["up"]).services().is_empty());
    assert!(compose(&["ps", "web"]).services().is_empty());
    // Options hardrun cannot read: best effort.
    assert_eq!(
        compose(&["up", "--new-flag", "web", "--", "db"]).services(),
        ["web", "db"]
    );
    assert_eq!(compose(&["scale", "--new", "web=2"]).services(), ["web"]);
}

#[test]
fn unknown_options_of_other_subcommands_are_left_to_compose() {
    assert_eq!(
        action(&["up", "--some-future-flag", "x"]),
        ComposeAction::Harden(Subcommand::Up)
    );
    assert_eq!(
        action(&["create", "-Z"]),
        ComposeAction::Harden(Subcommand::Create)
    );
    assert_eq!(action(&["ps", "--bogus"]), ComposeAction::PassThrough);
    assert_eq!(
        action(&["up", "--y"]),
        ComposeAction::Harden(Subcommand::Up)
    );
}

// ---- non-UTF-8 ----

#[test]
fn non_utf8_words_do_not_panic() {
    let bad = |prefix: &[u8]| {
        let mut bytes = prefix.to_vec();
        bytes.push(0xff);
        OsString::from_vec(bytes)
    };
    let argv = |items: Vec<OsString>| {
        let mut all = words(&["compose"]);
        all.extend(items);
        all
    };
    // A root value: kept as bytes.
    let command = parse(&argv(vec!["-f".into(), bad(b"a"), "up".into()]), 0).unwrap();
    assert_eq!(command.files(), vec![bad(b"a")]);
    assert_eq!(command.without_files().unwrap(), Vec::<OsString>::new());
    // A subcommand word: passes through, named lossily.
    let command = parse(&argv(vec![bad(b"up")]), 0).unwrap();
    assert_eq!(command.action(), ComposeAction::PassThrough);
    assert_eq!(command.subcommand(), Some("up\u{fffd}"));
    // Option names.
    assert!(matches!(
        parse(&argv(vec![bad(b"--"), "up".into()]), 0),
        Err(ComposeError::UnknownFlag { .. })
    ));
    assert!(matches!(
        parse(&argv(vec![bad(b"-"), "up".into()]), 0),
        Err(ComposeError::UnknownFlag { .. })
    ));
    // run: a SERVICE or a value hardrun interprets must be UTF-8; the command need not.
    let error = parse(&argv(vec!["run".into(), bad(b"web")]), 0).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the SERVICE of 'compose run' is not valid UTF-8"
    );
    let error = parse(
        &argv(vec!["run".into(), "-u".into(), bad(b"0"), "web".into()]),
        0,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the value of --user of 'compose run' is not valid UTF-8"
    );
    let command = parse(&argv(vec!["run".into(), "web".into(), bad(b"x")]), 0).unwrap();
    assert_eq!(command.run().unwrap().command, vec![bad(b"x")]);
    // A value hardrun does not interpret is kept.
    assert!(
        parse(
            &argv(vec!["run".into(), "--name".into(), bad(b"n"), "web".into()]),
            0
        )
        .is_ok()
    );
    // Services of other subcommands, and alpha's subcommand.
    let command = parse(&argv(vec!["up".into(), bad(b"web")]), 0).unwrap();
    assert_eq!(command.services(), ["web\u{fffd}"]);
    let command = parse(&argv(vec!["alpha".into(), bad(b"watch")]), 0).unwrap();
    assert_eq!(command.action(), ComposeAction::PassThrough);
}
