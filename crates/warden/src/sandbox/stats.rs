//! [`CallStats`]: what the last handler call cost and how it ended.

use std::time::{Duration, Instant};

use crate::error::{Error, Killer, Result};
use crate::monitor::CallCpu;

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
    /// Real time the guest spent waiting on the host: inside synchronous
    /// host functions, and for timers and asynchronous host calls. It is
    /// part of `wall_time` and not of `guest_cpu_time`.
    pub host_wait_time: Duration,
    /// What killed the call: the monitor that fired (with its budget), or
    /// an [`InterruptHandle`](crate::InterruptHandle). `None` when the call
    /// was not killed.
    pub terminated_by: Option<Killer>,
}

impl CallStats {
    /// The statistics of a call that started at `start`, whose CPU time was
    /// measured from `cpu`, that waited `host_wait_time` on the host, and
    /// that ended with `result`.
    pub(crate) fn of<T>(
        start: Instant,
        cpu: Option<CallCpu>,
        host_wait_time: Duration,
        result: &Result<T>,
    ) -> Self {
        let terminated_by = match result {
            Err(Error::Killed(killer)) => Some(*killer),
            _ => None,
        };
        Self {
            wall_time: start.elapsed(),
            guest_cpu_time: cpu.and_then(CallCpu::elapsed),
            host_wait_time,
            terminated_by,
        }
    }
}
