//! [`LoadedJSSandbox`]: handlers ready to serve events.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use super::core::SandboxCore;
use super::interrupt::InterruptHandle;
use super::js::JSSandbox;
use super::snapshot::Snapshot;
use super::stats::CallStats;
use crate::error::{Error, Result};
use crate::monitor::{CallCpu, MonitorSet, Sealed};

/// A sandbox with its handlers loaded.
///
/// Calls run on the calling thread. A call that is killed or traps poisons
/// the sandbox: every later call returns [`Error::Poisoned`] until
/// [`restore`](Self::restore) or [`unload`](Self::unload).
pub struct LoadedJSSandbox {
    core: SandboxCore,
    calls: u64,
    last_call: Option<CallStats>,
}

/// A summary of a sandbox's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SandboxStatus {
    /// Whether the sandbox is poisoned.
    pub poisoned: bool,
    /// Size of the guest's linear memory, in bytes, not counting its stack
    /// region (address space that only deep calls touch): the figure that
    /// [`SandboxBuilder::guest_memory_limit`](crate::SandboxBuilder::guest_memory_limit)
    /// bounds.
    pub guest_memory_bytes: usize,
    /// Handler calls made so far (including failed ones).
    pub calls: u64,
}

impl LoadedJSSandbox {
    pub(crate) fn new(core: SandboxCore) -> Self {
        Self {
            core,
            calls: 0,
            last_call: None,
        }
    }

    /// Calls handler `name` with `event`, a JSON document, and returns the
    /// handler's result as JSON. A handler that returns a promise is
    /// awaited. `gc` (default `true`) runs the garbage collector after the
    /// call, keeping the heap small at a small cost in latency. The
    /// collection is generational: it frees what the calls since the last
    /// full collection made and let go, without visiting the objects that
    /// survived it (so a handler that loaded a large library pays for what
    /// its calls allocate, not for the library), and it is a full one once
    /// the heap has doubled since the last (or used half the room left
    /// below its limit), or after a call that ran out of memory.
    ///
    /// Every failure has its own [`Error`] variant; only the ones for which
    /// [`Error::poisons`] is true leave the sandbox poisoned.
    pub fn handle_event(
        &mut self,
        name: impl AsRef<str>,
        event: impl AsRef<str>,
        gc: Option<bool>,
    ) -> Result<String> {
        self.observed(name.as_ref(), event.as_ref(), gc, None)
    }

    /// Like [`handle_event`](Self::handle_event), watched by `monitors`: a
    /// single [`ExecutionMonitor`](crate::ExecutionMonitor) or a tuple of up
    /// to five, where the first to fire kills the call.
    ///
    /// Every monitor starts on this thread before the handler runs; if one
    /// fails to start, the handler does not run and the error says which
    /// (the sandbox is not poisoned). When a monitor fires, the call returns
    /// [`Error::Killed`] naming it and its budget, the sandbox is poisoned,
    /// and `monitor_terminations_total{monitor_type="<name>"}` is
    /// incremented. A monitor never outlives its call, and never affects
    /// another call. See [`monitor`](crate::monitor) for the details.
    pub fn handle_event_with_monitor<M: MonitorSet>(
        &mut self,
        name: impl AsRef<str>,
        event: impl AsRef<str>,
        monitors: &M,
        gc: Option<bool>,
    ) -> Result<String> {
        self.observed(
            name.as_ref(),
            event.as_ref(),
            gc,
            Some(monitors as &dyn Sealed),
        )
    }

    /// Statistics of the last call, or `None` before the first one.
    pub fn last_call_stats(&self) -> Option<CallStats> {
        self.last_call
    }

    /// Runs a call in its `warden.handle_event` span (marked `monitored`
    /// when it has monitors) and records its metrics, logs and statistics.
    fn observed(
        &mut self,
        name: &str,
        event: &str,
        gc: Option<bool>,
        monitors: Option<&dyn Sealed>,
    ) -> Result<String> {
        let span = tracing::info_span!(
            "warden.handle_event",
            handler = name,
            event_bytes = event.len(),
            monitored = tracing::field::Empty
        );
        if monitors.is_some() {
            span.record("monitored", true);
        }
        let _span = span.entered();
        let start = Instant::now();
        let (result, cpu) = self.call(name, event, gc.unwrap_or(true), monitors);
        let stats = CallStats::of(start, cpu, self.core.take_host_wait(), &result);
        self.last_call = Some(stats);
        crate::metrics::record_call(name, stats.wall_time, result.as_ref().err());
        if let Err(error) = &result {
            tracing::debug!(error = %error, "handler call failed");
        }
        result
    }

    fn call(
        &mut self,
        name: &str,
        event: &str,
        gc: bool,
        monitors: Option<&dyn Sealed>,
    ) -> (Result<String>, Option<CallCpu>) {
        self.calls += 1;
        if let Err(error) = super::js::validate_handler_name(name) {
            return (Err(error), None);
        }
        let config = self.core.config();
        if event.len() > config.max_event_size {
            let error = Error::EventTooLarge {
                size: event.len(),
                limit: config.max_event_size,
            };
            return (Err(error), None);
        }
        let max_result = config.max_result_size;
        let (bytes, cpu) = self.core.monitored(name, monitors, |guest| {
            guest.call(name, event.as_bytes(), gc, max_result)
        });
        let result = bytes.and_then(|bytes| {
            String::from_utf8(bytes).map_err(|_| {
                Error::Internal("the guest returned a result that is not UTF-8".into())
            })
        });
        (result, cpu)
    }

    /// A handle that kills the running call from another thread.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle::new(self.core.gate().clone())
    }

    /// Whether a killed or trapped call left the sandbox poisoned.
    pub fn poisoned(&self) -> bool {
        self.core.gate().is_poisoned()
    }

    /// The sandbox's state.
    pub fn status(&self) -> SandboxStatus {
        SandboxStatus {
            poisoned: self.poisoned(),
            guest_memory_bytes: self.core.memory_size(),
            calls: self.calls,
        }
    }

    /// Saves the guest's state. A poisoned sandbox has no consistent state
    /// to save and returns [`Error::Poisoned`].
    pub fn snapshot(&mut self) -> Result<Snapshot> {
        let _span = tracing::info_span!("warden.snapshot").entered();
        if self.poisoned() {
            return Err(Error::Poisoned);
        }
        Ok(Snapshot {
            image: Arc::new(self.core.capture()),
            compatibility: self.core.compatibility(),
        })
    }

    /// Returns the guest to `snapshot` exactly, clears poison, and reseeds
    /// `Math.random`. Linear memory goes back to the snapshot's size, so
    /// restoring after every call does not grow memory.
    ///
    /// Takes the snapshot by reference or by value, bare or in an `Arc`
    /// (as code written for hyperlight-js passes it).
    pub fn restore(&mut self, snapshot: impl AsRef<Snapshot>) -> Result<()> {
        let snapshot = snapshot.as_ref();
        let _span = tracing::info_span!("warden.restore").entered();
        if let Some(reason) = self.core.mismatch(&snapshot.compatibility) {
            return Err(Error::SnapshotMismatch(reason));
        }
        self.core.restore(&snapshot.image)
    }

    /// Unloads every handler: returns a [`JSSandbox`] with a fresh
    /// runtime, the same host functions and no handlers. Works on a
    /// poisoned sandbox too.
    pub fn unload(self) -> Result<JSSandbox> {
        let _span = tracing::info_span!("warden.unload").entered();
        Ok(JSSandbox::new(self.core.recreate()?))
    }
}

impl fmt::Debug for LoadedJSSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedJSSandbox")
            .field("status", &self.status())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Error, Killer, SandboxBuilder, Script};

    #[test]
    fn a_kill_between_call_start_and_guest_entry_stops_the_call() -> crate::Result<()> {
        let mut sandbox = SandboxBuilder::new().build()?.load_runtime()?;
        sandbox.add_handler(
            "h",
            Script::from_content("function handler(e) { return e; }"),
        )?;
        let mut loaded = sandbox.get_loaded_sandbox()?;
        let handle = loaded.interrupt_handle();
        let err = loaded
            .core
            .guarded("h", |guest, _| {
                // The call is marked running but the guest not yet entered.
                assert!(handle.kill());
                guest.call("h", b"{}", false, usize::MAX)
            })
            .unwrap_err();
        assert!(matches!(err, Error::Killed(Killer::Handle)), "{err}");
        assert!(loaded.poisoned());
        Ok(())
    }
}
