//! [`Snapshot`]: a saved guest state.

use std::fmt;
use std::sync::Arc;

use crate::engine::MemoryImage;

/// The complete state of a sandbox's guest at one moment: its JavaScript
/// heap, handlers and globals.
///
/// Cheap to clone (the state is shared). A snapshot can be restored into the
/// sandbox it came from, or into any sandbox made with the same limits and
/// host functions, which then continues from that state; each restore
/// reseeds `Math.random`, so sandboxes restored from one snapshot draw
/// different numbers.
#[derive(Clone)]
pub struct Snapshot {
    pub(crate) image: Arc<MemoryImage>,
    pub(crate) compatibility: Compatibility,
}

impl Snapshot {
    /// Bytes of guest state the snapshot holds.
    pub fn size(&self) -> usize {
        self.image.len()
    }

    /// Size of the guest's linear memory when the snapshot was taken.
    pub fn memory_size(&self) -> usize {
        self.image.memory_size()
    }
}

/// So that [`LoadedJSSandbox::restore`](crate::LoadedJSSandbox::restore)
/// takes a snapshot bare, by reference or in an `Arc`.
impl AsRef<Snapshot> for Snapshot {
    fn as_ref(&self) -> &Snapshot {
        self
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("size", &self.size())
            .field("memory_size", &self.memory_size())
            .finish()
    }
}

/// The properties of a sandbox that its snapshots depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Compatibility {
    pub(super) engine: usize,
    pub(super) host_functions: u64,
    pub(super) memory_limit: usize,
    pub(super) js_heap_limit: usize,
}

impl Compatibility {
    /// Why a snapshot taken with `self` cannot go into a sandbox with
    /// `other`, if it cannot.
    pub(crate) fn mismatch(&self, other: &Self) -> Option<&'static str> {
        if self.engine != other.engine {
            Some("it was taken from a sandbox with a different max wasm stack")
        } else if self.host_functions != other.host_functions {
            Some("it was taken from a sandbox with different host functions")
        } else if self.memory_limit != other.memory_limit
            || self.js_heap_limit != other.js_heap_limit
        {
            Some("it was taken from a sandbox with different memory limits")
        } else {
            None
        }
    }
}
