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

/// A `Source` that knows only the built-in profiles: for tests, benchmarks and tools that must
/// not read the user's files.
pub struct Builtins;

impl super::Source for Builtins {
    fn by_name(
        &self,
        name: &str,
        skip: Option<&str>,
    ) -> Result<Option<super::Found>, super::ProfileError> {
        let source = format!("built-in profile '{name}'");
        if skip == Some(source.as_str()) {
            return Ok(None);
        }
        Ok(get(name).map(|text| super::Found {
            source,
            text: text.to_owned(),
        }))
    }

    fn by_path(&self, path: &str) -> Result<super::Found, super::ProfileError> {
        Err(super::ProfileError::Read {
            path: path.to_owned(),
            reason: "only built-in profiles are available here".into(),
        })
    }

    fn names(&self) -> Vec<String> {
        BUILTINS
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect()
    }
}
