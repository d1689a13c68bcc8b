//! `hardrun completions SHELL`: a completion script generated from the clap definition.

use std::io;

use clap::CommandFactory;

use crate::cli::Cli;

pub fn run(shell: clap_complete::Shell) {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "hardrun",
        &mut io::stdout().lock(),
    );
}
