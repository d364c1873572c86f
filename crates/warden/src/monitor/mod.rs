//! Execution monitors: watch a handler call and kill it when it exceeds a
//! budget.
//!
//! A monitor is split in two. [`ExecutionMonitor::get_monitor`] runs on the
//! thread that makes the call, before the handler starts, so it can capture
//! that thread's state (a CPU clock, say). The future it returns runs on a
//! small shared runtime while the handler runs: it stays pending while all
//! is well and completes when the call must die. It reaches the runtime only
//! if the call lasts (0.5 to 1.5 ms); shorter calls drop it unpolled, so
//! they never wake a runtime thread. The call is then killed,
//! the sandbox is poisoned, `monitor_terminations_total` is incremented with
//! the monitor's name, and the call returns [`Error::Killed`] naming the
//! monitor and its budget. If the handler finishes first, the future is
//! dropped.
//!
//! Monitors compose: a tuple of up to five monitors is itself a
//! [`MonitorSet`], and the first one to fire wins.
//!
//! ```
//! # fn main() -> warden::Result<()> {
//! use std::time::Duration;
//! use warden::{CpuTimeMonitor, Error, SandboxBuilder, Script, WallClockMonitor};
//!
//! let mut sandbox = SandboxBuilder::new().build()?.load_runtime()?;
//! sandbox.add_handler("spin", Script::from_content("function handler() { for (;;) {} }"))?;
//! let mut loaded = sandbox.get_loaded_sandbox()?;
//! let monitors = (
//!     WallClockMonitor::new(Duration::from_secs(5))?,
//!     CpuTimeMonitor::new(Duration::from_millis(20))?,
//! );
//! let error = loaded.handle_event_with_monitor("spin", "{}", &monitors, None).unwrap_err();
//! assert_eq!(error.killer().and_then(|k| k.monitor_name()), Some("cpu-time"));
//! assert!(loaded.poisoned());
//! # Ok(()) }
//! ```
//!
//! [`Error::Killed`]: crate::Error::Killed

#[cfg(all(feature = "monitor-wall-clock", feature = "monitor-cpu-time"))]
mod budget;
mod call_cpu;
#[cfg(feature = "monitor-cpu-time")]
mod cpu_time;
mod runtime;
mod set;
#[cfg(feature = "monitor-cpu-time")]
mod thread_clock;
mod timer;
#[cfg(feature = "monitor-wall-clock")]
mod wall_clock;
mod watch;

use std::future::Future;
use std::time::{Duration, Instant};

#[cfg(all(feature = "monitor-wall-clock", feature = "monitor-cpu-time"))]
pub use budget::Budget;
pub(crate) use call_cpu::CallCpu;
#[cfg(feature = "monitor-cpu-time")]
pub use cpu_time::CpuTimeMonitor;
pub use runtime::MONITOR_THREADS_ENV;
pub(crate) use set::sealed::Sealed;
pub use set::MonitorSet;
#[cfg(feature = "monitor-wall-clock")]
pub use wall_clock::WallClockMonitor;
pub use watch::active_monitors;
pub(crate) use watch::{Arming, Watch};

use crate::error::Result;

/// Watches one handler call.
///
/// Implement this for custom limits; [`MonitorSet`] then comes for free, and
/// the monitor composes with others in tuples.
///
/// ```
/// use std::future::Future;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// /// Kills the call once `cancelled` is set.
/// struct CancelFlag {
///     cancelled: Arc<AtomicBool>,
/// }
///
/// impl warden::ExecutionMonitor for CancelFlag {
///     fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
///         let cancelled = self.cancelled.clone();
///         Ok(async move {
///             while !cancelled.load(Ordering::Relaxed) {
///                 warden::monitor::sleep(Duration::from_millis(5)).await;
///             }
///         })
///     }
///
///     fn name(&self) -> &'static str {
///         "cancel-flag"
///     }
/// }
/// ```
pub trait ExecutionMonitor: Send + Sync {
    /// Prepares to watch a call. The body runs on the calling thread, just
    /// before the handler starts: capture thread-local state here. Return
    /// an error to refuse the call — the handler then never runs (a call is
    /// never left unmonitored).
    ///
    /// The returned future runs on the shared monitor runtime, first polled
    /// 0.5 to 1.5 ms after the call started; a call that ends sooner drops
    /// it unpolled. So take the starting point of a budget here, not in the
    /// future. It must stay pending while the call may continue, and
    /// complete (return `()`) when the call must be killed; it is dropped if
    /// the handler finishes first.
    /// It must not block: await [`sleep`] or other asynchronous operations
    /// instead. Do not kill the sandbox from it; completing is enough.
    fn get_monitor(&self) -> Result<impl Future<Output = ()> + Send + 'static>;

    /// A short, stable name, used in errors, logs and the `monitor_type`
    /// metric label (for example `"wall-clock"`).
    fn name(&self) -> &'static str;

    /// The budget this monitor enforces, if it has one, for error messages.
    fn budget(&self) -> Option<Duration> {
        None
    }
}

/// The longest budget the built-in monitors accept: 366 days. Longer ones
/// (up to `Duration::MAX`) would overflow the clock arithmetic of a deadline.
pub const MAX_BUDGET: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// Checks a budget for a built-in monitor: longer than zero, at most
/// [`MAX_BUDGET`].
#[cfg_attr(
    not(any(feature = "monitor-wall-clock", feature = "monitor-cpu-time")),
    allow(dead_code, reason = "only the built-in monitors check budgets")
)]
pub(crate) fn check_budget(kind: &str, budget: Duration) -> Result<Duration> {
    if budget.is_zero() {
        return Err(crate::Error::InvalidConfig(format!(
            "a {kind} budget must be longer than zero"
        )));
    }
    if budget > MAX_BUDGET {
        return Err(crate::Error::InvalidConfig(format!(
            "a {kind} budget must be at most 366 days, got {budget:?}"
        )));
    }
    Ok(budget)
}

/// Sleeps without blocking the monitor runtime: the sleep that monitor
/// futures should use. The time counts from the first poll; for a budget
/// that counts from the start of the call, use [`sleep_until`] with a
/// deadline taken in [`ExecutionMonitor::get_monitor`]. It wakes within
/// tens of microseconds of its deadline (the runtime's own timer counts
/// whole milliseconds).
pub async fn sleep(duration: Duration) {
    match Instant::now().checked_add(duration) {
        Some(deadline) => sleep_until(deadline).await,
        // Past the clock's range: a deadline that never comes.
        None => std::future::pending().await,
    }
}

/// Sleeps until `deadline` without blocking the monitor runtime, waking
/// within tens of microseconds of it.
pub async fn sleep_until(deadline: Instant) {
    timer::Sleep::until(deadline).await;
}
