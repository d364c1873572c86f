//! Warden runs untrusted JavaScript event handlers inside a WebAssembly
//! sandbox and stops them the moment they exceed their budget.
//!
//! A handler is a JavaScript function that takes a JSON event and returns a
//! JSON result. Each sandbox is a QuickJS runtime compiled to WebAssembly
//! and run by wasmtime: the guest sees no files, network, environment or
//! processes, cannot touch host memory, and cannot grow past its memory
//! limit. A call can be killed from any thread; a killed sandbox is
//! poisoned until it is restored from a snapshot.
//!
//! ```
//! # fn main() -> warden::Result<()> {
//! use warden::{SandboxBuilder, Script};
//!
//! let mut sandbox = SandboxBuilder::new().build()?.load_runtime()?;
//! sandbox.add_handler(
//!     "greet",
//!     Script::from_content("function handler(event) { return { hello: event.name }; }"),
//! )?;
//! let mut loaded = sandbox.get_loaded_sandbox()?;
//! let result = loaded.handle_event("greet", r#"{"name": "world"}"#, None)?;
//! assert_eq!(result, r#"{"hello":"world"}"#);
//! # Ok(()) }
//! ```
//!
//! The path from configuration to calls is
//! [`SandboxBuilder`] → [`ProtoJSSandbox`] (register host functions) →
//! [`JSSandbox`] (add handlers) → [`LoadedJSSandbox`] (handle events,
//! snapshot, restore, kill through an [`InterruptHandle`]).

mod engine;
mod entropy;
mod error;
mod fetch;
mod host_fn;
pub mod metrics;
mod modules;
pub mod monitor;
mod sandbox;
mod script;

pub use error::{Error, ErrorCategory, JsError, Killer, Result};
pub use fetch::{
    FetchFuture, FetchRequest, FetchResponse, DEFAULT_MAX_FETCHES_PER_CALL, MAX_REDIRECTS,
};

/// [`Error`] under the name hyperlight-js gives its error type, so that code
/// matching on it compiles unchanged.
pub type HyperlightError = Error;
pub use host_fn::{
    AsyncHostFunction, Bytes, FallibleAsyncHostFunction, FallibleHostFunction, HostArgs,
    HostFunction, HostModule, HostValue,
};
pub use modules::{
    DirectoryModules, EmbeddedModules, FileSystemEmbedded, ModuleLoader, MAX_MODULE_FILE,
};
#[cfg(feature = "monitor-cpu-time")]
pub use monitor::CpuTimeMonitor;
#[cfg(feature = "monitor-wall-clock")]
pub use monitor::WallClockMonitor;
pub use monitor::{ExecutionMonitor, MonitorSet};
pub use sandbox::*;
pub use script::Script;
pub use warden_abi::{LogLevel, MAX_ERROR_TEXT, MAX_PRINT_LINE};

/// The README's Rust example, compiled and run as a doc test.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The examples of `docs/execution-monitors.md`, compiled and run as doc
/// tests.
#[doc = include_str!("../../../docs/execution-monitors.md")]
#[cfg(doctest)]
pub struct MonitorDocDoctests;

/// The Rust examples of `docs/migrating-from-hyperlight-js.md`, compiled and
/// run as doc tests.
#[doc = include_str!("../../../docs/migrating-from-hyperlight-js.md")]
#[cfg(doctest)]
pub struct MigrationDocDoctests;
