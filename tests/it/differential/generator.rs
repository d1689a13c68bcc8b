//! A seeded generator of `docker run`/`create` lines over the installed CLI's whole flag table:
//! every flag, in every syntax pflag accepts (`--f=v`, `--f v`, `-f v`, `-fv`, `-f=v`, clusters
//! such as `-itd` and `-itp80`, bare and valued booleans, empty values), repeats, `--`, words
//! after the image that look like flags, non-UTF-8 bytes, and some lines docker rejects.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use super::flag_table::Flag;

/// A small, seeded PRNG (splitmix64): the same seed gives the same lines everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A flag's long name and how it was written.
type Used = (String, Syntax);

/// How one flag was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Syntax {
    LongEquals,
    LongSpace,
    ShortSpace,
    ShortAttached,
    ShortEquals,
    Cluster,
    BoolBare,
    BoolValued,
    EmptyValue,
    Repeat,
}

impl Syntax {
    pub fn name(self) -> &'static str {
        match self {
            Syntax::LongEquals => "--f=v",
            Syntax::LongSpace => "--f v",
            Syntax::ShortSpace => "-f v",
            Syntax::ShortAttached => "-fv",
            Syntax::ShortEquals => "-f=v",
            Syntax::Cluster => "cluster",
            Syntax::BoolBare => "--b",
            Syntax::BoolValued => "--b=V",
            Syntax::EmptyValue => "empty",
            Syntax::Repeat => "repeat",
        }
    }
}

/// One generated line (docker's words after `docker`).
#[derive(Debug, Clone)]
pub struct Line {
    pub words: Vec<OsString>,
    /// Which (flag, syntax) pairs the line uses.
    pub used: BTreeSet<(String, Syntax)>,
    /// Which line-level shapes it has.
    pub shapes: BTreeSet<&'static str>,
}

/// Flags the generator leaves out, and why.
pub const LEFT_OUT: [(&str, &str); 1] = [("help", "prints the help instead of creating")];

/// Values docker accepts for a flag (the first ones), by flag, else by the flag's type.
fn valid(flag: &Flag) -> Vec<&'static str> {
    let by_name: &[&str] = match flag.long.as_str() {
        "add-host" => &["db:10.0.0.1", "gw:host-gateway", "v6:::1"],
        "attach" => &["stdout", "STDERR", "stdin"],
        "blkio-weight" => &["10", "500", "0x20"],
        "blkio-weight-device" | "device-read-iops" | "device-write-iops" => {
            &["/dev/sda:200", "/dev/null:1000"]
        }
        "device-read-bps" | "device-write-bps" => &["/dev/sda:1mb", "/dev/null:4096"],
        "cap-add" => &[
            "NET_ADMIN",
            "chown",
            "CAP_SYS_TIME",
            "ALL",
            "net_bind_service",
        ],
        "cap-drop" => &["ALL", "NET_RAW", "chown", "CAP_MKNOD"],
        "cgroup-parent" => &["/hr-diff", "hr-diff.slice"],
        "cgroupns" => &["host", "private"],
        "cidfile" => &["cid.txt"],
        "cpu-period" => &["100000", "0x186a0", "50000"],
        "cpu-quota" => &["50000", "-1", "200000"],
        "cpu-rt-period" => &["1000000"],
        "cpu-rt-runtime" => &["950000", "0"],
        "cpu-shares" => &["512", "0x10", "0100", "2048"],
        "cpus" => &[
            "0.5",
            "1.5",
            "2",
            ".5",
            "1.",
            "4",
            "+1",
            "0.000000001",
            "1e0",
            "2E-1",
            "3/4",
            "0x10",
            "0x1p-1",
            "1_0",
            "010",
        ],
        "cpuset-cpus" => &["0-1", "0", "0,1"],
        "cpuset-mems" => &["0"],
        "detach-keys" => &["ctrl-p,ctrl-q", "ctrl-x"],
        "device" => &["/dev/null", "/dev/null:/dev/xnull:r", "/dev/zero:/dev/z"],
        "device-cgroup-rule" => &["c 1:3 mr", "a *:* rwm"],
        "dns" => &["8.8.8.8", "::1"],
        "dns-option" => &["ndots:2", "timeout:1"],
        "dns-search" => &["example.com", "."],
        "domainname" => &["example.com"],
        "entrypoint" => &["/bin/sh", "sh -c", "/bin/true"],
        "env" => &[
            "A=1",
            "B=",
            "HARDRUN_DIFF_HOST",
            "HR_DIFF_UNSET",
            "PATH=/x:/y",
            "API_TOKEN=hunter2",
            "A=b=c",
            "MULTI=a b",
        ],
        "env-file" => &["app.env"],
        "expose" => &["80", "8000-8010/udp", "443/tcp"],
        "gpus" => &["all", "2", "device=0", "count=1,capabilities=utility"],
        "group-add" => &["audio", "1000"],
        "health-cmd" => &["true", "curl -f http://localhost/ || exit 1"],
        "health-interval" | "health-start-period" => &["30s", "1m30s", "1h", "500ms", "5s"],
        "health-timeout" => &["3s", "10s", "1m"],
        "health-retries" => &["3", "0x5", "10"],
        "hostname" => &["web", "a.example"],
        "ip" => &["172.30.100.104"],
        "ip6" => &["2001:db8::33"],
        "ipc" => &["host", "private", "shareable", "none", "container:db"],
        "isolation" => &["default"],
        "kernel-memory" => &["50m"],
        "label" => &["a=b", "com.example.flag", "k=v w", "empty="],
        "label-file" => &["labels.txt"],
        "link" => &["db:db", "db"],
        "link-local-ip" => &["169.254.1.1"],
        "log-driver" => &["json-file", "local", "syslog", "none", "journald"],
        "log-opt" => &["max-size=5m", "max-file=2", "tag=x", "max-size=1g"],
        "mac-address" => &["92:d0:c6:0a:29:33"],
        "memory" => &[
            "512m", "2g", "1e3m", ".5g", "1.g", "+1g", "4194304", "1.5GB", "64M", "0x1p30",
            "1_000m", "1 g", "256MiB",
        ],
        "memory-reservation" => &["256m", "64m", "1g"],
        "memory-swap" => &["-1", "1g", "2g", "0", "4g"],
        "memory-swappiness" => &["0", "60", "-1"],
        "mount" => &[
            "type=tmpfs,dst=/cache",
            "type=bind,src=/tmp,dst=/host-tmp,ro",
            "type=volume,src=data,dst=/data",
            "target=/anon",
            "type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770",
            "type=bind,source=/var/run/docker.sock,target=/var/run/docker.sock",
            "type=bind,src=/etc,dst=/host-etc",
        ],
        "name" => &["hr-diff-one", "hr-diff_two"],
        "network" => &[
            "bridge",
            "host",
            "none",
            "hr-diff-net",
            "container:db",
            "name=hr-diff-net,alias=web",
        ],
        "network-alias" => &["web", "api"],
        "oom-score-adj" => &["500", "-1000", "0"],
        "pid" => &["host", "container:db"],
        "pids-limit" => &["100", "-1", "0", "0100", "0x40", "4096"],
        "platform" => &["linux/amd64"],
        "publish" => &[
            "8080:80",
            "127.0.0.1:8080:80",
            "80",
            "8000-8001:8000-8001/udp",
            "[::1]:8081:81",
            "0.0.0.0:9000:9000",
        ],
        "pull" => &["missing", "never", "always"],
        "restart" => &[
            "no",
            "always",
            "on-failure:3",
            "unless-stopped",
            "on-failure",
        ],
        "runtime" => &["runc"],
        "security-opt" => &[
            "no-new-privileges",
            "no-new-privileges:true",
            "no-new-privileges=false",
            "seccomp=unconfined",
            "apparmor=docker-default",
            "label=disable",
            "seccomp=seccomp.json",
            "systempaths=unconfined",
            "apparmor:unconfined",
        ],
        "shm-size" => &["64m", "1g", ".5g"],
        "stop-signal" => &["SIGTERM", "9", "SIGKILL"],
        "stop-timeout" => &["10", "-1", "0x1e"],
        "storage-opt" => &["size=10G"],
        "sysctl" => &[
            "net.ipv4.ip_forward=1",
            "kernel.msgmax=65536",
            "net.core.somaxconn=1024",
        ],
        "tmpfs" => &[
            "/tmp",
            "/run:rw,size=10m",
            "/cache:uid=1000,gid=1000",
            "/tmp:rw,exec",
        ],
        "ulimit" => &["nofile=1024:2048", "nproc=100", "core=0"],
        "user" => &["1000", "1000:1000", "root", "nobody", "0", "app:app"],
        "userns" => &["host"],
        "uts" => &["host"],
        "volume" => &[
            "/data",
            "/tmp:/host-tmp:ro",
            "data:/data",
            "./rel:/rel",
            "/var/run/docker.sock:/var/run/docker.sock",
            "/:/host",
            "/srv:/srv:rw,rshared",
        ],
        "volume-driver" => &["local"],
        "volumes-from" => &["db", "db:ro"],
        "workdir" => &["/app", "/"],
        _ => &[],
    };
    if !by_name.is_empty() {
        return by_name.to_vec();
    }
    match flag.kind.as_deref() {
        Some("int" | "uint16") => vec!["1", "0x10"],
        Some("bytes") => vec!["64m", "1g"],
        Some("duration") => vec!["1s", "2m"],
        Some("decimal") => vec!["1", "0.5"],
        _ => vec!["hr-diff-value"],
    }
}

/// Values docker rejects for a flag (client side), by flag, else by type.
fn invalid(flag: &Flag) -> Vec<&'static str> {
    let by_name: &[&str] = match flag.long.as_str() {
        "add-host" => &["nocolon"],
        "attach" => &["bogus"],
        "blkio-weight" => &["70000"],
        "cpus" => &["abc", "0.0000000001", "1/3", "1/0"],
        "dns" => &["not-an-ip"],
        "env" => &["=x"],
        "env-file" => &["missing.env"],
        "expose" => &["abc"],
        "health-interval" | "health-timeout" | "health-start-period" => &["30", "-1s"],
        "health-retries" => &["-1"],
        "memory" | "memory-reservation" | "shm-size" => {
            &["1x", "m", "1.2.3g", "0x10m", "1  g", "inf"]
        }
        "memory-swap" => &["2y"],
        "mount" => &["type=bogus,dst=/x", "src=/x", "type=bind,dst=/x, ro"],
        "network" => &[""],
        "publish" => &["80:abc", "1.2.3.4:"],
        "pull" => &["sometimes"],
        "restart" => &["on-failure:x"],
        "security-opt" => &["bogus"],
        "sysctl" => &["vm.swappiness=1"],
        "ulimit" => &["bogus=1"],
        "volume" => &["::"],
        "log-opt" => &["max-size"],
        _ => &[],
    };
    if !by_name.is_empty() {
        return by_name.to_vec();
    }
    match flag.kind.as_deref() {
        Some("int" | "uint16") => vec!["abc", "1.5"],
        Some("bytes") => vec!["1x"],
        Some("duration") => vec!["30"],
        _ => vec![],
    }
}

const BOOL_VALUES: [&str; 8] = ["true", "false", "1", "0", "T", "f", "TRUE", "False"];

const IMAGES: [&str; 3] = [
    "busybox:1.36",
    "busybox@sha256:1111111111111111111111111111111111111111111111111111111111111111",
    "registry.example/team/app:2.1",
];

const ARGS: [&str; 9] = [
    "sh",
    "-c",
    "echo hi",
    "--rm",
    "--privileged",
    "-v",
    "/:/host",
    "-e",
    "X=1",
];

fn os(text: &str) -> OsString {
    OsString::from(text)
}

/// The words of one flag occurrence, and the syntax used.
fn occurrence(rng: &mut Rng, flag: &Flag, value: &str) -> (Vec<OsString>, Syntax) {
    let long = &flag.long;
    if !flag.takes_value() {
        return if rng.chance(70) {
            let word = match flag.short {
                Some(s) if rng.chance(40) => format!("-{s}"),
                _ => format!("--{long}"),
            };
            (vec![os(&word)], Syntax::BoolBare)
        } else {
            let value = rng.pick(&BOOL_VALUES);
            (vec![os(&format!("--{long}={value}"))], Syntax::BoolValued)
        };
    }
    let mut forms = vec![Syntax::LongEquals, Syntax::LongSpace];
    if flag.short.is_some() {
        forms.extend([
            Syntax::ShortSpace,
            Syntax::ShortAttached,
            Syntax::ShortEquals,
        ]);
    }
    let form = *rng.pick(&forms);
    let short = flag.short.unwrap_or('?');
    let words = match form {
        Syntax::LongEquals => vec![os(&format!("--{long}={value}"))],
        Syntax::LongSpace => vec![os(&format!("--{long}")), os(value)],
        Syntax::ShortSpace => vec![os(&format!("-{short}")), os(value)],
        Syntax::ShortAttached if !value.is_empty() => vec![os(&format!("-{short}{value}"))],
        Syntax::ShortAttached => vec![os(&format!("-{short}")), os(value)],
        _ => vec![os(&format!("-{short}={value}"))],
    };
    (words, form)
}

/// A cluster of boolean shorthands, maybe ending with a value-taking one: `-it`, `-itp80:80`,
/// `-Pq -e X=1`. `None` when the table has too few shorthands.
fn cluster(rng: &mut Rng, flags: &[Flag], run: bool) -> Option<(Vec<OsString>, Vec<Used>)> {
    let bools: Vec<&Flag> = flags
        .iter()
        .filter(|f| f.short.is_some() && !f.takes_value() && (run || !f.run_only))
        .collect();
    let valued: Vec<&Flag> = flags
        .iter()
        .filter(|f| f.short.is_some() && f.takes_value())
        .collect();
    if bools.len() < 2 {
        return None;
    }
    let mut letters = String::from("-");
    let mut used = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let flag = rng.pick(&bools);
        letters.push(flag.short.expect("a shorthand"));
        used.push((flag.long.clone(), Syntax::Cluster));
    }
    let mut words = Vec::new();
    if rng.chance(60) && !valued.is_empty() {
        let flag = rng.pick(&valued);
        let values = valid(flag);
        let value = rng.pick(&values);
        letters.push(flag.short.expect("a shorthand"));
        used.push((flag.long.clone(), Syntax::Cluster));
        if rng.chance(50) && !value.is_empty() {
            letters.push_str(value);
            words.push(os(&letters));
        } else {
            words.push(os(&letters));
            words.push(os(value));
        }
    } else {
        if rng.chance(20) {
            letters.push_str(&format!("={}", rng.pick(&BOOL_VALUES)));
        }
        words.push(os(&letters));
    }
    Some((words, used))
}

/// An invalid element docker rejects on the client: the words, and whether they go before
/// the image (`false`: the line ends with them, the image missing).
fn invalid_element(rng: &mut Rng, flags: &[Flag]) -> (Vec<OsString>, bool) {
    match rng.below(6) {
        0 => (vec![os("--no-such-flag")], true),
        1 => (vec![os("-Z")], true),
        2 => (vec![os("--rm=maybe")], true),
        3 => (vec![os("--rm"), os("--restart=always")], true),
        4 => (vec![os("--name")], false),
        _ => {
            let candidates: Vec<&Flag> = flags.iter().filter(|f| !invalid(f).is_empty()).collect();
            let flag = rng.pick(&candidates);
            let values = invalid(flag);
            let value = rng.pick(&values);
            (vec![os(&format!("--{}={value}", flag.long))], true)
        }
    }
}

/// Generates `count` lines from `seed` over `flags`. Flags are visited in turn so that every
/// flag appears within the first `flags.len()` lines, whatever the seed.
pub fn generate(flags: &[Flag], seed: u64, count: usize) -> Vec<Line> {
    let mut rng = Rng::new(seed);
    let usable: Vec<&Flag> = flags
        .iter()
        .filter(|f| !LEFT_OUT.iter().any(|(name, _)| *name == f.long))
        .collect();
    let mut turn = 0;
    (0..count)
        .map(|_| {
            let mut used = BTreeSet::new();
            let mut shapes = BTreeSet::new();
            let mut options: Vec<OsString> = Vec::new();
            let mut trailing: Vec<OsString> = Vec::new();
            let mut first = usable[turn % usable.len()];
            turn += 1;
            let run = first.run_only || rng.chance(20);
            if !run && first.run_only {
                first = usable[0];
            }
            let mut picked = vec![first];
            for _ in 0..rng.below(4) {
                let flag = *rng.pick(&usable);
                if run || !flag.run_only {
                    picked.push(flag);
                }
            }
            for flag in picked {
                let values = valid(flag);
                let value = if flag.takes_value() && rng.chance(6) {
                    used.insert((flag.long.clone(), Syntax::EmptyValue));
                    ""
                } else {
                    rng.pick(&values)
                };
                let (words, syntax) = occurrence(&mut rng, flag, value);
                if !value.is_empty() || !flag.takes_value() {
                    used.insert((flag.long.clone(), syntax));
                }
                options.extend(words);
                if rng.chance(12) {
                    let value = rng.pick(&values);
                    let (words, _) = occurrence(&mut rng, flag, value);
                    options.extend(words);
                    used.insert((flag.long.clone(), Syntax::Repeat));
                }
            }
            if rng.chance(25)
                && let Some((words, pairs)) = cluster(&mut rng, flags, run)
            {
                options.extend(words);
                used.extend(pairs);
            }
            if rng.chance(8) {
                // A value that is not UTF-8.
                let mut bytes = b"HR_DIFF_BYTES=caf".to_vec();
                bytes.extend([0xe9, 0xff]);
                options.push(os("-e"));
                options.push(OsString::from_vec(bytes));
                shapes.insert("non-UTF-8");
            }

            if rng.chance(10) {
                let (words, before_image) = invalid_element(&mut rng, flags);

                shapes.insert("invalid");
                if before_image {
                    options.extend(words);
                } else {
                    trailing = words;
                }
            }
            let mut words = vec![os(if run { "run" } else { "create" })];
            words.extend(options);
            if trailing.is_empty() {
                if rng.chance(10) {
                    words.push(os("--"));
                    shapes.insert("--");
                }
                let image: &&str = rng.pick(&IMAGES[..]);
                words.push(os(image));
                for _ in 0..rng.below(4) {
                    let arg = rng.pick(&ARGS[..]);
                    if arg.starts_with('-') {
                        shapes.insert("flag-like args");
                    }
                    words.push(os(arg));
                }
                if rng.chance(5) {
                    words.push(OsString::from_vec(vec![b'a', 0xff, b'b']));
                    shapes.insert("non-UTF-8");
                }
            } else {
                words.extend(trailing);
            }
            Line {
                words,
                used,
                shapes,
            }
        })
        .collect()
}
