//! The README's examples, run as tests.
//!
//! Every ```console block of README.md is a transcript: a `$ hardrun …` line, then what hardrun
//! prints (stdout, then stderr), then `[exit: N]` when the status is not 0. Each command runs in
//! a sandbox with the fake docker, and the transcript must match exactly, so the README cannot
//! drift from the code.

use crate::support::{Sandbox, shell_words};

struct Example {
    line: usize,
    command: String,
    expected: String,
}

fn examples() -> Vec<Example> {
    let readme = include_str!("../../README.md");
    let mut examples = Vec::new();
    let mut in_console = false;
    let mut current: Option<Example> = None;
    for (number, line) in readme.lines().enumerate() {
        if line.starts_with("```console") {
            in_console = true;
            continue;
        }
        if in_console && line.starts_with("```") {
            in_console = false;
            examples.extend(current.take());
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            examples.extend(current.take());
            current = Some(Example {
                line: number + 1,
                command: command.to_owned(),
                expected: String::new(),
            });
        } else if let Some(example) = current.as_mut() {
            example.expected.push_str(line);
            example.expected.push('\n');
        }
    }
    examples
}

#[test]
fn every_readme_console_example_prints_what_the_readme_says() {
    let examples = examples();
    assert!(
        examples.len() >= 5,
        "the README's console examples were not found"
    );
    for example in examples {
        let words = shell_words(&example.command);
        assert_eq!(
            words[0], "hardrun",
            "README line {}: examples run hardrun",
            example.line
        );
        let out = Sandbox::new().run(&words[1..]);
        let mut actual = format!("{}{}", out.stdout, out.stderr);
        match out.code {
            Some(0) => {}
            Some(code) => actual.push_str(&format!("[exit: {code}]\n")),
            None => actual.push_str("[killed by a signal]\n"),
        }
        let expected = example.expected.replace("0.1.0", env!("CARGO_PKG_VERSION"));
        assert_eq!(
            actual, expected,
            "README.md line {}: `{}` prints something else",
            example.line, example.command
        );
    }
}
