//! [`CallCpu`]: the CPU time the guest uses during a monitored call.
//!
//! A thread's CPU clock costs a system call to read (about half a
//! microsecond), so a call reads it once at its start, for its statistics,
//! and every CPU-time monitor the call starts counts from that same reading.

#[cfg(feature = "monitor-cpu-time")]
pub(crate) use imp::{call_start, CallCpu};

#[cfg(feature = "monitor-cpu-time")]
mod imp {
    use std::cell::Cell;
    use std::time::Duration;

    use crate::monitor::thread_clock::ThreadCpuClock;

    /// The calling thread's CPU time at the start of a call.
    pub(crate) struct CallCpu(Duration);

    thread_local! {
        /// The reading of the call whose monitors this thread is starting.
        static STARTING: Cell<Option<Duration>> = const { Cell::new(None) };
    }

    /// Clears [`STARTING`] when monitors are started, even by unwinding.
    struct Started;

    impl Drop for Started {
        fn drop(&mut self) {
            STARTING.set(None);
        }
    }

    impl CallCpu {
        /// Reads this thread's CPU clock, then runs `start_monitors` (which
        /// calls the monitors' `get_monitor`) so that CPU-time monitors
        /// reuse the reading. `None` if the clock cannot be read.
        pub(crate) fn start<T>(start_monitors: impl FnOnce() -> T) -> (Option<Self>, T) {
            let now = ThreadCpuClock::this_thread().ok();
            STARTING.set(now);
            let _started = Started;
            (now.map(Self), start_monitors())
        }

        /// The CPU time used since [`start`](Self::start), on the same thread.
        pub(crate) fn elapsed(self) -> Option<Duration> {
            let now = ThreadCpuClock::this_thread().ok()?;
            Some(now.saturating_sub(self.0))
        }
    }

    /// The calling thread's CPU time now, or at the start of the call whose
    /// monitors it is starting.
    pub(crate) fn call_start() -> std::io::Result<Duration> {
        match STARTING.get() {
            Some(start) => Ok(start),
            None => ThreadCpuClock::this_thread(),
        }
    }
}

/// Without the CPU clock, no CPU time is measured: there is never a
/// reading.
#[cfg(not(feature = "monitor-cpu-time"))]
pub(crate) enum CallCpu {}

#[cfg(not(feature = "monitor-cpu-time"))]
impl CallCpu {
    pub(crate) fn start<T>(start_monitors: impl FnOnce() -> T) -> (Option<Self>, T) {
        (None, start_monitors())
    }

    pub(crate) fn elapsed(self) -> Option<std::time::Duration> {
        match self {}
    }
}
