//! Where the guest keeps its state: its one linear memory and its stack
//! pointer, the only mutable global, both exported. Shared with the build
//! script, which pre-initialises the guest (`build/precompile.rs`).

use wasmtime::{AsContextMut, Global, Instance, Memory};

/// The guest's linear memory and stack pointer, or an error naming the
/// export the module lacks.
pub(crate) fn state(
    mut store: impl AsContextMut,
    instance: &Instance,
) -> wasmtime::Result<(Memory, Global)> {
    let memory = instance
        .get_memory(&mut store, "memory")
        .ok_or_else(|| wasmtime::Error::msg("the guest exports no memory"))?;
    let stack_pointer = instance
        .get_global(&mut store, "__stack_pointer")
        .ok_or_else(|| wasmtime::Error::msg("the guest exports no __stack_pointer"))?;
    Ok((memory, stack_pointer))
}
