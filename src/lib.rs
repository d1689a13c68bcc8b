//! hardrun: applies a named hardening profile to `docker run`/`create` at the moment of
//! invocation, explains every change, and hands the hardened command to the real docker.

pub mod docker;
pub mod suggest;
pub mod plan;
pub mod profile;
pub mod rules;
pub mod spec;
