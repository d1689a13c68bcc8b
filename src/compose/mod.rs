//! The compose front end: `docker compose` command lines, read the way compose reads them.
//!
//! `command` reads the compose root options, finds the subcommand (and whether it creates
//! containers), and reads the options of `compose run`. `yaml` reads the model `docker compose
//! config` prints into a `serde_json::Value`.

pub mod command;
pub mod model;
pub mod yaml;
