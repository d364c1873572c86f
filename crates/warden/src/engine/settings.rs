//! The engine settings that compiled guest code depends on, in one place:
//! the build script compiles the embedded guest with them (`build.rs`), and
//! every engine is created with them, so that the embedded code fits every
//! engine.

/// The settings of an engine whose guest calls may use `max_wasm_stack`
/// bytes of native stack. The stack size does not change compiled code.
pub(crate) fn config(max_wasm_stack: usize) -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    config
        .epoch_interruption(true)
        .max_wasm_stack(max_wasm_stack)
        // Calls are synchronous; wasmtime still checks this bound.
        .async_stack_size(max_wasm_stack)
        .cranelift_opt_level(wasmtime::OptLevel::Speed);
    config
}
