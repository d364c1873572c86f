//! Tracing spans on public operations. Alone in its binary: tracing caches
//! per-callsite interest, and a test on another thread without a
//! subscriber could otherwise disable a callsite before this one looks.

mod common;

use common::{loaded, ECHO};

/// Records the names of the spans created while it is the default
/// subscriber.
#[derive(Default)]
struct SpanNames(std::sync::Mutex<Vec<&'static str>>);

impl tracing::Subscriber for SpanNames {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut names = self.0.lock().unwrap();
        names.push(span.metadata().name());
        tracing::span::Id::from_u64(names.len() as u64)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn public_operations_open_spans() {
    let subscriber = std::sync::Arc::new(SpanNames::default());
    tracing::subscriber::with_default(subscriber.clone(), || {
        let mut loaded = loaded(&[("echo", ECHO)]);
        loaded.handle_event("echo", "{}", None).unwrap();
        let snapshot = loaded.snapshot().unwrap();
        loaded.restore(&snapshot).unwrap();
        loaded.unload().unwrap();
    });
    let names = subscriber.0.lock().unwrap().clone();
    for expected in [
        "warden.build",
        "warden.load_runtime",
        "warden.add_handler",
        "warden.get_loaded_sandbox",
        "warden.handle_event",
        "warden.snapshot",
        "warden.restore",
        "warden.unload",
    ] {
        assert!(names.contains(&expected), "no span {expected} in {names:?}");
    }
}
