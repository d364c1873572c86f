//! The options objects of `callHandler` and `addHandler`.

use std::time::Duration;

use napi::bindgen_prelude::{JsObjectValue, Object, Unknown, ValueType};
use warden::monitor::Budget;

/// The longest timeout, in milliseconds: one hour.
const MAX_TIMEOUT_MS: f64 = 3_600_000.0;

/// What an options object asks for.
pub(crate) struct Options {
    /// `wallClockTimeoutMs` and `cpuTimeoutMs`.
    pub(crate) budget: Budget,
    /// `gc` (calls only).
    pub(crate) gc: Option<bool>,
}

/// Which options a method takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Takes {
    /// Timeouts and `gc`.
    Call,
    /// Timeouts.
    Load,
}

/// Reads `options` (undefined, null or an object). The error says which
/// option is wrong and why.
pub(crate) fn read(options: Option<Unknown<'_>>, takes: Takes) -> Result<Options, String> {
    let none = Options {
        budget: Budget::default(),
        gc: None,
    };
    let Some(options) = options else {
        return Ok(none);
    };
    match options.get_type().map_err(|e| e.to_string())? {
        ValueType::Undefined | ValueType::Null => return Ok(none),
        ValueType::Object => {}
        _ => return Err("options must be an object".into()),
    }
    // SAFETY: the value was just checked to be an object.
    let object = unsafe { options.cast::<Object>() }.map_err(|e| e.to_string())?;
    let timeout = |key: &str| -> Result<Option<Duration>, String> {
        let value: Unknown = object.get_named_property(key).map_err(|e| e.to_string())?;
        match value.get_type().map_err(|e| e.to_string())? {
            ValueType::Undefined => Ok(None),
            ValueType::Number => {
                // SAFETY: the value was just checked to be a number.
                let ms: f64 = unsafe { value.cast() }.map_err(|e: napi::Error| e.to_string())?;
                if ms.fract() == 0.0 && (1.0..=MAX_TIMEOUT_MS).contains(&ms) {
                    Ok(Some(Duration::from_millis(ms as u64)))
                } else {
                    Err(format!(
                        "{key} must be a whole number of milliseconds from 1 to 3600000, got {ms}"
                    ))
                }
            }
            _ => Err(format!(
                "{key} must be a whole number of milliseconds from 1 to 3600000"
            )),
        }
    };
    let gc: Unknown = object.get_named_property("gc").map_err(|e| e.to_string())?;
    let gc = match (gc.get_type().map_err(|e| e.to_string())?, takes) {
        (ValueType::Undefined, _) => None,
        (ValueType::Boolean, Takes::Call) => {
            // SAFETY: the value was just checked to be a boolean.
            Some(unsafe { gc.cast::<bool>() }.map_err(|e| e.to_string())?)
        }
        (_, Takes::Call) => return Err("gc must be a boolean".into()),
        (_, Takes::Load) => return Err("gc is not an option of addHandler".into()),
    };
    let budget = Budget::new(timeout("wallClockTimeoutMs")?, timeout("cpuTimeoutMs")?)
        .map_err(|e| e.to_string())?;
    Ok(Options { budget, gc })
}
