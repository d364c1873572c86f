//! The `warden` imports: console output, host-function calls (synchronous,
//! and asynchronous ones started and finished), user module sources and
//! waiting for timers and host calls.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use warden_abi::{
    pack_finished, pack_host_result, unpack_host_result, LogLevel, MAX_ERROR_TEXT, MODULE_SEPARATOR,
};
use wasmtime::Caller;

use super::abi::HostImports;
use super::StoreData;
use crate::host_fn::HostFn;
use crate::metrics;

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
        let outcome = match caller.data().host.get(&module, &function).cloned() {
            Some(HostFn::Sync(host_fn)) => match read_args(caller, args_ptr, args_len)? {
                Ok(args) => {
                    let began = Instant::now();
                    let answer = catch_unwind(AssertUnwindSafe(|| host_fn(&args)))
                        .unwrap_or_else(|_| Err("the host function panicked".to_owned()));
                    let took = began.elapsed();
                    caller.data_mut().host_wait += took;
                    metrics::record_host_call(&module, &function, took, answer.is_ok());
                    answer
                }
                Err(refused) => Err(refused),
            },
            Some(HostFn::Async(_)) => Err(format!(
                "{module}.{function} is asynchronous, and was called synchronously"
            )),
            None => Err(format!("no host function {module}.{function}")),
        };
        let (is_error, payload) = bounded(caller.data().max_host_args, outcome);
        pend(caller, is_error, payload)
    }

    fn host_start(
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
        let started = match caller.data().host.get(&module, &function).cloned() {
            Some(HostFn::Async(host_fn)) => match read_args(caller, args_ptr, args_len)? {
                Ok(args) => caller
                    .data_mut()
                    .calls
                    .start((&module, &function), &host_fn, args),
                Err(refused) => Err(refused),
            },
            Some(HostFn::Sync(_)) => Err(format!(
                "{module}.{function} is synchronous, and was called asynchronously"
            )),
            None => Err(format!("no host function {module}.{function}")),
        };
        match started {
            Ok(id) => Ok(pack_host_result(false, id)),
            Err(message) => {
                let (_, payload) = bounded(caller.data().max_host_args, Err(message));
                pend(caller, true, payload)
            }
        }
    }

    fn host_finished(caller: &mut Caller<'_, StoreData>) -> wasmtime::Result<u64> {
        let Some((id, answer)) = caller.data_mut().calls.take() else {
            return Ok(0);
        };
        let (is_error, payload) = bounded(caller.data().max_host_args, answer);
        let (_, len) = unpack_host_result(pend(caller, is_error, payload)?);
        Ok(pack_finished(id, is_error, len))
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
        let began = Instant::now();
        let data = caller.data();
        data.kill
            .sleep(Duration::from_micros(micros), data.calls.any_finished());
        caller.data_mut().host_wait += began.elapsed();
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

/// The arguments of a host call, or why they are refused: over `max_host_args`
/// they are refused before they are copied out of the guest.
fn read_args(
    caller: &Caller<'_, StoreData>,
    ptr: u32,
    len: u32,
) -> wasmtime::Result<Result<String, String>> {
    let max_args = caller.data().max_host_args;
    if len as usize > max_args {
        return Ok(Err(format!(
            "its arguments are {len} bytes of JSON, over the limit of \
             {max_args} (the sandbox's result size limit)"
        )));
    }
    read_text(caller, ptr, len).map(Ok)
}

/// A host function's answer as the guest gets it: `(is_error, payload)`. A
/// result goes into guest memory the heap limit does not count, so it is
/// bounded like the arguments; an error message is cut to
/// [`MAX_ERROR_TEXT`].
fn bounded(max_json: usize, answer: Result<String, String>) -> (bool, String) {
    match answer {
        Ok(json) if json.len() > max_json => (
            true,
            format!(
                "its result is {} bytes of JSON, over the limit of {max_json} \
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
