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
            /// Calls a host function with a JSON array of arguments. Returns
            /// a `pack_host_result` word: the length of the JSON result, or
            /// of an error message, that `host_take` then copies out.
            fn host_call(
                module_ptr: u32,
                module_len: u32,
                function_ptr: u32,
                function_len: u32,
                args_ptr: u32,
                args_len: u32
            ) -> u64;
            /// Finds the user module at the absolute module path held at
            /// `ptr..ptr + len`. Returns a `pack_host_result` word: the length
            /// of the answer (its resolved path, a newline, then its source)
            /// or of an error message, that `host_take` then copies out.
            fn module_source(ptr: u32, len: u32) -> u64;
            /// Starts an asynchronous host function with a JSON array of
            /// arguments, and returns at once a `pack_host_result` word: the
            /// call's id (never 0), or the length of an error message that
            /// `host_take` then copies out.
            fn host_start(
                module_ptr: u32,
                module_len: u32,
                function_ptr: u32,
                function_len: u32,
                args_ptr: u32,
                args_len: u32
            ) -> u64;
            /// Takes the next asynchronous host call that finished: a
            /// `pack_finished` word (0 when none has), whose JSON result or
            /// error message `host_take` then copies out.
            fn host_finished() -> u64;
            /// Waits `micros` microseconds, until the guest's next timer is
            /// due, or less when an asynchronous host call finishes or the
            /// call is killed meanwhile. Returns 0.
            fn wait(micros: u64) -> u32;
            /// Copies the pending answer of the last `host_call` or
            /// `module_source` to `ptr..ptr + len`, which must be exactly its
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

const HOST_ERROR_BIT: u64 = 1 << 63;

/// Encodes the answer of `host_call`: the length of the pending payload and
/// whether it is an error message rather than a JSON result.
pub const fn pack_host_result(is_error: bool, len: u32) -> u64 {
    if is_error {
        HOST_ERROR_BIT | len as u64
    } else {
        len as u64
    }
}

/// Reverses [`pack_host_result`]: `(is_error, len)`.
pub const fn unpack_host_result(packed: u64) -> (bool, u32) {
    (packed & HOST_ERROR_BIT != 0, packed as u32)
}

/// `warden_register_host_fn` kind: the function returns its result.
pub const HOST_FN_SYNC: u32 = 0;
/// `warden_register_host_fn` kind: the function returns a promise, which the
/// result of a `host_start` settles.
pub const HOST_FN_ASYNC: u32 = 1;

/// Encodes the answer of `host_finished`: the id of the call that finished
/// (below 2^31; 0 means none), whether it failed, and the length of its
/// pending JSON result or error message.
pub const fn pack_finished(id: u32, is_error: bool, len: u32) -> u64 {
    pack_host_result(is_error, len) | ((id as u64 & 0x7fff_ffff) << 32)
}

/// Reverses [`pack_finished`]: `(id, is_error, len)`.
pub const fn unpack_finished(packed: u64) -> (u32, bool, u32) {
    let (is_error, len) = unpack_host_result(packed);
    (((packed >> 32) & 0x7fff_ffff) as u32, is_error, len)
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
    fn host_results_round_trip() {
        for is_error in [false, true] {
            for len in [0, 1, u32::MAX] {
                assert_eq!(
                    unpack_host_result(pack_host_result(is_error, len)),
                    (is_error, len)
                );
            }
        }
    }

    #[test]
    fn finished_calls_round_trip() {
        assert_eq!(unpack_finished(0).0, 0);
        for id in [1, 7, 0x7fff_ffff] {
            for is_error in [false, true] {
                for len in [0, 1, u32::MAX] {
                    assert_eq!(
                        unpack_finished(pack_finished(id, is_error, len)),
                        (id, is_error, len)
                    );
                }
            }
        }
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
