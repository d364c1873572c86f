//! `Snapshot`: a saved sandbox state.

use napi::bindgen_prelude::{Buffer, Uint8Array};
use napi::Env;
use napi_derive::napi;

use crate::errors;

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

    /// Writes the snapshot to the file `path`, replacing it. Throws
    /// `ERR_INVALID_ARG` (kind `snapshot_io`) when it cannot.
    #[napi]
    pub fn save(&self, env: &Env, path: String) -> napi::Result<()> {
        self.inner
            .save(path)
            .map_err(|e| errors::throw_warden(env, &e))
    }

    /// Reads a snapshot that `save` wrote. Throws `ERR_INVALID_ARG` when the
    /// file cannot be read (kind `snapshot_io`) or is not a snapshot of this
    /// Warden and guest, or is damaged (kind `invalid_snapshot`).
    #[napi]
    pub fn load(env: &Env, path: String) -> napi::Result<Snapshot> {
        warden::Snapshot::load(path)
            .map(Snapshot::new)
            .map_err(|e| errors::throw_warden(env, &e))
    }

    /// The snapshot as bytes, for `Snapshot.fromBytes`.
    #[napi]
    pub fn to_bytes(&self) -> Buffer {
        self.inner.to_bytes().into()
    }

    /// The snapshot `toBytes` made. Throws as `load` does.
    #[napi]
    pub fn from_bytes(env: &Env, bytes: Uint8Array) -> napi::Result<Snapshot> {
        warden::Snapshot::from_bytes(&bytes)
            .map(Snapshot::new)
            .map_err(|e| errors::throw_warden(env, &e))
    }
}
