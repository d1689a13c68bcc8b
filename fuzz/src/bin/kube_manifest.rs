//! AFL++ harness: `hardrun::fuzz::kube_manifest` on each input.
fn main() {
    afl::fuzz!(|data: &[u8]| hardrun::fuzz::kube_manifest(data));
}
