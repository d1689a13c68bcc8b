//! What `compose run` options (`-u`, `--cap-add`, `-v`, `-e` …) mean for the one-off container:
//! they join the service's spec, so the rules judge them too. Pure: `-e NAME` takes its value
//! from a lookup the caller gives (this process's environment, as compose reads it).

use std::path::PathBuf;

use crate::compose::command::ComposeRun;
use crate::docker::{env_file, mounts};
use crate::spec::{ContainerSpec, Sourced};

/// The service's spec with the `compose run` options added.
pub fn with_run_options(
    spec: &mut ContainerSpec,
    run: &ComposeRun,
    lookup: &dyn Fn(&str) -> Option<String>,
) {
    spec.cap_add.extend(run.cap_add.iter().cloned());
    spec.cap_drop.extend(run.cap_drop.iter().cloned());
    if let Some(user) = &run.user {
        spec.user = Some(user.clone());
    }
    let cwd = PathBuf::from("/");
    for volume in &run.volumes {
        if let Some(mount) = mounts::parse_volume(&volume.value, &cwd) {
            spec.mounts.push(Sourced::new(mount, volume.origin.clone()));
        }
    }
    spec.env
        .extend(env_file::resolve_env(Vec::new(), run.env.clone(), lookup));
}
