//! The contract between the Warden host and its WebAssembly guest.
//!
//! Everything that crosses the wasm boundary is declared here exactly once:
//!
//! * [`guest_exports!`] lists every function the guest module exports, with
//!   its wasm signature. The guest expands it into `#[no_mangle]` functions;
//!   the host expands it into typed function handles. A signature that
//!   changes on one side and not the other fails to compile.
//! * [`host_imports!`] does the same for the functions the host provides to
//!   the guest under the import module it names first (`"warden"`).
//! * [`Status`] is the result code of every guest export, [`ErrorInfo`] the
//!   payload describing a JavaScript exception, [`LogLevel`] the level of a
//!   console message.
//!
//! Data moves through guest memory: the host asks the guest for an input
//! buffer with `warden_reserve`, writes its bytes there, calls an export with
//! the lengths of the pieces it wrote, then reads the export's output (a
//! pointer and length packed by [`pack_region`]) from `warden_output`.

#![forbid(unsafe_code)]

mod log_level;
mod module_path;
mod status;

pub use log_level::LogLevel;
pub use module_path::{join_module_path, module_directory, MODULE_SEPARATOR};
pub use status::Status;

use serde::{Deserialize, Serialize};

/// Prefix of the module specifiers that name host modules in JavaScript:
/// `import * as m from "host:name"`.
pub const HOST_MODULE_PREFIX: &str = "host:";

/// `warden_call` flag: run the garbage collector after the handler returns.
pub const CALL_FLAG_GC: u32 = 1;

/// Size of the guest's shadow stack: the region at the bottom of linear
/// memory that holds the C and Rust stack of the guest, where the engine
/// keeps its JavaScript frames. Fixed when the guest is linked; the runtime
/// sets the engine's stack limit inside it (`warden_configure`). Only the
/// pages deep calls touch become resident.
pub const GUEST_STACK_REGION: usize = 16 << 20;

/// Invokes the macro `$m` with the declaration of every guest export.
///
/// Each entry has the form `fn name(arg: type, ...) -> type;` using only wasm
/// value types (`u32`, `u64`). Pointers into guest memory are `u32`.
#[macro_export]
macro_rules! guest_exports {
    ($m:ident) => {
        $m! {
            /// Creates the JavaScript runtime and context, without a heap
            /// limit; `seed` seeds `Math.random`. Returns a `Status`.
            fn warden_init(seed: u64) -> u32;
            /// Sets the runtime's limits: the JavaScript heap in bytes (0:
            /// none), the engine's stack in bytes of the shadow stack (0:
            /// none), and the largest JSON text (a result, or the
            /// arguments of one host-function call) the runtime hands out.
            fn warden_configure(heap_limit: u64, stack_limit: u32, max_json: u32) -> u32;
            /// Makes the input buffer at least `len` bytes long and returns
            /// its address, or 0 when memory is exhausted.
            fn warden_reserve(len: u32) -> u32;
            /// Declares host function `function` of host module `module`; the
            /// input buffer holds the two names back to back. `kind` is
            /// `HOST_FN_SYNC` or `HOST_FN_ASYNC`.
            fn warden_register_host_fn(module_len: u32, function_len: u32, kind: u32) -> u32;
            /// Compiles and evaluates a handler; the input buffer holds the
            /// handler name, the directory its relative imports start from
            /// (an absolute module path), then its source.
            fn warden_add_handler(name_len: u32, base_len: u32, source_len: u32) -> u32;
            /// Forgets the handler whose name is in the input buffer.
            fn warden_remove_handler(name_len: u32) -> u32;
            /// Forgets every handler.
            fn warden_clear_handlers() -> u32;
            /// Calls a handler; the input buffer holds its name then the
            /// event JSON. `flags` is a set of `CALL_FLAG_*` bits. On success
            /// the output is the result JSON.
            fn warden_call(name_len: u32, event_len: u32, flags: u32) -> u32;
            /// The output of the last export, packed by `pack_region`.
            fn warden_output() -> u64;
            /// Reseeds `Math.random`.
            fn warden_reseed(seed: u64) -> u32;
            /// Ends loading: when the handlers' loads grew the heap enough,
            /// runs the full collection that pins what they built.
            fn warden_loaded() -> u32;
        }
    };
}

/// Invokes the macro `$m` with the declaration of every host import.
///
/// The first token is the wasm import module name; the
/// entries follow the grammar of [`guest_exports!`].
#[macro_export]
macro_rules! host_imports {
    ($m:ident) => {
        $m! {
            "warden";
            /// Prints a console message (`level` is a `LogLevel`) held in
            /// guest memory at `ptr..ptr + len`. Returns 0.
            fn print(level: u32, ptr: u32, len: u32) -> u32;
            /// Calls a host function with a JSON array of arguments and the
            /// binary ones beside it (`encode_blobs`; see `BYTES_MARKER`).
            /// Returns a `pack_answer` word: what the answer is and its
            /// length, that `host_take` then copies out.
            fn host_call(
                module_ptr: u32,
                module_len: u32,
                function_ptr: u32,
                function_len: u32,
                args_ptr: u32,
                args_len: u32,
                blobs_ptr: u32,
                blobs_len: u32
            ) -> u64;
            /// Finds the user module at the absolute module path held at
            /// `ptr..ptr + len`. Returns a `pack_answer` word: the length
            /// of the answer (JSON kind: its resolved path, a newline, then
            /// its source) or of an error message, that `host_take` then
            /// copies out.
            fn module_source(ptr: u32, len: u32) -> u64;
            /// Starts an asynchronous host function with arguments as for
            /// `host_call`, and returns at once a `pack_answer` word: of JSON
            /// kind, the call's id (never 0); of error kind, the length of
            /// an error message that `host_take` then copies out.
            fn host_start(
                module_ptr: u32,
                module_len: u32,
                function_ptr: u32,
                function_len: u32,
                args_ptr: u32,
                args_len: u32,
                blobs_ptr: u32,
                blobs_len: u32
            ) -> u64;
            /// Takes the next asynchronous host call that finished: a
            /// `pack_finished` word (0 when none has), whose JSON result or
            /// error message `host_take` then copies out.
            fn host_finished() -> u64;
            /// Waits `micros` microseconds, until the guest's next timer is
            /// due, or less when an asynchronous host call finishes or the
            /// call is killed meanwhile. Returns 0.
            fn wait(micros: u64) -> u32;
            /// Copies the pending answer of the last `host_call`,
            /// `host_start`, `host_finished` or `module_source` to
            /// `ptr..ptr + len`, which must be exactly its
            /// length. Returns 0.
            fn host_take(ptr: u32, len: u32) -> u32;
        }
    };
}

/// The most bytes the guest reports for each text field of an
/// [`ErrorInfo`]: its `name`, `message` and `stack`. Longer text is cut at a
/// character boundary and ends with `… [cut from N bytes]`, N being its
/// full length, so a handler cannot send the host an error larger than
/// this, whatever it throws.
pub const MAX_ERROR_TEXT: usize = 64 * 1024;

/// The most bytes the guest hands the host for one line printed with
/// `console.*`; a longer line is cut the way error text is (see
/// [`MAX_ERROR_TEXT`]).
pub const MAX_PRINT_LINE: usize = 64 * 1024;

/// A JavaScript exception, as the guest reports it (encoded as JSON). Each
/// text field holds at most [`MAX_ERROR_TEXT`] bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// The error's `name` (`TypeError`, ...), empty when a non-error value
    /// was thrown.
    pub name: String,
    /// The error's `message`, or the string form of a thrown non-error.
    pub message: String,
    /// The stack trace, when the engine recorded one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// 1-based line of a syntax error in the handler source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column of a syntax error in the handler source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// Packs an address and length in guest memory into one `u64`.
pub const fn pack_region(ptr: u32, len: u32) -> u64 {
    ((ptr as u64) << 32) | len as u64
}

/// Reverses [`pack_region`]: `(ptr, len)`.
pub const fn unpack_region(packed: u64) -> (u32, u32) {
    ((packed >> 32) as u32, packed as u32)
}

/// What a host answer that `host_take` copies out is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerKind {
    /// JSON text (empty for `undefined`).
    Json = 0,
    /// Bytes, which the guest turns into a `Uint8Array`.
    Bytes = 1,
    /// An error message.
    Error = 2,
}

impl AnswerKind {
    const fn from_bits(bits: u64) -> Self {
        match bits {
            1 => Self::Bytes,
            2 => Self::Error,
            _ => Self::Json,
        }
    }
}

/// Encodes the answer of `host_call` or `module_source` (and an error from
/// `host_start`): what it is and the length of the pending payload.
pub const fn pack_answer(kind: AnswerKind, len: u32) -> u64 {
    ((kind as u64) << 62) | len as u64
}

/// Reverses [`pack_answer`]: `(kind, len)`.
pub const fn unpack_answer(packed: u64) -> (AnswerKind, u32) {
    (AnswerKind::from_bits(packed >> 62), packed as u32)
}

/// The largest id of an asynchronous host call.
pub const MAX_CALL_ID: u32 = (1 << 30) - 1;

/// Encodes the answer of `host_finished`: the id of the call that finished
/// (at most [`MAX_CALL_ID`]; 0 means none), what its answer is, and the
/// length of its pending payload.
pub const fn pack_finished(id: u32, kind: AnswerKind, len: u32) -> u64 {
    pack_answer(kind, len) | ((id & MAX_CALL_ID) as u64) << 32
}

/// Reverses [`pack_finished`]: `(id, kind, len)`.
pub const fn unpack_finished(packed: u64) -> (u32, AnswerKind, u32) {
    let (kind, len) = unpack_answer(packed);
    (((packed >> 32) as u32) & MAX_CALL_ID, kind, len)
}

/// `warden_register_host_fn` kind: the function returns its result.
pub const HOST_FN_SYNC: u32 = 0;
/// `warden_register_host_fn` kind: the function returns a promise, which the
/// result of a `host_start` settles.
pub const HOST_FN_ASYNC: u32 = 1;

/// The host module of the asynchronous host function behind the guest's
/// `fetch`. Its name is not one a host module may have, so no
/// embedder's module can take it, and it is never declared to handlers.
pub const FETCH_MODULE: &str = "$warden";
/// The host function behind the guest's `fetch`, in [`FETCH_MODULE`]. Its
/// arguments are a [`FetchRequest`] and the request body (bytes, or null);
/// its answer is bytes, packed by [`encode_blobs`]: a [`FetchResponse`] as
/// JSON, then the response body.
pub const FETCH_FUNCTION: &str = "fetch";

/// What a guest's `fetch` asks the host for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchRequest {
    /// The method, upper-case for the standard ones (`GET`, `POST`, ...).
    pub method: String,
    /// The absolute URL, serialized.
    pub url: String,
    /// The header list, in order, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The redirect mode: `follow`, `error` or `manual`.
    pub redirect: String,
}

/// The host's response to a [`FetchRequest`], without its body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchResponse {
    /// The status code.
    pub status: u16,
    /// The status text (the reason phrase).
    #[serde(rename = "statusText")]
    pub status_text: String,
    /// The header list, in order, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The URL of the response: the request's, or the last redirect's.
    pub url: String,
    /// Whether a redirect was followed.
    pub redirected: bool,
}

/// The key of the object that stands, in a host call's JSON arguments, for
/// an argument that is binary: `{"$warden.bytes": i}` is the `i`-th blob
/// passed beside the JSON.
pub const BYTES_MARKER: &str = "$warden.bytes";

/// Packs byte strings (a host call's binary arguments) into one buffer:
/// each as its length (4 bytes, little-endian) then its bytes.
pub fn encode_blobs<'a>(blobs: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut packed = Vec::new();
    for blob in blobs {
        packed.extend_from_slice(&(blob.len() as u32).to_le_bytes());
        packed.extend_from_slice(blob);
    }
    packed
}

/// Reverses [`encode_blobs`]; `None` when `packed` is not such a buffer.
pub fn decode_blobs(mut packed: &[u8]) -> Option<Vec<&[u8]>> {
    let mut blobs = Vec::new();
    while !packed.is_empty() {
        let (len, rest) = packed.split_first_chunk::<4>()?;
        let len = u32::from_le_bytes(*len) as usize;
        if rest.len() < len {
            return None;
        }
        let (blob, rest) = rest.split_at(len);
        blobs.push(blob);
        packed = rest;
    }
    Some(blobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_round_trip() {
        for (ptr, len) in [(0, 0), (1, 2), (u32::MAX, u32::MAX), (0x1234_5678, 7)] {
            assert_eq!(unpack_region(pack_region(ptr, len)), (ptr, len));
        }
    }

    #[test]
    fn answers_round_trip() {
        for kind in [AnswerKind::Json, AnswerKind::Bytes, AnswerKind::Error] {
            for len in [0, 1, u32::MAX] {
                assert_eq!(unpack_answer(pack_answer(kind, len)), (kind, len));
                for id in [1, 7, MAX_CALL_ID] {
                    assert_eq!(
                        unpack_finished(pack_finished(id, kind, len)),
                        (id, kind, len)
                    );
                }
            }
        }
        assert_eq!(unpack_finished(0).0, 0);
    }

    #[test]
    fn blobs_round_trip_and_truncated_ones_are_refused() {
        let blobs: [&[u8]; 3] = [b"", b"abc", &[0; 300]];
        let packed = encode_blobs(blobs);
        assert_eq!(decode_blobs(&packed).unwrap(), blobs);
        assert_eq!(decode_blobs(&[]).unwrap(), Vec::<&[u8]>::new());
        assert!(decode_blobs(&packed[..packed.len() - 1]).is_none());
        assert!(decode_blobs(&[1, 0]).is_none());
    }

    #[test]
    fn log_levels_round_trip() {
        for level in [
            LogLevel::Log,
            LogLevel::Debug,
            LogLevel::Info,
            LogLevel::Warn,
            LogLevel::Error,
        ] {
            assert_eq!(LogLevel::from_u32(level as u32), level);
        }
        assert_eq!(LogLevel::from_u32(99), LogLevel::Log);
    }

    #[test]
    fn error_info_omits_absent_fields_and_round_trips() {
        let info = ErrorInfo {
            name: "TypeError".into(),
            message: "x".into(),
            ..Default::default()
        };
        let json = serde_json::to_string(&info).unwrap();
        assert_eq!(json, r#"{"name":"TypeError","message":"x"}"#);
        assert_eq!(serde_json::from_str::<ErrorInfo>(&json).unwrap(), info);
    }
}
