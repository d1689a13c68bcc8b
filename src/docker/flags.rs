//! The docker CLI's flag tables: the 107 `run`/`create` flags and the global options.
//!
//! hardrun has to know, for every flag docker accepts, whether it takes a value: that alone
//! decides where the image starts. The tables mirror docker CLI 28/29 (`cli/command/container/opts.go`,
//! `run.go`, `create.go`, `cli/flags/options.go`); a flag missing here is refused, never guessed.

/// How a flag's value is read. `Bool` flags never consume the next word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// No value; `--flag=false` (any `strconv.ParseBool` spelling) is allowed.
    Bool,
    /// A free string, checked by docker or the daemon, not by hardrun.
    Text,
    /// A base-0 signed integer (`0x10`, `0o17`, `0100` octal, `1_000`).
    Int,
    /// A base-0 unsigned integer.
    Uint,
    /// A byte size, 1024-based (`512m`, `1.5g`, a bare number is bytes).
    Bytes,
    /// A byte size where `-1` means unlimited (`--memory-swap`).
    SwapBytes,
    /// A Go duration with a mandatory unit (`30s`, `1m30s`).
    Duration,
    /// A decimal with at most nine fractional digits (`--cpus`).
    Decimal,
}

/// One flag of docker's grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagDef {
    /// The long name without the leading `--`.
    pub long: &'static str,
    /// The one-letter shorthand, if any.
    pub short: Option<char>,
    /// How the value is read.
    pub kind: ValueKind,
    /// The flag whose storage this one shares (`net` is `network`); the long name otherwise.
    pub canonical: &'static str,
    /// Accepted by `run` but not by `create`.
    pub run_only: bool,
}

impl FlagDef {
    /// Whether the flag consumes a value.
    pub fn takes_value(&self) -> bool {
        self.kind != ValueKind::Bool
    }
}

/// The `docker run` / `docker create` flags (docker CLI 28/29), sorted by long name.
pub const RUN_FLAGS: &[FlagDef] = &[
    FlagDef {
        long: "add-host",
        short: None,
        kind: ValueKind::Text,
        canonical: "add-host",
        run_only: false,
    },
    FlagDef {
        long: "annotation",
        short: None,
        kind: ValueKind::Text,
        canonical: "annotation",
        run_only: false,
    },
    FlagDef {
        long: "attach",
        short: Some('a'),
        kind: ValueKind::Text,
        canonical: "attach",
        run_only: false,
    },
    FlagDef {
        long: "blkio-weight",
        short: None,
        kind: ValueKind::Uint,
        canonical: "blkio-weight",
        run_only: false,
    },
    FlagDef {
        long: "blkio-weight-device",
        short: None,
        kind: ValueKind::Text,
        canonical: "blkio-weight-device",
        run_only: false,
    },
    FlagDef {
        long: "cap-add",
        short: None,
        kind: ValueKind::Text,
        canonical: "cap-add",
        run_only: false,
    },
    FlagDef {
        long: "cap-drop",
        short: None,
        kind: ValueKind::Text,
        canonical: "cap-drop",
        run_only: false,
    },
    FlagDef {
        long: "cgroup-parent",
        short: None,
        kind: ValueKind::Text,
        canonical: "cgroup-parent",
        run_only: false,
    },
    FlagDef {
        long: "cgroupns",
        short: None,
        kind: ValueKind::Text,
        canonical: "cgroupns",
        run_only: false,
    },
    FlagDef {
        long: "cidfile",
        short: None,
        kind: ValueKind::Text,
        canonical: "cidfile",
        run_only: false,
    },
    FlagDef {
        long: "cpu-count",
        short: None,
        kind: ValueKind::Int,
        canonical: "cpu-count",
        run_only: false,
    },
    FlagDef {
        long: "cpu-percent",
        short: None,
        kind: ValueKind::Int,
        canonical: "cpu-percent",
        run_only: false,
    },
    FlagDef {
        long: "cpu-period",
        short: None,
        kind: ValueKind::Int,
        canonical: "cpu-period",
        run_only: false,
    },
    FlagDef {
        long: "cpu-quota",
        short: None,
        kind: ValueKind::Int,
        canonical: "cpu-quota",
        run_only: false,
    },
    FlagDef {
        long: "cpu-rt-period",
        short: None,
        kind: ValueKind::Int,
        canonical: "cpu-rt-period",
        run_only: false,
    },
    FlagDef {
        long: "cpu-rt-runtime",
        short: None,
        kind: ValueKind::Int,
        canonical: "cpu-rt-runtime",
        run_only: false,
    },
    FlagDef {
        long: "cpu-shares",
        short: Some('c'),
        kind: ValueKind::Int,
        canonical: "cpu-shares",
        run_only: false,
    },
    FlagDef {
        long: "cpus",
        short: None,
        kind: ValueKind::Decimal,
        canonical: "cpus",
        run_only: false,
    },
    FlagDef {
        long: "cpuset-cpus",
        short: None,
        kind: ValueKind::Text,
        canonical: "cpuset-cpus",
        run_only: false,
    },
    FlagDef {
        long: "cpuset-mems",
        short: None,
        kind: ValueKind::Text,
        canonical: "cpuset-mems",
        run_only: false,
    },
    FlagDef {
        long: "detach",
        short: Some('d'),
        kind: ValueKind::Bool,
        canonical: "detach",
        run_only: true,
    },
    FlagDef {
        long: "detach-keys",
        short: None,
        kind: ValueKind::Text,
        canonical: "detach-keys",
        run_only: true,
    },
    FlagDef {
        long: "device",
        short: None,
        kind: ValueKind::Text,
        canonical: "device",
        run_only: false,
    },
    FlagDef {
        long: "device-cgroup-rule",
        short: None,
        kind: ValueKind::Text,
        canonical: "device-cgroup-rule",
        run_only: false,
    },
    FlagDef {
        long: "device-read-bps",
        short: None,
        kind: ValueKind::Text,
        canonical: "device-read-bps",
        run_only: false,
    },
    FlagDef {
        long: "device-read-iops",
        short: None,
        kind: ValueKind::Text,
        canonical: "device-read-iops",
        run_only: false,
    },
    FlagDef {
        long: "device-write-bps",
        short: None,
        kind: ValueKind::Text,
        canonical: "device-write-bps",
        run_only: false,
    },
    FlagDef {
        long: "device-write-iops",
        short: None,
        kind: ValueKind::Text,
        canonical: "device-write-iops",
        run_only: false,
    },
    FlagDef {
        long: "disable-content-trust",
        short: None,
        kind: ValueKind::Bool,
        canonical: "disable-content-trust",
        run_only: false,
    },
    FlagDef {
        long: "dns",
        short: None,
        kind: ValueKind::Text,
        canonical: "dns",
        run_only: false,
    },
    FlagDef {
        long: "dns-opt",
        short: None,
        kind: ValueKind::Text,
        canonical: "dns-option",
        run_only: false,
    },
    FlagDef {
        long: "dns-option",
        short: None,
        kind: ValueKind::Text,
        canonical: "dns-option",
        run_only: false,
    },
    FlagDef {
        long: "dns-search",
        short: None,
        kind: ValueKind::Text,
        canonical: "dns-search",
        run_only: false,
    },
    FlagDef {
        long: "domainname",
        short: None,
        kind: ValueKind::Text,
        canonical: "domainname",
        run_only: false,
    },
    FlagDef {
        long: "entrypoint",
        short: None,
        kind: ValueKind::Text,
        canonical: "entrypoint",
        run_only: false,
    },
    FlagDef {
        long: "env",
        short: Some('e'),
        kind: ValueKind::Text,
        canonical: "env",
        run_only: false,
    },
    FlagDef {
        long: "env-file",
        short: None,
        kind: ValueKind::Text,
        canonical: "env-file",
        run_only: false,
    },
    FlagDef {
        long: "expose",
        short: None,
        kind: ValueKind::Text,
        canonical: "expose",
        run_only: false,
    },
    FlagDef {
        long: "gpus",
        short: None,
        kind: ValueKind::Text,
        canonical: "gpus",
        run_only: false,
    },
    FlagDef {
        long: "group-add",
        short: None,
        kind: ValueKind::Text,
        canonical: "group-add",
        run_only: false,
    },
    FlagDef {
        long: "health-cmd",
        short: None,
        kind: ValueKind::Text,
        canonical: "health-cmd",
        run_only: false,
    },
    FlagDef {
        long: "health-interval",
        short: None,
        kind: ValueKind::Duration,
        canonical: "health-interval",
        run_only: false,
    },
    FlagDef {
        long: "health-retries",
        short: None,
        kind: ValueKind::Int,
        canonical: "health-retries",
        run_only: false,
    },
    FlagDef {
        long: "health-start-interval",
        short: None,
        kind: ValueKind::Duration,
        canonical: "health-start-interval",
        run_only: false,
    },
    FlagDef {
        long: "health-start-period",
        short: None,
        kind: ValueKind::Duration,
        canonical: "health-start-period",
        run_only: false,
    },
    FlagDef {
        long: "health-timeout",
        short: None,
        kind: ValueKind::Duration,
        canonical: "health-timeout",
        run_only: false,
    },
    FlagDef {
        long: "help",
        short: None,
        kind: ValueKind::Bool,
        canonical: "help",
        run_only: false,
    },
    FlagDef {
        long: "hostname",
        short: Some('h'),
        kind: ValueKind::Text,
        canonical: "hostname",
        run_only: false,
    },
    FlagDef {
        long: "init",
        short: None,
        kind: ValueKind::Bool,
        canonical: "init",
        run_only: false,
    },
    FlagDef {
        long: "interactive",
        short: Some('i'),
        kind: ValueKind::Bool,
        canonical: "interactive",
        run_only: false,
    },
    FlagDef {
        long: "io-maxbandwidth",
        short: None,
        kind: ValueKind::Bytes,
        canonical: "io-maxbandwidth",
        run_only: false,
    },
    FlagDef {
        long: "io-maxiops",
        short: None,
        kind: ValueKind::Uint,
        canonical: "io-maxiops",
        run_only: false,
    },
    FlagDef {
        long: "ip",
        short: None,
        kind: ValueKind::Text,
        canonical: "ip",
        run_only: false,
    },
    FlagDef {
        long: "ip6",
        short: None,
        kind: ValueKind::Text,
        canonical: "ip6",
        run_only: false,
    },
    FlagDef {
        long: "ipc",
        short: None,
        kind: ValueKind::Text,
        canonical: "ipc",
        run_only: false,
    },
    FlagDef {
        long: "isolation",
        short: None,
        kind: ValueKind::Text,
        canonical: "isolation",
        run_only: false,
    },
    FlagDef {
        long: "kernel-memory",
        short: None,
        kind: ValueKind::Bytes,
        canonical: "kernel-memory",
        run_only: false,
    },
    FlagDef {
        long: "label",
        short: Some('l'),
        kind: ValueKind::Text,
        canonical: "label",
        run_only: false,
    },
    FlagDef {
        long: "label-file",
        short: None,
        kind: ValueKind::Text,
        canonical: "label-file",
        run_only: false,
    },
    FlagDef {
        long: "link",
        short: None,
        kind: ValueKind::Text,
        canonical: "link",
        run_only: false,
    },
    FlagDef {
        long: "link-local-ip",
        short: None,
        kind: ValueKind::Text,
        canonical: "link-local-ip",
        run_only: false,
    },
    FlagDef {
        long: "log-driver",
        short: None,
        kind: ValueKind::Text,
        canonical: "log-driver",
        run_only: false,
    },
    FlagDef {
        long: "log-opt",
        short: None,
        kind: ValueKind::Text,
        canonical: "log-opt",
        run_only: false,
    },
    FlagDef {
        long: "mac-address",
        short: None,
        kind: ValueKind::Text,
        canonical: "mac-address",
        run_only: false,
    },
    FlagDef {
        long: "memory",
        short: Some('m'),
        kind: ValueKind::Bytes,
        canonical: "memory",
        run_only: false,
    },
    FlagDef {
        long: "memory-reservation",
        short: None,
        kind: ValueKind::Bytes,
        canonical: "memory-reservation",
        run_only: false,
    },
    FlagDef {
        long: "memory-swap",
        short: None,
        kind: ValueKind::SwapBytes,
        canonical: "memory-swap",
        run_only: false,
    },
    FlagDef {
        long: "memory-swappiness",
        short: None,
        kind: ValueKind::Int,
        canonical: "memory-swappiness",
        run_only: false,
    },
    FlagDef {
        long: "mount",
        short: None,
        kind: ValueKind::Text,
        canonical: "mount",
        run_only: false,
    },
    FlagDef {
        long: "name",
        short: None,
        kind: ValueKind::Text,
        canonical: "name",
        run_only: false,
    },
    FlagDef {
        long: "net",
        short: None,
        kind: ValueKind::Text,
        canonical: "network",
        run_only: false,
    },
    FlagDef {
        long: "net-alias",
        short: None,
        kind: ValueKind::Text,
        canonical: "network-alias",
        run_only: false,
    },
    FlagDef {
        long: "network",
        short: None,
        kind: ValueKind::Text,
        canonical: "network",
        run_only: false,
    },
    FlagDef {
        long: "network-alias",
        short: None,
        kind: ValueKind::Text,
        canonical: "network-alias",
        run_only: false,
    },
    FlagDef {
        long: "no-healthcheck",
        short: None,
        kind: ValueKind::Bool,
        canonical: "no-healthcheck",
        run_only: false,
    },
    FlagDef {
        long: "oom-kill-disable",
        short: None,
        kind: ValueKind::Bool,
        canonical: "oom-kill-disable",
        run_only: false,
    },
    FlagDef {
        long: "oom-score-adj",
        short: None,
        kind: ValueKind::Int,
        canonical: "oom-score-adj",
        run_only: false,
    },
    FlagDef {
        long: "pid",
        short: None,
        kind: ValueKind::Text,
        canonical: "pid",
        run_only: false,
    },
    FlagDef {
        long: "pids-limit",
        short: None,
        kind: ValueKind::Int,
        canonical: "pids-limit",
        run_only: false,
    },
    FlagDef {
        long: "platform",
        short: None,
        kind: ValueKind::Text,
        canonical: "platform",
        run_only: false,
    },
    FlagDef {
        long: "privileged",
        short: None,
        kind: ValueKind::Bool,
        canonical: "privileged",
        run_only: false,
    },
    FlagDef {
        long: "publish",
        short: Some('p'),
        kind: ValueKind::Text,
        canonical: "publish",
        run_only: false,
    },
    FlagDef {
        long: "publish-all",
        short: Some('P'),
        kind: ValueKind::Bool,
        canonical: "publish-all",
        run_only: false,
    },
    FlagDef {
        long: "pull",
        short: None,
        kind: ValueKind::Text,
        canonical: "pull",
        run_only: false,
    },
    FlagDef {
        long: "quiet",
        short: Some('q'),
        kind: ValueKind::Bool,
        canonical: "quiet",
        run_only: false,
    },
    FlagDef {
        long: "read-only",
        short: None,
        kind: ValueKind::Bool,
        canonical: "read-only",
        run_only: false,
    },
    FlagDef {
        long: "restart",
        short: None,
        kind: ValueKind::Text,
        canonical: "restart",
        run_only: false,
    },
    FlagDef {
        long: "rm",
        short: None,
        kind: ValueKind::Bool,
        canonical: "rm",
        run_only: false,
    },
    FlagDef {
        long: "runtime",
        short: None,
        kind: ValueKind::Text,
        canonical: "runtime",
        run_only: false,
    },
    FlagDef {
        long: "security-opt",
        short: None,
        kind: ValueKind::Text,
        canonical: "security-opt",
        run_only: false,
    },
    FlagDef {
        long: "shm-size",
        short: None,
        kind: ValueKind::Bytes,
        canonical: "shm-size",
        run_only: false,
    },
    FlagDef {
        long: "sig-proxy",
        short: None,
        kind: ValueKind::Bool,
        canonical: "sig-proxy",
        run_only: true,
    },
    FlagDef {
        long: "stop-signal",
        short: None,
        kind: ValueKind::Text,
        canonical: "stop-signal",
        run_only: false,
    },
    FlagDef {
        long: "stop-timeout",
        short: None,
        kind: ValueKind::Int,
        canonical: "stop-timeout",
        run_only: false,
    },
    FlagDef {
        long: "storage-opt",
        short: None,
        kind: ValueKind::Text,
        canonical: "storage-opt",
        run_only: false,
    },
    FlagDef {
        long: "sysctl",
        short: None,
        kind: ValueKind::Text,
        canonical: "sysctl",
        run_only: false,
    },
    FlagDef {
        long: "tmpfs",
        short: None,
        kind: ValueKind::Text,
        canonical: "tmpfs",
        run_only: false,
    },
    FlagDef {
        long: "tty",
        short: Some('t'),
        kind: ValueKind::Bool,
        canonical: "tty",
        run_only: false,
    },
    FlagDef {
        long: "ulimit",
        short: None,
        kind: ValueKind::Text,
        canonical: "ulimit",
        run_only: false,
    },
    FlagDef {
        long: "use-api-socket",
        short: None,
        kind: ValueKind::Bool,
        canonical: "use-api-socket",
        run_only: false,
    },
    FlagDef {
        long: "user",
        short: Some('u'),
        kind: ValueKind::Text,
        canonical: "user",
        run_only: false,
    },
    FlagDef {
        long: "userns",
        short: None,
        kind: ValueKind::Text,
        canonical: "userns",
        run_only: false,
    },
    FlagDef {
        long: "uts",
        short: None,
        kind: ValueKind::Text,
        canonical: "uts",
        run_only: false,
    },
    FlagDef {
        long: "volume",
        short: Some('v'),
        kind: ValueKind::Text,
        canonical: "volume",
        run_only: false,
    },
    FlagDef {
        long: "volume-driver",
        short: None,
        kind: ValueKind::Text,
        canonical: "volume-driver",
        run_only: false,
    },
    FlagDef {
        long: "volumes-from",
        short: None,
        kind: ValueKind::Text,
        canonical: "volumes-from",
        run_only: false,
    },
    FlagDef {
        long: "workdir",
        short: Some('w'),
        kind: ValueKind::Text,
        canonical: "workdir",
        run_only: false,
    },
];

/// The global options that may stand between `docker` and the command word.
pub const GLOBAL_FLAGS: &[FlagDef] = &[
    flag("config", None, ValueKind::Text),
    flag("context", Some('c'), ValueKind::Text),
    flag("debug", Some('D'), ValueKind::Bool),
    flag("help", Some('h'), ValueKind::Bool),
    flag("host", Some('H'), ValueKind::Text),
    flag("log-level", Some('l'), ValueKind::Text),
    flag("tls", None, ValueKind::Bool),
    flag("tlscacert", None, ValueKind::Text),
    flag("tlscert", None, ValueKind::Text),
    flag("tlskey", None, ValueKind::Text),
    flag("tlsverify", None, ValueKind::Bool),
    flag("version", Some('v'), ValueKind::Bool),
];

/// A flag of its own storage, accepted wherever its table is: for the tables of other commands.
pub const fn flag(long: &'static str, short: Option<char>, kind: ValueKind) -> FlagDef {
    FlagDef {
        long,
        short,
        kind,
        canonical: long,
        run_only: false,
    }
}

/// Finds a flag by its long name in a table.
pub fn by_long<'a>(table: &'a [FlagDef], name: &str) -> Option<&'a FlagDef> {
    table.iter().find(|f| f.long == name)
}

/// Finds a flag by its shorthand letter in a table.
pub fn by_short(table: &[FlagDef], letter: char) -> Option<&FlagDef> {
    table.iter().find(|f| f.short == Some(letter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_table_has_the_107_flags_of_docker_28_and_29() {
        assert_eq!(RUN_FLAGS.len(), 107);
    }

    #[test]
    fn tables_are_sorted_and_unique() {
        for table in [RUN_FLAGS, GLOBAL_FLAGS] {
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
        }
    }

    #[test]
    fn hidden_aliases_share_the_storage_of_their_flag() {
        assert_eq!(by_long(RUN_FLAGS, "net").unwrap().canonical, "network");
        assert_eq!(
            by_long(RUN_FLAGS, "net-alias").unwrap().canonical,
            "network-alias"
        );
        assert_eq!(
            by_long(RUN_FLAGS, "dns-opt").unwrap().canonical,
            "dns-option"
        );
    }

    #[test]
    fn short_letters_differ_between_the_global_and_the_run_stage() {
        assert_eq!(by_short(GLOBAL_FLAGS, 'c').unwrap().long, "context");
        assert_eq!(by_short(RUN_FLAGS, 'c').unwrap().long, "cpu-shares");
        assert_eq!(by_short(GLOBAL_FLAGS, 'l').unwrap().long, "log-level");
        assert_eq!(by_short(RUN_FLAGS, 'l').unwrap().long, "label");
        assert_eq!(by_short(GLOBAL_FLAGS, 'v').unwrap().long, "version");
        assert_eq!(by_short(RUN_FLAGS, 'v').unwrap().long, "volume");
        assert_eq!(by_short(GLOBAL_FLAGS, 'h').unwrap().long, "help");
        assert_eq!(by_short(RUN_FLAGS, 'h').unwrap().long, "hostname");
    }

    #[test]
    fn only_detach_detach_keys_and_sig_proxy_are_run_only() {
        let run_only: Vec<&str> = RUN_FLAGS
            .iter()
            .filter(|f| f.run_only)
            .map(|f| f.long)
            .collect();
        assert_eq!(run_only, ["detach", "detach-keys", "sig-proxy"]);
    }
}
