//! Custom execution monitors, composed with a built-in one.
//!
//! `IterationBudget` kills a handler once it has called the host's `tick()`
//! more than a set number of times; `CancelFlag` kills whatever runs once an
//! outside flag is raised. Together with a wall-clock budget, the first to
//! fire wins.
//!
//! Run with `cargo run -p warden --example custom_monitor`.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use warden::monitor::sleep;
use warden::{Error, ExecutionMonitor, SandboxBuilder, Script, WallClockMonitor};

/// Fires when `ticks` passes `limit`. The count is per call: it restarts
/// when the monitor starts.
struct IterationBudget {
    ticks: Arc<AtomicU64>,
    limit: u64,
}

impl ExecutionMonitor for IterationBudget {
    fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
        // This part runs on the calling thread, before the handler starts.
        self.ticks.store(0, Ordering::SeqCst);
        let (ticks, limit) = (self.ticks.clone(), self.limit);
        // This part runs on the monitor runtime once the call has lasted
        // about a millisecond: pending while all is well, complete to kill.
        Ok(async move {
            while ticks.load(Ordering::Relaxed) <= limit {
                sleep(Duration::from_millis(1)).await;
            }
        })
    }

    fn name(&self) -> &'static str {
        "iteration-budget"
    }
}

/// Fires once `cancelled` is set, refusing to start if it already is.
struct CancelFlag {
    cancelled: Arc<AtomicBool>,
}

impl ExecutionMonitor for CancelFlag {
    fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
        if self.cancelled.load(Ordering::SeqCst) {
            // Fail closed: the handler does not run at all.
            return Err(Error::MonitorFailed {
                name: "cancel-flag",
                reason: "the work was cancelled before it started".into(),
            });
        }
        let cancelled = self.cancelled.clone();
        Ok(async move {
            while !cancelled.load(Ordering::Relaxed) {
                sleep(Duration::from_millis(5)).await;
            }
        })
    }

    fn name(&self) -> &'static str {
        "cancel-flag"
    }
}

fn main() -> warden::Result<()> {
    let ticks = Arc::new(AtomicU64::new(0));
    let counter = ticks.clone();
    let mut proto = SandboxBuilder::new().build()?;
    proto.host_module("budget")?.register("tick", move || {
        counter.fetch_add(1, Ordering::Relaxed);
    })?;
    let mut sandbox = proto.load_runtime()?;
    sandbox.add_handler(
        "count",
        Script::from_content(
            "import { tick } from 'host:budget';
             export function handler(event) {
                 let i = 0;
                 while (i < event.upTo) { tick(); i++; }
                 return i;
             }",
        ),
    )?;
    let mut loaded = sandbox.get_loaded_sandbox()?;
    let snapshot = loaded.snapshot()?;

    let cancelled = Arc::new(AtomicBool::new(false));
    let monitors = (
        WallClockMonitor::new(Duration::from_secs(5))?,
        IterationBudget {
            ticks,
            limit: 10_000,
        },
        CancelFlag {
            cancelled: cancelled.clone(),
        },
    );

    // Within budget.
    let result = loaded.handle_event_with_monitor("count", r#"{"upTo": 500}"#, &monitors, None)?;
    println!("500 iterations: {result}");
    assert_eq!(result, "500");

    // Over the iteration budget.
    let error = loaded
        .handle_event_with_monitor("count", r#"{"upTo": 1e12}"#, &monitors, None)
        .unwrap_err();
    println!("1e12 iterations: {error}");
    assert_eq!(
        error.killer().and_then(|k| k.monitor_name()),
        Some("iteration-budget")
    );
    loaded.restore(&snapshot)?;

    // Cancelled from outside while it runs.
    let flag = cancelled.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        flag.store(true, Ordering::SeqCst);
    });
    let huge_budget = (
        WallClockMonitor::new(Duration::from_secs(5))?,
        CancelFlag {
            cancelled: cancelled.clone(),
        },
    );
    let error = loaded
        .handle_event_with_monitor("count", r#"{"upTo": 1e12}"#, &huge_budget, None)
        .unwrap_err();
    canceller.join().unwrap();
    println!("cancelled: {error}");
    assert_eq!(
        error.killer().and_then(|k| k.monitor_name()),
        Some("cancel-flag")
    );
    loaded.restore(&snapshot)?;

    // Already cancelled: the handler never starts, and nothing is poisoned.
    let error = loaded
        .handle_event_with_monitor("count", r#"{"upTo": 1}"#, &monitors, None)
        .unwrap_err();
    println!("after cancellation: {error}");
    assert!(matches!(
        error,
        Error::MonitorFailed {
            name: "cancel-flag",
            ..
        }
    ));
    assert!(!loaded.poisoned());
    Ok(())
}
