//! The guest, pre-initialised and compiled at build time, so that no process
//! runs the compiler: the engine loads the result (see `engine/mod.rs`).
//!
//! The build script does what an engine does on first use: it instantiates
//! the guest as built, lets it set up its JavaScript runtime, writes the
//! resulting memory back into the module as its data (`engine/preinit.rs`)
//! and compiles that module with the engine settings of
//! `engine/settings.rs`, for the build machine's processor. The runtime's
//! random state (`Math.random`, which every sandbox reseeds, and the key of
//! its property-name hash) is drawn from this build's entropy.
//!
//! While setting itself up the guest reads the clock and entropy; any other
//! import it called would trap, failing the build.

use std::path::{Path, PathBuf};

use wasmtime::{Caller, Engine, Linker, Module, Store};

#[path = "../src/engine/layout.rs"]
mod layout;
#[path = "../src/engine/preinit.rs"]
#[allow(dead_code, reason = "the build uses the rewrite, not the cache name")]
mod preinit;
#[path = "../src/engine/settings.rs"]
mod settings;

/// Native stack for the set-up call, which is shallow.
const INIT_STACK: usize = 1 << 20;

/// Writes the pre-initialised, compiled guest next to `out_dir` and returns
/// its path.
pub(crate) fn precompile(wasm: &[u8], out_dir: &Path) -> PathBuf {
    let compiled = initialised(wasm).unwrap_or_else(|e| {
        panic!("cannot pre-initialise and compile the guest: {e:#}");
    });
    let path = out_dir.join("warden_guest.cwasm");
    std::fs::write(&path, compiled)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}

fn initialised(wasm: &[u8]) -> wasmtime::Result<Vec<u8>> {
    let engine = Engine::new(&settings::config(INIT_STACK))?;
    let module = Module::new(&engine, wasm)?;
    let mut linker = Linker::new(&engine);
    const WASI: &str = "wasi_snapshot_preview1";
    linker.func_wrap(WASI, "random_get", random_get)?;
    linker.func_wrap(WASI, "clock_time_get", |_: i32, _: i64, _: i32| 0i32)?;
    linker.define_unknown_imports_as_traps(&module)?;
    let mut store = Store::new(&engine, ());
    store.set_epoch_deadline(u64::MAX);
    let instance = linker.instantiate(&mut store, &module)?;
    let (memory, stack_pointer) = layout::state(&mut store, &instance)?;
    let stack_top = stack_pointer.get(&mut store).i32();
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).map_err(|e| wasmtime::Error::msg(e.to_string()))?;
    let init = instance.get_typed_func::<(u64,), u32>(&mut store, "warden_init")?;
    let status = init.call(&mut store, (u64::from_le_bytes(seed),))?;
    if status != warden_abi::Status::Ok as u32 {
        return Err(wasmtime::Error::msg(format!(
            "the guest runtime failed to start (status {status})"
        )));
    }
    if stack_pointer.get(&mut store).i32() != stack_top {
        return Err(wasmtime::Error::msg(
            "the guest runtime did not leave its stack pointer where it started",
        ));
    }
    let live_from = stack_top.unwrap_or(0) as u32 as usize;
    let rewritten = preinit::rewrite(wasm, memory.data(&store), live_from)?;
    engine.precompile_module(&rewritten)
}

/// Entropy, for the guest's hash tables.
fn random_get(mut caller: Caller<'_, ()>, ptr: i32, len: i32) -> i32 {
    const EFAULT: i32 = 21;
    let Some(memory) = caller
        .get_export("memory")
        .and_then(wasmtime::Extern::into_memory)
    else {
        return EFAULT;
    };
    let start = ptr as u32 as usize;
    let Some(bytes) = memory
        .data_mut(&mut caller)
        .get_mut(start..start + len as u32 as usize)
    else {
        return EFAULT;
    };
    match getrandom::fill(bytes) {
        Ok(()) => 0,
        Err(_) => EFAULT,
    }
}
