//! The instance pool: where sandboxes' guests live while the pool has room.
//!
//! A new guest instance normally maps the pre-initialised memory image
//! copy-on-write, and every page it then writes costs a page fault that
//! copies the page (several microseconds each on a virtual machine; a fresh
//! sandbox that loads a one-line handler writes about seventy). A pooled
//! instance instead takes a memory slot that an earlier instance left: when
//! that one was dropped, the pages it had written were put back to the
//! image's contents in place (found with the kernel's `PAGEMAP_SCAN`), not
//! discarded, so its successor writes them without a fault.
//!
//! The pool holds [`SLOTS`] instances at once; more run on demand, as
//! without a pool, so the pool never limits how many sandboxes there can be.
//! It reserves [`SLOTS`] × ([`settings::config`](super::settings)'s memory
//! reservation and guard) of address space up front, about 1 TiB, and
//! keeps at most [`KEEP_RESIDENT`] bytes of each slot that was ever used
//! resident while the slot is free.
//!
//! A slot's function table is reset in place too, up to
//! [`TABLE_KEEP_RESIDENT`] bytes: given back to the system instead, its
//! pages would cost a `madvise` when the instance is dropped and a page
//! fault when the next one fills its first entries, and each of those
//! flushes the address translations of every processor running a thread
//! of the process (an interrupt to each, slow on a virtual machine).

use wasmtime::{Enabled, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Instances the pool holds at once.
pub(crate) const SLOTS: u32 = 256;

/// Bytes of a free slot's memory kept resident, reset in place, for its
/// next instance; the rest of what an instance wrote is given back to the
/// system when it is dropped.
pub(crate) const KEEP_RESIDENT: usize = 1 << 20;

/// Bytes of a free slot's function table kept resident and zeroed in
/// place: 64 KiB, room for 8,192 entries (the guest's table takes about a
/// thousand).
pub(crate) const TABLE_KEEP_RESIDENT: usize = 64 << 10;

/// The allocation strategy of an engine whose instances live in a pool of
/// `slots`, or `None` where resetting a slot in place is not available (no
/// `PAGEMAP_SCAN`: before Linux 6.7, or elsewhere), since a pool would then
/// save little.
pub(crate) fn strategy(slots: u32) -> Option<InstanceAllocationStrategy> {
    if !PoolingAllocationConfig::is_pagemap_scan_available() {
        return None;
    }
    let mut pool = PoolingAllocationConfig::new();
    pool.total_core_instances(slots)
        .total_memories(slots)
        .total_tables(slots)
        .max_unused_warm_slots(slots)
        .pagemap_scan(Enabled::Yes)
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .table_keep_resident(TABLE_KEEP_RESIDENT);
    Some(InstanceAllocationStrategy::Pooling(pool))
}

/// Whether `error`, from instantiating into a pool, means only that the
/// pool is full.
pub(crate) fn is_full(error: &wasmtime::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.is::<wasmtime::PoolConcurrencyLimitError>())
}
