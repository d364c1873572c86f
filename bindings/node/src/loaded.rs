//! `LoadedJSSandbox`: handlers ready to serve calls.

use std::rc::Rc;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{Either, FromNapiValue, Null, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::code::ErrorCode;
use crate::errors;
use crate::event;
use crate::held::{self, Held};
use crate::js_sandbox::JSSandbox;
use crate::lane::{Lane, Stage};
use crate::options::{self, Takes};
use crate::promise::{self, Promise};
use crate::reply::Reply;
use crate::snapshot::Snapshot;
use crate::stats::CallStats;

/// A sandbox with its handlers loaded.
#[napi(js_name = "LoadedJSSandbox")]
#[derive(Debug)]
pub struct LoadedJSSandbox {
    /// Its lane and interrupt handle.
    held: Held,
    /// The statistics of the last call, which its job records.
    stats: Arc<Mutex<Option<warden::CallStats>>>,
}

impl LoadedJSSandbox {
    /// The object of a sandbox, on `lane`, with its handlers loaded.
    pub(crate) fn new(lane: Rc<Lane>, interrupt: warden::InterruptHandle) -> Self {
        Self {
            held: Held::new(lane, interrupt, "LoadedJSSandbox"),
            stats: Arc::default(),
        }
    }

    /// Runs `job` on the loaded sandbox.
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
        self.call_queued(env, name, json, options, Reply::Json)
    }

    /// `callHandler` of an event already serialized (`event` its JSON text,
    /// undefined when it has none, `[exception]` when serializing it threw),
    /// with the options' values (`wallClockTimeoutMs`, `cpuTimeoutMs`,
    /// `gc`), resolving to the result's JSON text: `index.js` reads the
    /// options, serializes and parses in JavaScript, where V8 does all three
    /// without a call through N-API. Errors are those of `callHandler`.
    #[napi(js_name = "__callJson")]
    pub fn call_json(
        &self,
        env: &Env,
        name: String,
        event: Unknown<'_>,
        wall: Unknown<'_>,
        cpu: Unknown<'_>,
        gc: Unknown<'_>,
    ) -> napi::Result<Promise> {
        if self.held.lane(env).is_err() {
            return self.with_loaded(env, |_| Reply::Unit);
        }
        let options = match options::from_values(Some(wall), Some(cpu), Some(gc), Takes::Call) {
            Ok(options) => options,
            Err(message) => return promise::invalid(env, &message),
        };
        match event::serialized(env, event) {
            Ok(json) => self.call_queued(env, name, json, options, Reply::JsonText),
            Err(message) => promise::invalid(env, &message),
        }
    }

    /// Queues the call on the sandbox's thread; `reply` makes the reply of
    /// its result.
    fn call_queued(
        &self,
        env: &Env,
        name: String,
        json: String,
        options: options::Options,
        reply: fn(String) -> Reply,
    ) -> napi::Result<Promise> {
        let stats = self.stats.clone();
        self.with_loaded(env, move |sandbox| {
            run_call(sandbox, &stats, &name, &json, &options, reply)
        })
    }

    /// The same call as `callHandler`, run on this thread: it blocks the
    /// event loop until the handler returns (or a timeout kills it) and
    /// returns the result or throws the error `callHandler` would reject
    /// with, with no thread hand-off. JavaScript host functions cannot run
    /// meanwhile: a handler that calls one gets an error. Throws `ERR_BUSY`
    /// while a job of this sandbox (a `callHandler`, a `snapshot`...) is in
    /// flight. (`index.js` calls [`call_json_sync`](Self::call_json_sync)
    /// instead whenever the event serializes: this method is the way for
    /// every other argument, and the reference for what both do.)
    #[napi]
    pub fn call_handler_sync<'env>(
        &self,
        env: &'env Env,
        name: String,
        event: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> napi::Result<Unknown<'env>> {
        // A clone: reading the options and the event runs JavaScript, which
        // may dispose of this object.
        let lane = self.held.lane(env)?.clone();
        let options = options::read(options, Takes::Call).map_err(|m| errors::invalid(env, &m))?;
        let json = event::json(env, event).map_err(|m| errors::invalid(env, &m))?;
        let reply = self.call_inline(env, &lane, &name, &json, &options)?;
        let (ok, value) = reply.into_js(env)?;
        // SAFETY: `value` was just made in this environment, on this thread.
        let value = unsafe { Unknown::from_napi_value(env.raw(), value)? };
        if ok {
            Ok(value)
        } else {
            Err(napi::Error::from(value))
        }
    }

    /// `callHandlerSync` as [`call_json`](Self::call_json) is `callHandler`:
    /// it returns the result's JSON text. Errors are those of
    /// `callHandlerSync`.
    #[napi(js_name = "__callJsonSync")]
    pub fn call_json_sync(
        &self,
        env: &Env,
        name: String,
        event: Unknown<'_>,
        wall: Unknown<'_>,
        cpu: Unknown<'_>,
        gc: Unknown<'_>,
    ) -> napi::Result<String> {
        let lane = self.held.lane(env)?.clone();
        let options = options::from_values(Some(wall), Some(cpu), Some(gc), Takes::Call)
            .map_err(|m| errors::invalid(env, &m))?;
        let json = event::serialized(env, event).map_err(|m| errors::invalid(env, &m))?;
        match self.call_inline(env, &lane, &name, &json, &options)? {
            Reply::Json(json) => Ok(json),
            reply => {
                let (_, error) = reply.into_js(env)?;
                // SAFETY: `error` was just made in this environment, on
                // this thread.
                let error = unsafe { Unknown::from_napi_value(env.raw(), error)? };
                Err(napi::Error::from(error))
            }
        }
    }

    /// Runs the call on this thread, or fails with `ERR_BUSY` while a job
    /// of the sandbox is in flight.
    fn call_inline(
        &self,
        env: &Env,
        lane: &Lane,
        name: &str,
        json: &str,
        options: &options::Options,
    ) -> napi::Result<Reply> {
        let reply = lane.run_inline(env, |stage| match stage.loaded() {
            Some(sandbox) => run_call(sandbox, &self.stats, name, json, options, Reply::Json),
            None => Reply::Internal("the sandbox is not loaded".into()),
        });
        reply.ok_or_else(|| {
            errors::throw(
                env,
                ErrorCode::BUSY,
                "busy",
                "callHandlerSync cannot run while a job of this sandbox is in flight: await it first",
            )
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
        let interrupt = self.held.interrupt();
        let job = held::transition_job(Stage::take_loaded, |sandbox| {
            sandbox.unload().map(Stage::Js)
        });
        self.held
            .transition(env, "unload", job, |lane| JSSandbox::new(lane, interrupt))
    }

    /// Statistics of the last call, or null before the first.
    #[napi(getter)]
    pub fn last_call_stats(&self) -> Either<CallStats, Null> {
        let stats = *self.stats.lock().unwrap_or_else(|p| p.into_inner());
        stats.map_or(Either::B(Null), |stats| Either::A(stats.into()))
    }
}

/// Runs the call on `sandbox` and records its statistics in `stats`;
/// `reply` makes the reply of its result.
fn run_call(
    sandbox: &mut warden::LoadedJSSandbox,
    stats: &Mutex<Option<warden::CallStats>>,
    name: &str,
    json: &str,
    options: &options::Options,
    reply: fn(String) -> Reply,
) -> Reply {
    let result = sandbox.handle_event_with_monitor(name, json, &options.budget, options.gc);
    *stats.lock().unwrap_or_else(|p| p.into_inner()) = sandbox.last_call_stats();
    match result {
        Ok(json) => reply(json),
        Err(error) => Reply::Warden(error),
    }
}

held::held_methods!(LoadedJSSandbox);
