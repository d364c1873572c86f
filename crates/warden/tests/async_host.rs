//! Asynchronous host functions, and binary data in host calls: handlers get
//! a promise at once, many calls run together, errors and panics reject, a
//! call's futures are dropped when it ends or is killed, and bytes cross
//! both ways. Time bounds are generous: they tell
//! concurrency from one-after-another, not speed.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::loaded_from;
use warden::{
    Bytes, CpuTimeMonitor, Error, Killer, LoadedJSSandbox, SandboxBuilder, WallClockMonitor,
};

const MS: Duration = Duration::from_millis(1);

/// Counts the futures dropped, whether they finished or not.
#[derive(Clone, Default)]
struct Drops(Arc<AtomicUsize>);

struct OnDrop(Drops);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0 .0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drops {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Waits (up to a generous bound) until `n` futures were dropped.
    fn wait_for(&self, n: usize) -> bool {
        let start = Instant::now();
        while self.count() < n {
            if start.elapsed() > Duration::from_secs(10) {
                return false;
            }
            std::thread::sleep(MS);
        }
        true
    }
}

/// A sandbox with `db.sleep(ms, value)` (answers `value` after `ms`),
/// `db.fail(message)`, `db.panic()`, `db.never()` (never finishes), each
/// counting its drops, and the handler `source`.
fn sandbox(source: &str) -> (LoadedJSSandbox, Drops) {
    let drops = Drops::default();
    let mut proto = SandboxBuilder::new().build().unwrap();
    let (d1, d2) = (drops.clone(), drops.clone());
    proto
        .host_module("db")
        .unwrap()
        .register_async("sleep", move |ms: u64, value: serde_json::Value| {
            let guard = OnDrop(d1.clone());
            async move {
                let _guard = guard;
                tokio::time::sleep(Duration::from_millis(ms)).await;
                value
            }
        })
        .unwrap()
        .register_async_fallible(
            "fail",
            |message: String| async move { Err::<(), _>(message) },
        )
        .unwrap()
        .register_async("panic", || async {
            if true {
                panic!("a host future panicked");
            }
        })
        .unwrap()
        .register_async("never", move || {
            let guard = OnDrop(d2.clone());
            async move {
                let _guard = guard;
                std::future::pending::<()>().await
            }
        })
        .unwrap()
        .register("sync_add", |a: i64, b: i64| a + b)
        .unwrap();
    (loaded_from(proto, &[("h", source)]), drops)
}

fn call(loaded: &mut LoadedJSSandbox, event: &str) -> serde_json::Value {
    serde_json::from_str(&loaded.handle_event("h", event, None).unwrap()).unwrap()
}

#[test]
fn ten_calls_of_50_ms_run_together() {
    let (mut loaded, drops) = sandbox(
        r#"import { sleep } from "host:db";
        export async function handler() {
            const calls = [];
            for (let i = 0; i < 10; i++) calls.push(sleep(50, i));
            return await Promise.all(calls);
        }"#,
    );
    call(&mut loaded, "{}"); // warms the host runtime up
    let start = Instant::now();
    let result = call(&mut loaded, "{}");
    let took = start.elapsed();
    assert_eq!(result, serde_json::json!([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    // One after another they would take 500 ms.
    assert!(took >= 50 * MS && took < 400 * MS, "{took:?}");
    assert!(drops.wait_for(20));
}

#[test]
fn answers_settle_in_the_order_the_futures_finish() {
    let (mut loaded, _) = sandbox(
        r#"import { sleep, sync_add } from "host:db";
        export async function handler() {
            const order = [];
            const slow = sleep(150, "slow").then((v) => order.push(v));
            const fast = sleep(10, "fast").then((v) => order.push(v));
            order.push(`sync ${sync_add(1, 2)}`);
            await Promise.all([slow, fast]);
            return order;
        }"#,
    );
    assert_eq!(
        call(&mut loaded, "{}"),
        serde_json::json!(["sync 3", "fast", "slow"])
    );
}

#[test]
fn errors_and_panics_reject_with_catchable_errors() {
    let (mut loaded, _) = sandbox(
        r#"import { fail, panic, sleep } from "host:db";
        export async function handler() {
            const out = [];
            for (const f of [() => fail("no such row"), () => panic(), () => sleep("x")]) {
                try { await f(); out.push("resolved"); }
                catch (e) { out.push(`${e instanceof Error}: ${e.message}`); }
            }
            return out;
        }"#,
    );
    let result = call(&mut loaded, "{}");
    assert_eq!(result[0], "true: host function db.fail failed: no such row");
    assert_eq!(
        result[1],
        "true: host function db.panic failed: the host function panicked"
    );
    let bad = result[2].as_str().unwrap();
    assert!(
        bad.starts_with("true: host function db.sleep failed: argument 1"),
        "{bad}"
    );
    // The sandbox goes on working.
    assert_eq!(call(&mut loaded, "{}")[0], result[0]);
}

#[test]
fn a_wall_clock_budget_ends_a_wait_on_a_future_that_never_finishes_and_drops_it() {
    let (mut loaded, drops) = sandbox(
        r#"import { never } from "host:db";
        export async function handler() { await never(); return "finished"; }"#,
    );
    let snapshot = loaded.snapshot().unwrap();
    let budget = WallClockMonitor::new(100 * MS).unwrap();
    let start = Instant::now();
    let outcome = loaded.handle_event_with_monitor("h", "{}", &budget, None);
    let took = start.elapsed();
    match outcome {
        Err(Error::Killed(killer)) => assert_eq!(killer.monitor_name(), Some("wall-clock")),
        other => panic!("expected a kill, got {other:?}"),
    }
    assert!(took >= 100 * MS && took < 5_000 * MS, "{took:?}");
    assert!(drops.wait_for(1), "the future was not dropped");
    loaded.restore(&snapshot).unwrap();
}

#[test]
fn a_kill_from_another_thread_ends_a_wait_on_a_future() {
    let (mut loaded, drops) = sandbox(
        r#"import { never } from "host:db";
        export async function handler() { await never(); }"#,
    );
    let handle = loaded.interrupt_handle();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(100 * MS);
        handle.kill();
    });
    let outcome = loaded.handle_event("h", "{}", None);
    killer.join().unwrap();
    assert!(
        matches!(outcome, Err(Error::Killed(Killer::Handle))),
        "{outcome:?}"
    );
    assert!(drops.wait_for(1), "the future was not dropped");
}

#[test]
fn waiting_on_the_host_is_not_cpu_time() {
    let (mut loaded, _) = sandbox(
        r#"import { sleep } from "host:db";
        export async function handler() { return await sleep(300, "done"); }"#,
    );
    let cpu = CpuTimeMonitor::new(100 * MS).unwrap();
    let result = loaded
        .handle_event_with_monitor("h", "{}", &cpu, None)
        .unwrap();
    assert_eq!(result, r#""done""#);
    let stats = loaded.last_call_stats().unwrap();
    assert!(stats.wall_time >= 300 * MS, "{stats:?}");
    assert!(
        stats.host_wait_time >= 250 * MS && stats.host_wait_time <= stats.wall_time,
        "{stats:?}"
    );
    assert!(
        stats.guest_cpu_time.unwrap() < stats.wall_time / 2,
        "{stats:?}"
    );
}

#[test]
fn calls_in_flight_when_a_call_ends_are_dropped_and_their_answers_ignored() {
    let (mut loaded, drops) = sandbox(
        r#"import { sleep, never } from "host:db";
        export async function handler(event) {
            if (event.leave) {
                never();
                sleep(50, 1).then(() => { globalThis.late = true; });
                return "left";
            }
            await sleep(100, 0);
            return globalThis.late ?? false;
        }"#,
    );
    assert_eq!(call(&mut loaded, r#"{"leave":true}"#), "left");
    assert!(drops.wait_for(2), "the futures were not dropped");
    // A later call, long enough for the dropped sleep to have answered.
    assert_eq!(call(&mut loaded, "{}"), false);
}

#[test]
fn a_restored_snapshot_runs_async_calls_again() {
    let (mut loaded, _) = sandbox(
        r#"import { sleep } from "host:db";
        let n = 0;
        export async function handler() { n++; return [n, await sleep(1, "ok")]; }"#,
    );
    let snapshot = loaded.snapshot().unwrap();
    assert_eq!(call(&mut loaded, "{}"), serde_json::json!([1, "ok"]));
    assert_eq!(call(&mut loaded, "{}"), serde_json::json!([2, "ok"]));
    loaded.restore(&snapshot).unwrap();
    assert_eq!(call(&mut loaded, "{}"), serde_json::json!([1, "ok"]));
}

#[test]
fn bytes_cross_both_ways_sync_and_async_within_the_size_limit() {
    let mut proto = SandboxBuilder::new().max_result_size(4096).build().unwrap();
    proto
        .host_module("codec")
        .unwrap()
        .register("reverse", |input: Bytes| {
            Bytes(input.0.into_iter().rev().collect())
        })
        .unwrap()
        .register_async("concat", |a: Bytes, b: Bytes| async move {
            Bytes([a.0, b.0].concat())
        })
        .unwrap()
        .register("big", |n: usize| Bytes(vec![7; n]))
        .unwrap();
    let mut loaded = loaded_from(
        proto,
        &[(
            "h",
            r#"import { reverse, concat, big } from "host:codec";
            export async function handler() {
                const bytes = new Uint8Array([1, 2, 3, 255]);
                const reversed = reverse(bytes);
                const joined = await concat(bytes.buffer, new DataView(bytes.buffer, 2));
                const errors = [];
                for (const f of [() => reverse(new Uint8Array(5000)), () => big(5000)]) {
                    try { f(); errors.push("passed"); } catch (e) { errors.push(e.message); }
                }
                return {
                    typed: reversed instanceof Uint8Array && joined instanceof Uint8Array,
                    reversed: Array.from(reversed),
                    joined: Array.from(joined),
                    errors,
                    sized: big(4000).length,
                };
            }"#,
        )],
    );
    let result = call(&mut loaded, "{}");
    assert_eq!(result["typed"], true);
    assert_eq!(result["reversed"], serde_json::json!([255, 3, 2, 1]));
    assert_eq!(result["joined"], serde_json::json!([1, 2, 3, 255, 3, 255]));
    assert!(
        result["errors"][0]
            .as_str()
            .unwrap()
            .contains("its arguments are 5000 bytes, over the limit of 4096"),
        "{result}"
    );
    assert!(
        result["errors"][1]
            .as_str()
            .unwrap()
            .contains("its result is 5000 bytes, over the limit of 4096"),
        "{result}"
    );
    assert_eq!(result["sized"], 4000);
}

#[test]
fn a_thousand_calls_in_flight_at_once_all_answer() {
    let (mut loaded, drops) = sandbox(
        r#"import { sleep } from "host:db";
        export async function handler() {
            const calls = [];
            for (let i = 0; i < 1000; i++) calls.push(sleep(20, i));
            const values = await Promise.all(calls);
            return values.reduce((sum, v) => sum + v, 0);
        }"#,
    );
    assert_eq!(call(&mut loaded, "{}"), 999 * 1000 / 2);
    assert!(drops.wait_for(1000));
}
