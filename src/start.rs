//! What the `hardrun` binary does around `hardrun::run` in place of the standard library's
//! start-up, which it skips (`#![no_main]` in `main.rs`): that start-up also installs a stack
//! overflow handler, whose guard page it finds by reading and parsing `/proc/self/maps`, about
//! a tenth of a typical `hardrun run`'s instructions and more of its time in the kernel, for a
//! process that runs for a millisecond and then execs docker.
//!
//! Kept from the standard start-up, as it does it: standard descriptors that are closed are
//! opened on `/dev/null` (so that no file hardrun opens becomes its stdout, and docker inherits
//! the same three descriptors), and `SIGPIPE` is ignored (a closed pipe is an error hardrun's
//! writes ignore, not its death before the handoff; `exec` restores it for docker). At exit,
//! stdout is flushed. Lost: the "has overflowed its stack" message (a stack overflow is a plain
//! `SIGSEGV`) and the name `main` in a panic message. This is an edge.

use std::io::{self, Write};
use std::os::fd::AsFd;
use std::process::ExitCode;

use rustix::event::{PollFd, PollFlags, poll};

/// Before `hardrun::run`: the standard descriptors and `SIGPIPE`, as the standard library's
/// start-up leaves them.
#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn prepare() {
    let (stdin, stdout, stderr) = (io::stdin(), io::stdout(), io::stderr());
    let mut fds = [
        PollFd::from_borrowed_fd(stdin.as_fd(), PollFlags::empty()),
        PollFd::from_borrowed_fd(stdout.as_fd(), PollFlags::empty()),
        PollFd::from_borrowed_fd(stderr.as_fd(), PollFlags::empty()),
    ];
    let closed: [bool; 3] = match poll(&mut fds, Some(&rustix::event::Timespec::default())) {
        Ok(_) => fds.map(|fd| fd.revents().contains(PollFlags::NVAL)),
        Err(_) => [
            rustix::io::fcntl_getfd(stdin.as_fd()).is_err(),
            rustix::io::fcntl_getfd(stdout.as_fd()).is_err(),
            rustix::io::fcntl_getfd(stderr.as_fd()).is_err(),
        ],
    };
    for _ in closed.iter().filter(|closed| **closed) {
        // The lowest free descriptor is the closed one; without O_CLOEXEC, as docker inherits it.
        match rustix::fs::open(
            "/dev/null",
            rustix::fs::OFlags::RDWR,
            rustix::fs::Mode::empty(),
        ) {
            Ok(fd) => std::mem::forget(fd),
            Err(_) => std::process::abort(),
        }
    }
    ignore_sigpipe();
}

/// `SIGPIPE` ignored, as the standard library's start-up sets it (with libc's `signal`).
fn ignore_sigpipe() {
    unsafe extern "C" {
        fn signal(signum: std::ffi::c_int, handler: usize) -> usize;
    }
    /// `SIG_IGN`.
    const IGNORE: usize = 1;
    // SAFETY: ignoring a signal installs no handler; nothing else runs yet.
    unsafe {
        signal(rustix::process::Signal::PIPE.as_raw(), IGNORE);
    }
}

/// After `hardrun::run`: stdout flushed; the status to exit with.
pub fn finish(code: ExitCode) -> std::ffi::c_int {
    let _ = io::stdout().flush();
    std::ffi::c_int::from(status(code))
}

/// The status an `ExitCode` stands for (hardrun makes them all from a `u8`).
pub fn status(code: ExitCode) -> u8 {
    (0..=u8::MAX)
        .find(|n| ExitCode::from(*n) == code)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_is_the_one_given() {
        assert_eq!(status(ExitCode::SUCCESS), 0);
        assert_eq!(status(ExitCode::FAILURE), 1);
        for n in 0..=u8::MAX {
            assert_eq!(status(ExitCode::from(n)), n);
        }
    }
}
