use super::*;

/// A fake image: what it needs to pass, and what it writes.
#[derive(Clone, Default)]
struct Image {
    caps: Vec<&'static str>,
    /// Files it writes (each under a directory the image has).
    writes: Vec<&'static str>,
    /// Files it writes only when the diff trial does not show them (named in the logs).
    hidden_writes: Vec<&'static str>,
    /// The user it must run as, when any.
    user: Option<&'static str>,
    /// Memory it needs, in bytes; pids it needs.
    memory: Option<i64>,
    pids: Option<i64>,
    /// Either capability will do (both absent fails).
    either: Option<(&'static str, &'static str)>,
    /// An entrypoint that, started as root with SETUID and SETGID, drops to this user itself
    /// (gosu, setpriv), which then owns the main process.
    drops_to: Option<&'static str>,
}

struct Fake {
    image: Image,
    inputs: Inputs,
    batches: Vec<usize>,
}

impl Runner for Fake {
    fn run(&mut self, trials: &[Trial]) -> Vec<Outcome> {
        self.batches.push(trials.len());
        trials.iter().map(|t| self.outcome(t)).collect()
    }
}

impl Fake {
    fn new(image: Image) -> Fake {
        Fake {
            image,
            inputs: Inputs {
                candidates: DOCKER_DEFAULT_CAPS
                    .iter()
                    .filter(|c| **c != "NET_BIND_SERVICE")
                    .map(|c| (*c).to_owned())
                    .collect(),
                image_user: None,
                root_allowed: true,
                writable: vec!["/tmp".into(), "/var/tmp".into()],
                memory: Some(512 << 20),
                pids: Some(100),
            },
            batches: Vec::new(),
        }
    }

    fn outcome(&self, trial: &Trial) -> Outcome {
        let relax = &trial.relax;
        let image = &self.image;
        let mut logs = String::new();
        let mut diff = Vec::new();
        let has = |cap: &str| relax.capabilities.iter().any(|c| c == cap);
        let drops = image.drops_to.is_some()
            && relax.user.as_deref() == Some(ROOT)
            && has("SETUID")
            && has("SETGID");
        let runs_as = if drops {
            image.drops_to
        } else {
            relax.user.as_deref()
        };
        if let Some(user) = image.user
            && runs_as != Some(user)
        {
            logs.push_str("app: /data/app.db: Permission denied\n");
        }
        for cap in &image.caps {
            if !has(cap) {
                let call = match *cap {
                    "CHOWN" => "chown",
                    "SETUID" => "setuid",
                    "SETGID" => "setgid",
                    _ => "other",
                };
                logs.push_str(&format!("app: {call}: Operation not permitted\n"));
            }
        }
        if let Some((a, b)) = image.either
            && !has(a)
            && !has(b)
        {
            logs.push_str("app: cannot open: Operation not permitted (dac)\n");
        }
        let writable = |file: &str| {
            trial.writable_root
                || self
                    .inputs
                    .writable
                    .iter()
                    .any(|w| symptoms::under(file, w))
                || relax
                    .writable
                    .iter()
                    .any(|w| symptoms::under(file, &w.path))
        };
        for file in &image.writes {
            if writable(file) {
                if trial.writable_root {
                    diff.push(format!("C {}", symptoms::parent(file)));
                    diff.push(format!("A {file}"));
                }
            } else {
                logs.push_str(&format!(
                    "app: open \"{file}\" failed (30: Read-only file system)\n"
                ));
            }
        }
        for file in &image.hidden_writes {
            if !writable(file) {
                logs.push_str(&format!(
                    "app: open \"{file}\" failed (30: Read-only file system)\n"
                ));
            }
        }
        let memory = relax
            .memory
            .as_ref()
            .map(|m| m.bytes)
            .or(self.inputs.memory);
        let oom = image
            .memory
            .is_some_and(|need| memory.is_some_and(|m| m < need));
        let pids = relax.pids.or(self.inputs.pids);
        if image
            .pids
            .is_some_and(|need| pids.is_some_and(|p| p < need))
        {
            logs.push_str("sh: can't fork: Resource temporarily unavailable\n");
        }
        let passed = logs.is_empty() && !oom;
        Outcome {
            passed,
            refused: None,
            failure: if passed {
                String::new()
            } else {
                "exited with 1".into()
            },
            oom_killed: oom,
            owner: if trial.writable_root && passed && image.drops_to.is_some() {
                runs_as.map(str::to_owned)
            } else {
                None
            },
            logs,
            diff: if trial.writable_root {
                diff
            } else {
                Vec::new()
            },
        }
    }

    fn search(&mut self) -> Report {
        let inputs = self.inputs.clone();
        let mut heard = Vec::new();
        let report = search(&inputs, self, &mut |line: &str| heard.push(line.to_owned()));
        assert_eq!(heard, report.tried, "progress hears every trial");
        report
    }
}

fn found(report: &Report) -> &Relaxation {
    match &report.verdict {
        Verdict::Found(relax) => relax,
        other => panic!(
            "expected an adjustment, got {other:?}\n{}",
            report.tried.join("\n")
        ),
    }
}

fn paths(relax: &Relaxation) -> Vec<&str> {
    relax.writable.iter().map(|t| t.path.as_str()).collect()
}

#[test]
fn nothing_is_needed_when_the_profile_passes() {
    let report = Fake::new(Image::default()).search();
    assert_eq!(report.verdict, Verdict::NothingNeeded);
    assert_eq!(report.trials, 1);
}

#[test]
fn the_paths_written_and_the_capabilities_used_are_found_and_nothing_more() {
    let mut fake = Fake::new(Image {
        caps: vec!["CHOWN", "SETGID", "SETUID"],
        writes: vec!["/var/lib/nginx/body", "/run/nginx.pid", "/tmp/scratch"],
        ..Image::default()
    });
    let report = fake.search();
    let relax = found(&report);
    let mut caps = relax.capabilities.clone();
    caps.sort();
    assert_eq!(caps, ["CHOWN", "SETGID", "SETUID"]);
    assert_eq!(paths(relax), ["/run", "/var/lib/nginx"]);
    assert_eq!(relax.user, None);
    assert!(report.trials < 40, "{} trials", report.trials);
    // The minimality check runs as one batch.
    assert!(fake.batches.iter().any(|n| *n > 1));
}

#[test]
fn each_element_found_is_needed() {
    let image = Image {
        caps: vec!["CHOWN", "DAC_OVERRIDE"],
        writes: vec!["/var/lib/app/x", "/run/app.pid"],
        ..Image::default()
    };
    let mut fake = Fake::new(image.clone());
    let relax = found(&fake.search()).clone();
    let checker = Fake::new(image);
    let pass = |relax: &Relaxation| {
        checker
            .outcome(&Trial {
                relax: relax.clone(),
                writable_root: false,
            })
            .passed
    };
    assert!(pass(&relax));
    for element in elements(&relax) {
        assert!(
            !pass(&without(&relax, &element)),
            "{element:?} is not needed"
        );
    }
}

#[test]
fn paths_the_diff_misses_are_read_from_the_logs() {
    let report = Fake::new(Image {
        hidden_writes: vec!["/var/cache/app/index"],
        ..Image::default()
    })
    .search();
    assert_eq!(paths(found(&report)), ["/var/cache/app"]);
}

#[test]
fn either_of_two_capabilities_is_enough_and_one_is_kept() {
    let report = Fake::new(Image {
        either: Some(("DAC_OVERRIDE", "FOWNER")),
        ..Image::default()
    })
    .search();
    let relax = found(&report);
    assert_eq!(relax.capabilities.len(), 1, "{relax:?}");
    assert!(["DAC_OVERRIDE", "FOWNER"].contains(&relax.capabilities[0].as_str()));
}

#[test]
fn the_image_user_comes_before_root() {
    let mut fake = Fake::new(Image {
        user: Some("999:999"),
        ..Image::default()
    });
    fake.inputs.image_user = Some("999:999".into());
    let relax = found(&fake.search()).clone();
    assert_eq!(relax.user.as_deref(), Some("999:999"));
    assert!(!runs_as_root(&relax));
}

#[test]
fn root_is_the_last_resort_and_said() {
    let report = Fake::new(Image {
        user: Some(ROOT),
        ..Image::default()
    })
    .search();
    let relax = found(&report);
    assert_eq!(relax.user.as_deref(), Some(ROOT));
    assert!(runs_as_root(relax));
}

#[test]
fn an_oom_kill_raises_memory_and_a_failed_fork_raises_pids() {
    let report = Fake::new(Image {
        memory: Some(1 << 30),
        pids: Some(300),
        ..Image::default()
    })
    .search();
    let relax = found(&report);
    assert_eq!(relax.memory.as_ref().map(|m| m.bytes), Some(1 << 30));
    assert_eq!(relax.pids, Some(400));
    assert!(relax.capabilities.is_empty());
}

#[test]
fn fit_gives_up_when_root_is_denied_and_nothing_else_passes() {
    let mut fake = Fake::new(Image {
        user: Some(ROOT),
        ..Image::default()
    });
    fake.inputs.root_allowed = false;
    let report = fake.search();
    match &report.verdict {
        Verdict::GaveUp(why) => {
            assert!(why.contains("writable root"), "{why}");
            assert!(why.contains("Permission denied"), "{why}");
        }
        other => panic!("expected to give up, got {other:?}"),
    }
}

#[test]
fn fit_gives_up_when_a_needed_capability_is_not_a_candidate() {
    let mut fake = Fake::new(Image {
        caps: vec!["SYS_ADMIN"],
        ..Image::default()
    });
    fake.inputs.root_allowed = false;
    assert!(matches!(fake.search().verdict, Verdict::GaveUp(_)));
}

#[test]
fn a_refused_candidate_is_reported_and_the_next_user_tried() {
    struct Refusing(Fake);
    impl Runner for Refusing {
        fn run(&mut self, trials: &[Trial]) -> Vec<Outcome> {
            trials
                .iter()
                .map(|t| {
                    if t.relax.user.as_deref() == Some(ROOT) {
                        Outcome {
                            refused: Some("non-root-user denies root".into()),
                            ..Outcome::default()
                        }
                    } else {
                        self.0.outcome(t)
                    }
                })
                .collect()
        }
    }
    let fake = Fake::new(Image {
        user: Some(ROOT),
        ..Image::default()
    });
    let inputs = fake.inputs.clone();
    let report = search(&inputs, &mut Refusing(fake), &mut |_| {});
    assert!(matches!(report.verdict, Verdict::GaveUp(ref why) if why.contains("refused")));
    assert!(
        report
            .tried
            .iter()
            .any(|l| l.contains("refused by the profile"))
    );
}

#[test]
fn the_user_a_root_entrypoint_drops_to_is_tried_before_root() {
    // postgres's and redis's entrypoints: as root they chown and drop to their own user.
    let mut fake = Fake::new(Image {
        user: Some("999:999"),
        drops_to: Some("999:999"),
        ..Image::default()
    });
    let report = fake.search();
    let relax = found(&report);
    assert_eq!(
        relax.user.as_deref(),
        Some("999:999"),
        "{}",
        report.tried.join("\n")
    );
    assert!(relax.capabilities.is_empty(), "{relax:?}");
    assert!(
        report
            .tried
            .iter()
            .any(|t| t.contains("writable root") && t.contains("runs as 999:999")),
        "{}",
        report.tried.join("\n")
    );
}
