//! The runtime asynchronous host functions run on: a multi-threaded Tokio
//! runtime of two worker threads named `warden-host`, created on first use
//! and shared by every sandbox. It is separate from the monitor runtime, so
//! a host future that blocks its thread cannot delay a kill.
//!
//! Its time driver is on, and its I/O driver too when the process's Tokio
//! has networking built in, so host futures can sleep and do I/O. A future
//! that must run on the embedder's own runtime can be spawned there and
//! its `JoinHandle` awaited: a `JoinHandle` completes on any runtime.

use std::sync::OnceLock;

use tokio::runtime::{Builder, Handle, Runtime};

/// Worker threads of the host runtime.
const THREADS: usize = 2;

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The shared host runtime, created on first use, or why it cannot be.
pub(crate) fn handle() -> Result<Handle, String> {
    RUNTIME
        .get_or_init(|| {
            tracing::debug!(threads = THREADS, "starting the host runtime");
            Builder::new_multi_thread()
                .worker_threads(THREADS)
                .thread_name("warden-host")
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the host runtime: {e}"))
        })
        .as_ref()
        .map(|runtime| runtime.handle().clone())
        .map_err(Clone::clone)
}
