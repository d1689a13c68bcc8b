//! Integration tests: the real `hardrun` binary with a fake docker that records its argv.

#![allow(clippy::disallowed_methods)] // tests and benchmarks drive processes and files

mod acceptance;
mod adjustments;
mod check;
mod cli;
mod compose;
mod differential;
mod doctor;
mod dry_run;
mod e2e;
mod engine;
mod env;
mod fit;
mod guards;
mod kube;
mod lab;
mod labels;
mod logging;
mod plugin;
mod policy;
mod profiles;
mod readme;
mod support;
mod swarm;
mod typed;
mod verify;
mod waivers;
