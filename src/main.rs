//! The `hardrun` binary: everything happens in `hardrun::run`. Its `main` is the C one, so that
//! the standard library's start-up, which costs more than hardrun's own work, is skipped;
//! `hardrun::start` does what of it hardrun needs (see there).

#![cfg_attr(not(test), no_main)]

#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    hardrun::start::prepare();
    // glibc hands the arguments to the standard library before `main` (`.init_array`).
    let code = hardrun::run(std::env::args_os().collect());
    hardrun::start::finish(code)
}
