//! `build-arg-secrets`: refuses secrets passed to `docker build` as build arguments, which the
//! image keeps: `docker history` shows the value of every argument a `RUN` used, and build
//! metadata and provenance can record them too.
//!
//! A build argument is caught by `env-secrets`' tests (`rules::env_secrets::secret_evidence`):
//! its name contains one of the `names` fragments (this rule's own parameter, with the same
//! default), or its value has the shape of a credential (a url with a password, a cloud or
//! GitHub key, a PEM private key). `--build-arg NAME` without `=` takes the value from the
//! environment, as docker does; the build guard passes that value in, and it is judged the
//! same way. docker's predefined proxy arguments (`HTTP_PROXY`, `https_proxy`, `NO_PROXY`, …)
//! are left out of `docker history` by docker itself and are not caught.
//!
//! The rule judges `docker build` command lines (the build guard, `docker::build_guard`), not
//! containers: `assess` finds nothing in a container. No finding ever quotes a value: origins
//! read `--build-arg NAME=***`.

use crate::rules::env_secrets::secret_evidence;
use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::ContainerSpec;

pub const RULE: Rule = Rule {
    id: "build-arg-secrets",
    title: "Do not pass secrets as build arguments",
    severity: Severity::High,
    kind: RuleKind::Refusal,
    cis: &["4.10"],
    owasp: &["Rule #12"],
    protects: "Build arguments are kept with the image: docker history shows the value of every \
               argument a RUN instruction used, to anyone who can pull the image, and build \
               metadata and provenance may record them too. A BuildKit secret (--secret) is \
               mounted for one RUN instruction and never stored in a layer.",
    may_break: "Dockerfiles that read a token from an ARG; change them to \
                `RUN --mount=type=secret,id=NAME` and build with `--secret id=NAME,env=NAME` \
                or `--secret id=NAME,src=FILE`. Names such as TOKENIZER_VERSION are not caught; \
                other false positives can be waived with --allow.",
    params: &[(
        "names",
        "PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, APIKEY, PRIVATE_KEY, ACCESS_KEY, \
         CREDENTIAL, AUTH",
    )],
    example: "docker build --build-arg API_TOKEN=sk-live-0123456789 -t app:1 .",
    assess,
};

/// The arguments docker predefines for proxies, which it leaves out of `docker history`.
const PROXY_ARGUMENTS: &[&str] = &[
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "FTP_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
];

/// One `--build-arg` as docker will read it.
#[derive(Clone, PartialEq, Eq)]
pub struct BuildArg {
    pub name: String,
    /// The value: typed after `=`, or taken from the environment for `--build-arg NAME`;
    /// `None` when the environment does not have it (docker then passes nothing).
    pub value: Option<String>,
    /// True when the value came from the environment.
    pub from_environment: bool,
    /// How the user typed it, with the value masked: `--build-arg NAME=***`.
    pub origin: String,
}

impl std::fmt::Debug for BuildArg {
    /// Never shows the value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildArg")
            .field("name", &self.name)
            .field("value", &self.value.as_ref().map(|_| "***"))
            .field("from_environment", &self.from_environment)
            .field("origin", &self.origin)
            .finish()
    }
}

/// Containers are not build commands: nothing to find.
fn assess(_: &ContainerSpec, _: &Params, _: &Context) -> Vec<Finding> {
    Vec::new()
}

/// Judges every build argument of a build: one `Forbidden` per secret-looking argument, or one
/// `Satisfied` when there is none.
pub fn judge(args: &[BuildArg], params: &Params) -> Vec<Finding> {
    let findings: Vec<Finding> = args
        .iter()
        .filter_map(|arg| {
            let reason = secret_reason(arg, params)?;
            Some(Finding::Forbidden {
                offending: arg.origin.clone(),
                reason,
            })
        })
        .collect();
    if findings.is_empty() {
        vec![Finding::Satisfied(
            "no build argument looks like a secret".into(),
        )]
    } else {
        findings
    }
}

/// Whether this argument is caught: its value is masked wherever the command is shown.
pub fn is_secret(arg: &BuildArg, params: &Params) -> bool {
    secret_reason(arg, params).is_some()
}

/// Why an argument looks like a secret, naming it, never quoting its value.
fn secret_reason(arg: &BuildArg, params: &Params) -> Option<String> {
    let name = &arg.name;
    let value = arg.value.as_deref()?;
    if PROXY_ARGUMENTS.contains(&name.to_ascii_uppercase().as_str())
        && (name.chars().all(|c| !c.is_ascii_lowercase())
            || name.chars().all(|c| !c.is_ascii_uppercase()))
    {
        return None;
    }
    let evidence = secret_evidence(name, value, params)?;
    let source = if arg.from_environment {
        " (its value taken from the environment)"
    } else {
        ""
    };
    Some(format!(
        "the build argument {name}{source} looks like a secret, {evidence}; build arguments \
         stay readable in the image history: pass it as a build secret, `--secret \
         id={name},env={name}` or `--secret id={name},src=FILE`, and read it with `RUN \
         --mount=type=secret,id={name}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(name: &str, value: Option<&str>) -> BuildArg {
        BuildArg {
            name: name.into(),
            value: value.map(str::to_owned),
            from_environment: false,
            origin: format!("--build-arg {name}=***"),
        }
    }

    fn caught(name: &str, value: &str) -> bool {
        match &judge(&[arg(name, Some(value))], &Params::default())[..] {
            [Finding::Forbidden { offending, reason }] => {
                assert_eq!(offending, &format!("--build-arg {name}=***"));
                assert!(!reason.contains(value), "{reason}");
                assert!(reason.contains("--secret"), "{reason}");
                true
            }
            [Finding::Satisfied(_)] => false,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn catches_secret_names_and_values() {
        assert!(caught("API_TOKEN", "sk-secret-value"));
        assert!(caught("NPM_TOKEN", "abc"));
        assert!(caught("db_password", "x"));
        assert!(caught(
            "GITHUB_PAT",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345"
        ));
        assert!(caught(
            "REPO_URL",
            "https://ci:hunter2@git.example.com/r.git"
        ));
        assert!(caught("KEY_ID", "AKIAIOSFODNN7EXAMPLE"));
    }

    #[test]
    fn does_not_catch_ordinary_arguments() {
        assert!(!caught("VERSION", "1.2"));
        assert!(!caught("BASE_IMAGE", "alpine:3.20"));
        assert!(!caught("MAX_TOKENS", "4096"));
        assert!(!caught("API_TOKEN_FILE", "/run/secrets/api"));
        assert!(!caught("API_TOKEN", ""));
    }

    #[test]
    fn does_not_catch_docker_s_proxy_arguments() {
        for name in ["HTTP_PROXY", "https_proxy", "ALL_PROXY"] {
            assert!(!caught(name, "http://user:pass@proxy:3128"), "{name}");
        }
        // Mixed case is not docker's predefined argument.
        assert!(caught("Http_Proxy", "http://user:pass@proxy:3128"));
    }

    #[test]
    fn a_value_from_the_environment_is_judged_and_said_so() {
        let from_env = BuildArg {
            from_environment: true,
            origin: "--build-arg API_TOKEN".into(),
            ..arg("API_TOKEN", Some("sk-from-env"))
        };
        match &judge(&[from_env], &Params::default())[..] {
            [Finding::Forbidden { offending, reason }] => {
                assert_eq!(offending, "--build-arg API_TOKEN");
                assert!(reason.contains("taken from the environment"), "{reason}");
                assert!(!reason.contains("sk-from-env"));
            }
            other => panic!("{other:?}"),
        }
        // Not in the environment: docker passes nothing, nothing to catch.
        let missing = judge(&[arg("API_TOKEN", None)], &Params::default());
        assert!(matches!(&missing[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn the_profile_s_names_replace_the_default_ones() {
        let params = Params {
            names: Some(vec!["PIN".into()]),
            ..Params::default()
        };
        assert!(is_secret(&arg("SIM_PIN", Some("1234")), &params));
        assert!(!is_secret(&arg("API_TOKEN", Some("x")), &params));
    }

    #[test]
    fn debug_never_shows_a_value() {
        let shown = format!("{:?}", arg("API_TOKEN", Some("sk-secret-value")));
        assert!(!shown.contains("sk-secret-value"), "{shown}");
    }

    #[test]
    fn the_documented_default_is_env_secrets_default() {
        assert_eq!(RULE.params, crate::rules::env_secrets::RULE.params);
    }

    #[test]
    fn finds_nothing_in_a_container() {
        let spec = ContainerSpec::default();
        assert!(assess(&spec, &Params::default(), &Context::default()).is_empty());
    }
}
