//! [`MemoryImage`]: a guest state, held in memory or, when large, in a file
//! that restores map.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use super::parked::ParkingLot;
use super::shared_image::{self, SharedImage};

/// A copy of the guest state that matters between calls: linear memory
/// above the stack pointer (everything below it is dead stack) and the
/// stack pointer itself, the guest's only mutable global.
pub(crate) struct MemoryImage {
    held: Held,
    size: usize,
    stack_pointer: i32,
    /// Unique in the process, never reused.
    id: u64,
    /// The file of an image held in a buffer, made the first time an
    /// instance maps it (`None` inside if it cannot be made).
    file: OnceLock<Option<SharedImage>>,
    /// Instances whose memory maps the image's file, kept for the next
    /// sandbox that starts from it.
    lot: Arc<ParkingLot>,
}

/// The next [`MemoryImage::id`].
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Where an image's bytes are.
enum Held {
    /// In `bytes[start..]`: a buffer read from a file keeps what came before
    /// the image rather than move the image down.
    Buffer { bytes: Vec<u8>, start: usize },
    /// In a file that restores map (see [`shared_image`]), read through a
    /// view of it: an image large enough to be mapped into a new instance.
    Shared(SharedImage),
}

impl MemoryImage {
    /// The image of a linear memory of `size` bytes holding `image` from the
    /// stack pointer `stack_pointer` to its end, copied.
    pub(super) fn copied(image: &[u8], size: usize, stack_pointer: i32) -> Self {
        let held = Self::share(image, size, stack_pointer).unwrap_or_else(|| Held::Buffer {
            bytes: image.to_vec(),
            start: 0,
        });
        Self::new(held, size, stack_pointer)
    }

    /// The image of a linear memory of `size` bytes holding `bytes[start..]`
    /// from the stack pointer `stack_pointer` to its end, or why no memory
    /// can be that (see [`check`](Self::check)).
    pub(crate) fn from_parts(
        bytes: Vec<u8>,
        start: usize,
        size: usize,
        stack_pointer: i32,
    ) -> Result<Self, String> {
        let len = bytes
            .len()
            .checked_sub(start)
            .ok_or("the image starts past its end")?;
        Self::check(size, stack_pointer, len)?;
        let held = Self::share(&bytes[start..], size, stack_pointer)
            .unwrap_or(Held::Buffer { bytes, start });
        Ok(Self::new(held, size, stack_pointer))
    }

    fn new(held: Held, size: usize, stack_pointer: i32) -> Self {
        Self {
            held,
            size,
            stack_pointer,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            file: OnceLock::new(),
            lot: Arc::default(),
        }
    }

    /// What tells this image from every other one made in the process: an
    /// instance remembers by it which image its memory is mapped from.
    pub(super) fn id(&self) -> u64 {
        self.id
    }

    /// The instances parked with this image (see [`super::parked`]).
    pub(super) fn lot(&self) -> &Arc<ParkingLot> {
        &self.lot
    }

    /// The image's file, if it has one.
    pub(super) fn file(&self) -> Option<&SharedImage> {
        match &self.held {
            Held::Shared(shared) => Some(shared),
            Held::Buffer { .. } => self.file.get().and_then(Option::as_ref),
        }
    }

    /// The image's file, made now for an image held in a buffer (which
    /// then has both), unless no file can be made.
    pub(super) fn file_for_reuse(&self) -> Option<&SharedImage> {
        match &self.held {
            Held::Shared(shared) => Some(shared),
            Held::Buffer { .. } => self
                .file
                .get_or_init(|| in_file(self.image(), self.size, self.stack_pointer))
                .as_ref(),
        }
    }

    /// `image` in a file, if it is large enough to be mapped into a new
    /// instance and the file can be made.
    fn share(image: &[u8], size: usize, stack_pointer: i32) -> Option<Held> {
        if !shared_image::worth_mapping(image.len(), true) {
            return None;
        }
        in_file(image, size, stack_pointer).map(Held::Shared)
    }

    /// Whether restoring the image into a new instance maps it: then that
    /// instance is best made outside the pool.
    pub(crate) fn maps_into_new(&self) -> bool {
        matches!(self.held, Held::Shared(_))
    }

    /// The image's file, if it is worth mapping into an instance (a fresh
    /// one if `fresh`; see [`shared_image::worth_mapping`]).
    pub(super) fn shared(&self, fresh: bool) -> Option<&SharedImage> {
        match &self.held {
            Held::Shared(shared) if shared_image::worth_mapping(self.len(), fresh) => Some(shared),
            _ => None,
        }
    }

    /// Bytes held.
    pub(crate) fn len(&self) -> usize {
        self.image().len()
    }

    /// The memory from the stack pointer to the end.
    pub(super) fn image(&self) -> &[u8] {
        match &self.held {
            Held::Buffer { bytes, start } => &bytes[*start..],
            Held::Shared(shared) => shared.image(),
        }
    }

    /// The stack pointer when the image was taken.
    pub(super) fn stack_pointer(&self) -> i32 {
        self.stack_pointer
    }

    /// Size of linear memory when it was taken, not counting the stack
    /// region.
    pub(crate) fn memory_size(&self) -> usize {
        beyond_stack(self.size)
    }

    /// Size of linear memory when it was taken, stack region included.
    pub(crate) fn linear_size(&self) -> usize {
        self.size
    }

    /// The bytes held and the stack pointer they start at: what
    /// [`from_parts`](Self::from_parts) takes back, with the size.
    pub(crate) fn parts(&self) -> (&[u8], i32) {
        (self.image(), self.stack_pointer)
    }

    /// Why `len` bytes from the stack pointer `stack_pointer` cannot be
    /// the image of a linear memory of `size` bytes, if they cannot: the
    /// size must be whole wasm pages, and the bytes must end at it.
    pub(crate) fn check(size: usize, stack_pointer: i32, len: usize) -> Result<(), String> {
        const WASM_PAGE: usize = 65536;
        let base = stack_pointer as u32 as usize;
        if !size.is_multiple_of(WASM_PAGE) {
            return Err(format!("a memory of {size} bytes is not whole pages"));
        }
        if base.checked_add(len) != Some(size) {
            return Err(format!(
                "{len} bytes from offset {base} do not end at the memory's size, {size}"
            ));
        }
        Ok(())
    }
}

/// `image`, linear memory of `size` bytes from the stack pointer
/// `stack_pointer` to its end, in a file, if the file can be made.
fn in_file(image: &[u8], size: usize, stack_pointer: i32) -> Option<SharedImage> {
    SharedImage::new(size, stack_pointer as u32 as usize, image)
        .inspect_err(|error| {
            tracing::info!(%error, "holding a memory image in memory: it cannot be put in a file")
        })
        .ok()
}

/// The part of `linear` bytes of linear memory above the guest's stack
/// region: its heap and data.
pub(super) fn beyond_stack(linear: usize) -> usize {
    linear.saturating_sub(warden_abi::GUEST_STACK_REGION)
}
