//! The guest's wasm face: the exports the host calls and the imports it
//! provides, both generated from the declarations in `warden_abi`.

use std::cell::RefCell;
use std::rc::Rc;

use warden_abi::{
    encode_blobs, pack_answer, pack_region, unpack_answer, unpack_finished, AnswerKind, LogLevel,
    Status, CALL_FLAG_GC, HOST_FN_ASYNC, MODULE_SEPARATOR,
};

use crate::{CallArgs, GuestError, GuestRuntime, Host, HostValue, Limits};

macro_rules! declare_imports {
    ($module:literal; $( $(#[$meta:meta])* fn $name:ident($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty; )*) => {
        mod imports {
            #[link(wasm_import_module = $module)]
            unsafe extern "C" {
                $( $(#[$meta])* pub(super) fn $name($($arg: $ty),*) -> $ret; )*
            }
        }
    };
}
warden_abi::host_imports!(declare_imports);

macro_rules! define_exports {
    ($( $(#[$meta:meta])* fn $name:ident($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty; )*) => {
        $(
            $(#[$meta])*
            #[no_mangle]
            pub extern "C" fn $name($($arg: $ty),*) -> $ret {
                exports::$name($($arg),*)
            }
        )*
    };
}
warden_abi::guest_exports!(define_exports);

/// The guest's state: its runtime and the buffers shared with the host.
#[derive(Default)]
struct Guest {
    runtime: Option<GuestRuntime>,
    input: Vec<u8>,
    output: Vec<u8>,
}

thread_local! {
    static GUEST: RefCell<Guest> = RefCell::default();
}

/// The host, reached through the wasm imports.
struct WasmHost;

impl Host for WasmHost {
    fn print(&self, level: LogLevel, message: &str) {
        // SAFETY: the host only reads `message`'s bytes during the call.
        unsafe { imports::print(level as u32, message.as_ptr() as u32, message.len() as u32) };
    }

    fn call(&self, module: &str, function: &str, args: &CallArgs) -> Result<HostValue, String> {
        take_value(send_call(imports::host_call, module, function, args))
    }

    fn start(&self, module: &str, function: &str, args: &CallArgs) -> Result<u32, String> {
        let packed = send_call(imports::host_start, module, function, args);
        match unpack_answer(packed) {
            (AnswerKind::Error, _) => Err(take_answer(packed).unwrap_or_else(|message| message)),
            (_, id) => Ok(id),
        }
    }

    fn finished(&self) -> Option<(u32, Result<HostValue, String>)> {
        // SAFETY: the import takes nothing and touches no guest memory.
        let (id, kind, len) = unpack_finished(unsafe { imports::host_finished() });
        (id != 0).then(|| (id, take_value(pack_answer(kind, len))))
    }

    fn wait(&self, duration: std::time::Duration) {
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        // SAFETY: the import takes a number and touches no guest memory.
        unsafe { imports::wait(micros) };
    }

    fn load_module(&self, path: &str) -> Result<(String, String), String> {
        // SAFETY: the host only reads `path`'s bytes during the call.
        let packed = unsafe { imports::module_source(path.as_ptr() as u32, path.len() as u32) };
        let answer = take_answer(packed)?;
        match answer.split_once(MODULE_SEPARATOR) {
            Some((resolved, source)) => Ok((resolved.to_owned(), source.to_owned())),
            None => Err("the host's answer has no resolved path".into()),
        }
    }
}

/// The signature `host_call` and `host_start` share: the module's, the
/// function's, the JSON arguments' and the binary arguments' regions.
type CallImport = unsafe extern "C" fn(u32, u32, u32, u32, u32, u32, u32, u32) -> u64;

/// Passes a host call to `import`; its `pack_answer` word.
fn send_call(import: CallImport, module: &str, function: &str, args: &CallArgs) -> u64 {
    let blobs = encode_blobs(args.blobs.iter().map(Vec::as_slice));
    // SAFETY: the host only reads the strings and blobs during the call.
    unsafe {
        import(
            module.as_ptr() as u32,
            module.len() as u32,
            function.as_ptr() as u32,
            function.len() as u32,
            args.json.as_ptr() as u32,
            args.json.len() as u32,
            blobs.as_ptr() as u32,
            blobs.len() as u32,
        )
    }
}

/// Copies out the host's pending answer described by `packed` (a
/// `pack_answer` word) as a value.
fn take_value(packed: u64) -> Result<HostValue, String> {
    match unpack_answer(packed) {
        (AnswerKind::Bytes, len) => take_bytes(len).map(HostValue::Bytes),
        _ => take_answer(packed).map(HostValue::Json),
    }
}

/// Copies out the host's pending answer described by `packed` (a
/// `pack_answer` word) as text: `Err` when the host reported an error.
fn take_answer(packed: u64) -> Result<String, String> {
    let (kind, len) = unpack_answer(packed);
    let text = String::from_utf8(take_bytes(len)?)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    if kind == AnswerKind::Error {
        Err(text)
    } else {
        Ok(text)
    }
}

/// Copies out the `len` pending bytes of the host's answer.
fn take_bytes(len: u32) -> Result<Vec<u8>, String> {
    let mut payload = Vec::new();
    if payload.try_reserve_exact(len as usize).is_err() {
        return Err(format!("the guest has no memory left for {len} bytes"));
    }
    payload.resize(len as usize, 0);
    // SAFETY: `payload` is exactly `len` writable bytes.
    unsafe { imports::host_take(payload.as_mut_ptr() as u32, len) };
    Ok(payload)
}

/// The bodies of the exports.
mod exports {
    use super::*;

    /// Runs `f` on the guest state; its result (or error) becomes the output.
    fn run(f: impl FnOnce(&mut Guest) -> Result<Vec<u8>, GuestError>) -> u32 {
        GUEST.with_borrow_mut(|guest| {
            let (status, output) = match f(guest) {
                Ok(output) => (Status::Ok, output),
                Err(error) => (error.status, error.detail.into_bytes()),
            };
            guest.output = output;
            status as u32
        })
    }

    fn split(input: &[u8], first: u32, second: u32) -> Result<(&str, &[u8]), GuestError> {
        let (first, second) = (first as usize, second as usize);
        let end = first.checked_add(second).filter(|&end| end <= input.len());
        let end =
            end.ok_or_else(|| GuestError::new(Status::Internal, "lengths exceed the input"))?;
        let name = std::str::from_utf8(&input[..first])
            .map_err(|_| GuestError::new(Status::InvalidUtf8, ""))?;
        Ok((name, &input[first..end]))
    }

    fn utf8(bytes: &[u8]) -> Result<&str, GuestError> {
        std::str::from_utf8(bytes).map_err(|_| GuestError::new(Status::InvalidUtf8, ""))
    }

    fn runtime(guest: &mut Guest) -> Result<(&mut GuestRuntime, &[u8]), GuestError> {
        match guest.runtime.as_mut() {
            Some(runtime) => Ok((runtime, &guest.input)),
            None => Err(GuestError::new(Status::NotInitialized, "")),
        }
    }

    pub(super) fn warden_init(seed: u64) -> u32 {
        run(|guest| {
            if guest.runtime.is_some() {
                return Err(GuestError::new(
                    Status::NotInitialized,
                    "already initialised",
                ));
            }
            let runtime = GuestRuntime::new(Rc::new(WasmHost), seed)?;
            // The host takes the image of memory now: what sandboxes
            // allocate from here on lies on pages of their own.
            runtime.seal();
            crate::allocator::seal();
            guest.runtime = Some(runtime);
            Ok(Vec::new())
        })
    }

    pub(super) fn warden_configure(heap_limit: u64, stack_limit: u32, max_json: u32) -> u32 {
        run(|guest| {
            runtime(guest)?.0.set_limits(Limits {
                heap: usize::try_from(heap_limit).unwrap_or(usize::MAX),
                stack: stack_limit as usize,
                max_json: max_json as usize,
            });
            Ok(Vec::new())
        })
    }

    pub(super) fn warden_reserve(len: u32) -> u32 {
        GUEST.with_borrow_mut(|guest| {
            let len = len as usize;
            guest.input.clear();
            if guest.input.try_reserve(len).is_err() {
                return 0;
            }
            guest.input.resize(len, 0);
            guest.input.as_mut_ptr() as u32
        })
    }

    pub(super) fn warden_register_host_fn(module_len: u32, function_len: u32, kind: u32) -> u32 {
        run(|guest| {
            let (runtime, input) = runtime(guest)?;
            let (module, function) = split(input, module_len, function_len)?;
            runtime.declare_host_function(module, utf8(function)?, kind == HOST_FN_ASYNC);
            Ok(Vec::new())
        })
    }

    pub(super) fn warden_add_handler(name_len: u32, base_len: u32, source_len: u32) -> u32 {
        run(|guest| {
            let (runtime, input) = runtime(guest)?;
            let rest = base_len.checked_add(source_len).unwrap_or(u32::MAX);
            let (name, rest) = split(input, name_len, rest)?;
            let (base, source) = split(rest, base_len, source_len)?;
            let added = runtime.add_handler_in(name, base, utf8(source)?);
            // A script may be large: do not keep its buffer.
            guest.input = Vec::new();
            added.map(|()| Vec::new())
        })
    }

    pub(super) fn warden_remove_handler(name_len: u32) -> u32 {
        run(|guest| {
            let (runtime, input) = runtime(guest)?;
            let (name, _) = split(input, name_len, 0)?;
            runtime.remove_handler(name)?;
            Ok(Vec::new())
        })
    }

    pub(super) fn warden_clear_handlers() -> u32 {
        run(|guest| {
            runtime(guest)?.0.clear_handlers();
            Ok(Vec::new())
        })
    }

    pub(super) fn warden_call(name_len: u32, event_len: u32, flags: u32) -> u32 {
        run(|guest| {
            let (runtime, input) = runtime(guest)?;
            let (name, event) = split(input, name_len, event_len)?;
            let json = runtime.call(name, event, flags & CALL_FLAG_GC != 0)?;
            Ok(json.into_bytes())
        })
    }

    pub(super) fn warden_output() -> u64 {
        GUEST.with_borrow(|guest| {
            pack_region(guest.output.as_ptr() as u32, guest.output.len() as u32)
        })
    }

    pub(super) fn warden_reseed(seed: u64) -> u32 {
        run(|guest| {
            runtime(guest)?.0.reseed(seed);
            Ok(Vec::new())
        })
    }

    pub(super) fn warden_loaded() -> u32 {
        run(|guest| {
            runtime(guest)?.0.loaded();
            Ok(Vec::new())
        })
    }
}
