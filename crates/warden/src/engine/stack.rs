//! The native stack guest code runs on.
//!
//! Compiled wasm code uses the native stack of the thread that calls it,
//! up to `max_wasm_stack` bytes, and deep JavaScript needs far more of it
//! than a thread usually has (Rust threads get 2 MiB, tokio's workers too).
//! So guest calls run on a stack segment of their own, switched to with
//! [`psm`]: a mapping of the requested size with a guard page at its bottom.
//! Each thread keeps one segment for reuse, so a call pays for a stack
//! switch, not for a mapping. The segment is address space: only the pages
//! a call touches become resident, and after a call that may have touched
//! many (a long one), all but the top of the segment is handed back to the
//! system.
//!
//! A host function may call into another sandbox while its own call runs on
//! the segment; that nested call continues on the same segment when enough
//! of it is left, and gets a fresh segment otherwise.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// Stack left on top of the wasm stack for host functions, wasmtime's own
/// frames and Warden's.
pub(crate) const HOST_STACK_MARGIN: usize = 2 << 20;

/// Calls that last longer than this may have touched much of their
/// segment; afterwards, the segment's unused pages are released.
const TRIM_AFTER: Duration = Duration::from_millis(1);

/// The part of a segment, at its top, that stays resident between calls.
const KEEP_RESIDENT: usize = 256 << 10;

thread_local! {
    /// The segment this thread reuses, when no call is running on it.
    static SPARE: RefCell<Option<Segment>> = const { RefCell::new(None) };
    /// The lowest usable address of the segment the thread runs on now (0
    /// on the thread's own stack).
    static ACTIVE_BOTTOM: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f` with at least `needed` bytes of native stack below it.
pub(crate) fn with_stack<R>(needed: usize, f: impl FnOnce() -> R) -> R {
    let bottom = ACTIVE_BOTTOM.get();
    if bottom != 0 && (psm::stack_pointer() as usize).saturating_sub(bottom) >= needed {
        return f();
    }
    let segment = SPARE
        .with_borrow_mut(Option::take)
        .filter(|spare| spare.size >= needed)
        .map_or_else(|| Segment::map(needed), Ok);
    let Ok(segment) = segment else {
        // No address space for a segment: run where we are. wasmtime still
        // checks its own limit, so the worst case is a StackOverflow trap.
        return f();
    };
    let start = Instant::now();
    let previous = ACTIVE_BOTTOM.replace(segment.bottom());
    // SAFETY: the segment is a live, writable mapping of `segment.size`
    // bytes above its guard page, used by nothing else until it returns to
    // `SPARE`; a panic is caught on the segment and resumed off it.
    let outcome = unsafe {
        psm::on_stack(segment.bottom() as *mut u8, segment.size, || {
            catch_unwind(AssertUnwindSafe(f))
        })
    };
    ACTIVE_BOTTOM.set(previous);
    if start.elapsed() > TRIM_AFTER {
        segment.trim();
    }
    SPARE.with_borrow_mut(|spare| {
        if spare.as_ref().is_none_or(|spare| spare.size < segment.size) {
            *spare = Some(segment);
        }
    });
    outcome.unwrap_or_else(|panic| resume_unwind(panic))
}

/// A mapped stack: `size` usable bytes above one guard page.
struct Segment {
    base: *mut u8,
    size: usize,
}

impl Segment {
    fn bottom(&self) -> usize {
        self.base as usize + page_size()
    }
}

#[cfg(unix)]
impl Segment {
    fn map(size: usize) -> std::io::Result<Self> {
        let page = page_size();
        let size = size.div_ceil(page) * page;
        let total = size + page;
        // SAFETY: a fresh private anonymous mapping; no existing memory is
        // touched.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                total,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: the first page of the mapping just made.
        if unsafe { libc::mprotect(base, page, libc::PROT_NONE) } != 0 {
            let error = std::io::Error::last_os_error();
            // SAFETY: the mapping just made, used by nothing.
            unsafe { libc::munmap(base, total) };
            return Err(error);
        }
        Ok(Self {
            base: base.cast(),
            size,
        })
    }

    /// Gives the pages below the top [`KEEP_RESIDENT`] bytes back to the
    /// system; they read as zero when touched again.
    fn trim(&self) {
        let release = self.size.saturating_sub(KEEP_RESIDENT) / page_size() * page_size();
        if release > 0 {
            // SAFETY: part of this segment's own mapping, and no frame lives
            // there now: the call has returned.
            unsafe {
                libc::madvise(
                    self.bottom() as *mut libc::c_void,
                    release,
                    libc::MADV_DONTNEED,
                )
            };
        }
    }
}

#[cfg(unix)]
impl Drop for Segment {
    fn drop(&mut self) {
        // SAFETY: the whole mapping made in `map`, no longer in use.
        unsafe { libc::munmap(self.base.cast(), self.size + page_size()) };
    }
}

/// The system's page size, asked once (every call needs it).
#[cfg(unix)]
fn page_size() -> usize {
    static PAGE_SIZE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *PAGE_SIZE.get_or_init(|| {
        // SAFETY: sysconf has no preconditions.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(size).unwrap_or(4096)
    })
}

/// Elsewhere a segment is an ordinary allocation, without a guard page
/// (wasm code checks its own stack limit; host functions get the margin).
#[cfg(not(unix))]
impl Segment {
    fn map(size: usize) -> std::io::Result<Self> {
        let layout = std::alloc::Layout::from_size_align(size + page_size(), page_size())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        // SAFETY: a non-zero layout.
        let base = unsafe { std::alloc::alloc(layout) };
        if base.is_null() {
            return Err(std::io::Error::from(std::io::ErrorKind::OutOfMemory));
        }
        Ok(Self { base, size })
    }

    fn trim(&self) {}
}

#[cfg(not(unix))]
impl Drop for Segment {
    fn drop(&mut self) {
        let layout = std::alloc::Layout::from_size_align(self.size + page_size(), page_size())
            .expect("the layout was valid when allocated");
        // SAFETY: allocated in `map` with this layout.
        unsafe { std::alloc::dealloc(self.base, layout) };
    }
}

#[cfg(not(unix))]
fn page_size() -> usize {
    4096
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_on(needed: usize, levels: usize) -> usize {
        fn recurse(n: usize) -> usize {
            let pad = std::hint::black_box([0u8; 1024]);
            if n == 0 {
                pad[0] as usize
            } else {
                1 + recurse(n - 1) + pad[1] as usize
            }
        }
        with_stack(needed, || recurse(levels))
    }

    #[test]
    fn deep_native_recursion_fits_on_a_segment() {
        // At least 4 MiB of frames, far past this thread's 256 KiB stack.
        let levels = 4 * 1024;
        let depth = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || depth_on(32 << 20, levels))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(depth, levels);
    }

    #[test]
    fn nested_calls_and_panics_leave_the_thread_usable() {
        let nested = with_stack(4 << 20, || with_stack(1 << 20, || depth_on(1 << 20, 100)));
        assert_eq!(nested, 100);
        let caught = catch_unwind(|| with_stack(1 << 20, || panic!("inside")));
        assert!(caught.is_err());
        assert_eq!(ACTIVE_BOTTOM.get(), 0);
        assert_eq!(depth_on(1 << 20, 10), 10);
    }
}
