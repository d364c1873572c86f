//! The runtime monitor futures run on: created on first use, shared by
//! every sandbox, never one thread per call.

use std::sync::OnceLock;

use tokio::runtime::{Builder, Runtime};

/// Environment variable holding the number of monitor worker threads
/// (default 2). Read once, when the first monitored call starts; an invalid
/// value makes monitored calls fail with
/// [`Error::MonitorRuntime`](crate::Error::MonitorRuntime) rather than fall
/// back silently.
pub const MONITOR_THREADS_ENV: &str = "WARDEN_MONITOR_THREADS";

const DEFAULT_THREADS: usize = 2;

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The shared monitor runtime, created on first use, or why it cannot be.
pub(super) fn monitor_runtime() -> Result<&'static Runtime, String> {
    RUNTIME
        .get_or_init(|| {
            let threads = threads_from(std::env::var(MONITOR_THREADS_ENV).ok().as_deref())?;
            tracing::debug!(threads, "starting the monitor runtime");
            Builder::new_multi_thread()
                .worker_threads(threads)
                .thread_name("warden-monitor")
                .enable_time()
                .build()
                .map_err(|e| format!("cannot start the monitor runtime: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Parses the thread count setting.
fn threads_from(value: Option<&str>) -> Result<usize, String> {
    let Some(value) = value else {
        return Ok(DEFAULT_THREADS);
    };
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!(
            "{MONITOR_THREADS_ENV}={value:?} is not a number of threads from 1 to 256"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::threads_from;

    #[test]
    fn thread_counts_are_validated() {
        assert_eq!(threads_from(None), Ok(2));
        assert_eq!(threads_from(Some("4")), Ok(4));
        assert_eq!(threads_from(Some(" 8 ")), Ok(8));
        for bad in ["", "0", "-1", "two", "1.5", "100000"] {
            let err = threads_from(Some(bad)).unwrap_err();
            assert!(err.contains("WARDEN_MONITOR_THREADS"), "{bad:?}: {err}");
        }
    }
}
