//! The `warden` imports: console output, host-function calls, user module
//! sources and waiting for timers.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use warden_abi::{pack_host_result, LogLevel, MAX_ERROR_TEXT, MODULE_SEPARATOR};
use wasmtime::Caller;

use super::abi::HostImports;
use super::StoreData;

/// Implements the guest's `warden` imports over [`StoreData`].
pub(crate) struct WardenImports;

/// Copies `len` bytes at `ptr` out of guest memory as text.
fn read_text(caller: &Caller<'_, StoreData>, ptr: u32, len: u32) -> wasmtime::Result<String> {
    let memory = caller
        .data()
        .memory
        .ok_or_else(|| wasmtime::Error::msg("guest memory is not set"))?;
    let (start, len) = (ptr as usize, len as usize);
    let bytes = memory
        .data(caller)
        .get(start..start.saturating_add(len))
        .ok_or_else(|| wasmtime::Error::msg("the guest passed a region outside its memory"))?;
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

impl HostImports for WardenImports {
    fn print(
        caller: &mut Caller<'_, StoreData>,
        level: u32,
        ptr: u32,
        len: u32,
    ) -> wasmtime::Result<u32> {
        if !caller.data_mut().console.admit(len as usize) {
            return Ok(0);
        }
        let text = read_text(caller, ptr, len)?;
        (caller.data().print)(LogLevel::from_u32(level), &text);
        Ok(0)
    }

    fn host_call(
        caller: &mut Caller<'_, StoreData>,
        module_ptr: u32,
        module_len: u32,
        function_ptr: u32,
        function_len: u32,
        args_ptr: u32,
        args_len: u32,
    ) -> wasmtime::Result<u64> {
        let module = read_text(caller, module_ptr, module_len)?;
        let function = read_text(caller, function_ptr, function_len)?;
        let max_args = caller.data().max_host_args;
        let outcome = match caller.data().host.get(&module, &function).cloned() {
            // Refused before the arguments are copied out of the guest.
            Some(_) if args_len as usize > max_args => Err(format!(
                "its arguments are {args_len} bytes of JSON, over the limit of \
                 {max_args} (the sandbox's result size limit)"
            )),
            Some(host_fn) => {
                let args = read_text(caller, args_ptr, args_len)?;
                catch_unwind(AssertUnwindSafe(|| host_fn(&args)))
                    .unwrap_or_else(|_| Err("the host function panicked".to_owned()))
            }
            None => Err(format!("no host function {module}.{function}")),
        };
        let (is_error, payload) = match outcome {
            // The answer is copied into guest memory the heap limit does not
            // count: it is bounded like the arguments.
            Ok(json) if json.len() > max_args => (
                true,
                format!(
                    "its result is {} bytes of JSON, over the limit of {max_args} \
                     (the sandbox's result size limit)",
                    json.len()
                ),
            ),
            Ok(json) => (false, json),
            Err(message) if message.len() > MAX_ERROR_TEXT => {
                let mut cut = MAX_ERROR_TEXT;
                while !message.is_char_boundary(cut) {
                    cut -= 1;
                }
                (true, message[..cut].to_owned())
            }
            Err(message) => (true, message),
        };
        pend(caller, is_error, payload)
    }

    fn module_source(
        caller: &mut Caller<'_, StoreData>,
        ptr: u32,
        len: u32,
    ) -> wasmtime::Result<u64> {
        let path = read_text(caller, ptr, len)?;
        let (is_error, payload) = match caller.data().modules.find(&path) {
            Ok((resolved, source)) => (false, format!("{resolved}{MODULE_SEPARATOR}{source}")),
            Err(message) => (true, message),
        };
        pend(caller, is_error, payload)
    }

    fn wait(caller: &mut Caller<'_, StoreData>, micros: u64) -> wasmtime::Result<u32> {
        // A kill ends the wait; the guest then stops at its next epoch check.
        caller.data().kill.sleep(Duration::from_micros(micros));
        Ok(0)
    }

    fn host_take(caller: &mut Caller<'_, StoreData>, ptr: u32, len: u32) -> wasmtime::Result<u32> {
        let pending = std::mem::take(&mut caller.data_mut().pending);
        if pending.len() != len as usize {
            return Err(wasmtime::Error::msg(
                "host_take length does not match the pending result",
            ));
        }
        let memory = caller
            .data()
            .memory
            .ok_or_else(|| wasmtime::Error::msg("guest memory is not set"))?;
        memory.write(caller, ptr as usize, &pending)?;
        Ok(0)
    }
}

/// Keeps `payload` for `host_take` and describes it to the guest.
fn pend(
    caller: &mut Caller<'_, StoreData>,
    is_error: bool,
    payload: String,
) -> wasmtime::Result<u64> {
    let len =
        u32::try_from(payload.len()).map_err(|_| wasmtime::Error::msg("host answer over 4 GiB"))?;
    caller.data_mut().pending = payload.into_bytes();
    Ok(pack_host_result(is_error, len))
}
