//! Budgets shorter than the monitors' arming delay are honoured. A file
//! with one test, so that nothing else of this crate runs beside it.

mod common;

use std::time::Duration;

use common::loaded;
use warden::{Error, WallClockMonitor};

/// Busy for `e.ms` milliseconds of real time.
const BUSY: &str = "function handler(e) {
    const end = performance.now() + e.ms;
    while (performance.now() < end) {}
    return 'finished';
}";

#[test]
fn a_one_millisecond_budget_kills_a_four_millisecond_call_every_time() {
    let mut sandbox = loaded(&[("busy", BUSY)]);
    let snapshot = sandbox.snapshot().unwrap();
    let budget = WallClockMonitor::new(Duration::from_millis(1)).unwrap();
    for call in 0..20 {
        let result = sandbox.handle_event_with_monitor("busy", r#"{"ms":4}"#, &budget, None);
        assert!(
            matches!(&result, Err(Error::Killed(killer)) if killer.monitor_name() == Some("wall-clock")),
            "call {call}: {result:?}"
        );
        sandbox.restore(&snapshot).unwrap();
    }
    // Calls far inside a short budget still finish.
    let roomy = WallClockMonitor::new(Duration::from_secs(5)).unwrap();
    let result = sandbox.handle_event_with_monitor("busy", r#"{"ms":4}"#, &roomy, None);
    assert_eq!(result.unwrap(), r#""finished""#);
}
