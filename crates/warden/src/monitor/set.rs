//! [`MonitorSet`]: one monitor, or a tuple of monitors raced against each
//! other.

use std::future::Future;

use super::ExecutionMonitor;
use crate::error::{Error, Killer, Result};

/// The seal of [`MonitorSet`]: public items in a private module, so that
/// no other crate can name them (and so implement the trait).
pub(crate) mod sealed {
    use std::future::Future;
    use std::pin::Pin;
    use std::time::Duration;

    use crate::error::{Killer, Result};

    /// The future that watches a call, completing with the kill by the
    /// monitor that fired, and the shortest budget among its monitors.
    #[expect(
        missing_debug_implementations,
        reason = "a future has nothing to show, and no other crate can name it"
    )]
    pub struct Race {
        pub(crate) future: Pin<Box<dyn Future<Output = Killer> + Send + 'static>>,
        pub(crate) shortest_budget: Option<Duration>,
    }

    /// The hidden part of [`MonitorSet`](super::MonitorSet).
    pub trait Sealed {
        /// Calls every member's `get_monitor` on this thread (all of them,
        /// in order; the first error is returned and nothing runs), then
        /// returns one future racing them all, or `None` when the set has
        /// no member (an empty [`Budget`](crate::monitor::Budget)).
        fn start(&self) -> Result<Option<Race>>;

        /// Whether the set has no member, so that a call under it is a
        /// plain call.
        fn is_empty(&self) -> bool {
            false
        }
    }
}

pub(crate) use sealed::Race;

/// What `handle_event_with_monitor` accepts: any [`ExecutionMonitor`], or a
/// tuple of 1 to 5 of them, where the first to fire kills the call.
///
/// Sealed: implement [`ExecutionMonitor`] instead, and this trait follows.
/// A tuple is a composition, not a monitor itself: it has no name of its
/// own, and a kill is always reported under the name of the member that
/// fired.
pub trait MonitorSet: sealed::Sealed {}

/// Starts one monitor, naming it in the error if it refuses.
pub(crate) fn start_one<M: ExecutionMonitor>(
    monitor: &M,
) -> Result<(
    impl Future<Output = ()> + Send + 'static + use<'_, M>,
    Killer,
)> {
    let watch = monitor.get_monitor().map_err(|error| match error {
        Error::MonitorFailed { .. } => error,
        other => Error::MonitorFailed {
            name: monitor.name(),
            reason: other.to_string(),
        },
    })?;
    let fired = Killer::Monitor {
        name: monitor.name(),
        budget: monitor.budget(),
    };
    Ok((watch, fired))
}

impl<M: ExecutionMonitor> MonitorSet for M {}

impl<M: ExecutionMonitor> sealed::Sealed for M {
    fn start(&self) -> Result<Option<Race>> {
        let (watch, fired) = start_one(self)?;
        Ok(Some(Race {
            shortest_budget: fired.budget(),
            future: Box::pin(async move {
                watch.await;
                fired
            }),
        }))
    }
}

macro_rules! impl_monitor_tuple {
    ($($m:ident $i:tt),+) => {
        impl<$($m: ExecutionMonitor),+> MonitorSet for ($($m,)+) {}

        impl<$($m: ExecutionMonitor),+> sealed::Sealed for ($($m,)+) {
            #[allow(non_snake_case, reason = "the type parameters name the members")]
            fn start(&self) -> Result<Option<Race>> {
                // Every member starts on the calling thread before any
                // future runs; one failure fails the whole set.
                $(let $m = start_one(&self.$i)?;)+
                let shortest_budget = [$($m.1.budget()),+].into_iter().flatten().min();
                Ok(Some(Race {
                    shortest_budget,
                    future: Box::pin(async move {
                        tokio::select! {
                            $(_ = $m.0 => $m.1,)+
                        }
                    }),
                }))
            }
        }
    };
}

impl_monitor_tuple!(A 0);
impl_monitor_tuple!(A 0, B 1);
impl_monitor_tuple!(A 0, B 1, C 2);
impl_monitor_tuple!(A 0, B 1, C 2, D 3);
impl_monitor_tuple!(A 0, B 1, C 2, D 3, E 4);
