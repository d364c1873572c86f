//! Host-call metrics. Asynchronous calls finish on the host runtime's
//! threads, so this binary installs a global recorder (one test, its own
//! process). Fetches are counted here too.

mod common;

use std::time::Duration;

use common::recorded::value;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::MetricKind;
use warden::metrics as names;
use warden::SandboxBuilder;

#[test]
fn host_calls_are_counted_and_timed_by_function_and_outcome() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install().unwrap();
    let mut proto = SandboxBuilder::new().build().unwrap();
    proto
        .host_module("db")
        .unwrap()
        .register("add", |a: i64, b: i64| a + b)
        .unwrap()
        .register_async("slow", || tokio::time::sleep(Duration::from_millis(20)))
        .unwrap()
        .register_async_fallible("fail", || async { Err::<(), _>("no") })
        .unwrap();
    let mut loaded = common::loaded_from(
        proto,
        &[(
            "h",
            r#"import { add, slow, fail } from "host:db";
            export async function handler() {
                add(1, 2);
                await Promise.all([slow(), slow(), slow()]);
                try { await fail(); } catch {}
                return 1;
            }"#,
        )],
    );
    loaded.handle_event("h", "{}", None).unwrap();
    let snapshot = snapshotter.snapshot().into_vec();
    let find = |kind, name, labels: &[(&str, &str)]| value(&snapshot, kind, name, labels);
    let calls = |function, outcome| {
        find(
            MetricKind::Counter,
            names::HOST_CALLS,
            &[
                ("module", "db"),
                ("function", function),
                ("outcome", outcome),
            ],
        )
    };
    assert_eq!(calls("add", "ok"), Some(&DebugValue::Counter(1)));
    assert_eq!(calls("slow", "ok"), Some(&DebugValue::Counter(3)));
    assert_eq!(calls("fail", "error"), Some(&DebugValue::Counter(1)));
    let Some(DebugValue::Histogram(slow)) = find(
        MetricKind::Histogram,
        names::HOST_CALL_DURATION,
        &[("function", "slow")],
    ) else {
        panic!("no duration histogram for db.slow");
    };
    assert_eq!(slow.len(), 3);
    assert!(slow.iter().all(|s| s.0 >= 0.019 && s.0 < 10.0), "{slow:?}");
    // Three went in flight and three came back.
    assert_eq!(
        find(MetricKind::Gauge, names::HOST_CALLS_IN_FLIGHT, &[]),
        Some(&DebugValue::Gauge(0.0.into()))
    );

    // Fetches, by origin and status.
    let server = common::http_server::Server::start(|request| match request.target.as_str() {
        "/to-missing" => (
            302,
            vec![("location".into(), "/missing".into())],
            Vec::new(),
        ),
        _ => (404, Vec::new(), Vec::new()),
    });
    let mut fetching = common::loaded_with(
        SandboxBuilder::new().allow_fetch([server.origin()]),
        &[(
            "f",
            r#"export async function handler(origin) {
                await fetch(origin + "/to-missing");
                await fetch("https://denied.example/").catch(() => {});
                return 1;
            }"#,
        )],
    );
    let event = format!("\"{}\"", server.origin());
    fetching.handle_event("f", &event, None).unwrap();
    let snapshot = snapshotter.snapshot().into_vec();
    let fetches = |origin: &str, status| {
        value(
            &snapshot,
            MetricKind::Counter,
            names::FETCHES,
            &[("origin", origin), ("status", status)],
        )
    };
    assert_eq!(
        fetches(&server.origin(), "302"),
        Some(&DebugValue::Counter(1))
    );
    assert_eq!(
        fetches(&server.origin(), "404"),
        Some(&DebugValue::Counter(1))
    );
    assert_eq!(
        fetches("https://denied.example", "denied"),
        Some(&DebugValue::Counter(1))
    );
}
