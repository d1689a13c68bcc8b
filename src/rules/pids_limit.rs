//! `pids-limit`: placeholder, being written.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::ContainerSpec;

pub const RULE: Rule = Rule {
    id: "pids-limit",
    title: "",
    severity: Severity::Low,
    kind: RuleKind::Injection,
    cis: &[],
    owasp: &[],
    protects: "",
    may_break: "",
    params: &[],
    example: "",
    assess,
};

fn assess(_: &ContainerSpec, _: &Params, _: &Context) -> Vec<Finding> {
    Vec::new()
}
