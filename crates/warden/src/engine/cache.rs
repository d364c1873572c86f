//! Compiling the guest once per machine: precompiled modules are kept on
//! disk, keyed by the guest's hash and by wasmtime's compatibility hash
//! (which covers the wasmtime version and the engine configuration). Within
//! one process, functions already compiled are compiled only once.
//!
//! The directory is `$WARDEN_CACHE_DIR`, else `$XDG_CACHE_HOME/warden`, else
//! `~/.cache/warden`. `WARDEN_CACHE_DIR=off` disables the cache. Loading a
//! precompiled module trusts the file, so the directory must only be
//! writable by the user that runs Warden (the default is in their home).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Mutex;

use wasmtime::{CacheStore, Engine, Module};

/// Loads the module called `name` from the cache, or makes it with `make`
/// and stores the result.
pub(crate) fn load_or_make(
    engine: &Engine,
    name: &str,
    make: impl FnOnce() -> wasmtime::Result<Module>,
) -> wasmtime::Result<Module> {
    let Some(dir) = cache_dir() else {
        return make();
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let path = dir.join(format!("{name}-{:016x}.cwasm", hasher.finish()));
    if path.is_file() {
        // SAFETY: the file was written by `serialize` below for this exact
        // module and engine configuration, into the user's own cache
        // directory; wasmtime also checks the header and version.
        match unsafe { Module::deserialize_file(engine, &path) } {
            Ok(module) => return Ok(module),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "discarding unusable cached guest")
            }
        }
    }
    let module = make()?;
    if let Err(e) = store(&dir, &path, &module) {
        tracing::warn!(path = %path.display(), error = %e, "cannot cache the compiled guest");
    }
    Ok(module)
}

/// Cranelift's incremental-compilation store, in memory: compiling a module
/// whose functions were compiled before (the guest, rewritten with new data)
/// reuses their machine code.
#[derive(Debug, Default)]
pub(crate) struct CompiledFunctions(Mutex<HashMap<Vec<u8>, Vec<u8>>>);

impl CompiledFunctions {
    /// Forgets every function, once nothing more will be compiled.
    pub(crate) fn clear(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = HashMap::new();
    }
}

impl CacheStore for CompiledFunctions {
    fn get(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).map(|code| Cow::Owned(code.clone()))
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(key.to_vec(), value);
        true
    }
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
