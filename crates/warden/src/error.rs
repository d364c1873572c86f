//! The error type of every Warden operation.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A JavaScript exception raised inside the sandbox. Its `name`, `message`
/// and `stack` each hold at most [`MAX_ERROR_TEXT`](crate::MAX_ERROR_TEXT)
/// bytes: longer text is cut, ending with `… [cut from N bytes]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsError {
    /// The error's `name` (`TypeError`, `SyntaxError`, ...); empty when the
    /// script threw something that is not an `Error`.
    pub name: String,
    /// The error's `message`, or the string form of a thrown non-error.
    pub message: String,
    /// The JavaScript stack trace, when there is one.
    pub stack: Option<String>,
    /// 1-based line in the handler source (syntax errors).
    pub line: Option<u32>,
    /// 1-based column in the handler source (syntax errors).
    pub column: Option<u32>,
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{}: {}", self.name, self.message)?;
        }
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " (line {line}, column {column})")?;
        }
        Ok(())
    }
}

impl From<warden_abi::ErrorInfo> for JsError {
    fn from(info: warden_abi::ErrorInfo) -> Self {
        Self {
            name: info.name,
            message: info.message,
            stack: info.stack,
            line: info.line,
            column: info.column,
        }
    }
}

/// What killed a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Killer {
    /// [`InterruptHandle::kill`](crate::InterruptHandle::kill) was called.
    Handle,
    /// An execution monitor fired.
    Monitor {
        /// The monitor's [`name`](crate::ExecutionMonitor::name).
        name: &'static str,
        /// The monitor's [`budget`](crate::ExecutionMonitor::budget), if it
        /// has one.
        budget: Option<Duration>,
    },
}

impl Killer {
    /// The monitor's name, or `None` for a manual kill.
    pub fn monitor_name(&self) -> Option<&'static str> {
        match self {
            Self::Handle => None,
            Self::Monitor { name, .. } => Some(name),
        }
    }
}

impl fmt::Display for Killer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Handle => write!(f, "by InterruptHandle::kill"),
            Self::Monitor { name, budget: None } => write!(f, "by the {name} monitor"),
            Self::Monitor {
                name,
                budget: Some(budget),
            } => write!(f, "by the {name} monitor (budget {budget:?})"),
        }
    }
}

/// Everything that can go wrong, one variant per cause.
///
/// Errors that leave the guest in an unknown state ([`Killed`],
/// [`StackOverflow`], [`OutOfMemory`] when it traps, [`GuestTrap`]) poison
/// the sandbox: see [`Error::poisons`]. All other errors leave it usable.
///
/// [`Killed`]: Error::Killed
/// [`StackOverflow`]: Error::StackOverflow
/// [`OutOfMemory`]: Error::OutOfMemory
/// [`GuestTrap`]: Error::GuestTrap
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A builder setting is out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A handler name is empty, too long, or otherwise unusable.
    #[error("invalid handler name {name:?}: {reason}")]
    InvalidHandlerName {
        /// The rejected name.
        name: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A handler with this name is already registered.
    #[error("a handler named {0:?} is already registered")]
    DuplicateHandler(String),
    /// No handler has this name.
    #[error("no handler named {0:?}")]
    UnknownHandler(String),
    /// A host module or function name is unusable, or registered twice.
    #[error("invalid host function: {0}")]
    InvalidHostFunction(String),
    /// A script file could not be read.
    #[error("cannot read script {path}: {source}")]
    ScriptIo {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The handler source does not compile, throws while it is evaluated,
    /// or defines no `handler` function.
    #[error("handler {handler:?} failed to load: {error}")]
    Compile {
        /// The handler being added.
        handler: String,
        /// The exception.
        error: JsError,
    },
    /// The event is not valid JSON, or is nested more deeply than the
    /// engine's JSON parser allows (about 12,000 levels by default, see
    /// [`SandboxBuilder::max_wasm_stack`](crate::SandboxBuilder::max_wasm_stack)).
    #[error("invalid event: {0}")]
    InvalidEvent(String),
    /// The event is larger than the configured maximum.
    #[error("the event is {size} bytes, over the limit of {limit}")]
    EventTooLarge {
        /// Size of the event.
        size: usize,
        /// The configured maximum.
        limit: usize,
    },
    /// The handler threw, or its promise rejected.
    #[error("handler {handler:?} threw {error}")]
    HandlerThrew {
        /// The handler called.
        handler: String,
        /// The exception.
        error: JsError,
    },
    /// The handler's result has no JSON form (undefined, a function, a
    /// cycle, a BigInt, a throwing `toJSON`...).
    #[error("handler {handler:?} returned a result that is not JSON: {reason}")]
    InvalidResult {
        /// The handler called.
        handler: String,
        /// What the serializer said.
        reason: String,
    },
    /// The result is larger than the configured maximum.
    #[error("the result is {size} bytes, over the limit of {limit}")]
    ResultTooLarge {
        /// Size of the result.
        size: usize,
        /// The configured maximum.
        limit: usize,
    },
    /// The handler returned a promise that is still pending with no work
    /// left that could settle it.
    #[error("handler {handler:?} returned a promise that can never settle")]
    PromiseNeverSettled {
        /// The handler called.
        handler: String,
    },
    /// The guest ran out of memory. When the engine could report it as a
    /// JavaScript error the sandbox stays usable; when the guest trapped it
    /// is poisoned (`poisoned` tells which).
    #[error("the guest ran out of memory (limit {limit} bytes){}", if *.poisoned { "; the sandbox is poisoned" } else { "" })]
    OutOfMemory {
        /// The configured guest memory limit.
        limit: usize,
        /// Whether the sandbox was poisoned.
        poisoned: bool,
    },
    /// The guest overflowed its stack (deep or unbounded recursion). The
    /// sandbox is poisoned.
    #[error(
        "the guest overflowed its stack (deep or unbounded recursion); the sandbox is poisoned"
    )]
    StackOverflow,
    /// The call was killed. The sandbox is poisoned.
    #[error("the call was killed {0}; the sandbox is poisoned")]
    Killed(Killer),
    /// An earlier call was killed or trapped; restore a snapshot or unload.
    #[error("the sandbox is poisoned by an earlier killed or trapped call; restore a snapshot or unload it")]
    Poisoned,
    /// The guest trapped for another reason. The sandbox is poisoned.
    #[error("the guest trapped: {0}; the sandbox is poisoned")]
    GuestTrap(String),
    /// An execution monitor could not start, so the handler was not run.
    #[error("the {name} monitor failed to start, so the handler was not run: {reason}")]
    MonitorFailed {
        /// The monitor's name.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// The shared monitor runtime could not be created.
    #[error("the monitor runtime is unavailable, so the handler was not run: {0}")]
    MonitorRuntime(String),
    /// The snapshot was taken from a sandbox with a different configuration.
    #[error("the snapshot does not fit this sandbox: {0}")]
    SnapshotMismatch(String),
    /// A failure inside Warden itself (a bug, or the engine failing to
    /// start).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Whether this error left the sandbox poisoned.
    pub fn poisons(&self) -> bool {
        matches!(
            self,
            Self::Killed(_)
                | Self::StackOverflow
                | Self::GuestTrap(_)
                | Self::OutOfMemory { poisoned: true, .. }
        )
    }

    /// A short, stable name for the kind of error (used as a metric label).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidConfig(_) => "invalid_config",
            Self::InvalidHandlerName { .. } => "invalid_handler_name",
            Self::DuplicateHandler(_) => "duplicate_handler",
            Self::UnknownHandler(_) => "unknown_handler",
            Self::InvalidHostFunction(_) => "invalid_host_function",
            Self::ScriptIo { .. } => "script_io",
            Self::Compile { .. } => "compile",
            Self::InvalidEvent(_) => "invalid_event",
            Self::EventTooLarge { .. } => "event_too_large",
            Self::HandlerThrew { .. } => "handler_threw",
            Self::InvalidResult { .. } => "invalid_result",
            Self::ResultTooLarge { .. } => "result_too_large",
            Self::PromiseNeverSettled { .. } => "promise_never_settled",
            Self::OutOfMemory { .. } => "out_of_memory",
            Self::StackOverflow => "stack_overflow",
            Self::Killed(_) => "killed",
            Self::Poisoned => "poisoned",
            Self::GuestTrap(_) => "guest_trap",
            Self::MonitorFailed { .. } => "monitor_failed",
            Self::MonitorRuntime(_) => "monitor_runtime",
            Self::SnapshotMismatch(_) => "snapshot_mismatch",
            Self::Internal(_) => "internal",
        }
    }

    /// What killed the call, if it was killed.
    pub fn killer(&self) -> Option<&Killer> {
        match self {
            Self::Killed(killer) => Some(killer),
            _ => None,
        }
    }
}
