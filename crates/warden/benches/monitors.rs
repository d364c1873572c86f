//! Execution monitor benchmarks: the cost of watching a call, and how
//! closely budgets are kept.
//!
//! Run with `cargo bench -p warden --bench monitors`. Prints medians and
//! percentiles; the reference for the overhead is a plain `handle_event`
//! measured in the same run.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{loaded, ECHO, SPIN};
use warden::{CpuTimeMonitor, Error, Killer, WallClockMonitor};

const EVENT: &str = r#"{"id":12345,"user":"alice","action":"login","ok":true,"tags":["a","b"]}"#;

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Median per-call time of `f` over `rounds` rounds of `batch` calls.
fn per_call(rounds: usize, batch: usize, mut f: impl FnMut()) -> Duration {
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..batch {
                f();
            }
            start.elapsed() / batch as u32
        })
        .collect();
    percentile(&mut samples, 0.5)
}

fn main() {
    let mut loaded = loaded(&[("echo", ECHO), ("spin", SPIN)]);
    let snapshot = loaded.snapshot().unwrap();
    let tuple = (
        WallClockMonitor::new(Duration::from_secs(10)).unwrap(),
        CpuTimeMonitor::new(Duration::from_secs(10)).unwrap(),
    );
    // Warm up both paths (and start the monitor runtime).
    for _ in 0..2000 {
        black_box(loaded.handle_event("echo", EVENT, Some(false)).unwrap());
        black_box(
            loaded
                .handle_event_with_monitor("echo", EVENT, &tuple, Some(false))
                .unwrap(),
        );
    }
    // Interleave the two so machine noise hits both alike.
    let (mut plain, mut watched) = (Vec::new(), Vec::new());
    for _ in 0..30 {
        plain.push(per_call(1, 2000, || {
            black_box(loaded.handle_event("echo", EVENT, Some(false)).unwrap());
        }));
        watched.push(per_call(1, 2000, || {
            black_box(
                loaded
                    .handle_event_with_monitor("echo", EVENT, &tuple, Some(false))
                    .unwrap(),
            );
        }));
    }
    let (plain, watched) = (percentile(&mut plain, 0.5), percentile(&mut watched, 0.5));
    println!(
        "echo call: plain {:.2} µs, with (wall-clock, cpu-time) {:.2} µs: overhead {:.2} µs (target <= 5 µs)",
        plain.as_secs_f64() * 1e6,
        watched.as_secs_f64() * 1e6,
        (watched.as_secs_f64() - plain.as_secs_f64()) * 1e6
    );

    println!(
        "\nprecision of `while (true) {{}}` under a budget (what the call used when it returned):"
    );
    println!(
        "{:<12} {:>8} {:>8} {:>11} {:>11} {:>11}",
        "monitor", "budget", "calls", "p50", "p99", "max"
    );
    for budget_ms in [10u64, 100, 1000] {
        let budget = Duration::from_millis(budget_ms);
        let calls = match budget_ms {
            10 => 300,
            100 => 200,
            _ => 30,
        };
        for kind in ["cpu-time", "wall-clock"] {
            let mut used = Vec::with_capacity(calls);
            for _ in 0..calls {
                let result = if kind == "cpu-time" {
                    loaded.handle_event_with_monitor(
                        "spin",
                        "{}",
                        &CpuTimeMonitor::new(budget).unwrap(),
                        None,
                    )
                } else {
                    loaded.handle_event_with_monitor(
                        "spin",
                        "{}",
                        &WallClockMonitor::new(budget).unwrap(),
                        None,
                    )
                };
                assert!(
                    matches!(result, Err(Error::Killed(Killer::Monitor { .. }))),
                    "{kind}: {result:?}"
                );
                let stats = loaded.last_call_stats().unwrap();
                used.push(if kind == "cpu-time" {
                    stats.guest_cpu_time.unwrap()
                } else {
                    stats.wall_time
                });
                loaded.restore(&snapshot).unwrap();
            }
            let (p50, p99, max) = (
                percentile(&mut used, 0.5),
                percentile(&mut used, 0.99),
                percentile(&mut used, 1.0),
            );
            println!(
                "{kind:<12} {:>8} {calls:>8} {:>11} {:>11} {:>11}",
                format!("{budget_ms} ms"),
                ms(p50),
                ms(p99),
                ms(max)
            );
        }
    }
}
