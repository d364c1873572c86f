//! Events from JavaScript values, through `JSON.stringify`.

use napi::bindgen_prelude::{JsObjectValue, JsValue, Object, Unknown, ValueType};
use napi::{sys, Env};

use crate::helpers;
use crate::js;

/// The event as JSON text, through the `JSON.stringify` of `index.js`.
pub(crate) fn json(env: &Env, event: Unknown<'_>) -> Result<String, String> {
    let outcome =
        helpers::with_helpers(|helpers| Ok(js::call(env, &helpers.stringify, &[event.raw()])));
    match outcome {
        Err(e) => Err(e.to_string()),
        Ok(Err(exception)) if exception.is_null() => Err(cannot("JSON.stringify failed")),
        Ok(Err(exception)) => Err(cannot(&js::describe(env, exception))),
        Ok(Ok(json)) if matches!(js::type_of(env, json), Ok(sys::ValueType::napi_string)) => {
            js::string(env, json).map_err(|e| e.to_string())
        }
        Ok(Ok(_)) => Err(NO_FORM.into()),
    }
}

/// The event as `index.js` serialized it: its JSON text, undefined when it
/// has none, or `[exception]` when `JSON.stringify` threw.
pub(crate) fn serialized(env: &Env, event: Unknown<'_>) -> Result<String, String> {
    match event.get_type().map_err(|e| e.to_string())? {
        // SAFETY: the value was just checked to be a string.
        ValueType::String => unsafe { event.cast::<String>() }.map_err(|e| e.to_string()),
        ValueType::Object => {
            // SAFETY: the value was just checked to be an object.
            let thrown = unsafe { event.cast::<Object>() }.map_err(|e| e.to_string())?;
            let exception: Unknown = thrown.get_element(0).map_err(|e| e.to_string())?;
            Err(cannot(&js::describe(env, exception.raw())))
        }
        _ => Err(NO_FORM.into()),
    }
}

/// Why an event has no JSON text: undefined, a function or a symbol.
const NO_FORM: &str = "the event has no JSON form (undefined, a function or a symbol)";

/// Why an event could not be serialized: `reason`.
fn cannot(reason: &str) -> String {
    format!("the event cannot be serialized to JSON: {reason}")
}
