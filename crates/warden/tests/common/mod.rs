//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use warden::{JSSandbox, LoadedJSSandbox, ProtoJSSandbox, SandboxBuilder, Script};

/// Returns its event unchanged.
pub const ECHO: &str = "function handler(event) { return event; }";

/// Spins forever.
pub const SPIN: &str = "function handler() { while (true) {} }";

/// A sandbox built with `builder`, its runtime started, no handlers yet.
pub fn js_sandbox_with(builder: SandboxBuilder) -> JSSandbox {
    builder.build().unwrap().load_runtime().unwrap()
}

/// A sandbox with default limits, its runtime started, no handlers yet.
pub fn js_sandbox() -> JSSandbox {
    js_sandbox_with(SandboxBuilder::new())
}

/// A loaded sandbox from `proto` (with its host modules) and the given
/// handlers.
pub fn loaded_from(proto: ProtoJSSandbox, handlers: &[(&str, &str)]) -> LoadedJSSandbox {
    let mut sandbox = proto.load_runtime().unwrap();
    for (name, source) in handlers {
        sandbox
            .add_handler(name, Script::from_content(*source))
            .unwrap();
    }
    sandbox.get_loaded_sandbox().unwrap()
}

/// A loaded sandbox built with `builder` and the given handlers.
pub fn loaded_with(builder: SandboxBuilder, handlers: &[(&str, &str)]) -> LoadedJSSandbox {
    loaded_from(builder.build().unwrap(), handlers)
}

/// A loaded sandbox with default limits and the given handlers.
pub fn loaded(handlers: &[(&str, &str)]) -> LoadedJSSandbox {
    loaded_with(SandboxBuilder::new(), handlers)
}

/// The console lines a sandbox printed.
pub type Lines = Arc<Mutex<Vec<String>>>;

/// A builder whose guest console lines are collected.
pub fn collecting() -> (SandboxBuilder, Lines) {
    let lines: Lines = Arc::default();
    let sink = lines.clone();
    let builder =
        SandboxBuilder::new().print_fn(move |_, line| sink.lock().unwrap().push(line.to_owned()));
    (builder, lines)
}
