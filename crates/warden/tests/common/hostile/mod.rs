//! The harness of the hostile-handler tests (`tests/hostile.rs`): the
//! attacked sandbox and its bystander ([`Arena`]), the victims that check
//! tampering does not reach the runtime's plumbing, budgets, and the
//! assertions the attacks share.
//!
//! Only `tests/hostile.rs` includes it, as its own module next to
//! [`common`](crate::common).

mod arena;
mod bystander;
mod victims;

use std::time::Duration;

use warden::{CpuTimeMonitor, Error, JsError, WallClockMonitor};

use crate::common::{loaded, ECHO};
pub(crate) use arena::{Arena, Outcome};
pub(crate) use victims::{beside_victims, tamper_in_modes, victims_unaffected};

/// The CPU budget runaway attacks are held to.
pub(crate) const BUDGET: Duration = Duration::from_millis(100);
/// How much later than its budget a killed call may end, on a loaded
/// machine, before the test calls it a failure.
pub(crate) const SLACK: Duration = Duration::from_secs(10);
/// A wall-clock safety net on every monitored call, so that nothing in this
/// file can hang the run even if a monitor failed.
pub(crate) const SAFETY_NET: Duration = Duration::from_secs(60);
/// How long an unmonitored call may take before its watchdog kills it and
/// the test reports a hang.
pub(crate) const WATCHDOG: Duration = Duration::from_secs(30);

/// The monitors runaway attacks run under: 100 ms of CPU time, and a
/// wall-clock safety net that a working CPU-time monitor always beats.
pub(crate) fn budget() -> (CpuTimeMonitor, WallClockMonitor) {
    (
        CpuTimeMonitor::new(BUDGET).unwrap(),
        WallClockMonitor::new(SAFETY_NET).unwrap(),
    )
}

/// The monitors every other call runs under: far more than any of them
/// needs, so a kill means something went wrong.
pub(crate) fn generous() -> (CpuTimeMonitor, WallClockMonitor) {
    (
        CpuTimeMonitor::new(Duration::from_secs(30)).unwrap(),
        WallClockMonitor::new(SAFETY_NET).unwrap(),
    )
}

/// The host process still makes and runs sandboxes normally.
pub(crate) fn host_is_fine() {
    let mut fresh = loaded(&[("echo", ECHO)]);
    assert_eq!(
        fresh
            .handle_event("echo", r#"{"host":"fine"}"#, None)
            .unwrap(),
        r#"{"host":"fine"}"#
    );
}

/// The `JsError` of a `HandlerThrew`, checking the handler name.
pub(crate) fn threw(result: warden::Result<String>, handler: &str) -> JsError {
    match result {
        Err(Error::HandlerThrew { handler: h, error }) => {
            assert_eq!(h, handler);
            error
        }
        other => panic!("{handler}: expected HandlerThrew, got {other:?}"),
    }
}

/// Asserts `outcome` is not a kill by a monitor.
pub(crate) fn not_killed(outcome: &Outcome, what: &str) {
    assert!(
        !matches!(outcome.result, Err(Error::Killed(_))),
        "{what}: killed by a monitor: {:?}",
        outcome.result
    );
}
