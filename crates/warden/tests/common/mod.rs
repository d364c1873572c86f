//! Helpers shared by the integration tests.
#![allow(dead_code)]

use warden::{LoadedJSSandbox, SandboxBuilder, Script};

/// Returns its event unchanged.
pub const ECHO: &str = "function handler(event) { return event; }";

/// Spins forever.
pub const SPIN: &str = "function handler() { while (true) {} }";

/// A loaded sandbox built with `builder` and the given handlers.
pub fn loaded_with(builder: SandboxBuilder, handlers: &[(&str, &str)]) -> LoadedJSSandbox {
    let mut sandbox = builder.build().unwrap().load_runtime().unwrap();
    for (name, source) in handlers {
        sandbox
            .add_handler(name, Script::from_content(*source))
            .unwrap();
    }
    sandbox.get_loaded_sandbox().unwrap()
}

/// A loaded sandbox with default limits and the given handlers.
pub fn loaded(handlers: &[(&str, &str)]) -> LoadedJSSandbox {
    loaded_with(SandboxBuilder::new(), handlers)
}
