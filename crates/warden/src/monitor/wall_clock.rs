//! [`WallClockMonitor`]: a real-time budget.

use std::future::Future;
use std::time::{Duration, Instant};

use super::{check_budget, sleep_until, ExecutionMonitor};
use crate::error::Result;

/// Kills a call that runs longer than its budget in real time, whether it
/// computes or waits (for example on a host function that never returns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WallClockMonitor {
    budget: Duration,
}

impl WallClockMonitor {
    /// A monitor with a budget of `budget`: longer than zero and at most
    /// [`MAX_BUDGET`](crate::monitor::MAX_BUDGET) (366 days), or
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig).
    pub fn new(budget: Duration) -> Result<Self> {
        Ok(Self {
            budget: check_budget("wall-clock", budget)?,
        })
    }
}

impl ExecutionMonitor for WallClockMonitor {
    fn get_monitor(&self) -> Result<impl Future<Output = ()> + Send + 'static> {
        // The budget starts now, on the calling thread, not when the runtime
        // first polls the future.
        Ok(sleep_until(Instant::now() + self.budget))
    }

    fn name(&self) -> &'static str {
        "wall-clock"
    }

    fn budget(&self) -> Option<Duration> {
        Some(self.budget)
    }
}
