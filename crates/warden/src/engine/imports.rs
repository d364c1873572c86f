//! The `warden` imports: console output, host-function calls (synchronous,
//! and asynchronous ones started and finished), user module sources and
//! waiting for timers and host calls.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use warden_abi::{
    decode_blobs, pack_answer, pack_finished, unpack_answer, AnswerKind, LogLevel, MAX_ERROR_TEXT,
    MODULE_SEPARATOR,
};
use wasmtime::Caller;

use super::abi::HostImports;
use super::StoreData;
use crate::host_fn::{HostArgs, HostFn, HostValue};
use crate::metrics;

/// Implements the guest's `warden` imports over [`StoreData`].
pub(crate) struct WardenImports;

/// The `len` bytes at `ptr` in guest memory.
fn read_bytes<'a>(
    caller: &'a Caller<'_, StoreData>,
    ptr: u32,
    len: u32,
) -> wasmtime::Result<&'a [u8]> {
    let memory = caller
        .data()
        .memory
        .ok_or_else(|| wasmtime::Error::msg("guest memory is not set"))?;
    let (start, len) = (ptr as usize, len as usize);
    memory
        .data(caller)
        .get(start..start.saturating_add(len))
        .ok_or_else(|| wasmtime::Error::msg("the guest passed a region outside its memory"))
}

/// Copies `len` bytes at `ptr` out of guest memory as text.
fn read_text(caller: &Caller<'_, StoreData>, ptr: u32, len: u32) -> wasmtime::Result<String> {
    Ok(String::from_utf8_lossy(read_bytes(caller, ptr, len)?).into_owned())
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
        blobs_ptr: u32,
        blobs_len: u32,
    ) -> wasmtime::Result<u64> {
        let module = read_text(caller, module_ptr, module_len)?;
        let function = read_text(caller, function_ptr, function_len)?;
        let args = Region(args_ptr, args_len, blobs_ptr, blobs_len);
        let outcome = match caller.data().host.get(&module, &function).cloned() {
            Some(HostFn::Sync(host_fn)) => match read_args(caller, args)? {
                Ok(args) => {
                    let began = Instant::now();
                    let answer = catch_unwind(AssertUnwindSafe(|| host_fn(args)))
                        .unwrap_or_else(|_| Err("the host function panicked".to_owned()));
                    let took = began.elapsed();
                    caller.data_mut().host_wait += took;
                    metrics::record_host_call(&module, &function, took, answer.is_ok());
                    answer
                }
                Err(refused) => Err(refused),
            },
            Some(HostFn::Async { .. }) => Err(format!(
                "{module}.{function} is asynchronous, and was called synchronously"
            )),
            None => Err(format!("no host function {module}.{function}")),
        };
        let (kind, payload) = bounded(caller.data().max_host_args, outcome);
        pend(caller, kind, payload)
    }

    fn host_start(
        caller: &mut Caller<'_, StoreData>,
        module_ptr: u32,
        module_len: u32,
        function_ptr: u32,
        function_len: u32,
        args_ptr: u32,
        args_len: u32,
        blobs_ptr: u32,
        blobs_len: u32,
    ) -> wasmtime::Result<u64> {
        let module = read_text(caller, module_ptr, module_len)?;
        let function = read_text(caller, function_ptr, function_len)?;
        let args = Region(args_ptr, args_len, blobs_ptr, blobs_len);
        let started = match caller.data().host.get(&module, &function).cloned() {
            Some(HostFn::Async { run, per_call }) => match read_args(caller, args)? {
                Ok(args) => {
                    caller
                        .data_mut()
                        .calls
                        .start((&module, &function), (&run, per_call), args)
                }
                Err(refused) => Err(refused),
            },
            Some(HostFn::Sync(_)) => Err(format!(
                "{module}.{function} is synchronous, and was called asynchronously"
            )),
            None => Err(format!("no host function {module}.{function}")),
        };
        match started {
            Ok(id) => Ok(pack_answer(AnswerKind::Json, id)),
            Err(message) => {
                let (kind, payload) = bounded(caller.data().max_host_args, Err(message));
                pend(caller, kind, payload)
            }
        }
    }

    fn host_finished(caller: &mut Caller<'_, StoreData>) -> wasmtime::Result<u64> {
        let Some((id, answer)) = caller.data_mut().calls.take() else {
            return Ok(0);
        };
        let (kind, payload) = bounded(caller.data().max_host_args, answer);
        let (_, len) = unpack_answer(pend(caller, kind, payload)?);
        Ok(pack_finished(id, kind, len))
    }

    fn module_source(
        caller: &mut Caller<'_, StoreData>,
        ptr: u32,
        len: u32,
    ) -> wasmtime::Result<u64> {
        let path = read_text(caller, ptr, len)?;
        let (kind, payload) = match caller.data().modules.find(&path) {
            Ok((resolved, source)) => (
                AnswerKind::Json,
                format!("{resolved}{MODULE_SEPARATOR}{source}").into_bytes(),
            ),
            Err(message) => (AnswerKind::Error, message.into_bytes()),
        };
        pend(caller, kind, payload)
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

/// Where a host call's arguments are in guest memory: the JSON's address
/// and length, then the binary arguments' (packed by `encode_blobs`).
#[derive(Clone, Copy)]
struct Region(u32, u32, u32, u32);

/// The arguments of a host call, or why they are refused: over
/// `max_host_args` bytes in all they are refused before they are copied out
/// of the guest.
fn read_args(
    caller: &Caller<'_, StoreData>,
    Region(ptr, len, blobs_ptr, blobs_len): Region,
) -> wasmtime::Result<Result<HostArgs, String>> {
    let max_args = caller.data().max_host_args;
    let size = len as usize + blobs_len as usize;
    if size > max_args {
        return Ok(Err(format!(
            "its arguments are {size} bytes, over the limit of \
             {max_args} (the sandbox's result size limit)"
        )));
    }
    let json = read_text(caller, ptr, len)?;
    let packed = read_bytes(caller, blobs_ptr, blobs_len)?;
    let blobs = decode_blobs(packed)
        .ok_or_else(|| wasmtime::Error::msg("the guest passed malformed binary arguments"))?
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect();
    Ok(Ok(HostArgs { json, blobs }))
}

/// A host function's answer as the guest gets it: what it is and its bytes.
/// A result goes into guest memory the heap limit does not count, so it is
/// bounded like the arguments; an error message is cut to
/// [`MAX_ERROR_TEXT`].
fn bounded(max_json: usize, answer: Result<HostValue, String>) -> (AnswerKind, Vec<u8>) {
    let (kind, payload) = match answer {
        Ok(HostValue::Json(json)) => (AnswerKind::Json, json.into_bytes()),
        Ok(HostValue::Bytes(bytes)) => (AnswerKind::Bytes, bytes),
        Err(message) if message.len() > MAX_ERROR_TEXT => {
            let mut cut = MAX_ERROR_TEXT;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            return (AnswerKind::Error, message.as_bytes()[..cut].to_vec());
        }
        Err(message) => return (AnswerKind::Error, message.into_bytes()),
    };
    if payload.len() > max_json {
        let message = format!(
            "its result is {} bytes, over the limit of {max_json} \
             (the sandbox's result size limit)",
            payload.len()
        );
        return (AnswerKind::Error, message.into_bytes());
    }
    (kind, payload)
}

/// Keeps `payload` for `host_take` and describes it to the guest.
fn pend(
    caller: &mut Caller<'_, StoreData>,
    kind: AnswerKind,
    payload: Vec<u8>,
) -> wasmtime::Result<u64> {
    let len =
        u32::try_from(payload.len()).map_err(|_| wasmtime::Error::msg("host answer over 4 GiB"))?;
    caller.data_mut().pending = payload;
    Ok(pack_answer(kind, len))
}
