//! `InterruptHandle`: kill the call running in a sandbox.

use napi_derive::napi;

/// Kills the call running in a sandbox.
#[napi]
#[derive(Debug)]
pub struct InterruptHandle {
    /// The sandbox's own handle.
    inner: warden::InterruptHandle,
}

impl InterruptHandle {
    /// The JavaScript object of `inner`.
    pub(crate) fn new(inner: warden::InterruptHandle) -> Self {
        Self { inner }
    }
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
