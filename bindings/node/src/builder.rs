//! `SandboxBuilder`: the settings of sandboxes to come.

use std::fmt;

use napi::bindgen_prelude::{Function, This, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::errors;
use crate::js::FnRef;
use crate::promise::{self, Promise};
use crate::proto::ProtoJSSandbox;

/// Configures sandboxes: limits, and where the guest's console goes.
#[napi]
pub struct SandboxBuilder {
    /// The settings, until `build()` consumes them.
    builder: Option<warden::SandboxBuilder>,
    /// The builder's `print` callback.
    print: Option<FnRef>,
    /// The builder's fetch handler (as `index.js` wraps it).
    fetch: Option<FnRef>,
}

/// The largest byte count JavaScript numbers hold exactly: 2^53.
const MAX_BYTES: f64 = 9_007_199_254_740_992.0;

/// A byte count from JavaScript: a whole number from `min` to 2^53.
fn byte_count(env: &Env, what: &str, value: f64, min: f64) -> napi::Result<usize> {
    if value.fract() == 0.0 && (min..=MAX_BYTES).contains(&value) {
        Ok(value as usize)
    } else {
        Err(errors::invalid(
            env,
            &format!("{what} must be a whole number of bytes, got {value}"),
        ))
    }
}

impl SandboxBuilder {
    /// Applies `f` to the settings; throws `ERR_CONSUMED` after `build()`.
    fn update(
        &mut self,
        env: &Env,
        f: impl FnOnce(warden::SandboxBuilder) -> warden::SandboxBuilder,
    ) -> napi::Result<()> {
        let builder = self
            .builder
            .take()
            .ok_or_else(|| errors::consumed(env, "SandboxBuilder", "build"))?;
        self.builder = Some(f(builder));
        Ok(())
    }

    /// Applies setting `what`, which takes a byte count (`min` to 2^53),
    /// returning the builder for chaining.
    fn sized<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        (what, min): (&str, f64),
        bytes: f64,
        set: impl FnOnce(warden::SandboxBuilder, usize) -> warden::SandboxBuilder,
    ) -> napi::Result<This<'env>> {
        let bytes = byte_count(env, what, bytes, min)?;
        self.update(env, |b| set(b, bytes))?;
        Ok(this)
    }
}

/// Exports the byte-count settings: `name = "jsName" from min: set;` makes
/// method `jsName(bytes)`, which checks that `bytes` is a whole number from
/// `min` to 2^53, applies `set`, and returns the builder.
macro_rules! byte_settings {
    ($($(#[doc = $doc:tt])* $name:ident = $js:tt from $min:tt: $set:expr;)*) => {
        #[napi]
        impl SandboxBuilder {
            $(
                $(#[doc = $doc])*
                #[napi(js_name = $js)]
                pub fn $name<'env>(
                    &mut self,
                    env: &Env,
                    this: This<'env>,
                    bytes: f64,
                ) -> napi::Result<This<'env>> {
                    self.sized(env, this, ($js, $min), bytes, $set)
                }
            )*
        }
    };
}

byte_settings! {
    /// hyperlight-js's name: gives the JavaScript heap at least `bytes`
    /// (sets `guestMemoryLimit`, raised to what events of `maxEventSize`
    /// need).
    set_heap_size = "setHeapSize" from 1.0: |b, n| b.with_guest_heap_size(n as u64);
    /// hyperlight-js's name: gives calls at least `bytes` of stack (raises
    /// `maxWasmStack`, never lowers it).
    set_scratch_size = "setScratchSize" from 1.0: warden::SandboxBuilder::with_guest_scratch_size;
    /// hyperlight-js's name for `maxEventSize`.
    set_input_buffer_size = "setInputBufferSize" from 1.0:
        warden::SandboxBuilder::with_guest_input_buffer_size;
    /// hyperlight-js's name for `maxResultSize`.
    set_output_buffer_size = "setOutputBufferSize" from 1.0:
        warden::SandboxBuilder::with_guest_output_buffer_size;
    /// The most linear memory the guest may use, in bytes.
    guest_memory_limit = "guestMemoryLimit" from 1.0: warden::SandboxBuilder::guest_memory_limit;
    /// The native stack of a call, in bytes of address space.
    max_wasm_stack = "maxWasmStack" from 1.0: warden::SandboxBuilder::max_wasm_stack;
    /// The largest event accepted, in bytes of JSON.
    max_event_size = "maxEventSize" from 1.0: warden::SandboxBuilder::max_event_size;
    /// The most console output one call may print, in bytes.
    max_console_output = "maxConsoleOutput" from 0.0: warden::SandboxBuilder::max_console_output;
    /// The largest result a handler may return, in bytes of JSON.
    max_result_size = "maxResultSize" from 1.0: warden::SandboxBuilder::max_result_size;
}

#[napi]
impl SandboxBuilder {
    /// A builder with the default limits.
    #[napi(constructor)]
    pub fn new() -> Self {
        Self {
            builder: Some(warden::SandboxBuilder::new()),
            print: None,
            fetch: None,
        }
    }

    /// Receives the guest's console output: `callback(level, line)`.
    #[napi]
    pub fn print<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        callback: Function<'_, Unknown<'static>, Unknown<'static>>,
    ) -> napi::Result<This<'env>> {
        self.update(env, |b| b)?;
        self.print = Some(callback.create_ref()?);
        Ok(this)
    }

    /// Lets handlers `fetch` from `origins` (exact `http`/`https` origins;
    /// adds to the list). Without it every fetch rejects with a `TypeError`.
    #[napi]
    pub fn allow_fetch<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        origins: Vec<String>,
    ) -> napi::Result<This<'env>> {
        self.update(env, |b| b.allow_fetch(origins))?;
        Ok(this)
    }

    /// Serves handlers' fetches with `callback` (wrapped by `index.js`,
    /// which turns requests and responses into `Request` and `Response`).
    #[napi]
    pub fn fetch_handler<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        callback: Function<'_, Unknown<'static>, Unknown<'static>>,
    ) -> napi::Result<This<'env>> {
        self.update(env, |b| b)?;
        self.fetch = Some(callback.create_ref()?);
        Ok(this)
    }

    /// The most fetches one call may start (default 64).
    #[napi]
    pub fn max_fetches_per_call<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        fetches: u32,
    ) -> napi::Result<This<'env>> {
        self.update(env, |b| b.max_fetches_per_call(fetches))?;
        Ok(this)
    }

    /// Validates the settings and prepares the engine; resolves with the
    /// ProtoJSSandbox, or rejects with what is wrong. Consumes the builder.
    #[napi]
    pub fn build(&mut self, env: &Env) -> napi::Result<Promise> {
        let proto = self
            .builder
            .take()
            .ok_or_else(|| errors::consumed(env, "SandboxBuilder", "build"))
            .and_then(|builder| {
                ProtoJSSandbox::build(env, builder, self.print.take(), self.fetch.take())
            });
        promise::settled(env, proto)
    }
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("builder", &self.builder)
            .field("print", &self.print.is_some())
            .field("fetch", &self.fetch.is_some())
            .finish()
    }
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self::new()
    }
}
