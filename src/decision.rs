//! The one decision every hardrun command makes before anything runs: profile + waivers +
//! context + what each front end read → a `Decision`.
//!
//! A front end (the docker command line, the compose model, a guarded `exec` or `build`)
//! supplies one `Subject` per container it would start, or per command it would hand over, and
//! `decide` plans each with the same rules (`plan::plan_within`, waivers applied inside),
//! gathers the notes, decides what the handoff adds to docker's environment (content trust),
//! and names the variables whose values must be masked wherever the command is shown. It is
//! pure; `deliver` reports the decision, records it and refuses or hands off.

use crate::compose::waiver::Waiver as ServiceWaiver;
use crate::plan::{self, Limits, Plan};
use crate::profile::Profile;
use crate::rules::{self, Context, Finding};
use crate::spec::ContainerSpec;
use crate::waivers::Applied;

/// What one subject is judged from.
pub enum Judged<'a> {
    /// A container: its spec, the facts beyond the command line, and what the front end cannot
    /// express.
    Container {
        spec: &'a ContainerSpec,
        context: &'a Context,
        limits: &'a dyn Limits,
    },
    /// A command that creates no container (`exec`, `build`): its guard's findings.
    Command(Vec<(&'static str, Finding)>),
}

/// One container (or guarded command) a front end asks about.
pub struct Subject<'a> {
    /// The compose service; `None` for a single container or command.
    pub service: Option<String>,
    /// The image reference as the user's command line or model names it.
    pub image: String,
    pub judged: Judged<'a>,
    /// The waivers that concern it (`--allow`, the project file, a record of its own).
    pub waivers: Applied,
    /// A compose service's own `x-hardrun` waiver, for reports and the audit record (its rules
    /// are in `waivers` already).
    pub service_waiver: Option<ServiceWaiver>,
    /// What the front end learned while reading it, for `--explain` (image facts, …).
    pub notes: Vec<String>,
}

/// Whether and how the handoff concerns content trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trust {
    /// The user's own `DOCKER_CONTENT_TRUST`, when set and not empty.
    pub user_setting: Option<String>,
    /// `--disable-content-trust` on the command line.
    pub disabled_by_flag: bool,
    /// The handoff is to Compose, which does not implement content trust.
    pub compose: bool,
}

/// What `decide` is asked.
pub struct Request<'a> {
    /// The docker command, for the audit record: `run`, `compose up`, `exec` …
    pub command: String,
    pub profile: &'a Profile,
    pub subjects: Vec<Subject<'a>>,
    /// `None` where the command pulls and runs no image (`exec`, `build`).
    pub trust: Option<Trust>,
}

/// The decision about one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub service: Option<String>,
    pub image: String,
    pub plan: Plan,
    pub service_waiver: Option<ServiceWaiver>,
    /// The front end's notes, then the waivers' notes.
    pub notes: Vec<String>,
    /// The variables whose values look secret: every display of the command masks them.
    pub secrets: Vec<String>,
}

/// The decision about one invocation.
#[derive(Debug, Clone)]
pub struct Decision {
    pub command: String,
    pub profile: String,
    /// Where the profile was read from.
    pub source: String,
    pub containers: Vec<Decided>,
    /// Notes about the invocation as a whole (content trust), after each container's own.
    pub notes: Vec<String>,
    /// What the handoff adds to docker's environment (`DOCKER_CONTENT_TRUST=1`).
    pub docker_env: Vec<(&'static str, &'static str)>,
    /// How an edit is written in the reports: `docker run`'s flags unless the command hands
    /// off other words (`service create`'s `--limit-memory`, `service update`'s `--mount-add`).
    pub spelling: Spelling,
}

/// One edit as the words a report shows for it.
pub type Spelling = fn(&crate::spec::Edit) -> Vec<String>;

impl Decision {
    /// Whether a rule refused any container: nothing runs.
    pub fn is_refused(&self) -> bool {
        self.containers.iter().any(|c| c.plan.is_refused())
    }

    /// Whether the decision is about the services of a project rather than one container.
    pub fn is_project(&self) -> bool {
        self.containers.len() != 1 || self.containers.iter().any(|c| c.service.is_some())
    }
}

/// Decides every subject with the profile.
pub fn decide(request: Request) -> Decision {
    let Request {
        command,
        profile,
        subjects,
        trust,
    } = request;
    let content_trust_waived = !subjects.is_empty()
        && subjects
            .iter()
            .all(|s| s.waivers.covers(rules::content_trust::RULE.id));
    let containers: Vec<Decided> = subjects
        .into_iter()
        .map(|subject| decide_one(profile, subject))
        .collect();
    let handoff = trust
        .map(|trust| {
            rules::content_trust::handoff(
                profile
                    .setting(rules::content_trust::RULE.id)
                    .map(|s| s.level),
                content_trust_waived,
                trust.user_setting.as_deref(),
                trust.disabled_by_flag,
                trust.compose,
            )
        })
        .unwrap_or_default();
    Decision {
        command,
        profile: profile.name.clone(),
        source: profile.source.clone(),
        containers,
        notes: handoff.note.into_iter().collect(),
        docker_env: handoff.env,
        spelling: crate::docker::invocation::render,
    }
}

fn decide_one(profile: &Profile, subject: Subject) -> Decided {
    let Subject {
        service,
        image,
        judged,
        waivers,
        service_waiver,
        mut notes,
    } = subject;
    notes.extend(waivers.notes());
    let (plan, secrets) = match judged {
        Judged::Container {
            spec,
            context,
            limits,
        } => (
            plan::plan_within(profile, spec, &waivers, context, limits),
            secret_names(profile, spec),
        ),
        Judged::Command(findings) => (plan::plan_command(profile, &findings, &waivers), Vec::new()),
    };
    Decided {
        service,
        image,
        plan,
        service_waiver,
        notes,
        secrets,
    }
}

/// The secret-looking variables, by the profile's `env-secrets` parameters.
pub fn secret_names(profile: &Profile, spec: &ContainerSpec) -> Vec<String> {
    let params = profile
        .setting(rules::env_secrets::RULE.id)
        .map(|s| s.params.clone())
        .unwrap_or_default();
    rules::env_secrets::secret_names(spec, &params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{ChangeKind, NoLimits};
    use crate::profile::{self, builtin::Builtins};
    use crate::spec::{EnvSource, EnvVar, Sourced};
    use crate::waivers::{Allowed, Date, Waivers};

    fn container<'a>(
        spec: &'a ContainerSpec,
        context: &'a Context,
        waivers: Applied,
    ) -> Subject<'a> {
        Subject {
            service: None,
            image: spec.image.clone(),
            judged: Judged::Container {
                spec,
                context,
                limits: &NoLimits,
            },
            waivers,
            service_waiver: None,
            notes: vec!["from the front end".into()],
        }
    }

    fn trust() -> Option<Trust> {
        Some(Trust {
            user_setting: None,
            disabled_by_flag: false,
            compose: false,
        })
    }

    #[test]
    fn one_container_is_planned_with_its_waivers_and_notes() {
        let profile = profile::load("baseline", &Builtins).unwrap();
        let spec = ContainerSpec {
            image: "busybox:1.36".into(),
            privileged: Some(Sourced::new(true, "--privileged")),
            env: vec![EnvVar {
                name: "API_TOKEN".into(),
                value: Some("s3cr3t".into()),
                origin: "-e API_TOKEN=***".into(),
                source: EnvSource::CommandLine,
            }],
            ..ContainerSpec::default()
        };
        let context = Context::default();
        let refused = decide(Request {
            command: "run".into(),
            profile: &profile,
            subjects: vec![container(&spec, &context, Applied::none())],
            trust: trust(),
        });
        assert!(refused.is_refused());
        assert!(!refused.is_project());
        assert_eq!(refused.containers[0].secrets, ["API_TOKEN"]);
        assert_eq!(refused.containers[0].notes, ["from the front end"]);

        let waivers = Waivers::allowed_only(
            vec![Allowed {
                rule: "no-privileged",
                reason: Some("loads a module".into()),
            }],
            Date::from_unix_days(0),
        );
        let waived = decide(Request {
            command: "run".into(),
            profile: &profile,
            subjects: vec![container(
                &spec,
                &context,
                waivers.for_container(&spec.image),
            )],
            trust: trust(),
        });
        let change = waived.containers[0]
            .plan
            .changes
            .iter()
            .find(|c| c.rule == "no-privileged")
            .unwrap();
        assert_eq!(change.kind, ChangeKind::Waived);
        assert!(change.reason.ends_with("(--allow: loads a module)"));
        assert_eq!(
            waived.containers[0].notes,
            [
                "from the front end",
                "waiver: no-privileged (--allow): loads a module"
            ]
        );
    }

    #[test]
    fn content_trust_is_decided_once_for_the_invocation() {
        let profile = profile::load("strict", &Builtins).unwrap();
        let spec = ContainerSpec {
            image: "busybox:1.36".into(),
            ..ContainerSpec::default()
        };
        let context = Context::default();
        let decided = |trust: Option<Trust>, waivers: Applied| {
            decide(Request {
                command: "run".into(),
                profile: &profile,
                subjects: vec![container(&spec, &context, waivers)],
                trust,
            })
        };
        assert_eq!(
            decided(trust(), Applied::none()).docker_env,
            [("DOCKER_CONTENT_TRUST", "1")]
        );
        assert!(decided(None, Applied::none()).docker_env.is_empty());
        let waived = decided(trust(), Applied::recorded(&["content-trust".into()]));
        assert!(waived.docker_env.is_empty());
        assert!(waived.notes[0].contains("waived"), "{:?}", waived.notes);
    }

    #[test]
    fn a_guarded_command_is_planned_from_its_findings() {
        let profile = profile::load("baseline", &Builtins).unwrap();
        let decision = decide(Request {
            command: "exec".into(),
            profile: &profile,
            subjects: vec![Subject {
                service: None,
                image: String::new(),
                judged: Judged::Command(vec![(
                    "exec-privileged",
                    Finding::Forbidden {
                        offending: "--privileged".into(),
                        reason: "privileged".into(),
                    },
                )]),
                waivers: Applied::none(),
                service_waiver: None,
                notes: Vec::new(),
            }],
            trust: None,
        });
        assert!(decision.is_refused());
        assert!(decision.containers[0].secrets.is_empty());
    }
}
