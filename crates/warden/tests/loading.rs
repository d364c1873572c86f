//! Loading a handler runs guest code, so it has the same protection as a
//! call: monitors watch top-level code, a failed load leaves the sandbox as
//! it was, and no earlier handler's top-level code ever runs twice.

mod common;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{js_sandbox, ECHO};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::MetricKind;
use warden::{
    CpuTimeMonitor, Error, ExecutionMonitor, JSSandbox, Killer, SandboxBuilder, Script,
    WallClockMonitor,
};

const BUDGET: Duration = Duration::from_millis(100);

fn budget() -> (WallClockMonitor, CpuTimeMonitor) {
    (
        WallClockMonitor::new(Duration::from_secs(60)).unwrap(),
        CpuTimeMonitor::new(BUDGET).unwrap(),
    )
}

/// A sandbox whose host function `count.up` counts its calls.
fn counting() -> (JSSandbox, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let mut proto = SandboxBuilder::new().build().unwrap();
    proto
        .host_module("count")
        .unwrap()
        .register("up", move || seen.fetch_add(1, Ordering::SeqCst) + 1)
        .unwrap();
    (proto.load_runtime().unwrap(), count)
}

/// Asserts `error` is a load aborted by the CPU-time monitor.
fn aborted_by_cpu_time(error: &Error, handler: &str) {
    match error {
        Error::LoadAborted { handler: h, cause } => {
            assert_eq!(h, handler);
            assert_eq!(
                cause.killer(),
                Some(&Killer::Monitor {
                    name: "cpu-time",
                    budget: Some(BUDGET)
                })
            );
        }
        other => panic!("{handler}: expected LoadAborted, got {other:?}"),
    }
    assert!(!error.poisons());
    assert!(
        error
            .to_string()
            .ends_with("; the sandbox is as it was before"),
        "{error}"
    );
}

#[test]
fn runaway_top_level_code_is_killed_within_its_budget_and_the_sandbox_recovers() {
    let mut sandbox = js_sandbox();
    sandbox
        .add_handler_with_monitor("echo", Script::from_content(ECHO), &budget())
        .unwrap();
    for (name, source) in [
        ("loop", "for (;;) {} function handler() {}"),
        (
            "awaiting",
            "while (true) { await null; } export function handler() {}",
        ),
        (
            "jobs",
            "function again() { Promise.resolve().then(again); } again(); function handler() {}",
        ),
    ] {
        let start = Instant::now();
        let error = sandbox
            .add_handler_with_monitor(name, Script::from_content(source), &budget())
            .unwrap_err();
        let elapsed = start.elapsed();
        aborted_by_cpu_time(&error, name);
        assert!(elapsed < Duration::from_secs(20), "{name}: {elapsed:?}");
        let stats = sandbox.last_load_stats().unwrap();
        assert_eq!(
            stats.terminated_by.and_then(|k| k.monitor_name()),
            Some("cpu-time"),
            "{name}"
        );
        assert!(stats.guest_cpu_time.unwrap() >= BUDGET, "{name}");
        assert!(!sandbox.poisoned(), "{name}");
        assert_eq!(sandbox.handler_names().collect::<Vec<_>>(), ["echo"]);
    }
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    assert_eq!(loaded.handle_event("echo", "[1]", None).unwrap(), "[1]");
}

#[test]
fn a_kill_while_loading_is_counted_like_a_kill_while_calling() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let mut sandbox = js_sandbox();
        let error = sandbox
            .add_handler_with_monitor(
                "loop",
                Script::from_content("for (;;) {} function handler() {}"),
                &budget(),
            )
            .unwrap_err();
        aborted_by_cpu_time(&error, "loop");
    });
    let snapshot = snapshotter.snapshot().into_vec();
    let kills = snapshot.iter().find_map(|(key, _, _, value)| {
        let is_kill = key.kind() == MetricKind::Counter
            && key.key().name() == warden::metrics::MONITOR_TERMINATIONS
            && key
                .key()
                .labels()
                .any(|l| l.key() == "monitor_type" && l.value() == "cpu-time");
        is_kill.then_some(value)
    });
    assert_eq!(kills, Some(&DebugValue::Counter(1)));
}

/// Refuses to start.
struct Refusing;

impl ExecutionMonitor for Refusing {
    fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
        Err::<std::future::Pending<()>, _>(Error::InvalidConfig("not today".into()))
    }

    fn name(&self) -> &'static str {
        "refusing"
    }
}

#[test]
fn a_monitor_that_cannot_start_means_no_top_level_code_runs() {
    let (mut sandbox, count) = counting();
    let error = sandbox
        .add_handler_with_monitor(
            "counts",
            Script::from_content(
                "import { up } from 'host:count'; up(); export function handler() {}",
            ),
            &(
                WallClockMonitor::new(Duration::from_secs(5)).unwrap(),
                Refusing,
            ),
        )
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::MonitorFailed {
                name: "refusing",
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 0);
    assert_eq!(sandbox.handler_names().count(), 0);
}

#[test]
fn a_failed_load_never_runs_earlier_top_level_code_again_and_undoes_its_own() {
    let (mut sandbox, count) = counting();
    sandbox
        .add_handler(
            "first",
            Script::from_content(
                "import { up } from 'host:count';
                 up();
                 export function handler() { return { seen: globalThis.seen ?? null }; }",
            ),
        )
        .unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 1);
    // One load throws after changing a global, one is killed after it, one
    // does not compile: none leaves a trace, none runs `first` again.
    let throws = "globalThis.seen = 'thrower'; throw new Error('no'); function handler() {}";
    let error = sandbox
        .add_handler("throws", Script::from_content(throws))
        .unwrap_err();
    assert!(matches!(error, Error::Compile { .. }), "{error}");
    let spins = "globalThis.seen = 'spinner'; for (;;) {} function handler() {}";
    let error = sandbox
        .add_handler_with_monitor("spins", Script::from_content(spins), &budget())
        .unwrap_err();
    aborted_by_cpu_time(&error, "spins");
    let error = sandbox
        .add_handler("broken", Script::from_content("function handler( {"))
        .unwrap_err();
    assert!(matches!(error, Error::Compile { .. }), "{error}");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    assert_eq!(
        loaded.handle_event("first", "{}", None).unwrap(),
        r#"{"seen":null}"#
    );
}

#[test]
fn the_first_handler_failing_leaves_a_fresh_runtime() {
    let (mut sandbox, count) = counting();
    let error = sandbox
        .add_handler_with_monitor(
            "spins",
            Script::from_content(
                "import { up } from 'host:count'; up(); globalThis.dirty = 1; for (;;) {}
                 export function handler() {}",
            ),
            &budget(),
        )
        .unwrap_err();
    aborted_by_cpu_time(&error, "spins");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    sandbox
        .add_handler(
            "check",
            Script::from_content(
                "export function handler() { return globalThis.dirty ?? 'clean'; }",
            ),
        )
        .unwrap();
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    assert_eq!(
        loaded.handle_event("check", "{}", None).unwrap(),
        r#""clean""#
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
}
