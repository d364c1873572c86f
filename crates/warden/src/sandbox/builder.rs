//! [`SandboxBuilder`]: the limits and hooks of a sandbox.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use warden_abi::LogLevel;

use super::config::SandboxConfig;
use super::proto::ProtoJSSandbox;
use crate::engine::SharedEngine;
use crate::error::{Error, Result};
use crate::fetch::{FetchRequest, FetchResponse};

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
            .field("fetch", &self.config.fetch)
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
    ///
    /// Default [`DEFAULT_GUEST_MEMORY_LIMIT`](crate::DEFAULT_GUEST_MEMORY_LIMIT)
    /// (64 MiB). Range: enough to parse any event of
    /// [`max_event_size`](Self::max_event_size) and hold a result of
    /// [`max_result_size`](Self::max_result_size) (42 bytes per byte of the
    /// event limit, 2 per byte of the result limit, and 7 MiB: 51 MiB with
    /// the default sizes), up to
    /// [`MAX_GUEST_MEMORY_LIMIT`](crate::MAX_GUEST_MEMORY_LIMIT) (4080 MiB).
    /// Outside it, [`build`](Self::build) fails with
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig), naming the
    /// smallest limit that would do.
    pub fn guest_memory_limit(mut self, bytes: usize) -> Self {
        self.config.memory_limit = bytes;
        self
    }

    /// The native stack a guest call may use, in bytes: within
    /// [`WASM_STACK_RANGE`](crate::WASM_STACK_RANGE) (1 MiB to 256 MiB, or
    /// [`build`](Self::build) fails with
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig)), default
    /// [`DEFAULT_MAX_WASM_STACK`](crate::DEFAULT_MAX_WASM_STACK)
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

    /// The largest event `handle_event` accepts, in bytes; a larger one is
    /// [`Error::EventTooLarge`](crate::Error::EventTooLarge) and never
    /// reaches the guest.
    ///
    /// Default [`DEFAULT_MAX_EVENT_SIZE`](crate::DEFAULT_MAX_EVENT_SIZE)
    /// (1 MiB). Range: [`MESSAGE_SIZE_RANGE`](crate::MESSAGE_SIZE_RANGE)
    /// (1 byte to just under 2 GiB), and the guest memory limit must leave
    /// room to parse an event this large (see
    /// [`guest_memory_limit`](Self::guest_memory_limit)); otherwise
    /// [`build`](Self::build) fails with
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig).
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.config.max_event_size = bytes;
        self
    }

    /// The largest result a handler may return, in bytes of JSON. It also
    /// bounds what a handler may pass to one host-function call (its JSON
    /// arguments and binary ones together) and what the host function may
    /// return: larger arguments throw a catchable `Error` in the handler,
    /// and the host function does not run. A larger result is
    /// [`Error::ResultTooLarge`](crate::Error::ResultTooLarge).
    ///
    /// Default [`DEFAULT_MAX_RESULT_SIZE`](crate::DEFAULT_MAX_RESULT_SIZE)
    /// (1 MiB). Range: [`MESSAGE_SIZE_RANGE`](crate::MESSAGE_SIZE_RANGE)
    /// (1 byte to just under 2 GiB), within the guest memory limit;
    /// otherwise [`build`](Self::build) fails with
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig).
    pub fn max_result_size(mut self, bytes: usize) -> Self {
        self.config.max_result_size = bytes;
        self
    }

    /// The most console output one call may print, in bytes (default
    /// [`DEFAULT_MAX_CONSOLE_OUTPUT`](crate::DEFAULT_MAX_CONSOLE_OUTPUT),
    /// 1 MiB). Any value is valid: 0 drops every line. Past it, lines are
    /// dropped, and when the call ends one line at level `warn` says how
    /// many were.
    pub fn max_console_output(mut self, bytes: usize) -> Self {
        self.config.max_console_output = bytes;
        self
    }

    /// Receives every line the guest prints with `console.*` (and `print`),
    /// each at most [`MAX_PRINT_LINE`](crate::MAX_PRINT_LINE) bytes (longer
    /// lines are cut). It runs on the thread that makes the call, while the
    /// call waits.
    ///
    /// Default: each line becomes a `tracing` event with target
    /// `warden::guest`, at the level's matching `tracing` level
    /// (`console.log` at `INFO`).
    pub fn print_fn(mut self, print: impl Fn(LogLevel, &str) + Send + Sync + 'static) -> Self {
        self.config.print = Arc::new(print);
        self
    }

    /// Lets handlers `fetch` from `origins` (each an `http` or `https`
    /// origin such as `"https://api.example.com"` or
    /// `"http://127.0.0.1:8080"`; called again, it adds to the list). With
    /// no origin allowed and no [`fetch_handler`](Self::fetch_handler),
    /// the default, every `fetch` rejects with a `TypeError`.
    ///
    /// Origins match exactly: scheme, host and port. Redirects are followed
    /// only to allowed origins, at most
    /// [`MAX_REDIRECTS`](crate::MAX_REDIRECTS). A host name is connected to
    /// only if all its addresses are public, so a name that resolves to a
    /// loopback or private address is refused; such a server is reachable
    /// only through an origin that names its address. The request and the
    /// response are each bounded by
    /// [`max_result_size`](Self::max_result_size), and one call makes at
    /// most [`max_fetches_per_call`](Self::max_fetches_per_call). Requests
    /// go out through one client shared by every sandbox (rustls; HTTP/1
    /// and HTTP/2; no proxy; the host runtime's threads), and count toward
    /// wall-clock budgets only, as any asynchronous host call does.
    ///
    /// An origin that is not one makes [`build`](Self::build) fail with
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig).
    pub fn allow_fetch<I>(mut self, origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let origins = origins.into_iter().map(|o| o.as_ref().to_owned());
        self.config.fetch.origins.extend(origins);
        self
    }

    /// Serves handlers' fetches with `handler` in place of the built-in
    /// client: it gets each request the policy allows (with
    /// [`allow_fetch`](Self::allow_fetch) origins set, only to those; with
    /// none, every `http` and `https` request), and its response or error
    /// message (a `TypeError` in the handler) answers it. Redirects it
    /// answers with are followed as for the built-in client. It runs on the
    /// host runtime, like an asynchronous host function, and its future is
    /// dropped when the call ends.
    ///
    /// ```
    /// # fn main() -> warden::Result<()> {
    /// use warden::{FetchResponse, SandboxBuilder, Script};
    ///
    /// let proto = SandboxBuilder::new()
    ///     .fetch_handler(|request| async move {
    ///         Ok(FetchResponse::new(200, format!("you asked for {}", request.url)))
    ///     })
    ///     .build()?;
    /// let mut sandbox = proto.load_runtime()?;
    /// sandbox.add_handler(
    ///     "get",
    ///     Script::from_content(
    ///         "export async function handler(url) { return (await fetch(url)).text(); }",
    ///     ),
    /// )?;
    /// let mut loaded = sandbox.get_loaded_sandbox()?;
    /// let text = loaded.handle_event("get", r#""https://example.com/a""#, None)?;
    /// assert_eq!(text, r#""you asked for https://example.com/a""#);
    /// # Ok(()) }
    /// ```
    pub fn fetch_handler<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(FetchRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<FetchResponse, String>> + Send + 'static,
    {
        self.config.fetch.handler = Some(Arc::new(move |request| Box::pin(handler(request))));
        self
    }

    /// The most fetches one call may start (default
    /// [`DEFAULT_MAX_FETCHES_PER_CALL`](crate::DEFAULT_MAX_FETCHES_PER_CALL),
    /// 64; any value is valid, 0 refusing every fetch). Each redirect
    /// followed is part of its fetch. Past it, `fetch` rejects with a
    /// `TypeError`.
    pub fn max_fetches_per_call(mut self, fetches: u32) -> Self {
        self.config.fetch.max_per_call = Some(fetches);
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
        let fetch = (self.config.fetch)
            .policy(self.config.max_result_size)
            .map_err(Error::InvalidConfig)?;
        let engine = SharedEngine::get(self.config.max_wasm_stack)?;
        Ok(ProtoJSSandbox::new(Arc::new(self.config), engine, fetch))
    }
}
