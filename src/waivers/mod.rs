//! Waivers that outlive one invocation, and reasons for the ones that do not.
//!
//! A project keeps its waivers in `.hardrun.yaml` (found upward from the working directory by
//! `host::waivers`, read by `file`): each names a rule, exactly one scope (an image reference,
//! matched by `image`, or a compose service), a mandatory reason and an optional expiry date
//! (`date`). `--allow RULE[=REASON]` (`allow`) waives a rule for one invocation; under `strict`
//! (by name or ancestry) the reason is mandatory.
//!
//! This module is pure. Here: which waivers apply to a container or a service on a date it is
//! given; `applied` says what they do to a plan (`plan::plan` applies them). Expired waivers do
//! not apply, and the plan says so where it matters: a refusal names the waiver that expired
//! and when.

mod allow;
mod applied;
mod date;
pub(crate) mod file;
mod image;

pub use allow::{parse_allow, requires_reason};
pub use applied::Applied;
pub use date::{Date, days_in_month, is_leap_year};
pub use file::{FILE_NAME, Project, parse};
pub use image::image_matches;

use std::fmt;

use crate::adjustments::Adjustment;

/// What a project waiver covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An image reference: a repository, with or without a tag (or digest), as written.
    Image(String),
    /// A compose service name.
    Service(String),
}

impl Scope {
    /// Whether the scope covers a container of `image` (a compose service when `service` is
    /// given).
    pub fn covers(&self, service: Option<&str>, image: &str) -> bool {
        match self {
            Scope::Image(reference) => image_matches(reference, image),
            Scope::Service(name) => service == Some(name.as_str()),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Image(reference) => f.write_str(reference),
            Scope::Service(name) => write!(f, "service {name}"),
        }
    }
}

/// One waiver of the project file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub rule: &'static str,
    pub scope: Scope,
    pub reason: String,
    pub expires: Option<Date>,
    /// Where it is written: the file as shown in messages, and the waiver's line and column.
    pub file: String,
    pub line: u64,
    pub column: u64,
}

impl Waiver {
    /// `file:line:column`, for messages.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }

    /// Whether the waiver no longer applies on `today` (it applies through its expiry date).
    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|date| date < today)
    }
}

/// One `--allow` value: `RULE` or `RULE=REASON`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    pub rule: &'static str,
    pub reason: Option<String>,
}

/// Every waiver an invocation knows of: its `--allow` values, the project file's waivers and
/// adjustments, and the date that decides which of those have expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waivers {
    pub allowed: Vec<Allowed>,
    pub project: Vec<Waiver>,
    /// The project file's adjustments (`adjustments`), narrower than a waiver.
    pub adjustments: Vec<Adjustment>,
    /// Whether the catalogue of known images adds its adjustments (the profile's `catalogue`).
    pub catalogue: bool,
    pub today: Date,
}

impl Waivers {
    /// Only `--allow` values, no project file.
    pub fn allowed_only(allowed: Vec<Allowed>, today: Date) -> Waivers {
        Waivers {
            allowed,
            project: Vec::new(),
            adjustments: Vec::new(),
            catalogue: false,
            today,
        }
    }

    /// The waivers for a `docker run`/`create` of `image`: `--allow`, and the project waivers
    /// scoped to the image.
    pub fn for_container(&self, image: &str) -> Applied {
        self.select(None, image)
    }

    /// The waivers for the compose service `name` (of `image`, empty when it has none):
    /// `--allow`, and the project waivers scoped to the service or to its image.
    pub fn for_service(&self, name: &str, image: &str) -> Applied {
        self.select(Some(name), image)
    }

    fn select(&self, service: Option<&str>, image: &str) -> Applied {
        let (expired, waivers) = self
            .project
            .iter()
            .filter(|w| w.scope.covers(service, image))
            .cloned()
            .partition(|w| w.expired(self.today));
        // The catalogue's first, so that the project's own adjustments have the last word.
        let catalogue = if self.catalogue {
            crate::catalogue::for_image(image)
        } else {
            Vec::new()
        };
        let (expired_adjustments, adjustments) = catalogue
            .into_iter()
            .chain(
                self.adjustments
                    .iter()
                    .filter(|a| a.scope.covers(service, image))
                    .cloned(),
            )
            .partition(|a| a.expired(self.today));
        Applied::new(self.allowed.clone(), waivers, expired)
            .with_adjustments(adjustments, expired_adjustments)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn project(expires: Option<&str>) -> Waivers {
        Waivers {
            allowed: Vec::new(),
            project: vec![Waiver {
                rule: "no-privileged",
                scope: Scope::Image("busybox".into()),
                reason: "loads a kernel module".into(),
                expires: expires.map(|d| Date::parse(d).unwrap()),
                file: ".hardrun.yaml".into(),
                line: 2,
                column: 5,
            }],
            adjustments: Vec::new(),
            catalogue: false,
            today: Date::parse("2026-06-15").unwrap(),
        }
    }

    #[test]
    fn a_waiver_applies_through_its_expiry_date_and_not_after() {
        for (expires, applies) in [
            (None, true),
            (Some("2026-06-16"), true),
            (Some("2026-06-15"), true),
            (Some("2026-06-14"), false),
        ] {
            let waivers = project(expires);
            let applied = waivers.for_container("busybox:1.36");
            assert_eq!(applied.rules().len(), usize::from(applies), "{expires:?}");
            assert_eq!(
                applied.expired().len(),
                usize::from(!applies),
                "{expires:?}"
            );
        }
        let waivers = project(None);
        assert!(waivers.for_container("alpine:3").rules().is_empty());
        assert!(waivers.for_service("web", "alpine:3").rules().is_empty());
        assert_eq!(
            waivers.for_service("web", "busybox").rules(),
            ["no-privileged"]
        );
    }
}
