//! [`WallClockMonitor`]: a real-time budget.

use std::future::Future;
use std::time::{Duration, Instant};

use super::{sleep_until, ExecutionMonitor};
use crate::error::{Error, Result};

/// Kills a call that runs longer than its budget in real time, whether it
/// computes or waits (for example on a host function that never returns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WallClockMonitor {
    budget: Duration,
}

impl WallClockMonitor {
    /// A monitor with a budget of `budget`, which must not be zero.
    pub fn new(budget: Duration) -> Result<Self> {
        if budget.is_zero() {
            return Err(Error::InvalidConfig(
                "a wall-clock budget must be longer than zero".into(),
            ));
        }
        Ok(Self { budget })
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
