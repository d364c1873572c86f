//! Memory images that sandboxes map rather than copy.
//!
//! Restoring a guest state normally copies its memory image into the
//! guest's linear memory. Every page the copy writes that the instance did
//! not have yet costs a page fault (several microseconds on a virtual
//! machine), so starting a sandbox from the state of one that loaded a
//! library of several megabytes costs milliseconds, and each such sandbox
//! holds a private copy of all of it.
//!
//! An image large enough ([`worth_mapping`]) is instead held in a sealed,
//! anonymous in-memory file (a Linux `memfd`) from the moment it is taken or
//! loaded, which every guest restored to it maps copy-on-write over its
//! linear memory (and the host reads through a read-only view of it). A restore is
//! then one system call, the guest's pages come in as it touches them, and
//! the pages no guest writes are held once, whatever the number of
//! sandboxes sharing the state. The seals make the file immutable and fixed
//! in size, so no one can change a mapped state or cut it short.
//!
//! A guest restored to the image its memory is mapped from again is reset
//! in place ([`SharedImage::reset_over`]): the kernel's `PAGEMAP_SCAN`
//! names the pages the guest wrote since the mapping (the only ones that
//! are no longer the file's), and only those are copied back from the
//! file. A page copied back stays the guest's own, so the next reset copies
//! it again: a reset costs what the calls since the mapping wrote, not the
//! size of the image.
//!
//! Elsewhere than Linux, or when the file cannot be made, images are
//! copied.

use std::fs::File;
use std::io;

use super::pool::KEEP_RESIDENT;

/// Images at least this large are mapped into a fresh instance: one that
/// has not run yet, or whose memory is a mapping already (which a copy
/// would fault in page by page); smaller ones are copied. A pooled instance
/// keeps [`KEEP_RESIDENT`] bytes of its slot in memory, where a copy costs
/// no faults; every page past them faults, and soon costs more than mapping
/// the image and faulting in the pages a call touches (on a 2-core virtual
/// machine, starting a sandbox from a 1,088 KiB image and calling it took
/// 103 µs copied and 194 µs mapped; from 1,216 KiB, 163 µs and 133 µs;
/// from 2,112 KiB, 711 µs and 126 µs). The bound lies between the first
/// two, above the state of a sandbox that loaded a small handler (1,152
/// KiB, with the 128 KiB the guest's allocator grows memory by when the
/// runtime is set up), whose snapshot would otherwise make a file (about
/// 550 µs against a 25 µs copy).
const MAP_INTO_FRESH_FROM: usize = KEEP_RESIDENT + KEEP_RESIDENT * 5 / 32;

/// Images at least this large are mapped into an instance that has run in
/// memory of its own. Its pages are in memory already, so a copy costs
/// about 35 µs per MiB with no faults, against a mapping's pages faulting
/// in again (restoring and calling took 71 µs copied and 109 µs mapped at
/// 2,112 KiB, 156 µs and 142 µs at 4,416 KiB, 775 µs and 158 µs at
/// 7,680 KiB).
const MAP_INTO_USED_FROM: usize = 4 << 20;

/// Whether an image of `len` bytes is best mapped into an instance (a
/// fresh one if `fresh`) rather than copied.
pub(crate) fn worth_mapping(len: usize, fresh: bool) -> bool {
    len >= if fresh {
        MAP_INTO_FRESH_FROM
    } else {
        MAP_INTO_USED_FROM
    }
}

/// Whether [`SharedImage::reset_over`] can work here: the kernel has
/// `PAGEMAP_SCAN` (Linux 6.7 and later). Asked once.
pub(crate) fn resets_in_place() -> bool {
    static WORKS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WORKS.get_or_init(|| {
        let Ok(page) = sys::page_size() else {
            return false;
        };
        // A page of the heap's, which the scan must start at the start of.
        let mut bytes = vec![1u8; 2 * page];
        let start = bytes.as_mut_ptr();
        let aligned = start.wrapping_add(start.align_offset(page));
        sys::written_pages(aligned, page).is_ok()
    })
}

/// A memory image in a sealed file, ready to map, and a read-only view of
/// it (which shares the file's pages rather than hold a copy).
pub(crate) struct SharedImage {
    file: File,
    /// Offset in linear memory that the file starts at: a host page
    /// boundary.
    from: usize,
    /// Bytes of the file: the rest of linear memory from `from`.
    len: usize,
    /// Offset in the file that the image starts at.
    skip: usize,
    /// The whole file, mapped shared and read-only.
    view: std::ptr::NonNull<u8>,
}

// SAFETY: the view is a read-only mapping of a file sealed against writes
// and changes of size, so its bytes never change and stay mapped until the
// image is dropped: it may be read from any thread.
unsafe impl Send for SharedImage {}
// SAFETY: as above.
unsafe impl Sync for SharedImage {}

impl SharedImage {
    /// A file holding `image`, the contents of linear memory of `size`
    /// bytes from offset `at` to its end (what lies before `at` reads as
    /// zeros).
    pub(crate) fn new(size: usize, at: usize, image: &[u8]) -> io::Result<Self> {
        let from = at - at % sys::page_size()?;
        let (len, skip) = (size - from, at - from);
        let file = sys::create(len)?;
        sys::write_at(&file, image, skip as u64)?;
        sys::seal(&file)?;
        let view = sys::view(&file, len)?;
        Ok(Self {
            file,
            from,
            len,
            skip,
            view,
        })
    }

    /// Offset in linear memory that the mapping of the file starts at:
    /// below it lies the guest's stack, which the image does not hold.
    pub(crate) fn start(&self) -> usize {
        self.from
    }

    /// The image's bytes.
    pub(crate) fn image(&self) -> &[u8] {
        // SAFETY: the view maps `len` bytes, immutable while `self` lives.
        let file = unsafe { std::slice::from_raw_parts(self.view.as_ptr(), self.len) };
        &file[self.skip..]
    }

    /// Maps the image over the linear memory at `base`, copy-on-write.
    ///
    /// # Safety
    ///
    /// `base` must be the start of a linear memory of at least the image's
    /// size that this caller owns and that nothing else refers to, in a
    /// mapping that the caller may replace. If this fails, that range may
    /// be left unmapped: the memory must not be used again.
    pub(crate) unsafe fn map_over(&self, base: *mut u8) -> io::Result<()> {
        // SAFETY: the caller's promise; `from` is a page boundary.
        unsafe { sys::map(&self.file, base.add(self.from), self.len) }
    }

    /// Puts the image back into the linear memory at `base`, which
    /// [`map_over`](Self::map_over) mapped it over, by copying back every
    /// page written since: the pages that are no longer the file's. On an
    /// error nothing may have been copied yet, and the memory must be
    /// restored another way.
    ///
    /// # Safety
    ///
    /// `base` must be the start of a linear memory that `map_over` mapped
    /// this image over, of the image's size still, that nothing else refers
    /// to or runs in.
    pub(crate) unsafe fn reset_over(&self, base: *mut u8) -> io::Result<()> {
        // SAFETY: `map_over` mapped `len` bytes at `base + from`.
        let start = unsafe { base.add(self.from) };
        let written = sys::written_pages(start, self.len)?;
        for range in written {
            // SAFETY: the scan reports ranges inside the `len` bytes at
            // `start`, which the caller owns; the view holds `len` bytes.
            unsafe {
                let offset = range.start - start as usize;
                std::ptr::copy_nonoverlapping(
                    self.view.as_ptr().add(offset),
                    range.start as *mut u8,
                    range.end - range.start,
                );
            }
        }
        Ok(())
    }
}

/// Zeroes every page of the `len` bytes at `start` that holds a page of
/// its own (see [`SharedImage::reset_over`]): what a guest wrote there
/// since the memory was mapped.
///
/// # Safety
///
/// The `len` bytes at `start` must be memory that the caller owns and that
/// nothing else refers to or runs in.
pub(crate) unsafe fn clear_written(start: *mut u8, len: usize) -> io::Result<()> {
    for range in sys::written_pages(start, len)? {
        // SAFETY: the scan reports ranges inside the `len` bytes at `start`,
        // which the caller owns.
        unsafe { std::ptr::write_bytes(range.start as *mut u8, 0, range.end - range.start) };
    }
    Ok(())
}

impl Drop for SharedImage {
    fn drop(&mut self) {
        // SAFETY: the view was mapped with this length, and nothing borrows
        // from it any more.
        unsafe { sys::unmap(self.view, self.len) };
    }
}

#[cfg(target_os = "linux")]
mod sys {
    use std::fs::File;
    use std::io;
    use std::ops::Range;
    use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd};
    use std::ptr::NonNull;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The host's page size.
    pub(super) fn page_size() -> io::Result<usize> {
        // SAFETY: `sysconf` has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(page).map_err(|_| io::Error::last_os_error())
    }

    /// A new in-memory file of `len` bytes (all zeros), sealable.
    pub(super) fn create(len: usize) -> io::Result<File> {
        // SAFETY: the name is a NUL-terminated string.
        let fd = unsafe {
            libc::memfd_create(
                c"warden-snapshot".as_ptr(),
                libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a new descriptor that nothing else owns.
        let file = unsafe { File::from_raw_fd(fd) };
        file.set_len(len as u64)?;
        Ok(file)
    }

    /// Writes all of `bytes` into `file` at `offset`.
    pub(super) fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
    }

    /// Makes `file` immutable: no writes, no change of size, no more seals.
    pub(super) fn seal(file: &File) -> io::Result<()> {
        let seals =
            libc::F_SEAL_WRITE | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;
        // SAFETY: `F_ADD_SEALS` on a descriptor this function borrows.
        if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// `len` bytes of `file` mapped shared and read-only.
    pub(super) fn view(file: &File, len: usize) -> io::Result<NonNull<u8>> {
        // SAFETY: a new mapping, placed by the kernel, of a file this
        // function borrows.
        let mapped = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if mapped == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        NonNull::new(mapped.cast()).ok_or_else(|| io::Error::other("mapped at address 0"))
    }

    /// Unmaps what [`view`] mapped.
    ///
    /// # Safety
    ///
    /// `view` and `len` must be a mapping [`view`] returned, which nothing
    /// refers to any more.
    pub(super) unsafe fn unmap(view: NonNull<u8>, len: usize) {
        // SAFETY: the caller's promise.
        unsafe { libc::munmap(view.as_ptr().cast(), len) };
    }

    /// Maps `len` bytes of `file` at `at`, private and writable, in place
    /// of what was there.
    ///
    /// # Safety
    ///
    /// As [`SharedImage::map_over`](super::SharedImage::map_over).
    pub(super) unsafe fn map(file: &File, at: *mut u8, len: usize) -> io::Result<()> {
        // SAFETY: the caller owns `at..at + len` and lets it be replaced.
        let mapped = unsafe {
            libc::mmap(
                at.cast(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                file.as_raw_fd(),
                0,
            )
        };
        if mapped == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// `PAGEMAP_SCAN`: `_IOWR('f', 16, struct pm_scan_arg)` (Linux 6.7).
    const PAGEMAP_SCAN: libc::c_ulong = 0xC060_6610;
    /// Page categories of the scan.
    const PAGE_IS_FILE: u64 = 1 << 2;
    const PAGE_IS_PRESENT: u64 = 1 << 3;
    const PAGE_IS_SWAPPED: u64 = 1 << 4;
    const PAGE_IS_PFNZERO: u64 = 1 << 5;
    /// Regions a scan reports at most before it is resumed.
    const REGIONS: usize = 64;

    /// `struct page_region`.
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct PageRegion {
        start: u64,
        end: u64,
        categories: u64,
    }

    /// `struct pm_scan_arg`.
    #[repr(C)]
    struct PmScanArg {
        size: u64,
        flags: u64,
        start: u64,
        end: u64,
        walk_end: u64,
        vec: u64,
        vec_len: u64,
        max_pages: u64,
        category_inverted: u64,
        category_mask: u64,
        category_anyof_mask: u64,
        return_mask: u64,
    }

    /// This process's `/proc/self/pagemap`, opened once per process: its
    /// descriptor and the process it was opened in (a child of `fork`
    /// inherits a descriptor that reads its parent's pages, so it opens its
    /// own).
    static PAGEMAP: AtomicU64 = AtomicU64::new(0);

    fn pagemap() -> io::Result<libc::c_int> {
        // SAFETY: `getpid` has no preconditions.
        let pid = unsafe { libc::getpid() } as u32;
        let known = PAGEMAP.load(Ordering::Acquire);
        if known != 0 && (known >> 32) as u32 == pid {
            return Ok(known as u32 as libc::c_int);
        }
        let fd = File::open("/proc/self/pagemap")?.into_raw_fd();
        let opened = (u64::from(pid) << 32) | u64::from(fd as u32);
        match PAGEMAP.compare_exchange(known, opened, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => Ok(fd),
            Err(other) => {
                // Another thread opened one meanwhile.
                // SAFETY: `fd` is this function's own, used nowhere else.
                drop(unsafe { File::from_raw_fd(fd) });
                if (other >> 32) as u32 == pid {
                    Ok(other as u32 as libc::c_int)
                } else {
                    Err(io::Error::other("the pagemap changed hands during a fork"))
                }
            }
        }
    }

    /// The ranges of the `len` bytes at `start` that hold pages of their
    /// own (written since they were mapped from a file, swapped out or
    /// not): every page that is not the file's and not unmapped.
    pub(super) fn written_pages(start: *mut u8, len: usize) -> io::Result<Vec<Range<usize>>> {
        let fd = pagemap()?;
        let end = start as u64 + len as u64;
        let mut regions = [PageRegion::default(); REGIONS];
        let mut written = Vec::new();
        let mut from = start as u64;
        while from < end {
            let mut arg = PmScanArg {
                size: std::mem::size_of::<PmScanArg>() as u64,
                flags: 0,
                start: from,
                end,
                walk_end: 0,
                vec: regions.as_mut_ptr() as u64,
                vec_len: REGIONS as u64,
                max_pages: 0,
                // Neither the file's page nor the zero page...
                category_inverted: PAGE_IS_FILE | PAGE_IS_PFNZERO,
                category_mask: PAGE_IS_FILE | PAGE_IS_PFNZERO,
                // ...but a page there is, in memory or in swap.
                category_anyof_mask: PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
                return_mask: 0,
            };
            // SAFETY: `arg` and `regions` are valid for the kernel to read
            // and write; the scan only reads this process's page tables.
            let found = unsafe { libc::ioctl(fd, PAGEMAP_SCAN as _, &mut arg) };
            if found < 0 {
                return Err(io::Error::last_os_error());
            }
            for region in &regions[..found as usize] {
                if region.start < from || region.end > end || region.start >= region.end {
                    return Err(io::Error::other(
                        "the pagemap scan reported a range outside it",
                    ));
                }
                written.push(region.start as usize..region.end as usize);
            }
            if arg.walk_end <= from {
                return Err(io::Error::other("the pagemap scan made no progress"));
            }
            from = arg.walk_end;
        }
        Ok(written)
    }
}

/// Without `memfd`, no file can be made, and images are copied.
#[cfg(not(target_os = "linux"))]
mod sys {
    use std::fs::File;
    use std::io;

    pub(super) fn page_size() -> io::Result<usize> {
        Err(io::ErrorKind::Unsupported.into())
    }

    pub(super) fn create(_len: usize) -> io::Result<File> {
        Err(io::ErrorKind::Unsupported.into())
    }

    pub(super) fn write_at(_file: &File, _bytes: &[u8], _offset: u64) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }

    pub(super) fn seal(_file: &File) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }

    pub(super) fn view(_file: &File, _len: usize) -> io::Result<std::ptr::NonNull<u8>> {
        Err(io::ErrorKind::Unsupported.into())
    }

    pub(super) unsafe fn unmap(_view: std::ptr::NonNull<u8>, _len: usize) {}

    pub(super) unsafe fn map(_file: &File, _at: *mut u8, _len: usize) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }

    pub(super) fn written_pages(
        _start: *mut u8,
        _len: usize,
    ) -> io::Result<Vec<std::ops::Range<usize>>> {
        Err(io::ErrorKind::Unsupported.into())
    }
}
