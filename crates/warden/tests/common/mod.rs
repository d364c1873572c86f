//! Helpers shared by the integration tests and the benchmarks.
#![allow(
    dead_code,
    reason = "each test binary and benchmark uses only some of the helpers"
)]

pub(crate) mod http_server;
pub(crate) mod monitors;
pub(crate) mod process;
pub(crate) mod recorded;

use std::sync::{Arc, Mutex};

use warden::{JSSandbox, LoadedJSSandbox, ProtoJSSandbox, SandboxBuilder, Script};

/// Returns its event unchanged.
pub(crate) const ECHO: &str = "function handler(event) { return event; }";

/// Spins forever.
pub(crate) const SPIN: &str = "function handler() { while (true) {} }";

/// A sandbox built with `builder`, its runtime started, no handlers yet.
pub(crate) fn js_sandbox_with(builder: SandboxBuilder) -> JSSandbox {
    builder.build().unwrap().load_runtime().unwrap()
}

/// A sandbox with default limits, its runtime started, no handlers yet.
pub(crate) fn js_sandbox() -> JSSandbox {
    js_sandbox_with(SandboxBuilder::new())
}

/// `sandbox` with the given handlers added, loaded.
pub(crate) fn load(mut sandbox: JSSandbox, handlers: &[(&str, &str)]) -> LoadedJSSandbox {
    for (name, source) in handlers {
        sandbox
            .add_handler(name, Script::from_content(*source))
            .unwrap();
    }
    sandbox.get_loaded_sandbox().unwrap()
}

/// A loaded sandbox from `proto` (with its host modules) and the given
/// handlers.
pub(crate) fn loaded_from(proto: ProtoJSSandbox, handlers: &[(&str, &str)]) -> LoadedJSSandbox {
    load(proto.load_runtime().unwrap(), handlers)
}

/// A loaded sandbox built with `builder` and the given handlers.
pub(crate) fn loaded_with(builder: SandboxBuilder, handlers: &[(&str, &str)]) -> LoadedJSSandbox {
    loaded_from(builder.build().unwrap(), handlers)
}

/// A loaded sandbox with default limits and the given handlers.
pub(crate) fn loaded(handlers: &[(&str, &str)]) -> LoadedJSSandbox {
    loaded_with(SandboxBuilder::new(), handlers)
}

/// The console lines a sandbox printed.
pub(crate) type Lines = Arc<Mutex<Vec<String>>>;

/// A builder whose guest console lines are collected.
pub(crate) fn collecting() -> (SandboxBuilder, Lines) {
    let lines: Lines = Arc::default();
    let sink = lines.clone();
    let builder =
        SandboxBuilder::new().print_fn(move |_, line| sink.lock().unwrap().push(line.to_owned()));
    (builder, lines)
}
