//! [`SandboxConfig`]: the settings a sandbox is made with, their defaults,
//! their ranges, and the limits derived from them. The builder only fills
//! it in.

use std::ops::RangeInclusive;
use std::sync::Arc;

use warden_abi::{LogLevel, GUEST_STACK_REGION};

use crate::engine::PrintFn;
use crate::error::{Error, Result};
use crate::fetch::FetchSettings;

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// Default guest memory limit: 64 MiB.
pub const DEFAULT_GUEST_MEMORY_LIMIT: usize = 64 * MIB;
/// Default native stack of a guest call: 64 MiB of address space (about
/// 13,700 levels of plain JavaScript recursion).
pub const DEFAULT_MAX_WASM_STACK: usize = 64 * MIB;
/// Default maximum event size: 1 MiB.
pub const DEFAULT_MAX_EVENT_SIZE: usize = MIB;
/// Default maximum result size: 1 MiB.
pub const DEFAULT_MAX_RESULT_SIZE: usize = MIB;
/// Default console output one call may print: 1 MiB.
pub const DEFAULT_MAX_CONSOLE_OUTPUT: usize = MIB;

/// The accepted range of
/// [`SandboxBuilder::max_wasm_stack`](crate::SandboxBuilder::max_wasm_stack):
/// 1 MiB to 256 MiB.
pub const WASM_STACK_RANGE: RangeInclusive<usize> = MIB..=256 * MIB;
/// The largest [`guest_memory_limit`](crate::SandboxBuilder::guest_memory_limit):
/// the 4 GiB of wasm32 less the guest's 16 MiB stack region.
pub const MAX_GUEST_MEMORY_LIMIT: usize = 4096 * MIB - GUEST_STACK_REGION;
/// The accepted range of
/// [`max_event_size`](crate::SandboxBuilder::max_event_size) and
/// [`max_result_size`](crate::SandboxBuilder::max_result_size): 1 byte to
/// just under 2 GiB.
pub const MESSAGE_SIZE_RANGE: RangeInclusive<usize> = 1..=u32::MAX as usize / 2;

/// Guest memory the runtime itself needs besides the JavaScript heap: static
/// data, the runtime's own buffers, and room for the engine to report
/// running out of memory.
const RUNTIME_RESERVE: usize = 3 * MIB;

/// JavaScript heap per byte of event JSON, enough to parse any event: dense
/// JSON of empty arrays and objects (`[[[]],[[]],…]`) measured 32 bytes of
/// heap per byte of text.
const HEAP_PER_EVENT_BYTE: usize = 40;

/// JavaScript heap the runtime itself uses, with room for small handlers.
const MIN_JS_HEAP: usize = 4 * MIB;

/// Native stack per byte of the guest's JavaScript stack. The engine checks
/// its JavaScript stack (the guest's shadow stack) and throws a catchable
/// `RangeError` past its limit; the native stack must outlast it on every
/// path. With the QuickJS edits that make the native-heavy recursions
/// reserve shadow stack (`build/quickjs_patches.rs`), every path measured
/// (calls, proxies, `toString` chains, getters, generators, `JSON`, the
/// source parser on nested expressions, statements and classes, the
/// regular-expression compiler, `flat`) still stops with a `RangeError`
/// when the limit is a quarter of the native stack, so a sixth leaves
/// half as much again in reserve.
const NATIVE_PER_JS_STACK: usize = 6;

/// Shadow stack kept free below the JavaScript stack limit, for the C code
/// that runs after the last check.
const JS_STACK_SLACK: usize = MIB;

/// The settings of a sandbox.
#[derive(Clone)]
pub(crate) struct SandboxConfig {
    pub(crate) memory_limit: usize,
    pub(crate) max_wasm_stack: usize,
    pub(crate) max_event_size: usize,
    pub(crate) max_result_size: usize,
    pub(crate) max_console_output: usize,
    pub(crate) print: PrintFn,
    pub(crate) fetch: FetchSettings,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            memory_limit: DEFAULT_GUEST_MEMORY_LIMIT,
            max_wasm_stack: DEFAULT_MAX_WASM_STACK,
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
            max_result_size: DEFAULT_MAX_RESULT_SIZE,
            max_console_output: DEFAULT_MAX_CONSOLE_OUTPUT,
            print: Arc::new(trace_print),
            fetch: FetchSettings::default(),
        }
    }
}

impl SandboxConfig {
    /// The JavaScript heap limit: what is left of guest memory after the
    /// runtime's own needs and room for one event and one result (each held
    /// twice: as bytes and as a string).
    pub(crate) fn js_heap_limit(&self) -> usize {
        self.memory_limit - RUNTIME_RESERVE - 2 * (self.max_event_size + self.max_result_size)
    }

    /// The guest's JavaScript stack: a fixed share of the native stack, so
    /// that deep recursion is a catchable `RangeError` before the native
    /// stack runs out.
    pub(crate) fn js_stack_limit(&self) -> usize {
        (self.max_wasm_stack / NATIVE_PER_JS_STACK).min(GUEST_STACK_REGION - JS_STACK_SLACK)
    }

    /// All of the guest's linear memory: the configured limit plus the
    /// stack region, which is address space that only deep calls touch.
    pub(crate) fn linear_memory_limit(&self) -> usize {
        linear_memory_limit(self.memory_limit)
    }

    /// The smallest guest memory limit that can parse any event of
    /// `max_event_size` and hold a result of `max_result_size`.
    pub(crate) fn smallest_memory_limit(&self) -> usize {
        RUNTIME_RESERVE
            + 2 * (self.max_event_size + self.max_result_size)
            + MIN_JS_HEAP
            + HEAP_PER_EVENT_BYTE * self.max_event_size
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let invalid = |msg: String| Err(Error::InvalidConfig(msg));
        if self.memory_limit > MAX_GUEST_MEMORY_LIMIT {
            return invalid(format!(
                "guest memory limit {} and the {} MiB stack region exceed the 4 GiB of wasm32",
                self.memory_limit,
                GUEST_STACK_REGION / MIB
            ));
        }
        if !WASM_STACK_RANGE.contains(&self.max_wasm_stack) {
            return invalid(format!(
                "max wasm stack {} must be between 1 MiB and 256 MiB",
                self.max_wasm_stack
            ));
        }
        for size in [self.max_event_size, self.max_result_size] {
            if size < *MESSAGE_SIZE_RANGE.start() {
                return invalid("event and result size limits must be at least 1 byte".into());
            }
            if size > *MESSAGE_SIZE_RANGE.end() {
                return invalid("event and result size limits must be below 2 GiB".into());
            }
        }
        let needed = self.smallest_memory_limit();
        if self.memory_limit < needed {
            return invalid(format!(
                "guest memory limit {} is too small for {}-byte events and {}-byte results: \
                 at least {needed} bytes are needed, to parse any event of the largest size",
                self.memory_limit, self.max_event_size, self.max_result_size
            ));
        }
        Ok(())
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

/// All of the linear memory of a guest whose memory limit is
/// `memory_limit`: that plus the stack region.
pub(crate) fn linear_memory_limit(memory_limit: usize) -> usize {
    memory_limit.saturating_add(GUEST_STACK_REGION)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut SandboxConfig)) -> SandboxConfig {
        let mut config = SandboxConfig::default();
        f(&mut config);
        config
    }

    #[test]
    fn defaults_are_valid_and_leave_most_memory_to_javascript() {
        let config = SandboxConfig::default();
        config.validate().unwrap();
        assert!(config.js_heap_limit() > DEFAULT_GUEST_MEMORY_LIMIT / 2);
        assert!(config.js_stack_limit() >= 3 * MIB);
    }

    #[test]
    fn the_javascript_stack_stays_inside_its_region_and_below_the_native_stack() {
        for stack in [*WASM_STACK_RANGE.start(), 8 * MIB, *WASM_STACK_RANGE.end()] {
            let config = with(|c| c.max_wasm_stack = stack);
            config.validate().unwrap();
            assert!(config.js_stack_limit() * NATIVE_PER_JS_STACK <= stack);
            assert!(config.js_stack_limit() + JS_STACK_SLACK <= GUEST_STACK_REGION);
        }
    }

    #[test]
    fn out_of_range_settings_are_rejected() {
        for config in [
            with(|c| c.memory_limit = MIB),
            with(|c| c.memory_limit = MAX_GUEST_MEMORY_LIMIT + 1),
            with(|c| c.max_result_size = *MESSAGE_SIZE_RANGE.end() + 1),
            with(|c| c.max_wasm_stack = MIB - 1),
            with(|c| c.max_wasm_stack = 256 * MIB + 1),
            with(|c| c.max_event_size = 0),
            with(|c| c.max_result_size = 0),
            with(|c| c.max_event_size = 40 * MIB),
        ] {
            assert!(matches!(config.validate(), Err(Error::InvalidConfig(_))));
        }
    }
}
