//! Small raw N-API helpers for calling JavaScript from the bridge. All of
//! them run on the main thread of the environment they are given.

use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, Function, FunctionRef, JsValue, ToNapiValue, Unknown};
use napi::{sys, Env};

/// A stored JavaScript function.
pub(crate) type FnRef = FunctionRef<Unknown<'static>, Unknown<'static>>;

/// Calls `function` with `args`; a thrown exception is taken off the
/// environment and returned as the error value (null when there is none).
pub(crate) fn call(
    env: &Env,
    function: &FnRef,
    args: &[sys::napi_value],
) -> Result<sys::napi_value, sys::napi_value> {
    let function: Function<'_, Unknown<'static>, Unknown<'static>> = match function.borrow_back(env)
    {
        Ok(f) => f,
        Err(_) => return Err(ptr::null_mut()),
    };
    let mut undefined = ptr::null_mut();
    // SAFETY: `env` is this thread's live environment; the out-pointer
    // points at a local.
    let status = unsafe { sys::napi_get_undefined(env.raw(), &mut undefined) };
    if status != sys::Status::napi_ok {
        return Err(ptr::null_mut());
    }
    let mut result = ptr::null_mut();
    // SAFETY: `env` is this thread's live environment; `undefined`, the
    // function and `args` are values of it, `args.len()` values at
    // `args.as_ptr()`; the out-pointer points at a local.
    let status = unsafe {
        sys::napi_call_function(
            env.raw(),
            undefined,
            function.raw(),
            args.len(),
            args.as_ptr(),
            &mut result,
        )
    };
    if status == sys::Status::napi_ok {
        Ok(result)
    } else {
        Err(take_exception(env))
    }
}

/// Takes the pending exception, if any, off the environment (null when it
/// cannot be taken).
pub(crate) fn take_exception(env: &Env) -> sys::napi_value {
    let mut exception = ptr::null_mut();
    // SAFETY: `env` is this thread's live environment; the out-pointer
    // points at a local.
    let status = unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut exception) };
    if status != sys::Status::napi_ok {
        return ptr::null_mut();
    }
    exception
}

/// Converts a Rust value to a raw JavaScript value.
pub(crate) fn value<T: ToNapiValue>(env: &Env, v: T) -> napi::Result<sys::napi_value> {
    // SAFETY: `env` is this thread's live environment, the one conversions
    // need.
    unsafe { T::to_napi_value(env.raw(), v) }
}

/// The type of a raw value.
pub(crate) fn type_of(env: &Env, v: sys::napi_value) -> napi::Result<sys::napi_valuetype> {
    let mut kind = 0;
    // SAFETY: `env` is this thread's live environment and `v` a value of
    // it; the out-pointer points at a local.
    let status = unsafe { sys::napi_typeof(env.raw(), v, &mut kind) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason("cannot read the type of a value"));
    }
    Ok(kind)
}

/// Reads a raw string value.
pub(crate) fn string(env: &Env, v: sys::napi_value) -> napi::Result<String> {
    // SAFETY: `env` is this thread's live environment and `v` a value of
    // it; the conversion checks that it is a string.
    unsafe { String::from_napi_value(env.raw(), v) }
}

/// `String(value)`, for error messages.
pub(crate) fn describe(env: &Env, v: sys::napi_value) -> String {
    let mut text = ptr::null_mut();
    // SAFETY: `env` is this thread's live environment and `v` a value of
    // it; the out-pointer points at a local.
    let status = unsafe { sys::napi_coerce_to_string(env.raw(), v, &mut text) };
    if status != sys::Status::napi_ok {
        take_exception(env);
        return "an exception".into();
    }
    string(env, text).unwrap_or_else(|_| "an exception".into())
}
