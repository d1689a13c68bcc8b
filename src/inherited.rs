//! The handoff of a hardened model, shared by `compose`, `stack deploy` and `kubectl`: the
//! real tool's own loader checks the model first (on stdin, nothing written to disk), and the
//! tool then gets it in memory on a descriptor it inherits (`memfd_create` without
//! `O_CLOEXEC`), named on its command line as `/dev/fd/N`, so that the user's files are never
//! rewritten. This is an edge: it starts the checker and execs the tool.

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

use crate::decision::Decision;
use crate::exec::{self, ExecError};

/// The rules that changed each container (`SERVICE: RULE`), for the help of a rejection.
pub fn changed_rules(decision: &Decision) -> Vec<String> {
    decision
        .containers
        .iter()
        .flat_map(|container| {
            let name = container.service.as_deref().unwrap_or_default();
            container
                .plan
                .changes
                .iter()
                .filter(|c| !c.edits.is_empty())
                .map(move |c| format!("{name}: {}", c.rule))
        })
        .collect()
}

/// Runs `program args` with `model` on stdin, the tool's own check of the hardened model. A
/// rejection starts with `rejects` (`docker compose rejects the hardened model`), then says
/// what the tool printed and which rules changed the model (`changed`); `waive` names the
/// waivers that apply to this tool.
pub fn validate(
    program: &Path,
    args: &[&OsStr],
    model: &[u8],
    rejects: &str,
    changed: &[String],
    waive: &str,
) -> Result<(), String> {
    let output = exec::capture_with_input(program, args, model)
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{rejects}: {}\nhelp: the rules that changed it were: {}; {waive}",
        String::from_utf8_lossy(&output.stderr).trim(),
        changed.join(", ")
    ))
}

/// Execs `program` with the words `args` makes of the descriptor's path, `model` on that
/// descriptor (`name` names the memfd, for `/proc`). Returns only when that fails: the reason;
/// an `Err` when the descriptor cannot be made.
pub fn exec_with_model(
    program: &Path,
    name: &str,
    model: &[u8],
    args: impl FnOnce(&OsStr) -> Vec<OsString>,
    depth: u32,
    extra_env: &[(&str, &str)],
) -> io::Result<ExecError> {
    let fd = model_fd(name, model)?;
    let path = OsString::from(format!("/dev/fd/{}", fd.as_raw_fd()));
    let args = args(&path);
    // The descriptor stays open (and inherited) through the exec.
    let error = exec::exec(program, &args, depth, extra_env);
    drop(fd);
    Ok(error)
}

/// Like `exec_with_model`, saying the failure the way docker's handoffs do, with the shell's
/// status for it; `to` names the tool in the message of a descriptor that cannot be made.
pub fn exec_docker_with_model(
    program: &Path,
    (name, to): (&str, &str),
    model: &[u8],
    args: impl FnOnce(&OsStr) -> Vec<OsString>,
    depth: u32,
    extra_env: &[(&str, &str)],
) -> Result<std::process::ExitCode, String> {
    let error = exec_with_model(program, name, model, args, depth, extra_env)
        .map_err(|e| format!("cannot hand the {} to {to}: {e}", what(name)))?;
    let _ = writeln!(io::stderr(), "hardrun: {error}");
    Ok(std::process::ExitCode::from(error.exit_code()))
}

/// What a memfd of that name holds, for messages.
fn what(name: &str) -> &str {
    name.rsplit('-').next().unwrap_or("model")
}

/// The model in memory, on a descriptor the program inherits (no `O_CLOEXEC`).
fn model_fd(name: &str, model: &[u8]) -> io::Result<OwnedFd> {
    let fd = rustix::fs::memfd_create(name, rustix::fs::MemfdFlags::empty())?;
    let mut file = std::fs::File::from(fd);
    file.write_all(model)?;
    Ok(file.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek};

    #[test]
    fn the_model_is_on_an_inheritable_descriptor_from_its_start() {
        let fd = model_fd("hardrun-test", b"services: {}\n").unwrap();
        let flags = rustix::io::fcntl_getfd(&fd).unwrap();
        assert!(!flags.contains(rustix::io::FdFlags::CLOEXEC));
        let mut file = std::fs::File::from(fd);
        file.rewind().unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        assert_eq!(text, "services: {}\n");
    }
}
