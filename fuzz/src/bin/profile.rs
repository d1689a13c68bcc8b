//! AFL++ harness: `hardrun::fuzz::profile_text` on each input.
fn main() {
    afl::fuzz!(|data: &[u8]| hardrun::fuzz::profile_text(data));
}
