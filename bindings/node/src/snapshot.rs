//! `Snapshot`: a saved sandbox state.

use napi_derive::napi;

/// A saved sandbox state.
#[napi]
#[derive(Debug)]
pub struct Snapshot {
    /// The saved state.
    pub(crate) inner: warden::Snapshot,
}

impl Snapshot {
    /// The JavaScript object of `inner`.
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
