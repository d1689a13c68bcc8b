//! The built-in profiles, embedded from `profiles/*.yaml` and read like any user profile.

/// Name and YAML text of each built-in profile, sorted by name.
pub const BUILTINS: &[(&str, &str)] = &[
    ("baseline", include_str!("../../profiles/baseline.yaml")),
    (
        "development",
        include_str!("../../profiles/development.yaml"),
    ),
    ("production", include_str!("../../profiles/production.yaml")),
    ("strict", include_str!("../../profiles/strict.yaml")),
];

/// The profile used when none is named.
pub const DEFAULT: &str = "baseline";

/// The built-in profile called `name`.
pub fn get(name: &str) -> Option<&'static str> {
    BUILTINS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}
