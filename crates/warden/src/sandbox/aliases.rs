//! [`SandboxBuilder`] settings under the names hyperlight-js gives them, so
//! that code written for it builds sandboxes unchanged. Each maps onto one
//! of Warden's own settings; where the units differ, the alias keeps
//! Warden's guarantees (it may raise a limit to what Warden needs, never
//! lower a protection).

use std::sync::Arc;

use super::builder::SandboxBuilder;

/// A print function in the form hyperlight-js takes: it receives each line
/// the guest prints, ending in a newline, and returns a status that Warden
/// ignores. Made from a closure with `.into()`.
#[derive(Clone)]
pub struct HostPrintFn(Arc<dyn Fn(String) -> i32 + Send + Sync>);

impl std::fmt::Debug for HostPrintFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostPrintFn(..)")
    }
}

impl<F: Fn(String) -> i32 + Send + Sync + 'static> From<F> for HostPrintFn {
    fn from(print: F) -> Self {
        Self(Arc::new(print))
    }
}

impl SandboxBuilder {
    /// Sends guest console output to `print`, one line at a time with its
    /// newline, whatever its level: the alias of
    /// [`print_fn`](Self::print_fn).
    pub fn with_host_print_fn(self, print: HostPrintFn) -> Self {
        self.print_fn(move |_level, line| {
            (print.0)(format!("{line}\n"));
        })
    }

    /// Gives the JavaScript heap at least `bytes`: sets
    /// [`guest_memory_limit`](Self::guest_memory_limit), which holds the
    /// heap and the runtime, to `bytes` or to the smallest limit that still
    /// parses any event of the current `max_event_size`, whichever is
    /// larger (hyperlight-js likewise serves requests below its minimum
    /// with its minimum).
    pub fn with_guest_heap_size(self, bytes: u64) -> Self {
        let bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
        let limit = bytes.max(self.config().smallest_memory_limit());
        self.guest_memory_limit(limit)
    }

    /// Gives guest calls at least `bytes` of stack: raises
    /// [`max_wasm_stack`](Self::max_wasm_stack) to `bytes` when it is
    /// larger, and leaves it otherwise (Warden's default already allows
    /// deeper recursion than hyperlight-js's default scratch region).
    pub fn with_guest_scratch_size(self, bytes: usize) -> Self {
        let stack = bytes.max(self.config().max_wasm_stack);
        self.max_wasm_stack(stack)
    }

    /// The largest event a call accepts: the alias of
    /// [`max_event_size`](Self::max_event_size).
    pub fn with_guest_input_buffer_size(self, bytes: usize) -> Self {
        self.max_event_size(bytes)
    }

    /// The largest result a handler may return: the alias of
    /// [`max_result_size`](Self::max_result_size).
    pub fn with_guest_output_buffer_size(self, bytes: usize) -> Self {
        self.max_result_size(bytes)
    }
}
