//! [`InterruptHandle`]: stop a running handler from any thread.

use std::fmt;
use std::sync::Arc;

use crate::engine::KillSwitch;

/// Kills the call running in a sandbox, from any thread.
///
/// Cheap to clone, `Send` and `Sync`. A kill stops the guest at its next
/// epoch check: wasm code checks at every function entry and loop
/// iteration, including inside the engine's own C code (regular
/// expressions, JSON, sorting); one bulk-memory instruction (`memory.copy`,
/// `memory.fill`) runs to its end first, so a kill may wait for it. The
/// killed call returns [`Error::Killed`](crate::Error::Killed)
/// and leaves the sandbox poisoned until it is restored.
///
/// A kill aims at the call running at that moment: when no call runs it
/// does nothing, and it never affects a later call. A kill issued after a
/// call started but before the guest was entered still stops that call.
#[derive(Clone)]
pub struct InterruptHandle {
    gate: Arc<KillSwitch>,
}

impl InterruptHandle {
    pub(crate) fn new(gate: Arc<KillSwitch>) -> Self {
        Self { gate }
    }

    /// Kills the running call. Returns whether a call was running (and had
    /// not been killed already).
    pub fn kill(&self) -> bool {
        let killed = self.gate.kill();
        if killed {
            tracing::debug!("interrupt handle killed the running call");
        }
        killed
    }

    /// Whether the running call has been killed (and has not ended yet).
    ///
    /// A kill takes effect when the guest next runs wasm code, so a host
    /// function that waits — for a network answer, for work on another
    /// thread — holds it up. Such a host function should poll this while it
    /// waits and give up when it turns true; the call then ends as killed.
    pub fn kill_requested(&self) -> bool {
        self.gate.is_killed()
    }

    /// Whether a call is running in the sandbox right now.
    pub fn is_running(&self) -> bool {
        self.gate.running().is_some()
    }

    /// Whether the sandbox is poisoned (answers while a call runs).
    pub fn is_poisoned(&self) -> bool {
        self.gate.is_poisoned()
    }
}

impl fmt::Debug for InterruptHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InterruptHandle")
            .field("running", &self.is_running())
            .field("poisoned", &self.is_poisoned())
            .finish()
    }
}
