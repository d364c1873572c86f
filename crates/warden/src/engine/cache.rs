//! Compiling the guest once per machine: precompiled modules are kept on
//! disk, keyed by the guest's hash and by wasmtime's compatibility hash
//! (which covers the wasmtime version and the engine configuration).
//!
//! The directory is `$WARDEN_CACHE_DIR`, else `$XDG_CACHE_HOME/warden`, else
//! `~/.cache/warden`. `WARDEN_CACHE_DIR=off` disables the cache. Loading a
//! precompiled module trusts the file, so the directory must only be
//! writable by the user that runs Warden (the default is in their home).

use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use wasmtime::{Engine, Module};

/// Loads the guest from the cache, or compiles it and stores the result.
pub(crate) fn load_module(
    engine: &Engine,
    wasm: &[u8],
    guest_hash: &str,
) -> wasmtime::Result<Module> {
    let Some(dir) = cache_dir() else {
        return Module::new(engine, wasm);
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let path = dir.join(format!("guest-{guest_hash}-{:016x}.cwasm", hasher.finish()));
    if path.is_file() {
        // SAFETY: the file was written by `serialize` below for this exact
        // guest and engine configuration, into the user's own cache
        // directory; wasmtime also checks the header and version.
        match unsafe { Module::deserialize_file(engine, &path) } {
            Ok(module) => return Ok(module),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "discarding unusable cached guest")
            }
        }
    }
    let module = Module::new(engine, wasm)?;
    if let Err(e) = store(&dir, &path, &module) {
        tracing::warn!(path = %path.display(), error = %e, "cannot cache the compiled guest");
    }
    Ok(module)
}

fn store(dir: &std::path::Path, path: &std::path::Path, module: &Module) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = module
        .serialize()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    // Write then rename, so a concurrent reader never sees half a file.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn cache_dir() -> Option<PathBuf> {
    match std::env::var_os("WARDEN_CACHE_DIR") {
        Some(dir) if dir == "off" => None,
        Some(dir) => Some(PathBuf::from(dir)),
        None => std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .map(|base| base.join("warden")),
    }
}
