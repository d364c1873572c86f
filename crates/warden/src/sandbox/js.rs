//! [`JSSandbox`]: a running JavaScript runtime whose handlers are being
//! added.

use std::fmt;
use std::time::Instant;

use super::core::SandboxCore;
use super::interrupt::InterruptHandle;
use super::loaded::LoadedJSSandbox;
use super::stats::CallStats;
use crate::engine::MemoryImage;
use crate::error::{Error, Result};
use crate::monitor::{MonitorSet, Sealed};
use crate::script::Script;

/// Longest accepted handler name, in bytes.
pub const MAX_HANDLER_NAME_LEN: usize = 256;

/// A sandbox with its JavaScript runtime started: add handlers, then call
/// [`get_loaded_sandbox`](Self::get_loaded_sandbox) to serve events.
///
/// Each handler is compiled and its top-level code run when it is added, so
/// a script that does not compile, throws, or is killed is reported by
/// [`add_handler`](Self::add_handler). Top-level code is guest code like any
/// other: [`add_handler_with_monitor`](Self::add_handler_with_monitor)
/// watches it with execution monitors, and
/// [`interrupt_handle`](Self::interrupt_handle) kills it.
///
/// When adding a handler fails, the sandbox is returned to its state from
/// before that handler: while a handler loads, a copy of the guest state is
/// kept (nothing to copy for the first handler, whose failure starts a fresh
/// runtime), so no earlier handler's top-level code ever runs twice, and
/// the sandbox never stays poisoned.
pub struct JSSandbox {
    core: SandboxCore,
    handlers: Vec<String>,
    last_load: Option<CallStats>,
}

/// What a failed load returns the sandbox to.
enum Checkpoint {
    /// A fresh runtime: no handler had been added.
    Fresh,
    /// The guest state before the load.
    Image(MemoryImage),
}

impl JSSandbox {
    pub(crate) fn new(core: SandboxCore) -> Self {
        Self {
            core,
            handlers: Vec::new(),
            last_load: None,
        }
    }

    /// Compiles `script`, runs its top-level code (and the promise jobs it
    /// starts) and registers its handler under `name`. Nothing watches the
    /// top-level code: for untrusted scripts use
    /// [`add_handler_with_monitor`](Self::add_handler_with_monitor).
    ///
    /// Names are 1 to 256 bytes without control characters; the prefix
    /// `host:` is reserved for host modules.
    pub fn add_handler(&mut self, name: impl AsRef<str>, script: Script) -> Result<()> {
        self.load(name.as_ref(), &script, None)
    }

    /// Like [`add_handler`](Self::add_handler), with the script's top-level
    /// code watched by `monitors` exactly as
    /// [`LoadedJSSandbox::handle_event_with_monitor`](crate::LoadedJSSandbox::handle_event_with_monitor)
    /// watches a call: every monitor starts on this thread first and a
    /// refusal means nothing runs; a monitor that fires kills the load,
    /// counts in `monitor_terminations_total` and logs a warning. A killed
    /// load returns [`Error::LoadAborted`] (whose
    /// [`killer`](Error::killer) names the monitor), and the sandbox is as
    /// it was before.
    pub fn add_handler_with_monitor<M: MonitorSet>(
        &mut self,
        name: impl AsRef<str>,
        script: Script,
        monitors: &M,
    ) -> Result<()> {
        self.load(name.as_ref(), &script, Some(monitors))
    }

    fn load(&mut self, name: &str, script: &Script, monitors: Option<&dyn Sealed>) -> Result<()> {
        let _span = tracing::info_span!(
            "warden.add_handler",
            handler = name,
            monitored = monitors.is_some()
        )
        .entered();
        validate_handler_name(name)?;
        if self.handlers.iter().any(|existing| existing == name) {
            return Err(Error::DuplicateHandler(name.to_owned()));
        }
        if self.poisoned() {
            return Err(Error::Poisoned);
        }
        let checkpoint = match self.handlers.is_empty() {
            true => Checkpoint::Fresh,
            false => Checkpoint::Image(self.core.capture()),
        };
        let directory = script.directory()?;
        let start = Instant::now();
        let (result, cpu) = self.core.monitored(name, monitors, |guest| {
            guest.add_handler(name, &directory, script.source())
        });
        let host_wait = self.core.take_host_wait();
        self.last_load = Some(CallStats::of(start, cpu, host_wait, &result));
        let error = match result {
            Ok(()) => {
                self.handlers.push(name.to_owned());
                return Ok(());
            }
            // Nothing ran.
            Err(error @ (Error::MonitorFailed { .. } | Error::MonitorRuntime(_))) => {
                return Err(error)
            }
            Err(error) => error,
        };
        // The script's top-level code may have run in part: undo it.
        self.roll_back(checkpoint)?;
        if error.poisons() {
            return Err(Error::LoadAborted {
                handler: name.to_owned(),
                cause: Box::new(error),
            });
        }
        Err(error)
    }

    /// Returns the guest to `checkpoint`.
    fn roll_back(&mut self, checkpoint: Checkpoint) -> Result<()> {
        match checkpoint {
            Checkpoint::Fresh => self.core = self.core.recreate()?,
            Checkpoint::Image(image) => self.core.restore(&image)?,
        }
        Ok(())
    }

    /// Statistics of the last [`add_handler`](Self::add_handler) (its
    /// top-level code), or `None` before the first.
    pub fn last_load_stats(&self) -> Option<CallStats> {
        self.last_load
    }

    /// Adds user module `name` (a path in the module tree: `"math"`,
    /// `"lib/util.js"`), which handlers added later import as
    /// `import { f } from "math"` (or `"./math"` from the root). It comes
    /// before the sandbox's [`ModuleLoader`](crate::ModuleLoader), and
    /// replaces a module added earlier under the same name. See
    /// [`ModuleLoader`](crate::ModuleLoader) for how imports resolve.
    ///
    /// ```
    /// # fn main() -> warden::Result<()> {
    /// use warden::{SandboxBuilder, Script};
    ///
    /// let mut sandbox = SandboxBuilder::new().build()?.load_runtime()?;
    /// sandbox.add_module("math", "export const add = (a, b) => a + b;")?;
    /// sandbox.add_handler(
    ///     "sum",
    ///     Script::from_content("import { add } from 'math'; function handler(e) { return add(e.a, e.b); }"),
    /// )?;
    /// let mut loaded = sandbox.get_loaded_sandbox()?;
    /// assert_eq!(loaded.handle_event("sum", r#"{"a": 2, "b": 3}"#, None)?, "5");
    /// # Ok(()) }
    /// ```
    pub fn add_module(&mut self, name: &str, source: impl Into<String>) -> Result<()> {
        self.core.modules().add(name, source.into())
    }

    /// Removes user module `name`, added with [`add_module`](Self::add_module).
    /// A handler that already imported it keeps the module it imported.
    pub fn remove_module(&mut self, name: &str) -> Result<()> {
        self.core.modules().remove(name)
    }

    /// Removes every module added with [`add_module`](Self::add_module).
    pub fn clear_modules(&mut self) {
        self.core.modules().clear();
    }

    /// Unregisters handler `name`.
    pub fn remove_handler(&mut self, name: &str) -> Result<()> {
        let _span = tracing::info_span!("warden.remove_handler", handler = name).entered();
        validate_handler_name(name)?;
        let Some(index) = self.handlers.iter().position(|n| n == name) else {
            return Err(Error::UnknownHandler(name.to_owned()));
        };
        self.core
            .guarded(name, |guest, _| guest.remove_handler(name))?;
        self.handlers.remove(index);
        Ok(())
    }

    /// Unregisters every handler.
    pub fn clear_handlers(&mut self) -> Result<()> {
        let _span = tracing::info_span!("warden.clear_handlers").entered();
        self.core.guarded("", |guest, _| guest.clear_handlers())?;
        self.handlers.clear();
        Ok(())
    }

    /// The names of the registered handlers, in the order they were added.
    pub fn handler_names(&self) -> impl Iterator<Item = &str> {
        self.handlers.iter().map(String::as_str)
    }

    /// A handle that kills the code running in this sandbox, including a
    /// handler's top-level code while it is being added. It stays valid
    /// for the [`LoadedJSSandbox`] this sandbox becomes.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle::new(self.core.gate().clone())
    }

    /// Whether the sandbox is poisoned. A `JSSandbox` returns to its state
    /// before a failed load, so this is `false` unless that failed too.
    pub fn poisoned(&self) -> bool {
        self.core.gate().is_poisoned()
    }

    /// Finishes loading: the handlers are ready to be called. When their
    /// loads built a lot (as loading a library does: the heap has doubled
    /// since the runtime started), this runs the garbage collector's full
    /// collection, so that the collection after each call, and every
    /// sandbox started from a snapshot of this one, skips what they built.
    pub fn get_loaded_sandbox(self) -> Result<LoadedJSSandbox> {
        let _span = tracing::info_span!("warden.get_loaded_sandbox").entered();
        if self.poisoned() {
            return Err(Error::Poisoned);
        }
        let mut core = self.core;
        core.loaded()?;
        Ok(LoadedJSSandbox::new(core))
    }
}

impl fmt::Debug for JSSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JSSandbox")
            .field("handlers", &self.handler_names().collect::<Vec<_>>())
            .field("poisoned", &self.poisoned())
            .finish()
    }
}

pub(crate) fn validate_handler_name(name: &str) -> Result<()> {
    let reason = if name.is_empty() {
        "it must not be empty"
    } else if name.len() > MAX_HANDLER_NAME_LEN {
        "it is longer than 256 bytes"
    } else if name.chars().any(char::is_control) {
        "it contains a control character"
    } else if name.starts_with(warden_abi::HOST_MODULE_PREFIX) {
        "the prefix `host:` is reserved for host modules"
    } else if name.starts_with('/') {
        "a leading `/` is reserved for module paths"
    } else {
        return Ok(());
    };
    Err(Error::InvalidHandlerName {
        name: name.to_owned(),
        reason,
    })
}
