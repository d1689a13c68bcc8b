use super::*;
use crate::spec::MountKind;

const DEPLOYMENT: &str = r#"# a web app
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      annotations:
        io.hardrun/app: '{"io.hardrun.profile": "production"}'
        other: kept
    spec:
      hostPID: true
      securityContext:
        runAsUser: 1000
        runAsGroup: 3000
        seccompProfile:
          type: Unconfined
      initContainers:
      - name: migrate
        image: app:1.2
        securityContext:
          runAsUser: 0
      containers:
      - name: app
        image: app:1.2
        securityContext:
          privileged: yes
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities:
            drop: [ALL]
            add: [NET_BIND_SERVICE]
        volumeMounts:
        - {name: sock, mountPath: /var/run/docker.sock}
        - {name: scratch, mountPath: /tmp}
        - {name: config, mountPath: /etc/app, readOnly: true}
        resources:
          limits: {memory: 256Mi, cpu: 500m}
          requests: {memory: 128Mi}
        livenessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 20
          failureThreshold: 5
        ports:
        - {containerPort: 8080, hostPort: 80, hostIP: 127.0.0.1}
        - {containerPort: 9090}
        env:
        - {name: DB_PASSWORD, value: hunter2}
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: s, key: t}}
      volumes:
      - name: sock
        hostPath: {path: /var/run/docker.sock}
      - name: scratch
        emptyDir: {medium: Memory, sizeLimit: 64Mi}
      - name: config
        configMap: {name: app}
"#;

#[test]
fn a_deployment_is_read_into_one_spec_per_container() {
    let manifest = read(DEPLOYMENT, "deploy.yaml").unwrap();
    assert_eq!(manifest.documents.len(), 1);
    let [workload] = manifest.workloads.as_slice() else {
        panic!("{:?}", manifest.workloads)
    };
    assert_eq!(
        (workload.kind.as_str(), workload.name.as_str()),
        ("Deployment", "web")
    );
    assert_eq!(workload.namespace.as_deref(), Some("shop"));
    assert_eq!(workload.pod_path, ["spec", "template", "spec"]);
    let names: Vec<(&str, bool)> = workload
        .containers
        .iter()
        .map(|c| (c.name.as_str(), c.init))
        .collect();
    assert_eq!(names, [("migrate", true), ("app", false)]);
    assert_eq!(
        workload.container_name(&workload.containers[1]),
        "Deployment/web/app"
    );

    let migrate = &workload.containers[0].spec;
    assert_eq!(migrate.user.as_ref().unwrap().value, "0:3000");
    let app = &workload.containers[1];
    assert_eq!(
        app.at,
        Position {
            line: 26,
            column: 9
        }
    );
    let spec = &app.spec;
    assert_eq!(spec.image, "app:1.2");
    assert_eq!(spec.user.as_ref().unwrap().value, "1000:3000");
    let privileged = spec.privileged.as_ref().unwrap();
    assert!(privileged.value);
    assert_eq!(
        privileged.origin,
        "securityContext.privileged: yes (deploy.yaml:29:23)"
    );
    assert_eq!(spec.read_only.as_ref().map(|r| r.value), Some(true));
    let opts: Vec<&str> = spec
        .security_opts
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(opts, ["no-new-privileges=true", "seccomp=unconfined"]);
    assert_eq!(spec.cap_drop[0].value, "ALL");
    assert_eq!(spec.cap_add[0].value, "NET_BIND_SERVICE");
    assert_eq!(spec.pid.as_ref().unwrap().value, "host");
    assert!(spec.network.is_none());

    let mounts: Vec<(MountKind, Option<&str>, &str, &str, bool)> = spec
        .mounts
        .iter()
        .map(|m| {
            let m = &m.value;
            (
                m.kind,
                m.source.as_deref(),
                m.target.as_str(),
                m.tmpfs_options.as_str(),
                m.read_only,
            )
        })
        .collect();
    assert_eq!(
        mounts,
        [
            (
                MountKind::Bind,
                Some("/var/run/docker.sock"),
                "/var/run/docker.sock",
                "",
                false
            ),
            (MountKind::Tmpfs, None, "/tmp", "size=67108864", false),
            (MountKind::Volume, Some("config"), "/etc/app", "", true),
        ]
    );
    assert_eq!(spec.memory.as_ref().unwrap().value, 256 << 20);
    assert!(spec.memory_reservation.is_none());
    assert_eq!(spec.nano_cpus.as_ref().unwrap().value, 500_000_000);
    assert_eq!(
        spec.health.command.as_ref().unwrap().value,
        "httpGet 8080/healthz"
    );
    assert_eq!(spec.health.interval, Some(20_000_000_000));
    assert_eq!(spec.health.retries, Some(5));
    assert_eq!(spec.health.timeout, None);
    assert_eq!(spec.ports.len(), 1);
    assert_eq!(spec.ports[0].value.host_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(spec.env.len(), 1);
    assert!(!spec.env[0].origin.contains("hunter2"));
    assert_eq!(spec.restart.as_ref().unwrap().value, "always");
    assert_eq!(
        spec.labels,
        [("io.hardrun.profile".to_owned(), "production".to_owned())]
    );
    let field = app
        .fields
        .iter()
        .find(|f| f.path == "spec.template.spec.containers[0].securityContext.privileged")
        .unwrap();
    assert_eq!(
        field.at,
        Position {
            line: 29,
            column: 23
        }
    );
    assert!(
        app.fields
            .iter()
            .any(|f| f.path == "spec.template.spec.hostPID")
    );
}

#[test]
fn every_workload_kind_is_found_in_lists_and_streams() {
    let text = r#"
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: x}]}}
- {apiVersion: apps/v1, kind: StatefulSet, metadata: {name: s}, spec: {template: {spec: {containers: [{name: a, image: x}]}}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: a, image: x}]
---
apiVersion: v1
kind: Service
metadata: {name: svc}
---
apiVersion: example.com/v1
kind: Deployment
metadata: {name: custom}
spec: {template: {spec: {containers: [{name: a, image: x}]}}}
"#;
    let manifest = read(text, "all.yaml").unwrap();
    let found: Vec<(&str, usize, Option<usize>)> = manifest
        .workloads
        .iter()
        .map(|w| (w.kind.as_str(), w.document, w.item))
        .collect();
    assert_eq!(
        found,
        [
            ("Pod", 0, Some(0)),
            ("StatefulSet", 0, Some(1)),
            ("CronJob", 1, None)
        ]
    );
    assert_eq!(manifest.documents.len(), 4);
    let cron = &manifest.workloads[2].containers[0].spec;
    assert_eq!(cron.restart.as_ref().unwrap().value, "on-failure");
}

#[test]
fn what_kubernetes_would_read_differently_is_refused_with_its_place() {
    let wrong = [
        ("capabilities: {drop: [all]}", "\"ALL\""),
        ("capabilities: {add: [CAP_NET_ADMIN]}", "\"NET_ADMIN\""),
        ("privileged: \"true\"", "true or false"),
        ("runAsUser: 1e3", "decimal"),
    ];
    for (context, help) in wrong {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext: {{{context}}}\n"
        );
        let error = read(&text, "pod.yaml").unwrap_err();
        assert_eq!(error.line, 6, "{error}");
        assert!(error.to_string().contains(help), "{error}");
    }
    let error = read("kind: [", "bad.yaml").unwrap_err();
    assert!(error.to_string().starts_with("bad.yaml:"), "{error}");
}
