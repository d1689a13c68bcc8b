//! The Swarm front end: `docker stack deploy` hardened with the same profiles and rules.
//!
//! `command` reads the `stack deploy` command line as the docker CLI does; `model` reads the
//! stack model that `docker stack config` prints (the docker CLI's own compose loader) as
//! Swarm reads it, and writes it back for a second reading; `edit` writes a plan where Swarm
//! reads each control; `service` reads `docker service create` with its own flag table and
//! renders a plan as its flags; `limits` says what a stack cannot express on this engine. All pure; the
//! edge is `commands/stack.rs`.

pub mod command;
pub mod edit;
pub mod limits;
pub mod model;
pub mod service;
