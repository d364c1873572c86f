//! Metric names, reported through the [`metrics`] crate facade.
//!
//! Install any `metrics` recorder (for example `metrics-exporter-prometheus`)
//! to collect them; without one they cost next to nothing. Call [`describe`]
//! once to register units and help texts.

use std::time::Duration;

/// Counter: sandboxes created (guest runtimes started).
pub const SANDBOXES_CREATED: &str = "warden_sandboxes_created_total";
/// Gauge: sandboxes alive right now.
pub const SANDBOXES_ACTIVE: &str = "warden_sandboxes_active";
/// Histogram (seconds), labelled `handler`: duration of `handle_event`.
pub const HANDLER_CALL_DURATION: &str = "warden_handler_call_duration_seconds";
/// Counter, labelled `handler` and `error`: calls that failed, by error kind.
pub const HANDLER_CALL_ERRORS: &str = "warden_handler_call_errors_total";
/// Counter, labelled `monitor_type`: calls killed by an execution monitor,
/// by the name of the monitor that fired.
pub const MONITOR_TERMINATIONS: &str = "monitor_terminations_total";

/// Counter, labelled `module`, `function` and `outcome` (`ok` or `error`):
/// host-function calls that answered, synchronous and asynchronous.
pub const HOST_CALLS: &str = "warden_host_calls_total";
/// Histogram (seconds), labelled `module` and `function`: how long a
/// host-function call took to answer.
pub const HOST_CALL_DURATION: &str = "warden_host_call_duration_seconds";
/// Gauge: asynchronous host calls running on the host runtime right now.
pub const HOST_CALLS_IN_FLIGHT: &str = "warden_host_calls_in_flight";
/// Counter of fetches handlers made, by `origin` and `status` (the HTTP
/// status code, `denied` when the policy refused it, `error` for a network
/// error). Each redirect followed counts as a fetch of its own.
pub const FETCHES: &str = "warden_fetches_total";

/// Registers descriptions and units of every Warden metric with the
/// installed recorder.
pub fn describe() {
    metrics::describe_counter!(SANDBOXES_CREATED, "Sandboxes created");
    metrics::describe_gauge!(SANDBOXES_ACTIVE, "Sandboxes alive");
    metrics::describe_histogram!(
        HANDLER_CALL_DURATION,
        metrics::Unit::Seconds,
        "Duration of handler calls"
    );
    metrics::describe_counter!(
        HANDLER_CALL_ERRORS,
        "Handler calls that failed, by error kind"
    );
    metrics::describe_counter!(
        MONITOR_TERMINATIONS,
        "Handler calls killed by an execution monitor, by monitor"
    );
    metrics::describe_counter!(
        HOST_CALLS,
        "Host-function calls that answered, by function and outcome"
    );
    metrics::describe_histogram!(
        HOST_CALL_DURATION,
        metrics::Unit::Seconds,
        "Time host-function calls took to answer"
    );
    metrics::describe_gauge!(
        HOST_CALLS_IN_FLIGHT,
        "Asynchronous host calls running on the host runtime"
    );
    metrics::describe_counter!(FETCHES, "Fetches handlers made, by origin and status");
}

/// Records a host-function call that answered after `elapsed`.
pub(crate) fn record_host_call(module: &str, function: &str, elapsed: Duration, ok: bool) {
    let (module, function) = (module.to_owned(), function.to_owned());
    metrics::histogram!(HOST_CALL_DURATION, "module" => module.clone(), "function" => function.clone())
        .record(elapsed.as_secs_f64());
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!(HOST_CALLS, "module" => module, "function" => function, "outcome" => outcome)
        .increment(1);
}

/// Records one fetch (or one redirect of one) to `origin`.
pub(crate) fn record_fetch(origin: &str, status: &str) {
    metrics::counter!(FETCHES, "origin" => origin.to_owned(), "status" => status.to_owned())
        .increment(1);
}

/// Counts an asynchronous host call as in flight until dropped.
pub(crate) struct InFlightGauge(());

impl InFlightGauge {
    pub(crate) fn new() -> Self {
        metrics::gauge!(HOST_CALLS_IN_FLIGHT).increment(1.0);
        Self(())
    }
}

impl Drop for InFlightGauge {
    fn drop(&mut self) {
        metrics::gauge!(HOST_CALLS_IN_FLIGHT).decrement(1.0);
    }
}

/// Counts a sandbox as alive until dropped.
pub(crate) struct SandboxGauge(());

impl SandboxGauge {
    pub(crate) fn new() -> Self {
        metrics::counter!(SANDBOXES_CREATED).increment(1);
        metrics::gauge!(SANDBOXES_ACTIVE).increment(1.0);
        Self(())
    }
}

impl Drop for SandboxGauge {
    fn drop(&mut self) {
        metrics::gauge!(SANDBOXES_ACTIVE).decrement(1.0);
    }
}

/// Records a call killed by monitor `name`.
pub(crate) fn record_kill(monitor: &'static str) {
    metrics::counter!(MONITOR_TERMINATIONS, "monitor_type" => monitor).increment(1);
}

/// Records one handler call.
pub(crate) fn record_call(handler: &str, elapsed: Duration, error: Option<&crate::Error>) {
    metrics::histogram!(HANDLER_CALL_DURATION, "handler" => handler.to_owned())
        .record(elapsed.as_secs_f64());
    if let Some(error) = error {
        metrics::counter!(
            HANDLER_CALL_ERRORS,
            "handler" => handler.to_owned(),
            "error" => error.kind()
        )
        .increment(1);
    }
}
