//! `LoadedJSSandbox`: handlers ready to serve calls.

use std::rc::Rc;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{Either, Null, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::event;
use crate::handle::InterruptHandle;
use crate::js_sandbox::JSSandbox;
use crate::lane::{Lane, Stage};
use crate::options::{self, Takes};
use crate::promise::{self, Promise};
use crate::reply::Reply;
use crate::snapshot::Snapshot;
use crate::submit::{self, Held};

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
    /// `wallTimeMs` under hyperlight-js's name.
    pub wall_clock_ms: f64,
    /// `guestCpuTimeMs` under hyperlight-js's name.
    pub cpu_time_ms: Either<f64, Null>,
}

/// A sandbox with its handlers loaded.
#[napi(js_name = "LoadedJSSandbox")]
pub struct LoadedJSSandbox {
    held: Held,
    interrupt: warden::InterruptHandle,
    stats: Arc<Mutex<Option<warden::CallStats>>>,
}

impl LoadedJSSandbox {
    pub(crate) fn new(lane: Rc<Lane>, interrupt: warden::InterruptHandle) -> Self {
        Self {
            held: Held::new(lane, "LoadedJSSandbox"),
            interrupt,
            stats: Arc::default(),
        }
    }

    fn with_loaded(
        &self,
        env: &Env,
        job: impl FnOnce(&mut warden::LoadedJSSandbox) -> Reply + Send + 'static,
    ) -> napi::Result<Promise> {
        self.held.submit(env, Stage::loaded, job)
    }
}

#[napi]
impl LoadedJSSandbox {
    /// Calls handler `name` with `event` (any JSON-serializable value) and
    /// resolves with its result. `wallClockTimeoutMs` and `cpuTimeoutMs`
    /// watch the call with those budgets (both: first to fire wins); `gc`
    /// (default true) collects garbage after the call.
    #[napi]
    pub fn call_handler(
        &self,
        env: &Env,
        name: String,
        event: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> napi::Result<Promise> {
        if self.held.lane(env).is_err() {
            return self.with_loaded(env, |_| Reply::Unit);
        }
        let options = match options::read(options, Takes::Call) {
            Ok(options) => options,
            Err(message) => return promise::invalid(env, &message),
        };
        let json = match event::json(env, event) {
            Ok(json) => json,
            Err(message) => return promise::invalid(env, &message),
        };
        let stats = self.stats.clone();
        self.with_loaded(env, move |sandbox| {
            let result =
                sandbox.handle_event_with_monitor(&name, &json, &options.budget, options.gc);
            *stats.lock().unwrap_or_else(|p| p.into_inner()) = sandbox.last_call_stats();
            match result {
                Ok(json) => Reply::Json(json),
                Err(error) => Reply::Warden(error),
            }
        })
    }

    /// Saves the sandbox's state.
    #[napi]
    pub fn snapshot(&self, env: &Env) -> napi::Result<Promise> {
        self.with_loaded(env, |sandbox| match sandbox.snapshot() {
            Ok(snapshot) => Reply::Snapshot(snapshot),
            Err(error) => Reply::Warden(error),
        })
    }

    /// Returns to `snapshot`, clearing poison.
    #[napi]
    pub fn restore(&self, env: &Env, snapshot: &Snapshot) -> napi::Result<Promise> {
        let snapshot = snapshot.inner.clone();
        self.with_loaded(env, move |sandbox| sandbox.restore(&snapshot).into())
    }

    /// Unloads every handler; resolves with a JSSandbox with a fresh
    /// runtime. Consumes this object.
    #[napi]
    pub fn unload(&mut self, env: &Env) -> napi::Result<Promise> {
        let interrupt = self.interrupt.clone();
        let job = submit::transition_job(Stage::take_loaded, |sandbox| {
            sandbox.unload().map(Stage::Js)
        });
        self.held
            .transition(env, "unload", job, |lane| JSSandbox::new(lane, interrupt))
    }

    /// Frees the sandbox and its thread now: kills the running call,
    /// refuses the calls not yet started (their promises reject with
    /// `ERR_CONSUMED`), and makes every later use throw or reject with
    /// `ERR_CONSUMED`. Calling it again does nothing.
    #[napi]
    pub fn dispose(&mut self) {
        self.interrupt.kill();
        self.held.dispose();
    }

    /// Kills the running call, from anywhere.
    #[napi(getter)]
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle::new(self.interrupt.clone())
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
            Some(stats) => {
                let wall_ms = stats.wall_time.as_secs_f64() * 1e3;
                let cpu_ms = || {
                    stats
                        .guest_cpu_time
                        .map_or(Either::B(Null), |t| Either::A(t.as_secs_f64() * 1e3))
                };
                Either::A(CallStats {
                    wall_time_ms: wall_ms,
                    guest_cpu_time_ms: cpu_ms(),
                    terminated_by: stats
                        .terminated_by
                        .map_or(Either::B(Null), |t| Either::A(t.to_owned())),
                    wall_clock_ms: wall_ms,
                    cpu_time_ms: cpu_ms(),
                })
            }
        }
    }
}
