//! `warden run`.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use warden::monitor::{Budget, MAX_BUDGET};
use warden::{
    DirectoryModules, Error, JSSandbox, ProtoJSSandbox, SandboxBuilder, Script,
    DEFAULT_MAX_EVENT_SIZE,
};

use crate::exit;
use crate::terminal::{guest_lines, printable};

/// Arguments of `warden run`.
#[derive(Args)]
pub(crate) struct RunArgs {
    /// The handler script: defines `function handler(event)` or exports
    /// `handler`.
    #[arg(required_unless_present = "snapshot", conflicts_with = "snapshot")]
    script: Option<PathBuf>,
    /// Start from this snapshot file (made by `warden snapshot`) instead of
    /// a script: its handlers are loaded and its state is as it was.
    /// `--memory-limit` must be what it was made with.
    #[arg(long, value_name = "FILE")]
    snapshot: Option<PathBuf>,
    /// The event, as JSON text. Without --event or --event-file the event
    /// is read from stdin (or is `{}` when stdin is a terminal). At most
    /// 1 MiB.
    #[arg(long, conflicts_with = "event_file")]
    event: Option<String>,
    /// A file holding the event JSON.
    #[arg(long)]
    event_file: Option<PathBuf>,
    /// Let the handler `fetch` from this origin (e.g.
    /// `https://api.example.com`, matched exactly; repeatable). Without
    /// it, every fetch fails with a `TypeError`. A name that resolves to a
    /// loopback or private address is refused: give the address itself.
    #[arg(long = "allow-fetch", value_name = "ORIGIN")]
    allow_fetch: Vec<String>,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

/// Arguments of `warden snapshot`.
#[derive(Args)]
pub(crate) struct SnapshotArgs {
    /// The handler script: defines `function handler(event)` or exports
    /// `handler`.
    script: PathBuf,
    /// Where to write the snapshot of the sandbox with the script loaded.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

/// What `warden run` and `warden snapshot` share.
#[derive(Args)]
pub(crate) struct SandboxArgs {
    /// The name the handler is registered and reported under.
    #[arg(long, default_value = "handler")]
    handler: String,
    /// A directory whose files the script may import (`import "./lib.js"`
    /// reads `<DIR>/lib.js`); relative imports of the script start from
    /// it. Nothing outside it is read. Without it, the script may import
    /// host modules only.
    #[arg(long, value_name = "DIR")]
    modules: Option<PathBuf>,
    /// Guest memory limit in bytes.
    #[arg(long, value_name = "BYTES")]
    memory_limit: Option<usize>,
    /// Kill the run after this much real time (e.g. `5s`, `250ms`), loading
    /// the script and calling the handler together.
    #[arg(long, value_name = "DURATION", value_parser = parse_budget)]
    wall_clock: Option<Duration>,
    /// Kill the run after this much CPU time of the guest (e.g. `100ms`),
    /// loading the script and calling the handler together.
    #[arg(long, value_name = "DURATION", value_parser = parse_budget)]
    cpu_time: Option<Duration>,
}

fn parse_budget(text: &str) -> Result<Duration, String> {
    let budget = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if budget.is_zero() {
        return Err("the budget must be longer than zero".into());
    }
    if budget > MAX_BUDGET {
        return Err("the budget must be at most 366 days".into());
    }
    Ok(budget)
}

/// Runs the handler and prints the outcome; returns the exit code.
pub(crate) fn run(args: RunArgs) -> ExitCode {
    finish(execute(&args).and_then(|result| {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{result}")
            .and_then(|()| stdout.flush())
            .map_err(|e| Failure {
                message: format!("cannot write the result to stdout: {e}"),
                code: exit::OUTPUT,
            })
    }))
}

/// Loads the script and saves a snapshot of the sandbox; returns the exit
/// code.
pub(crate) fn snapshot(args: SnapshotArgs) -> ExitCode {
    finish((|| {
        let script = Script::from_file(&args.script)?;
        let proto = proto(&args.sandbox, None, &[])?;
        let (sandbox, _) = load(&args.sandbox, proto, script)?;
        let mut loaded = sandbox.get_loaded_sandbox()?;
        loaded.snapshot()?.save(&args.output)?;
        Ok(())
    })())
}

/// The exit code of an outcome, its failure reported.
fn finish(outcome: Result<(), Failure>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::from(exit::SUCCESS),
        Err(failure) => {
            report(&failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// Writes `warden: <message>` to stderr, with the guest's text in it made
/// harmless. A failure to write is ignored: there is nowhere left to say it.
fn report(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "warden: {}", printable(message));
}

/// A failure, with its message and exit code.
struct Failure {
    message: String,
    code: u8,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let mut message = error.to_string();
        if let Error::HandlerThrew { error: js, .. } = &error {
            if let Some(stack) = &js.stack {
                message = format!("{message}\n{}", stack.trim_end());
            }
        }
        Self {
            code: exit::code(&error),
            message,
        }
    }
}

fn execute(args: &RunArgs) -> Result<String, Failure> {
    let event = read_event(args)?;
    let sandbox = &args.sandbox;
    let (mut loaded, rest) = match (&args.script, &args.snapshot) {
        (None, None) => {
            return Err(Failure {
                message: "give a script or --snapshot FILE".into(),
                code: exit::USAGE,
            })
        }
        (_, Some(path)) => {
            // A snapshot fits sandboxes with the settings it was made with:
            // the default event size, as `warden snapshot` uses.
            let loaded = proto(sandbox, None, &args.allow_fetch)?.load_snapshot_file(path)?;
            (loaded, Budget::new(sandbox.wall_clock, sandbox.cpu_time)?)
        }
        (Some(script), None) => {
            let script = Script::from_file(script)?;
            // The event is known: the sandbox needs room for it only.
            let proto = proto(sandbox, Some(event.len().max(1)), &args.allow_fetch)?;
            let (sandbox, rest) = load(sandbox, proto, script)?;
            (sandbox.get_loaded_sandbox()?, rest)
        }
    };
    loaded
        .handle_event_with_monitor(&sandbox.handler, &event, &rest, None)
        .map_err(|error| whole_run(sandbox, error, "calling the handler"))
}

/// A sandbox with the command line's settings, for events of at most
/// `max_event_size` bytes (by default, the library's default).
fn proto(
    args: &SandboxArgs,
    max_event_size: Option<usize>,
    allow_fetch: &[String],
) -> Result<ProtoJSSandbox, Failure> {
    let mut builder = SandboxBuilder::new().print_fn(|level, line| {
        let mut stderr = std::io::stderr().lock();
        for line in guest_lines(line) {
            let _ = writeln!(stderr, "[console.{}] {line}", level.as_str());
        }
    });
    if let Some(size) = max_event_size {
        builder = builder.max_event_size(size);
    }
    if let Some(limit) = args.memory_limit {
        builder = builder.guest_memory_limit(limit);
    }
    let mut proto = builder.allow_fetch(allow_fetch).build()?;
    if let Some(directory) = &args.modules {
        proto = proto.set_module_loader(DirectoryModules::new(directory)?)?;
    }
    Ok(proto)
}

/// Loads `script` into `proto`'s runtime, under the run's budget;
/// returns the sandbox and what is left of the budget for the call.
fn load(
    args: &SandboxArgs,
    proto: ProtoJSSandbox,
    script: Script,
) -> Result<(JSSandbox, Budget), Failure> {
    let mut sandbox = proto.load_runtime()?;
    // One budget for the whole run: what loading spends, calling cannot.
    let start = Instant::now();
    let budget = Budget::new(args.wall_clock, args.cpu_time)?;
    sandbox
        .add_handler_with_monitor(&args.handler, script, &budget)
        .map_err(|error| whole_run(args, error, "loading the script"))?;
    let spent = sandbox
        .last_load_stats()
        .and_then(|stats| stats.guest_cpu_time)
        .unwrap_or_default();
    let wall_left = args.wall_clock.map(|b| b.saturating_sub(start.elapsed()));
    let cpu_left = args.cpu_time.map(|b| b.saturating_sub(spent));
    let spent_by = [(Limit::WallClock, wall_left), (Limit::CpuTime, cpu_left)]
        .into_iter()
        .find(|(_, left)| *left == Some(Duration::ZERO));
    if let Some((limit, _)) = spent_by {
        return Err(spent_budget(args, limit, "loading the script"));
    }
    Ok((sandbox, Budget::new(wall_left, cpu_left)?))
}

/// The two limits of a run, each kept by a monitor.
#[derive(Clone, Copy)]
enum Limit {
    WallClock,
    CpuTime,
}

impl Limit {
    /// The name of the monitor that keeps it, as its kills name it.
    fn monitor(self) -> &'static str {
        match self {
            Self::WallClock => "wall-clock",
            Self::CpuTime => "cpu-time",
        }
    }

    /// The budget the user gave for it.
    fn budget(self, args: &SandboxArgs) -> Option<Duration> {
        match self {
            Self::WallClock => args.wall_clock,
            Self::CpuTime => args.cpu_time,
        }
    }

    /// The limit kept by the monitor named `monitor`, if it is one of a
    /// run's.
    fn kept_by(monitor: &str) -> Option<Self> {
        [Self::WallClock, Self::CpuTime]
            .into_iter()
            .find(|limit| limit.monitor() == monitor)
    }
}

/// A kill reported against the budget of the whole run, which the user
/// gave; other failures as they are.
fn whole_run(args: &SandboxArgs, error: Error, phase: &str) -> Failure {
    let limit = error
        .killer()
        .and_then(|killer| killer.monitor_name())
        .and_then(Limit::kept_by);
    match limit {
        Some(limit) => spent_budget(args, limit, phase),
        None => error.into(),
    }
}

fn spent_budget(args: &SandboxArgs, limit: Limit, phase: &str) -> Failure {
    let monitor = limit.monitor();
    let budget = limit
        .budget(args)
        .map_or_else(String::new, |b| format!(" (budget {b:?})"));
    Failure {
        message: format!(
            "the run was killed by the {monitor} monitor{budget} while {phase}: \
             the budget covers loading the script and calling the handler"
        ),
        code: exit::KILLED,
    }
}

/// Reads the event, at most [`DEFAULT_MAX_EVENT_SIZE`] bytes: a larger one
/// is refused after one byte more has been read.
fn read_event(args: &RunArgs) -> Result<String, Failure> {
    let limit = DEFAULT_MAX_EVENT_SIZE;
    let unreadable = |what: &str, e: std::io::Error| Failure {
        message: format!("cannot read the event from {what}: {e}"),
        code: exit::EVENT,
    };
    if let Some(event) = &args.event {
        if event.len() > limit {
            return Err(Error::EventTooLarge {
                size: event.len(),
                limit,
            }
            .into());
        }
        return Ok(event.clone());
    }
    let (what, bytes) = match &args.event_file {
        Some(path) => {
            let what = path.display().to_string();
            let file = std::fs::File::open(path).map_err(|e| unreadable(&what, e))?;
            let bytes = read_at_most(file, limit).map_err(|e| unreadable(&what, e))?;
            (what, bytes)
        }
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Ok("{}".to_owned());
            }
            let bytes = read_at_most(stdin.lock(), limit).map_err(|e| unreadable("stdin", e))?;
            ("stdin".to_owned(), bytes)
        }
    };
    let Some(bytes) = bytes else {
        return Err(Failure {
            message: format!(
                "the event from {what} is over the limit of {limit} bytes \
                 (reading stopped after {} bytes)",
                limit + 1
            ),
            code: exit::EVENT,
        });
    };
    String::from_utf8(bytes).map_err(|e| Failure {
        message: format!(
            "the event from {what} is not UTF-8 (at byte {})",
            e.utf8_error().valid_up_to()
        ),
        code: exit::EVENT,
    })
}

/// Everything `reader` holds when that is at most `limit` bytes, else
/// `None`, having read `limit + 1` bytes.
fn read_at_most(reader: impl Read, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= limit).then_some(bytes))
}
