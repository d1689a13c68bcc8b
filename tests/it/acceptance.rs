//! The acceptance criteria, literally, and a table of real-world `docker run` lines.

use crate::support::{Outcome, Sandbox, assert_subsequence, rule_ids, shell_words};

const VERSION_LABEL: &str = concat!("io.hardrun.version=", env!("CARGO_PKG_VERSION"));

/// Replaces the crate version so snapshots survive a release.
fn normalize(text: &str) -> String {
    text.replace(VERSION_LABEL, "io.hardrun.version=[VERSION]")
}

/// The values given to `flag` in `words`, in either spelling (`--flag v`, `--flag=v`).
fn flag_values(words: &[String], flag: &str) -> Vec<String> {
    let mut values = Vec::new();
    let inline = format!("{flag}=");
    for (i, word) in words.iter().enumerate() {
        if word == flag {
            if let Some(value) = words.get(i + 1) {
                values.push(value.clone());
            }
        } else if let Some(value) = word.strip_prefix(&inline) {
            values.push(value.to_owned());
        }
    }
    values
}

#[track_caller]
fn assert_flag(words: &[String], flag: &str, value: &str) {
    assert!(
        flag_values(words, flag).iter().any(|v| v == value),
        "missing {flag} {value} in {words:?}"
    );
}

/// `hardrun --profile production --dry-run run --rm -p 8080:80 nginx:1.27`
const ACCEPTANCE: [&str; 8] = [
    "--profile",
    "production",
    "--dry-run",
    "run",
    "--rm",
    "-p",
    "8080:80",
    "nginx:1.27",
];

#[test]
fn production_dry_run_contains_every_production_control() {
    let out = Sandbox::new().run(ACCEPTANCE);
    out.assert_code(0).assert_docker_not_run();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one command line\n{out}");
    let words = shell_words(lines[0]);

    assert_eq!(
        words[..5],
        ["docker", "run", "--rm", "-p", "8080:80"],
        "{out}"
    );
    assert_eq!(
        words.last().map(String::as_str),
        Some("nginx:1.27"),
        "{out}"
    );

    assert!(words.contains(&"--read-only".to_owned()), "{out}");
    let tmpfs = flag_values(&words, "--tmpfs");
    for path in ["/tmp", "/var/tmp"] {
        let mount = tmpfs
            .iter()
            .find(|t| t.split(':').next() == Some(path))
            .unwrap_or_else(|| panic!("no tmpfs on {path}\n{out}"));
        let options: Vec<&str> = mount
            .split_once(':')
            .map(|(_, o)| o)
            .unwrap()
            .split(',')
            .collect();
        for option in ["rw", "noexec", "nosuid", "size=100m"] {
            assert!(options.contains(&option), "{path} lacks {option}: {mount}");
        }
    }
    assert_flag(&words, "--cap-drop", "ALL");
    assert_flag(&words, "--cap-add", "NET_BIND_SERVICE");
    assert!(
        flag_values(&words, "--security-opt")
            .iter()
            .any(|v| v == "no-new-privileges"
                || v == "no-new-privileges=true"
                || v == "no-new-privileges:true"),
        "{out}"
    );
    assert_flag(&words, "--user", "1000:1000");
    assert_flag(&words, "--memory", "512m");
    assert_flag(&words, "--memory-swap", "1g");
    assert_flag(&words, "--cpus", "1.0");
    assert_flag(&words, "--pids-limit", "100");
    assert_flag(&words, "--health-interval", "30s");
    assert_flag(&words, "--health-timeout", "3s");
    assert_flag(&words, "--health-retries", "3");
    assert_flag(&words, "--health-start-period", "5s");
    assert_flag(&words, "--log-driver", "json-file");
    assert_flag(&words, "--log-opt", "max-size=10m");
    assert_flag(&words, "--log-opt", "max-file=3");
    assert_flag(&words, "--label", "io.hardrun.profile=production");
    assert_flag(&words, "--label", VERSION_LABEL);

    assert!(
        !words.iter().any(|w| w.starts_with("--restart")),
        "no restart policy beside --rm\n{out}"
    );
}

#[test]
fn production_dry_run_command_line_snapshot() {
    let out = Sandbox::new().run(ACCEPTANCE);
    out.assert_code(0);
    insta::assert_snapshot!("production_dry_run_nginx", normalize(&out.stdout));
}

#[test]
fn production_explain_snapshot() {
    let out = Sandbox::new().run([
        "--profile",
        "production",
        "--explain",
        "run",
        "-d",
        "--name",
        "web",
        "--memory",
        "1g",
        "-p",
        "8080:80",
        "nginx:1.27",
    ]);
    out.assert_code(0);
    assert!(out.stdout.is_empty(), "{out}");
    assert!(out.docker.is_some(), "{out}");
    insta::assert_snapshot!("production_explain_nginx", normalize(&out.stderr));
}

#[test]
fn production_json_dry_run_snapshot() {
    let out = Sandbox::new().run([
        "--profile",
        "production",
        "--format",
        "json",
        "--dry-run",
        "run",
        "--rm",
        "-p",
        "8080:80",
        "nginx:1.27",
    ]);
    out.assert_code(0);
    let json: serde_json::Value =
        serde_json::from_str(&normalize(&out.stdout)).expect("valid JSON");
    insta::assert_json_snapshot!("production_json_dry_run_nginx", json);
}

#[test]
fn privileged_is_refused_naming_the_rule_and_the_way_out() {
    let out = Sandbox::new().run(["--dry-run", "run", "--privileged", "busybox"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(out.stdout.is_empty(), "{out}");
    assert!(out.stderr.contains("no-privileged"), "{out}");
    assert!(out.stderr.contains("--allow no-privileged"), "{out}");
}

#[test]
fn the_docker_socket_is_refused_by_no_docker_socket() {
    let out = Sandbox::new().run([
        "--dry-run",
        "run",
        "-v",
        "/var/run/docker.sock:/var/run/docker.sock",
        "busybox",
    ]);
    out.assert_code(125).assert_docker_not_run();
    assert!(out.stderr.contains("rule 'no-docker-socket'"), "{out}");
    assert!(out.stderr.contains("--allow no-docker-socket"), "{out}");
}

#[test]
fn ps_is_execed_with_exactly_ps_a() {
    let out = Sandbox::new().run(["ps", "-a"]);
    out.assert_code(0);
    assert_eq!(out.docker_words(), ["ps", "-a"]);
}

// --- real-world command lines ---------------------------------------------------------------

/// What a profile does with a line.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Exit 0, every user word kept in order.
    Hardened,
    /// Exit 125, refused by (at least) this rule.
    Refused(&'static str),
}

use Expect::{Hardened, Refused};

/// Real `docker run` lines from images' READMEs and the docker documentation, with what
/// baseline and production do with them. Versions pinned where the source says `latest`,
/// unless the case is about the tag.
const REAL_WORLD: &[(&str, Expect, Expect)] = &[
    // nginx (Docker Hub README)
    (
        "run --name some-nginx -d -p 8080:80 nginx:1.27",
        Hardened,
        Hardened,
    ),
    (
        "run --name some-nginx -v /some/content:/usr/share/nginx/html:ro -d nginx:1.27-alpine",
        Hardened,
        Hardened,
    ),
    // postgres, mysql, mongo: passwords in the environment
    (
        "run --name some-postgres -e POSTGRES_PASSWORD=mysecretpassword -d postgres:16",
        Hardened,
        Refused("env-secrets"),
    ),
    (
        "run --name some-mysql -e MYSQL_ROOT_PASSWORD=my-secret-pw -d mysql:8.4",
        Hardened,
        Refused("env-secrets"),
    ),
    (
        "run -d --name some-mongo -e MONGO_INITDB_ROOT_USERNAME=mongoadmin -e MONGO_INITDB_ROOT_PASSWORD=secret mongo:7",
        Hardened,
        Refused("env-secrets"),
    ),
    // redis
    (
        "run --name some-redis -d redis:7 redis-server --save 60 1 --loglevel warning",
        Hardened,
        Hardened,
    ),
    (
        "run --sysctl net.core.somaxconn=1024 -d redis:7",
        Hardened,
        Hardened,
    ),
    (
        "run -d --restart always --name redis redis:7",
        Hardened,
        Hardened,
    ),
    // an interactive shell in an untagged image
    ("run -it --rm ubuntu bash", Hardened, Refused("image-tag")),
    // portainer, watchtower: the engine's socket
    (
        "run -d -p 8000:8000 -p 9443:9443 --name portainer --restart=always -v /var/run/docker.sock:/var/run/docker.sock -v portainer_data:/data portainer/portainer-ce:lts",
        Refused("no-docker-socket"),
        Refused("no-docker-socket"),
    ),
    (
        "run -d --name watchtower -v /var/run/docker.sock:/var/run/docker.sock containrrr/watchtower:1.7.1",
        Refused("no-docker-socket"),
        Refused("no-docker-socket"),
    ),
    (
        "run --rm --use-api-socket docker:27-cli docker ps",
        Refused("no-docker-socket"),
        Refused("no-docker-socket"),
    ),
    // cadvisor (its README)
    (
        "run --volume=/:/rootfs:ro --volume=/var/run:/var/run:ro --volume=/sys:/sys:ro --volume=/var/lib/docker/:/var/lib/docker:ro --volume=/dev/disk/:/dev/disk:ro --publish=8080:8080 --detach=true --name=cadvisor --privileged --device=/dev/kmsg gcr.io/cadvisor/cadvisor:v0.49.1",
        Refused("no-privileged"),
        Refused("no-privileged"),
    ),
    // traefik (without the socket)
    (
        "run -d -p 8080:8080 -p 80:80 -v /home/me/traefik.yml:/etc/traefik/traefik.yml traefik:v3.1",
        Hardened,
        Hardened,
    ),
    // host namespaces
    (
        "run --rm --network host nicolaka/netshoot:v0.13",
        Refused("no-host-namespaces"),
        Refused("no-host-namespaces"),
    ),
    (
        "run --rm --pid=host alpine:3.20 ps",
        Refused("no-host-namespaces"),
        Refused("no-host-namespaces"),
    ),
    (
        "run --rm --userns=host alpine:3.20 id",
        Refused("no-host-namespaces"),
        Refused("no-host-namespaces"),
    ),
    // GPUs (NVIDIA container toolkit docs)
    (
        "run --rm --gpus all nvidia/cuda:12.4.1-base-ubuntu22.04 nvidia-smi",
        Hardened,
        Hardened,
    ),
    // bind mounts (docker docs), with :latest
    (
        "run -d -it --name devtest --mount type=bind,source=/home/me/target,target=/app nginx:latest",
        Hardened,
        Refused("image-tag"),
    ),
    // httpd (Docker Hub README), a port bound to loopback
    (
        "run -dit --name my-apache-app -p 127.0.0.1:8080:80 -v /home/me/site:/usr/local/apache2/htdocs/ httpd:2.4",
        Hardened,
        Hardened,
    ),
    ("run --rm -e TZ=UTC alpine:3.20 date", Hardened, Hardened),
    (
        "run --rm --ulimit nofile=1024:2048 busybox:1.36 sh -c 'ulimit -n'",
        Hardened,
        Hardened,
    ),
    (
        "run --rm --add-host host.docker.internal:host-gateway curlimages/curl:8.8.0 http://host.docker.internal:8000",
        Hardened,
        Hardened,
    ),
    (
        "run -it --entrypoint /bin/sh nginx:1.27",
        Hardened,
        Hardened,
    ),
    // logging (docker docs): a driver the user chose is respected
    (
        "run --log-driver syslog --log-opt syslog-address=udp://1.2.3.4:514 alpine:3.20 echo hello world",
        Hardened,
        Hardened,
    ),
    // resource limits (docker docs)
    (
        "run -it --cpus .5 -m 256m ubuntu:24.04 /bin/bash",
        Hardened,
        Hardened,
    ),
    (
        "run -d --memory=1g --memory-swap=2g --pids-limit=200 --cpus=2 postgres:16-alpine",
        Hardened,
        Hardened,
    ),
    // tmpfs (docker docs), one on /tmp already
    (
        "run -d --tmpfs /run --tmpfs /tmp:rw,noexec,nosuid,size=65536k --name test nginx:1.27",
        Hardened,
        Hardened,
    ),
    (
        "run -d --read-only --tmpfs /run --tmpfs /var/cache/nginx -p 80:80 nginx:1.27-alpine",
        Hardened,
        Hardened,
    ),
    (
        "run -d --name=grafana -p 3000:3000 grafana/grafana-enterprise:11.1.0",
        Hardened,
        Hardened,
    ),
    (
        "run --rm -v /home/me/app:/usr/src/myapp -w /usr/src/myapp golang:1.22 go build -v",
        Hardened,
        Hardened,
    ),
    (
        "run -d --cap-add SYS_ADMIN --device /dev/fuse --security-opt apparmor:unconfined rclone/rclone:1.67 mount remote: /data",
        Refused("no-dangerous-capabilities"),
        Refused("no-dangerous-capabilities"),
    ),
    (
        "run --rm -it --security-opt seccomp=unconfined debian:12 bash",
        Refused("no-unconfined-security"),
        Refused("no-unconfined-security"),
    ),
    (
        "run --rm -v /:/host alpine:3.20 ls /host",
        Refused("no-sensitive-mounts"),
        Refused("no-sensitive-mounts"),
    ),
    // elasticsearch (Docker Hub README)
    (
        "run -d --name elasticsearch --net somenetwork -p 9200:9200 -p 9300:9300 -e \"discovery.type=single-node\" elasticsearch:8.14.3",
        Hardened,
        Hardened,
    ),
    (
        "run -d -p 5000:5000 --restart=always --name registry registry:2",
        Hardened,
        Hardened,
    ),
    (
        "run -d --name some-rabbit --hostname my-rabbit rabbitmq:3-management",
        Hardened,
        Hardened,
    ),
    (
        "run --rm -it -p 8888:8888 quay.io/jupyter/base-notebook:2024-07-08",
        Hardened,
        Hardened,
    ),
    (
        "run -d --init --stop-timeout 30 -p 127.0.0.1:6379:6379 redis:7-alpine",
        Hardened,
        Hardened,
    ),
    (
        "run --rm --health-cmd 'curl -f http://localhost/ || exit 1' --health-interval=5s nginx:1.27",
        Hardened,
        Hardened,
    ),
    (
        "run --rm -u 1000:1000 --cap-drop=ALL --security-opt=no-new-privileges alpine:3.20 id",
        Hardened,
        Hardened,
    ),
    (
        "create --name data -v /data busybox:1.36",
        Hardened,
        Hardened,
    ),
    (
        "container run --rm -t hello-world:linux",
        Hardened,
        Hardened,
    ),
];

#[track_caller]
fn check(profile: &str, line: &str, expect: Expect, rules: &[String]) {
    let user = shell_words(line);
    let dry = |format: &str| -> Outcome {
        let mut args = vec![
            "--profile".to_owned(),
            profile.to_owned(),
            "--format".to_owned(),
            format.to_owned(),
            "--dry-run".to_owned(),
        ];
        args.extend(user.iter().cloned());
        Sandbox::new().run(&args)
    };
    let text = dry("text");
    let json = dry("json");
    let context = format!("{profile}: {line}");
    for out in [&text, &json] {
        assert!(
            !out.stderr.contains("cannot read"),
            "{context}: hardrun could not read a real-world line\n{out}"
        );
        out.assert_docker_not_run();
    }
    match expect {
        Hardened => {
            text.assert_code(0);
            json.assert_code(0);
            let lines: Vec<&str> = text.stdout.lines().collect();
            assert_eq!(lines.len(), 1, "{context}\n{text}");
            let from_text = shell_words(lines[0]);
            assert_eq!(from_text[0], "docker", "{context}");
            // Secret values are masked in what hardrun shows (docker gets them: see
            // `real_world_lines_reach_docker_with_the_user_s_words_in_order`).
            let shown_user: Vec<String> = user
                .iter()
                .map(|word| match word.split_once('=') {
                    Some((name, value)) if from_text.contains(&format!("{name}=***")) => {
                        let assignment = format!("{name}={value}");
                        assert!(
                            !text.all_output().contains(&assignment)
                                && !json.all_output().contains(&assignment),
                            "{context}: a secret value is shown"
                        );
                        format!("{name}=***")
                    }
                    _ => word.clone(),
                })
                .collect();
            assert_subsequence(&shown_user, &from_text[1..]);
            let from_json: Vec<String> = json.json()["command"]
                .as_array()
                .unwrap_or_else(|| panic!("{context}: no command\n{json}"))
                .iter()
                .map(|w| w.as_str().unwrap().to_owned())
                .collect();
            assert_eq!(
                from_text, from_json,
                "{context}: the shell-quoted line reads back as the JSON command"
            );
        }
        Refused(rule) => {
            text.assert_code(125);
            json.assert_code(125);
            assert!(
                rules.iter().any(|r| r == rule),
                "{rule} is a rule id of `hardrun rules`"
            );
            assert!(
                text.stderr.contains(&format!("rule '{rule}'")),
                "{context}: expected a refusal by {rule}\n{text}"
            );
            assert!(
                text.stderr.contains(&format!("--allow {rule}")),
                "{context}\n{text}"
            );
            let report = json.json();
            assert_eq!(report["refused"], true, "{context}");
            let refused: Vec<&str> = report["changes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["kind"] == "refused")
                .map(|c| c["rule"].as_str().unwrap())
                .collect();
            assert!(refused.contains(&rule), "{context}: {refused:?}");
            for id in refused {
                assert!(
                    rules.iter().any(|r| r == id),
                    "{context}: unknown rule {id}"
                );
            }
        }
    }
}

#[test]
fn real_world_lines_harden_losslessly_or_are_refused_by_a_named_rule() {
    assert!(REAL_WORLD.len() >= 25);
    let rules = rule_ids();
    for (line, baseline, production) in REAL_WORLD {
        check("baseline", line, *baseline, &rules);
        check("production", line, *production, &rules);
    }
}

#[test]
fn real_world_lines_reach_docker_with_the_user_s_words_in_order() {
    let sandbox = Sandbox::new();
    for (line, baseline, _) in REAL_WORLD {
        if let Hardened = baseline {
            let user = shell_words(line);
            let out = sandbox.run(&user);
            out.assert_code(0);
            assert_subsequence(&user, &out.docker_words());
        }
    }
}

// --- idempotence ----------------------------------------------------------------------------

fn json_command(out: &Outcome) -> Vec<String> {
    out.json()["command"]
        .as_array()
        .unwrap_or_else(|| panic!("no command\n{out}"))
        .iter()
        .map(|w| w.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn hardening_the_hardened_command_again_changes_nothing() {
    let sandbox = Sandbox::new();
    for (line, _, production) in REAL_WORLD {
        if !matches!(production, Hardened) {
            continue;
        }
        let harden = |argv: &[String]| {
            let mut args: Vec<String> =
                ["--profile", "production", "--format", "json", "--dry-run"]
                    .map(String::from)
                    .to_vec();
            args.extend(argv.iter().cloned());
            let out = sandbox.run(&args);
            out.assert_code(0);
            out
        };
        let once = harden(&shell_words(line));
        let first = json_command(&once);
        let twice = harden(&first[1..]);
        let second = json_command(&twice);
        assert_eq!(first, second, "{line}: hardening is idempotent");
        let report = twice.json();
        let changed: Vec<(&str, &str)> = report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "added" || c["kind"] == "tightened")
            .map(|c| (c["rule"].as_str().unwrap(), c["kind"].as_str().unwrap()))
            .collect();
        assert!(
            changed.is_empty(),
            "{line}: second pass changed {changed:?}"
        );
    }
}
