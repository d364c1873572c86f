//! `warden run`.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use warden::monitor::{Budget, MAX_BUDGET};
use warden::{DirectoryModules, Error, SandboxBuilder, Script, DEFAULT_MAX_EVENT_SIZE};

use crate::exit;
use crate::terminal::{guest_lines, printable};

/// Arguments of `warden run`.
#[derive(Args)]
pub(crate) struct RunArgs {
    /// The handler script: defines `function handler(event)` or exports
    /// `handler`.
    script: PathBuf,
    /// The name the handler is registered and reported under.
    #[arg(long, default_value = "handler")]
    handler: String,
    /// The event, as JSON text. Without --event or --event-file the event
    /// is read from stdin (or is `{}` when stdin is a terminal). At most
    /// 1 MiB.
    #[arg(long, conflicts_with = "event_file")]
    event: Option<String>,
    /// A file holding the event JSON.
    #[arg(long)]
    event_file: Option<PathBuf>,
    /// A directory whose files the script may import (`import "./lib.js"`
    /// reads `<DIR>/lib.js`); relative imports of the script start from
    /// it. Nothing outside it is read. Without it, the script may import
    /// host modules only.
    #[arg(long, value_name = "DIR")]
    modules: Option<PathBuf>,
    /// Let the handler `fetch` from this origin (e.g.
    /// `https://api.example.com`, matched exactly; repeatable). Without
    /// it, every fetch fails with a `TypeError`. A name that resolves to a
    /// loopback or private address is refused: give the address itself.
    #[arg(long = "allow-fetch", value_name = "ORIGIN")]
    allow_fetch: Vec<String>,
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
    match execute(&args) {
        Ok(result) => {
            let mut stdout = std::io::stdout().lock();
            match writeln!(stdout, "{result}").and_then(|()| stdout.flush()) {
                Ok(()) => ExitCode::from(exit::SUCCESS),
                Err(e) => {
                    report(&format!("cannot write the result to stdout: {e}"));
                    ExitCode::from(exit::OUTPUT)
                }
            }
        }
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
    let script = Script::from_file(&args.script)?;
    let event = read_event(args)?;
    let mut builder = SandboxBuilder::new()
        // The event is known: the sandbox needs room for it only.
        .max_event_size(event.len().max(1))
        .print_fn(|level, line| {
            let mut stderr = std::io::stderr().lock();
            for line in guest_lines(line) {
                let _ = writeln!(stderr, "[console.{}] {line}", level.as_str());
            }
        });
    if let Some(limit) = args.memory_limit {
        builder = builder.guest_memory_limit(limit);
    }
    builder = builder.allow_fetch(&args.allow_fetch);
    let mut proto = builder.build()?;
    if let Some(directory) = &args.modules {
        proto = proto.set_module_loader(DirectoryModules::new(directory)?)?;
    }
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
    let rest = Budget::new(wall_left, cpu_left)?;
    let mut loaded = sandbox.get_loaded_sandbox()?;
    loaded
        .handle_event_with_monitor(&args.handler, &event, &rest, None)
        .map_err(|error| whole_run(args, error, "calling the handler"))
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
    fn budget(self, args: &RunArgs) -> Option<Duration> {
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
fn whole_run(args: &RunArgs, error: Error, phase: &str) -> Failure {
    let limit = error
        .killer()
        .and_then(|killer| killer.monitor_name())
        .and_then(Limit::kept_by);
    match limit {
        Some(limit) => spent_budget(args, limit, phase),
        None => error.into(),
    }
}

fn spent_budget(args: &RunArgs, limit: Limit, phase: &str) -> Failure {
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
