//! `hardrun doctor [--format F] [--tail N] CONTAINER`: asks docker for the container's state,
//! last log lines and `docker diff`, and prints `doctor::diagnose`'s answer. Exit status: 0
//! healthy, 1 a cause found, 2 cannot tell (or the container cannot be read).

use std::ffi::OsStr;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::cli::OutputFormat;
use crate::doctor::{self, Diagnosis, EXIT_UNKNOWN, Evidence};
use crate::exec;
use crate::host::locate_docker;

/// `hardrun doctor CONTAINER`.
pub fn run(
    container: &str,
    tail: usize,
    format: Option<OutputFormat>,
    default_format: OutputFormat,
) -> Result<ExitCode, String> {
    let docker = locate_docker().map_err(|e| e.to_string())?;
    let diagnosis = match diagnose(&docker, container, tail) {
        Ok(diagnosis) => diagnosis,
        Err(message) => {
            let _ = writeln!(io::stderr(), "hardrun: {message}");
            return Ok(ExitCode::from(EXIT_UNKNOWN));
        }
    };
    let mut out = io::stdout().lock();
    let _ = match format.unwrap_or(default_format) {
        OutputFormat::Json => writeln!(out, "{:#}", doctor::json(&diagnosis)),
        OutputFormat::Text => write!(out, "{}", doctor::text(&diagnosis)),
    };
    Ok(ExitCode::from(diagnosis.exit_code()))
}

/// What docker says of the container, diagnosed.
pub fn diagnose(docker: &Path, container: &str, tail: usize) -> Result<Diagnosis, String> {
    let ask = |args: &[&str]| {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        exec::capture(docker, &args).map_err(|e| format!("cannot run {}: {e}", docker.display()))
    };
    let inspected = ask(&["inspect", "--type", "container", container])?;
    if !inspected.status.success() {
        return Err(format!(
            "cannot inspect container '{container}': {}\nhelp: name a container `docker ps -a` lists",
            String::from_utf8_lossy(&inspected.stderr).trim()
        ));
    }
    let inspect = serde_json::from_slice::<serde_json::Value>(&inspected.stdout)
        .ok()
        .and_then(|v| v.as_array().and_then(|a| a.first().cloned()))
        .ok_or("docker inspect printed something that is not a JSON array")?;
    let tail = tail.to_string();
    let logs = ask(&["logs", "--tail", &tail, container])
        .map(|o| {
            let mut text = String::from_utf8_lossy(&o.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&o.stderr));
            text
        })
        .unwrap_or_default();
    let diff = ask(&["diff", container])
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    // The image's own users, for a uid the image does not know.
    let passwd = ask(&["cp", &format!("{container}:/etc/passwd"), "-"])
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| doctor::first_file_of_tar(&o.stdout))
        .unwrap_or_default();
    Ok(doctor::diagnose(&Evidence {
        inspect,
        logs,
        diff,
        passwd,
    }))
}
