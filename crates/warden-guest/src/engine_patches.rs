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

/// Called by the engine around the creation of its out-of-memory error.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
extern "C" fn warden_oom_reserve(open: i32) {
    crate::memory::open_error_reserve(open != 0);
}
