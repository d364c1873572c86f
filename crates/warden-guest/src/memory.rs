//! The JavaScript heap limit, enforced by the allocator itself.
//!
//! QuickJS reports most out-of-memory conditions as a catchable
//! `InternalError: out of memory`, but when even that error object cannot be
//! allocated it throws `null`, which looks like `throw null`. Counting bytes
//! in our own allocator tells the two apart: [`HeapLimit::exhausted`] says
//! whether an allocation was refused since it was last cleared. The limit
//! itself can change at any time, so a runtime initialised once can be
//! copied into sandboxes with different limits.
//!
//! Two reserves let the runtime keep working at the limit: while the engine
//! creates its own out-of-memory error it may use [`ERROR_RESERVE`] bytes
//! past the limit (see [`open_error_reserve`]), and the runtime's own work
//! after a handler returns (serializing the result, reading an error) may
//! use the room the limit keeps for one result ([`HeapLimit::with_extra`]).

use std::cell::Cell;
use std::ptr;
use std::rc::Rc;

use rquickjs::allocator::{Allocator, RustAllocator};

/// Bytes the engine may use past the limit to create its out-of-memory
/// error: an object and its message, with room to spare.
pub(crate) const ERROR_RESERVE: usize = 64 * 1024;

thread_local! {
    /// Whether the engine is creating its out-of-memory error now.
    static ERROR_RESERVE_OPEN: Cell<bool> = const { Cell::new(false) };
}

/// Opens (or closes) the reserve for the engine's out-of-memory error
/// (called by the patched engine, so only in the wasm build).
#[cfg_attr(
    not(target_arch = "wasm32"),
    allow(
        dead_code,
        reason = "only the patched engine of the wasm build calls it"
    )
)]
pub(crate) fn open_error_reserve(open: bool) {
    ERROR_RESERVE_OPEN.set(open);
}

/// The heap limit and whether it was hit, shared by the allocator and the
/// runtime.
#[derive(Clone)]
pub(crate) struct HeapLimit(Rc<HeapState>);

struct HeapState {
    limit: Cell<usize>,
    /// Bytes admitted past the limit while the runtime does its own work.
    extra: Cell<usize>,
    exhausted: Cell<bool>,
    /// Bytes allocated and not yet freed.
    used: Cell<usize>,
}

impl Default for HeapLimit {
    fn default() -> Self {
        Self(Rc::new(HeapState {
            limit: Cell::new(usize::MAX),
            extra: Cell::new(0),
            exhausted: Cell::new(false),
            used: Cell::new(0),
        }))
    }
}

impl HeapLimit {
    /// Sets the limit in bytes (0: no limit).
    pub(crate) fn set(&self, limit: usize) {
        self.0
            .limit
            .set(if limit == 0 { usize::MAX } else { limit });
    }

    /// Whether an allocation was refused since the last [`clear`](Self::clear).
    pub(crate) fn exhausted(&self) -> bool {
        self.0.exhausted.get()
    }

    /// The limit in bytes (`usize::MAX`: none).
    pub(crate) fn limit(&self) -> usize {
        self.0.limit.get()
    }

    /// Bytes the heap holds.
    pub(crate) fn used(&self) -> usize {
        self.0.used.get()
    }

    /// Forgets earlier refusals.
    pub(crate) fn clear(&self) {
        self.0.exhausted.set(false);
    }

    /// Runs the runtime's own `work` with `extra` bytes admitted past the
    /// limit.
    pub(crate) fn with_extra<R>(&self, extra: usize, work: impl FnOnce() -> R) -> R {
        let before = self.0.extra.replace(extra);
        let result = work();
        self.0.extra.set(before);
        result
    }
}

/// Allocates through [`RustAllocator`] and refuses any allocation that would
/// take the live total over the [`HeapLimit`].
pub(crate) struct LimitedAllocator {
    state: HeapLimit,
}

impl LimitedAllocator {
    /// An allocator bound by `state`.
    pub(crate) fn new(state: HeapLimit) -> Self {
        Self { state }
    }

    fn admits(&self, more: usize) -> bool {
        let state = &self.state.0;
        let reserve = if ERROR_RESERVE_OPEN.get() {
            ERROR_RESERVE
        } else {
            0
        };
        let limit = state
            .limit
            .get()
            .saturating_add(state.extra.get())
            .saturating_add(reserve);
        state
            .used
            .get()
            .checked_add(more)
            .is_some_and(|total| total <= limit)
    }

    fn refuse(&self) -> *mut u8 {
        self.state.0.exhausted.set(true);
        ptr::null_mut()
    }

    fn granted(&mut self, ptr: *mut u8) -> *mut u8 {
        if ptr.is_null() {
            return self.refuse();
        }
        // SAFETY: `ptr` was just returned by `RustAllocator`.
        let size = unsafe { RustAllocator::usable_size(ptr) };
        let used = &self.state.0.used;
        used.set(used.get() + size);
        ptr
    }
}

// SAFETY: every pointer handed out comes from `RustAllocator`, and is given
// back to it unchanged; the byte count only decides whether to ask.
unsafe impl Allocator for LimitedAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        if !self.admits(size) {
            return self.refuse();
        }
        let ptr = RustAllocator.alloc(size);
        self.granted(ptr)
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        match count.checked_mul(size) {
            Some(0) => ptr::null_mut(),
            Some(total) if self.admits(total) => {
                let ptr = RustAllocator.calloc(count, size);
                self.granted(ptr)
            }
            _ => self.refuse(),
        }
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8) {
        // SAFETY: the engine hands back a block this allocator (so
        // `RustAllocator`) gave it, once, as `dealloc`'s contract requires.
        unsafe {
            let used = &self.state.0.used;
            used.set(used.get() - RustAllocator::usable_size(ptr));
            RustAllocator.dealloc(ptr);
        }
    }

    unsafe fn realloc(&mut self, ptr: *mut u8, new_size: usize) -> *mut u8 {
        if ptr.is_null() {
            return self.alloc(new_size);
        }
        // SAFETY: `ptr` is a live block from `RustAllocator`, as
        // `realloc`'s contract requires.
        let old = unsafe { RustAllocator::usable_size(ptr) };
        if new_size > old && !self.admits(new_size - old) {
            return self.refuse();
        }
        // SAFETY: as above; on success `ptr` is not used again.
        let moved = unsafe { RustAllocator.realloc(ptr, new_size) };
        if moved.is_null() {
            // The old block is still allocated and still counted.
            return self.refuse();
        }
        // SAFETY: `moved` is the live block `realloc` just returned.
        let new = unsafe { RustAllocator::usable_size(moved) };
        let used = &self.state.0.used;
        used.set(used.get() - old + new);
        moved
    }

    unsafe fn usable_size(ptr: *mut u8) -> usize {
        // SAFETY: `ptr` is a live block from `RustAllocator`, as
        // `usable_size`'s contract requires.
        unsafe { RustAllocator::usable_size(ptr) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_records_it() {
        let state = HeapLimit::default();
        state.set(1024);
        let mut alloc = LimitedAllocator::new(state.clone());
        let a = alloc.alloc(512);
        assert!(!a.is_null());
        assert!(!state.exhausted());
        assert!(alloc.alloc(1024).is_null());
        assert!(state.exhausted());
        state.clear();
        // Growing past the limit is refused too, and the old block stays
        // valid and counted.
        // SAFETY: `a` is live, from `alloc`; a refused realloc keeps it.
        assert!(unsafe { alloc.realloc(a, 4096) }.is_null());
        assert!(state.exhausted());
        // SAFETY: `a` is still live; it is not used after the move.
        let b = unsafe { alloc.realloc(a, 256) };
        assert!(!b.is_null());
        // SAFETY: `b` is live, from `alloc`, and freed once.
        unsafe { alloc.dealloc(b) };
        assert_eq!(state.used(), 0);
        assert!(alloc.calloc(usize::MAX, 2).is_null());
        // The runtime's own work may use its extra room, and the engine its
        // error reserve; neither outlasts its scope.
        state.set(1024);
        state.with_extra(1024, || {
            let d = alloc.alloc(1536);
            assert!(!d.is_null());
            // SAFETY: `d` is live, from `alloc`, and freed once.
            unsafe { alloc.dealloc(d) };
        });
        assert!(alloc.alloc(1536).is_null());
        open_error_reserve(true);
        let e = alloc.alloc(ERROR_RESERVE / 2);
        open_error_reserve(false);
        assert!(!e.is_null());
        assert!(alloc.alloc(16).is_null());
        // SAFETY: `e` is live, from `alloc`, and freed once.
        unsafe { alloc.dealloc(e) };
        // Raising the limit takes effect at once.
        state.set(8192);
        let c = alloc.alloc(4096);
        assert!(!c.is_null());
        // SAFETY: `c` is live, from `alloc`, and freed once.
        unsafe { alloc.dealloc(c) };
    }
}
