//! The Swarm front end: `docker stack deploy`, `service create` and `service update` hardened
//! with the same profiles and rules.
//!
//! `command` reads the `stack deploy` command line as the docker CLI does; `model` reads the
//! stack model that `docker stack config` prints (the docker CLI's own compose loader) as
//! Swarm reads it, and writes it back for a second reading; `edit` writes a plan where Swarm
//! reads each control; `service` reads `docker service create` with its own flag table and
//! renders a plan as its flags; `update` reads `docker service update` with its own, applies it
//! to the service as `current` reads it from `docker service inspect`, and renders a plan as
//! update flags; `limits` says what a stack or a service cannot express on this engine. All
//! pure; the edges are `commands/stack.rs` and `commands/service.rs`.

pub mod command;
pub mod current;
pub mod edit;
pub mod limits;
pub mod model;
pub mod service;
pub mod update;
