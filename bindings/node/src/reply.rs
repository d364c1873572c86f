//! What a job sends back to JavaScript, and what its promise settles with.

use napi::bindgen_prelude::JsValue;
use napi::{sys, Env};

use crate::code::ErrorCode;
use crate::errors;
use crate::helpers;
use crate::js;
use crate::snapshot::Snapshot;

/// The outcome of a job run on the sandbox thread.
pub(crate) enum Reply {
    /// Done, nothing to return.
    Unit,
    /// A handler's result, as JSON text, which settles as its value.
    Json(String),
    /// A handler's result, as JSON text, which settles as that text.
    JsonText(String),
    /// A snapshot.
    Snapshot(warden::Snapshot),
    /// Warden refused or failed.
    Warden(warden::Error),
    /// The binding failed (a bug).
    Internal(String),
    /// The sandbox was disposed before the job ran.
    Disposed,
}

impl From<warden::Result<()>> for Reply {
    fn from(result: warden::Result<()>) -> Self {
        match result {
            Ok(()) => Self::Unit,
            Err(error) => Self::Warden(error),
        }
    }
}

impl Reply {
    /// The value the reply settles its promise with, and whether it
    /// resolves (main thread).
    pub(crate) fn into_js(self, env: &Env) -> napi::Result<(bool, sys::napi_value)> {
        let internal = |message: &str| -> napi::Result<(bool, sys::napi_value)> {
            Ok((
                false,
                errors::plain(env, ErrorCode::INTERNAL, "internal", message)?.raw(),
            ))
        };
        Ok(match self {
            Reply::Unit => (true, js::value(env, ())?),
            Reply::Json(json) => {
                let text = js::value(env, json)?;
                match helpers::with_helpers(|helpers| Ok(js::call(env, &helpers.parse, &[text])))? {
                    Ok(value) => (true, value),
                    Err(_) => return internal("the result is not JSON"),
                }
            }
            Reply::JsonText(json) => (true, js::value(env, json)?),
            Reply::Snapshot(snapshot) => (true, js::value(env, Snapshot::new(snapshot))?),
            Reply::Warden(error) => (false, errors::from_warden(env, &error)?.raw()),
            Reply::Internal(message) => return internal(&message),
            Reply::Disposed => (
                false,
                errors::plain(
                    env,
                    ErrorCode::CONSUMED,
                    "consumed",
                    "the sandbox was disposed before this job could run",
                )?
                .raw(),
            ),
        })
    }
}
