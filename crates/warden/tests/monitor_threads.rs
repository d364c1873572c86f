//! WARDEN_MONITOR_THREADS sets the size of the monitor runtime. Alone in
//! its binary: the variable is read once per process.
//!
//! Linux only: the threads are counted by name, which only Linux's `/proc`
//! tells.
#![cfg(target_os = "linux")]

mod common;

use std::time::Duration;

use common::{loaded, ECHO};
use warden::WallClockMonitor;

fn monitor_threads() -> usize {
    common::process::threads_named("warden-monitor").expect("Linux has /proc")
}

#[test]
fn the_runtime_has_the_requested_number_of_threads() {
    std::env::set_var(warden::monitor::MONITOR_THREADS_ENV, "3");
    let mut loaded = loaded(&[("echo", ECHO)]);
    assert_eq!(monitor_threads(), 0, "the runtime starts lazily");
    let wall = WallClockMonitor::new(Duration::from_secs(5)).unwrap();
    for _ in 0..20 {
        loaded
            .handle_event_with_monitor("echo", "{}", &wall, None)
            .unwrap();
    }
    // Worker threads start asynchronously; on a loaded machine that takes
    // a moment.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while monitor_threads() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(monitor_threads(), 3);
    for _ in 0..200 {
        loaded
            .handle_event_with_monitor("echo", "{}", &wall, None)
            .unwrap();
    }
    assert_eq!(monitor_threads(), 3, "no thread is added per call");
}
