//! `JSSandbox`, `LoadedJSSandbox`, `InterruptHandle` and `Snapshot`.

use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi::bindgen_prelude::{
    Either, JsObjectValue, JsValue, Null, Object, ToNapiValue, Unknown, ValueType,
};
use napi::{sys, Env};
use napi_derive::napi;
use warden::{CpuTimeMonitor, WallClockMonitor};

use crate::errors;
use crate::js;
use crate::lane::{Lane, Stage};
use crate::reply::Reply;

/// A promise made by the lane, returned to JavaScript as is.
pub struct Promise(sys::napi_value);

impl ToNapiValue for Promise {
    unsafe fn to_napi_value(_env: sys::napi_env, value: Self) -> napi::Result<sys::napi_value> {
        Ok(value.0)
    }
}

/// A promise already rejected with `error`.
fn rejected(env: &Env, error: napi::Result<Object<'_>>) -> napi::Result<Promise> {
    let error = error?;
    let (mut deferred, mut promise) = (std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: main thread.
    unsafe {
        sys::napi_create_promise(env.raw(), &mut deferred, &mut promise);
        sys::napi_reject_deferred(env.raw(), deferred, error.raw());
    }
    Ok(Promise(promise))
}

fn consumed_promise(env: &Env, what: &str, by: &str) -> napi::Result<Promise> {
    let message = format!("this {what} was consumed by {by}() and cannot be used any more");
    rejected(
        env,
        errors::plain(env, errors::CONSUMED, "consumed", &message),
    )
}

/// Runs `job` on the lane's sandbox at the stage `pick` selects; rejects
/// with `ERR_CONSUMED` when the object (a `what`) was consumed by `by()`.
fn submit_to<T: 'static>(
    env: &Env,
    lane: Option<&Rc<Lane>>,
    (what, by): (&str, &str),
    pick: fn(&mut Stage) -> Option<&mut T>,
    job: impl FnOnce(&mut T) -> Reply + Send + 'static,
) -> napi::Result<Promise> {
    let Some(lane) = lane else {
        return consumed_promise(env, what, by);
    };
    lane.submit(
        env,
        Box::new(move |stage| match pick(stage) {
            Some(sandbox) => job(sandbox),
            None => Reply::Internal("the sandbox is not in the expected state".into()),
        }),
    )
    .map(Promise)
}

/// A sandbox with its JavaScript runtime started: add handlers, then call
/// `getLoadedSandbox()`.
#[napi(js_name = "JSSandbox")]
pub struct JSSandbox {
    lane: Option<Rc<Lane>>,
    interrupt: warden::InterruptHandle,
}

impl JSSandbox {
    pub(crate) fn new(lane: Rc<Lane>, interrupt: warden::InterruptHandle) -> Self {
        Self {
            lane: Some(lane),
            interrupt,
        }
    }

    fn with_js(
        &self,
        env: &Env,
        job: impl FnOnce(&mut warden::JSSandbox) -> Reply + Send + 'static,
    ) -> napi::Result<Promise> {
        let consumed = ("JSSandbox", "getLoadedSandbox");
        submit_to(env, self.lane.as_ref(), consumed, Stage::js, job)
    }
}

#[napi]
impl JSSandbox {
    /// Compiles `source` and registers its handler under `name`. Resolves
    /// when the script has been evaluated.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn add_handler(&self, env: &Env, name: String, source: String) -> napi::Result<Promise> {
        self.with_js(env, move |sandbox| {
            sandbox
                .add_handler(&name, warden::Script::from_content(source))
                .into()
        })
    }

    /// Unregisters handler `name`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn remove_handler(&self, env: &Env, name: String) -> napi::Result<Promise> {
        self.with_js(env, move |sandbox| sandbox.remove_handler(&name).into())
    }

    /// Unregisters every handler.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn clear_handlers(&self, env: &Env) -> napi::Result<Promise> {
        self.with_js(env, |sandbox| sandbox.clear_handlers().into())
    }

    /// Finishes loading. Consumes this object.
    #[napi]
    pub fn get_loaded_sandbox(&mut self, env: &Env) -> napi::Result<LoadedJSSandbox> {
        let lane = self
            .lane
            .take()
            .ok_or_else(|| errors::consumed(env, "JSSandbox", "getLoadedSandbox"))?;
        lane.post(Box::new(|stage| {
            *stage = match std::mem::replace(stage, Stage::Empty) {
                Stage::Js(sandbox) => sandbox
                    .get_loaded_sandbox()
                    .map_or(Stage::Empty, Stage::Loaded),
                other => other,
            };
            Reply::Unit
        }));
        Ok(LoadedJSSandbox::new(lane, self.interrupt.clone()))
    }

    /// Kills the code running in this sandbox, from anywhere.
    #[napi(getter)]
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle {
            inner: self.interrupt.clone(),
        }
    }

    /// Whether the sandbox is poisoned.
    #[napi(getter)]
    pub fn poisoned(&self) -> bool {
        self.interrupt.is_poisoned()
    }
}

/// Statistics of the last handler call.
#[napi(object)]
pub struct CallStats {
    /// Real time the call took, in milliseconds.
    pub wall_time_ms: f64,
    /// CPU time the guest used, in milliseconds (measured on monitored
    /// calls, else null).
    pub guest_cpu_time_ms: Either<f64, Null>,
    /// What killed the call: a monitor's name, `"interrupt-handle"`, or
    /// null.
    pub terminated_by: Either<String, Null>,
}

/// The options of `callHandler`.
struct CallOptions {
    wall_clock: Option<Duration>,
    cpu_time: Option<Duration>,
    gc: Option<bool>,
}

const MAX_TIMEOUT_MS: f64 = 3_600_000.0;

fn read_options(options: Option<Unknown<'_>>) -> Result<CallOptions, String> {
    let none = CallOptions {
        wall_clock: None,
        cpu_time: None,
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
    let gc = match gc.get_type().map_err(|e| e.to_string())? {
        ValueType::Undefined => None,
        ValueType::Boolean => Some(unsafe { gc.cast::<bool>() }.map_err(|e| e.to_string())?),
        _ => return Err("gc must be a boolean".into()),
    };
    Ok(CallOptions {
        wall_clock: timeout("wallClockTimeoutMs")?,
        cpu_time: timeout("cpuTimeoutMs")?,
        gc,
    })
}

/// The event as JSON text, through the `JSON.stringify` of `index.js`.
fn event_json(env: &Env, event: Unknown<'_>) -> Result<String, String> {
    let outcome = js::with_helpers(|helpers| Ok(js::call(env, &helpers.stringify, &[event.raw()])));
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
        Ok(Ok(json)) if js::type_of(env, json) == sys::ValueType::napi_string => {
            js::string(env, json).map_err(|e| e.to_string())
        }
        Ok(Ok(_)) => Err("the event has no JSON form (undefined, a function or a symbol)".into()),
    }
}

/// A sandbox with its handlers loaded.
#[napi(js_name = "LoadedJSSandbox")]
pub struct LoadedJSSandbox {
    lane: Option<Rc<Lane>>,
    interrupt: warden::InterruptHandle,
    stats: Arc<Mutex<Option<warden::CallStats>>>,
}

impl LoadedJSSandbox {
    fn new(lane: Rc<Lane>, interrupt: warden::InterruptHandle) -> Self {
        Self {
            lane: Some(lane),
            interrupt,
            stats: Arc::default(),
        }
    }

    fn with_loaded(
        &self,
        env: &Env,
        job: impl FnOnce(&mut warden::LoadedJSSandbox) -> Reply + Send + 'static,
    ) -> napi::Result<Promise> {
        let consumed = ("LoadedJSSandbox", "unload");
        submit_to(env, self.lane.as_ref(), consumed, Stage::loaded, job)
    }
}

#[napi]
impl LoadedJSSandbox {
    /// Calls handler `name` with `event` (any JSON-serializable value) and
    /// resolves with its result. `wallClockTimeoutMs` and `cpuTimeoutMs`
    /// watch the call with those budgets (both: first to fire wins); `gc`
    /// (default true) collects garbage after the call.
    #[napi(ts_return_type = "Promise<any>")]
    pub fn call_handler(
        &self,
        env: &Env,
        name: String,
        event: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> napi::Result<Promise> {
        if self.lane.is_none() {
            return consumed_promise(env, "LoadedJSSandbox", "unload");
        }
        let invalid = |message: String| {
            rejected(
                env,
                errors::plain(env, errors::INVALID_ARG, "invalid_arg", &message),
            )
        };
        let options = match read_options(options) {
            Ok(options) => options,
            Err(message) => return invalid(message),
        };
        let json = match event_json(env, event) {
            Ok(json) => json,
            Err(message) => return invalid(message),
        };
        let stats = self.stats.clone();
        self.with_loaded(env, move |sandbox| {
            let (name, gc) = (name.as_str(), options.gc);
            let result = match (options.wall_clock, options.cpu_time) {
                (None, None) => sandbox.handle_event(name, &json, gc),
                (Some(wall), None) => WallClockMonitor::new(wall)
                    .and_then(|m| sandbox.handle_event_with_monitor(name, &json, &m, gc)),
                (None, Some(cpu)) => CpuTimeMonitor::new(cpu)
                    .and_then(|m| sandbox.handle_event_with_monitor(name, &json, &m, gc)),
                (Some(wall), Some(cpu)) => WallClockMonitor::new(wall)
                    .and_then(|w| Ok((w, CpuTimeMonitor::new(cpu)?)))
                    .and_then(|m| sandbox.handle_event_with_monitor(name, &json, &m, gc)),
            };
            *stats.lock().unwrap_or_else(|p| p.into_inner()) = sandbox.last_call_stats();
            match result {
                Ok(json) => Reply::Json(json),
                Err(error) => Reply::Warden(error),
            }
        })
    }

    /// Saves the sandbox's state.
    #[napi(ts_return_type = "Promise<Snapshot>")]
    pub fn snapshot(&self, env: &Env) -> napi::Result<Promise> {
        self.with_loaded(env, |sandbox| match sandbox.snapshot() {
            Ok(snapshot) => Reply::Snapshot(snapshot),
            Err(error) => Reply::Warden(error),
        })
    }

    /// Returns to `snapshot`, clearing poison.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn restore(&self, env: &Env, snapshot: &Snapshot) -> napi::Result<Promise> {
        let snapshot = snapshot.inner.clone();
        self.with_loaded(env, move |sandbox| sandbox.restore(&snapshot).into())
    }

    /// Unloads every handler, returning a JSSandbox with a fresh runtime.
    /// Consumes this object.
    #[napi]
    pub fn unload(&mut self, env: &Env) -> napi::Result<JSSandbox> {
        let lane = self
            .lane
            .take()
            .ok_or_else(|| errors::consumed(env, "LoadedJSSandbox", "unload"))?;
        lane.post(Box::new(|stage| {
            *stage = match std::mem::replace(stage, Stage::Empty) {
                Stage::Loaded(sandbox) => sandbox.unload().map_or(Stage::Empty, Stage::Js),
                other => other,
            };
            Reply::Unit
        }));
        Ok(JSSandbox::new(lane, self.interrupt.clone()))
    }

    /// Kills the running call, from anywhere.
    #[napi(getter)]
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle {
            inner: self.interrupt.clone(),
        }
    }

    /// Whether a killed or trapped call left the sandbox poisoned. Answers
    /// at once, even while a call runs.
    #[napi(getter)]
    pub fn poisoned(&self) -> bool {
        self.interrupt.is_poisoned()
    }

    /// Statistics of the last call, or null before the first.
    #[napi(getter)]
    pub fn last_call_stats(&self) -> Either<CallStats, Null> {
        let stats = *self.stats.lock().unwrap_or_else(|p| p.into_inner());
        match stats {
            None => Either::B(Null),
            Some(stats) => Either::A(CallStats {
                wall_time_ms: stats.wall_time.as_secs_f64() * 1e3,
                guest_cpu_time_ms: stats
                    .guest_cpu_time
                    .map_or(Either::B(Null), |t| Either::A(t.as_secs_f64() * 1e3)),
                terminated_by: stats
                    .terminated_by
                    .map_or(Either::B(Null), |t| Either::A(t.to_owned())),
            }),
        }
    }
}

/// Kills the call running in a sandbox.
#[napi]
pub struct InterruptHandle {
    inner: warden::InterruptHandle,
}

#[napi]
impl InterruptHandle {
    /// Kills the running call; returns whether one was running. Does
    /// nothing to later calls.
    #[napi]
    pub fn kill(&self) -> bool {
        self.inner.kill()
    }

    /// Whether a call is running.
    #[napi(getter)]
    pub fn running(&self) -> bool {
        self.inner.is_running()
    }

    /// Whether the sandbox is poisoned.
    #[napi(getter)]
    pub fn poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }
}

/// A saved sandbox state.
#[napi]
pub struct Snapshot {
    inner: warden::Snapshot,
}

impl Snapshot {
    pub(crate) fn new(inner: warden::Snapshot) -> Self {
        Self { inner }
    }
}

#[napi]
impl Snapshot {
    /// Bytes of guest state held.
    #[napi(getter)]
    pub fn size(&self) -> f64 {
        self.inner.size() as f64
    }
}
