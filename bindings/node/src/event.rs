//! Events from JavaScript values, through `JSON.stringify`.

use napi::bindgen_prelude::{JsValue, Unknown};
use napi::{sys, Env};

use crate::helpers;
use crate::js;

/// The event as JSON text, through the `JSON.stringify` of `index.js`.
pub(crate) fn json(env: &Env, event: Unknown<'_>) -> Result<String, String> {
    let outcome =
        helpers::with_helpers(|helpers| Ok(js::call(env, &helpers.stringify, &[event.raw()])));
    match outcome {
        Err(e) => Err(e.to_string()),
        Ok(Err(exception)) => {
            let reason = if exception.is_null() {
                "JSON.stringify failed".to_owned()
            } else {
                js::describe(env, exception)
            };
            Err(format!("the event cannot be serialized to JSON: {reason}"))
        }
        Ok(Ok(json)) if matches!(js::type_of(env, json), Ok(sys::ValueType::napi_string)) => {
            js::string(env, json).map_err(|e| e.to_string())
        }
        Ok(Ok(_)) => Err("the event has no JSON form (undefined, a function or a symbol)".into()),
    }
}
