//! One test per rule of the docker CLI grammar reference (`docker-cli-grammar.md` §1 and §5)
//! that concerns reading `run`/`create`, each going through the whole front end:
//! `command::parse` (argv without the leading `docker`) and `Invocation::to_spec`.

use std::ffi::OsString;
use std::path::Path;

use crate::docker::command::{CommandError, CommandKind, DockerCommand, parse};
use crate::docker::flags::{FlagDef, RUN_FLAGS, ValueKind};
use crate::docker::invocation::{Invocation, InvocationError};
use crate::docker::lexer::{FlagValue, LexError};
use crate::spec::{ContainerSpec, MountKind};

const CWD: &str = "/work";

fn argv(words: &[&str]) -> Vec<OsString> {
    words.iter().map(OsString::from).collect()
}

fn try_invocation(words: &[&str]) -> Result<DockerCommand, CommandError> {
    parse(argv(words))
}

fn invocation(words: &[&str]) -> Invocation {
    match try_invocation(words) {
        Ok(DockerCommand::Create(invocation)) => invocation,
        other => panic!("{words:?}: not a run/create with an image: {other:?}"),
    }
}

fn spec(words: &[&str]) -> ContainerSpec {
    invocation(words)
        .to_spec(Path::new(CWD))
        .unwrap_or_else(|e| panic!("{words:?}: {e}"))
}

fn image(words: &[&str]) -> String {
    invocation(words).image().to_string_lossy().into_owned()
}

fn error(words: &[&str]) -> CommandError {
    match try_invocation(words) {
        Err(error) => error,
        Ok(other) => panic!("{words:?}: expected an error, got {other:?}"),
    }
}

fn spec_error(words: &[&str]) -> InvocationError {
    match try_invocation(words) {
        Err(CommandError::Invocation(error)) => error,
        Err(other) => panic!("{words:?}: expected an invocation error, got {other:?}"),
        Ok(DockerCommand::Create(invocation)) => invocation
            .to_spec(Path::new(CWD))
            .expect_err(&format!("{words:?}: expected an error")),
        Ok(other) => panic!("{words:?}: expected an error, got {other:?}"),
    }
}

fn is_other(words: &[&str]) -> bool {
    matches!(try_invocation(words), Ok(DockerCommand::Other))
}

fn value_text(value: &FlagValue) -> String {
    match value {
        FlagValue::Bool(b) => b.to_string(),
        FlagValue::Text(t) => t.to_string_lossy().into_owned(),
    }
}

/// The run/create options as (long name, value).
fn options(words: &[&str]) -> Vec<(&'static str, String)> {
    invocation(words)
        .options()
        .iter()
        .map(|o| (o.flag.long, value_text(&o.value)))
        .collect()
}

/// The global options as (long name, value).
fn globals(words: &[&str]) -> Vec<(&'static str, String)> {
    invocation(words)
        .globals()
        .iter()
        .map(|o| (o.flag.long, value_text(&o.value)))
        .collect()
}

fn pairs(items: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    items.iter().map(|(a, b)| (*a, (*b).to_owned())).collect()
}

fn unknown_flag(name: &str) -> CommandError {
    CommandError::Invocation(InvocationError::Lex(LexError::UnknownFlag {
        name: name.into(),
    }))
}

fn is_unknown_shorthand(error: &CommandError, wanted: char) -> bool {
    matches!(
        error,
        CommandError::Invocation(InvocationError::Lex(LexError::UnknownShorthand { letter, .. }))
            if *letter == wanted
    )
}

fn bool_of(value: &Option<crate::spec::Sourced<bool>>) -> Option<bool> {
    value.as_ref().map(|s| s.value)
}

fn text_of(value: &Option<crate::spec::Sourced<String>>) -> Option<&str> {
    value.as_ref().map(|s| s.value.as_str())
}

fn number_of(value: &Option<crate::spec::Sourced<i64>>) -> Option<i64> {
    value.as_ref().map(|s| s.value)
}

// §1.1 Invocation grammar ------------------------------------------------------------------

#[test]
fn s1_1_run_create_and_their_container_spellings() {
    for (words, kind) in [
        (&["run", "img"][..], CommandKind::Run),
        (&["create", "img"], CommandKind::Create),
        (&["container", "run", "img"], CommandKind::Run),
        (&["container", "create", "img"], CommandKind::Create),
        (&["-D", "container", "run", "--rm", "img"], CommandKind::Run),
    ] {
        let invocation = invocation(words);
        assert_eq!(invocation.kind(), kind, "{words:?}");
        assert_eq!(invocation.image(), "img", "{words:?}");
    }
    assert!(spec(&["container", "run", "--rm", "img"]).auto_remove);
    assert!(
        spec(&["container", "create", "--privileged", "img"])
            .privileged
            .is_some()
    );
}

#[test]
fn s1_1_two_stages_global_options_come_before_the_command_word() {
    let words = [
        "-H",
        "unix:///x.sock",
        "--context=default",
        "-D",
        "--config",
        "/c",
        "--log-level",
        "debug",
        "--tls",
        "--tlscacert",
        "ca",
        "--tlscert=cert",
        "--tlskey",
        "key",
        "--tlsverify=false",
        "run",
        "--rm",
        "img",
    ];
    assert_eq!(
        globals(&words),
        pairs(&[
            ("host", "unix:///x.sock"),
            ("context", "default"),
            ("debug", "true"),
            ("config", "/c"),
            ("log-level", "debug"),
            ("tls", "true"),
            ("tlscacert", "ca"),
            ("tlscert", "cert"),
            ("tlskey", "key"),
            ("tlsverify", "false"),
        ])
    );
    assert_eq!(options(&words), pairs(&[("rm", "true")]));
    assert_eq!(image(&words), "img");
}

#[test]
fn s1_1_a_global_value_option_consumes_a_word_that_looks_like_a_command() {
    // `--context run` names a context "run"; the command word is the next one.
    let invocation = invocation(&["--context", "run", "create", "img"]);
    assert_eq!(invocation.kind(), CommandKind::Create);
    assert_eq!(invocation.image(), "img");
    let invocation = self::invocation(&["-c", "run", "create", "img"]);
    assert_eq!(invocation.kind(), CommandKind::Create);
}

#[test]
fn s1_1_global_options_after_the_command_word_are_errors() {
    assert_eq!(
        error(&["run", "--context", "x", "img"]),
        unknown_flag("context")
    );
    assert_eq!(error(&["run", "--host", "x", "img"]), unknown_flag("host"));
    assert_eq!(error(&["run", "--debug", "img"]), unknown_flag("debug"));
    assert_eq!(
        error(&["run", "--tlsverify", "img"]),
        unknown_flag("tlsverify")
    );
    assert_eq!(
        error(&["run", "--config", "x", "img"]),
        unknown_flag("config")
    );
    assert_eq!(
        error(&["create", "--log-level", "x", "img"]),
        unknown_flag("log-level")
    );
    assert!(is_unknown_shorthand(
        &error(&["run", "-H", "x", "img"]),
        'H'
    ));
    assert!(is_unknown_shorthand(&error(&["run", "-D", "img"]), 'D'));
    assert!(is_unknown_shorthand(
        &error(&["container", "run", "-H", "x", "img"]),
        'H'
    ));
}

#[test]
fn s1_1_unknown_global_options_are_errors() {
    assert!(matches!(
        error(&["--bogus", "run", "img"]),
        CommandError::Global(LexError::UnknownFlag { .. })
    ));
    assert!(matches!(
        error(&["-x", "run", "img"]),
        CommandError::Global(LexError::UnknownShorthand { letter: 'x', .. })
    ));
    // `--cpu-shares` is a run option, not a global one.
    assert!(matches!(
        error(&["--cpu-shares", "2", "run", "img"]),
        CommandError::Global(_)
    ));
}

#[test]
fn s1_1_nothing_useful_goes_between_container_and_its_subcommand() {
    assert!(matches!(
        error(&["container", "--rm", "run", "img"]),
        CommandError::ContainerOptions(_)
    ));
    assert!(matches!(
        error(&["container", "-d", "run", "img"]),
        CommandError::ContainerOptions(_)
    ));
    assert!(is_other(&["container", "--help"]));
    assert!(is_other(&["container", "ls"]));
    assert!(is_other(&["container", "inspect", "run"]));
}

#[test]
fn s1_1_options_end_at_the_image() {
    let words = ["run", "busybox", "--rm", "--privileged"];
    let spec = spec(&words);
    assert_eq!(spec.image, "busybox");
    assert_eq!(spec.privileged, None);
    assert!(!spec.auto_remove);
    assert!(options(&words).is_empty());
    // Even a run option that would be an error is the container's argument after the image.
    let spec = self::spec(&["run", "busybox", "--bogus", "-H", "x", "--read"]);
    assert_eq!(spec.image, "busybox");
    // And the command word is not looked for past the image either.
    assert_eq!(image(&["run", "--rm", "create", "run"]), "create");
}

#[test]
fn s1_1_run_and_create_without_an_image_are_left_to_docker() {
    for words in [
        &["run"][..],
        &["run", "--rm"],
        &["create", "-t"],
        &["container", "run"],
        &["run", "--"],
        &["run", "--help"],
        &["run", "--help", "img"],
        &["create", "--rm", "--help", "img"],
    ] {
        assert!(is_other(words), "{words:?}");
    }
    // `--help=false` does not ask for help.
    assert_eq!(image(&["run", "--help=false", "img"]), "img");
}

#[test]
fn s1_1_other_commands_and_compose_pass_through() {
    for words in [
        &["ps"][..],
        &["exec", "-it", "c", "sh"],
        &["build", "--privileged", "."],
        &["-H", "x", "start", "c"],
        &[],
        &["--version"],
        &["-v"],
        &["-h"],
        &["RUN", "img"],
        &["Run", "img"],
    ] {
        assert!(is_other(words), "{words:?}");
    }
    assert!(matches!(
        try_invocation(&["--context", "x", "compose", "up"]),
        Ok(DockerCommand::Compose { .. })
    ));
}

// §1.2 Global options --------------------------------------------------------------------

#[test]
fn s1_2_short_letters_mean_different_things_before_and_after_the_command_word() {
    let words = ["-c", "ctx", "run", "-c", "512", "img"];
    assert_eq!(globals(&words), pairs(&[("context", "ctx")]));
    assert_eq!(options(&words), pairs(&[("cpu-shares", "512")]));
    assert_eq!(image(&words), "img");

    let words = ["-l", "debug", "run", "-l", "a=b", "img"];
    assert_eq!(globals(&words), pairs(&[("log-level", "debug")]));
    assert_eq!(spec(&words).labels, [("a".to_owned(), "b".to_owned())]);

    // Global `-v` is --version, a boolean: it does not consume `run`.
    let words = ["-v", "run", "-v", "/a:/b", "img"];
    assert_eq!(globals(&words), pairs(&[("version", "true")]));
    let spec = spec(&words);
    assert_eq!(spec.mounts.len(), 1);
    assert_eq!(spec.mounts[0].value.kind, MountKind::Bind);
    assert_eq!(spec.mounts[0].value.source.as_deref(), Some("/a"));
    assert_eq!(spec.mounts[0].value.target, "/b");

    // Global `-h` is --help (a boolean); after run it is --hostname (takes a value).
    let words = ["-h", "run", "-h", "myhost", "img"];
    assert_eq!(globals(&words), pairs(&[("help", "true")]));
    assert_eq!(options(&words), pairs(&[("hostname", "myhost")]));
    assert_eq!(image(&words), "img");
    // `run -h img` gives `img` to --hostname: there is no image.
    assert!(is_other(&["run", "-h", "img"]));
}

#[test]
fn s1_2_global_bundles_and_attached_values() {
    let words = ["-Dl", "debug", "run", "img"];
    assert_eq!(
        globals(&words),
        pairs(&[("debug", "true"), ("log-level", "debug")])
    );
    let words = ["-Hunix:///x.sock", "-cctx", "run", "img"];
    assert_eq!(
        globals(&words),
        pairs(&[("host", "unix:///x.sock"), ("context", "ctx")])
    );
    let words = ["-D=false", "run", "img"];
    assert_eq!(globals(&words), pairs(&[("debug", "false")]));
}

// §1.3 Lexical rules ---------------------------------------------------------------------

#[test]
fn s1_3_a_double_dash_ends_options() {
    let words = ["run", "--rm", "--", "busybox", "ls"];
    let spec = spec(&words);
    assert_eq!(spec.image, "busybox");
    assert!(spec.auto_remove);
    assert_eq!(options(&words), pairs(&[("rm", "true")]));
    // After `--`, a word that looks like a flag is the image.
    assert_eq!(image(&["run", "--", "--rm", "ls"]), "--rm");
    assert!(!self::spec(&["run", "--", "--rm"]).auto_remove);
    assert_eq!(image(&["create", "-t=false", "--", "-"]), "-");
}

#[test]
fn s1_3_a_lone_dash_is_the_image() {
    assert_eq!(image(&["run", "-", "x"]), "-");
    assert_eq!(image(&["run", "--rm", "-", "--privileged"]), "-");
    assert_eq!(spec(&["run", "--rm", "-", "--privileged"]).privileged, None);
}

#[test]
fn s1_3_long_value_flags_consume_the_next_word_even_if_it_starts_with_a_dash() {
    let words = ["run", "-e", "-x", "--name", "--rm", "busybox"];
    assert_eq!(options(&words), pairs(&[("env", "-x"), ("name", "--rm")]));
    let spec = spec(&words);
    assert_eq!(spec.image, "busybox");
    assert!(!spec.auto_remove);
    assert_eq!(spec.env.len(), 1);
    assert_eq!(spec.env[0].name, "-x");
    assert_eq!(spec.env[0].value, None);

    assert_eq!(
        number_of(&self::spec(&["run", "--pids-limit", "-1", "img"]).pids_limit),
        Some(-1)
    );
    let spec = self::spec(&["run", "--user", "--privileged", "img"]);
    assert_eq!(text_of(&spec.user), Some("--privileged"));
    assert_eq!(spec.privileged, None);
    // A value flag takes a `--` as its value: it does not end the options.
    let words = ["run", "--entrypoint", "--", "img"];
    assert_eq!(options(&words), pairs(&[("entrypoint", "--")]));
    assert_eq!(image(&words), "img");
    // A short value flag at the end of its word takes the next word the same way.
    let words = ["run", "-v", "--rm", "img"];
    assert_eq!(options(&words), pairs(&[("volume", "--rm")]));
}

#[test]
fn s1_3_a_value_flag_at_the_end_of_the_line_needs_an_argument() {
    for words in [
        &["run", "--name"][..],
        &["run", "-e"],
        &["run", "--rm", "-dp"],
        &["create", "--memory"],
    ] {
        assert!(
            matches!(
                error(words),
                CommandError::Invocation(InvocationError::Lex(LexError::MissingValue { .. }))
            ),
            "{words:?}"
        );
    }
}

#[test]
fn s1_3_empty_values_are_explicit() {
    let spec = spec(&["run", "--user=", "--restart=", "--log-driver=", "img"]);
    assert_eq!(text_of(&spec.user), Some(""));
    assert_eq!(text_of(&spec.restart), Some(""));
    assert_eq!(text_of(&spec.log_driver), Some(""));
    assert_eq!(
        options(&["run", "--entrypoint=", "img"]),
        pairs(&[("entrypoint", "")])
    );
    // `--user ""` as its own word is the same.
    assert_eq!(
        text_of(&self::spec(&["run", "--user", "", "img"]).user),
        Some("")
    );
    // pflag quirk: `-u=` is two bytes, so the `=` is not stripped: the value is "=".
    assert_eq!(text_of(&self::spec(&["run", "-u=", "img"]).user), Some("="));
    // An empty value for a typed flag is an error, as in docker.
    assert!(matches!(
        spec_error(&["run", "--pids-limit=", "img"]),
        InvocationError::InvalidValue { .. }
    ));
    assert!(matches!(
        spec_error(&["run", "--memory=", "img"]),
        InvocationError::InvalidValue { .. }
    ));
}

#[test]
fn s1_3_booleans_take_parsebool_values_after_equals() {
    assert!(spec(&["run", "--rm", "img"]).auto_remove);
    assert!(!spec(&["run", "--rm=false", "img"]).auto_remove);
    assert!(!spec(&["run", "--rm=0", "img"]).auto_remove);
    for yes in ["1", "t", "T", "TRUE", "true", "True"] {
        let flag = format!("--privileged={yes}");
        assert_eq!(
            bool_of(&spec(&["run", &flag, "img"]).privileged),
            Some(true),
            "{yes}"
        );
    }
    for no in ["0", "f", "F", "FALSE", "false", "False"] {
        let flag = format!("--privileged={no}");
        assert_eq!(
            bool_of(&spec(&["run", &flag, "img"]).privileged),
            Some(false),
            "{no}"
        );
    }
    for bad in ["yes", "no", "tRUE", "", "2", "on"] {
        let flag = format!("--privileged={bad}");
        assert!(
            matches!(
                error(&["run", &flag, "img"]),
                CommandError::Invocation(InvocationError::Lex(LexError::InvalidBool { .. }))
            ),
            "{bad}"
        );
    }
}

#[test]
fn s1_3_booleans_never_consume_the_next_word() {
    let words = ["run", "--read-only", "false", "img"];
    let spec = spec(&words);
    assert_eq!(spec.image, "false");
    assert_eq!(bool_of(&spec.read_only), Some(true));
    assert_eq!(options(&words), pairs(&[("read-only", "true")]));
    assert_eq!(image(&["run", "--rm", "true", "img"]), "true");
    assert_eq!(image(&["run", "--privileged", "0", "img"]), "0");
    assert_eq!(image(&["run", "-d", "false"]), "false");
}

#[test]
fn s1_3_no_abbreviations_and_case_sensitive() {
    assert_eq!(error(&["run", "--read", "img"]), unknown_flag("read"));
    assert_eq!(error(&["run", "--priv", "img"]), unknown_flag("priv"));
    assert_eq!(error(&["run", "--nam", "x", "img"]), unknown_flag("nam"));
    assert_eq!(
        error(&["run", "--read-only-", "img"]),
        unknown_flag("read-only-")
    );
    assert_eq!(error(&["run", "--Rm", "img"]), unknown_flag("Rm"));
    assert_eq!(error(&["run", "--RM", "img"]), unknown_flag("RM"));
    assert_eq!(
        error(&["run", "--PRIVILEGED", "img"]),
        unknown_flag("PRIVILEGED")
    );
    assert_eq!(
        error(&["run", "--Read-Only", "img"]),
        unknown_flag("Read-Only")
    );
    assert_eq!(
        error(&["run", "--Volume", "/a:/b", "img"]),
        unknown_flag("Volume")
    );
    // Short letters too: `-P` is --publish-all, `-p` is --publish; `-E`, `-V`, `-U` are nothing.
    assert_eq!(
        bool_of(&spec(&["run", "-P", "img"]).publish_all),
        Some(true)
    );
    assert_eq!(spec(&["run", "-p", "80", "img"]).ports.len(), 1);
    assert!(is_other(&["run", "-p", "img"]));
    for letter in ["-E", "-V", "-U", "-M", "-R"] {
        let error = error(&["run", letter, "x", "img"]);
        let wanted = letter.chars().nth(1).unwrap();
        assert!(is_unknown_shorthand(&error, wanted), "{letter}: {error:?}");
    }
    // Bad syntax.
    for word in ["---rm", "--=x", "--=", "---"] {
        assert!(
            matches!(
                error(&["run", word, "img"]),
                CommandError::Invocation(InvocationError::Lex(LexError::BadSyntax { .. }))
            ),
            "{word}"
        );
    }
}

#[test]
fn s1_3_short_bundles() {
    let words = ["run", "-dit", "img"];
    assert_eq!(
        options(&words),
        pairs(&[("detach", "true"), ("interactive", "true"), ("tty", "true")])
    );
    assert!(invocation(&words).options().iter().all(|o| o.bundled));
    assert_eq!(image(&words), "img");

    let words = ["run", "-Pq", "img"];
    assert_eq!(
        options(&words),
        pairs(&[("publish-all", "true"), ("quiet", "true")])
    );
}

#[test]
fn s1_3_the_first_value_letter_of_a_bundle_takes_the_rest_of_the_word() {
    let words = ["run", "-dtp80:80", "img"];
    assert_eq!(
        options(&words),
        pairs(&[("detach", "true"), ("tty", "true"), ("publish", "80:80")])
    );
    let spec = spec(&words);
    assert_eq!(spec.image, "img");
    assert_eq!(spec.ports.len(), 1);
    assert_eq!(spec.ports[0].value.host_port.as_deref(), Some("80"));
    assert_eq!(spec.ports[0].value.container_port, "80");
    // The letters after a value letter are its value, not flags.
    let words = ["run", "-dpt", "img"];
    assert_eq!(
        options(&words),
        pairs(&[("detach", "true"), ("publish", "t")])
    );
    assert_eq!(image(&words), "img");
}

#[test]
fn s1_3_a_value_letter_last_in_its_bundle_takes_the_next_word() {
    let words = ["run", "-dtp", "80:80", "img"];
    assert_eq!(
        options(&words),
        pairs(&[("detach", "true"), ("tty", "true"), ("publish", "80:80")])
    );
    assert_eq!(image(&words), "img");
    let words = ["run", "-itv", "/var/run/docker.sock:/s", "img"];
    let spec = spec(&words);
    assert_eq!(
        spec.mounts[0].value.source.as_deref(),
        Some("/var/run/docker.sock")
    );
}

#[test]
fn s1_3_short_equals_is_stripped() {
    let spec = spec(&["run", "-p=81:81", "-e=BAR=baz", "img"]);
    assert_eq!(spec.ports[0].value.host_port.as_deref(), Some("81"));
    assert_eq!(spec.env[0].name, "BAR");
    assert_eq!(spec.env[0].value.as_deref(), Some("baz"));
    assert_eq!(
        options(&["run", "-m=1g", "-u=0", "img"]),
        pairs(&[("memory", "1g"), ("user", "0")])
    );
}

#[test]
fn s1_3_equals_applies_to_the_letter_just_before_it() {
    let words = ["run", "-it=false", "img"];
    assert_eq!(
        options(&words),
        pairs(&[("interactive", "true"), ("tty", "false")])
    );
    assert_eq!(
        options(&["run", "-dit=false", "img"]),
        pairs(&[
            ("detach", "true"),
            ("interactive", "true"),
            ("tty", "false")
        ])
    );
    assert_eq!(
        options(&["run", "-d=false", "img"]),
        pairs(&[("detach", "false")])
    );
    assert_eq!(
        options(&["run", "-dP=0", "img"]),
        pairs(&[("detach", "true"), ("publish-all", "false")])
    );
    assert_eq!(
        bool_of(&spec(&["run", "-dP=0", "img"]).publish_all),
        Some(false)
    );
    assert!(matches!(
        error(&["run", "-t=yes", "img"]),
        CommandError::Invocation(InvocationError::Lex(LexError::InvalidBool { .. }))
    ));
}

#[test]
fn s1_3_attached_short_values() {
    let spec = spec(&["run", "-eFOO=bar", "-m512m", "-u0", "-p80:80", "img"]);
    assert_eq!(spec.env[0].name, "FOO");
    assert_eq!(spec.env[0].value.as_deref(), Some("bar"));
    assert_eq!(number_of(&spec.memory), Some(512 << 20));
    assert_eq!(text_of(&spec.user), Some("0"));
    assert_eq!(spec.ports[0].value.container_port, "80");
}

#[test]
fn s1_3_a_socket_bind_hidden_in_a_bundle() {
    let words = ["run", "-dv/var/run/docker.sock:/s", "img"];
    assert_eq!(
        options(&words),
        pairs(&[("detach", "true"), ("volume", "/var/run/docker.sock:/s")])
    );
    let spec = spec(&words);
    assert_eq!(spec.mounts.len(), 1);
    let mount = &spec.mounts[0].value;
    assert_eq!(mount.kind, MountKind::Bind);
    assert_eq!(mount.source.as_deref(), Some("/var/run/docker.sock"));
    assert_eq!(mount.target, "/s");
    assert!(!mount.read_only);
}

#[test]
fn s1_3_integers_are_base_0() {
    let pids = |value: &str| {
        let flag = format!("--pids-limit={value}");
        number_of(&spec(&["run", &flag, "img"]).pids_limit)
    };
    assert_eq!(pids("0100"), Some(64));
    assert_eq!(pids("0x10"), Some(16));
    assert_eq!(pids("0X10"), Some(16));
    assert_eq!(pids("0o17"), Some(15));
    assert_eq!(pids("0b101"), Some(5));
    assert_eq!(pids("1_000"), Some(1000));
    assert_eq!(pids("-1"), Some(-1));
    assert_eq!(pids("0"), Some(0));
    assert_eq!(
        number_of(&spec(&["run", "--cpu-quota", "0x10", "img"]).cpu_quota),
        Some(16)
    );
    assert_eq!(
        spec(&["run", "--health-retries", "010", "img"])
            .health
            .retries,
        Some(8)
    );
    // --cpu-shares is not in the spec, but its value is checked.
    assert_eq!(image(&["run", "--cpu-shares", "0x10", "img"]), "img");
    assert_eq!(image(&["run", "--cpu-shares=-5", "img"]), "img");
    assert_eq!(image(&["run", "-c", "0o17", "img"]), "img");
    for bad in [
        "08",
        "1e3",
        "0x",
        "12a",
        "1__0",
        "_1",
        "",
        "++1",
        "+-1",
        "0x+1",
        "9223372036854775808",
    ] {
        assert!(
            matches!(
                spec_error(&["run", "--cpu-shares", bad, "img"]),
                InvocationError::InvalidValue { .. }
            ),
            "{bad:?}"
        );
    }
    // Unsigned flags refuse a sign.
    for bad in ["-1", "+1"] {
        assert!(
            matches!(
                spec_error(&["run", "--blkio-weight", bad, "img"]),
                InvocationError::InvalidValue { .. }
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn s1_3_durations_need_a_unit() {
    assert!(matches!(
        spec_error(&["run", "--health-interval", "30", "img"]),
        InvocationError::InvalidValue { .. }
    ));
    for bad in ["1d", "s", "", "1.2.3s", "30 s"] {
        assert!(
            matches!(
                spec_error(&["run", "--health-timeout", bad, "img"]),
                InvocationError::InvalidValue { .. }
            ),
            "{bad:?}"
        );
    }
    let spec = spec(&[
        "run",
        "--health-interval",
        "30s",
        "--health-timeout=1m30s",
        "--health-start-period",
        "0",
        "img",
    ]);
    assert_eq!(spec.health.interval, Some(30_000_000_000));
    assert_eq!(spec.health.timeout, Some(90_000_000_000));
    assert_eq!(spec.health.start_period, Some(0));
}

#[test]
fn s1_3_byte_sizes_and_cpus() {
    assert_eq!(
        number_of(&spec(&["run", "-m", "1.5g", "img"]).memory),
        Some(1_610_612_736)
    );
    assert_eq!(
        number_of(&spec(&["run", "-m", "512", "img"]).memory),
        Some(512)
    );
    assert_eq!(
        number_of(&spec(&["run", "-m", "512MiB", "img"]).memory),
        Some(512 << 20)
    );
    assert_eq!(
        number_of(&spec(&["run", "--memory-swap", "-1", "img"]).memory_swap),
        Some(-1)
    );
    assert!(matches!(
        spec_error(&["run", "--memory", "-1", "img"]),
        InvocationError::InvalidValue { .. }
    ));
    assert_eq!(
        number_of(&spec(&["run", "--cpus", "3/2", "img"]).nano_cpus),
        Some(1_500_000_000)
    );
    // Both sides of a fraction are base-0 integers, as `big.Rat.SetString` reads them.
    assert_eq!(
        number_of(&spec(&["run", "--cpus", "10/010", "img"]).nano_cpus),
        Some(1_250_000_000)
    );
    assert_eq!(
        number_of(&spec(&["run", "--cpus", "0x10/0b10", "img"]).nano_cpus),
        Some(8_000_000_000)
    );
    for bad in [
        "0.0000000001",
        "abc",
        "1/0",
        "1/-2",
        "1/+2",
        "1e2147483647",
        "1e-2147483648",
        "1e",
    ] {
        assert!(
            matches!(
                spec_error(&["run", "--cpus", bad, "img"]),
                InvocationError::InvalidValue { .. }
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn s1_3_non_utf8_words() {
    use std::os::unix::ffi::OsStringExt;
    let bad = || OsString::from_vec(vec![0xff, 0xfe]);
    // A non-UTF-8 value of a free text flag is docker's business; of a typed one, an error.
    let argv = vec!["run".into(), "--name".into(), bad(), "img".into()];
    assert!(matches!(parse(argv), Ok(DockerCommand::Create(_))));
    let argv = vec!["run".into(), "--memory".into(), bad(), "img".into()];
    assert!(matches!(
        parse(argv),
        Err(CommandError::Invocation(InvocationError::NotUtf8 { .. }))
    ));
    // A non-UTF-8 value that the spec reads cannot be read with certainty.
    let argv = vec!["run".into(), "--user".into(), bad(), "img".into()];
    let Ok(DockerCommand::Create(invocation)) = parse(argv) else {
        panic!("parses")
    };
    assert!(matches!(
        invocation.to_spec(Path::new(CWD)),
        Err(InvocationError::NotUtf8 { .. })
    ));
    // A non-UTF-8 image too.
    let argv = vec!["run".into(), bad()];
    let Ok(DockerCommand::Create(invocation)) = parse(argv) else {
        panic!("parses")
    };
    assert!(invocation.to_spec(Path::new(CWD)).is_err());
    // A non-UTF-8 long flag name is unknown.
    let mut word = b"--".to_vec();
    word.push(0xff);
    assert!(parse(vec!["run".into(), OsString::from_vec(word), "img".into()]).is_err());
}

// §1.4 The flag table --------------------------------------------------------------------

/// A value valid for a flag, by its kind (and for the few text flags hardrun reads strictly).
fn sample_value(flag: &FlagDef) -> &'static str {
    match (flag.long, flag.kind) {
        ("mount", _) => "type=tmpfs,dst=/x",
        ("publish", _) => "80",
        (_, ValueKind::Int | ValueKind::Uint | ValueKind::Decimal) => "1",
        (_, ValueKind::Bytes) => "1m",
        (_, ValueKind::SwapBytes) => "1g",
        (_, ValueKind::Duration) => "1s",
        (_, ValueKind::Text) => "x",
        (_, ValueKind::Bool) => "true",
    }
}

fn check_round_trip(words: &[&str], flag: &FlagDef) {
    let invocation = invocation(words);
    assert_eq!(invocation.image(), "img", "{words:?}");
    assert_eq!(invocation.options().len(), 1, "{words:?}");
    assert_eq!(invocation.options()[0].flag.long, flag.long, "{words:?}");
    assert_eq!(invocation.argv(), argv(words), "{words:?}");
    invocation
        .to_spec(Path::new(CWD))
        .unwrap_or_else(|e| panic!("{words:?}: {e}"));
}

#[test]
fn s1_4_every_run_flag_round_trips_in_each_of_its_forms() {
    assert_eq!(RUN_FLAGS.len(), 107);
    for flag in RUN_FLAGS {
        let long = format!("--{}", flag.long);
        if flag.long == "help" {
            // `--help` asks docker for the usage: nothing to harden.
            assert!(is_other(&["run", &long, "img"]));
            assert_eq!(image(&["run", "--help=false", "img"]), "img");
            continue;
        }
        let value = sample_value(flag);
        let mut forms: Vec<Vec<String>> = Vec::new();
        if flag.takes_value() {
            forms.push(vec![format!("{long}={value}")]);
            forms.push(vec![long.clone(), value.to_owned()]);
            if let Some(letter) = flag.short {
                forms.push(vec![format!("-{letter}"), value.to_owned()]);
                forms.push(vec![format!("-{letter}{value}")]);
                forms.push(vec![format!("-{letter}={value}")]);
            }
        } else {
            forms.push(vec![long.clone()]);
            forms.push(vec![format!("{long}=false")]);
            forms.push(vec![format!("{long}=1")]);
            if let Some(letter) = flag.short {
                forms.push(vec![format!("-{letter}")]);
                forms.push(vec![format!("-{letter}=false")]);
            }
        }
        for form in forms {
            for command in ["run", "create"] {
                let mut words: Vec<&str> = vec![command];
                words.extend(form.iter().map(String::as_str));
                words.push("img");
                if command == "create" && flag.run_only {
                    assert!(
                        matches!(
                            error(&words),
                            CommandError::Invocation(InvocationError::RunOnly { .. })
                        ),
                        "{words:?}"
                    );
                } else {
                    check_round_trip(&words, flag);
                }
            }
        }
    }
}

#[test]
fn s1_4_every_value_flag_refuses_to_end_the_line() {
    for flag in RUN_FLAGS.iter().filter(|f| f.takes_value()) {
        let long = format!("--{}", flag.long);
        assert!(
            matches!(
                error(&["run", "--rm", &long]),
                CommandError::Invocation(InvocationError::Lex(LexError::MissingValue { .. }))
            ),
            "{long}"
        );
        // And it always takes the next word, even `--rm`: the image is the word after. A
        // typed flag then refuses `--rm` as its value, which shows it took it.
        if flag.kind == ValueKind::Text {
            assert_eq!(image(&["run", &long, "--rm", "img"]), "img", "{long}");
        } else {
            assert!(
                matches!(
                    spec_error(&["run", &long, "--rm", "img"]),
                    InvocationError::InvalidValue { ref value, .. } if value == "--rm"
                ),
                "{long}"
            );
        }
    }
}

#[test]
fn s1_4_hidden_aliases_take_values() {
    let spec = spec(&["run", "--net", "host", "img"]);
    assert_eq!(text_of(&spec.network), Some("host"));
    assert_eq!(spec.image, "img");
    assert_eq!(image(&["run", "--net-alias", "db", "img"]), "img");
    assert_eq!(image(&["run", "--net-alias=db", "img"]), "img");
    assert_eq!(image(&["run", "--dns-opt", "ndots:1", "img"]), "img");
    assert_eq!(
        options(&["run", "--dns-opt", "ndots:1", "img"]),
        pairs(&[("dns-opt", "ndots:1")])
    );
    // The aliases share the storage of their flag: --net then --network gives two networks,
    // and the first is the network mode.
    let spec = self::spec(&["run", "--net", "a", "--network", "b", "img"]);
    assert_eq!(text_of(&spec.network), Some("a"));
    let spec = self::spec(&["run", "--network", "b", "--net=host", "img"]);
    assert_eq!(text_of(&spec.network), Some("b"));
}

#[test]
fn s1_4_deprecated_and_new_flags_are_known() {
    assert_eq!(image(&["run", "--kernel-memory", "1g", "img"]), "img");
    assert!(matches!(
        spec_error(&["run", "--kernel-memory", "x", "img"]),
        InvocationError::InvalidValue { .. }
    ));
    // --disable-content-trust is a boolean: it does not consume the image.
    assert_eq!(image(&["run", "--disable-content-trust", "img"]), "img");
    assert_eq!(
        image(&["run", "--disable-content-trust=false", "img"]),
        "img"
    );
    assert_eq!(
        image(&["run", "--disable-content-trust", "false", "img"]),
        "false"
    );
    // --use-api-socket is a boolean, and the spec sees it.
    let spec = spec(&["run", "--use-api-socket", "img"]);
    assert_eq!(spec.image, "img");
    assert_eq!(bool_of(&spec.use_api_socket), Some(true));
    assert_eq!(
        bool_of(&self::spec(&["run", "--use-api-socket=false", "img"]).use_api_socket),
        Some(false)
    );
}

#[test]
fn s1_4_run_only_flags_are_refused_for_create() {
    for words in [
        &["create", "-d", "img"][..],
        &["create", "--detach", "img"],
        &["create", "--detach=false", "img"],
        &["create", "--sig-proxy=false", "img"],
        &["create", "--detach-keys", "x", "img"],
        &["create", "-dit", "img"],
        &["create", "-it=false", "-d", "img"],
        &["container", "create", "-d", "img"],
    ] {
        let error = error(words);
        assert!(
            matches!(
                &error,
                CommandError::Invocation(InvocationError::RunOnly { .. })
            ),
            "{words:?}: {error:?}"
        );
    }
    assert_eq!(
        error(&["create", "--sig-proxy=false", "img"]),
        CommandError::Invocation(InvocationError::RunOnly {
            flag: "sig-proxy".into()
        })
    );
    // The same flags are fine for run, and for create after the image.
    assert_eq!(
        image(&[
            "run",
            "-d",
            "--sig-proxy=false",
            "--detach-keys",
            "ctrl-p",
            "img"
        ]),
        "img"
    );
    assert_eq!(image(&["container", "run", "-dit", "img"]), "img");
    assert_eq!(image(&["create", "img", "-d"]), "img");
}

// §1.5 Value grammars --------------------------------------------------------------------

#[test]
fn s1_5_cap_add_is_not_comma_split_and_is_normalized() {
    let spec = spec(&[
        "run",
        "--cap-add=sys_admin,net_admin",
        "--cap-add",
        "cap_sys_admin",
        "--cap-add=CAP_Net_Raw",
        "--cap-drop",
        "all",
        "img",
    ]);
    let adds: Vec<&str> = spec.cap_add.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(adds, ["SYS_ADMIN,NET_ADMIN", "SYS_ADMIN", "NET_RAW"]);
    let drops: Vec<&str> = spec.cap_drop.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(drops, ["ALL"]);
    assert_eq!(spec.cap_add[1].origin, "--cap-add cap_sys_admin");
}

#[test]
fn s1_5_the_first_network_is_the_mode() {
    let spec = spec(&["run", "--network", "host", "--network", "bridge", "img"]);
    assert_eq!(text_of(&spec.network), Some("host"));
    let spec = self::spec(&["run", "--network", "name=host,alias=x", "img"]);
    assert_eq!(text_of(&spec.network), Some("host"));
    let spec = self::spec(&[
        "run",
        "--network=alias=x,name=mynet",
        "--network=host",
        "img",
    ]);
    assert_eq!(text_of(&spec.network), Some("mynet"));
    let spec = self::spec(&["run", "--network", "container:db", "img"]);
    assert_eq!(text_of(&spec.network), Some("container:db"));
}

#[test]
fn s1_5_security_opts_are_kept_verbatim_in_order() {
    let spec = spec(&[
        "run",
        "--security-opt",
        "no-new-privileges:true",
        "--security-opt",
        "no-new-privileges",
        "--security-opt=no-new-privileges=false",
        "--security-opt",
        "label=disable",
        "--security-opt",
        "seccomp=unconfined",
        "img",
    ]);
    let opts: Vec<&str> = spec
        .security_opts
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(
        opts,
        [
            "no-new-privileges:true",
            "no-new-privileges",
            "no-new-privileges=false",
            "label=disable",
            "seccomp=unconfined"
        ]
    );
    // The last no-new-privileges entry is the one that counts.
    assert_eq!(
        spec.no_new_privileges().map(|o| o.value.as_str()),
        Some("no-new-privileges=false")
    );
}

#[test]
fn s1_5_relative_volume_sources_resolve_against_the_working_directory() {
    let spec = spec(&[
        "run",
        "-v",
        "./data:/data:ro",
        "-v",
        "../x:/x",
        "-v=.:/src",
        "-v",
        "named:/n",
        "-v",
        "/anonymous",
        "img",
    ]);
    let mounts: Vec<(MountKind, Option<&str>, &str, bool)> = spec
        .mounts
        .iter()
        .map(|m| {
            (
                m.value.kind,
                m.value.source.as_deref(),
                m.value.target.as_str(),
                m.value.read_only,
            )
        })
        .collect();
    assert_eq!(
        mounts,
        [
            (MountKind::Bind, Some("/work/data"), "/data", true),
            (MountKind::Bind, Some("/x"), "/x", false),
            (MountKind::Bind, Some("/work"), "/src", false),
            (MountKind::Volume, Some("named"), "/n", false),
            (MountKind::Volume, None, "/anonymous", false),
        ]
    );
    // The origin keeps the user's spelling.
    assert_eq!(spec.mounts[0].origin, "-v ./data:/data:ro");
    // A relative path that climbs to the host's root reaches the root.
    let spec = self::spec(&["run", "-v", "../..:/host", "img"]);
    assert_eq!(spec.mounts[0].value.source.as_deref(), Some("/"));
}

#[test]
fn s1_5_mount_keys_in_any_order_and_case() {
    let spec = spec(&[
        "run",
        "--mount",
        "dst=/s,SRC=/var/run/docker.sock,Type=bind,readonly",
        "--mount=type=bind,src=./conf,target=/conf",
        "--mount",
        "Target=/v,source=vol",
        "--mount",
        "type=bind,\"source=/a,b\",target=/c",
        "--mount",
        "type=volume,target=/x,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=./run",
        "img",
    ]);
    let mounts = &spec.mounts;
    assert_eq!(mounts[0].value.kind, MountKind::Bind);
    assert_eq!(
        mounts[0].value.source.as_deref(),
        Some("/var/run/docker.sock")
    );
    assert_eq!(mounts[0].value.target, "/s");
    assert!(mounts[0].value.read_only);
    assert_eq!(mounts[1].value.source.as_deref(), Some("/work/conf"));
    assert_eq!(mounts[2].value.kind, MountKind::Volume);
    assert_eq!(mounts[2].value.target, "/v");
    assert_eq!(mounts[3].value.source.as_deref(), Some("/a,b"));
    // The daemon resolves a relative `device`, from `/`.
    assert_eq!(mounts[4].value.bind_device.as_deref(), Some("/run"));
    // A mount without a target is refused, as docker refuses it.
    assert!(matches!(
        spec_error(&["run", "--mount", "type=bind,src=/a", "img"]),
        InvocationError::InvalidValue { .. }
    ));
}

#[test]
fn s1_5_env_forms() {
    let spec = spec(&[
        "run",
        "-e",
        "HOSTVAR",
        "-e",
        "K=V",
        "--env=EMPTY=",
        "-eA=b=c",
        "img",
    ]);
    let env: Vec<(&str, Option<&str>)> = spec
        .env
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_deref()))
        .collect();
    assert_eq!(
        env,
        [
            ("HOSTVAR", None),
            ("K", Some("V")),
            ("EMPTY", Some("")),
            ("A", Some("b=c"))
        ]
    );
    // The origin never holds the value.
    assert_eq!(spec.env[1].origin, "-e K=***");
    assert_eq!(spec.env[3].origin, "-e A=***");
    assert!(spec.env.iter().all(|v| !v.origin.contains("b=c")));
}

// §5 Edge cases --------------------------------------------------------------------------

#[test]
fn s5_1_value_flags_decide_where_the_image_is() {
    assert_eq!(image(&["run", "--name", "--rm", "img"]), "img");
    assert!(!spec(&["run", "--name", "--rm", "img"]).auto_remove);
    assert_eq!(image(&["run", "--read-only", "false", "img"]), "false");
    assert_eq!(image(&["run", "--net", "x", "img"]), "img");
    assert_eq!(image(&["run", "--kernel-memory", "1g", "img"]), "img");
    assert_eq!(image(&["run", "--use-api-socket", "img"]), "img");
}

#[test]
fn s5_2_bundles_and_attached_values_hide_security_flags() {
    let spec = spec(&["run", "-dv/var/run/docker.sock:/s", "-u0", "busybox"]);
    assert_eq!(spec.image, "busybox");
    assert_eq!(text_of(&spec.user), Some("0"));
    assert_eq!(
        spec.mounts[0].value.source.as_deref(),
        Some("/var/run/docker.sock")
    );
    let spec = self::spec(&["run", "-itp80:80", "-e=K=V", "-it=false", "img"]);
    assert_eq!(spec.ports[0].value.container_port, "80");
    assert_eq!(spec.env[0].name, "K");
}

#[test]
fn s5_3_last_occurrence_wins_for_scalars() {
    let spec = spec(&["run", "--read-only", "--read-only=false", "img"]);
    assert_eq!(bool_of(&spec.read_only), Some(false));
    let spec = self::spec(&["run", "--read-only=false", "--read-only", "img"]);
    assert_eq!(bool_of(&spec.read_only), Some(true));
    let spec = self::spec(&["run", "--privileged=true", "--privileged=false", "img"]);
    assert_eq!(bool_of(&spec.privileged), Some(false));
    let spec = self::spec(&["run", "--user", "a", "--user", "b", "img"]);
    assert_eq!(text_of(&spec.user), Some("b"));
    let spec = self::spec(&["run", "--user", "a", "-u", "b", "-ub", "-uc", "img"]);
    assert_eq!(text_of(&spec.user), Some("c"));
    let spec = self::spec(&["run", "--memory", "1g", "-m", "2g", "img"]);
    assert_eq!(number_of(&spec.memory), Some(2 << 30));
    let spec = self::spec(&["run", "--pids-limit", "10", "--pids-limit=-1", "img"]);
    assert_eq!(number_of(&spec.pids_limit), Some(-1));
    let spec = self::spec(&["run", "--restart", "always", "--restart=no", "img"]);
    assert_eq!(text_of(&spec.restart), Some("no"));
    let spec = self::spec(&[
        "run",
        "--log-driver",
        "syslog",
        "--log-driver=json-file",
        "img",
    ]);
    assert_eq!(text_of(&spec.log_driver), Some("json-file"));
    let spec = self::spec(&["run", "--rm", "--rm=0", "img"]);
    assert!(!spec.auto_remove);
    let spec = self::spec(&["run", "--init", "--init=false", "img"]);
    assert_eq!(bool_of(&spec.init), Some(false));
    let spec = self::spec(&[
        "run",
        "--health-interval",
        "1s",
        "--health-interval",
        "2s",
        "img",
    ]);
    assert_eq!(spec.health.interval, Some(2_000_000_000));
    let spec = self::spec(&["run", "--cpus", "2", "--cpus", "0.5", "img"]);
    assert_eq!(number_of(&spec.nano_cpus), Some(500_000_000));
    // The origin names the occurrence that won.
    let spec = self::spec(&["run", "--user", "a", "-u", "root", "img"]);
    assert_eq!(spec.user.unwrap().origin, "-u root");
}

#[test]
fn s5_3_list_flags_accumulate() {
    let spec = spec(&[
        "run",
        "-e",
        "A=1",
        "--env",
        "A=2",
        "-v",
        "/a:/a",
        "--volume=/b:/b",
        "--cap-add",
        "CHOWN",
        "--cap-add",
        "CHOWN",
        "--security-opt",
        "label=disable",
        "--security-opt",
        "no-new-privileges",
        "-p",
        "80",
        "--publish=81",
        "--device",
        "/dev/a",
        "--device",
        "/dev/b",
        "--volumes-from",
        "x",
        "--volumes-from",
        "y",
        "--log-opt",
        "max-size=1m",
        "--log-opt",
        "max-size=2m",
        "-l",
        "k=1",
        "--label",
        "k=2",
        "img",
    ]);
    assert_eq!(spec.env.len(), 2);
    assert_eq!(spec.mounts.len(), 2);
    assert_eq!(spec.cap_add.len(), 2);
    assert_eq!(spec.security_opts.len(), 2);
    assert_eq!(spec.ports.len(), 2);
    assert_eq!(spec.devices.len(), 2);
    assert_eq!(spec.volumes_from.len(), 2);
    // Map-like lists: the later key wins.
    assert_eq!(spec.log_opts.len(), 2);
    assert_eq!(spec.log_opt("max-size").unwrap().value.1, "2m");
    assert_eq!(spec.label("k"), Some("2"));
}

#[test]
fn s5_4_cap_add_all_and_cap_drop_all_are_kept_as_written() {
    let spec = spec(&[
        "run",
        "--cap-add",
        "ALL",
        "--cap-drop",
        "all",
        "--cap-add=sys_admin,net_admin",
        "busybox",
    ]);
    let adds: Vec<&str> = spec.cap_add.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(adds, ["ALL", "SYS_ADMIN,NET_ADMIN"]);
    let drops: Vec<&str> = spec.cap_drop.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(drops, ["ALL"]);
}

#[test]
fn s5_6_the_same_tmpfs_destination_twice_the_last_wins() {
    let spec = spec(&[
        "run",
        "--tmpfs",
        "/tmp",
        "--tmpfs",
        "/run:rw,noexec,nosuid,size=65536k",
        "--tmpfs",
        "/tmp:exec",
        "img",
    ]);
    let tmpfs: Vec<(&str, &str)> = spec
        .mounts
        .iter()
        .filter(|m| m.value.kind == MountKind::Tmpfs)
        .map(|m| (m.value.target.as_str(), m.value.tmpfs_options.as_str()))
        .collect();
    assert_eq!(
        tmpfs,
        [("/run", "rw,noexec,nosuid,size=65536k"), ("/tmp", "exec")]
    );
    // A volume at the same destination is not replaced by a tmpfs.
    let spec = self::spec(&["run", "-v", "data:/tmp", "--tmpfs", "/tmp", "img"]);
    assert_eq!(spec.mounts.len(), 2);
}

#[test]
fn s5_9_pids_limit_is_base_0() {
    let spec = spec(&["run", "--pids-limit=0100", "busybox"]);
    assert_eq!(number_of(&spec.pids_limit), Some(64));
}

#[test]
fn s5_10_healthcheck_flags() {
    let spec = spec(&[
        "run",
        "--health-cmd",
        "curl -f x",
        "--health-retries=3",
        "img",
    ]);
    assert_eq!(text_of(&spec.health.command), Some("curl -f x"));
    assert_eq!(spec.health.retries, Some(3));
    let spec = self::spec(&["run", "--no-healthcheck", "img"]);
    assert_eq!(bool_of(&spec.health.disabled), Some(true));
}

#[test]
fn s5_13_user_forms() {
    for user in [
        "0",
        "root",
        "0:0",
        "root:root",
        "1000:1000",
        ":1000",
        "nobody",
    ] {
        assert_eq!(
            text_of(&spec(&["run", "--user", user, "img"]).user),
            Some(user)
        );
        let attached = format!("-u{user}");
        assert_eq!(text_of(&spec(&["run", &attached, "img"]).user), Some(user));
    }
}

#[test]
fn s5_14_every_route_to_the_socket_is_read() {
    let spec = spec(&[
        "run",
        "-v",
        "/var/run/docker.sock:/s",
        "--mount",
        "src=/run,type=bind,dst=/r",
        "--mount",
        "type=volume,dst=/x,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/var/run",
        "--volumes-from",
        "other",
        "--use-api-socket",
        "-v",
        "/:/host",
        "img",
    ]);
    assert_eq!(spec.mounts.len(), 4);
    assert_eq!(spec.mounts[1].value.source.as_deref(), Some("/run"));
    assert_eq!(
        spec.mounts[2].value.bind_device.as_deref(),
        Some("/var/run")
    );
    assert_eq!(spec.volumes_from[0].value, "other");
    assert_eq!(bool_of(&spec.use_api_socket), Some(true));
    assert_eq!(spec.mounts[3].value.source.as_deref(), Some("/"));
}

#[test]
fn s5_15_privileged_by_value() {
    assert_eq!(
        bool_of(&spec(&["run", "--privileged", "img"]).privileged),
        Some(true)
    );
    assert_eq!(
        bool_of(&spec(&["run", "--privileged=T", "img"]).privileged),
        Some(true)
    );
    assert_eq!(
        bool_of(&spec(&["run", "--privileged=false", "img"]).privileged),
        Some(false)
    );
    assert_eq!(spec(&["run", "img", "--privileged"]).privileged, None);
}

#[test]
fn s5_16_namespace_modes() {
    let spec = spec(&[
        "run",
        "--pid=host",
        "--ipc",
        "host",
        "--uts=host",
        "--userns",
        "host",
        "--cgroupns=host",
        "--network",
        "container:db",
        "img",
    ]);
    assert_eq!(text_of(&spec.pid), Some("host"));
    assert_eq!(text_of(&spec.ipc), Some("host"));
    assert_eq!(text_of(&spec.uts), Some("host"));
    assert_eq!(text_of(&spec.userns), Some("host"));
    assert_eq!(text_of(&spec.cgroupns), Some("host"));
    assert_eq!(text_of(&spec.network), Some("container:db"));
}

#[test]
fn s5_17_restart_with_rm_and_a_one_word_entrypoint_are_read_as_written() {
    let spec = spec(&["run", "--restart", "always", "--rm", "img"]);
    assert_eq!(text_of(&spec.restart), Some("always"));
    assert!(spec.auto_remove);
    let words = ["run", "--entrypoint", "sh -c", "img"];
    assert_eq!(options(&words), pairs(&[("entrypoint", "sh -c")]));
    assert_eq!(image(&words), "img");
}

#[test]
fn every_invocation_keeps_the_user_argv_exactly() {
    for words in [
        &["run", "-dit", "--rm", "img", "sh", "-c", "echo hi"][..],
        &["-H", "x", "container", "create", "--", "img"],
        &["run", "-e", "-x", "--name", "--rm", "busybox"],
        &["run", "--read-only", "false", "img"],
    ] {
        assert_eq!(invocation(words).argv(), argv(words), "{words:?}");
    }
}

#[test]
fn s1_5_network_long_syntax_is_read_as_docker_reads_it() {
    // `opts.NetworkOpt.Set`: a value with `word=word` anywhere is CSV; keys and values are
    // trimmed and lower-cased, and the last `name=` is the target.
    for value in [
        "name=bridge,name=host",
        "alias=x, name=host",
        "alias=x,name= host ",
        "\"name=host\",alias=x",
        "NAME=host",
        "name=HOST",
        "Name=Host,alias=db",
    ] {
        let spec = spec(&["run", "--network", value, "img"]);
        assert_eq!(text_of(&spec.network), Some("host"), "{value:?}");
    }
    // Without `word=word` it is a plain name, kept as written.
    for value in ["host", "Host", "container:db", "=host", "a="] {
        let spec = spec(&["run", "--network", value, "img"]);
        assert_eq!(text_of(&spec.network), Some(value), "{value:?}");
    }
}

#[test]
fn s5_14_a_local_volume_bound_with_rbind_or_a_relative_device_is_a_bind() {
    // The local driver hands `o` to mount(8) semantics: `rbind` binds too.
    let spec = spec(&[
        "run",
        "--mount",
        "type=volume,dst=/x,volume-opt=type=none,volume-opt=o=rbind,volume-opt=device=/var/run",
        "img",
    ]);
    assert_eq!(
        spec.mounts[0].value.bind_device.as_deref(),
        Some("/var/run")
    );
    // The daemon, not the CLI, reads `device`: a relative path is relative to the daemon's
    // working directory, `/`, not to the user's.
    let spec = self::spec(&[
        "run",
        "--mount",
        "type=volume,dst=/x,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=var/run",
        "img",
    ]);
    assert_eq!(
        spec.mounts[0].value.bind_device.as_deref(),
        Some("/var/run")
    );
}

#[test]
fn s1_5_csv_values_end_at_the_first_line_as_go_csv_reads_them() {
    // `csv.Reader.Read` returns the first record: what follows a newline is not read.
    let spec = spec(&[
        "run",
        "--mount",
        "type=bind,src=/var/run,dst=/x\n,type=tmpfs",
        "img",
    ]);
    let mount = &spec.mounts[0].value;
    assert_eq!(mount.kind, MountKind::Bind);
    assert_eq!(mount.source.as_deref(), Some("/var/run"));
    assert_eq!(mount.target, "/x");
    // Blank lines before the record are skipped; a newline inside quotes is kept.
    let spec = self::spec(&[
        "run",
        "--mount",
        "\n\r\ntype=bind,src=/,\"dst=/a\nb\"",
        "img",
    ]);
    assert_eq!(spec.mounts[0].value.kind, MountKind::Bind);
    assert_eq!(spec.mounts[0].value.target, "/a\nb");
    let spec = self::spec(&["run", "--network", "alias=x\r\nname=host", "img"]);
    assert_ne!(text_of(&spec.network), Some("host"));
}

#[test]
fn s1_5_published_ports_with_an_ipv6_address_with_or_without_brackets() {
    for value in [
        "[::1]:8080:80",
        "::1:8080:80",
        ":::8080:80/udp",
        "[::]:8080:80",
        "0.0.0.0:8080:80",
    ] {
        let spec = spec(&["run", "-p", value, "img"]);
        let port = &spec.ports[0].value;
        let ip = match value.split(":8080:").next().unwrap() {
            "[::1]" | "::1" => "::1",
            "::" | "[::]" => "::",
            other => other,
        };
        assert_eq!(port.host_ip.as_deref(), Some(ip), "{value}");
        assert_eq!(port.host_port.as_deref(), Some("8080"), "{value}");
        assert_eq!(port.container_port, "80", "{value}");
    }
    // The long form has no address: every address.
    let spec = spec(&[
        "run",
        "-p",
        "published=8080,target=80,host_ip=127.0.0.1",
        "img",
    ]);
    assert_eq!(spec.ports[0].value.host_ip, None);
}
