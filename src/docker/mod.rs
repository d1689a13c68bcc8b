//! The docker command-line front end: docker's grammar, read exactly, and written back.
//!
//! `command` finds the command word after docker's global options; `invocation` reads a
//! `run`/`create` command line into an `Invocation` that knows where every user argument is,
//! converts it into a `ContainerSpec`, and applies a plan by adding flags before the image.

pub mod build_guard;
pub mod command;
pub mod env_file;
pub mod exec_guard;
pub mod flags;
#[cfg(test)]
mod grammar_tests;
pub mod invocation;
pub mod lexer;
pub mod mounts;
pub mod values;
