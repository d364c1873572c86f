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
    let Some(options) = options else {
        return from_values(None, None, None, takes);
    };
    match options.get_type().map_err(|e| e.to_string())? {
        ValueType::Undefined | ValueType::Null => return from_values(None, None, None, takes),
        ValueType::Object => {}
        _ => return Err("options must be an object".into()),
    }
    // SAFETY: the value was just checked to be an object.
    let object = unsafe { options.cast::<Object>() }.map_err(|e| e.to_string())?;
    let get = |key: &str| -> Result<Unknown<'_>, String> {
        object.get_named_property(key).map_err(|e| e.to_string())
    };
    let gc = get("gc")?;
    let wall = get("wallClockTimeoutMs")?;
    let cpu = get("cpuTimeoutMs")?;
    from_values(Some(wall), Some(cpu), Some(gc), takes)
}

/// The options whose values are `wall` (`wallClockTimeoutMs`), `cpu`
/// (`cpuTimeoutMs`) and `gc`, as [`read`] reads them off an object (`None`
/// stands for undefined): `index.js` reads them in JavaScript.
pub(crate) fn from_values(
    wall: Option<Unknown<'_>>,
    cpu: Option<Unknown<'_>>,
    gc: Option<Unknown<'_>>,
    takes: Takes,
) -> Result<Options, String> {
    let type_of = |value: &Option<Unknown<'_>>| match value {
        Some(value) => value.get_type().map_err(|e| e.to_string()),
        None => Ok(ValueType::Undefined),
    };
    let timeout = |key: &str, value: Option<Unknown<'_>>| -> Result<Option<Duration>, String> {
        match (type_of(&value)?, value) {
            (ValueType::Undefined, _) => Ok(None),
            (ValueType::Number, Some(value)) => {
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
    let gc = match (type_of(&gc)?, gc, takes) {
        (ValueType::Undefined, _, _) => None,
        (ValueType::Boolean, Some(gc), Takes::Call) => {
            // SAFETY: the value was just checked to be a boolean.
            Some(unsafe { gc.cast::<bool>() }.map_err(|e| e.to_string())?)
        }
        (_, _, Takes::Call) => return Err("gc must be a boolean".into()),
        (_, _, Takes::Load) => return Err("gc is not an option of addHandler".into()),
    };
    let budget = Budget::new(
        timeout("wallClockTimeoutMs", wall)?,
        timeout("cpuTimeoutMs", cpu)?,
    )
    .map_err(|e| e.to_string())?;
    Ok(Options { budget, gc })
}
