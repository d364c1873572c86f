//! The error type of every Warden operation.

mod status;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub(crate) use status::Limits;

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

/// What killed a call, with the budget of the monitor that fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// The [`name`](Self::name) of [`Killer::Handle`].
    pub const HANDLE_NAME: &'static str = "interrupt-handle";

    /// The name a kill is reported under (a metric label, the `monitor`
    /// field of a JavaScript error): the monitor's name, or
    /// [`HANDLE_NAME`](Self::HANDLE_NAME) for a manual kill.
    pub fn name(&self) -> &'static str {
        self.monitor_name().unwrap_or(Self::HANDLE_NAME)
    }

    /// The monitor's name, or `None` for a manual kill.
    pub fn monitor_name(&self) -> Option<&'static str> {
        match self {
            Self::Handle => None,
            Self::Monitor { name, .. } => Some(name),
        }
    }

    /// The budget of the monitor that fired, if it has one; `None` for a
    /// manual kill.
    pub fn budget(&self) -> Option<Duration> {
        match self {
            Self::Handle => None,
            Self::Monitor { budget, .. } => *budget,
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
    /// A user module name or source is unusable, or a module to remove
    /// was never added.
    #[error("invalid module: {0}")]
    InvalidModule(String),
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
    /// engine's JSON parser allows (about 11,600 levels by default, see
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
    /// Adding a handler failed in a way that poisons (its top-level code
    /// was killed, or trapped): the [`JSSandbox`](crate::JSSandbox) was
    /// returned to its state before this handler was added, and is usable.
    #[error(
        "handler {handler:?} was not added: {}; the sandbox is as it was before",
        without_poison_note(cause)
    )]
    LoadAborted {
        /// The handler being added.
        handler: String,
        /// What stopped its top-level code ([`Error::Killed`],
        /// [`Error::StackOverflow`], [`Error::GuestTrap`] or
        /// [`Error::OutOfMemory`]).
        cause: Box<Error>,
    },
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
    /// The bytes or file given as a snapshot are not one this Warden can
    /// load: not a snapshot, another format, Warden version or guest build,
    /// or damaged.
    #[error("invalid snapshot: {0}")]
    InvalidSnapshot(String),
    /// A snapshot file could not be read or written.
    #[error("cannot read or write snapshot {path}: {source}")]
    SnapshotIo {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A failure inside Warden itself (a bug, or the engine failing to
    /// start).
    #[error("internal error: {0}")]
    Internal(String),
    /// A failure of the embedder's own code, usually made with
    /// [`new_error!`](crate::new_error): a host function registered with
    /// [`ProtoJSSandbox::register_raw`](crate::ProtoJSSandbox::register_raw)
    /// or a custom monitor's `get_monitor`. Warden passes it on: a host
    /// function's error is thrown in JavaScript with this message, and a
    /// monitor's becomes [`Error::MonitorFailed`].
    #[error("{0}")]
    Host(String),
}

/// Makes an [`Error::Host`] from a message, formatted like `format!`: what
/// embedder code (host functions, custom monitors) returns to fail.
///
/// ```
/// fn check(n: i64) -> warden::Result<i64> {
///     if n < 0 {
///         return Err(warden::new_error!("{n} is negative"));
///     }
///     Ok(n)
/// }
/// assert_eq!(check(-1).unwrap_err().to_string(), "-1 is negative");
/// ```
#[macro_export]
macro_rules! new_error {
    ($($message:tt)*) => {
        $crate::Error::Host(::std::format!($($message)*))
    };
}

/// A JSON error in embedder code (a raw host function parsing its
/// arguments, say) is an [`Error::Host`] with its message, so `?` works on
/// `serde_json` results there.
impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Self::Host(error.to_string())
    }
}

/// How errors group: the one classification that front ends (the CLI's
/// exit codes, the Node.js bindings' error codes) map from. Every
/// [`Error`] has exactly one; see [`Error::category`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCategory {
    /// A setting is out of range: [`Error::InvalidConfig`].
    Config,
    /// A handler or host-function name is unusable, taken or unknown:
    /// [`Error::InvalidHandlerName`], [`Error::DuplicateHandler`],
    /// [`Error::UnknownHandler`], [`Error::InvalidHostFunction`],
    /// [`Error::InvalidModule`].
    Name,
    /// A script could not be read, compiled or evaluated:
    /// [`Error::ScriptIo`], [`Error::Compile`].
    Script,
    /// The event was refused: [`Error::InvalidEvent`],
    /// [`Error::EventTooLarge`].
    Event,
    /// The handler failed: [`Error::HandlerThrew`],
    /// [`Error::PromiseNeverSettled`].
    Handler,
    /// The handler's result was refused: [`Error::InvalidResult`],
    /// [`Error::ResultTooLarge`].
    Result,
    /// The guest ran out of memory or stack: [`Error::OutOfMemory`],
    /// [`Error::StackOverflow`].
    ResourceLimit,
    /// A monitor or an interrupt handle killed the work: [`Error::Killed`].
    Killed,
    /// The guest aborted (a trap): [`Error::GuestTrap`].
    GuestAbort,
    /// An earlier failure poisoned the sandbox: [`Error::Poisoned`].
    Poisoned,
    /// A monitor could not watch the work, which did not run:
    /// [`Error::MonitorFailed`], [`Error::MonitorRuntime`].
    Monitor,
    /// A snapshot does not fit the sandbox, or cannot be loaded:
    /// [`Error::SnapshotMismatch`], [`Error::InvalidSnapshot`],
    /// [`Error::SnapshotIo`].
    Snapshot,
    /// Warden itself failed: [`Error::Internal`].
    Internal,
    /// The embedder's own code failed: [`Error::Host`]. Warden never returns
    /// one from a call itself (see [`Error::Host`]).
    Host,
}

/// What errors that poison say at the end of their message.
const POISONED_NOTE: &str = "; the sandbox is poisoned";

/// `cause`'s message without the note that the sandbox is poisoned.
fn without_poison_note(cause: &Error) -> String {
    let message = cause.to_string();
    match message.strip_suffix(POISONED_NOTE) {
        Some(message) => message.to_owned(),
        None => message,
    }
}

impl Error {
    /// hyperlight-js's generic error constructor, `HyperlightError::Error(message)`:
    /// the same as [`Error::Host`] with `message`, so custom monitors and
    /// host functions written for it compile unchanged.
    #[allow(non_snake_case, reason = "hyperlight-js's name for it")]
    pub fn Error(message: impl Into<String>) -> Self {
        Self::Host(message.into())
    }

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

    /// The group this error belongs to. An aborted load belongs to the
    /// group of what aborted it.
    pub fn category(&self) -> ErrorCategory {
        use ErrorCategory as C;
        match self {
            Self::InvalidConfig(_) => C::Config,
            Self::InvalidHandlerName { .. }
            | Self::DuplicateHandler(_)
            | Self::UnknownHandler(_)
            | Self::InvalidHostFunction(_)
            | Self::InvalidModule(_) => C::Name,
            Self::ScriptIo { .. } | Self::Compile { .. } => C::Script,
            Self::InvalidEvent(_) | Self::EventTooLarge { .. } => C::Event,
            Self::HandlerThrew { .. } | Self::PromiseNeverSettled { .. } => C::Handler,
            Self::InvalidResult { .. } | Self::ResultTooLarge { .. } => C::Result,
            Self::OutOfMemory { .. } | Self::StackOverflow => C::ResourceLimit,
            Self::Killed(_) => C::Killed,
            Self::GuestTrap(_) => C::GuestAbort,
            Self::Poisoned => C::Poisoned,
            Self::MonitorFailed { .. } | Self::MonitorRuntime(_) => C::Monitor,
            Self::SnapshotMismatch(_) | Self::InvalidSnapshot(_) | Self::SnapshotIo { .. } => {
                C::Snapshot
            }
            Self::Internal(_) => C::Internal,
            Self::Host(_) => C::Host,
            Self::LoadAborted { cause, .. } => cause.category(),
        }
    }

    /// A short, stable name for the kind of error (used as a metric label).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidConfig(_) => "invalid_config",
            Self::InvalidHandlerName { .. } => "invalid_handler_name",
            Self::DuplicateHandler(_) => "duplicate_handler",
            Self::UnknownHandler(_) => "unknown_handler",
            Self::InvalidHostFunction(_) => "invalid_host_function",
            Self::InvalidModule(_) => "invalid_module",
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
            Self::InvalidSnapshot(_) => "invalid_snapshot",
            Self::SnapshotIo { .. } => "snapshot_io",
            Self::LoadAborted { cause, .. } => cause.kind(),
            Self::Internal(_) => "internal",
            Self::Host(_) => "host",
        }
    }

    /// What killed the call (or the load), if it was killed.
    pub fn killer(&self) -> Option<&Killer> {
        match self {
            Self::Killed(killer) => Some(killer),
            Self::LoadAborted { cause, .. } => cause.killer(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of every variant. The match below fails to compile when a
    /// variant is added and not listed here.
    fn every_variant() -> Vec<(Error, ErrorCategory)> {
        use ErrorCategory as C;
        let js = JsError::default;
        let all = vec![
            (Error::InvalidConfig("x".into()), C::Config),
            (
                Error::InvalidHandlerName {
                    name: "".into(),
                    reason: "it must not be empty",
                },
                C::Name,
            ),
            (Error::DuplicateHandler("h".into()), C::Name),
            (Error::UnknownHandler("h".into()), C::Name),
            (Error::InvalidHostFunction("x".into()), C::Name),
            (Error::InvalidModule("x".into()), C::Name),
            (
                Error::ScriptIo {
                    path: "x".into(),
                    source: std::io::Error::other("x"),
                },
                C::Script,
            ),
            (
                Error::Compile {
                    handler: "h".into(),
                    error: js(),
                },
                C::Script,
            ),
            (Error::InvalidEvent("x".into()), C::Event),
            (Error::EventTooLarge { size: 2, limit: 1 }, C::Event),
            (
                Error::HandlerThrew {
                    handler: "h".into(),
                    error: js(),
                },
                C::Handler,
            ),
            (
                Error::InvalidResult {
                    handler: "h".into(),
                    reason: "x".into(),
                },
                C::Result,
            ),
            (Error::ResultTooLarge { size: 2, limit: 1 }, C::Result),
            (
                Error::PromiseNeverSettled {
                    handler: "h".into(),
                },
                C::Handler,
            ),
            (
                Error::OutOfMemory {
                    limit: 1,
                    poisoned: false,
                },
                C::ResourceLimit,
            ),
            (Error::StackOverflow, C::ResourceLimit),
            (Error::Killed(Killer::Handle), C::Killed),
            (
                Error::LoadAborted {
                    handler: "h".into(),
                    cause: Box::new(Error::Killed(Killer::Handle)),
                },
                C::Killed,
            ),
            (Error::Poisoned, C::Poisoned),
            (Error::GuestTrap("x".into()), C::GuestAbort),
            (
                Error::MonitorFailed {
                    name: "m",
                    reason: "x".into(),
                },
                C::Monitor,
            ),
            (Error::MonitorRuntime("x".into()), C::Monitor),
            (Error::SnapshotMismatch("x".into()), C::Snapshot),
            (Error::InvalidSnapshot("x".into()), C::Snapshot),
            (
                Error::SnapshotIo {
                    path: "s".into(),
                    source: std::io::Error::other("x"),
                },
                C::Snapshot,
            ),
            (Error::Internal("x".into()), C::Internal),
            (Error::Host("x".into()), C::Host),
        ];
        for (error, _) in &all {
            match error {
                Error::InvalidConfig(_)
                | Error::InvalidHandlerName { .. }
                | Error::DuplicateHandler(_)
                | Error::UnknownHandler(_)
                | Error::InvalidHostFunction(_)
                | Error::InvalidModule(_)
                | Error::ScriptIo { .. }
                | Error::Compile { .. }
                | Error::InvalidEvent(_)
                | Error::EventTooLarge { .. }
                | Error::HandlerThrew { .. }
                | Error::InvalidResult { .. }
                | Error::ResultTooLarge { .. }
                | Error::PromiseNeverSettled { .. }
                | Error::OutOfMemory { .. }
                | Error::StackOverflow
                | Error::Killed(_)
                | Error::LoadAborted { .. }
                | Error::Poisoned
                | Error::GuestTrap(_)
                | Error::MonitorFailed { .. }
                | Error::MonitorRuntime(_)
                | Error::SnapshotMismatch(_)
                | Error::InvalidSnapshot(_)
                | Error::SnapshotIo { .. }
                | Error::Internal(_)
                | Error::Host(_) => {}
            }
        }
        all
    }

    #[test]
    fn every_variant_has_its_category_and_a_kind() {
        let all = every_variant();
        let kinds: std::collections::BTreeSet<_> = all.iter().map(|(e, _)| e.kind()).collect();
        // Every variant but the aborted load (which takes its cause's kind)
        // has a kind of its own.
        assert_eq!(kinds.len(), all.len() - 1);
        for (error, category) in all {
            assert_eq!(error.category(), category, "{error}");
        }
    }

    #[test]
    fn errors_that_poison_say_so_and_a_load_aborted_says_it_did_not() {
        let poisoning = [
            Error::Killed(Killer::Handle),
            Error::StackOverflow,
            Error::GuestTrap("unreachable".into()),
            Error::OutOfMemory {
                limit: 1,
                poisoned: true,
            },
        ];
        for cause in poisoning {
            assert!(cause.poisons(), "{cause}");
            assert!(cause.to_string().ends_with(POISONED_NOTE), "{cause}");
            let kind = cause.kind();
            let aborted = Error::LoadAborted {
                handler: "h".into(),
                cause: Box::new(cause),
            };
            assert!(!aborted.poisons());
            assert_eq!(aborted.kind(), kind);
            let message = aborted.to_string();
            assert!(!message.contains("poisoned"), "{message}");
            assert!(
                message.ends_with("; the sandbox is as it was before"),
                "{message}"
            );
        }
    }
}
