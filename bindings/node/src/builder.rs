//! `SandboxBuilder`, `ProtoJSSandbox` and `HostModule`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use napi::bindgen_prelude::{Function, This, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::args;
use crate::bridge::{Bridge, Printer};
use crate::errors;
use crate::host;
use crate::js::FnRef;
use crate::js_sandbox::JSSandbox;
use crate::lane::{Lane, Message, Outbox, Stage};
use crate::promise::{self, Promise};

/// Configures sandboxes: limits, and where the guest's console goes.
#[napi]
pub struct SandboxBuilder {
    builder: Option<warden::SandboxBuilder>,
    print: Option<FnRef>,
}

/// A byte count from JavaScript: a whole number from 1 to 2^53.
fn byte_count(env: &Env, what: &str, value: f64) -> napi::Result<usize> {
    if value.fract() == 0.0 && (1.0..=9_007_199_254_740_992.0).contains(&value) {
        Ok(value as usize)
    } else {
        Err(errors::invalid(
            env,
            &format!("{what} must be a whole number of bytes, got {value}"),
        ))
    }
}

#[napi]
impl SandboxBuilder {
    /// A builder with the default limits.
    #[napi(constructor)]
    pub fn new() -> Self {
        Self {
            builder: Some(warden::SandboxBuilder::new()),
            print: None,
        }
    }

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

    /// Applies a setting that takes a byte count (1 to 2^53), returning the
    /// builder for chaining.
    fn sized<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        what: &str,
        bytes: f64,
        set: impl FnOnce(warden::SandboxBuilder, usize) -> warden::SandboxBuilder,
    ) -> napi::Result<This<'env>> {
        let bytes = byte_count(env, what, bytes)?;
        self.update(env, |b| set(b, bytes))?;
        Ok(this)
    }

    /// hyperlight-js's name: gives the JavaScript heap at least `bytes`
    /// (sets `guestMemoryLimit`, raised to what events of `maxEventSize`
    /// need).
    #[napi]
    pub fn set_heap_size<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        bytes: f64,
    ) -> napi::Result<This<'env>> {
        self.sized(env, this, "setHeapSize", bytes, |b, n| {
            b.with_guest_heap_size(n as u64)
        })
    }

    /// hyperlight-js's name: gives calls at least `bytes` of stack (raises
    /// `maxWasmStack`, never lowers it).
    #[napi]
    pub fn set_scratch_size<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        bytes: f64,
    ) -> napi::Result<This<'env>> {
        self.sized(
            env,
            this,
            "setScratchSize",
            bytes,
            warden::SandboxBuilder::with_guest_scratch_size,
        )
    }

    /// hyperlight-js's name for `maxEventSize`.
    #[napi]
    pub fn set_input_buffer_size<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        bytes: f64,
    ) -> napi::Result<This<'env>> {
        self.sized(
            env,
            this,
            "setInputBufferSize",
            bytes,
            warden::SandboxBuilder::with_guest_input_buffer_size,
        )
    }

    /// hyperlight-js's name for `maxResultSize`.
    #[napi]
    pub fn set_output_buffer_size<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        bytes: f64,
    ) -> napi::Result<This<'env>> {
        self.sized(
            env,
            this,
            "setOutputBufferSize",
            bytes,
            warden::SandboxBuilder::with_guest_output_buffer_size,
        )
    }

    /// The most linear memory the guest may use, in bytes.
    #[napi]
    pub fn guest_memory_limit<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        bytes: f64,
    ) -> napi::Result<This<'env>> {
        self.sized(
            env,
            this,
            "guestMemoryLimit",
            bytes,
            warden::SandboxBuilder::guest_memory_limit,
        )
    }

    /// The native stack of a call, in bytes of address space.
    #[napi]
    pub fn max_wasm_stack<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        bytes: f64,
    ) -> napi::Result<This<'env>> {
        self.sized(
            env,
            this,
            "maxWasmStack",
            bytes,
            warden::SandboxBuilder::max_wasm_stack,
        )
    }

    /// The largest event accepted, in bytes of JSON.
    #[napi]
    pub fn max_event_size<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        bytes: f64,
    ) -> napi::Result<This<'env>> {
        self.sized(
            env,
            this,
            "maxEventSize",
            bytes,
            warden::SandboxBuilder::max_event_size,
        )
    }

    /// The most console output one call may print, in bytes.
    #[napi]
    pub fn max_console_output<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        bytes: f64,
    ) -> napi::Result<This<'env>> {
        if !(bytes.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&bytes)) {
            return Err(errors::invalid(
                env,
                &format!("maxConsoleOutput must be a whole number of bytes, got {bytes}"),
            ));
        }
        self.update(env, |b| b.max_console_output(bytes as usize))?;
        Ok(this)
    }

    /// The largest result a handler may return, in bytes of JSON.
    #[napi]
    pub fn max_result_size<'env>(
        &mut self,
        env: &Env,
        this: This<'env>,
        bytes: f64,
    ) -> napi::Result<This<'env>> {
        self.sized(
            env,
            this,
            "maxResultSize",
            bytes,
            warden::SandboxBuilder::max_result_size,
        )
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

    /// Validates the settings and prepares the engine; resolves with the
    /// ProtoJSSandbox, or rejects with what is wrong. Consumes the builder.
    #[napi]
    pub fn build(&mut self, env: &Env) -> napi::Result<Promise> {
        let proto = self.make(env);
        promise::settled(env, proto)
    }
}

impl SandboxBuilder {
    /// The ProtoJSSandbox of these settings (for `build()`).
    fn make(&mut self, env: &Env) -> napi::Result<ProtoJSSandbox> {
        let builder = self
            .builder
            .take()
            .ok_or_else(|| errors::consumed(env, "SandboxBuilder", "build"))?;
        let outbox = Outbox::new()?;
        // Set by loadRuntime() when there is a print function (the builder's,
        // or one set on the ProtoJSSandbox since).
        let printing = Arc::new(AtomicBool::new(false));
        let builder = {
            let (outbox, printing) = (outbox.clone(), printing.clone());
            builder.print_fn(move |level, line| {
                if printing.load(Ordering::Relaxed) {
                    outbox.push(Message::Print(level, line.to_owned()));
                }
            })
        };
        let proto = builder.build().map_err(|e| errors::throw_warden(env, &e))?;
        Ok(ProtoJSSandbox {
            shared: Rc::new(ProtoShared {
                proto: RefCell::new(Some(proto)),
                consumed_by: Cell::new("loadRuntime"),
                functions: Rc::default(),
                outbox,
                interrupt: Arc::new(OnceLock::new()),
            }),
            print: RefCell::new(self.print.take().map(Printer::Lines)),
            printing,
        })
    }
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// What a ProtoJSSandbox and its HostModules share.
struct ProtoShared {
    proto: RefCell<Option<warden::ProtoJSSandbox>>,
    /// The call that consumed `proto`.
    consumed_by: Cell<&'static str>,
    functions: Rc<RefCell<Vec<FnRef>>>,
    outbox: Arc<Outbox>,
    interrupt: Arc<OnceLock<warden::InterruptHandle>>,
}

/// A sandbox before its JavaScript runtime starts: register host functions
/// here, then call `loadRuntime()`.
#[napi(js_name = "ProtoJSSandbox")]
pub struct ProtoJSSandbox {
    shared: Rc<ProtoShared>,
    print: RefCell<Option<Printer>>,
    /// Whether the sandbox sends its console lines to the main thread.
    printing: Arc<AtomicBool>,
}

impl ProtoShared {
    /// The error for using the consumed prototype.
    fn consumed(&self, env: &Env) -> napi::Error {
        errors::consumed(env, "ProtoJSSandbox", self.consumed_by.get())
    }
}

#[napi]
impl ProtoJSSandbox {
    /// The host module `name`, imported by handlers as
    /// `import * as m from "host:<name>"`.
    #[napi]
    pub fn host_module(&self, env: &Env, name: String) -> napi::Result<HostModule> {
        let mut proto = self.shared.proto.borrow_mut();
        let proto = proto.as_mut().ok_or_else(|| self.shared.consumed(env))?;
        // An unusable name throws now, not at the first `register`.
        proto
            .host_module(&name)
            .map_err(|e| errors::throw_warden(env, &e))?;
        Ok(HostModule {
            shared: self.shared.clone(),
            name,
        })
    }

    /// Registers `callback` as function `name` of host module `module`: the
    /// same as `hostModule(module).register(name, callback)`, as
    /// hyperlight-js has it.
    #[napi]
    pub fn register(
        &self,
        env: &Env,
        module: String,
        name: String,
        callback: Function<'_, Unknown<'static>, Unknown<'static>>,
    ) -> napi::Result<()> {
        self.host_module(env, module)?.add(env, &name, callback)
    }

    /// hyperlight-js's host print function: `callback(line)` receives each
    /// line the guest prints with `console.*`, whatever its level, ending
    /// in a newline, before the call's promise settles; what it returns is
    /// ignored. Replaces the builder's `print` callback and any earlier
    /// host print function. Only before `loadRuntime()`.
    #[napi]
    pub fn set_host_print_fn(&self, env: &Env, callback: Unknown<'_>) -> napi::Result<()> {
        if self.shared.proto.borrow().is_none() {
            return Err(self.shared.consumed(env));
        }
        let callback = args::function(env, "the host print function", callback)?;
        *self.print.borrow_mut() = Some(Printer::Host(callback.create_ref()?));
        Ok(())
    }

    /// Starts the JavaScript runtime on a thread of its own; resolves with
    /// the JSSandbox. Consumes this object.
    #[napi]
    pub fn load_runtime(&self, env: &Env) -> napi::Result<Promise> {
        let sandbox = self.start(env);
        promise::settled(env, sandbox)
    }

    /// Frees the prototype (its engine reference and host functions) now;
    /// every later use throws or rejects with `ERR_CONSUMED`. Calling it
    /// again does nothing.
    #[napi]
    pub fn dispose(&self) {
        if self.shared.proto.borrow_mut().take().is_some() {
            self.shared.consumed_by.set("dispose");
            self.shared.functions.borrow_mut().clear();
            self.print.borrow_mut().take();
        }
    }
}

impl ProtoJSSandbox {
    /// The JSSandbox on its own thread (for `loadRuntime()`).
    fn start(&self, env: &Env) -> napi::Result<JSSandbox> {
        let proto = self.shared.proto.borrow_mut().take();
        let proto = proto.ok_or_else(|| self.shared.consumed(env))?;
        let sandbox = proto
            .load_runtime()
            .map_err(|e| errors::throw_warden(env, &e))?;
        let interrupt = sandbox.interrupt_handle();
        let _ = self.shared.interrupt.set(interrupt.clone());
        let bridge = Rc::new(Bridge {
            print: self.print.borrow_mut().take(),
            functions: self.shared.functions.clone(),
        });
        // The sandbox thread starts after this, and sees it.
        self.printing
            .store(bridge.print.is_some(), Ordering::Relaxed);
        let lane = Lane::start(Stage::Js(sandbox), self.shared.outbox.clone(), bridge)?;
        Ok(JSSandbox::new(Rc::new(lane), interrupt))
    }
}

/// The functions of one host module.
#[napi]
pub struct HostModule {
    shared: Rc<ProtoShared>,
    name: String,
}

#[napi]
impl HostModule {
    /// Registers `callback` as function `name` of this module. It receives
    /// the JSON-decoded arguments and may return a value or a promise; the
    /// guest waits for the result. A throw or a rejection becomes an
    /// `Error` in the guest.
    #[napi]
    pub fn register<'env>(
        &self,
        env: &Env,
        this: This<'env>,
        name: String,
        callback: Function<'_, Unknown<'static>, Unknown<'static>>,
    ) -> napi::Result<This<'env>> {
        self.add(env, &name, callback)?;
        Ok(this)
    }
}

impl HostModule {
    fn add(
        &self,
        env: &Env,
        name: &str,
        callback: Function<'_, Unknown<'static>, Unknown<'static>>,
    ) -> napi::Result<()> {
        let mut proto = self.shared.proto.borrow_mut();
        let proto = proto.as_mut().ok_or_else(|| self.shared.consumed(env))?;
        let index = self.shared.functions.borrow().len();
        let forward = host::forwarder(
            index,
            self.shared.outbox.clone(),
            self.shared.interrupt.clone(),
        );
        proto
            .host_module(&self.name)
            .and_then(|mut module| module.register_raw(name, forward).map(|_| ()))
            .map_err(|e| errors::throw_warden(env, &e))?;
        self.shared
            .functions
            .borrow_mut()
            .push(callback.create_ref()?);
        Ok(())
    }
}
