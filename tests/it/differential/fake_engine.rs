//! A recording fake Docker Engine on a unix socket: a small HTTP/1.1 server (std only) that
//! answers what the docker CLI asks around `docker create`/`docker run` (API 1.41, as the
//! machine's Engine 20.10), records the query and JSON body of every `POST /containers/create`,
//! and answers an image inspect with a configurable image config (what hardrun's own one
//! request reads). Nothing is ever created: the container "exits 0" at once.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// The API version the fake speaks (the machine's Engine 20.10).
pub const API_VERSION: &str = "1.41";

/// One `POST /containers/create` the engine received.
#[derive(Debug, Clone)]
pub struct Create {
    /// The query string, decoded into pairs (`name`, `platform`).
    pub query: Vec<(String, String)>,
    /// The JSON body.
    pub body: Value,
}

#[derive(Default)]
struct State {
    creates: Vec<Create>,
    /// Requests the fake has no answer for (method and path).
    unknown: Vec<String>,
}

/// A fake engine listening on `socket`; stops listening when dropped.
pub struct FakeEngine {
    socket: PathBuf,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl FakeEngine {
    /// Listens on `socket`, answering image inspects with `image_config` as the image's
    /// `Config`.
    pub fn start(socket: &Path, image_config: Value) -> FakeEngine {
        let _ = std::fs::remove_file(socket);
        let listener = UnixListener::bind(socket)
            .unwrap_or_else(|e| panic!("bind the fake engine on {}: {e}", socket.display()));
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let image_config = Arc::new(image_config);
        let ids = Arc::new(AtomicU64::new(1));
        {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = Arc::clone(&state);
                    let image_config = Arc::clone(&image_config);
                    let ids = Arc::clone(&ids);
                    std::thread::spawn(move || serve(stream, &state, &image_config, &ids));
                }
            });
        }
        FakeEngine {
            socket: socket.to_owned(),
            state,
            stop,
        }
    }

    /// `DOCKER_HOST` for this engine.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// The creates received since the last call, and the requests it had no answer for.
    pub fn take(&self) -> (Vec<Create>, Vec<String>) {
        let mut state = self.state.lock().expect("the fake engine's state");
        (
            std::mem::take(&mut state.creates),
            std::mem::take(&mut state.unknown),
        )
    }
}

impl Drop for FakeEngine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the stop flag.
        let _ = UnixStream::connect(&self.socket);
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// One request as read from the connection.
struct Request {
    method: String,
    path: String,
    query: String,
    http10: bool,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<UnixStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let http10 = parts.next() == Some("HTTP/1.0");
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let mut body = Vec::new();
    if let Some(length) = headers.get("content-length") {
        let length: usize = length.parse().ok()?;
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    } else if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), query.to_owned()),
        None => (target, String::new()),
    };
    // `/v1.41/containers/create` → `/containers/create`.
    let path = match path.strip_prefix("/v") {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest
            .find('/')
            .map_or(path.clone(), |i| rest[i..].to_owned()),
        _ => path,
    };
    Some(Request {
        method,
        path: percent_decode(&path),
        query,
        http10,
        body,
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() && text.is_char_boundary(i + 3) => {
                match u8::from_str_radix(&text[i + 1..i + 3], 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

/// What the fake answers: status, extra headers, body.
enum Answer {
    Json(u16, Value),
    Empty(u16),
    Text(u16, &'static str),
    /// `101 UPGRADED`, then the connection closes: an attach whose streams end at once.
    Upgrade,
}

fn serve(stream: UnixStream, state: &Mutex<State>, image_config: &Value, ids: &AtomicU64) {
    let Ok(writer) = stream.try_clone() else {
        return;
    };
    let mut writer = writer;
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let answer = route(&request, state, image_config, ids);
        let (status, content_type, body) = match answer {
            Answer::Json(status, value) => (status, "application/json", value.to_string()),
            Answer::Empty(status) => (status, "text/plain", String::new()),
            Answer::Text(status, text) => (status, "text/plain", text.to_owned()),
            Answer::Upgrade => {
                let _ = writer.write_all(
                    b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n\
                      Connection: Upgrade\r\nUpgrade: tcp\r\nApi-Version: 1.41\r\n\r\n",
                );
                return;
            }
        };
        let reason = match status {
            200 => "OK",
            201 => "Created",
            204 => "No Content",
            _ => "Not Found",
        };
        let length = if request.method == "HEAD" && status == 200 {
            2
        } else {
            body.len()
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nApi-Version: {API_VERSION}\r\nDocker-Experimental: false\r\n\
             Ostype: linux\r\nServer: Docker/20.10.0 (linux)\r\nContent-Type: {content_type}\r\n\
             Content-Length: {length}\r\n\r\n"
        );
        let mut response = head.into_bytes();
        if request.method != "HEAD" {
            response.extend_from_slice(body.as_bytes());
        }
        if writer.write_all(&response).is_err() || request.http10 {
            return;
        }
    }
}

fn route(request: &Request, state: &Mutex<State>, image_config: &Value, ids: &AtomicU64) -> Answer {
    let path = request.path.as_str();
    let method = request.method.as_str();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("GET" | "HEAD", ["_ping"]) => Answer::Text(200, "OK"),
        ("GET", ["version"]) => Answer::Json(
            200,
            json!({
                "Version": "20.10.0", "ApiVersion": API_VERSION, "MinAPIVersion": "1.12",
                "Os": "linux", "Arch": "amd64", "KernelVersion": "6.1.0", "GitCommit": "fake",
                "GoVersion": "go1.20", "BuildTime": "", "Components": []
            }),
        ),
        ("GET", ["info"]) => Answer::Json(
            200,
            json!({"ID": "fake", "OSType": "linux", "ServerVersion": "20.10.0",
                   "NCPU": 2, "MemTotal": 4_000_000_000_u64, "LoggingDriver": "json-file",
                   "CgroupVersion": "2", "SecurityOptions": ["name=seccomp,profile=default"]}),
        ),
        ("GET", ["images", name @ .., "json"]) if !name.is_empty() => Answer::Json(
            200,
            json!({
                "Id": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
                "RepoTags": [name.join("/")], "RepoDigests": [], "Os": "linux",
                "Architecture": "amd64", "Config": image_config, "ContainerConfig": image_config
            }),
        ),
        ("POST", ["images", "create"]) => {
            Answer::Json(200, json!({"status": "Status: Image is up to date"}))
        }
        ("POST", ["containers", "create"]) => {
            let body = serde_json::from_slice(&request.body).unwrap_or_else(|e| {
                Value::String(format!(
                    "not JSON ({e}): {}",
                    String::from_utf8_lossy(&request.body)
                ))
            });
            state.lock().expect("state").creates.push(Create {
                query: query_pairs(&request.query),
                body,
            });
            let id = format!("{:064x}", ids.fetch_add(1, Ordering::SeqCst));
            Answer::Json(201, json!({"Id": id, "Warnings": []}))
        }
        ("POST", ["containers", _, "attach"]) => Answer::Upgrade,
        ("POST", ["containers", _, "wait"]) => {
            Answer::Json(200, json!({"StatusCode": 0, "Error": null}))
        }
        ("POST", ["containers", _, "start" | "resize" | "kill" | "stop"]) => Answer::Empty(204),
        ("GET", ["containers", id, "json"]) => Answer::Json(
            200,
            json!({"Id": id, "State": {"Running": false, "Status": "exited", "ExitCode": 0},
                   "Config": {"Tty": false, "OpenStdin": false}, "HostConfig": {}}),
        ),
        ("DELETE", ["containers", _]) => Answer::Empty(204),
        _ => {
            state
                .lock()
                .expect("state")
                .unknown
                .push(format!("{method} {path}"));
            Answer::Json(
                404,
                json!({"message": format!("fake engine: no {method} {path}")}),
            )
        }
    }
}

#[test]
fn the_fake_engine_records_what_docker_create_sends() {
    let dir = tempfile::tempdir().expect("a directory for the socket");
    let engine = FakeEngine::start(&dir.path().join("engine.sock"), json!({"User": ""}));
    let out = std::process::Command::new(super::installed_docker())
        .args([
            "create",
            "--name",
            "hr-diff-probe",
            "-e",
            "A=1",
            "busybox:1.36",
            "true",
        ])
        .env("DOCKER_HOST", engine.host())
        .env("DOCKER_CONFIG", dir.path())
        .output()
        .expect("run docker");
    assert!(out.status.success(), "{out:?}");
    let (creates, unknown) = engine.take();
    assert!(unknown.is_empty(), "{unknown:?}");
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert_eq!(creates[0].body["Env"], json!(["A=1"]));
    assert_eq!(creates[0].body["Cmd"], json!(["true"]));
    assert!(
        creates[0]
            .query
            .contains(&("name".to_owned(), "hr-diff-probe".to_owned())),
        "{creates:?}"
    );
}
