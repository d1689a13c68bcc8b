//! AFL++ harness: `hardrun::fuzz::compose_model` on each input.
fn main() {
    afl::fuzz!(|data: &[u8]| hardrun::fuzz::compose_model(data));
}
