//! The one delivery of a `Decision`, shared by every command that hands something to docker:
//! record it in the audit trail, report it (text or JSON, `--explain`, warnings, the refusal),
//! then refuse (125), show what would run (`--dry-run`), or hand off.
//!
//! Each command supplies its `Handoff`: what it would run as it may be shown, a last check
//! before anything runs, and the handoff itself. This is an edge: it prints and starts docker
//! through the handoff.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::audit;
use crate::cli::Cli;
use crate::decision::Decision;
use crate::report::{self, Format, Shown};

/// Exit status for a refusal or a command line hardrun cannot read: docker's own "the run never
/// started".
pub const EXIT_REFUSED: u8 = 125;

/// How a command hands over what was decided.
pub trait Handoff {
    /// What would run, as it may be shown (secret values masked); asked only when shown.
    fn shown(&self, decision: &Decision) -> Result<Shown<'_>, String>;

    /// The text `--dry-run` prints on stdout: the command line, or the hardened model.
    fn dry_run_text(&self, decision: &Decision) -> Result<String, String>;

    /// A last check before anything runs, after the report (compose validates its model).
    fn check(&self, _decision: &Decision) -> Result<(), String> {
        Ok(())
    }

    /// Hands over to docker: returns only when that fails, or with docker's status when the
    /// handoff waits for it.
    fn hand_off(&self, decision: &Decision) -> Result<ExitCode, String>;
}

/// How the decision is presented: hardrun's `--format`, `--explain` and `--dry-run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presentation {
    pub format: Format,
    pub explain: bool,
    pub dry_run: bool,
}

impl Presentation {
    pub fn of(options: &Cli) -> Presentation {
        Presentation {
            format: Format::from(options.format),
            explain: options.explain,
            dry_run: options.dry_run,
        }
    }
}

/// What is left to do once the decision is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// A rule refused: nothing runs (125).
    Refuse,
    /// `--dry-run`: what would run was shown; nothing runs.
    Stop,
    /// Hand over to docker.
    HandOff,
}

/// Records, reports, and refuses or hands off.
pub fn deliver(
    options: &Cli,
    decision: &Decision,
    handoff: &dyn Handoff,
) -> Result<ExitCode, String> {
    let presentation = Presentation::of(options);
    if !presentation.dry_run {
        audit::append(&audit_event(decision, &options.allow));
    }
    let next = {
        let stdout = &mut io::stdout().lock();
        let stderr = &mut io::stderr().lock();
        let next = report(stdout, stderr, presentation, decision, handoff)?;
        let _ = stdout.flush();
        let _ = stderr.flush();
        next
    };
    match next {
        Next::Refuse => Ok(ExitCode::from(EXIT_REFUSED)),
        Next::Stop => Ok(ExitCode::SUCCESS),
        Next::HandOff => handoff.hand_off(decision),
    }
}

/// Everything `deliver` says, to the writers given: the decision as JSON (on `stdout` for a dry
/// run, else on `stderr`, with `--explain`, `--dry-run` or a refusal) or as text on `stderr`;
/// then, unless a rule refused, the handoff's last check and, for a dry run in text, what
/// would run on `stdout`. Nothing runs here but the handoff's check.
pub fn report(
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    presentation: Presentation,
    decision: &Decision,
    handoff: &dyn Handoff,
) -> Result<Next, String> {
    let Presentation {
        format,
        explain,
        dry_run,
    } = presentation;
    let refused = decision.is_refused();
    let io_error = |e: io::Error| format!("cannot write output: {e}");
    match format {
        Format::Json if dry_run || explain || refused => {
            let shown = if refused {
                None
            } else {
                Some(handoff.shown(decision)?)
            };
            let json = report::decision_json(decision, shown);
            let target: &mut dyn Write = if dry_run { stdout } else { stderr };
            writeln!(target, "{json:#}").map_err(io_error)?;
        }
        Format::Json => {}
        Format::Text => report::decision_text(stderr, decision, explain).map_err(io_error)?,
    }
    if refused {
        return Ok(Next::Refuse);
    }
    handoff.check(decision)?;
    if !dry_run {
        return Ok(Next::HandOff);
    }
    if format == Format::Text {
        let text = handoff.dry_run_text(decision)?;
        writeln!(stdout, "{}", text.trim_end_matches('\n')).map_err(io_error)?;
    }
    Ok(Next::Stop)
}

/// The audit record's view of the decision.
fn audit_event<'a>(decision: &'a Decision, allow: &'a [String]) -> audit::Event<'a> {
    audit::Event {
        command: decision.command.clone(),
        profile: &decision.profile,
        source: &decision.source,
        allow,
        containers: decision
            .containers
            .iter()
            .map(|c| audit::Audited {
                service: c.service.as_deref(),
                image: &c.image,
                plan: &c.plan,
                waiver: c
                    .service_waiver
                    .as_ref()
                    .map(|w| (w.allow.as_slice(), w.reason.as_str())),
            })
            .collect(),
        docker_env: &decision.docker_env,
    }
}
