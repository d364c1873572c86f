//! Host-call benchmarks: an asynchronous host call's round trip against a
//! synchronous one in the same run, many calls in flight at once, and how
//! fast a kill ends a wait on the host.
//!
//! Run with `cargo bench -p warden --bench host_calls`. Prints medians.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use warden::{Error, Killer, LoadedJSSandbox, SandboxBuilder, WallClockMonitor};

/// Calls per handler call in the round-trip rows.
const CALLS: usize = 1_000;

const HANDLERS: &[(&str, &str)] = &[
    (
        "sync",
        r#"import { noop } from "host:sync";
        export function handler(e) { for (let i = 0; i < e.n; i++) noop(); return e.n; }"#,
    ),
    (
        "async",
        r#"import { noop } from "host:async";
        export async function handler(e) { for (let i = 0; i < e.n; i++) await noop(); return e.n; }"#,
    ),
    (
        "yield",
        r#"import { yieldOnce } from "host:async";
        export async function handler(e) { for (let i = 0; i < e.n; i++) await yieldOnce(); return e.n; }"#,
    ),
    (
        "fan",
        r#"import { sleep } from "host:async";
        export async function handler(e) {
            const calls = [];
            for (let i = 0; i < e.n; i++) calls.push(sleep(5));
            return (await Promise.all(calls)).length;
        }"#,
    ),
    (
        "never",
        r#"import { never } from "host:async";
        export async function handler() { await never(); }"#,
    ),
];

fn sandbox() -> LoadedJSSandbox {
    let mut proto = SandboxBuilder::new().build().unwrap();
    proto
        .host_module("sync")
        .unwrap()
        .register("noop", || ())
        .unwrap();
    proto
        .host_module("async")
        .unwrap()
        .register_async("noop", || async {})
        .unwrap()
        .register_async("yieldOnce", tokio::task::yield_now)
        .unwrap()
        .register_async("sleep", |ms: u64| {
            tokio::time::sleep(Duration::from_millis(ms))
        })
        .unwrap()
        .register_async("never", std::future::pending::<()>)
        .unwrap();
    common::loaded_from(proto, HANDLERS)
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p) as usize]
}

fn per_call(total: Duration) -> f64 {
    total.as_secs_f64() * 1e6 / CALLS as f64
}

fn main() {
    let mut loaded = sandbox();
    let event = format!(r#"{{"n":{CALLS}}}"#);
    println!("benchmark (median)                                   warden   reference               ratio");

    // Round trips, alternating so that a slow spell weighs on both.
    let (mut sync, mut asynchronous, mut yielding) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..60 {
        for (name, samples) in [
            ("sync", &mut sync),
            ("async", &mut asynchronous),
            ("yield", &mut yielding),
        ] {
            let start = Instant::now();
            black_box(loaded.handle_event(name, &event, Some(false)).unwrap());
            samples.push(start.elapsed());
        }
    }
    let sync = per_call(median(&mut sync));
    let asynchronous = per_call(median(&mut asynchronous));
    let yielding = per_call(median(&mut yielding));
    println!(
        "{:<48} {:>6.2} µs   sync host call {:>5.2} µs   {:>4.2}x   target <= 2x",
        "no-op async host call, round trip",
        asynchronous,
        sync,
        asynchronous / sync
    );
    println!(
        "{:<48} {:>6.2} µs   sync host call {:>5.2} µs   {:>4.2}x",
        "async host call that yields once (host runtime)",
        yielding,
        sync,
        yielding / sync
    );

    // 1,000 calls in flight in one call, and memory afterwards.
    let rss = common::process::rss_bytes;
    let fan = r#"{"n":1000}"#;
    // Warm-up: the guest's heap and the allocators reach their working size.
    for _ in 0..40 {
        assert_eq!(loaded.handle_event("fan", fan, None).unwrap(), "1000");
    }
    let before = rss();
    let mut fans = Vec::new();
    for _ in 0..100 {
        let start = Instant::now();
        assert_eq!(loaded.handle_event("fan", fan, None).unwrap(), "1000");
        fans.push(start.elapsed());
    }
    let after = rss();
    println!(
        "{:<48} {:>6.2} ms   (each call sleeps 5 ms)",
        "1,000 concurrent host calls in one call",
        median(&mut fans).as_secs_f64() * 1e3
    );
    if let (Some(before), Some(after)) = (before, after) {
        println!(
            "{:<48} {:>6} KiB   (100 such calls, after 40 to warm up)",
            "  resident memory change over them",
            (after as i64 - before as i64) / 1024
        );
    }

    // A kill while the guest waits on a host future that never finishes.
    let snapshot = loaded.snapshot().unwrap();
    let mut latencies = Vec::new();
    for _ in 0..300 {
        let handle = loaded.interrupt_handle();
        let killer = thread::spawn(move || {
            while !handle.is_running() {
                std::hint::spin_loop();
            }
            thread::sleep(Duration::from_millis(2));
            let at = Instant::now();
            handle.kill();
            at
        });
        let result = loaded.handle_event("never", "{}", None);
        let returned = Instant::now();
        let killed_at = killer.join().unwrap();
        assert!(
            matches!(result, Err(Error::Killed(Killer::Handle))),
            "{result:?}"
        );
        latencies.push(returned - killed_at);
        loaded.restore(&snapshot).unwrap();
    }
    println!(
        "{:<48} {:>6.1} µs   p99 {:>6.1} µs                 target <= 1 ms (p99 <= 5 ms)",
        "kill() while waiting on the host, to return",
        median(&mut latencies).as_secs_f64() * 1e6,
        percentile(&mut latencies, 0.99).as_secs_f64() * 1e6
    );

    // The same through a wall-clock monitor: how far past its budget.
    let budget = WallClockMonitor::new(Duration::from_millis(50)).unwrap();
    let mut overshoot = Vec::new();
    for _ in 0..100 {
        let start = Instant::now();
        let result = loaded.handle_event_with_monitor("never", "{}", &budget, None);
        overshoot.push(start.elapsed().saturating_sub(Duration::from_millis(50)));
        assert!(matches!(result, Err(Error::Killed(_))), "{result:?}");
        loaded.restore(&snapshot).unwrap();
    }
    println!(
        "{:<48} {:>6.2} ms   p99 {:>6.2} ms",
        "wall-clock 50 ms budget on a wait: overshoot",
        median(&mut overshoot).as_secs_f64() * 1e3,
        percentile(&mut overshoot, 0.99).as_secs_f64() * 1e3
    );
}
