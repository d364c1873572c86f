//! Metrics reported through the `metrics` facade.

mod common;

use common::recorded::value;
use common::{loaded, ECHO};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::MetricKind;
use warden::metrics as names;

#[test]
fn sandbox_counts_and_call_durations_are_recorded() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let mut first = loaded(&[
            ("echo", ECHO),
            ("throws", "function handler() { throw new Error('x'); }"),
        ]);
        let second = loaded(&[("echo", ECHO)]);
        let created = snapshotter.snapshot().into_vec();
        assert_eq!(
            value(&created, MetricKind::Counter, names::SANDBOXES_CREATED, &[]),
            Some(&DebugValue::Counter(2))
        );
        assert_eq!(
            value(&created, MetricKind::Gauge, names::SANDBOXES_ACTIVE, &[]),
            Some(&DebugValue::Gauge(2.0.into()))
        );
        drop(second);
        let dropped = snapshotter.snapshot().into_vec();
        assert_eq!(
            value(&dropped, MetricKind::Gauge, names::SANDBOXES_ACTIVE, &[]),
            Some(&DebugValue::Gauge((-1.0).into()))
        );

        for _ in 0..3 {
            first.handle_event("echo", "{}", None).unwrap();
        }
        first.handle_event("throws", "{}", None).unwrap_err();
        let calls = snapshotter.snapshot().into_vec();
        let Some(DebugValue::Histogram(samples)) = value(
            &calls,
            MetricKind::Histogram,
            names::HANDLER_CALL_DURATION,
            &[("handler", "echo")],
        ) else {
            panic!("no duration histogram for echo");
        };
        assert_eq!(samples.len(), 3);
        assert!(samples.iter().all(|s| s.0 > 0.0 && s.0 < 10.0));
        assert_eq!(
            value(
                &calls,
                MetricKind::Counter,
                names::HANDLER_CALL_ERRORS,
                &[("handler", "throws"), ("error", "handler_threw")]
            ),
            Some(&DebugValue::Counter(1))
        );
    });
}
