//! The `hardrun` binary: everything happens in `hardrun::run`.

fn main() -> std::process::ExitCode {
    hardrun::run(std::env::args_os().collect())
}
