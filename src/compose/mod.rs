//! The compose front end: `docker compose` command lines, read the way compose reads them.
//!
//! `command` reads the compose root options, finds the subcommand (and whether it creates
//! containers), and reads the options of `compose run`.

pub mod command;
pub mod edit;
pub mod error;
#[cfg(test)]
mod fixtures;
pub mod flags;
pub mod service;
mod value;
pub mod waiver;
