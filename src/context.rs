//! The facts outside the command line that change a decision (the host's CPU count, the
//! image's configuration, the daemon's default log driver), gathered for `run`/`create` only
//! when an active rule needs them. This is an edge: it asks the engine and reads the host.

use crate::docker::invocation::Invocation;
use crate::engine;
use crate::host::{engine_endpoint, host_cpus, local_daemon_log_driver};
use crate::profile::Profile;
use crate::rules::{self, Context};
use crate::spec;

/// Whether the profile evaluates a rule at all.
pub fn active(profile: &Profile, id: &str) -> bool {
    profile
        .setting(id)
        .is_some_and(|s| s.level != rules::Level::Off)
}

/// The facts outside the command line that change a decision, gathered only when an active
/// rule needs them: the host's CPUs, the image's configuration, the daemon's default log
/// driver. The notes say what was learned, for `--explain`.
pub fn gather(
    profile: &Profile,
    invocation: &Invocation,
    spec: &spec::ContainerSpec,
) -> (Context, Vec<String>) {
    let mut notes = Vec::new();
    let mut context = Context {
        profile: profile.name.clone(),
        host_cpus: active(profile, "cpu-limit").then(host_cpus).flatten(),
        ..Context::default()
    };
    let wants_image = ["non-root-user", "healthcheck", "read-only-rootfs"]
        .iter()
        .any(|id| active(profile, id));
    let wants_log_driver = (active(profile, "log-rotation")
        || active(profile, "no-log-driver-none"))
        && spec.log_driver.as_ref().is_none_or(|d| d.value.is_empty());
    if !wants_image && !wants_log_driver {
        return (context, notes);
    }
    let endpoint = engine_endpoint(invocation);
    if wants_image {
        let without = "planned without its USER, HEALTHCHECK and VOLUMEs";
        match engine::image(&endpoint, &spec.image) {
            engine::ImageLookup::Local(facts) => {
                notes.push(describe_image(&spec.image, &facts));
                context.image = Some(facts);
            }
            engine::ImageLookup::NotLocal => notes.push(format!(
                "image {} is not present locally: {without}",
                spec.image
            )),
            engine::ImageLookup::Unknown(why) => notes.push(format!(
                "image {} was not inspected ({why}): {without}",
                spec.image
            )),
        }
    }
    if wants_log_driver {
        context.daemon_log_driver = local_daemon_log_driver(&endpoint);
        notes.push(match &context.daemon_log_driver {
            Some(driver) => format!("the daemon's default log driver is {driver}"),
            None => "the daemon's default log driver is not known here: hardrun names json-file explicitly".into(),
        });
    }
    (context, notes)
}

fn describe_image(image: &str, facts: &spec::ImageFacts) -> String {
    let user = if facts.user.is_empty() {
        "root (no USER)"
    } else {
        facts.user.as_str()
    };
    let health = if facts.healthcheck {
        "a HEALTHCHECK"
    } else {
        "no HEALTHCHECK"
    };
    let volumes = if facts.volumes.is_empty() {
        "no VOLUME".to_owned()
    } else {
        format!("VOLUME {}", facts.volumes.join(" "))
    };
    format!("image {image} is local: user {user}, {health}, {volumes}")
}
