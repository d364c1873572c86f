//! An invalid WARDEN_MONITOR_THREADS is an error, never a silent default.
//! Alone in its binary: the variable is read once per process.

mod common;

use std::time::Duration;

use common::{loaded, ECHO};
use warden::{Error, WallClockMonitor};

#[test]
fn an_invalid_thread_count_fails_monitored_calls_closed() {
    std::env::set_var(warden::monitor::MONITOR_THREADS_ENV, "lots");
    let mut loaded = loaded(&[("echo", ECHO)]);
    let wall = WallClockMonitor::new(Duration::from_secs(5)).unwrap();
    for _ in 0..2 {
        let err = loaded
            .handle_event_with_monitor("echo", "{}", &wall, None)
            .unwrap_err();
        assert!(
            matches!(&err, Error::MonitorRuntime(m) if m.contains("WARDEN_MONITOR_THREADS") && m.contains("lots")),
            "{err}"
        );
        assert!(!loaded.poisoned());
    }
    // Unmonitored calls do not need the runtime.
    assert_eq!(loaded.handle_event("echo", "1", None).unwrap(), "1");
}
