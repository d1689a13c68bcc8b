//! AFL++ harness: `hardrun::fuzz::docker_argv` on each input.
fn main() {
    afl::fuzz!(|data: &[u8]| hardrun::fuzz::docker_argv(data));
}
