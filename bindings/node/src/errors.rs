//! JavaScript errors with stable codes (see [`ErrorCode`]).

use napi::bindgen_prelude::{JsObjectValue, JsValue, Object};
use napi::Env;
use warden::Error;

use crate::code::{code_of, ErrorCode};

/// A plain error with a code and a kind.
pub(crate) fn plain<'env>(
    env: &'env Env,
    code: ErrorCode,
    kind: &str,
    message: &str,
) -> napi::Result<Object<'env>> {
    let mut error = env.create_error(napi::Error::new(
        napi::Status::GenericFailure,
        message.to_owned(),
    ))?;
    error.set_named_property("code", code.as_str())?;
    error.set_named_property("kind", kind)?;
    Ok(error)
}

/// The JavaScript form of a Warden error: `code`, `kind`, and for kills the
/// `monitor` that fired (`"interrupt-handle"` for a manual kill) and its
/// `budgetMs`, for guest exceptions a `guestError` with `name`, `message`,
/// `stack`, `line` and `column`.
///
/// The code comes from [`code_of`], which covers every category. The
/// details are properties that only some errors have; `Error` is
/// `#[non_exhaustive]`, so they are looked up by the variants that carry
/// them, and a new variant gets none until it is added here.
pub(crate) fn from_warden<'env>(env: &'env Env, error: &Error) -> napi::Result<Object<'env>> {
    let mut object = plain(env, code_of(error), error.kind(), &error.to_string())?;
    if let Error::LoadAborted { handler, .. } = error {
        object.set_named_property("handler", handler.as_str())?;
    }
    if let Some(killer) = error.killer() {
        object.set_named_property("monitor", killer.name())?;
        if let Some(budget) = killer.budget() {
            object.set_named_property("budgetMs", budget.as_secs_f64() * 1e3)?;
        }
    }
    let error = match error {
        Error::LoadAborted { cause, .. } => cause,
        error => error,
    };
    if let Error::HandlerThrew { handler, error } | Error::Compile { handler, error } = error {
        object.set_named_property("handler", handler.as_str())?;
        let mut guest = Object::new(env)?;
        guest.set_named_property("name", error.name.as_str())?;
        guest.set_named_property("message", error.message.as_str())?;
        guest.set_named_property("stack", error.stack.as_deref())?;
        guest.set_named_property("line", error.line)?;
        guest.set_named_property("column", error.column)?;
        object.set_named_property("guestError", guest)?;
    }
    Ok(object)
}

/// A plain error object with a code and a kind, as an error to throw (or
/// to reject a promise with, see [`crate::promise::settled`]).
pub(crate) fn throw(env: &Env, code: ErrorCode, kind: &str, message: &str) -> napi::Error {
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
        ErrorCode::CONSUMED,
        "consumed",
        &format!("this {what} was consumed by {by}() and cannot be used any more"),
    )
}

/// The error for an invalid argument.
pub(crate) fn invalid(env: &Env, message: &str) -> napi::Error {
    throw(env, ErrorCode::INVALID_ARG, "invalid_arg", message)
}
