//! The facts about the Docker Engine that change a decision, read as cheaply as possible.
//!
//! Before planning a `run`, hardrun asks the engine about the image (its `USER`,
//! `HEALTHCHECK` and `VOLUME`s) with one HTTP request on the local socket, well under a
//! millisecond; and it reads the daemon's default log driver from the daemon's own configuration
//! files, with no round trip at all (the engine's `/info` takes about 9 ms). When the engine is
//! not the local socket (`-H`, `--context`, `DOCKER_HOST=tcp://…`, a current context), hardrun
//! does not ask: the plan is what it would be without these facts, and `--explain` says so.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::inspect;
use crate::spec::ImageFacts;

/// The daemon's socket when nothing says otherwise.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// How long one request may take before hardrun plans without the answer.
const TIMEOUT: Duration = Duration::from_secs(3);

/// Where the engine is, for hardrun's own questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A unix socket on this host.
    Socket(PathBuf),
    /// Somewhere hardrun does not ask (a remote host, a context); why.
    Elsewhere(String),
}

/// Decides the endpoint from what docker itself would look at: the user's global options, then
/// `DOCKER_HOST`, `DOCKER_CONTEXT` and the CLI configuration's current context.
pub fn endpoint(
    uses_global_endpoint_option: bool,
    docker_host: Option<&OsStr>,
    docker_context: Option<&OsStr>,
    current_context: Option<&str>,
) -> Endpoint {
    if uses_global_endpoint_option {
        return Endpoint::Elsewhere("the command names a host or context".into());
    }
    if let Some(host) = docker_host.filter(|h| !h.is_empty()) {
        let host = host.to_string_lossy();
        return match host.strip_prefix("unix://") {
            Some(path) => Endpoint::Socket(PathBuf::from(path)),
            None => Endpoint::Elsewhere(format!("DOCKER_HOST is {host}")),
        };
    }
    let context = docker_context
        .map(|c| c.to_string_lossy().into_owned())
        .or_else(|| current_context.map(str::to_owned))
        .filter(|c| !c.is_empty() && c != "default");
    match context {
        Some(context) => Endpoint::Elsewhere(format!("the docker context is '{context}'")),
        None => Endpoint::Socket(PathBuf::from(DEFAULT_SOCKET)),
    }
}

/// The current context named in the docker CLI's `config.json`, if any.
pub fn current_context(config_json: &str) -> Option<String> {
    let config: Value = serde_json::from_str(config_json).ok()?;
    config.get("currentContext")?.as_str().map(str::to_owned)
}

/// What hardrun learned about the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageLookup {
    /// The image is present locally.
    Local(ImageFacts),
    /// The engine does not have it (it would be pulled).
    NotLocal,
    /// The engine was not asked, or did not answer; why.
    Unknown(String),
}

/// Asks the engine for the image's configuration.
#[allow(clippy::disallowed_methods)] // the engine's socket is an edge, like exec
pub fn image(endpoint: &Endpoint, image: &str) -> ImageLookup {
    let socket = match endpoint {
        Endpoint::Socket(socket) => socket,
        Endpoint::Elsewhere(why) => return ImageLookup::Unknown(why.clone()),
    };
    let safe = |c: char| c.is_ascii_alphanumeric() || "._-/:@".contains(c);
    if image.is_empty() || !image.chars().all(safe) {
        return ImageLookup::Unknown(format!(
            "{image:?} is not an image reference hardrun looks up"
        ));
    }
    match get(socket, &format!("/images/{image}/json")) {
        Ok((200, body)) => match serde_json::from_slice::<Value>(&body) {
            Ok(json) => ImageLookup::Local(inspect::image_facts(&json)),
            Err(error) => ImageLookup::Unknown(format!("the engine's answer is not JSON: {error}")),
        },
        Ok((404, _)) => ImageLookup::NotLocal,
        Ok((status, _)) => ImageLookup::Unknown(format!("the engine answered HTTP {status}")),
        Err(error) => ImageLookup::Unknown(format!(
            "cannot reach the engine at {}: {error}",
            socket.display()
        )),
    }
}

/// The engine's API version (`ApiVersion` of `GET /version`), as `1.41`; why not, when the
/// engine is not asked or does not say.
#[allow(clippy::disallowed_methods)] // the engine's socket is an edge, like exec
pub fn api_version(endpoint: &Endpoint) -> Result<String, String> {
    let socket = match endpoint {
        Endpoint::Socket(socket) => socket,
        Endpoint::Elsewhere(why) => return Err(why.clone()),
    };
    match get(socket, "/version") {
        Ok((200, body)) => serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|json| json.get("ApiVersion")?.as_str().map(str::to_owned))
            .ok_or_else(|| "the engine's /version answer has no ApiVersion".to_owned()),
        Ok((status, _)) => Err(format!("the engine answered HTTP {status}")),
        Err(error) => Err(format!(
            "cannot reach the engine at {}: {error}",
            socket.display()
        )),
    }
}

/// One `GET` on a unix socket: the status and the body. HTTP/1.0, so the engine answers with
/// the whole body and closes. The request is one write (a fresh socket's buffer takes it
/// whole, so only reading needs a timeout); reading stops at the end of the body when the
/// engine gives its length, else when it closes.
fn get(socket: &Path, path: &str) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: docker\r\nUser-Agent: hardrun\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = vec![0; 4096];
    let mut filled = 0;
    loop {
        if filled == response.len() {
            response.resize(filled * 2, 0);
        }
        let read = match stream.read(&mut response[filled..]) {
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        filled += read;
        if read == 0 || is_complete(&response[..filled]) {
            break;
        }
    }
    response.truncate(filled);
    parse_response(&response).ok_or_else(|| std::io::Error::other("malformed HTTP response"))
}

/// Whether a response holds its whole head and as much body as its `Content-Length` says.
fn is_complete(response: &[u8]) -> bool {
    let Some(head_end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let Ok(head) = std::str::from_utf8(&response[..head_end]) else {
        return false;
    };
    head.lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .is_some_and(|length| response.len() - (head_end + 4) >= length)
}

/// Splits an HTTP/1.0 response into its status and body.
fn parse_response(response: &[u8]) -> Option<(u16, Vec<u8>)> {
    let head_end = response.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&response[..head_end]).ok()?;
    let status = head
        .lines()
        .next()?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((status, response[head_end + 4..].to_vec()))
}

/// The default log driver of the local daemon, from its command line and `daemon.json`: the
/// daemon refuses to start when both set it, and uses `json-file` when neither does.
pub fn daemon_log_driver(dockerd_cmdline: Option<&[u8]>, daemon_json: Option<&str>) -> String {
    if let Some(cmdline) = dockerd_cmdline {
        let words: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        for (index, word) in words.iter().enumerate() {
            if let Some(driver) = word.strip_prefix(b"--log-driver=") {
                return String::from_utf8_lossy(driver).into_owned();
            }
            if *word == b"--log-driver"
                && let Some(driver) = words.get(index + 1)
            {
                return String::from_utf8_lossy(driver).into_owned();
            }
        }
    }
    daemon_json
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|json| json.get("log-driver")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "json-file".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_socket_is_used_unless_something_points_elsewhere() {
        assert_eq!(
            endpoint(false, None, None, None),
            Endpoint::Socket(DEFAULT_SOCKET.into())
        );
        assert_eq!(
            endpoint(
                false,
                Some(OsStr::new("unix:///run/user/1000/docker.sock")),
                None,
                None
            ),
            Endpoint::Socket("/run/user/1000/docker.sock".into())
        );
        assert_eq!(
            endpoint(false, None, Some(OsStr::new("default")), None),
            Endpoint::Socket(DEFAULT_SOCKET.into())
        );
        assert!(matches!(
            endpoint(true, None, None, None),
            Endpoint::Elsewhere(_)
        ));
        assert!(matches!(
            endpoint(false, Some(OsStr::new("tcp://10.0.0.1:2376")), None, None),
            Endpoint::Elsewhere(_)
        ));
        assert!(matches!(
            endpoint(false, None, Some(OsStr::new("prod")), None),
            Endpoint::Elsewhere(_)
        ));
        assert!(matches!(
            endpoint(false, None, None, Some("remote")),
            Endpoint::Elsewhere(_)
        ));
    }

    #[test]
    fn the_current_context_is_read_from_the_cli_configuration() {
        assert_eq!(
            current_context(r#"{"currentContext": "prod"}"#).as_deref(),
            Some("prod")
        );
        assert_eq!(current_context(r#"{"auths": {}}"#), None);
        assert_eq!(current_context("not json"), None);
    }

    #[test]
    fn responses_are_split_into_status_and_body() {
        let response =
            b"HTTP/1.0 404 Not Found\r\nContent-Type: application/json\r\n\r\n{\"message\":\"no\"}";
        assert_eq!(
            parse_response(response),
            Some((404, b"{\"message\":\"no\"}".to_vec()))
        );
        assert_eq!(parse_response(b"garbage"), None);
    }

    #[test]
    fn a_response_is_complete_at_the_length_it_gives() {
        let head = b"HTTP/1.0 404 Not Found\r\nContent-Length: 4\r\n\r\n";
        assert!(!is_complete(&head[..20]));
        assert!(!is_complete(head));
        assert!(!is_complete(&[&head[..], b"{\"a"].concat()));
        assert!(is_complete(&[&head[..], b"{\"a}"].concat()));
        // Without a length, only the engine closing the connection ends it.
        assert!(!is_complete(b"HTTP/1.0 200 OK\r\n\r\n{}"));
        assert!(is_complete(
            b"HTTP/1.0 200 OK\r\ncontent-length:2\r\n\r\n{}"
        ));
    }

    #[test]
    fn the_daemon_log_driver_comes_from_its_command_line_then_daemon_json() {
        let cmdline = b"/usr/sbin/dockerd\0--log-driver=journald\0";
        assert_eq!(
            daemon_log_driver(Some(cmdline), Some(r#"{"log-driver":"local"}"#)),
            "journald"
        );
        let cmdline = b"/usr/sbin/dockerd\0--log-driver\0syslog\0";
        assert_eq!(daemon_log_driver(Some(cmdline), None), "syslog");
        assert_eq!(
            daemon_log_driver(
                Some(b"/usr/sbin/dockerd\0"),
                Some(r#"{"log-driver":"local"}"#)
            ),
            "local"
        );
        assert_eq!(daemon_log_driver(None, Some("{}")), "json-file");
        assert_eq!(daemon_log_driver(None, None), "json-file");
    }

    #[test]
    fn image_lookups_elsewhere_are_not_made() {
        let elsewhere = Endpoint::Elsewhere("DOCKER_HOST is tcp://x".into());
        assert!(matches!(
            image(&elsewhere, "nginx:1.27"),
            ImageLookup::Unknown(_)
        ));
        let missing = Endpoint::Socket("/nonexistent/docker.sock".into());
        assert!(matches!(
            image(&missing, "nginx:1.27"),
            ImageLookup::Unknown(_)
        ));
        assert!(matches!(
            image(&missing, "bad name"),
            ImageLookup::Unknown(_)
        ));
    }
}
