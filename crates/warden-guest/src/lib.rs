//! The JavaScript runtime that runs inside a Warden sandbox.
//!
//! One [`GuestRuntime`] owns one QuickJS runtime and context. It registers
//! handlers (ES modules that define or export `handler`), calls them with a
//! JSON event, awaits returned promises by draining the job queue, and turns
//! the result back into JSON with the engine's own serializer, so scripts
//! that tamper with `JSON` cannot change how events and results are encoded.
//!
//! The runtime talks to the outside world only through the [`Host`] trait:
//! console output and host-function calls. Inside the sandbox the host is
//! reached through wasm imports (see the `wasm` module, compiled only for
//! wasm32); natively, tests supply their own [`Host`].

#[cfg(target_arch = "wasm32")]
mod allocator;
mod builtins;
mod engine_patches;
mod errors;
mod event_loop;
mod guards;
mod handlers;
mod host;
mod host_calls;
mod memory;
mod modules;
mod random;
mod runtime;
mod text;
#[cfg(target_arch = "wasm32")]
mod wasm;
mod web;

pub use errors::GuestError;
pub use host::{CallArgs, Host, HostValue};
pub use runtime::{GuestRuntime, Limits};
