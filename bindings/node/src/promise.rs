//! Promises made through raw N-API: every status checked, every deferred
//! settled at most once.

use std::ptr;

use napi::bindgen_prelude::ToNapiValue;
use napi::{sys, Env};

use crate::errors;
use crate::js;

/// A promise, returned to JavaScript as is.
#[derive(Debug)]
pub struct Promise(sys::napi_value);

impl ToNapiValue for Promise {
    unsafe fn to_napi_value(_env: sys::napi_env, value: Self) -> napi::Result<sys::napi_value> {
        Ok(value.0)
    }
}

/// What settles one promise. Settling consumes it, so no promise is
/// settled twice.
#[derive(Debug)]
pub(crate) struct Deferred(sys::napi_deferred);

/// A new pending promise and what settles it (main thread).
pub(crate) fn create(env: &Env) -> napi::Result<(Deferred, Promise)> {
    let (mut deferred, mut promise) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: `env` is the live environment of this (its main) thread, and
    // both out-pointers point at locals.
    let status = unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason("cannot create a promise"));
    }
    Ok((Deferred(deferred), Promise(promise)))
}

impl Deferred {
    /// Resolves the promise with `value` if `ok`, else rejects it with
    /// `value` (main thread).
    pub(crate) fn settle(self, env: &Env, ok: bool, value: sys::napi_value) -> napi::Result<()> {
        // SAFETY: `env` is this thread's live environment, `value` a value
        // of it, and `self.0` a deferred of it that was never settled:
        // `create` made it, and settling consumes `self`.
        let status = unsafe {
            if ok {
                sys::napi_resolve_deferred(env.raw(), self.0, value)
            } else {
                sys::napi_reject_deferred(env.raw(), self.0, value)
            }
        };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::from_reason("cannot settle a promise"));
        }
        Ok(())
    }
}

/// A promise already settled with `outcome`: resolved with its value, or
/// rejected with its error.
pub(crate) fn settled<T: ToNapiValue>(
    env: &Env,
    outcome: napi::Result<T>,
) -> napi::Result<Promise> {
    let (deferred, promise) = create(env)?;
    match outcome.and_then(|value| js::value(env, value)) {
        Ok(value) => deferred.settle(env, true, value)?,
        Err(error) => deferred.settle(env, false, js::value(env, error)?)?,
    }
    Ok(promise)
}

/// A promise already rejected with `ERR_INVALID_ARG` and `message`.
pub(crate) fn invalid(env: &Env, message: &str) -> napi::Result<Promise> {
    settled::<()>(env, Err(errors::invalid(env, message)))
}
