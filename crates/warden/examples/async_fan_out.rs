//! A handler that fans out to an asynchronous host function, under a
//! (wall-clock, CPU-time) budget.
//!
//! `db.get(id)` is a Rust future that takes 50 ms. The handler asks for ten
//! rows with `Promise.all`: the ten calls are in flight together, so the
//! call takes about 50 ms, not 500, and its CPU time stays tiny, because
//! waiting on the host is not CPU time. A second handler holds the sandbox
//! on a host call that never answers; the CPU-time budget cannot see that
//! (it uses no CPU), and the wall-clock budget ends it, dropping the future.
//!
//! Run with `cargo run -p warden --example async_fan_out`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use warden::{CpuTimeMonitor, SandboxBuilder, Script, WallClockMonitor};

/// Sets its flag when the future holding it is dropped.
struct Dropped(Arc<AtomicBool>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn main() -> warden::Result<()> {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = dropped.clone();
    let mut proto = SandboxBuilder::new().build()?;
    proto
        .host_module("db")?
        .register_async("get", |id: u32| async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            serde_json::json!({ "id": id, "name": format!("row {id}") })
        })?
        .register_async("lock", move || {
            let guard = Dropped(flag.clone());
            async move {
                let _guard = guard;
                std::future::pending::<()>().await
            }
        })?;
    let mut sandbox = proto.load_runtime()?;
    sandbox.add_handler(
        "rows",
        Script::from_content(
            r#"import { get } from "host:db";
            export async function handler(event) {
                const rows = await Promise.all(event.ids.map((id) => get(id)));
                return rows.map((row) => row.name);
            }"#,
        ),
    )?;
    sandbox.add_handler(
        "hold",
        Script::from_content(
            r#"import { lock } from "host:db";
            export async function handler() { await lock(); return "never"; }"#,
        ),
    )?;
    let mut loaded = sandbox.get_loaded_sandbox()?;
    let snapshot = loaded.snapshot()?;
    let budget = (
        WallClockMonitor::new(Duration::from_millis(300))?,
        CpuTimeMonitor::new(Duration::from_millis(100))?,
    );

    let start = Instant::now();
    let rows = loaded.handle_event_with_monitor(
        "rows",
        r#"{"ids":[1,2,3,4,5,6,7,8,9,10]}"#,
        &budget,
        None,
    )?;
    let took = start.elapsed();
    let stats = loaded.last_call_stats().expect("a call ran");
    println!("ten 50 ms rows in {took:?}: {rows}");
    println!(
        "  waited on the host {:?}, used {:?} of CPU",
        stats.host_wait_time,
        stats.guest_cpu_time.unwrap_or_default()
    );
    assert!(rows.starts_with(r#"["row 1","row 2""#));
    assert!(took < Duration::from_millis(300), "{took:?}");

    let start = Instant::now();
    let error = loaded
        .handle_event_with_monitor("hold", "{}", &budget, None)
        .unwrap_err();
    println!("holding a host call: {error} after {:?}", start.elapsed());
    assert_eq!(
        error.killer().and_then(|k| k.monitor_name()),
        Some("wall-clock")
    );
    let wait = Instant::now();
    while !dropped.load(Ordering::SeqCst) {
        assert!(
            wait.elapsed() < Duration::from_secs(10),
            "the future was not dropped"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    println!("  its future was dropped");
    loaded.restore(&snapshot)?;
    Ok(())
}
