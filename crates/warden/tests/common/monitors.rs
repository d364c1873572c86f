//! Execution monitors for tests, shared with the fuzz targets.

use std::future::Future;

use warden::ExecutionMonitor;

/// Never fires.
pub(crate) struct Never;

impl ExecutionMonitor for Never {
    fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
        Ok(std::future::pending())
    }
    fn name(&self) -> &'static str {
        "never"
    }
}
