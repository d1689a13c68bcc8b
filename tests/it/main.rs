//! Integration tests: the real `hardrun` binary with a fake docker that records its argv.

mod acceptance;
mod cli;
mod profiles;
mod readme;
mod support;
