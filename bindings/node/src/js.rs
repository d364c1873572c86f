//! Small raw N-API helpers for calling JavaScript from the bridge.

use std::cell::RefCell;
use std::ptr;

use napi::bindgen_prelude::{Function, FunctionRef, JsValue, ToNapiValue, Unknown};
use napi::{sys, Env};

/// A stored JavaScript function.
pub(crate) type FnRef = FunctionRef<Unknown<'static>, Unknown<'static>>;

/// The JavaScript helpers `index.js` hands over at load time.
pub(crate) struct Helpers {
    /// `JSON.parse`.
    pub(crate) parse: FnRef,
    /// `JSON.stringify`.
    pub(crate) stringify: FnRef,
    /// `(fn, argsJson, settle) => void`: runs a host function, sync or
    /// async, and reports through `settle(ok, payload)`.
    pub(crate) dispatch: FnRef,
}

thread_local! {
    static HELPERS: RefCell<Option<Helpers>> = const { RefCell::new(None) };
}

/// Installs the helpers (main thread).
pub(crate) fn install(helpers: Helpers) {
    HELPERS.with_borrow_mut(|h| *h = Some(helpers));
}

/// Runs `f` with the helpers, or fails if `index.js` did not install them.
pub(crate) fn with_helpers<T>(f: impl FnOnce(&Helpers) -> napi::Result<T>) -> napi::Result<T> {
    HELPERS.with_borrow(|h| match h {
        Some(helpers) => f(helpers),
        None => Err(napi::Error::from_reason(
            "the native module must be loaded through index.js",
        )),
    })
}

/// Calls `function` with `args`; a thrown exception is taken off the
/// environment and returned as the error value.
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
    let mut result = ptr::null_mut();
    // SAFETY: main thread, valid values.
    let status = unsafe {
        sys::napi_get_undefined(env.raw(), &mut undefined);
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

/// Takes the pending exception, if any, off the environment.
pub(crate) fn take_exception(env: &Env) -> sys::napi_value {
    let mut exception = ptr::null_mut();
    // SAFETY: main thread; leaves no exception pending.
    unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut exception) };
    exception
}

/// Converts a Rust value to a raw JavaScript value.
pub(crate) fn value<T: ToNapiValue>(env: &Env, v: T) -> napi::Result<sys::napi_value> {
    // SAFETY: main thread.
    unsafe { T::to_napi_value(env.raw(), v) }
}

/// The type of a raw value.
pub(crate) fn type_of(env: &Env, v: sys::napi_value) -> sys::napi_valuetype {
    let mut kind = 0;
    // SAFETY: main thread, valid value.
    unsafe { sys::napi_typeof(env.raw(), v, &mut kind) };
    kind
}

/// Reads a raw string value.
pub(crate) fn string(env: &Env, v: sys::napi_value) -> napi::Result<String> {
    // SAFETY: main thread, valid value.
    unsafe { <String as napi::bindgen_prelude::FromNapiValue>::from_napi_value(env.raw(), v) }
}

/// `String(value)`, for error messages.
pub(crate) fn describe(env: &Env, v: sys::napi_value) -> String {
    let mut text = ptr::null_mut();
    // SAFETY: main thread, valid value.
    let status = unsafe { sys::napi_coerce_to_string(env.raw(), v, &mut text) };
    if status != sys::Status::napi_ok {
        take_exception(env);
        return "an exception".into();
    }
    string(env, text).unwrap_or_else(|_| "an exception".into())
}
