//! Asynchronous host calls: each a promise that the host's answer settles.
//!
//! Calling an asynchronous host function starts it on the host
//! ([`Host::start`]) and returns a promise at once, so a handler can have
//! many calls in flight. The promise's resolve and reject functions wait
//! here, by the call's id, until the event loop takes the host's answer
//! ([`Host::finished`]) and settles it. When a call to the handler (or a
//! module's top-level evaluation) ends, the promises of calls still in
//! flight are forgotten: they never settle, and the host drops those calls.

use std::cell::RefCell;
use std::collections::HashMap;

use rquickjs::{Ctx, Function, JsLifetime, Persistent, Result, Value};

use crate::host::{Host, HostValue};
use crate::modules::call_args;

/// Turns the host's answer to `module.function` into the value that
/// resolves its promise, or throws what rejects it
/// ([`answer_value`](crate::modules::answer_value) for host modules).
pub(crate) type Settle = for<'js> fn(
    &Ctx<'js>,
    &str,
    &str,
    std::result::Result<HostValue, String>,
) -> Result<Value<'js>>;

/// A call in flight: whom it called, and how to settle its promise.
struct Pending {
    module: String,
    function: String,
    settle: Settle,
    resolve: Persistent<Function<'static>>,
    reject: Persistent<Function<'static>>,
}

/// The calls in flight, kept in the context's user data (which the context
/// lets go when it ends).
#[derive(Default)]
pub(crate) struct HostCalls {
    pending: RefCell<HashMap<u32, Pending>>,
}

// SAFETY: a `Persistent` is not tied to the context lifetime.
unsafe impl<'js> JsLifetime<'js> for HostCalls {
    type Changed<'to> = HostCalls;
}

/// Makes the context able to make asynchronous host calls.
pub(crate) fn install(ctx: &Ctx<'_>) -> Result<()> {
    ctx.store_userdata(HostCalls::default())
        .map_err(|e| rquickjs::Error::new_from_js_message("host", "calls", e.to_string()))?;
    Ok(())
}

/// Starts `module.function` with `args` and returns its promise, which
/// `settle` settles with the host's answer; arguments the host refuses
/// reject it (with what `settle` throws for the refusal).
pub(crate) fn start<'js>(
    ctx: &Ctx<'js>,
    host: &dyn Host,
    (module, function): (&str, &str),
    args: Vec<Value<'js>>,
    settle: Settle,
) -> Result<Value<'js>> {
    let (promise, resolve, reject) = ctx.promise()?;
    let started = call_args(ctx, module, function, args).and_then(|args| {
        host.start(module, function, &args)
            .or_else(|message| settle(ctx, module, function, Err(message)).map(|_| 0))
    });
    match started {
        Ok(id) => {
            let calls = ctx
                .userdata::<HostCalls>()
                .ok_or_else(|| rquickjs::Error::new_from_js("host", "calls"))?;
            calls.pending.borrow_mut().insert(
                id,
                Pending {
                    module: module.to_owned(),
                    function: function.to_owned(),
                    settle,
                    resolve: Persistent::save(ctx, resolve),
                    reject: Persistent::save(ctx, reject),
                },
            );
        }
        Err(rquickjs::Error::Exception) => reject.call::<_, ()>((ctx.catch(),))?,
        Err(e) => return Err(e),
    }
    Ok(promise.into_value())
}

/// Whether a call is in flight.
pub(crate) fn in_flight(ctx: &Ctx<'_>) -> bool {
    ctx.userdata::<HostCalls>()
        .is_some_and(|calls| !calls.pending.borrow().is_empty())
}

/// Settles the promise of every call the host has finished; whether any
/// was. Answers to calls that are no longer in flight are dropped.
pub(crate) fn deliver(ctx: &Ctx<'_>, host: &dyn Host) -> Result<bool> {
    let Some(calls) = ctx.userdata::<HostCalls>() else {
        return Ok(false);
    };
    let mut delivered = false;
    while let Some((id, answer)) = host.finished() {
        let Some(call) = calls.pending.borrow_mut().remove(&id) else {
            continue;
        };
        delivered = true;
        match (call.settle)(ctx, &call.module, &call.function, answer) {
            Ok(value) => call.resolve.restore(ctx)?.call::<_, ()>((value,))?,
            Err(rquickjs::Error::Exception) => {
                call.reject.restore(ctx)?.call::<_, ()>((ctx.catch(),))?
            }
            Err(e) => return Err(e),
        }
    }
    Ok(delivered)
}

/// Forgets every call in flight: their promises never settle.
pub(crate) fn forget_all(ctx: &Ctx<'_>) {
    if let Some(calls) = ctx.userdata::<HostCalls>() {
        let forgotten = std::mem::take(&mut *calls.pending.borrow_mut());
        drop(forgotten);
    }
}
