//! What the guest runtime needs from its host.

use std::time::Duration;

use warden_abi::LogLevel;

/// The arguments of a host-function call: a JSON array, in which each
/// binary argument (an `ArrayBuffer` or a view of one) is a
/// `{"$warden.bytes": i}` object standing for `blobs[i]`
/// (see [`warden_abi::BYTES_MARKER`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallArgs {
    /// The JSON array.
    pub json: String,
    /// The binary arguments' bytes, in order.
    pub blobs: Vec<Vec<u8>>,
}

/// What a host function answers with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostValue {
    /// JSON text; empty for `undefined`.
    Json(String),
    /// Bytes, which handlers get as a `Uint8Array`.
    Bytes(Vec<u8>),
}

/// The services a [`GuestRuntime`](crate::GuestRuntime) uses from outside.
pub trait Host {
    /// Receives a `console` message.
    fn print(&self, level: LogLevel, message: &str);

    /// Calls host function `function` of host module `module`. Returns its
    /// result, or an error message that is thrown in JavaScript as an
    /// `Error`.
    fn call(&self, module: &str, function: &str, args: &CallArgs) -> Result<HostValue, String>;

    /// Finds the user module at module path `path` (absolute and normal,
    /// see [`warden_abi::join_module_path`]). Returns the path it was found
    /// at (which may add an extension or `/index.js`) and its source, or
    /// why there is none.
    fn load_module(&self, path: &str) -> Result<(String, String), String>;

    /// Starts asynchronous host function `function` of host module
    /// `module`. Returns the call's id, whose
    /// answer [`finished`](Self::finished) later gives, or an error message
    /// that rejects the call's promise. Hosts without asynchronous functions
    /// refuse.
    fn start(&self, module: &str, function: &str, args: &CallArgs) -> Result<u32, String> {
        let _ = args;
        Err(format!(
            "{module}.{function} is not an asynchronous host function"
        ))
    }

    /// The next asynchronous call that finished: its id and its result or
    /// error message.
    fn finished(&self) -> Option<(u32, Result<HostValue, String>)> {
        None
    }

    /// Waits `duration` (until the next timer is due), or less if an
    /// asynchronous call finishes or the call is killed meanwhile. Sleeps
    /// the thread unless the host does better.
    fn wait(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
