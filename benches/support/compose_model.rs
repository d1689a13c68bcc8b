// The 200-service model of the bench's compose section, as `docker compose config` prints it.
//
// Shared by `benches/overhead.rs` (section 3) and the tests of `src/compose/yaml.rs`, which
// read it with both YAML readers. Plain Rust with no dependency, so either can include it.

use std::fmt::Write as _;

/// A resolved project of `services` services, as `docker compose config` (v2.40) prints it:
/// keys in Compose's order, long syntax everywhere, sizes in bytes, absolute bind sources.
/// Every service has an image, a command, 5 environment variables, a published port, a bind and
/// a named volume, networks and labels; some have resource limits (every 4th), a health check
/// (every 3rd), `depends_on` (every 10th), a restart policy (every 2nd), an `x-hardrun` waiver
/// (every 25th), and some are already partly hardened (every 5th: `read_only`, `cap_drop: [ALL]`
/// and a user). Run through `docker compose config` again, it comes back unchanged.
pub fn compose_model(services: usize) -> String {
    let mut y = String::new();
    let w = &mut y;
    let _ = writeln!(w, "name: shop\nservices:");
    for i in 0..services {
        let name = format!("svc-{i:03}");
        let port = 8000 + i;
        let hardened = i % 5 == 0;
        let _ = writeln!(w, "  {name}:");
        if hardened {
            let _ = writeln!(w, "    cap_drop:\n      - ALL");
        }
        let _ = writeln!(
            w,
            "    command:\n      - serve\n      - --port\n      - \"{port}\""
        );
        if i % 10 == 1 {
            let _ = writeln!(
                w,
                "    depends_on:\n      svc-{:03}:\n        condition: service_started\n        required: true",
                i - 1
            );
        }
        if i % 4 == 0 {
            let _ = writeln!(
                w,
                "    deploy:\n      resources:\n        limits:\n          cpus: 0.5\n          memory: \"268435456\""
            );
            if i % 8 == 0 {
                let _ = writeln!(w, "          pids: 200");
            }
        }
        let _ = writeln!(
            w,
            "    environment:\n      APP_ENV: production\n      DB_HOST: db.internal\n      HTTP_PORT: \"{port}\"\n      LOG_LEVEL: info\n      REGION: eu-west-1"
        );
        if i % 3 == 0 {
            let _ = writeln!(
                w,
                "    healthcheck:\n      test:\n        - CMD\n        - wget\n        - -qO-\n        - http://localhost:{port}/health\n      timeout: 3s\n      interval: 30s\n      retries: 3"
            );
        }
        let _ = writeln!(
            w,
            "    image: registry.example.com/shop/{name}:1.{}.{}",
            i / 10,
            i % 10
        );
        let _ = writeln!(
            w,
            "    labels:\n      com.example.service: {name}\n      com.example.team: team-{}",
            i % 7
        );
        let _ = writeln!(w, "    networks:");
        if i % 2 == 0 {
            let _ = writeln!(w, "      backend: null");
        }
        let _ = writeln!(w, "      default: null");
        let _ = writeln!(
            w,
            "    ports:\n      - mode: ingress\n        target: {port}\n        published: \"{}\"\n        protocol: tcp",
            port + 10000
        );
        if hardened {
            let _ = writeln!(w, "    read_only: true");
        }
        if i % 2 == 1 {
            let _ = writeln!(w, "    restart: unless-stopped");
        }
        if hardened {
            let _ = writeln!(w, "    user: 1000:1000");
        }
        let _ = writeln!(
            w,
            "    volumes:\n      - type: bind\n        source: /srv/shop/{name}/config\n        target: /etc/app\n        read_only: true\n        bind:\n          create_host_path: true\n      - type: volume\n        source: data-{i:03}\n        target: /var/lib/app\n        volume: {{}}"
        );
        if i % 25 == 7 {
            let _ = writeln!(
                w,
                "    x-hardrun:\n      allow:\n        - healthcheck\n      reason: no shell nor HTTP client in the image"
            );
        }
    }
    let _ = writeln!(
        w,
        "networks:\n  backend:\n    name: shop_backend\n  default:\n    name: shop_default\nvolumes:"
    );
    for i in 0..services {
        let _ = writeln!(w, "  data-{i:03}:\n    name: shop_data-{i:03}");
    }
    y
}
