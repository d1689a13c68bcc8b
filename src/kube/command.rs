//! The kubectl command lines hardrun hardens: `apply`, `create` and `replace` with `-f`, read
//! as kubectl's flag parser (pflag) reads them; everything else passes through. Pure.
//!
//! kubectl takes its global flags before or after the verb. Only the flags that take a value
//! need to be known to find the verb and the files, so the tables list those; a flag that is in
//! neither table, before the verb or on a hardened command, cannot be read with certainty and
//! the command is refused. Flags whose value may be left out (`--dry-run`, `--validate`,
//! `--cascade`) take one only after `=`, as in kubectl.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use thiserror::Error;

/// kubectl's global flags that take a value (long, short).
const GLOBAL_VALUES: &[(&str, Option<char>)] = &[
    ("as", None),
    ("as-group", None),
    ("as-uid", None),
    ("cache-dir", None),
    ("certificate-authority", None),
    ("client-certificate", None),
    ("client-key", None),
    ("cluster", None),
    ("context", None),
    ("kubeconfig", None),
    ("kuberc", None),
    ("namespace", Some('n')),
    ("password", None),
    ("profile", None),
    ("profile-output", None),
    ("request-timeout", None),
    ("server", Some('s')),
    ("tls-server-name", None),
    ("token", None),
    ("user", None),
    ("username", None),
    ("v", Some('v')),
    ("vmodule", None),
    ("log-backtrace-at", None),
    ("log-dir", None),
    ("log-file", None),
    ("log-file-max-size", None),
    ("log-flush-frequency", None),
    ("stderrthreshold", None),
];

/// kubectl's global flags that take no value.
const GLOBAL_BOOLS: &[(&str, Option<char>)] = &[
    ("insecure-skip-tls-verify", None),
    ("match-server-version", None),
    ("warnings-as-errors", None),
    ("disable-compression", None),
    ("alsologtostderr", None),
    ("logtostderr", None),
    ("add-dir-header", None),
    ("skip-headers", None),
    ("skip-log-headers", None),
    ("one-output", None),
    ("help", Some('h')),
];

/// The flags of `apply`, `create` and `replace` that take a value.
const FILE_VALUES: &[(&str, Option<char>)] = &[
    ("filename", Some('f')),
    ("kustomize", Some('k')),
    ("field-manager", None),
    ("grace-period", None),
    ("output", Some('o')),
    ("prune-allowlist", None),
    ("prune-whitelist", None),
    ("selector", Some('l')),
    ("template", None),
    ("timeout", None),
    ("raw", None),
    ("subresource", None),
    ("applyset", None),
    ("edit-output", None),
];

/// Their flags that take no value, or one only after `=`.
const FILE_BOOLS: &[(&str, Option<char>)] = &[
    ("recursive", Some('R')),
    ("all", None),
    ("allow-missing-template-keys", None),
    ("cascade", None),
    ("dry-run", None),
    ("validate", None),
    ("force", None),
    ("force-conflicts", None),
    ("openapi-patch", None),
    ("overwrite", None),
    ("prune", None),
    ("server-side", None),
    ("show-managed-fields", None),
    ("wait", None),
    ("edit", None),
    ("save-config", None),
    ("windows-line-endings", None),
    ("record", None),
];

/// The verbs whose `-f` files hardrun hardens.
pub const VERBS: [&str; 3] = ["apply", "create", "replace"];

/// `create` subcommands that make a workload from flags, which hardrun cannot harden.
const GENERATORS: [&str; 3] = ["deployment", "job", "cronjob"];

/// Where kubectl reads manifests from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `-f -`.
    Stdin,
    /// A file or a directory.
    Path(PathBuf),
}

/// A kubectl command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubectlCommand {
    /// `apply`, `create` or `replace` with files.
    Files(FileCommand),
    /// Anything else: kubectl gets it as typed.
    PassThrough,
}

/// `apply|create|replace -f …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCommand {
    pub verb: String,
    /// The command line as typed.
    pub words: Vec<OsString>,
    pub sources: Vec<Source>,
    /// `-R`: directories are read with their subdirectories.
    pub recursive: bool,
    /// The `-f` options: index of the first word and how many words.
    files_at: Vec<(usize, usize)>,
}

impl FileCommand {
    /// The command line with every `-f` option taken out and one `-f FILE` where the first was.
    pub fn with_file(&self, file: &OsStr) -> Vec<OsString> {
        let mut words = Vec::with_capacity(self.words.len());
        let mut index = 0;
        while index < self.words.len() {
            match self.files_at.iter().find(|(at, _)| *at == index) {
                Some(&(at, count)) => {
                    if at == self.files_at[0].0 {
                        words.push("-f".into());
                        words.push(file.to_owned());
                    }
                    index += count;
                }
                None => {
                    words.push(self.words[index].clone());
                    index += 1;
                }
            }
        }
        words
    }
}

/// Why a kubectl command line cannot be hardened.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    #[error(
        "unknown flag {0:?}\nhelp: hardrun refuses rather than guesses which words are files; check the flag, or run kubectl without hardrun"
    )]
    UnknownFlag(String),
    #[error("flag {0:?} needs a value\nhelp: give it one, as kubectl requires")]
    MissingValue(String),
    #[error(
        "hardrun cannot harden what kustomize builds from {0:?}\nhelp: build it first: `kubectl kustomize DIR | hardrun kubectl apply -f -`"
    )]
    Kustomize(String),
    #[error(
        "hardrun reads the manifests it hardens itself, and {0:?} is a URL\nhelp: download it first and give hardrun the file, or `-f -` on stdin"
    )]
    Url(String),
    #[error(
        "`kubectl {0}` makes a workload from flags, with none of the profile's settings\nhelp: write it as a manifest and harden that: `kubectl {0} … --dry-run=client -o yaml | hardrun kubectl apply -f -`"
    )]
    Generator(String),
    #[error("a non-UTF-8 word hardrun must read: {0:?}\nhelp: use UTF-8 file names and flags")]
    NotUtf8(OsString),
}

/// A table of flags (long name, short letter), and how they are known.
type Table = (&'static [(&'static str, Option<char>)], Known);

/// How a flag is known: it takes a value, or it does not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Known {
    Value,
    Bool,
}

fn lookup(tables: &[Table], long: Option<&str>, short: Option<char>) -> Option<Known> {
    tables.iter().find_map(|(table, known)| {
        table
            .iter()
            .any(|(l, s)| long.is_some_and(|n| n == *l) || short.is_some_and(|c| *s == Some(c)))
            .then_some(*known)
    })
}

/// A flag as read: its long name or short letter, its value, and how many words it took; for
/// a cluster of shorthands (`-Rf`), the letters before the last too.
struct Flag {
    name: String,
    value: Option<String>,
    words: usize,
    before: Vec<char>,
}

/// Reads the flag at `words[index]` with `tables`; `None` when it is not known.
fn flag(words: &[&str], index: usize, tables: &[Table]) -> Result<Option<Flag>, CommandError> {
    let word = words[index];
    let next = words.get(index + 1).copied();
    if let Some(body) = word.strip_prefix("--") {
        let (name, inline) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (body, None),
        };
        return Ok(match lookup(tables, Some(name), None) {
            None => None,
            Some(Known::Bool) => Some(Flag {
                name: name.into(),
                value: inline.map(str::to_owned),
                words: 1,
                before: Vec::new(),
            }),
            Some(Known::Value) => match (inline, next) {
                (Some(value), _) => Some(Flag {
                    name: name.into(),
                    value: Some(value.into()),
                    words: 1,
                    before: Vec::new(),
                }),
                (None, Some(value)) => Some(Flag {
                    name: name.into(),
                    value: Some(value.into()),
                    words: 2,
                    before: Vec::new(),
                }),
                (None, None) => return Err(CommandError::MissingValue(word.into())),
            },
        });
    }
    // A cluster of shorthands: booleans, then at most one that takes the rest or the next word.
    let letters: Vec<char> = word[1..].chars().collect();
    for (at, letter) in letters.iter().enumerate() {
        match lookup(tables, None, Some(*letter)) {
            None => return Ok(None),
            Some(Known::Bool) => {}
            Some(Known::Value) => {
                let rest: String = letters[at + 1..].iter().collect();
                let rest = rest.strip_prefix('=').map(str::to_owned).unwrap_or(rest);
                let (value, words) = if !rest.is_empty() {
                    (rest, 1)
                } else if let Some(value) = next {
                    (value.to_owned(), 2)
                } else {
                    return Err(CommandError::MissingValue(word.into()));
                };
                return Ok(Some(Flag {
                    name: letter.to_string(),
                    value: Some(value),
                    words,
                    before: letters[..at].to_vec(),
                }));
            }
        }
    }
    Ok(letters.split_last().map(|(last, before)| Flag {
        name: last.to_string(),
        value: None,
        words: 1,
        before: before.to_vec(),
    }))
}

/// Reads a kubectl command line (the words after `kubectl`).
pub fn parse(words: &[OsString]) -> Result<KubectlCommand, CommandError> {
    let mut text = Vec::with_capacity(words.len());
    for word in words {
        match word.to_str() {
            Some(word) => text.push(word),
            // A word hardrun need not read (a value after `--`, a label) may be anything, but
            // it cannot tell which words those are without reading them.
            None => return Err(CommandError::NotUtf8(word.clone())),
        }
    }
    let globals: &[Table] = &[(GLOBAL_VALUES, Known::Value), (GLOBAL_BOOLS, Known::Bool)];
    let mut index = 0;
    let verb = loop {
        let Some(word) = text.get(index) else {
            return Ok(KubectlCommand::PassThrough);
        };
        if *word == "--" || !word.starts_with('-') || *word == "-" {
            break *word;
        }
        match flag(&text, index, globals)? {
            Some(flag) => index += flag.words,
            None => return Err(CommandError::UnknownFlag((*word).into())),
        }
    };
    if verb == "run" {
        return Err(CommandError::Generator("run".into()));
    }
    if !VERBS.contains(&verb) {
        return Ok(KubectlCommand::PassThrough);
    }
    let tables: &[Table] = &[
        (GLOBAL_VALUES, Known::Value),
        (GLOBAL_BOOLS, Known::Bool),
        (FILE_VALUES, Known::Value),
        (FILE_BOOLS, Known::Bool),
    ];
    let mut command = FileCommand {
        verb: verb.into(),
        words: words.to_vec(),
        sources: Vec::new(),
        recursive: false,
        files_at: Vec::new(),
    };
    let mut positional = Vec::new();
    let mut help = false;
    index += 1;
    while index < text.len() {
        let word = text[index];
        if word == "--" {
            positional.extend(text[index + 1..].iter().copied());
            break;
        }
        if !word.starts_with('-') || word == "-" {
            // `apply view-last-applied`, `create secret …`: subcommands with flags of their
            // own, which kubectl answers itself; those that make a workload are refused.
            if positional.is_empty() && verb != "replace" {
                if verb == "create" && GENERATORS.contains(&word) {
                    return Err(CommandError::Generator(format!("create {word}")));
                }
                return Ok(KubectlCommand::PassThrough);
            }
            positional.push(word);
            index += 1;
            continue;
        }
        let Some(flag) = flag(&text, index, tables)? else {
            return Err(CommandError::UnknownFlag(word.into()));
        };
        if flag.before.contains(&'R') {
            command.recursive = true;
        }
        if flag.before.contains(&'h') {
            help = true;
        }
        match (flag.name.as_str(), flag.value.as_deref()) {
            ("filename" | "f", Some(value)) => {
                command.files_at.push((index, flag.words));
                command.sources.push(source(value)?);
            }
            ("kustomize" | "k", Some(value)) => {
                return Err(CommandError::Kustomize(value.into()));
            }
            ("recursive" | "R", value) => {
                command.recursive = value.is_none_or(|v| v != "false");
            }
            ("help" | "h", _) => help = true,
            _ => {}
        }
        index += flag.words;
    }
    if help || command.sources.is_empty() {
        return Ok(KubectlCommand::PassThrough);
    }
    Ok(KubectlCommand::Files(command))
}

fn source(value: &str) -> Result<Source, CommandError> {
    if value == "-" {
        return Ok(Source::Stdin);
    }
    if value.starts_with("http://") || value.starts_with("https://") {
        return Err(CommandError::Url(value.into()));
    }
    Ok(Source::Path(PathBuf::from(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<OsString> {
        line.split_whitespace().map(OsString::from).collect()
    }

    fn files(line: &str) -> FileCommand {
        match parse(&words(line)) {
            Ok(KubectlCommand::Files(command)) => command,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn the_files_of_apply_create_and_replace_are_found_as_pflag_reads_them() {
        let command = files(
            "--context prod -n shop apply -f a.yaml --filename=dir -Rf - --dry-run=server -l app=x",
        );
        assert_eq!(command.verb, "apply");
        assert_eq!(
            command.sources,
            [
                Source::Path("a.yaml".into()),
                Source::Path("dir".into()),
                Source::Stdin
            ]
        );
        assert!(command.recursive);
        assert_eq!(
            command.with_file(OsStr::new("/dev/fd/3")),
            words("--context prod -n shop apply -f /dev/fd/3 --dry-run=server -l app=x")
        );
        assert_eq!(
            files("create -fa.yaml").sources,
            [Source::Path("a.yaml".into())]
        );
        assert_eq!(
            files("replace --force -f=a.yaml").sources,
            [Source::Path("a.yaml".into())]
        );
        // `--dry-run` takes its value only after `=`: `client` here is not its value.
        assert!(matches!(
            parse(&words("apply --dry-run client -f a.yaml")),
            Ok(KubectlCommand::PassThrough)
        ));
    }

    #[test]
    fn every_other_command_passes_through() {
        for line in [
            "get pods",
            "-n x logs web",
            "apply view-last-applied deploy/web",
            "create secret generic s --from-literal=a=b",
            "create namespace x",
            "apply --help",
            "apply -h -f x",
            "",
            "delete -f a.yaml",
        ] {
            assert_eq!(
                parse(&words(line)),
                Ok(KubectlCommand::PassThrough),
                "{line}"
            );
        }
    }

    #[test]
    fn what_hardrun_cannot_read_or_harden_is_refused() {
        let refused = |line: &str| parse(&words(line)).unwrap_err();
        assert!(matches!(
            refused("--bogus apply -f a"),
            CommandError::UnknownFlag(_)
        ));
        assert!(matches!(
            refused("apply --bogus x -f a"),
            CommandError::UnknownFlag(_)
        ));
        assert!(matches!(refused("apply -f"), CommandError::MissingValue(_)));
        assert!(matches!(refused("apply -k ."), CommandError::Kustomize(_)));
        assert!(matches!(
            refused("apply -f https://x/y.yaml"),
            CommandError::Url(_)
        ));
        assert!(matches!(
            refused("create deployment web --image=x"),
            CommandError::Generator(_)
        ));
        assert!(matches!(
            refused("run web --image=x"),
            CommandError::Generator(_)
        ));
    }
}
