//! The container's environment: `--env-file` read as docker reads it, values from hardrun's
//! environment (`-e NAME`), `env-secrets` judging them all without ever printing a value, and
//! `env-config` (required variables and formats) from a project's profile.

use crate::support::{Outcome, Sandbox};

/// Secret values used below: no output may contain them.
const SECRETS: [&str; 4] = [
    "hunter2-from-the-env-file",
    "ghp_0123456789abcdefghijABCDEFGHIJ012345",
    "s3cr3t-in-the-url",
    "hunter3-on-the-command-line",
];

#[track_caller]
fn assert_no_secret(out: &Outcome) {
    for secret in SECRETS {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "a secret value was printed\n{out}"
        );
    }
}

#[track_caller]
fn assert_mentions(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

/// A project profile named `production` that extends the built-in and declares the app's
/// configuration; the level (deny) comes from the built-in.
const APP_PROFILE: &str = r#"extends: production
rules:
  env-config:
    required:
      - {name: DATABASE_URL, description: "the primary database", hint: "set it with -e DATABASE_URL=postgresql://…"}
    formats:
      - {name: DATABASE_URL, type: url, schemes: [postgresql, postgres]}
      - {name: PORT, type: port}
      - {name: ADMIN_EMAIL, type: email}
      - {name: DEBUG, type: bool}
      - {name: DATA_DIR, type: path}
      - {name: WORKERS, type: int}
      - {name: LOG_LEVEL, type: regex, pattern: "^(debug|info|warn|error)$"}
"#;

fn app_sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write(".hardrun/profiles/production.yaml", APP_PROFILE);
    sandbox
}

fn production(sandbox: &Sandbox, args: &[&str]) -> Outcome {
    let mut all = vec!["--profile", "production"];
    all.extend_from_slice(args);
    sandbox.run(all)
}

// --- env-config ---------------------------------------------------------------------------

#[test]
fn a_missing_required_variable_is_refused_with_its_name_and_hint() {
    let out = production(&app_sandbox(), &["run", "app:1"]);
    out.assert_code(125).assert_docker_not_run();
    assert_mentions(
        &out.stderr,
        &[
            "rule 'env-config'",
            "DATABASE_URL (the primary database) is required and is not set",
            "set it with -e DATABASE_URL=postgresql://…",
            "--allow env-config",
        ],
    );
}

#[test]
fn a_required_variable_with_the_right_format_passes() {
    let out = production(
        &app_sandbox(),
        &[
            "run",
            "-e",
            "DATABASE_URL=postgresql://db/app",
            "-e",
            "PORT=8080",
            "-e",
            "LOG_LEVEL=info",
            "app:1",
        ],
    );
    out.assert_code(0);
    let docker = out.docker_words();
    assert!(
        docker.contains(&"DATABASE_URL=postgresql://db/app".to_owned()),
        "{out}"
    );
}

#[test]
fn a_url_of_another_scheme_is_refused_naming_the_scheme_rule_not_the_value() {
    let out = production(
        &app_sandbox(),
        &["run", "-e", "DATABASE_URL=mysql://db/app", "app:1"],
    );
    out.assert_code(125).assert_docker_not_run();
    assert_mentions(
        &out.stderr,
        &[
            "-e DATABASE_URL=***",
            "DATABASE_URL must be a url with scheme postgresql or postgres",
            "(format 'url')",
            "its scheme is another",
        ],
    );
    assert!(!out.stderr.contains("mysql"), "{out}");
}

#[test]
fn every_format_failure_is_reported_at_once() {
    let out = production(
        &app_sandbox(),
        &[
            "run",
            "-e",
            "DATABASE_URL=postgres://db/app",
            "-e",
            "PORT=http",
            "-e",
            "ADMIN_EMAIL=nobody",
            "-e",
            "DEBUG=maybe",
            "-e",
            "DATA_DIR=data",
            "-e",
            "WORKERS=four",
            "-e",
            "LOG_LEVEL=verbose",
            "app:1",
        ],
    );
    out.assert_code(125).assert_docker_not_run();
    for (name, format) in [
        ("PORT", "port"),
        ("ADMIN_EMAIL", "email"),
        ("DEBUG", "bool"),
        ("DATA_DIR", "path"),
        ("WORKERS", "int"),
        ("LOG_LEVEL", "regex"),
    ] {
        assert_mentions(
            &out.stderr,
            &[
                &format!("forbids -e {name}=***: {name} must be"),
                &format!("(format '{format}')"),
            ],
        );
    }
    for value in ["http", "nobody", "maybe", "four", "verbose"] {
        assert!(!out.stderr.contains(value), "{value}\n{out}");
    }
}

#[test]
fn the_effective_environment_counts_env_files_and_the_last_value() {
    let sandbox = app_sandbox();
    sandbox.write(".env", "# the app\nDATABASE_URL=mysql://db/app\n");
    // The file's value is overridden by -e, as docker does.
    let out = production(
        &sandbox,
        &[
            "run",
            "--env-file",
            ".env",
            "-e",
            "DATABASE_URL=postgresql://db/app",
            "app:1",
        ],
    );
    out.assert_code(0);
    // Alone, the file's value is judged, and the refusal names the file and line.
    let out = production(&sandbox, &["run", "--env-file", ".env", "app:1"]);
    out.assert_code(125).assert_docker_not_run();
    assert_mentions(&out.stderr, &["forbids --env-file .env:2 DATABASE_URL=***"]);
}

#[test]
fn a_required_variable_from_the_host_environment_counts() {
    let mut sandbox = app_sandbox();
    sandbox.env("DATABASE_URL", "postgresql://db/app");
    let out = production(&sandbox, &["run", "-e", "DATABASE_URL", "app:1"]);
    out.assert_code(0);
    sandbox.env_remove("DATABASE_URL");
    let out = production(&sandbox, &["run", "-e", "DATABASE_URL", "app:1"]);
    out.assert_code(125);
    assert_mentions(
        &out.stderr,
        &[
            "forbids -e DATABASE_URL: DATABASE_URL (the primary database) is required and has no value: it is not set in your environment",
        ],
    );
}

#[test]
fn at_warn_a_missing_variable_is_a_warning_and_docker_runs() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "app.yaml",
        "extends: production\nrules:\n  env-config:\n    level: warn\n    required: [DATABASE_URL]\n",
    );
    let out = sandbox.run(["--profile", "./app.yaml", "run", "app:1"]);
    out.assert_code(0);
    assert_mentions(
        &out.stderr,
        &[
            "hardrun: warning: env-config: a missing DATABASE_URL: DATABASE_URL is required and is not set",
        ],
    );
    assert!(out.docker.is_some());
}

#[test]
fn built_in_profiles_declare_nothing_and_check_nothing() {
    for profile in ["baseline", "production", "strict", "development"] {
        let out = Sandbox::new().run([
            "--profile",
            profile,
            "--explain",
            "--dry-run",
            "run",
            "app:1",
        ]);
        // strict refuses app:1 for its missing digest; env-config has nothing to say.
        assert!(out.stderr.contains("no-privileged"), "{out}");
        assert!(!out.stderr.contains("env-config"), "{out}");
    }
}

#[test]
fn profiles_show_renders_the_declarations() {
    let out = app_sandbox().run(["profiles", "show", "production"]);
    out.assert_code(0);
    assert_mentions(
        &out.stdout,
        &[
            "  env-config:\n    level: deny\n",
            r#"    required: [{name: "DATABASE_URL", description: "the primary database", hint: "set it with -e DATABASE_URL=postgresql://…"}]"#,
            r#"{name: "DATABASE_URL", type: url, schemes: ["postgresql", "postgres"]}"#,
            r#"{name: "LOG_LEVEL", type: regex, pattern: "^(debug|info|warn|error)$"}"#,
        ],
    );
}

// --- env-config mistakes in a profile -------------------------------------------------------

fn profile_error(rule: &str) -> String {
    let sandbox = Sandbox::new();
    sandbox.write(
        "bad.yaml",
        &format!("extends: production\nrules:\n  env-config:\n{rule}"),
    );
    let out = sandbox.run(["--profile", "./bad.yaml", "run", "app:1"]);
    out.assert_code(2).assert_docker_not_run();
    out.stderr
}

#[test]
fn an_unknown_format_type_is_an_error_at_its_position_with_a_suggestion() {
    let stderr = profile_error("    formats:\n      - {name: DATABASE_URL, type: uri}\n");
    assert_mentions(
        &stderr,
        &[
            "./bad.yaml:5:36: unknown format type 'uri' for DATABASE_URL",
            "help: did you mean 'url'?",
        ],
    );
    let stderr = profile_error("    formats:\n      - {name: X, type: color}\n");
    assert_mentions(
        &stderr,
        &["help: the types are: url, port, email, bool, path, int, regex"],
    );
}

#[test]
fn an_invalid_regex_is_an_error_at_the_pattern() {
    let stderr = profile_error(
        "    formats:\n      - name: LOG_LEVEL\n        type: regex\n        pattern: \"(debug|info\"\n",
    );
    assert_mentions(
        &stderr,
        &["./bad.yaml:7:18: invalid regex for LOG_LEVEL: unclosed group"],
    );
}

#[test]
fn format_parameters_that_do_not_fit_the_type_are_errors() {
    let stderr = profile_error("    formats:\n      - {name: PORT, type: port, schemes: [http]}\n");
    assert_mentions(
        &stderr,
        &["./bad.yaml:5:34: 'schemes' applies to type url only, and PORT has type port"],
    );
    let stderr = profile_error("    formats:\n      - {name: LEVEL, type: regex}\n");
    assert_mentions(
        &stderr,
        &["./bad.yaml:5:9: the regex format of LEVEL needs a 'pattern'"],
    );
    let stderr = profile_error("    formats:\n      - {type: port}\n");
    assert_mentions(&stderr, &["./bad.yaml:5:9: a format needs a 'name'"]);
}

#[test]
fn mistakes_in_required_variables_are_errors_with_positions() {
    let stderr = profile_error("    required:\n      - {name: A, hnt: x}\n");
    assert_mentions(
        &stderr,
        &[
            "./bad.yaml:5:19: unknown key 'hnt' in a required variable",
            "did you mean 'hint'?",
        ],
    );
    let stderr = profile_error("    required: [\"MY VAR\"]\n");
    assert_mentions(
        &stderr,
        &["./bad.yaml:4:16: invalid variable name 'MY VAR'"],
    );
    let stderr = profile_error("    required: DATABASE_URL\n");
    assert_mentions(
        &stderr,
        &["./bad.yaml:4:15: expected a list of variables, found a scalar"],
    );
    let stderr = profile_error("    requird: [A]\n");
    assert_mentions(
        &stderr,
        &[
            "./bad.yaml:4:5: unknown key 'requird' for rule 'env-config'",
            "did you mean 'required'?",
        ],
    );
}

// --- env files ----------------------------------------------------------------------------

#[test]
fn a_secret_in_an_env_file_is_refused_under_production_and_never_printed() {
    let mut sandbox = Sandbox::new();
    let audit = sandbox.root().join("audit.jsonl");
    sandbox.env("HARDRUN_AUDIT_FILE", &audit);
    sandbox.write(
        ".env",
        &format!(
            "MODE=production\n\n# the database\nDB_PASSWORD={}\n",
            SECRETS[0]
        ),
    );
    let out = sandbox.run([
        "--profile",
        "production",
        "run",
        "--env-file",
        ".env",
        "app:1",
    ]);
    out.assert_code(125).assert_docker_not_run();
    assert_mentions(
        &out.stderr,
        &[
            "rule 'env-secrets' forbids --env-file .env:4 DB_PASSWORD=***",
            "the variable DB_PASSWORD looks like a secret",
            "env file",
            "DB_PASSWORD_FILE",
        ],
    );
    assert_no_secret(&out);
    for extra in [
        &["--explain"][..],
        &["--format", "json"],
        &["--format", "json", "--dry-run"],
        &["--explain", "--dry-run"],
    ] {
        let mut args = vec!["--profile", "production"];
        args.extend_from_slice(extra);
        args.extend(["run", "--env-file", ".env", "app:1"]);
        let out = sandbox.run(&args);
        out.assert_code(125);
        assert!(out.all_output().contains("DB_PASSWORD"), "{out}");
        assert_no_secret(&out);
    }
    // The refusals were audited, without the value.
    let log = std::fs::read_to_string(&audit).expect("the refusal is audited");
    assert!(log.contains("--env-file .env:4 DB_PASSWORD=***"), "{log}");
    assert!(!log.contains(SECRETS[0]), "{log}");
}

#[test]
fn under_baseline_an_env_file_secret_warns_and_the_file_goes_to_docker_unchanged() {
    let sandbox = Sandbox::new();
    sandbox.write(".env", &format!("GITHUB={}\n", SECRETS[1]));
    let out = sandbox.run(["run", "--env-file", ".env", "app:1"]);
    out.assert_code(0);
    assert_mentions(
        &out.stderr,
        &[
            "hardrun: warning: env-secrets: --env-file .env:1 GITHUB=***: the value of GITHUB looks like a github token",
        ],
    );
    let docker = out.docker_words();
    assert_eq!(&docker[..3], ["run", "--env-file", ".env"], "{out}");
    assert_no_secret(&out);
    for format in ["text", "json"] {
        let out = sandbox.run([
            "--dry-run",
            "--format",
            format,
            "run",
            "--env-file",
            ".env",
            "app:1",
        ]);
        out.assert_code(0);
        assert_no_secret(&out);
    }
}

#[test]
fn a_connection_string_with_a_password_in_an_env_file_is_caught() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "conf/app.env",
        &format!("DATABASE_URL=postgresql://app:{}@db/app\n", SECRETS[2]),
    );
    let out = sandbox.run([
        "--profile",
        "production",
        "run",
        "--env-file=conf/app.env",
        "app:1",
    ]);
    out.assert_code(125);
    assert_mentions(
        &out.stderr,
        &[
            "--env-file conf/app.env:1 DATABASE_URL=***: the value of DATABASE_URL looks like a url with a password",
        ],
    );
    assert_no_secret(&out);
}

#[test]
fn a_malformed_env_file_is_an_error_with_file_and_line() {
    let sandbox = Sandbox::new();
    sandbox.write(".env", "A=1\n# fine\nMY VAR=x\n");
    let out = sandbox.run(["run", "--env-file", ".env", "app:1"]);
    out.assert_code(125).assert_docker_not_run();
    assert_eq!(
        out.stderr, "hardrun: .env:3: variable 'MY VAR' contains whitespaces\n",
        "{out}"
    );
    // No value is ever quoted, even when the line has no name.
    sandbox.write(".env", &format!("={}\n", SECRETS[0]));
    let out = sandbox.run(["--dry-run", "run", "--env-file", ".env", "app:1"]);
    out.assert_code(125).assert_docker_not_run();
    assert_mentions(&out.stderr, &[".env:1: no variable name before '='"]);
    assert_no_secret(&out);
}

#[test]
fn an_env_file_that_is_not_utf8_is_an_error() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("bin.env", "");
    std::fs::write(&path, b"A=1\nB=\xff\n").unwrap();
    let out = sandbox.run(["run", "--env-file", "bin.env", "app:1"]);
    out.assert_code(125).assert_docker_not_run();
    assert_mentions(&out.stderr, &["bin.env:2: invalid UTF-8"]);
}

#[test]
fn a_missing_env_file_is_an_error() {
    let out = Sandbox::new().run(["run", "--env-file", "missing.env", "app:1"]);
    out.assert_code(125).assert_docker_not_run();
    assert_mentions(
        &out.stderr,
        &["hardrun: cannot read --env-file missing.env: No such file or directory"],
    );
}

#[test]
fn env_files_are_read_relative_to_the_working_directory_in_order() {
    let sandbox = app_sandbox();
    sandbox.write("a.env", "DATABASE_URL=mysql://db/app\n");
    sandbox.write("b.env", "DATABASE_URL=postgresql://db/app\n");
    let out = production(
        &sandbox,
        &["run", "--env-file", "a.env", "--env-file", "b.env", "app:1"],
    );
    out.assert_code(0);
    let out = production(
        &sandbox,
        &["run", "--env-file", "b.env", "--env-file", "a.env", "app:1"],
    );
    out.assert_code(125);
    assert_mentions(&out.stderr, &["--env-file a.env:1 DATABASE_URL=***"]);
}

// --- values from hardrun's environment -----------------------------------------------------

#[test]
fn a_secret_taken_from_the_host_environment_is_refused_under_production() {
    let mut sandbox = Sandbox::new();
    sandbox.env("HARDRUN_TEST_API_TOKEN", SECRETS[1]);
    let out = sandbox.run([
        "--profile",
        "production",
        "run",
        "-e",
        "HARDRUN_TEST_API_TOKEN",
        "app:1",
    ]);
    out.assert_code(125).assert_docker_not_run();
    assert_mentions(
        &out.stderr,
        &[
            "rule 'env-secrets' forbids -e HARDRUN_TEST_API_TOKEN: ",
            "docker copies the value from your environment",
            "HARDRUN_TEST_API_TOKEN_FILE",
        ],
    );
    assert_no_secret(&out);
    let json = sandbox.run([
        "--profile",
        "production",
        "--format",
        "json",
        "--dry-run",
        "run",
        "-e",
        "HARDRUN_TEST_API_TOKEN",
        "app:1",
    ]);
    json.assert_code(125);
    assert_no_secret(&json);
}

#[test]
fn a_bare_name_in_an_env_file_takes_the_host_value() {
    let mut sandbox = Sandbox::new();
    sandbox.env("HARDRUN_TEST_DB_PASSWORD", SECRETS[3]);
    sandbox.write(".env", "HARDRUN_TEST_DB_PASSWORD\nHARDRUN_TEST_NOT_SET\n");
    let out = sandbox.run([
        "--profile",
        "production",
        "run",
        "--env-file",
        ".env",
        "app:1",
    ]);
    out.assert_code(125);
    assert_mentions(
        &out.stderr,
        &["forbids --env-file .env:1 HARDRUN_TEST_DB_PASSWORD: "],
    );
    assert!(!out.stderr.contains("HARDRUN_TEST_NOT_SET"), "{out}");
    assert_no_secret(&out);
}

#[test]
fn a_secret_name_not_set_on_the_host_passes() {
    let mut sandbox = Sandbox::new();
    sandbox.env_remove("HARDRUN_TEST_API_TOKEN");
    let out = sandbox.run([
        "--profile",
        "production",
        "run",
        "-e",
        "HARDRUN_TEST_API_TOKEN",
        "app:1",
    ]);
    out.assert_code(0);
}

// --- compose: the resolved environment ------------------------------------------------------

#[test]
fn compose_environment_and_env_files_are_checked_with_compose_advice() {
    let Some(sandbox) = crate::compose::compose_sandbox() else {
        return;
    };
    sandbox.write(".hardrun/profiles/production.yaml", APP_PROFILE);
    sandbox.write("app.env", &format!("DB_PASSWORD={}\n", SECRETS[0]));
    sandbox.write(
        "compose.yaml",
        "services:\n  app:\n    image: app:1\n    env_file: [app.env]\n    environment:\n      DATABASE_URL: mysql://db/app\n",
    );
    let out = sandbox.run(["--profile", "production", "--dry-run", "compose", "up"]);
    out.assert_code(125);
    assert_mentions(
        &out.stderr,
        &[
            "hardrun: service 'app':",
            "rule 'env-config' forbids services.app.environment.DATABASE_URL=***: DATABASE_URL must be a url with scheme postgresql or postgres",
            "rule 'env-secrets' forbids services.app.environment.DB_PASSWORD=***",
            "compose `secrets:`",
        ],
    );
    assert!(!out.all_output().contains("mysql"), "{out}");
    assert_no_secret(&out);
    let json = sandbox.run([
        "--profile",
        "production",
        "--format",
        "json",
        "--dry-run",
        "compose",
        "up",
    ]);
    json.assert_code(125);
    assert_no_secret(&json);
}

#[test]
fn a_required_variable_missing_from_a_compose_service_is_refused() {
    let Some(sandbox) = crate::compose::compose_sandbox() else {
        return;
    };
    sandbox.write(".hardrun/profiles/production.yaml", APP_PROFILE);
    sandbox.write("compose.yaml", "services:\n  app:\n    image: app:1\n");
    let out = sandbox.run(["--profile", "production", "--dry-run", "compose", "up"]);
    out.assert_code(125);
    assert_mentions(
        &out.stderr,
        &[
            "rule 'env-config' forbids a missing DATABASE_URL: DATABASE_URL (the primary database) is required and is not set",
        ],
    );
    // `compose run -e NAME` takes the value from the environment, as compose does.
    let mut sandbox = sandbox;
    sandbox.env("DATABASE_URL", "postgresql://db/app");
    let out = sandbox.run([
        "--profile",
        "production",
        "--dry-run",
        "compose",
        "run",
        "-e",
        "DATABASE_URL",
        "app",
    ]);
    out.assert_code(0);
}
