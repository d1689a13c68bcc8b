//! The fuzz targets: what hardrun reads from untrusted input, end to end through the pure core,
//! as functions of arbitrary bytes. `fuzz/` drives them with AFL++ (`cargo afl`, coverage-guided
//! on the stable toolchain); the regression tests replay every input a fuzzer ever found
//! (`fuzz/regressions/TARGET/*`) through the same functions. None of them may panic, hang or
//! allocate without bound, whatever the bytes; a target that checks properties of what it
//! produced (`kube_manifest`) panics when one fails. Pure.

mod kube_manifest;

pub use kube_manifest::kube_manifest;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::sync::OnceLock;

use crate::compose::{edit, service, yaml};
use crate::docker::command::{DockerCommand, parse};
use crate::profile::builtin::Builtins;
use crate::profile::{self, Profile, raw};
use crate::rules::Context;
use crate::waivers::{self, Applied};

/// A fuzz target: a function of the input's bytes.
pub type Target = fn(&[u8]);

/// The targets, by name.
pub const TARGETS: [(&str, Target); 4] = [
    ("docker_argv", docker_argv),
    ("compose_model", compose_model),
    ("profile", profile_text),
    ("kube_manifest", kube_manifest),
];

/// The built-in profiles, loaded once per process.
fn profiles() -> &'static [Profile] {
    static PROFILES: OnceLock<Vec<Profile>> = OnceLock::new();
    PROFILES.get_or_init(|| {
        ["baseline", "production", "strict"]
            .into_iter()
            .map(|name| profile::load(name, &Builtins).expect("a built-in profile loads"))
            .collect()
    })
}

/// A docker command line (words separated by NUL bytes): read as docker reads it, and for a
/// `run`/`create`, into a spec, planned by each built-in profile, and applied; for a `service
/// update`, applied to a service, planned, and rendered, every word kept.
pub fn docker_argv(data: &[u8]) {
    let argv: Vec<OsString> = data
        .split(|b| *b == 0)
        .map(|word| OsString::from_vec(word.to_vec()))
        .collect();
    service_update(&argv);
    let Ok(DockerCommand::Create(invocation)) = parse(argv) else {
        return;
    };
    let Ok(spec) = invocation.to_spec(Path::new("/work")) else {
        return;
    };
    for profile in profiles() {
        let plan = crate::plan::plan(profile, &spec, &Applied::none(), &Context::default());
        let _ = invocation.apply(&plan.edits());
    }
}

/// A `service update` line: applied to an empty service, planned by each built-in profile and
/// rendered; the words without edits are the words typed.
fn service_update(argv: &[OsString]) {
    use crate::swarm::service::{ServiceCommand, parse, service_word};
    let Some(at) = service_word(argv) else {
        return;
    };
    let Ok(ServiceCommand::Update(update)) = parse(argv, at) else {
        return;
    };
    let mut spec = crate::spec::ContainerSpec::default();
    if update
        .apply_to(&mut spec, Path::new("/work"), &|_| None)
        .is_err()
    {
        return;
    }
    assert_eq!(
        update.apply(&[], &spec, &[]),
        argv,
        "an update keeps every word"
    );
    for profile in profiles() {
        let plan = crate::plan::plan(profile, &spec, &Applied::none(), &Context::default());
        let _ = update.apply(&plan.edits(), &spec, &[]);
    }
}

/// The text `docker compose config` would print: read into the model, each service into a
/// spec, planned by each built-in profile, and written back into the model.
pub fn compose_model(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut model) = yaml::parse(text) else {
        return;
    };
    let names: Vec<String> = model
        .get("services")
        .and_then(|s| s.as_object())
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    for profile in profiles() {
        for name in &names {
            let Ok(spec) = service::spec_in_model(&model, name) else {
                continue;
            };
            let plan = crate::plan::plan(profile, &spec, &Applied::none(), &Context::default());
            let service = &mut model["services"][name];
            edit::apply(service, &plan.edits());
            edit::repair(service);
        }
    }
}

/// A user's profile or project file: read by the span-carrying YAML reader, then as a profile
/// document and as a `.hardrun.yaml`.
pub fn profile_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(root) = raw::parse(text) {
        let _ = profile::read::read("fuzz.yaml", &root);
    }
    let _ = waivers::parse(".hardrun.yaml", text);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every input a fuzzer found, replayed: `fuzz/regressions/TARGET/*`.
    #[test]
    #[allow(clippy::disallowed_methods)] // reads the regression inputs
    fn every_input_the_fuzzers_found_is_read_without_panicking() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
        let mut replayed = 0;
        for (name, target) in TARGETS {
            let Ok(entries) = std::fs::read_dir(root.join(name)) else {
                continue;
            };
            for entry in entries {
                let path = entry.expect("a directory entry").path();
                target(&std::fs::read(&path).expect("a regression input"));
                replayed += 1;
            }
        }
        // The seeds are replayed too, so the harness itself is exercised.
        for (name, target) in TARGETS {
            let seeds = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fuzz/seeds")
                .join(name);
            for entry in std::fs::read_dir(&seeds).expect("the seeds of each target") {
                target(&std::fs::read(entry.expect("an entry").path()).expect("a seed"));
                replayed += 1;
            }
        }
        assert!(replayed > 0);
    }
}
