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
    // Each option is read and checked before the next is read.
    let gc = gc_of(Some(get("gc")?), takes)?;
    let wall = timeout_of("wallClockTimeoutMs", Some(get("wallClockTimeoutMs")?))?;
    let cpu = timeout_of("cpuTimeoutMs", Some(get("cpuTimeoutMs")?))?;
    options_of(wall, cpu, gc)
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
    let gc = gc_of(gc, takes)?;
    let wall = timeout_of("wallClockTimeoutMs", wall)?;
    let cpu = timeout_of("cpuTimeoutMs", cpu)?;
    options_of(wall, cpu, gc)
}

/// The type of `value`, undefined when there is none.
fn type_of(value: &Option<Unknown<'_>>) -> Result<ValueType, String> {
    match value {
        Some(value) => value.get_type().map_err(|e| e.to_string()),
        None => Ok(ValueType::Undefined),
    }
}

/// The timeout `key` whose value is `value`.
fn timeout_of(key: &str, value: Option<Unknown<'_>>) -> Result<Option<Duration>, String> {
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
}

/// The `gc` option whose value is `value`.
fn gc_of(value: Option<Unknown<'_>>, takes: Takes) -> Result<Option<bool>, String> {
    match (type_of(&value)?, value, takes) {
        (ValueType::Undefined, _, _) => Ok(None),
        (ValueType::Boolean, Some(gc), Takes::Call) => {
            // SAFETY: the value was just checked to be a boolean.
            Ok(Some(
                unsafe { gc.cast::<bool>() }.map_err(|e| e.to_string())?,
            ))
        }
        (_, _, Takes::Call) => Err("gc must be a boolean".into()),
        (_, _, Takes::Load) => Err("gc is not an option of addHandler".into()),
    }
}

/// The options of these timeouts and `gc`.
fn options_of(
    wall: Option<Duration>,
    cpu: Option<Duration>,
    gc: Option<bool>,
) -> Result<Options, String> {
    let budget = Budget::new(wall, cpu).map_err(|e| e.to_string())?;
    Ok(Options { budget, gc })
}
