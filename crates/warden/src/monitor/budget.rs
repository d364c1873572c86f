//! [`Budget`]: the usual pair of built-in monitors, either, both or neither,
//! as one [`MonitorSet`].

use std::time::Duration;

use super::set::{sealed, start_one, MonitorSet, Race};
use super::{CpuTimeMonitor, ExecutionMonitor, WallClockMonitor};
use crate::error::Result;

/// A wall-clock budget, a CPU-time budget, both, or neither: the monitors
/// most callers want, as one value that front ends (a command line, a
/// binding, a config file) can fill in from optional settings.
///
/// With both, the first to fire kills the call, as with a tuple; with
/// neither, nothing watches the call and it costs nothing.
///
/// ```
/// # fn main() -> warden::Result<()> {
/// use std::time::Duration;
/// use warden::monitor::Budget;
/// use warden::{Error, SandboxBuilder, Script};
///
/// let mut sandbox = SandboxBuilder::new().build()?.load_runtime()?;
/// sandbox.add_handler("spin", Script::from_content("function handler() { for (;;) {} }"))?;
/// let mut loaded = sandbox.get_loaded_sandbox()?;
/// let budget = Budget::new(Some(Duration::from_secs(5)), Some(Duration::from_millis(20)))?;
/// let error = loaded.handle_event_with_monitor("spin", "{}", &budget, None).unwrap_err();
/// assert_eq!(error.killer().and_then(|k| k.monitor_name()), Some("cpu-time"));
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    wall_clock: Option<WallClockMonitor>,
    cpu_time: Option<CpuTimeMonitor>,
}

impl Budget {
    /// A budget of at most `wall_clock` of real time and `cpu_time` of CPU
    /// time; each is checked as [`WallClockMonitor::new`] and
    /// [`CpuTimeMonitor::new`] check it.
    pub fn new(wall_clock: Option<Duration>, cpu_time: Option<Duration>) -> Result<Self> {
        Ok(Self {
            wall_clock: wall_clock.map(WallClockMonitor::new).transpose()?,
            cpu_time: cpu_time.map(CpuTimeMonitor::new).transpose()?,
        })
    }

    /// The real-time budget, if there is one.
    pub fn wall_clock(&self) -> Option<Duration> {
        self.wall_clock
            .and_then(|monitor| ExecutionMonitor::budget(&monitor))
    }

    /// The CPU-time budget, if there is one.
    pub fn cpu_time(&self) -> Option<Duration> {
        self.cpu_time
            .and_then(|monitor| ExecutionMonitor::budget(&monitor))
    }

    /// Whether nothing is budgeted.
    pub fn is_empty(&self) -> bool {
        self.wall_clock.is_none() && self.cpu_time.is_none()
    }
}

impl MonitorSet for Budget {}

impl sealed::Sealed for Budget {
    fn is_empty(&self) -> bool {
        Budget::is_empty(self)
    }

    fn start(&self) -> Result<Option<Race>> {
        match (&self.wall_clock, &self.cpu_time) {
            (None, None) => Ok(None),
            (Some(wall), None) => sealed::Sealed::start(wall),
            (None, Some(cpu)) => sealed::Sealed::start(cpu),
            (Some(wall), Some(cpu)) => {
                // Both start on this thread before either runs.
                let (wall, cpu) = (start_one(wall)?, start_one(cpu)?);
                let shortest_budget = [wall.1.budget(), cpu.1.budget()]
                    .into_iter()
                    .flatten()
                    .min();
                Ok(Some(Race {
                    shortest_budget,
                    future: Box::pin(async move {
                        tokio::select! {
                            _ = wall.0 => wall.1,
                            _ = cpu.0 => cpu.1,
                        }
                    }),
                }))
            }
        }
    }
}
