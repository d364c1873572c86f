//! What the guest sets in the build-time changes to QuickJS (see
//! `crates/warden/build/quickjs_patches.rs`). Native builds use QuickJS
//! unchanged, so there these do nothing.

/// Keys the engine's string hash (which places property names in its atom
/// table) with `seed`, so that keys colliding in it cannot be chosen
/// without knowing it. Must run before the runtime is created.
pub(crate) fn key_string_hash(seed: u64) {
    #[cfg(target_arch = "wasm32")]
    {
        unsafe extern "C" {
            static mut warden_hash_key: u32;
        }
        let key = (seed ^ (seed >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32;
        // SAFETY: the guest is single-threaded, and no atom exists yet.
        unsafe { warden_hash_key = key as u32 };
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = seed;
}

/// Runs `setup` (the runtime compiling its own scripts) with functions
/// keeping no copy of their source: `toString` shows them as native code.
pub(crate) fn without_source<R>(setup: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "wasm32")]
    {
        unsafe extern "C" {
            static mut warden_keep_source: i32;
        }
        // SAFETY: the guest is single-threaded, and the engine reads the
        // flag only while it compiles, which `setup` does on this thread.
        unsafe { warden_keep_source = 0 };
        let result = setup();
        // SAFETY: as above.
        unsafe { warden_keep_source = 1 };
        result
    }
    #[cfg(not(target_arch = "wasm32"))]
    setup()
}

/// The collections that pin what they leave (edit 7 of the build-time
/// changes).
#[derive(Clone, Copy)]
pub(crate) enum Collection {
    /// Collects everything unreachable, pinned objects included, then pins
    /// every object left: the cycle collector no longer visits them, so its
    /// cost on each call does not grow with the built-ins, the web globals
    /// and what the handlers loaded.
    Full,
    /// Collects what is unreachable among the objects not pinned (pinned
    /// ones are roots), then pins every object left, so that later
    /// collections skip them too: a minor collection whose survivors
    /// become old.
    Young,
}

/// Runs collection `which`. Natively it only collects.
pub(crate) fn collect_and_pin(ctx: &rquickjs::Ctx<'_>, which: Collection) {
    // SAFETY: `ctx` is a live context, so its runtime is live.
    let runtime = unsafe { rquickjs::qjs::JS_GetRuntime(ctx.as_raw().as_ptr()) };
    #[cfg(target_arch = "wasm32")]
    {
        unsafe extern "C" {
            fn warden_gc_pin(runtime: *mut rquickjs::qjs::JSRuntime);
            fn warden_gc_promote(runtime: *mut rquickjs::qjs::JSRuntime);
        }
        // SAFETY: the runtime is live and runs no JavaScript meanwhile.
        unsafe {
            match which {
                Collection::Full => warden_gc_pin(runtime),
                Collection::Young => warden_gc_promote(runtime),
            }
        };
    }
    // SAFETY: as above.
    #[cfg(not(target_arch = "wasm32"))]
    unsafe {
        let _ = which;
        rquickjs::qjs::JS_RunGC(runtime)
    };
}

/// Seals the engine's small-block arenas (edit 12 of the build-time
/// changes): a small block allocated from now on comes from an arena that
/// has a block freed since, or a new one, never from the room an arena had
/// before. Every sandbox maps the runtime's memory as it is after its
/// set-up, copy-on-write, and a page it writes becomes its own: blocks
/// placed in the free room of the set-up's arenas would write a page of
/// them for each few bytes. Natively it does nothing.
pub(crate) fn seal_arenas(ctx: &rquickjs::Ctx<'_>) {
    #[cfg(target_arch = "wasm32")]
    {
        unsafe extern "C" {
            fn warden_arena_seal(runtime: *mut rquickjs::qjs::JSRuntime);
        }
        // SAFETY: `ctx` is a live context, so its runtime is live, and it
        // runs no JavaScript meanwhile.
        unsafe { warden_arena_seal(rquickjs::qjs::JS_GetRuntime(ctx.as_raw().as_ptr())) };
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = ctx;
}

/// Called by the engine around the creation of its out-of-memory error.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
extern "C" fn warden_oom_reserve(open: i32) {
    crate::memory::open_error_reserve(open != 0);
}
