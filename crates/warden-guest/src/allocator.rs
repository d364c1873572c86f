//! The guest's memory allocator: what it allocates once its runtime is set
//! up comes from pages no sandbox shares.
//!
//! Every sandbox starts from one image of the guest's memory, taken when
//! the runtime's set-up (`warden_init`) returns, and maps it copy-on-write:
//! a page of the image that a sandbox writes becomes its own copy, a page
//! of memory per sandbox. The set-up leaves free blocks all over its heap
//! (what it allocated for a while and freed), and an allocator that reuses
//! them places a sandbox's allocations (the engine's arenas and large
//! blocks, the handler's source, the event's bytes) on as many pages of the
//! image, a page for each few bytes. So the allocator that set up the
//! runtime (the system's) makes no block after [`seal`]: a second one
//! takes its memory from past the image, by growing linear memory, and its
//! blocks lie next to each other on pages of the sandbox's own. A block of
//! the image is told apart by its address (below where the second
//! allocator started): it is freed by the system allocator, and moves past
//! the image when it is resized. Only once no memory past the image is
//! left does the system allocator make blocks again, in the image's free
//! room, so that sealing costs no memory the guest could have used. The
//! engine's own arenas for small blocks are sealed at the same moment, for
//! the same reason (edit 12 of the build-time changes to QuickJS).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use dlmalloc::Dlmalloc;

/// The bytes of a wasm page, the unit of `memory.size`.
const WASM_PAGE: usize = 64 * 1024;

/// Where the fresh allocator gets its memory: linear memory, grown.
///
/// The allocator asks for enough to hold a whole block past its free room
/// at the top, even when linear memory grows right after that room and a
/// little more would do; near the memory limit that request fails where a
/// smaller one would not. So when the full request fails, this grows by
/// as much as is left, which the allocator adds to that room.
struct Growth;

/// Wasm pages [`seal`] grows memory by, for the fresh allocator's first
/// blocks: they are part of every sandbox's memory from its start, so a
/// sandbox that allocates no more never grows its memory (which costs the
/// host a change of the memory's protection, and the processors a flush of
/// their address translations, when it grows and again when the memory is
/// reused). Zero, they add nothing to the image.
const FIRST_GROWTH: usize = 2;

/// The first wasm page of the memory [`seal`] grew, until the fresh
/// allocator takes it (0: taken, or none).
static FIRST_REGION: AtomicUsize = AtomicUsize::new(0);

// SAFETY: memory handed out is fresh linear memory, never handed out twice
// (wasm memory only grows, and the region grown at the seal is taken out
// of `FIRST_REGION` once), zeroed, and never taken back.
unsafe impl dlmalloc::Allocator for Growth {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let wanted = size.div_ceil(WASM_PAGE);
        let grown = |pages| core::arch::wasm32::memory_grow(0, pages);
        let first = FIRST_REGION.swap(0, Ordering::Relaxed);
        if first != 0 {
            // The region grown at the seal, and the rest right after it if
            // the block needs more (memory something else grew meanwhile,
            // in between, is not the allocator's).
            let mut pages = FIRST_GROWTH;
            if wanted > pages && grown(wanted - pages) == first + pages {
                pages = wanted;
            }
            return ((first * WASM_PAGE) as *mut u8, pages * WASM_PAGE, 0);
        }
        match grown(wanted) {
            usize::MAX => {}
            start => return ((start * WASM_PAGE) as *mut u8, wanted * WASM_PAGE, 0),
        }
        // As much as is left, in halving steps, each right after the last.
        let (mut start, mut pages, mut step) = (None, 0, wanted / 2);
        while step > 0 {
            match grown(step) {
                usize::MAX => step /= 2,
                at => {
                    start.get_or_insert(at);
                    pages += step;
                }
            }
        }
        match start {
            Some(start) => ((start * WASM_PAGE) as *mut u8, pages * WASM_PAGE, 0),
            None => (std::ptr::null_mut(), 0, 0),
        }
    }

    fn remap(&self, _: *mut u8, _: usize, _: usize, _: bool) -> *mut u8 {
        std::ptr::null_mut()
    }

    fn free_part(&self, _: *mut u8, _: usize, _: usize) -> bool {
        false
    }

    fn free(&self, _: *mut u8, _: usize) -> bool {
        false
    }

    fn can_release_part(&self, _: u32) -> bool {
        false
    }

    fn allocates_zeros(&self) -> bool {
        true
    }

    fn page_size(&self) -> usize {
        WASM_PAGE
    }
}

/// The guest's global allocator.
struct GuestAllocator {
    /// The allocator of blocks made after [`seal`].
    fresh: UnsafeCell<Dlmalloc<Growth>>,
    /// Where the memory of `fresh` starts: blocks at this address or above
    /// are its own, blocks below it the system allocator's. `usize::MAX`
    /// until [`seal`].
    fresh_from: AtomicUsize,
}

// SAFETY: the guest is built for wasm32-wasip1 without threads: one thread
// uses the allocator, so `fresh` is never reached from two at once.
unsafe impl Sync for GuestAllocator {}

#[global_allocator]
static ALLOCATOR: GuestAllocator = GuestAllocator {
    fresh: UnsafeCell::new(Dlmalloc::new_with_allocator(Growth)),
    fresh_from: AtomicUsize::new(usize::MAX),
};

/// Makes every block allocated from now on come from past the end of
/// linear memory as it is now (see the module's documentation). Called
/// once the runtime is set up, before the host takes the image; a second
/// call changes nothing.
pub(crate) fn seal() {
    let end = core::arch::wasm32::memory_size(0);
    let sealed = ALLOCATOR.fresh_from.compare_exchange(
        usize::MAX,
        end * WASM_PAGE,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    if sealed.is_ok() && core::arch::wasm32::memory_grow(0, FIRST_GROWTH) == end {
        FIRST_REGION.store(end, Ordering::Relaxed);
    }
}

impl GuestAllocator {
    fn sealed(&self) -> bool {
        self.fresh_from.load(Ordering::Relaxed) != usize::MAX
    }

    fn is_fresh(&self, ptr: *mut u8) -> bool {
        ptr as usize >= self.fresh_from.load(Ordering::Relaxed)
    }

    /// The fresh allocator.
    ///
    /// # Safety
    /// No other reference to it may be alive: the guest has one thread, and
    /// no call below takes a second one.
    #[allow(clippy::mut_from_ref, reason = "one thread; see the safety note")]
    unsafe fn fresh(&self) -> &mut Dlmalloc<Growth> {
        // SAFETY: as the function's contract says.
        unsafe { &mut *self.fresh.get() }
    }

    /// A new block of `layout`, zeroed if `zeroed`, or null.
    ///
    /// # Safety
    /// `layout` must be valid for `alloc`.
    unsafe fn allocate(&self, layout: Layout, zeroed: bool) -> *mut u8 {
        let (size, align) = (layout.size(), layout.align());
        if self.sealed() {
            // SAFETY: the fresh allocator is reached from one thread, with
            // a valid layout.
            let block = unsafe {
                match zeroed {
                    true => self.fresh().calloc(size, align),
                    false => self.fresh().malloc(size, align),
                }
            };
            if !block.is_null() {
                return block;
            }
        }
        // Before the seal, the system allocator's; after it, only once no
        // memory past the image is left: the image's free room.
        // SAFETY: `layout` is valid, as the caller promises.
        let block = unsafe {
            match zeroed {
                true => System.alloc_zeroed(layout),
                false => System.alloc(layout),
            }
        };
        if block.is_null() || !self.is_fresh(block) {
            return block;
        }
        // Grown into the fresh allocator's addresses, where it would be
        // taken for one of its blocks: given back, and none is left.
        // SAFETY: `block` is the system allocator's, of `layout`.
        unsafe { System.dealloc(block, layout) };
        std::ptr::null_mut()
    }
}

// SAFETY: a block is freed and resized by the allocator that made it, told
// apart by `fresh_from`: it does not change once set, every block the
// system allocator made before lies below it, and none it makes after is
// handed out unless it lies below it too (`allocate`). Blocks have the
// size and alignment asked.
unsafe impl GlobalAlloc for GuestAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: `layout` is the caller's, valid for `alloc`.
        unsafe { self.allocate(layout, false) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: `layout` is the caller's, valid for `alloc_zeroed`.
        unsafe { self.allocate(layout, true) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if self.is_fresh(ptr) {
            // SAFETY: `ptr` is a block of the fresh allocator, of `layout`.
            unsafe { self.fresh().free(ptr, layout.size(), layout.align()) }
        } else {
            // SAFETY: `ptr` is a block of the system allocator, of `layout`.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !self.sealed() {
            // SAFETY: `ptr` is a block of the system allocator, of `layout`.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        if self.is_fresh(ptr) {
            // SAFETY: `ptr` is a block of the fresh allocator, of `layout`.
            let moved = unsafe {
                self.fresh()
                    .realloc(ptr, layout.size(), layout.align(), new_size)
            };
            if !moved.is_null() {
                return moved;
            }
        }
        // A block of the image moves past it, so that growing it writes no
        // page of the image; and a block the fresh allocator could not
        // resize moves to the image's free room, if it has room.
        // SAFETY: `new_size` with the block's alignment is a valid layout
        // (the caller's contract for `realloc`).
        let moved =
            unsafe { self.alloc(Layout::from_size_align_unchecked(new_size, layout.align())) };
        if !moved.is_null() {
            // SAFETY: both blocks hold at least the smaller size and are
            // distinct; the old one is live, of `layout`, and not used
            // again.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        moved
    }
}
