//! JavaScript errors with stable codes.

use napi::bindgen_prelude::{JsObjectValue, JsValue, Object};
use napi::Env;
use warden::{Error, ErrorCategory};

/// A call was killed, by a monitor or through an interrupt handle.
pub(crate) const CANCELLED: &str = "ERR_CANCELLED";
/// The sandbox is poisoned by an earlier killed or trapped call.
pub(crate) const POISONED: &str = "ERR_POISONED";
/// The guest code failed: it threw, did not compile, returned no JSON, or
/// ran out of memory or stack.
pub(crate) const HANDLER: &str = "ERR_HANDLER";
/// The guest aborted: a trap (not a kill, and not running out of memory
/// or stack) poisoned the sandbox.
pub(crate) const GUEST_ABORT: &str = "ERR_GUEST_ABORT";
/// An argument is invalid.
pub(crate) const INVALID_ARG: &str = "ERR_INVALID_ARG";
/// The object was consumed by an earlier call.
pub(crate) const CONSUMED: &str = "ERR_CONSUMED";
/// Warden itself failed.
pub(crate) const INTERNAL: &str = "ERR_INTERNAL";

/// The code of a Warden error, from the library's own classification.
pub(crate) fn code_of(error: &Error) -> &'static str {
    match error.category() {
        ErrorCategory::Killed => CANCELLED,
        ErrorCategory::GuestAbort => GUEST_ABORT,
        ErrorCategory::Poisoned => POISONED,
        ErrorCategory::Handler
        | ErrorCategory::Script
        | ErrorCategory::Result
        | ErrorCategory::ResourceLimit => HANDLER,
        ErrorCategory::Config
        | ErrorCategory::Name
        | ErrorCategory::Event
        | ErrorCategory::Snapshot => INVALID_ARG,
        // Host errors are made by Rust embedder code, which Node never runs.
        ErrorCategory::Monitor | ErrorCategory::Internal | ErrorCategory::Host => INTERNAL,
    }
}

/// A plain error with a code and a kind.
pub(crate) fn plain<'env>(
    env: &'env Env,
    code: &str,
    kind: &str,
    message: &str,
) -> napi::Result<Object<'env>> {
    let mut error = env.create_error(napi::Error::new(
        napi::Status::GenericFailure,
        message.to_owned(),
    ))?;
    error.set_named_property("code", code)?;
    error.set_named_property("kind", kind)?;
    Ok(error)
}

/// The JavaScript form of a Warden error: `code`, `kind`, and for kills the
/// `monitor` that fired (`"interrupt-handle"` for a manual kill) and its
/// `budgetMs`, for guest exceptions a `guestError` with `name`, `message`,
/// `stack`, `line` and `column`.
pub(crate) fn from_warden<'env>(env: &'env Env, error: &Error) -> napi::Result<Object<'env>> {
    let mut object = plain(env, code_of(error), error.kind(), &error.to_string())?;
    if let Error::LoadAborted { handler, .. } = error {
        object.set_named_property("handler", handler.as_str())?;
    }
    let error = match error {
        Error::LoadAborted { cause, .. } => cause,
        error => error,
    };
    match error {
        Error::Killed(killer) => {
            object.set_named_property(
                "monitor",
                killer.monitor_name().unwrap_or(warden::KILLED_BY_HANDLE),
            )?;
            if let warden::Killer::Monitor {
                budget: Some(budget),
                ..
            } = killer
            {
                object.set_named_property("budgetMs", budget.as_secs_f64() * 1e3)?;
            }
        }
        Error::HandlerThrew { handler, error } | Error::Compile { handler, error } => {
            object.set_named_property("handler", handler.as_str())?;
            let mut guest = Object::new(env)?;
            guest.set_named_property("name", error.name.as_str())?;
            guest.set_named_property("message", error.message.as_str())?;
            guest.set_named_property("stack", error.stack.as_deref())?;
            guest.set_named_property("line", error.line)?;
            guest.set_named_property("column", error.column)?;
            object.set_named_property("guestError", guest)?;
        }
        _ => {}
    }
    Ok(object)
}

/// A plain error object with a code and a kind, as an error to throw (or
/// to reject a promise with, see [`crate::promise::settled`]).
pub(crate) fn throw(env: &Env, code: &str, kind: &str, message: &str) -> napi::Error {
    match plain(env, code, kind, message) {
        Ok(object) => napi::Error::from(object.to_unknown()),
        Err(e) => e,
    }
}

/// A Warden error to throw (or to reject a promise with).
pub(crate) fn throw_warden(env: &Env, error: &Error) -> napi::Error {
    match from_warden(env, error) {
        Ok(object) => napi::Error::from(object.to_unknown()),
        Err(e) => e,
    }
}

/// The error for using an object after a call consumed it.
pub(crate) fn consumed(env: &Env, what: &str, by: &str) -> napi::Error {
    throw(
        env,
        CONSUMED,
        "consumed",
        &format!("this {what} was consumed by {by}() and cannot be used any more"),
    )
}

/// The error for an invalid argument.
pub(crate) fn invalid(env: &Env, message: &str) -> napi::Error {
    throw(env, INVALID_ARG, "invalid_arg", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guest_trap_is_a_guest_abort_even_when_it_aborts_a_load() {
        let trap = || Error::GuestTrap("wasm trap: unreachable".into());
        assert_eq!(code_of(&trap()), GUEST_ABORT);
        assert_eq!(GUEST_ABORT, "ERR_GUEST_ABORT");
        let aborted = Error::LoadAborted {
            handler: "h".into(),
            cause: Box::new(trap()),
        };
        assert_eq!(code_of(&aborted), GUEST_ABORT);
        // Warden's own failures stay internal.
        assert_eq!(code_of(&Error::Internal("bug".into())), INTERNAL);
    }
}
