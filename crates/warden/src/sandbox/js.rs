//! [`JSSandbox`]: a running JavaScript runtime whose handlers are being
//! added.

use std::fmt;

use super::core::SandboxCore;
use super::interrupt::InterruptHandle;
use super::loaded::LoadedJSSandbox;
use crate::error::{Error, Result};
use crate::script::Script;

/// Longest accepted handler name, in bytes.
pub const MAX_HANDLER_NAME_LEN: usize = 256;

/// A sandbox with its JavaScript runtime started: add handlers, then call
/// [`get_loaded_sandbox`](Self::get_loaded_sandbox) to serve events.
///
/// Each handler is compiled and evaluated when it is added, so a script
/// that does not compile is reported by [`add_handler`](Self::add_handler),
/// with its line and column. A script whose evaluation traps or is killed
/// (say, an endless loop at top level stopped through
/// [`interrupt_handle`](Self::interrupt_handle)) is reported too, and the
/// sandbox is rebuilt with the handlers added before it, so it never stays
/// poisoned.
pub struct JSSandbox {
    core: SandboxCore,
    handlers: Vec<(String, Script)>,
}

impl JSSandbox {
    pub(crate) fn new(core: SandboxCore) -> Self {
        Self {
            core,
            handlers: Vec::new(),
        }
    }

    /// Compiles `script` and registers its handler under `name`.
    ///
    /// Names are 1 to 256 bytes without control characters; the prefix
    /// `host:` is reserved for host modules.
    pub fn add_handler(&mut self, name: impl AsRef<str>, script: Script) -> Result<()> {
        let name = name.as_ref();
        let _span = tracing::info_span!("warden.add_handler", handler = name).entered();
        validate_handler_name(name)?;
        if self.handlers.iter().any(|(existing, _)| existing == name) {
            return Err(Error::DuplicateHandler(name.to_owned()));
        }
        match self
            .core
            .guarded(name, |guest, _| guest.add_handler(name, script.source()))
        {
            Ok(()) => {
                self.handlers.push((name.to_owned(), script));
                Ok(())
            }
            Err(error) if error.poisons() => {
                self.rebuild()?;
                Err(error)
            }
            Err(error) => Err(error),
        }
    }

    /// Unregisters handler `name`.
    pub fn remove_handler(&mut self, name: &str) -> Result<()> {
        let _span = tracing::info_span!("warden.remove_handler", handler = name).entered();
        let Some(index) = self.handlers.iter().position(|(n, _)| n == name) else {
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
        self.handlers.iter().map(|(name, _)| name.as_str())
    }

    /// A handle that kills the code running in this sandbox, including a
    /// handler's top-level code while it is being added. It stays valid
    /// for the [`LoadedJSSandbox`] this sandbox becomes.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle::new(self.core.gate().clone())
    }

    /// Whether the sandbox is poisoned. A `JSSandbox` rebuilds itself after
    /// a trap, so this is `false` unless that rebuild failed.
    pub fn poisoned(&self) -> bool {
        self.core.gate().is_poisoned()
    }

    /// Finishes loading: the handlers are ready to be called.
    pub fn get_loaded_sandbox(self) -> Result<LoadedJSSandbox> {
        let _span = tracing::info_span!("warden.get_loaded_sandbox").entered();
        if self.poisoned() {
            return Err(Error::Poisoned);
        }
        Ok(LoadedJSSandbox::new(self.core))
    }

    /// Replaces the guest with a fresh one holding the same handlers.
    fn rebuild(&mut self) -> Result<()> {
        let mut core = self.core.recreate()?;
        for (name, script) in &self.handlers {
            core.guarded(name, |guest, _| guest.add_handler(name, script.source()))?;
        }
        self.core = core;
        Ok(())
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
        "it is empty"
    } else if name.len() > MAX_HANDLER_NAME_LEN {
        "it is longer than 256 bytes"
    } else if name.chars().any(char::is_control) {
        "it contains a control character"
    } else if name.starts_with(warden_abi::HOST_MODULE_PREFIX) {
        "the prefix `host:` is reserved for host modules"
    } else {
        return Ok(());
    };
    Err(Error::InvalidHandlerName {
        name: name.to_owned(),
        reason,
    })
}
