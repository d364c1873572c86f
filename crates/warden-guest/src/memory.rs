//! The JavaScript heap limit, enforced by the allocator itself.
//!
//! QuickJS reports most out-of-memory conditions as a catchable
//! `InternalError: out of memory`, but when even that error object cannot be
//! allocated it throws `null`, which looks like `throw null`. Counting bytes
//! in our own allocator tells the two apart: [`HeapLimit::exhausted`] says
//! whether an allocation was refused since it was last cleared.

use std::cell::Cell;
use std::ptr;
use std::rc::Rc;

use rquickjs::allocator::{Allocator, RustAllocator};

/// Shared view of the heap limit's state.
#[derive(Clone, Default)]
pub(crate) struct HeapLimit(Rc<Cell<bool>>);

impl HeapLimit {
    /// Whether an allocation was refused since the last [`clear`](Self::clear).
    pub(crate) fn exhausted(&self) -> bool {
        self.0.get()
    }

    /// Forgets earlier refusals.
    pub(crate) fn clear(&self) {
        self.0.set(false);
    }
}

/// Allocates through [`RustAllocator`] and refuses any allocation that would
/// take the live total over `limit` bytes.
pub(crate) struct LimitedAllocator {
    used: usize,
    limit: usize,
    state: HeapLimit,
}

impl LimitedAllocator {
    /// An allocator with a limit of `limit` bytes (0: no limit).
    pub(crate) fn new(limit: usize, state: HeapLimit) -> Self {
        let limit = if limit == 0 { usize::MAX } else { limit };
        Self {
            used: 0,
            limit,
            state,
        }
    }

    fn admits(&self, extra: usize) -> bool {
        self.used
            .checked_add(extra)
            .is_some_and(|total| total <= self.limit)
    }

    fn refuse(&self) -> *mut u8 {
        self.state.0.set(true);
        ptr::null_mut()
    }

    fn granted(&mut self, ptr: *mut u8) -> *mut u8 {
        if ptr.is_null() {
            return self.refuse();
        }
        // SAFETY: `ptr` was just returned by `RustAllocator`.
        self.used += unsafe { RustAllocator::usable_size(ptr) };
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
            Some(total) if total > 0 && self.admits(total) => {
                let ptr = RustAllocator.calloc(count, size);
                self.granted(ptr)
            }
            Some(0) => ptr::null_mut(),
            _ => self.refuse(),
        }
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8) {
        self.used -= RustAllocator::usable_size(ptr);
        RustAllocator.dealloc(ptr);
    }

    unsafe fn realloc(&mut self, ptr: *mut u8, new_size: usize) -> *mut u8 {
        if ptr.is_null() {
            return self.alloc(new_size);
        }
        let old = RustAllocator::usable_size(ptr);
        if new_size > old && !self.admits(new_size - old) {
            return self.refuse();
        }
        let moved = RustAllocator.realloc(ptr, new_size);
        if moved.is_null() {
            // The old block is still allocated and still counted.
            return self.refuse();
        }
        self.used = self.used - old + RustAllocator::usable_size(moved);
        moved
    }

    unsafe fn usable_size(ptr: *mut u8) -> usize {
        RustAllocator::usable_size(ptr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_records_it() {
        let state = HeapLimit::default();
        let mut alloc = LimitedAllocator::new(1024, state.clone());
        let a = alloc.alloc(512);
        assert!(!a.is_null());
        assert!(!state.exhausted());
        assert!(alloc.alloc(1024).is_null());
        assert!(state.exhausted());
        state.clear();
        // Growing in place past the limit is refused too, and the old block
        // stays valid and counted.
        assert!(unsafe { alloc.realloc(a, 4096) }.is_null());
        assert!(state.exhausted());
        let b = unsafe { alloc.realloc(a, 256) };
        assert!(!b.is_null());
        unsafe { alloc.dealloc(b) };
        assert_eq!(alloc.used, 0);
        assert!(alloc.calloc(usize::MAX, 2).is_null());
    }
}
