//! Sandbox core benchmarks, each against a reference measured in the same
//! run: native rquickjs on the host doing the same work, or the target.
//!
//! Run with `cargo bench -p warden --bench core`. Prints medians.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use common::{ECHO, SPIN};
use rquickjs::{Context, Function, Module, Runtime, Value};
use warden::{Error, Killer, LoadedJSSandbox};

/// Recursive Fibonacci: calls, arithmetic and comparisons, no allocation.
const FIB: &str = "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\n\
                   function handler() { return fib(25); }";

/// A library's worth of state made at load (about 7 MiB of guest memory),
/// and a handler that reads some of it.
const LIBRARY: &str =
    "const table = Array.from({ length: 60000 }, (_, i) => ({ i, name: 'entry ' + i }));\n\
                       function handler(e) { return table[e.at].name; }";

const SMALL_EVENT: &str =
    r#"{"id":12345,"user":"alice","action":"login","ok":true,"tags":["a","b"]}"#;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time_each(iterations: usize, mut f: impl FnMut()) -> Duration {
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        f();
        samples.push(start.elapsed());
    }
    median(samples)
}

/// Medians of our workload and its reference, measured in alternating
/// rounds so that a slow spell of the machine weighs on both alike. A first
/// round of each is run untimed, to warm caches and allocators on both
/// sides. What a workload returns is dropped after its time is taken.
fn time_side_by_side<A, B>(
    iterations: usize,
    mut ours: impl FnMut() -> A,
    mut reference: impl FnMut() -> B,
) -> (Duration, Duration) {
    const ROUNDS: usize = 20;
    let per_round = iterations.div_ceil(ROUNDS);
    for _ in 0..per_round {
        drop(black_box(ours()));
        drop(black_box(reference()));
    }
    let mut samples = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        for _ in 0..per_round {
            let start = Instant::now();
            let kept = ours();
            samples.0.push(start.elapsed());
            drop(kept);
        }
        for _ in 0..per_round {
            let start = Instant::now();
            let kept = reference();
            samples.1.push(start.elapsed());
            drop(kept);
        }
    }
    (median(samples.0), median(samples.1))
}

fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.1} µs")
    }
}

fn report(
    what: &str,
    ours: Duration,
    reference: &str,
    reference_time: Option<Duration>,
    target: &str,
) {
    let ratio = reference_time
        .map(|r| match ours.as_secs_f64() / r.as_secs_f64() {
            ratio if ratio < 0.01 => format!("{ratio:.4}x"),
            ratio => format!("{ratio:.2}x"),
        })
        .unwrap_or_default();
    let reference_time = reference_time.map(fmt).unwrap_or_default();
    println!(
        "{what:<44} {:>10}   {reference:<24} {reference_time:>10} {ratio:>7}   target {target}",
        fmt(ours)
    );
}

/// A loaded sandbox with the echo handler.
fn loaded_echo() -> LoadedJSSandbox {
    common::loaded(&[("echo", ECHO)])
}

/// Native rquickjs running the same echo handler the same way: parse the
/// event, call, serialize the result, optionally collect garbage.
struct Native {
    runtime: Runtime,
    context: Context,
}

impl Native {
    fn new() -> Self {
        Self::with_handler(ECHO)
    }

    /// A runtime whose `handler` is the one `source` defines.
    fn with_handler(source: &str) -> Self {
        let runtime = Runtime::new().unwrap();
        let context = Context::full(&runtime).unwrap();
        context.with(|ctx| {
            let module = Module::declare(
                ctx.clone(),
                "handler",
                format!("{source}\nexport {{ handler }};"),
            )
            .unwrap();
            let (module, _) = module.eval().unwrap();
            while ctx.execute_pending_job() {}
            let handler: Function = module.get("handler").unwrap();
            ctx.globals().set("__handler", handler).unwrap();
        });
        Self { runtime, context }
    }

    fn call(&self, event: &str, gc: bool) -> String {
        let out = self.context.with(|ctx| {
            let handler: Function = ctx.globals().get("__handler").unwrap();
            let event: Value = ctx.json_parse(event).unwrap();
            let result: Value = handler.call((event,)).unwrap();
            while ctx.execute_pending_job() {}
            ctx.json_stringify(result)
                .unwrap()
                .unwrap()
                .to_string()
                .unwrap()
        });
        if gc {
            self.runtime.run_gc();
        }
        out
    }
}

fn main() {
    // Warm the engine (and the on-disk cache) before measuring.
    black_box(loaded_echo().handle_event("echo", "{}", None).unwrap());
    println!(
        "{:<44} {:>10}   {:<24} {:>10} {:>7}",
        "benchmark (median)", "warden", "reference", "", "ratio"
    );

    // Fresh sandbox: builder to first result.
    // Each side returns what it made, so the first row leaves its drop out.
    let fresh_warden = || {
        let mut loaded = loaded_echo();
        black_box(
            loaded
                .handle_event("echo", SMALL_EVENT, Some(false))
                .unwrap(),
        );
        loaded
    };
    let fresh_native = || {
        let native = Native::new();
        black_box(native.call(SMALL_EVENT, false));
        native
    };
    let (fresh, native_fresh) = time_side_by_side(300, fresh_warden, fresh_native);
    report(
        "fresh sandbox: builder to first result",
        fresh,
        "native runtime+context",
        Some(native_fresh),
        "<= 50 µs",
    );
    let (cycle, native_cycle) =
        time_side_by_side(300, || drop(fresh_warden()), || drop(fresh_native()));
    report(
        "the same, and dropping the sandbox",
        cycle,
        "native runtime+context",
        Some(native_cycle),
        "<= 300 µs",
    );

    // Echo calls.
    let big_event = format!(
        "{{\"payload\":\"{}\",\"n\":[1,2,3]}}",
        "x".repeat(10 * 1024 - 30)
    );
    let mut loaded = loaded_echo();
    let native = Native::new();
    for (label, event, target) in [
        ("echo, 70-byte event", SMALL_EVENT, "<= 2x native"),
        ("echo, 10 KB event", big_event.as_str(), "<= 2.2x native"),
    ] {
        for gc in [false, true] {
            let (ours, reference) = time_side_by_side(
                20_000,
                || {
                    black_box(loaded.handle_event("echo", event, Some(gc)).unwrap());
                },
                || {
                    black_box(native.call(event, gc));
                },
            );
            let label = format!("{label}, gc={gc}");
            report(&label, ours, "native rquickjs", Some(reference), target);
        }
    }

    // Plain computation: the interpreter itself, wasm against native.
    let mut fib = common::loaded(&[("fib", FIB)]);
    let native_fib = Native::with_handler(FIB);
    let (ours, reference) = time_side_by_side(
        40,
        || {
            black_box(fib.handle_event("fib", "{}", Some(false)).unwrap());
        },
        || {
            black_box(native_fib.call("{}", false));
        },
    );
    report("fib(25)", ours, "native rquickjs", Some(reference), "");

    // A call into a library's worth of state, with GC after it: the
    // collector skips what survived the last full collection.
    let mut library_sandbox = common::loaded(&[("lib", LIBRARY)]);
    let native_library = Native::with_handler(LIBRARY);
    let (ours, reference) = time_side_by_side(
        2_000,
        || {
            black_box(
                library_sandbox
                    .handle_event("lib", r#"{"at":7}"#, Some(true))
                    .unwrap(),
            );
        },
        || {
            black_box(native_library.call(r#"{"at":7}"#, true));
        },
    );
    report(
        "call into 60,000 loaded objects, gc=true",
        ours,
        "native rquickjs",
        Some(reference),
        "",
    );
    drop((library_sandbox, native_library));

    // Snapshot and restore.
    let snapshot = loaded.snapshot().unwrap();
    let snap = time_each(2_000, || {
        black_box(loaded.snapshot().unwrap());
    });
    report(
        "snapshot",
        snap,
        &format!("({} KiB held)", snapshot.size() / 1024),
        None,
        "<= 100 µs",
    );
    let restore = time_each(2_000, || {
        loaded.restore(&snapshot).unwrap();
    });
    report("restore", restore, "", None, "<= 100 µs");
    let cycle = time_each(2_000, || {
        black_box(
            loaded
                .handle_event("echo", &big_event, Some(false))
                .unwrap(),
        );
        loaded.restore(&snapshot).unwrap();
    });
    report("10 KB echo + restore", cycle, "", None, "");
    let small_cycle = time_each(2_000, || {
        black_box(
            loaded
                .handle_event("echo", SMALL_EVENT, Some(false))
                .unwrap(),
        );
        loaded.restore(&snapshot).unwrap();
    });
    report("70-byte echo + restore", small_cycle, "", None, "");

    // Starting from the snapshot of a sandbox that loaded a library, which
    // the guest maps rather than copies, against a fresh sandbox.
    let library = common::loaded(&[("lib", LIBRARY)]).snapshot().unwrap();
    let from_library = || {
        let mut loaded = warden::SandboxBuilder::new()
            .build()
            .unwrap()
            .load_snapshot(&library)
            .unwrap();
        black_box(
            loaded
                .handle_event("lib", r#"{"at":7}"#, Some(false))
                .unwrap(),
        );
        loaded
    };
    let (ours, fresh) = time_side_by_side(300, from_library, fresh_warden);
    report(
        &format!(
            "start from a {} KiB snapshot, first result",
            library.size() / 1024
        ),
        ours,
        "fresh sandbox",
        Some(fresh),
        "about 1x",
    );
    // Each sandbox above was dropped before the next started, and the next
    // took its instance, parked with the image. With every sandbox started
    // before it still alive, a start finds none parked: it makes a memory
    // of its own, maps the image over it and faults in what it touches.
    let mut alive = Vec::with_capacity(200);
    let unparked = time_each(200, || alive.push(from_library()));
    drop(alive);
    report(
        "  the same, with none parked",
        unparked,
        "fresh sandbox",
        Some(fresh),
        "",
    );
    let mut started = from_library();
    let restore = time_each(2_000, || {
        black_box(
            started
                .handle_event("lib", r#"{"at":9}"#, Some(false))
                .unwrap(),
        );
        started.restore(&library).unwrap();
    });
    report("  call + restore", restore, "", None, "");
    drop(started);

    // Kill latency: from kill() to handle_event returning.
    let mut spin = common::loaded(&[("spin", SPIN)]);
    let spin_snapshot = spin.snapshot().unwrap();
    let mut latencies = Vec::new();
    for _ in 0..300 {
        let handle = spin.interrupt_handle();
        let killer = thread::spawn(move || {
            while !handle.is_running() {
                std::hint::spin_loop();
            }
            thread::sleep(Duration::from_micros(500));
            let at = Instant::now();
            handle.kill();
            at
        });
        let result = spin.handle_event("spin", "{}", None);
        let returned = Instant::now();
        let killed_at = killer.join().unwrap();
        assert!(
            matches!(result, Err(Error::Killed(Killer::Handle))),
            "{result:?}"
        );
        latencies.push(returned.saturating_duration_since(killed_at));
        spin.restore(&spin_snapshot).unwrap();
    }
    report(
        "kill() to handle_event returning",
        median(latencies),
        "",
        None,
        "<= 200 µs",
    );

    // Resident memory per idle loaded sandbox, 100 alive (where the system
    // tells this process's resident memory).
    let Some(before) = common::process::rss_bytes() else {
        println!("resident memory per idle sandbox: not measured on this system");
        return;
    };
    let pss_before = common::process::pss_bytes();
    let sandboxes: Vec<LoadedJSSandbox> = (0..100)
        .map(|_| {
            let mut loaded = loaded_echo();
            loaded.handle_event("echo", SMALL_EVENT, None).unwrap();
            loaded
        })
        .collect();
    let per_sandbox = |before: u64, after: u64| after.saturating_sub(before) / 1024 / 100;
    let after = common::process::rss_bytes().unwrap();
    println!(
        "{:<44} {:>7} KiB   {:<24} {:>10} {:>7}   target <= 2048 KiB",
        "resident memory per idle sandbox (100 live)",
        per_sandbox(before, after),
        "",
        "",
        ""
    );
    // Pages every sandbox maps copy-on-write from the guest image count
    // once in all: what a sandbox costs the machine.
    if let (Some(before), Some(after)) = (pss_before, common::process::pss_bytes()) {
        println!(
            "{:<44} {:>7} KiB",
            "  proportional share (PSS) per sandbox",
            per_sandbox(before, after),
        );
    }
    drop(sandboxes);

    // The same for sandboxes started from the library's snapshot, whose
    // pages they share until they write them.
    let (Some(before), Some(pss_before)) =
        (common::process::rss_bytes(), common::process::pss_bytes())
    else {
        return;
    };
    let sandboxes: Vec<LoadedJSSandbox> = (0..100).map(|_| from_library()).collect();
    let (after, pss_after) = (
        common::process::rss_bytes().unwrap(),
        common::process::pss_bytes().unwrap(),
    );
    println!(
        "{:<44} {:>7} KiB   {:<24} {:>10} {:>7}",
        "  the same, started from the library snapshot",
        per_sandbox(before, after),
        format!("({} KiB image)", library.size() / 1024),
        "",
        ""
    );
    println!(
        "{:<44} {:>7} KiB",
        "  proportional share (PSS) per sandbox",
        per_sandbox(pss_before, pss_after),
    );
    drop(sandboxes);
}
