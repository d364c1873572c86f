//! `warden run`.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use warden::{CpuTimeMonitor, Error, SandboxBuilder, Script, WallClockMonitor};

use crate::exit;

/// Arguments of `warden run`.
#[derive(Args)]
pub struct RunArgs {
    /// The handler script: defines `function handler(event)` or exports
    /// `handler`.
    script: PathBuf,
    /// The name the handler is registered and reported under.
    #[arg(long, default_value = "handler")]
    handler: String,
    /// The event, as JSON text. Without --event or --event-file the event
    /// is read from stdin (or is `{}` when stdin is a terminal).
    #[arg(long, conflicts_with = "event_file")]
    event: Option<String>,
    /// A file holding the event JSON.
    #[arg(long)]
    event_file: Option<PathBuf>,
    /// Guest memory limit in bytes.
    #[arg(long, value_name = "BYTES")]
    memory_limit: Option<usize>,
    /// Kill the handler after this much real time (e.g. `5s`, `250ms`).
    #[arg(long, value_name = "DURATION", value_parser = parse_budget)]
    wall_clock: Option<Duration>,
    /// Kill the handler after this much CPU time (e.g. `100ms`).
    #[arg(long, value_name = "DURATION", value_parser = parse_budget)]
    cpu_time: Option<Duration>,
}

fn parse_budget(text: &str) -> Result<Duration, String> {
    let budget = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if budget.is_zero() {
        return Err("the budget must be longer than zero".into());
    }
    Ok(budget)
}

/// Runs the handler and prints the outcome; returns the exit code.
pub fn run(args: RunArgs) -> ExitCode {
    match execute(&args) {
        Ok(result) => {
            println!("{result}");
            ExitCode::from(exit::SUCCESS)
        }
        Err(failure) => {
            eprintln!("warden: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
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
    let mut builder = SandboxBuilder::new().print_fn(|level, line| {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "[console.{}] {line}", level.as_str());
    });
    if let Some(limit) = args.memory_limit {
        builder = builder.guest_memory_limit(limit);
    }
    let mut sandbox = builder.build()?.load_runtime()?;
    sandbox.add_handler(&args.handler, script)?;
    let mut loaded = sandbox.get_loaded_sandbox()?;
    let (name, event) = (args.handler.as_str(), event.as_str());
    let result = match (args.wall_clock, args.cpu_time) {
        (None, None) => loaded.handle_event(name, event, None),
        (Some(wall), None) => {
            loaded.handle_event_with_monitor(name, event, &WallClockMonitor::new(wall)?, None)
        }
        (None, Some(cpu)) => {
            loaded.handle_event_with_monitor(name, event, &CpuTimeMonitor::new(cpu)?, None)
        }
        (Some(wall), Some(cpu)) => {
            let monitors = (WallClockMonitor::new(wall)?, CpuTimeMonitor::new(cpu)?);
            loaded.handle_event_with_monitor(name, event, &monitors, None)
        }
    };
    Ok(result?)
}

fn read_event(args: &RunArgs) -> Result<String, Failure> {
    let unreadable = |what: String, e: std::io::Error| Failure {
        message: format!("cannot read the event from {what}: {e}"),
        code: exit::EVENT,
    };
    if let Some(event) = &args.event {
        return Ok(event.clone());
    }
    if let Some(path) = &args.event_file {
        return std::fs::read_to_string(path)
            .map_err(|e| unreadable(path.display().to_string(), e));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok("{}".to_owned());
    }
    let mut event = String::new();
    stdin
        .lock()
        .read_to_string(&mut event)
        .map_err(|e| unreadable("stdin".into(), e))?;
    Ok(event)
}
