//! compose v2's option tables, as `cmd/compose` (v2.40) declares them: the root options, those
//! of `run`, which are read exactly, and those of `alpha` and of the other subcommands that
//! create containers (`up`, `create`, `scale`, `watch`), read to learn the services they name.
//! `command` reads a command line with them, through the pflag clone (`docker::lexer`).

use crate::docker::flags::{FlagDef, ValueKind, flag};

/// A flag that stores into another one (`--workdir` is `--project-directory` at the root).
const fn alias(long: &'static str, canonical: &'static str, kind: ValueKind) -> FlagDef {
    FlagDef {
        long,
        short: None,
        kind,
        canonical,
        run_only: false,
    }
}

use ValueKind::{Bool, Int, Text};

/// compose v2's root options (`cmd/compose/compose.go`: `addProjectFlags`, `RootCommand`),
/// hidden ones included, plus the `-h/--help` every docker plugin command inherits. Sorted by
/// long name. `--workdir` is the deprecated spelling of `--project-directory`;
/// `--insecure-registry` is v5's (v2.40 rejects it, so accepting it refuses nothing compose runs).
pub const COMPOSE_ROOT_FLAGS: &[FlagDef] = &[
    flag("all-resources", None, Bool),
    flag("ansi", None, Text),
    flag("compatibility", None, Bool),
    flag("dry-run", None, Bool),
    flag("env-file", None, Text),
    flag("file", Some('f'), Text),
    flag("help", Some('h'), Bool),
    flag("insecure-registry", None, Text),
    flag("no-ansi", None, Bool),
    flag("parallel", None, Int),
    flag("profile", None, Text),
    flag("progress", None, Text),
    flag("project-directory", None, Text),
    flag("project-name", Some('p'), Text),
    flag("verbose", None, Bool),
    flag("version", Some('v'), Bool),
    alias("workdir", "project-directory", Text),
];

/// `docker compose run`'s options (`cmd/compose/run.go`, v2.40/v5), with the hidden `-t/--tty`,
/// the names its normalize function maps (`--volumes`, `--labels`), and the inherited
/// `--dry-run` and `-h/--help`. Sorted by long name (bytewise: `no-TTY` before `no-deps`).
pub const COMPOSE_RUN_FLAGS: &[FlagDef] = &[
    flag("build", None, Bool),
    flag("cap-add", None, Text),
    flag("cap-drop", None, Text),
    flag("detach", Some('d'), Bool),
    flag("dry-run", None, Bool),
    flag("entrypoint", None, Text),
    flag("env", Some('e'), Text),
    flag("env-from-file", None, Text),
    flag("help", Some('h'), Bool),
    flag("interactive", Some('i'), Bool),
    flag("label", Some('l'), Text),
    alias("labels", "label", Text),
    flag("name", None, Text),
    flag("no-TTY", Some('T'), Bool),
    flag("no-deps", None, Bool),
    flag("publish", Some('p'), Text),
    flag("pull", None, Text),
    flag("quiet", Some('q'), Bool),
    flag("quiet-build", None, Bool),
    flag("quiet-pull", None, Bool),
    flag("remove-orphans", None, Bool),
    flag("rm", None, Bool),
    flag("service-ports", Some('P'), Bool),
    flag("tty", Some('t'), Bool),
    flag("use-aliases", None, Bool),
    flag("user", Some('u'), Text),
    flag("volume", Some('v'), Text),
    alias("volumes", "volume", Text),
    flag("workdir", Some('w'), Text),
];

/// The options `compose alpha` takes before its own subcommand.
pub(super) const ALPHA_FLAGS: &[FlagDef] =
    &[flag("dry-run", None, Bool), flag("help", Some('h'), Bool)];

/// `compose up` (v2.40.3), with the hidden, deprecated `--y`.
pub(super) const UP_FLAGS: &[FlagDef] = &[
    flag("abort-on-container-exit", None, Bool),
    flag("abort-on-container-failure", None, Bool),
    flag("always-recreate-deps", None, Bool),
    flag("attach", None, Text),
    flag("attach-dependencies", None, Bool),
    flag("build", None, Bool),
    flag("detach", Some('d'), Bool),
    flag("dry-run", None, Bool),
    flag("exit-code-from", None, Text),
    flag("force-recreate", None, Bool),
    flag("help", Some('h'), Bool),
    flag("menu", None, Bool),
    flag("no-attach", None, Text),
    flag("no-build", None, Bool),
    flag("no-color", None, Bool),
    flag("no-deps", None, Bool),
    flag("no-log-prefix", None, Bool),
    flag("no-recreate", None, Bool),
    flag("no-start", None, Bool),
    flag("pull", None, Text),
    flag("quiet-build", None, Bool),
    flag("quiet-pull", None, Bool),
    flag("remove-orphans", None, Bool),
    flag("renew-anon-volumes", Some('V'), Bool),
    flag("scale", None, Text),
    flag("timeout", Some('t'), Int),
    flag("timestamps", None, Bool),
    flag("wait", None, Bool),
    flag("wait-timeout", None, Int),
    flag("watch", Some('w'), Bool),
    alias("y", "yes", Bool),
    flag("yes", Some('y'), Bool),
];

/// `compose create` (v2.40.3), with the hidden, deprecated `--y`.
pub(super) const CREATE_FLAGS: &[FlagDef] = &[
    flag("build", None, Bool),
    flag("dry-run", None, Bool),
    flag("force-recreate", None, Bool),
    flag("help", Some('h'), Bool),
    flag("no-build", None, Bool),
    flag("no-recreate", None, Bool),
    flag("pull", None, Text),
    flag("quiet-pull", None, Bool),
    flag("remove-orphans", None, Bool),
    flag("scale", None, Text),
    alias("y", "yes", Bool),
    flag("yes", Some('y'), Bool),
];

/// `compose scale` (v2.40.3).
pub(super) const SCALE_FLAGS: &[FlagDef] = &[
    flag("dry-run", None, Bool),
    flag("help", Some('h'), Bool),
    flag("no-deps", None, Bool),
];

/// `compose watch` (v2.40.3).
pub(super) const WATCH_FLAGS: &[FlagDef] = &[
    flag("dry-run", None, Bool),
    flag("help", Some('h'), Bool),
    flag("no-up", None, Bool),
    flag("prune", None, Bool),
    flag("quiet", None, Bool),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::flags::{by_long, by_short};

    #[test]
    fn tables_are_sorted_and_unique() {
        for table in [
            COMPOSE_ROOT_FLAGS,
            COMPOSE_RUN_FLAGS,
            ALPHA_FLAGS,
            UP_FLAGS,
            CREATE_FLAGS,
            SCALE_FLAGS,
            WATCH_FLAGS,
        ] {
            for pair in table.windows(2) {
                assert!(
                    pair[0].long < pair[1].long,
                    "{} before {}",
                    pair[0].long,
                    pair[1].long
                );
            }
            let mut shorts: Vec<char> = table.iter().filter_map(|f| f.short).collect();
            let before = shorts.len();
            shorts.sort_unstable();
            shorts.dedup();
            assert_eq!(before, shorts.len(), "a shorthand letter is used twice");
            for flag in table {
                assert!(
                    by_long(table, flag.canonical).is_some(),
                    "{} stores into a flag of the table",
                    flag.long
                );
            }
        }
    }

    #[test]
    fn letters_differ_between_the_root_and_run() {
        assert_eq!(
            by_short(COMPOSE_ROOT_FLAGS, 'p').unwrap().long,
            "project-name"
        );
        assert_eq!(by_short(COMPOSE_RUN_FLAGS, 'p').unwrap().long, "publish");
        assert_eq!(by_short(COMPOSE_ROOT_FLAGS, 'v').unwrap().long, "version");
        assert_eq!(by_short(COMPOSE_RUN_FLAGS, 'v').unwrap().long, "volume");
        assert_eq!(by_short(COMPOSE_ROOT_FLAGS, 'f').unwrap().long, "file");
        assert!(by_short(COMPOSE_RUN_FLAGS, 'f').is_none());
        assert_eq!(by_short(COMPOSE_RUN_FLAGS, 'T').unwrap().long, "no-TTY");
        assert_eq!(by_short(COMPOSE_RUN_FLAGS, 't').unwrap().long, "tty");
        assert_eq!(
            by_short(COMPOSE_RUN_FLAGS, 'P').unwrap().long,
            "service-ports"
        );
        assert_eq!(by_short(COMPOSE_ROOT_FLAGS, 'h').unwrap().long, "help");
        assert_eq!(by_short(COMPOSE_RUN_FLAGS, 'h').unwrap().long, "help");
        assert_eq!(by_short(COMPOSE_RUN_FLAGS, 'w').unwrap().long, "workdir");
    }

    #[test]
    fn value_kinds_of_the_root_options() {
        let kind = |name: &str| by_long(COMPOSE_ROOT_FLAGS, name).unwrap().kind;
        for name in [
            "all-resources",
            "compatibility",
            "dry-run",
            "help",
            "no-ansi",
            "verbose",
            "version",
        ] {
            assert_eq!(kind(name), Bool, "{name}");
        }
        assert_eq!(kind("parallel"), Int);
        for name in [
            "ansi",
            "env-file",
            "file",
            "insecure-registry",
            "profile",
            "progress",
            "project-directory",
            "project-name",
            "workdir",
        ] {
            assert_eq!(kind(name), Text, "{name}");
        }
        assert_eq!(COMPOSE_ROOT_FLAGS.len(), 17);
    }

    #[test]
    fn hidden_spellings_share_the_storage_of_their_flag() {
        assert_eq!(
            by_long(COMPOSE_ROOT_FLAGS, "workdir").unwrap().canonical,
            "project-directory"
        );
        assert_eq!(
            by_long(COMPOSE_RUN_FLAGS, "volumes").unwrap().canonical,
            "volume"
        );
        assert_eq!(
            by_long(COMPOSE_RUN_FLAGS, "labels").unwrap().canonical,
            "label"
        );
        assert_eq!(by_long(UP_FLAGS, "y").unwrap().canonical, "yes");
        // The run table's long name is spelled as compose spells it.
        assert!(by_long(COMPOSE_RUN_FLAGS, "no-TTY").is_some());
        assert!(by_long(COMPOSE_RUN_FLAGS, "no-tty").is_none());
    }
}
