//! `ProtoJSSandbox`: a sandbox before its JavaScript runtime starts.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use napi::bindgen_prelude::{Function, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::args;
use crate::bridge::{Bridge, Printer};
use crate::errors;
use crate::host_module::HostModule;
use crate::js::FnRef;
use crate::js_sandbox::JSSandbox;
use crate::lane::{Lane, Message, Outbox, Stage};
use crate::loaded::LoadedJSSandbox;
use crate::promise::{self, Promise};
use crate::snapshot::Snapshot;

/// What a ProtoJSSandbox and its HostModules share.
pub(crate) struct ProtoShared {
    /// The prototype, until a call consumes it.
    pub(crate) proto: RefCell<Option<warden::ProtoJSSandbox>>,
    /// The call that consumed `proto`.
    consumed_by: Cell<&'static str>,
    /// The JavaScript host functions, by index.
    pub(crate) functions: Rc<RefCell<Vec<FnRef>>>,
    /// The outbox of the lane to come.
    pub(crate) outbox: Arc<Outbox>,
    /// The interrupt handle of the sandbox to come, once it exists.
    pub(crate) interrupt: Arc<OnceLock<warden::InterruptHandle>>,
}

impl ProtoShared {
    /// The error for using the consumed prototype.
    pub(crate) fn consumed(&self, env: &Env) -> napi::Error {
        errors::consumed(env, "ProtoJSSandbox", self.consumed_by.get())
    }
}

/// A sandbox before its JavaScript runtime starts: register host functions
/// here, then call `loadRuntime()`.
#[napi(js_name = "ProtoJSSandbox")]
pub struct ProtoJSSandbox {
    /// What its host modules share with it.
    shared: Rc<ProtoShared>,
    /// Where the guest's console lines go, if anywhere.
    print: RefCell<Option<Printer>>,
    /// Whether the sandbox sends its console lines to the main thread.
    printing: Arc<AtomicBool>,
}

impl ProtoJSSandbox {
    /// The prototype of `builder`'s settings, printing to `print` (for
    /// `SandboxBuilder.build()`).
    pub(crate) fn build(
        env: &Env,
        builder: warden::SandboxBuilder,
        print: Option<FnRef>,
        fetch: Option<FnRef>,
    ) -> napi::Result<Self> {
        let outbox = Outbox::new()?;
        // The fetch handler is the first JavaScript function of the table.
        let mut functions = Vec::new();
        let builder = match fetch {
            Some(fetch) => {
                functions.push(fetch);
                builder.fetch_handler(crate::host::fetch_forwarder(0, outbox.clone()))
            }
            None => builder,
        };
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
        Ok(Self {
            shared: Rc::new(ProtoShared {
                proto: RefCell::new(Some(proto)),
                consumed_by: Cell::new(""),
                functions: Rc::new(RefCell::new(functions)),
                outbox,
                interrupt: Arc::new(OnceLock::new()),
            }),
            print: RefCell::new(print.map(Printer::Lines)),
            printing,
        })
    }

    /// The sandbox `start` makes from the prototype, on its own thread, as
    /// the object `wrap` makes of it (for `loadRuntime()`, `loadSnapshot()`
    /// and `loadSnapshotFile()`).
    fn start<S, T>(
        &self,
        env: &Env,
        by: &'static str,
        start: impl FnOnce(warden::ProtoJSSandbox) -> warden::Result<S>,
        interrupt_of: impl FnOnce(&S) -> warden::InterruptHandle,
        stage: impl FnOnce(S) -> Stage,
        wrap: impl FnOnce(Rc<Lane>, warden::InterruptHandle) -> T,
    ) -> napi::Result<T> {
        let proto = self.shared.proto.borrow_mut().take();
        let proto = proto.ok_or_else(|| self.shared.consumed(env))?;
        self.shared.consumed_by.set(by);
        let sandbox = start(proto).map_err(|e| errors::throw_warden(env, &e))?;
        let interrupt = interrupt_of(&sandbox);
        // Set once: this is the only call that takes the prototype.
        let _ = self.shared.interrupt.set(interrupt.clone());
        let bridge = Rc::new(Bridge {
            print: self.print.borrow_mut().take(),
            functions: self.shared.functions.clone(),
        });
        // The sandbox thread starts after this, and sees it.
        self.printing
            .store(bridge.print.is_some(), Ordering::Relaxed);
        let lane = Lane::start(stage(sandbox), self.shared.outbox.clone(), bridge)?;
        Ok(wrap(Rc::new(lane), interrupt))
    }
}

impl fmt::Debug for ProtoJSSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProtoJSSandbox")
            .field("proto", &self.shared.proto)
            .field("consumed_by", &self.shared.consumed_by)
            .field("host_functions", &self.shared.functions.borrow().len())
            .finish_non_exhaustive()
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
        Ok(HostModule::new(self.shared.clone(), name))
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
        self.host_module(env, module)?
            .add(env, &name, callback, false)
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
        let sandbox = self.start(
            env,
            "loadRuntime",
            warden::ProtoJSSandbox::load_runtime,
            warden::JSSandbox::interrupt_handle,
            Stage::Js,
            JSSandbox::new,
        );
        promise::settled(env, sandbox)
    }

    /// Starts a sandbox in the state of `snapshot`, its handlers loaded;
    /// resolves with a LoadedJSSandbox. The sandbox must have the
    /// snapshot's settings and host functions (`ERR_INVALID_ARG` saying
    /// what differs otherwise). Consumes this object.
    #[napi]
    pub fn load_snapshot(&self, env: &Env, snapshot: &Snapshot) -> napi::Result<Promise> {
        let snapshot = snapshot.inner.clone();
        let sandbox = self.start(
            env,
            "loadSnapshot",
            move |proto| proto.load_snapshot(&snapshot),
            warden::LoadedJSSandbox::interrupt_handle,
            Stage::Loaded,
            LoadedJSSandbox::new,
        );
        promise::settled(env, sandbox)
    }

    /// Starts a sandbox in the state of the snapshot file at `path`, as
    /// `loadSnapshot(Snapshot.load(path))` does and with the same errors
    /// (as a rejection), but reading the file's memory image straight into
    /// the guest. Consumes this object.
    #[napi]
    pub fn load_snapshot_file(&self, env: &Env, path: String) -> napi::Result<Promise> {
        let sandbox = self.start(
            env,
            "loadSnapshotFile",
            move |proto| proto.load_snapshot_file(path),
            warden::LoadedJSSandbox::interrupt_handle,
            Stage::Loaded,
            LoadedJSSandbox::new,
        );
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
