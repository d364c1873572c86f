//! [`CallStats`]: what the last handler call cost and how it ended.

use std::time::Duration;

/// Statistics of one handler call, from
/// [`LoadedJSSandbox::last_call_stats`](crate::LoadedJSSandbox::last_call_stats).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallStats {
    /// Real time from the start of the call to its end.
    pub wall_time: Duration,
    /// CPU time the calling thread, which runs the guest, used during the
    /// call. Measured on monitored calls (reading a thread's CPU clock costs
    /// about half a microsecond, which plain calls do not pay); `None` on
    /// plain calls, or where the `monitor-cpu-time` feature is off.
    pub guest_cpu_time: Option<Duration>,
    /// What killed the call: the name of the monitor that fired, or
    /// [`KILLED_BY_HANDLE`] for an [`InterruptHandle`](crate::InterruptHandle)
    /// kill. `None` when the call was not killed.
    pub terminated_by: Option<&'static str>,
}

/// [`CallStats::terminated_by`] of a call killed through an interrupt handle.
pub const KILLED_BY_HANDLE: &str = "interrupt-handle";
