//! [`SandboxBuilder`]: the limits and hooks of a sandbox.

use std::fmt;
use std::sync::Arc;

use warden_abi::LogLevel;

use super::proto::ProtoJSSandbox;
use crate::engine::SharedEngine;
use crate::error::{Error, Result};
use crate::PrintFn;

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// Default guest memory limit: 64 MiB.
pub const DEFAULT_GUEST_MEMORY_LIMIT: usize = 64 * MIB;
/// Default maximum wasm stack: 1 MiB.
pub const DEFAULT_MAX_WASM_STACK: usize = MIB;
/// Default maximum event size: 1 MiB.
pub const DEFAULT_MAX_EVENT_SIZE: usize = MIB;
/// Default maximum result size: 1 MiB.
pub const DEFAULT_MAX_RESULT_SIZE: usize = MIB;

/// Guest memory the runtime itself needs besides the JavaScript heap: the
/// 1 MiB shadow stack, static data, and the engine's bookkeeping.
const RUNTIME_RESERVE: usize = 3 * MIB;

/// The settings a sandbox is made with.
#[derive(Clone)]
pub(crate) struct SandboxConfig {
    pub(crate) memory_limit: usize,
    pub(crate) max_wasm_stack: usize,
    pub(crate) max_event_size: usize,
    pub(crate) max_result_size: usize,
    pub(crate) print: PrintFn,
}

impl SandboxConfig {
    /// The JavaScript heap limit: what is left of guest memory after the
    /// runtime's own needs and room for one event and one result (each held
    /// twice: as bytes and as a string).
    pub(crate) fn js_heap_limit(&self) -> usize {
        self.memory_limit - RUNTIME_RESERVE - 2 * (self.max_event_size + self.max_result_size)
    }

    fn validate(&self) -> Result<()> {
        let invalid = |msg: String| Err(Error::InvalidConfig(msg));
        if self.memory_limit > 4096 * MIB {
            return invalid(format!(
                "guest memory limit {} exceeds the 4 GiB of wasm32",
                self.memory_limit
            ));
        }
        if !(64 * KIB..=8 * MIB).contains(&self.max_wasm_stack) {
            return invalid(format!(
                "max wasm stack {} must be between 64 KiB and 8 MiB",
                self.max_wasm_stack
            ));
        }
        if self.max_event_size == 0 || self.max_result_size == 0 {
            return invalid("event and result size limits must be at least 1 byte".into());
        }
        let needed = RUNTIME_RESERVE + 2 * (self.max_event_size + self.max_result_size) + 4 * MIB;
        if self.memory_limit < needed {
            return invalid(format!(
                "guest memory limit {} is too small for {}-byte events and {}-byte results: \
                 at least {needed} bytes are needed",
                self.memory_limit, self.max_event_size, self.max_result_size
            ));
        }
        Ok(())
    }
}

/// Configures and creates sandboxes.
///
/// ```
/// # fn main() -> warden::Result<()> {
/// use warden::{SandboxBuilder, Script};
///
/// let proto = SandboxBuilder::new()
///     .guest_memory_limit(32 * 1024 * 1024)
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
            config: SandboxConfig {
                memory_limit: DEFAULT_GUEST_MEMORY_LIMIT,
                max_wasm_stack: DEFAULT_MAX_WASM_STACK,
                max_event_size: DEFAULT_MAX_EVENT_SIZE,
                max_result_size: DEFAULT_MAX_RESULT_SIZE,
                print: Arc::new(trace_print),
            },
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

    /// The most native stack wasm code may use, in bytes (64 KiB to 8 MiB).
    /// The guest runs on the calling thread's stack, which must have this
    /// much room to spare.
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

    /// Receives every line the guest prints with `console.*`, each at most
    /// [`MAX_PRINT_LINE`](crate::MAX_PRINT_LINE) bytes (longer lines are cut).
    pub fn print_fn(mut self, print: impl Fn(LogLevel, &str) + Send + Sync + 'static) -> Self {
        self.config.print = Arc::new(print);
        self
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

fn trace_print(level: LogLevel, line: &str) {
    const TARGET: &str = "warden::guest";
    match level {
        LogLevel::Error => tracing::error!(target: TARGET, "{line}"),
        LogLevel::Warn => tracing::warn!(target: TARGET, "{line}"),
        LogLevel::Info | LogLevel::Log => tracing::info!(target: TARGET, "{line}"),
        LogLevel::Debug => tracing::debug!(target: TARGET, "{line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(builder: SandboxBuilder) -> Result<()> {
        builder.config.validate()
    }

    #[test]
    fn defaults_are_valid_and_leave_most_memory_to_javascript() {
        let builder = SandboxBuilder::new();
        check(builder.clone()).unwrap();
        assert!(builder.config.js_heap_limit() > DEFAULT_GUEST_MEMORY_LIMIT / 2);
    }

    #[test]
    fn out_of_range_settings_are_rejected() {
        for builder in [
            SandboxBuilder::new().guest_memory_limit(MIB),
            SandboxBuilder::new().guest_memory_limit(5000 * MIB),
            SandboxBuilder::new().max_wasm_stack(1024),
            SandboxBuilder::new().max_wasm_stack(64 * MIB),
            SandboxBuilder::new().max_event_size(0),
            SandboxBuilder::new().max_result_size(0),
            SandboxBuilder::new().max_event_size(40 * MIB),
        ] {
            assert!(matches!(check(builder), Err(Error::InvalidConfig(_))));
        }
    }
}
