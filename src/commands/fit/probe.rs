//! What tells a `fit` trial it works: the probe fit's options name, and the HTTP and TCP
//! checks on the trial container's own address.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::cli::FitArgs;

/// What tells a trial it works.
#[derive(Debug, Clone)]
pub(super) enum Probe {
    /// Still running after the trial's time.
    Running,
    Http {
        port: u16,
        path: String,
    },
    Tcp(u16),
    Command(String),
    Healthy,
}

impl Probe {
    pub(super) fn of(args: &FitArgs) -> Result<Probe, String> {
        let port = |text: &str| {
            text.parse::<u16>().map_err(|_| {
                format!("invalid port '{text}'\nhelp: give the container's port, such as 80")
            })
        };
        Ok(if let Some(http) = &args.probe_http {
            let (p, path) = http.split_once('/').unwrap_or((http, ""));
            Probe::Http {
                port: port(p)?,
                path: format!("/{path}"),
            }
        } else if let Some(tcp) = &args.probe_tcp {
            Probe::Tcp(port(tcp)?)
        } else if let Some(command) = &args.probe_cmd {
            Probe::Command(command.clone())
        } else if args.probe_healthy {
            Probe::Healthy
        } else {
            Probe::Running
        })
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Probe::Running => "the container keeps running".into(),
            Probe::Http { port, path } => format!("HTTP GET {path} on port {port} answers 2xx/3xx"),
            Probe::Tcp(port) => format!("port {port} accepts a connection"),
            Probe::Command(command) => format!("`{command}` succeeds inside the container"),
            Probe::Healthy => "the container's health check reports healthy".into(),
        }
    }

    pub(super) fn flag(&self) -> String {
        match self {
            Probe::Running => String::new(),
            Probe::Http { port, path } => format!(" --probe-http {port}{path}"),
            Probe::Tcp(port) => format!(" --probe-tcp {port}"),
            Probe::Command(command) => format!(" --probe-cmd '{command}'"),
            Probe::Healthy => " --probe-healthy".into(),
        }
    }
}

/// The container's address on its first network.
pub(super) fn address(state: &serde_json::Value, port: u16) -> Option<SocketAddr> {
    let networks = state["NetworkSettings"]["Networks"].as_object()?;
    networks
        .values()
        .filter_map(|n| n["IPAddress"].as_str())
        .find(|ip| !ip.is_empty())
        .and_then(|ip| format!("{ip}:{port}").parse().ok())
}

pub(super) fn tcp_ok(address: &Option<SocketAddr>) -> bool {
    address.is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_millis(500)).is_ok())
}

pub(super) fn http_ok(address: &Option<SocketAddr>, path: &str) -> bool {
    let Some(address) = address else {
        return false;
    };
    let Ok(mut stream) = TcpStream::connect_timeout(address, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET {path} HTTP/1.0\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    let mut read = 0;
    while read < head.len() {
        match stream.read(&mut head[read..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => read += n,
        }
    }
    let status = String::from_utf8_lossy(&head[..read]);
    status.starts_with("HTTP/") && matches!(status.get(9..10), Some("2" | "3"))
}
