//! Arguments checked by hand, so that a wrong one throws `ERR_INVALID_ARG`
//! (napi-rs's own conversions throw errors without Warden's codes).

use napi::bindgen_prelude::{Function, Unknown, ValueType};
use napi::Env;

use crate::errors;

/// Argument `what`, which must be a string.
pub(crate) fn string(env: &Env, what: &str, value: Unknown<'_>) -> napi::Result<String> {
    if value.get_type()? != ValueType::String {
        return Err(errors::invalid(env, &format!("{what} must be a string")));
    }
    // SAFETY: the value was just checked to be a string.
    unsafe { value.cast() }
}

/// A handler name: a string that is not empty. (The sandbox checks the
/// rest when it uses the name.)
pub(crate) fn handler_name(env: &Env, value: Unknown<'_>) -> napi::Result<String> {
    name(env, "the handler name", value)
}

/// A module name: a string that is not empty. (The sandbox checks the
/// rest when it adds the module.)
pub(crate) fn module_name(env: &Env, value: Unknown<'_>) -> napi::Result<String> {
    name(env, "the module name", value)
}

/// Argument `what`, a name: a string that is not empty.
fn name(env: &Env, what: &str, value: Unknown<'_>) -> napi::Result<String> {
    let name = string(env, what, value)?;
    if name.is_empty() {
        return Err(errors::invalid(env, &format!("{what} must not be empty")));
    }
    Ok(name)
}

/// Argument `what`, which must be a function.
pub(crate) fn function<'env>(
    env: &Env,
    what: &str,
    value: Unknown<'env>,
) -> napi::Result<Function<'env, Unknown<'static>, Unknown<'static>>> {
    if value.get_type()? != ValueType::Function {
        return Err(errors::invalid(env, &format!("{what} must be a function")));
    }
    // SAFETY: the value was just checked to be a function.
    unsafe { value.cast() }
}
