//! [`CpuTimeMonitor`]: a CPU-time budget.

use std::future::Future;
use std::time::{Duration, Instant};

use super::call_cpu::call_start;
use super::thread_clock::ThreadCpuClock;
use super::timer::Sleep;
use super::{check_budget, sleep, ExecutionMonitor};
use crate::error::{Error, Result};

const NAME: &str = "cpu-time";
/// The shortest wait between reads of the clock near the end of a budget.
const MIN_POLL: Duration = Duration::from_micros(50);
/// The longest wait between reads, so that a clock that fails is noticed.
const MAX_POLL: Duration = Duration::from_millis(10);

/// Kills a call once the guest has used its budget of CPU time.
///
/// The guest runs on the calling thread, so the monitor reads that thread's
/// own CPU clock, captured in [`get_monitor`](ExecutionMonitor::get_monitor):
/// time the call spends waiting (for a host function, or for the CPU while
/// other threads run) is not counted. It polls the clock, sleeping for the
/// budget that remains between reads (at least 50 µs, at most 10 ms): a
/// thread cannot use CPU time faster than real time passes, so no read
/// comes after the budget was spent by more than the shortest wait, and a
/// thread that runs all along is read once more, at the end of its budget,
/// by a precise sleep (see [`sleep`]).
/// If the clock cannot be read, it kills the call rather than let it run
/// unwatched.
///
/// Supported on Linux and other Unix systems with per-thread CPU clocks,
/// macOS and Windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuTimeMonitor {
    budget: Duration,
}

impl CpuTimeMonitor {
    /// A monitor with a budget of `budget`: longer than zero and at most
    /// [`MAX_BUDGET`](crate::monitor::MAX_BUDGET) (366 days), or
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig).
    pub fn new(budget: Duration) -> Result<Self> {
        Ok(Self {
            budget: check_budget("CPU-time", budget)?,
        })
    }
}

impl ExecutionMonitor for CpuTimeMonitor {
    fn get_monitor(&self) -> Result<impl Future<Output = ()> + Send + 'static> {
        let failed = |e: std::io::Error| Error::MonitorFailed {
            name: NAME,
            reason: format!("cannot read this thread's CPU clock: {e}"),
        };
        let clock = ThreadCpuClock::current().map_err(failed)?;
        let start = call_start().map_err(failed)?;
        let budget = self.budget;
        Ok(async move {
            loop {
                let used = match clock.now() {
                    Ok(now) => now.saturating_sub(start),
                    Err(e) => {
                        tracing::warn!(error = %e, "the guest thread's CPU clock failed; killing the call");
                        return;
                    }
                };
                let Some(remaining) = budget.checked_sub(used).filter(|r| !r.is_zero()) else {
                    return;
                };
                if remaining > MAX_POLL {
                    Sleep::coarse_until(Instant::now() + MAX_POLL).await;
                } else {
                    // The read that may find the budget spent.
                    sleep(remaining.max(MIN_POLL)).await;
                }
            }
        })
    }

    fn name(&self) -> &'static str {
        NAME
    }

    fn budget(&self) -> Option<Duration> {
        Some(self.budget)
    }
}
