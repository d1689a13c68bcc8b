//! The value grammars of `-v`, `--mount`, `--tmpfs` and `-p`, read into `Mount` and `Port`.
//!
//! These are where the docker socket and sensitive host paths hide (`--mount
//! type=bind,src=/var/run,dst=/x`, a local-driver volume with `o=bind`), so they are read field
//! by field the way docker reads them, not scanned for substrings.

use std::path::{Component, Path, PathBuf};

use crate::docker::values::parse_bool;
use crate::spec::{Mount, MountKind, Port};

/// Reads `-v [SRC:]DST[:OPTS]` (Linux grammar). Relative sources are resolved against `cwd`,
/// as the docker CLI does.
pub fn parse_volume(text: &str, cwd: &Path) -> Option<Mount> {
    let parts: Vec<&str> = text.splitn(4, ':').collect();
    if parts[0].is_empty() {
        return None;
    }
    let (source, target, mode) = match parts[..] {
        [target] => (None, target, ""),
        [source, target] => (Some(source), target, ""),
        [source, target, mode] => (Some(source), target, mode),
        _ => return None,
    };
    let options: Vec<&str> = mode.split(',').filter(|o| !o.is_empty()).collect();
    let kind = match source {
        Some(source) if is_host_path(source) => MountKind::Bind,
        _ => MountKind::Volume,
    };
    let source = source.map(|s| match kind {
        MountKind::Bind => resolve(s, cwd),
        _ => s.to_owned(),
    });
    Some(Mount {
        kind,
        source,
        target: target.to_owned(),
        read_only: options.contains(&"ro"),
        propagation: options
            .iter()
            .find(|o| {
                matches!(
                    **o,
                    "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate"
                )
            })
            .map(|o| (*o).to_owned()),
        tmpfs_options: String::new(),
        bind_device: None,
    })
}

/// Reads `--mount type=…,source=…,target=…,…` (CSV, keys case-insensitive).
pub fn parse_mount(text: &str, cwd: &Path) -> Option<Mount> {
    let mut mount = Mount {
        kind: MountKind::Volume,
        source: None,
        target: String::new(),
        read_only: false,
        propagation: None,
        tmpfs_options: String::new(),
        bind_device: None,
    };
    let mut volume_bind = false;
    let mut device = None;
    let mut tmpfs = Vec::new();
    for field in split_csv(text)? {
        let (key, value) = match field.split_once('=') {
            Some((key, value)) => (key.to_ascii_lowercase(), Some(value)),
            None => (field.to_ascii_lowercase(), None),
        };
        match (key.as_str(), value) {
            ("type", Some(kind)) => {
                mount.kind = match kind.to_ascii_lowercase().as_str() {
                    "bind" => MountKind::Bind,
                    "volume" => MountKind::Volume,
                    "tmpfs" => MountKind::Tmpfs,
                    "image" => MountKind::Image,
                    _ => MountKind::Other,
                }
            }
            ("source" | "src", Some(source)) => mount.source = Some(source.to_owned()),
            ("target" | "dst" | "destination", Some(target)) => mount.target = target.to_owned(),
            ("readonly" | "ro", None) => mount.read_only = true,
            ("readonly" | "ro", Some(value)) => mount.read_only = parse_bool(value)?,
            ("bind-propagation", Some(value)) => mount.propagation = Some(value.to_owned()),
            ("volume-opt", Some(option)) => match option.split_once('=') {
                // mount(8) options, as the local driver passes them: `rbind` binds too.
                Some(("o", o)) if o.split(',').any(|part| part == "bind" || part == "rbind") => {
                    volume_bind = true
                }
                Some(("device", path)) => device = Some(path.to_owned()),
                _ => {}
            },
            ("tmpfs-size", Some(size)) => tmpfs.push(format!("size={size}")),
            ("tmpfs-mode", Some(mode)) => tmpfs.push(format!("mode={mode}")),
            _ => {}
        }
    }
    if mount.target.is_empty() {
        return None;
    }
    if mount.kind == MountKind::Bind {
        mount.source = mount.source.map(|source| resolve(&source, cwd));
    }
    if volume_bind {
        // The daemon, not the CLI, mounts `device`: a relative path is relative to the
        // daemon's working directory, `/`.
        mount.bind_device = device.map(|path| resolve(&path, Path::new("/")));
    }
    mount.tmpfs_options = tmpfs.join(",");
    Some(mount)
}

/// Reads `--tmpfs DEST[:OPTS]`, cut at the first `:`.
pub fn parse_tmpfs(text: &str) -> Mount {
    let (target, options) = text.split_once(':').unwrap_or((text, ""));
    Mount {
        kind: MountKind::Tmpfs,
        source: None,
        target: target.to_owned(),
        read_only: options.split(',').any(|o| o == "ro"),
        propagation: None,
        tmpfs_options: options.to_owned(),
        bind_device: None,
    }
}

/// Reads `-p [IP:][HOST:]CONTAINER[/PROTO]`, `[::1]:80:80`, or the long form
/// `published=8080,target=80`.
pub fn parse_port(text: &str) -> Option<Port> {
    if text.contains('=') {
        let mut port = Port {
            host_ip: None,
            host_port: None,
            container_port: String::new(),
        };
        for field in split_csv(text)? {
            match field.split_once('=') {
                Some(("target", value)) => port.container_port = value.to_owned(),
                Some(("published", value)) => port.host_port = Some(value.to_owned()),
                _ => {}
            }
        }
        return (!port.container_port.is_empty()).then_some(port);
    }
    let without_proto = text.split_once('/').map_or(text, |(port, _)| port);
    let (host_ip, rest) = if let Some(rest) = without_proto.strip_prefix('[') {
        let (ip, rest) = rest.split_once("]:")?;
        (Some(ip.to_owned()), rest)
    } else {
        (None, without_proto)
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (ip, host, container) = match (host_ip, &parts[..]) {
        (Some(ip), [host, container]) => (Some(ip), Some(*host), *container),
        (None, [container]) => (None, None, *container),
        (None, [host, container]) => (None, Some(*host), *container),
        (None, [ip, host, container]) => (Some((*ip).to_owned()), Some(*host), *container),
        // `nat.splitParts`: more colons make an IPv6 address without brackets (`::1:80:80`).
        (None, [ip @ .., host, container]) => (Some(ip.join(":")), Some(*host), *container),
        _ => return None,
    };
    if container.is_empty() {
        return None;
    }
    Some(Port {
        host_ip: ip.filter(|ip| !ip.is_empty()),
        host_port: host.filter(|h| !h.is_empty()).map(str::to_owned),
        container_port: container.to_owned(),
    })
}

/// Go's `encoding/csv` `Reader.Read`: the first record, fields split on `,`, `"` quotes with
/// `""` escapes. Blank lines before the record are skipped, and an unquoted newline ends it:
/// docker never reads what follows.
pub fn split_csv(text: &str) -> Option<Vec<String>> {
    let mut text = text;
    while let Some(rest) = text
        .strip_prefix('\n')
        .or_else(|| text.strip_prefix("\r\n"))
    {
        text = rest;
    }
    if text.is_empty() {
        return None;
    }
    let end_of_line = |chars: &std::iter::Peekable<std::str::Chars>| {
        let mut ahead = chars.clone();
        match ahead.next() {
            Some('\n') => true,
            Some('\r') => ahead.next() == Some('\n'),
            _ => false,
        }
    };
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut at_start = true;
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            '"' if quoted => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                    if !matches!(chars.peek(), None | Some(',')) && !end_of_line(&chars) {
                        return None;
                    }
                }
            }
            '\n' if !quoted => break,
            '\r' if !quoted && chars.peek() == Some(&'\n') => break,
            ',' if !quoted => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
            }
            _ => {
                field.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return None;
    }
    fields.push(field);
    Some(fields)
}

fn is_host_path(source: &str) -> bool {
    source.starts_with('/') || source.starts_with('.') || source.starts_with('~')
}

/// Makes a host path absolute against `cwd` and removes `.`, `..` and repeated slashes, without
/// touching the file system.
pub fn resolve(path: &str, cwd: &Path) -> String {
    let joined = if path.starts_with('/') {
        PathBuf::from(path)
    } else {
        cwd.join(path)
    };
    let mut clean = PathBuf::from("/");
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                clean.pop();
            }
            Component::Normal(part) => clean.push(part),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    clean.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CWD: &str = "/home/me/app";

    fn volume(text: &str) -> Mount {
        parse_volume(text, Path::new(CWD)).expect(text)
    }

    fn mount(text: &str) -> Mount {
        parse_mount(text, Path::new(CWD)).expect(text)
    }

    #[test]
    fn volume_binds_named_and_anonymous() {
        let bind = volume("/var/run/docker.sock:/var/run/docker.sock:ro");
        assert_eq!(bind.kind, MountKind::Bind);
        assert_eq!(bind.source.as_deref(), Some("/var/run/docker.sock"));
        assert!(bind.read_only);
        let named = volume("data:/data");
        assert_eq!(named.kind, MountKind::Volume);
        assert_eq!(named.source.as_deref(), Some("data"));
        let anonymous = volume("/data");
        assert_eq!(anonymous.source, None);
        assert_eq!(anonymous.target, "/data");
        assert_eq!(
            volume("/x:/y:rshared,z").propagation.as_deref(),
            Some("rshared")
        );
    }

    #[test]
    fn relative_binds_are_resolved_against_the_working_directory() {
        assert_eq!(
            volume("./conf:/conf").source.as_deref(),
            Some("/home/me/app/conf")
        );
        assert_eq!(volume("../../..:/host").source.as_deref(), Some("/"));
        assert_eq!(volume("//var//run/:/x").source.as_deref(), Some("/var/run"));
    }

    #[test]
    fn invalid_volume_specs_are_rejected() {
        assert!(parse_volume(":/x", Path::new(CWD)).is_none());
        assert!(parse_volume("a:b:c:d", Path::new(CWD)).is_none());
    }

    #[test]
    fn mount_keys_in_any_order_and_case() {
        let m = mount("dst=/s,SRC=/var/run/docker.sock,Type=bind,readonly");
        assert_eq!(m.kind, MountKind::Bind);
        assert_eq!(m.source.as_deref(), Some("/var/run/docker.sock"));
        assert_eq!(m.target, "/s");
        assert!(m.read_only);
        assert!(!mount("type=bind,source=/a,target=/b,ro=false").read_only);
        assert_eq!(mount("target=/data").kind, MountKind::Volume);
    }

    #[test]
    fn mount_with_csv_quotes() {
        let m = mount("type=bind,\"source=/a,b\",target=/c");
        assert_eq!(m.source.as_deref(), Some("/a,b"));
    }

    #[test]
    fn a_local_volume_with_o_bind_is_a_bind_of_its_device() {
        let m = mount(
            "type=volume,target=/x,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/var/run",
        );
        assert_eq!(m.bind_device.as_deref(), Some("/var/run"));
    }

    #[test]
    fn tmpfs_is_cut_at_the_first_colon() {
        let t = parse_tmpfs("/tmp:rw,size=64m,mode=1777");
        assert_eq!(t.target, "/tmp");
        assert_eq!(t.tmpfs_options, "rw,size=64m,mode=1777");
        assert_eq!(parse_tmpfs("/run").tmpfs_options, "");
        assert_eq!(
            mount("type=tmpfs,dst=/t,tmpfs-size=1m").tmpfs_options,
            "size=1m"
        );
    }

    #[test]
    fn ports_with_and_without_address() {
        let p = parse_port("8080:80").unwrap();
        assert_eq!(
            (p.host_ip, p.host_port.as_deref(), p.container_port.as_str()),
            (None, Some("8080"), "80")
        );
        let p = parse_port("127.0.0.1:8080:80/tcp").unwrap();
        assert_eq!(p.host_ip.as_deref(), Some("127.0.0.1"));
        let p = parse_port("[::1]:8080:80").unwrap();
        assert_eq!(p.host_ip.as_deref(), Some("::1"));
        let p = parse_port("80").unwrap();
        assert_eq!((p.host_ip, p.host_port), (None, None));
        let p = parse_port("published=8080,target=80").unwrap();
        assert_eq!(p.host_port.as_deref(), Some("8080"));
        let p = parse_port("127.0.0.1::80").unwrap();
        assert_eq!(
            (p.host_ip.as_deref(), p.host_port),
            (Some("127.0.0.1"), None)
        );
    }
}
