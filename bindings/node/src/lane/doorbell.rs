//! An environment's doorbell: a thread-safe function whose only job is to
//! wake that environment's event loop and name the lane that has messages.
//!
//! Each environment (the main thread, every worker thread) has its own, and
//! its lanes ring only it. Lanes never create or release thread-safe
//! functions, which keeps them safe to drop at any time. The doorbell also
//! keeps Node.js alive while jobs are handed off to the event loop.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr;
use std::sync::{Arc, RwLock};

use napi::{sys, Env};

use super::registry;
use crate::js;

/// The doorbell of one environment.
///
/// Node.js frees the function when its environment closes, while sandbox
/// threads may still be finishing jobs; so ringing holds a read lock, and
/// the function's finalizer takes the write lock and empties it. A lane of
/// a closed environment queues its messages for nobody, and never touches
/// freed memory.
#[derive(Debug)]
pub(super) struct Doorbell {
    function: RwLock<Option<RawFunction>>,
}

/// A raw thread-safe function.
#[derive(Clone, Copy, Debug)]
struct RawFunction(sys::napi_threadsafe_function);

// SAFETY: N-API thread-safe functions may be called from any thread, and
// the doorbell's lock keeps every call before the function is freed.
unsafe impl Send for RawFunction {}
// SAFETY: as for `Send`: a shared `RawFunction` is only ever used to call
// the function, which N-API allows from any thread at the same time.
unsafe impl Sync for RawFunction {}

thread_local! {
    /// This thread's environment's doorbell, once `__init` has run.
    static DOORBELL: RefCell<Option<Arc<Doorbell>>> = const { RefCell::new(None) };
    /// Jobs handed off to the event loop, across all lanes: while there are
    /// any, the doorbell keeps Node.js alive.
    static HANDED_OFF: Cell<usize> = const { Cell::new(0) };
}

impl Doorbell {
    /// Wakes the event loop to deliver lane `id`'s messages.
    pub(super) fn ring(&self, id: u64) {
        let function = self.function.read().unwrap_or_else(|p| p.into_inner());
        let Some(RawFunction(function)) = *function else {
            return;
        };
        let data = Box::into_raw(Box::new(id)) as *mut c_void;
        // SAFETY: the read lock keeps the function alive until the call
        // returns. The queue is unbounded, so a non-blocking call only fails
        // while the environment closes, and then nobody would read the
        // message anyway.
        let status = unsafe {
            sys::napi_call_threadsafe_function(
                function,
                data,
                sys::ThreadsafeFunctionCallMode::nonblocking,
            )
        };
        if status != sys::Status::napi_ok {
            // SAFETY: the call failed, so `data` was not handed over: it is
            // still the box made above, and nobody else frees it.
            drop(unsafe { Box::from_raw(data as *mut u64) });
        }
    }

    /// Refs the function (keeping the event loop alive) or unrefs it, on
    /// its environment's thread.
    fn keep_alive(&self, env: &Env, alive: bool) -> napi::Result<()> {
        let function = self.function.read().unwrap_or_else(|p| p.into_inner());
        let Some(RawFunction(function)) = *function else {
            return Ok(());
        };
        // SAFETY: `env` is the function's own environment, on its thread,
        // and the read lock keeps the function alive.
        let status = unsafe {
            if alive {
                sys::napi_ref_threadsafe_function(env.raw(), function)
            } else {
                sys::napi_unref_threadsafe_function(env.raw(), function)
            }
        };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::from_reason(
                "cannot ref or unref a thread-safe function",
            ));
        }
        Ok(())
    }
}

/// Creates this environment's doorbell (once, from `__init`).
pub(crate) fn install(env: &Env) -> napi::Result<()> {
    if DOORBELL.with_borrow(Option::is_some) {
        return Ok(());
    }
    let bell = Arc::new(Doorbell {
        function: RwLock::new(None),
    });
    let name = js::value(env, "warden-sandbox")?;
    let mut function = ptr::null_mut();
    let finalize_data = Arc::into_raw(bell.clone()) as *mut c_void;
    // SAFETY: `env` is this thread's live environment and `name` a string
    // of it; `freed` gets back the `Arc` given as its data, and `answer`
    // the boxes `ring` sends.
    let status = unsafe {
        sys::napi_create_threadsafe_function(
            env.raw(),
            ptr::null_mut(),
            ptr::null_mut(),
            name,
            0,
            1,
            finalize_data,
            Some(freed),
            ptr::null_mut(),
            Some(answer),
            &mut function,
        )
    };
    if status != sys::Status::napi_ok {
        // SAFETY: the function was not made, so its finalizer never runs:
        // the `Arc` given to it is still ours to drop.
        drop(unsafe { Arc::from_raw(finalize_data as *const Doorbell) });
        return Err(napi::Error::from_reason(
            "cannot create a thread-safe function",
        ));
    }
    *bell.function.write().unwrap_or_else(|p| p.into_inner()) = Some(RawFunction(function));
    // Idle sandboxes must not keep Node.js alive.
    bell.keep_alive(env, false)?;
    DOORBELL.with_borrow_mut(|slot| *slot = Some(bell));
    Ok(())
}

/// The doorbell's finalizer: Node.js frees the function once this returns.
unsafe extern "C" fn freed(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the `Arc` that `install` gave up, and Node.js runs
    // the finalizer once.
    let bell = unsafe { Arc::from_raw(data as *const Doorbell) };
    *bell.function.write().unwrap_or_else(|p| p.into_inner()) = None;
}

/// The doorbell's callback, on the main thread: deliver what lane `data`
/// has queued.
unsafe extern "C" fn answer(
    env: sys::napi_env,
    _js: sys::napi_value,
    _context: *mut c_void,
    data: *mut c_void,
) {
    if data.is_null() {
        return;
    }
    // SAFETY: a non-null `data` is a box that `ring` handed over, and
    // Node.js passes each one to this callback once.
    let id = *unsafe { Box::from_raw(data as *mut u64) };
    if env.is_null() {
        return;
    }
    registry::deliver(&Env::from_raw(env), id);
}

/// This environment's doorbell.
pub(super) fn current() -> napi::Result<Arc<Doorbell>> {
    DOORBELL.with_borrow(Option::clone).ok_or_else(|| {
        napi::Error::from_reason("the native module must be loaded through index.js")
    })
}

/// Keeps Node.js alive while `delta` more jobs are handed off (or fewer).
pub(super) fn hand_off(env: &Env, delta: isize) {
    let before = HANDED_OFF.get();
    let after = before.saturating_add_signed(delta);
    HANDED_OFF.set(after);
    if (before == 0) != (after == 0) {
        if let Some(bell) = DOORBELL.with_borrow(Option::clone) {
            // Ignored: with this thread's environment and a live function
            // it cannot fail, and if it did, the settling or queuing that
            // got here must go on anyway; Node.js would only exit early or
            // late.
            let _ = bell.keep_alive(env, after > 0);
        }
    }
}
