//! What a job sends back to JavaScript.

/// The outcome of a job run on the sandbox thread.
pub(crate) enum Reply {
    /// Done, nothing to return.
    Unit,
    /// A handler's result, as JSON text.
    Json(String),
    /// A snapshot.
    Snapshot(warden::Snapshot),
    /// Warden refused or failed.
    Warden(warden::Error),
    /// The binding failed (a bug).
    Internal(String),
    /// The sandbox was disposed before the job ran.
    Disposed,
}

impl From<warden::Result<()>> for Reply {
    fn from(result: warden::Result<()>) -> Self {
        match result {
            Ok(()) => Self::Unit,
            Err(error) => Self::Warden(error),
        }
    }
}
