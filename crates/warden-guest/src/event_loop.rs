//! The event loop: what runs between a handler's return and its result.
//!
//! Microtasks (promise jobs) run until none is queued. If the handler's
//! promise is still pending, the loop settles the promises of asynchronous
//! host calls the host has finished; if there are none, it waits until the
//! earliest timer is due or a host call finishes (the host sleeps, so
//! waiting costs no CPU time, and a kill ends the wait), runs that timer,
//! and goes round again. It stops when the promise settles or when nothing
//! is left that could settle it: no timer set and no host call in flight.
//! A module's top-level evaluation runs the same way.

use std::time::Duration;

use rquickjs::promise::PromiseState;
use rquickjs::{Ctx, Promise};
use warden_abi::Status;

use crate::errors::{Caught, GuestError};
use crate::host::Host;
use crate::host_calls;
use crate::web::Timers;

/// Runs queued promise jobs until the queue is empty.
fn drain_jobs(ctx: &Ctx<'_>) {
    while ctx.execute_pending_job() {}
}

/// Runs jobs, and timers while `promise` is pending, until it settles or
/// nothing is left to run. What a timer's callback throws ends the loop as
/// an error with `status`.
pub(crate) fn run<'js>(
    ctx: &Ctx<'js>,
    timers: &Timers,
    host: &dyn Host,
    promise: Option<&Promise<'js>>,
    status: Status,
) -> Result<(), GuestError> {
    let thrown = |e| Caught::from_error(ctx, e).into_error(status);
    loop {
        drain_jobs(ctx);
        let Some(promise) = promise else {
            return Ok(());
        };
        if !matches!(promise.state(), PromiseState::Pending) {
            return Ok(());
        }
        if host_calls::deliver(ctx, host).map_err(thrown)? {
            continue;
        }
        match timers.next(ctx).map_err(thrown)? {
            Some(wait) => {
                if wait > 0.0 {
                    host.wait(Duration::try_from_secs_f64(wait / 1000.0).unwrap_or_default());
                }
                timers.fire(ctx).map_err(thrown)?;
            }
            None if host_calls::in_flight(ctx) => host.wait(Duration::MAX),
            None => return Ok(()),
        }
    }
}
