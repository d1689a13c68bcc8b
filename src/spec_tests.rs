//! The tests of `spec`: path cleaning, security options, masked environment values, and
//! `ContainerSpec::satisfies` for every kind of `Edit`.

use super::*;

#[test]
fn paths_are_cleaned_like_go() {
    assert_eq!(clean_path("/"), "/");
    assert_eq!(clean_path("//var//run/"), "/var/run");
    assert_eq!(clean_path("/a/./b/../c"), "/a/c");
    assert_eq!(clean_path("/.."), "/");
    assert_eq!(clean_path("a/../../b"), "../b");
    // Paths already clean come back as they are; the others are cleaned.
    for (path, clean) in [
        ("/etc", "/etc"),
        ("/var/lib/docker", "/var/lib/docker"),
        ("a/b", "a/b"),
        ("a", "a"),
        ("", "."),
        (".", "."),
        ("..", ".."),
        ("a/", "a"),
        ("./a", "a"),
        ("a/.", "a"),
        ("/a/..", "/"),
        ("/a//b", "/a/b"),
        ("//", "/"),
        ("/.../a", "/.../a"),
    ] {
        assert_eq!(clean_path(path), clean, "{path:?}");
    }
}

#[test]
fn security_opts_split_on_equals_then_colon() {
    assert_eq!(
        split_security_opt("no-new-privileges"),
        ("no-new-privileges", None)
    );
    assert_eq!(
        split_security_opt("no-new-privileges:true"),
        ("no-new-privileges", Some("true"))
    );
    assert_eq!(
        split_security_opt("seccomp=a:b.json"),
        ("seccomp", Some("a:b.json"))
    );
    assert_eq!(
        split_security_opt("label:disable"),
        ("label", Some("disable"))
    );
}

#[test]
fn env_values_never_show_in_debug_output() {
    let var = EnvVar {
        name: "DB_PASSWORD".into(),
        value: Some("hunter2".into()),
        origin: "-e DB_PASSWORD=***".into(),
        source: EnvSource::CommandLine,
    };
    assert!(!format!("{var:?}").contains("hunter2"));
}

#[test]
fn the_last_no_new_privileges_entry_wins() {
    let spec = ContainerSpec {
        security_opts: vec![
            Sourced::new("no-new-privileges".into(), "a"),
            Sourced::new("no-new-privileges=false".into(), "b"),
        ],
        ..ContainerSpec::default()
    };
    assert_eq!(spec.no_new_privileges().unwrap().origin, "b");
}

fn set<T>(value: T) -> Option<Sourced<T>> {
    Some(Sourced::new(value, "origin"))
}

fn list(values: &[&str]) -> Vec<Sourced<String>> {
    values
        .iter()
        .map(|v| Sourced::new((*v).to_owned(), "origin"))
        .collect()
}

fn pairs(entries: &[(&str, &str)]) -> Vec<(String, String)> {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn mount(kind: MountKind, target: &str, options: &str) -> Sourced<Mount> {
    let mount = Mount {
        kind,
        source: None,
        target: target.into(),
        read_only: false,
        propagation: None,
        tmpfs_options: options.into(),
        bind_device: None,
    };
    Sourced::new(mount, "origin")
}

/// The empty spec, changed by `change`.
fn with(change: impl FnOnce(&mut ContainerSpec)) -> ContainerSpec {
    let mut spec = ContainerSpec::default();
    change(&mut spec);
    spec
}

/// The name of an edit's variant. Exhaustive, so a new variant must be named here and then
/// get a case in `cases`.
fn variant(edit: &Edit) -> &'static str {
    match edit {
        Edit::ReadOnlyRootfs => "ReadOnlyRootfs",
        Edit::Tmpfs { .. } => "Tmpfs",
        Edit::CapDrop(_) => "CapDrop",
        Edit::CapAdd(_) => "CapAdd",
        Edit::NoNewPrivileges => "NoNewPrivileges",
        Edit::User(_) => "User",
        Edit::Memory(_) => "Memory",
        Edit::MemorySwap(_) => "MemorySwap",
        Edit::Cpus(_) => "Cpus",
        Edit::PidsLimit(_) => "PidsLimit",
        Edit::HealthCmd(_) => "HealthCmd",
        Edit::HealthInterval(_) => "HealthInterval",
        Edit::HealthTimeout(_) => "HealthTimeout",
        Edit::HealthRetries(_) => "HealthRetries",
        Edit::HealthStartPeriod(_) => "HealthStartPeriod",
        Edit::LogDriver(_) => "LogDriver",
        Edit::LogOpt { .. } => "LogOpt",
        Edit::Restart(_) => "Restart",
        Edit::Init => "Init",
        Edit::Label { .. } => "Label",
    }
}

const VARIANTS: [&str; 20] = [
    "ReadOnlyRootfs",
    "Tmpfs",
    "CapDrop",
    "CapAdd",
    "NoNewPrivileges",
    "User",
    "Memory",
    "MemorySwap",
    "Cpus",
    "PidsLimit",
    "HealthCmd",
    "HealthInterval",
    "HealthTimeout",
    "HealthRetries",
    "HealthStartPeriod",
    "LogDriver",
    "LogOpt",
    "Restart",
    "Init",
    "Label",
];

/// For every kind of edit: the edit, specs that already have what it sets, and specs that
/// do not (the empty spec among them wherever the edit sets something).
fn cases() -> Vec<(Edit, Vec<ContainerSpec>, Vec<ContainerSpec>)> {
    use MountKind::{Bind, Tmpfs};
    let none = ContainerSpec::default;
    let tmpfs = |mounts: &[(MountKind, &str, &str)]| {
        with(|s| {
            s.mounts = mounts.iter().map(|(k, t, o)| mount(*k, t, o)).collect();
        })
    };
    let caps = |add: &[&str], drop: &[&str]| {
        with(|s| {
            s.cap_add = list(add);
            s.cap_drop = list(drop);
        })
    };
    let security = |entries: &[&str]| with(|s| s.security_opts = list(entries));
    let health = |change: fn(&mut Health)| with(|s| change(&mut s.health));
    let log_opts = |entries: &[(&str, &str)]| {
        with(|s| {
            s.log_opts = pairs(entries)
                .into_iter()
                .map(|pair| Sourced::new(pair, "origin"))
                .collect();
        })
    };
    let labels = |entries: &[(&str, &str)]| with(|s| s.labels = pairs(entries));
    const SECONDS: i64 = 1_000_000_000;
    vec![
        (
            Edit::ReadOnlyRootfs,
            vec![with(|s| s.read_only = set(true))],
            vec![none(), with(|s| s.read_only = set(false))],
        ),
        (
            Edit::Tmpfs {
                target: "/tmp".into(),
                options: "rw,size=100m".into(),
            },
            vec![
                tmpfs(&[(Tmpfs, "/tmp", "rw,size=100m")]),
                // The engine cleans the target.
                tmpfs(&[(Tmpfs, "/run", ""), (Tmpfs, "/tmp/", "rw,size=100m")]),
            ],
            vec![
                none(),
                tmpfs(&[(Tmpfs, "/tmp", "size=1m")]),
                tmpfs(&[(Tmpfs, "/var/tmp", "rw,size=100m")]),
                // The last mount at the target is the one that takes effect.
                tmpfs(&[(Tmpfs, "/tmp", "rw,size=100m"), (Bind, "/tmp", "")]),
            ],
        ),
        (
            Edit::CapDrop("ALL".into()),
            vec![caps(&["CHOWN"], &["NET_RAW", "ALL"])],
            vec![none(), caps(&["ALL"], &["NET_RAW"])],
        ),
        (
            Edit::CapAdd("cap_net_bind_service".into()),
            vec![caps(&["NET_BIND_SERVICE"], &[])],
            vec![none(), caps(&["NET_RAW"], &["NET_BIND_SERVICE"])],
        ),
        (
            Edit::NoNewPrivileges,
            vec![
                security(&["no-new-privileges"]),
                security(&["no-new-privileges=true"]),
                security(&["no-new-privileges:1"]),
                security(&[
                    "no-new-privileges=false",
                    "label=disable",
                    "no-new-privileges",
                ]),
            ],
            vec![
                none(),
                security(&["label=disable"]),
                security(&["no-new-privileges=true", "no-new-privileges:false"]),
                security(&["no-new-privileges=yes"]),
            ],
        ),
        (
            Edit::User("1000:1000".into()),
            vec![with(|s| s.user = set("1000:1000".into()))],
            vec![none(), with(|s| s.user = set("1000".into()))],
        ),
        (
            Edit::Memory("512m".into()),
            vec![with(|s| s.memory = set(512 << 20))],
            vec![none(), with(|s| s.memory = set(1 << 30))],
        ),
        (
            Edit::MemorySwap("-1".into()),
            vec![with(|s| s.memory_swap = set(-1))],
            vec![none(), with(|s| s.memory_swap = set(1 << 30))],
        ),
        (
            Edit::Cpus("1.5".into()),
            vec![with(|s| s.nano_cpus = set(1_500_000_000))],
            vec![none(), with(|s| s.nano_cpus = set(1_000_000_000))],
        ),
        (
            Edit::PidsLimit(100),
            vec![with(|s| s.pids_limit = set(100))],
            vec![none(), with(|s| s.pids_limit = set(-1))],
        ),
        (
            Edit::HealthCmd("curl -f localhost".into()),
            vec![health(|h| h.command = set("curl -f localhost".into()))],
            vec![
                none(),
                health(|h| h.command = set("true".into())),
                health(|h| {
                    h.command = set("curl -f localhost".into());
                    h.disabled = set(true);
                }),
            ],
        ),
        (
            Edit::HealthInterval("1m30s".into()),
            vec![
                health(|h| h.interval = Some(90 * SECONDS)),
                health(|h| {
                    h.interval = Some(90 * SECONDS);
                    h.disabled = set(false);
                }),
            ],
            vec![
                none(),
                health(|h| h.interval = Some(30 * SECONDS)),
                health(|h| {
                    h.interval = Some(90 * SECONDS);
                    h.disabled = set(true);
                }),
            ],
        ),
        (
            Edit::HealthTimeout("3s".into()),
            vec![health(|h| h.timeout = Some(3 * SECONDS))],
            vec![none(), health(|h| h.timeout = Some(3_000_000))],
        ),
        (
            Edit::HealthRetries(3),
            vec![health(|h| h.retries = Some(3))],
            vec![
                none(),
                health(|h| h.retries = Some(5)),
                health(|h| {
                    h.retries = Some(3);
                    h.disabled = set(true);
                }),
            ],
        ),
        (
            Edit::HealthStartPeriod("5s".into()),
            vec![health(|h| h.start_period = Some(5 * SECONDS))],
            vec![none(), health(|h| h.start_period = Some(SECONDS))],
        ),
        (
            Edit::LogDriver("json-file".into()),
            vec![with(|s| s.log_driver = set("json-file".into()))],
            vec![none(), with(|s| s.log_driver = set("local".into()))],
        ),
        (
            Edit::LogOpt {
                key: "max-size".into(),
                value: "10m".into(),
            },
            vec![
                log_opts(&[("max-size", "10m")]),
                log_opts(&[("max-size", "1g"), ("max-file", "3"), ("max-size", "10m")]),
            ],
            vec![
                none(),
                log_opts(&[("max-file", "10m")]),
                log_opts(&[("max-size", "10m"), ("max-size", "1g")]),
            ],
        ),
        (
            Edit::Restart("on-failure:3".into()),
            vec![with(|s| s.restart = set("on-failure:3".into()))],
            vec![none(), with(|s| s.restart = set("on-failure".into()))],
        ),
        (
            Edit::Init,
            vec![with(|s| s.init = set(true))],
            vec![none(), with(|s| s.init = set(false))],
        ),
        (
            Edit::Label {
                key: "io.hardrun.profile".into(),
                value: "production".into(),
            },
            vec![
                labels(&[("io.hardrun.profile", "production")]),
                labels(&[
                    ("io.hardrun.profile", "mine"),
                    ("io.hardrun.profile", "production"),
                ]),
            ],
            vec![
                none(),
                labels(&[
                    ("io.hardrun.profile", "production"),
                    ("io.hardrun.profile", ""),
                ]),
                labels(&[("team", "production")]),
            ],
        ),
    ]
}

#[test]
fn every_edit_is_satisfied_by_its_setting_and_by_nothing_else() {
    let cases = cases();
    for (edit, having, lacking) in &cases {
        for spec in having {
            assert!(spec.satisfies(edit), "{edit:?} not satisfied by {spec:#?}");
        }
        for spec in lacking {
            assert!(!spec.satisfies(edit), "{edit:?} satisfied by {spec:#?}");
        }
    }
    let covered: Vec<&str> = cases.iter().map(|(edit, ..)| variant(edit)).collect();
    assert_eq!(
        covered, VARIANTS,
        "one case per kind of edit, in this order"
    );
}

#[test]
fn an_edit_docker_would_reject_is_never_satisfied() {
    let unset = ContainerSpec::default();
    let zero = with(|s| {
        s.memory = set(0);
        s.memory_swap = set(0);
        s.nano_cpus = set(0);
        s.health.interval = Some(0);
        s.health.timeout = Some(0);
        s.health.start_period = Some(0);
    });
    for edit in [
        Edit::Memory("lots".into()),
        Edit::MemorySwap("-2".into()),
        Edit::Cpus("1/0".into()),
        Edit::HealthInterval("30".into()),
        Edit::HealthTimeout(String::new()),
        Edit::HealthStartPeriod("soon".into()),
    ] {
        assert!(!unset.satisfies(&edit), "{edit:?}");
        assert!(!zero.satisfies(&edit), "{edit:?}");
    }
}

#[test]
fn values_are_compared_as_docker_reads_them() {
    let spec = with(|s| {
        s.memory = set(1 << 30);
        s.nano_cpus = set(1_500_000_000);
        s.health.interval = Some(90_000_000_000);
        s.cap_drop = list(&["ALL"]);
    });
    for edit in [
        Edit::Memory("1g".into()),
        Edit::Memory("1024m".into()),
        Edit::Cpus("1.5".into()),
        Edit::Cpus("3/2".into()),
        Edit::HealthInterval("90s".into()),
        Edit::HealthInterval("1m30s".into()),
        Edit::CapDrop("all".into()),
        Edit::CapDrop("CAP_ALL".into()),
    ] {
        assert!(spec.satisfies(&edit), "{edit:?}");
    }
}
