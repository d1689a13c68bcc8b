//! Resolved models as Compose prints them, and helpers, for the tests of the compose front end
//! (`service` reads these models, `edit` writes into them).
//!
//! `docker compose -f x.yml config --format json` output of Compose v2.40.3, captured from
//! small files written for these tests (in /tmp/hrm, hence the project name and paths). One
//! service per line; the content is as Compose printed it.

use serde_json::Value;

use crate::compose::service::spec_in_model;
use crate::plan::{self, ChangeKind, Plan};
use crate::profile::{self, builtin::Builtins};
use crate::rules::Context;
use crate::spec::{ContainerSpec, Sourced};

pub(super) const PLAIN: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "web": {"command": null, "entrypoint": null, "image": "nginx:1.27", "networks": {"default": null}}
  }
}"#;

pub(super) const HARDENED: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "app": {"cap_add": ["NET_BIND_SERVICE"], "cap_drop": ["ALL"], "cpus": 0.5, "command": null, "entrypoint": null, "environment": {"GREETING": "hello"}, "healthcheck": {"test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "timeout": "3s", "interval": "30s", "retries": 3, "start_period": "5s"}, "image": "registry.example/app:1.2.3", "init": true, "labels": {"io.hardrun.profile": "production"}, "logging": {"driver": "json-file", "options": {"max-file": "3", "max-size": "10m"}}, "mem_limit": "536870912", "memswap_limit": "1073741824", "networks": {"default": null}, "pids_limit": 100, "ports": [{"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "published": "8080", "protocol": "tcp"}], "read_only": true, "restart": "unless-stopped", "security_opt": ["no-new-privileges:true"], "tmpfs": ["/tmp:rw,noexec,nosuid,size=100m,mode=1777", "/var/tmp:rw,noexec,nosuid,size=100m,mode=1777"], "user": "1000:1000"}
  }
}"#;

pub(super) const DEPLOY: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "any": {"command": null, "deploy": {"resources": {"limits": {"cpus": 2}}, "restart_policy": {"condition": "any"}, "placement": {}}, "entrypoint": null, "image": "worker:2", "networks": {"default": null}},
    "worker": {"command": null, "deploy": {"resources": {"limits": {"cpus": 0.5, "memory": "268435456", "pids": 50}, "reservations": {"memory": "67108864"}}, "restart_policy": {"condition": "on-failure", "max_attempts": 3}, "placement": {}}, "entrypoint": null, "image": "worker:2", "mem_limit": "268435456", "networks": {"default": null}}
  }
}"#;

pub(super) const VOLUMES: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "long": {"command": null, "devices": [{"source": "/dev/kvm", "target": "/dev/kvm", "permissions": "rwm"}], "entrypoint": null, "image": "app:1", "networks": {"default": null}, "tmpfs": ["/run"], "volumes": [{"type": "bind", "source": "/run/docker.sock", "target": "/sock", "read_only": true, "bind": {"propagation": "rslave"}}, {"type": "volume", "source": "named", "target": "/srv", "volume": {"nocopy": true}}, {"type": "tmpfs", "target": "/scratch", "tmpfs": {"size": "67108864", "mode": 1023}}, {"type": "image", "source": "alpine:3", "target": "/img"}]},
    "short": {"command": null, "depends_on": {"long": {"condition": "service_started", "required": true}}, "devices": [{"source": "/dev/fuse", "target": "/dev/fuse", "permissions": "rwm"}, {"source": "/dev/snd", "target": "/dev/sound", "permissions": "rw"}], "entrypoint": null, "image": "app:1", "networks": {"default": null}, "volumes": [{"type": "bind", "source": "/var/run/docker.sock", "target": "/var/run/docker.sock", "bind": {"create_host_path": true}}, {"type": "bind", "source": "/tmp/hrm/data", "target": "/data", "read_only": true, "bind": {"create_host_path": true}}, {"type": "volume", "source": "named", "target": "/srv", "volume": {}}, {"type": "volume", "target": "/cache", "volume": {}}, {"type": "bind", "source": "/etc/ssl", "target": "/etc/ssl", "read_only": true, "bind": {"propagation": "rshared", "create_host_path": true}}], "volumes_from": ["long:ro"]}
  },
  "volumes": {"named": {"name": "hrm_named"}}
}"#;

pub(super) const RISKY: &str = r#"{
  "name": "hrm",
  "services": {
    "risky": {"cap_add": ["ALL", "sys_admin", "CAP_NET_ADMIN"], "cgroup": "host", "cpu_period": 100000, "cpu_quota": 50000, "command": null, "entrypoint": null, "environment": {"DB_PASSWORD": "not-a-real-secret", "EMPTY": "", "FROM_HOST": null, "PRICE": "$$5 and $${HOME}"}, "healthcheck": {"disable": true}, "image": "app:latest", "init": false, "ipc": "host", "logging": {"driver": "syslog"}, "memswap_limit": "-1", "network_mode": "host", "pid": "host", "pids_limit": -1, "privileged": true, "restart": "no", "security_opt": ["no-new-privileges:false", "seccomp=unconfined", "apparmor=unconfined"], "use_api_socket": true, "user": "root", "userns_mode": "host", "uts": "host", "volumes": [{"type": "bind", "source": "/var/run", "target": "/host-run"}, {"type": "volume", "source": "sockvol", "target": "/x", "volume": {}}], "post_start": [{"command": ["sh", "-c", "echo hi"], "user": "root", "privileged": true}], "pre_stop": [{"command": ["echo", "bye"]}]}
  },
  "volumes": {"sockvol": {"name": "hrm_sockvol", "driver": "local", "driver_opts": {"device": "/var/run", "o": "bind", "type": "none"}}}
}"#;

pub(super) const FORMS: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "b": {"build": {"context": "/tmp/hrm", "dockerfile": "Dockerfile"}, "cpus": 0.25, "command": null, "entrypoint": null, "healthcheck": {"test": ["CMD-SHELL", "curl -f localhost"], "retries": 5}, "mem_limit": "1073741824", "networks": {"default": null}, "pids_limit": 200, "ports": [{"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}, {"mode": "ingress", "target": 53, "published": "53", "protocol": "udp"}, {"mode": "ingress", "host_ip": "::1", "target": 443, "published": "8443", "protocol": "tcp"}, {"mode": "ingress", "target": 9000, "published": "9000", "protocol": "tcp"}, {"mode": "ingress", "target": 9001, "published": "9001", "protocol": "tcp"}, {"mode": "ingress", "target": 7000, "protocol": "tcp"}], "privileged": true, "read_only": true, "restart": "on-failure:4"},
    "l": {"build": {"context": "/tmp/hrm", "dockerfile": "Dockerfile"}, "command": null, "entrypoint": null, "image": "app:1", "networks": {"default": null}, "tmpfs": ["/run", "/tmp:size=64m,mode=1777"]},
    "s": {"command": null, "entrypoint": null, "image": "app:1", "networks": {"default": null}, "tmpfs": ["/tmp:size=64m"]}
  }
}"#;

pub(super) const MISC: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "a": {"command": null, "deploy": {"resources": {}, "restart_policy": {"max_attempts": 2}, "placement": {}}, "entrypoint": null, "environment": {"B": "true", "CMD": "echo $$HOME", "N": "5"}, "healthcheck": {"test": ["CMD", "/bin/check", "--fast"], "timeout": "24h0m0s", "interval": "1m30s", "start_period": "1.5s"}, "image": "app:1", "labels": {"a.b": "c", "price": "$$9"}, "logging": {"options": {"max-file": "3", "tag": ""}}, "networks": {"default": null}},
    "b": {"command": null, "deploy": {"resources": {}, "restart_policy": {"condition": "unless-stopped"}, "placement": {}}, "entrypoint": null, "healthcheck": {"test": ["CMD-SHELL", "NONE"]}, "image": "app:1", "networks": {"default": null}},
    "c": {"command": null, "entrypoint": null, "healthcheck": {"test": ["NONE"], "interval": "5s"}, "image": "app:1", "networks": {"default": null}, "security_opt": ["no-new-privileges"]}
  }
}"#;

pub(super) const SECRETS: &str = r#"{
  "configs": {"cfg": {"name": "hrm_cfg", "content": "x"}},
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "secrets": {"envsec": {"name": "hrm_envsec", "environment": "HOME"}, "filesec": {"name": "hrm_filesec", "file": "/tmp/hrm/s.txt"}},
  "services": {
    "a": {"command": null, "configs": [{"source": "cfg"}], "entrypoint": null, "image": "app:1", "networks": {"default": null}, "read_only": true, "secrets": [{"source": "envsec", "target": "/run/secrets/envsec"}, {"source": "filesec", "target": "/run/secrets/filesec"}]}
  }
}"#;

pub(super) const VARIED: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "sidecar": {"command": ["sh", "-c", "echo $$HOME"], "entrypoint": null, "image": "registry.example/sidecar:1.0", "networks": {"default": null}},
    "varied": {"cap_add": ["NET_BIND_SERVICE"], "command": null, "deploy": {"resources": {"limits": {"cpus": 4, "memory": "2147483648", "pids": 4096}}, "restart_policy": {"condition": "none"}, "placement": {}}, "entrypoint": null, "environment": {"GREETING": "cost: $$5", "LEVEL": "debug"}, "healthcheck": {"test": ["CMD", "/bin/probe", "--port=$${PORT}"]}, "image": "registry.example/varied:4.1", "init": false, "labels": {"team": "payments"}, "logging": {"driver": "json-file"}, "mem_limit": "2147483648", "memswap_limit": "-1", "networks": {"default": null}, "ports": [{"mode": "ingress", "host_ip": "127.0.0.1", "target": 443, "published": "8443", "protocol": "tcp"}], "security_opt": ["no-new-privileges:false", "label=type:container_t"], "tmpfs": ["/var/tmp"], "user": "root", "volumes": [{"type": "tmpfs", "target": "/tmp"}, {"type": "bind", "source": "/tmp/hrm/data", "target": "/data", "read_only": true, "bind": {"create_host_path": true}}, {"type": "volume", "source": "cache", "target": "/cache", "volume": {}}]}
  },
  "volumes": {"cache": {"name": "hrm_cache"}}
}"#;

pub(super) fn model(text: &str) -> Value {
    serde_json::from_str(text).expect("the fixture is JSON")
}

pub(super) fn service<'a>(model: &'a Value, name: &str) -> &'a Value {
    &model["services"][name]
}

pub(super) fn spec(text: &str, name: &str) -> ContainerSpec {
    spec_in_model(&model(text), name).expect("the service reads")
}

pub(super) fn value<T: Clone>(sourced: &Option<Sourced<T>>) -> Option<T> {
    sourced.as_ref().map(|s| s.value.clone())
}

pub(super) fn origin<T>(sourced: &Option<Sourced<T>>) -> Option<&str> {
    sourced.as_ref().map(|s| s.origin.as_str())
}

pub(super) fn values(list: &[Sourced<String>]) -> Vec<&str> {
    list.iter().map(|s| s.value.as_str()).collect()
}

pub(super) fn origins<T>(list: &[Sourced<T>]) -> Vec<&str> {
    list.iter().map(|s| s.origin.as_str()).collect()
}

pub(super) fn context() -> Context {
    Context {
        profile: "production".into(),
        host_cpus: Some(2),
        ..Context::default()
    }
}

pub(super) fn production_plan(spec: &ContainerSpec) -> Plan {
    let profile = profile::load("production", &Builtins).expect("the built-in loads");
    plan::plan(&profile, spec, &crate::waivers::Applied::none(), &context())
}

/// `(rule, kind)` of every change that is not "kept" (provenance aside).
pub(super) fn not_kept(plan: &Plan) -> Vec<(&'static str, ChangeKind)> {
    plan.changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Kept && c.rule != plan::PROVENANCE)
        .map(|c| (c.rule, c.kind))
        .collect()
}
