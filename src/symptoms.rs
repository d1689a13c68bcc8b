//! What a container's logs and `docker diff` say about the hardening it ran under: the lines
//! that name a read-only path, a permission refused, an operation the capabilities forbid or a
//! process that could not fork, and the directories a trial with a writable root wrote to.
//! Shared by `fit` (which turns them into candidate adjustments) and `doctor` (which names the
//! rule that caused them). Pure.

/// One telling line of a container's logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Symptom {
    /// A write to a read-only path (`EROFS`): `read-only-rootfs`.
    ReadOnly { path: String },
    /// Access refused to a path (`EACCES`): the user, or a path not owned by it.
    PermissionDenied { path: String },
    /// An operation the capabilities forbid (`EPERM` from chown, setuid, setgid …).
    NotPermitted { capability: &'static str },
    /// A process that could not fork or start a thread: `pids-limit`.
    CannotFork,
    /// Memory refused to the process: `memory-limit`.
    OutOfMemory,
    /// The process runs as a uid the image's `/etc/passwd` does not know (initdb's `could not
    /// look up effective user ID 1000`): `non-root-user`'s user is not one of the image's.
    UnknownUser,
}

/// A symptom and the log line it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub symptom: Symptom,
    pub line: String,
}

/// The symptoms of `logs`, in order, each once.
pub fn read_logs(logs: &str) -> Vec<Seen> {
    let mut seen: Vec<Seen> = Vec::new();
    for line in logs.lines() {
        let Some(symptom) = classify(line) else {
            continue;
        };
        if !seen.iter().any(|s| s.symptom == symptom) {
            seen.push(Seen {
                symptom,
                line: line.trim().to_owned(),
            });
        }
    }
    seen
}

/// What one log line says, if anything.
pub fn classify(line: &str) -> Option<Symptom> {
    let lower = line.to_ascii_lowercase();
    if lower.contains("read-only file system") {
        return first_path(line).map(|path| Symptom::ReadOnly { path });
    }
    if lower.contains("operation not permitted")
        && let Some(capability) = capability_of(&lower)
    {
        return Some(Symptom::NotPermitted { capability });
    }
    if lower.contains("permission denied") {
        return first_path(line).map(|path| Symptom::PermissionDenied { path });
    }
    if lower.contains("can't fork")
        || lower.contains("cannot fork")
        || lower.contains("fork: resource temporarily unavailable")
        || lower.contains("fork failed")
        || lower.contains("fork() failed")
        || lower.contains("could not fork")
        || lower.contains("can't create thread")
        || lower.contains("pthread_create failed")
    {
        return Some(Symptom::CannotFork);
    }
    if lower.contains("out of memory") || lower.contains("cannot allocate memory") {
        return Some(Symptom::OutOfMemory);
    }
    if lower.contains("could not look up effective user id")
        || lower.contains("cannot find name for user id")
        || lower.contains("i have no name!")
        || lower.contains("getpwuid(): uid not found")
        || (lower.contains("user id") && lower.contains("does not exist"))
    {
        return Some(Symptom::UnknownUser);
    }
    None
}

/// The capability an `Operation not permitted` line lacks, by the call it names.
fn capability_of(lower: &str) -> Option<&'static str> {
    const CALLS: [(&str, &str); 10] = [
        ("chown", "CHOWN"),
        ("chmod", "FOWNER"),
        ("setgroups", "SETGID"),
        ("initgroups", "SETGID"),
        ("setgid", "SETGID"),
        ("setresgid", "SETGID"),
        ("setuid", "SETUID"),
        ("setresuid", "SETUID"),
        ("chroot", "SYS_CHROOT"),
        ("mknod", "MKNOD"),
    ];
    CALLS
        .iter()
        .find(|(call, _)| lower.contains(call))
        .map(|(_, cap)| *cap)
}

/// The first absolute path in a line: quoted (`"/run/nginx.pid"`, `'/x'`), or a word starting
/// with `/`, without trailing punctuation.
pub fn first_path(line: &str) -> Option<String> {
    for quote in ['"', '\''] {
        if let Some(inside) = line
            .split(quote)
            .skip(1)
            .find(|part| part.starts_with('/') && !part.contains(char::is_whitespace))
        {
            return Some(inside.to_owned());
        }
    }
    line.split(|c: char| c.is_whitespace() || c == '(' || c == '=')
        .find(|word| word.starts_with('/') && word.len() > 1)
        .map(|word| word.trim_end_matches([':', ',', ';', ')', '.']).to_owned())
}

/// The parent directory of a path (`/` for a top-level one).
pub fn parent(path: &str) -> String {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/".to_owned(),
        Some((dir, _)) => dir.to_owned(),
    }
}

/// The directories a container with a writable root wrote to, from `docker diff` (`A /path`,
/// `C /path`, `D /path`): for each changed leaf, its closest ancestor that the image already
/// had (not added), so that a tmpfs there lets the same writes happen. `/` itself, the
/// engine's own files and paths under `writable` (tmpfs and volumes already in place) are left
/// out; a directory under another is covered by it.
pub fn writable_from_diff(diff: &[String], writable: &[String]) -> Vec<String> {
    let entries: Vec<(char, &str)> = diff
        .iter()
        .filter_map(|line| {
            let (kind, path) = line.trim().split_once(' ')?;
            Some((kind.chars().next()?, path.trim()))
        })
        .filter(|(_, path)| path.starts_with('/'))
        .collect();
    let added = |path: &str| entries.iter().any(|(k, p)| *k == 'A' && *p == path);
    let has_child = |path: &str| {
        entries.iter().any(|(_, p)| {
            p.len() > path.len() && p.starts_with(path) && p[path.len()..].starts_with('/')
        })
    };
    let mut dirs: Vec<String> = Vec::new();
    for (_, path) in &entries {
        // A leaf that is a writable mount or inside one (a bind's mount point the engine added,
        // `/run/secrets/pg`) is no write to the root, nor is its parent.
        if has_child(path) || under_any(path, writable) {
            continue;
        }
        let mut dir = parent(path);
        while dir != "/" && added(&dir) {
            dir = parent(&dir);
        }
        if dir == "/" || engine_owned(&dir) || engine_mountpoint(path) || under_any(&dir, writable)
        {
            continue;
        }
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    let all = dirs.clone();
    dirs.retain(|dir| !all.iter().any(|other| other != dir && under(dir, other)));
    dirs.sort();
    dirs
}

/// Whether `path` is `dir` or below it.
pub fn under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn under_any(path: &str, dirs: &[String]) -> bool {
    dirs.iter().any(|dir| under(path, dir))
}

/// The paths the engine manages itself, never a tmpfs of hardrun's.
fn engine_owned(path: &str) -> bool {
    ["/proc", "/sys", "/dev"].iter().any(|dir| under(path, dir))
}

/// A mount point the engine adds to the container's own layer: `--init`'s `/sbin/docker-init`
/// (`/usr/sbin/docker-init` where `/sbin` links to `usr/sbin`). Not a write of the container's.
fn engine_mountpoint(path: &str) -> bool {
    ["/sbin/docker-init", "/usr/sbin/docker-init"].contains(&path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn nginx_s_read_only_complaint_names_its_path() {
        let line =
            r#"nginx: [emerg] mkdir() "/var/lib/nginx/body" failed (30: Read-only file system)"#;
        assert_eq!(
            classify(line),
            Some(Symptom::ReadOnly {
                path: "/var/lib/nginx/body".into()
            })
        );
        let line = "touch: /data/x: Read-only file system";
        assert_eq!(
            classify(line),
            Some(Symptom::ReadOnly {
                path: "/data/x".into()
            })
        );
    }

    #[test]
    fn operations_not_permitted_name_the_capability() {
        let line = "chown: /var/lib/postgresql/data: Operation not permitted";
        assert_eq!(
            classify(line),
            Some(Symptom::NotPermitted {
                capability: "CHOWN"
            })
        );
        let line = r#"nginx: [emerg] setgid(33) failed (1: Operation not permitted)"#;
        assert_eq!(
            classify(line),
            Some(Symptom::NotPermitted {
                capability: "SETGID"
            })
        );
        let line = "su-exec: setgroups: Operation not permitted";
        assert_eq!(
            classify(line),
            Some(Symptom::NotPermitted {
                capability: "SETGID"
            })
        );
        // The lab postgres entrypoint as root, on a PGDATA the postgres user owns.
        let line =
            "chmod: changing permissions of '/var/lib/postgresql/data': Operation not permitted";
        assert_eq!(
            classify(line),
            Some(Symptom::NotPermitted {
                capability: "FOWNER"
            })
        );
    }

    #[test]
    fn permission_denied_forks_and_memory_are_read() {
        assert_eq!(
            classify("mkdir: can't create directory '/var/run/app': Permission denied"),
            Some(Symptom::PermissionDenied {
                path: "/var/run/app".into()
            })
        );
        assert_eq!(
            classify("sh: can't fork: Resource temporarily unavailable"),
            Some(Symptom::CannotFork)
        );
        assert_eq!(classify("FATAL: out of memory"), Some(Symptom::OutOfMemory));
        assert_eq!(classify("ready to accept connections"), None);
    }

    #[test]
    fn nginx_s_failed_fork_and_an_unknown_uid_are_read() {
        assert_eq!(
            classify(
                "2026/12/07 23:55:45 [alert] 1#1: fork() failed while spawning \"worker process\" (11: Resource temporarily unavailable)"
            ),
            Some(Symptom::CannotFork)
        );
        assert_eq!(
            classify("initdb: could not look up effective user ID 1000: user does not exist"),
            Some(Symptom::UnknownUser)
        );
        assert_eq!(
            classify("whoami: cannot find name for user ID 1000"),
            Some(Symptom::UnknownUser)
        );
    }

    #[test]
    fn each_symptom_is_read_once() {
        let logs = "a: /x: Read-only file system\nb: /x: Read-only file system\nc: can't fork\n";
        let seen = read_logs(logs);
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].line, "a: /x: Read-only file system");
    }

    #[test]
    fn the_diff_gives_the_directories_the_image_already_had() {
        let diff = lines(&[
            "C /var",
            "C /var/lib",
            "C /var/lib/nginx",
            "A /var/lib/nginx/body",
            "A /var/lib/nginx/proxy",
            "C /run",
            "A /run/nginx.pid",
            "C /tmp",
            "A /tmp/x",
            "C /etc",
            "A /etc/app.conf",
            "A /top-level-file",
        ]);
        let writable = lines(&["/tmp", "/var/tmp"]);
        assert_eq!(
            writable_from_diff(&diff, &writable),
            lines(&["/etc", "/run", "/var/lib/nginx"])
        );
    }

    #[test]
    fn a_mount_point_the_engine_added_is_not_a_write() {
        // postgres as 999 with its password file bound at /run/secrets/pw.
        let diff: Vec<String> = [
            "C /run",
            "C /run/postgresql",
            "A /run/postgresql/.s.PGSQL.5432",
            "A /run/postgresql/.s.PGSQL.5432.lock",
            "A /run/secrets",
            "A /run/secrets/pw",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            writable_from_diff(&diff, &["/run/secrets/pw".to_owned()]),
            ["/run/postgresql"]
        );
        assert_eq!(writable_from_diff(&diff, &[]), ["/run"]);
    }

    #[test]
    fn a_mount_s_own_mount_point_is_not_a_write() {
        // `-v ./pw:/run/secrets/pg:ro`: the engine adds /run/secrets/pg to the container's layer.
        let diff = lines(&["C /run", "A /run/secrets", "A /run/secrets/pg"]);
        let writable = lines(&["/tmp", "/run/secrets/pg"]);
        assert!(writable_from_diff(&diff, &writable).is_empty());
    }

    #[test]
    fn the_init_binary_s_mount_point_is_not_a_write() {
        // `--init` on an image whose /sbin links to usr/sbin (Debian bookworm).
        let diff = lines(&[
            "C /usr",
            "C /usr/sbin",
            "A /usr/sbin/docker-init",
            "C /run",
            "A /run/nginx.pid",
        ]);
        assert_eq!(writable_from_diff(&diff, &[]), lines(&["/run"]));
        let diff = lines(&["C /sbin", "A /sbin/docker-init"]);
        assert!(writable_from_diff(&diff, &[]).is_empty());
    }

    #[test]
    fn a_directory_under_another_is_covered_by_it() {
        let diff = lines(&["C /srv", "A /srv/a", "C /srv/sub", "A /srv/sub/b"]);
        assert_eq!(writable_from_diff(&diff, &[]), lines(&["/srv"]));
    }

    #[test]
    fn parents_and_paths() {
        assert_eq!(parent("/run/nginx.pid"), "/run");
        assert_eq!(parent("/x"), "/");
        assert!(under("/var/lib/x", "/var/lib"));
        assert!(!under("/var/library", "/var/lib"));
        assert_eq!(
            first_path("open() \"/run/a.pid\" failed"),
            Some("/run/a.pid".into())
        );
    }
}
