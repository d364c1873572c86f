//! What a monitor kill reports: the metric and the warning. Alone in its
//! binary, because monitor kills are recorded with the process-wide metrics
//! recorder and tracing subscriber.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{loaded, SPIN};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::MetricKind;
use warden::{CpuTimeMonitor, WallClockMonitor};

/// Keeps the `triggered_by` field of every warning.
#[derive(Default)]
struct Warnings(Mutex<Vec<String>>);

struct TriggeredBy<'a>(&'a mut Option<String>);

impl tracing::field::Visit for TriggeredBy<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "triggered_by" {
            *self.0 = Some(value.to_owned());
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "triggered_by" {
            *self.0 = Some(format!("{value:?}"));
        }
    }
}

impl tracing::Subscriber for Warnings {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.is_span() || *metadata.level() <= tracing::Level::WARN
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut triggered_by = None;
        event.record(&mut TriggeredBy(&mut triggered_by));
        if let Some(name) = triggered_by {
            self.0.lock().unwrap().push(name);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn kills_are_counted_and_logged_under_the_name_of_the_monitor_that_fired() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::set_global_recorder(recorder).unwrap();
    let warnings = Arc::new(Warnings::default());
    tracing::subscriber::set_global_default(warnings.clone()).unwrap();

    let mut loaded = loaded(&[("spin", SPIN)]);
    let snapshot = loaded.snapshot().unwrap();
    let tuple = (
        WallClockMonitor::new(Duration::from_secs(60)).unwrap(),
        CpuTimeMonitor::new(Duration::from_millis(20)).unwrap(),
    );
    for _ in 0..2 {
        loaded
            .handle_event_with_monitor("spin", "{}", &tuple, None)
            .unwrap_err();
        loaded.restore(&snapshot).unwrap();
    }
    let wall = WallClockMonitor::new(Duration::from_millis(20)).unwrap();
    loaded
        .handle_event_with_monitor("spin", "{}", &wall, None)
        .unwrap_err();
    loaded.restore(&snapshot).unwrap();
    // A manual kill is not a monitor termination.
    let handle = loaded.interrupt_handle();
    let killer = std::thread::spawn(move || {
        while !handle.is_running() {
            std::thread::yield_now();
        }
        handle.kill()
    });
    loaded.handle_event("spin", "{}", None).unwrap_err();
    killer.join().unwrap();

    let counts: Vec<(String, u64)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| {
            key.kind() == MetricKind::Counter
                && key.key().name() == warden::metrics::MONITOR_TERMINATIONS
        })
        .map(|(key, _, _, value)| {
            let labels: Vec<String> = key
                .key()
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            let DebugValue::Counter(n) = value else {
                panic!("not a counter")
            };
            (labels.join(","), n)
        })
        .collect();
    let mut counts = counts;
    counts.sort();
    assert_eq!(
        counts,
        [
            ("monitor_type=cpu-time".to_owned(), 2),
            ("monitor_type=wall-clock".to_owned(), 1)
        ]
    );
    assert_eq!(
        *warnings.0.lock().unwrap(),
        ["cpu-time", "cpu-time", "wall-clock"]
    );
}
