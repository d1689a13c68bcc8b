//! The compose front end and its edge.
//!
//! `command` and `flags` read `docker compose` command lines the way compose reads them (the
//! root options, the subcommand and whether it creates containers, the options of
//! `compose run`); `service` reads a service of the resolved model into a `ContainerSpec`,
//! `waiver` its `x-hardrun` waiver, `edit` writes a plan back into the model; `limits` and
//! `run_options` say what a hardened model cannot express and what `compose run` adds. All of
//! that is pure. `yaml` reads what Compose prints (`printed`, its fast path). `resolve` is the edge: it runs Compose to resolve,
//! validate and run.

pub mod command;
pub mod edit;
pub mod error;
#[cfg(test)]
mod fixtures;
pub mod flags;
pub mod limits;
mod printed;
pub mod resolve;
pub mod run_options;
pub mod service;
mod value;
pub mod waiver;
pub mod yaml;
