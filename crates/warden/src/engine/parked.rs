//! Instances parked with the image whose file they map, for the next
//! sandbox that starts from it.
//!
//! A sandbox started from a large image (see [`shared_image`](super::shared_image))
//! gets an instance made outside the pool, maps the image's file over its
//! memory, faults in the pages its first call touches, and unmaps all of
//! it when it is dropped: together several times what a fresh sandbox from
//! the pool costs, most of it in the kernel's page tables. When such a
//! sandbox is dropped, its instance is parked with the image instead (at
//! most [`PARKED_PER_IMAGE`] of them), its memory still mapped from the
//! image's file. The next sandbox started from the image takes one and
//! resets it in place, as a restore does
//! ([`SharedImage::reset_over`](super::shared_image::SharedImage::reset_over)):
//! every page the last guest wrote is copied back from the file, so the new
//! guest finds the image and nothing else, and no page faults again.
//! Any instance whose memory maps an image's file is parked so, also one
//! that a smaller image was mapped into when restored twice in a row.
//!
//! A parked instance holds nothing of its sandbox but the pages of the
//! image its guest wrote, which the next restore copies back before any
//! guest runs: its store's host functions, modules, console and kill
//! switch are replaced with inert ones when it is parked, and the pages of
//! its stack (below the image) that the guest wrote are zeroed. It holds
//! those pages, its memory's address space (4 GiB and its guard, as an
//! instance made outside the [`pool`](super::pool)) and its store until it
//! is taken or the image is dropped.

use std::sync::{Arc, Mutex, Weak};

use wasmtime::{Global, Memory, Store};

use super::abi::GuestExports;
use super::{SharedEngine, StoreData};

/// Instances parked with one image at most.
pub(crate) const PARKED_PER_IMAGE: usize = 4;

/// The instances parked with one image: their memory is a mapping of its
/// file, of the image's size.
#[derive(Default)]
pub(crate) struct ParkingLot {
    parked: Mutex<Vec<Parked>>,
}

/// Where an instance whose memory maps an image's file is parked when it
/// is dropped.
pub(super) struct Parking {
    /// The image's lot.
    pub(super) lot: Weak<ParkingLot>,
    /// The size of the memory the file is mapped over: an instance whose
    /// memory grew past it is not parked.
    pub(super) size: usize,
    /// The offset in memory that the mapping starts at: below it is the
    /// guest's stack, which is zeroed where it was written.
    pub(super) start: usize,
}

/// What an instance is made of, without its sandbox.
pub(super) struct Parked {
    pub(super) parking: Parking,
    pub(super) engine: Arc<SharedEngine>,
    pub(super) store: Store<StoreData>,
    pub(super) memory: Memory,
    pub(super) stack_pointer: Global,
    pub(super) exports: GuestExports,
    pub(super) stack_top: u32,
}

impl ParkingLot {
    /// Parks `instance` if the lot has room; drops it otherwise.
    pub(super) fn park(&self, instance: Parked) {
        let refused = {
            let mut parked = self.parked.lock().unwrap_or_else(|p| p.into_inner());
            if parked.len() < PARKED_PER_IMAGE {
                parked.push(instance);
                None
            } else {
                Some(instance)
            }
        };
        // Unmapped, if refused, outside the lock.
        drop(refused);
    }

    /// A parked instance of `engine`'s, taken out of the lot.
    pub(super) fn take(&self, engine: &Arc<SharedEngine>) -> Option<Parked> {
        let mut parked = self.parked.lock().unwrap_or_else(|p| p.into_inner());
        let at = parked
            .iter()
            .rposition(|p| Arc::ptr_eq(&p.engine, engine))?;
        Some(parked.swap_remove(at))
    }
}
