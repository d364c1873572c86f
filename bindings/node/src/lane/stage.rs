//! What a lane's worker owns (the sandbox in its current stage) and the
//! jobs it runs on it.

use crate::reply::Reply;

/// What the worker owns: the sandbox in its current stage.
pub(crate) enum Stage {
    /// Handlers are being added.
    Js(warden::JSSandbox),
    /// Ready to serve calls.
    Loaded(warden::LoadedJSSandbox),
    /// Taken by a failed transition, or freed by `dispose`.
    Empty,
}

impl Stage {
    /// The sandbox, if handlers are being added.
    pub(crate) fn js(&mut self) -> Option<&mut warden::JSSandbox> {
        match self {
            Stage::Js(sandbox) => Some(sandbox),
            _ => None,
        }
    }

    /// The sandbox, if it is ready to serve calls.
    pub(crate) fn loaded(&mut self) -> Option<&mut warden::LoadedJSSandbox> {
        match self {
            Stage::Loaded(sandbox) => Some(sandbox),
            _ => None,
        }
    }

    /// Takes the sandbox out, leaving `Empty`, if handlers are being added.
    pub(crate) fn take_js(&mut self) -> Option<warden::JSSandbox> {
        match std::mem::replace(self, Stage::Empty) {
            Stage::Js(sandbox) => Some(sandbox),
            other => {
                *self = other;
                None
            }
        }
    }

    /// Takes the sandbox out, leaving `Empty`, if it is ready to serve
    /// calls.
    pub(crate) fn take_loaded(&mut self) -> Option<warden::LoadedJSSandbox> {
        match std::mem::replace(self, Stage::Empty) {
            Stage::Loaded(sandbox) => Some(sandbox),
            other => {
                *self = other;
                None
            }
        }
    }
}

/// Work for the worker; its reply settles the job's promise.
pub(crate) type Job = Box<dyn FnOnce(&mut Stage) -> Reply + Send>;
