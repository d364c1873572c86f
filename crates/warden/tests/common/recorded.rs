//! Reading what a `metrics_util` debugging recorder recorded.

use metrics_util::debugging::DebugValue;
use metrics_util::{CompositeKey, MetricKind};

/// A debugging recorder's snapshot, as a list.
pub(crate) type Metrics = Vec<(
    CompositeKey,
    Option<metrics::Unit>,
    Option<metrics::SharedString>,
    DebugValue,
)>;

/// The value of metric `name` whose labels include all of `labels`. The
/// debugging recorder resets values when it takes a snapshot, so each
/// snapshot holds what changed since the previous one.
pub(crate) fn value<'a>(
    snapshot: &'a Metrics,
    kind: MetricKind,
    name: &str,
    labels: &[(&str, &str)],
) -> Option<&'a DebugValue> {
    snapshot.iter().find_map(|(key, _, _, value)| {
        let matches = key.kind() == kind
            && key.key().name() == name
            && labels
                .iter()
                .all(|(k, v)| key.key().labels().any(|l| l.key() == *k && l.value() == *v));
        matches.then_some(value)
    })
}
