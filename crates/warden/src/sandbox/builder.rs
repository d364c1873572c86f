//! [`SandboxBuilder`]: the limits and hooks of a sandbox.

use std::fmt;
use std::sync::Arc;

use warden_abi::LogLevel;

use super::config::SandboxConfig;
use super::proto::ProtoJSSandbox;
use crate::engine::SharedEngine;
use crate::error::Result;

/// Configures and creates sandboxes.
///
/// ```
/// # fn main() -> warden::Result<()> {
/// use warden::{SandboxBuilder, Script};
///
/// let proto = SandboxBuilder::new()
///     .guest_memory_limit(32 * 1024 * 1024)
///     .max_event_size(256 * 1024)
///     .print_fn(|level, line| eprintln!("[{}] {line}", level.as_str()))
///     .build()?;
/// let mut sandbox = proto.load_runtime()?;
/// sandbox.add_handler("double", Script::from_content("function handler(e) { return e * 2 }"))?;
/// let mut loaded = sandbox.get_loaded_sandbox()?;
/// assert_eq!(loaded.handle_event("double", "21", None)?, "42");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SandboxBuilder {
    config: SandboxConfig,
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("guest_memory_limit", &self.config.memory_limit)
            .field("max_wasm_stack", &self.config.max_wasm_stack)
            .field("max_event_size", &self.config.max_event_size)
            .field("max_result_size", &self.config.max_result_size)
            .finish_non_exhaustive()
    }
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SandboxBuilder {
    /// A builder with the default limits; guest console output goes to
    /// `tracing` events with target `warden::guest`.
    pub fn new() -> Self {
        Self {
            config: SandboxConfig::default(),
        }
    }

    /// The most linear memory the guest may use, in bytes. The host never
    /// lets the guest grow past it; the JavaScript heap gets what remains
    /// after the runtime's needs, and exhausting it is a catchable
    /// `InternalError` in JavaScript.
    pub fn guest_memory_limit(mut self, bytes: usize) -> Self {
        self.config.memory_limit = bytes;
        self
    }

    /// The native stack a guest call may use, in bytes: 1 MiB to 256 MiB,
    /// default [`DEFAULT_MAX_WASM_STACK`](crate::DEFAULT_MAX_WASM_STACK)
    /// (64 MiB). It is address space, not memory: calls run on a stack
    /// segment of their own (one per calling thread, reused), whose pages
    /// become resident only as deep calls touch them, so the calling
    /// thread's own stack size does not matter.
    ///
    /// It also sets how deep JavaScript may recurse: the engine's own stack
    /// limit is a sixth of it (at most 15 MiB), so recursion past it is
    /// a catchable `RangeError: Maximum call stack size exceeded` rather
    /// than an overflow of the native stack. The default allows about
    /// 13,700 levels of plain recursion.
    pub fn max_wasm_stack(mut self, bytes: usize) -> Self {
        self.config.max_wasm_stack = bytes;
        self
    }

    /// The largest event `handle_event` accepts, in bytes.
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.config.max_event_size = bytes;
        self
    }

    /// The largest result a handler may return, in bytes of JSON. It also
    /// bounds what a handler may pass to one host-function call: larger
    /// arguments throw a catchable `Error` in the handler, and the host
    /// function does not run.
    pub fn max_result_size(mut self, bytes: usize) -> Self {
        self.config.max_result_size = bytes;
        self
    }

    /// The most console output one call may print, in bytes (default
    /// [`DEFAULT_MAX_CONSOLE_OUTPUT`](crate::DEFAULT_MAX_CONSOLE_OUTPUT),
    /// 1 MiB; 0 drops every line). Past it, lines are dropped, and when the
    /// call ends one line at level `warn` says how many were.
    pub fn max_console_output(mut self, bytes: usize) -> Self {
        self.config.max_console_output = bytes;
        self
    }

    /// Receives every line the guest prints with `console.*`, each at most
    /// [`MAX_PRINT_LINE`](crate::MAX_PRINT_LINE) bytes (longer lines are cut).
    pub fn print_fn(mut self, print: impl Fn(LogLevel, &str) + Send + Sync + 'static) -> Self {
        self.config.print = Arc::new(print);
        self
    }

    /// The settings so far.
    pub(super) fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// Validates the settings and prepares the engine (compiling the guest
    /// the first time in a process, unless it is in the on-disk cache).
    pub fn build(self) -> Result<ProtoJSSandbox> {
        let _span = tracing::info_span!("warden.build").entered();
        self.config.validate()?;
        let engine = SharedEngine::get(self.config.max_wasm_stack)?;
        Ok(ProtoJSSandbox::new(Arc::new(self.config), engine))
    }
}
