//! The WASI functions the guest's libc imports, with every capability
//! denied.
//!
//! The guest gets a clock (for `Date`), entropy (for hash tables), and
//! stdout/stderr that go to the host's log. Files, directories, sockets,
//! environment variables and arguments do not exist for it: whatever else
//! it imports answers `EBADF` (for descriptor operations) or `ENOSYS`.
//! `proc_exit` traps, which poisons the sandbox like any other trap.

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use wasmtime::{Caller, ExternType, Linker, Module, Val};

use super::StoreData;

const WASI: &str = "wasi_snapshot_preview1";
const SUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const ENOSYS: i32 = 52;

/// Raised by `proc_exit`.
#[derive(Debug)]
pub(crate) struct ProcExit(pub(crate) i32);

impl std::fmt::Display for ProcExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the guest called proc_exit({})", self.0)
    }
}

impl std::error::Error for ProcExit {}

/// Defines every WASI function `module` imports.
pub(crate) fn define(linker: &mut Linker<StoreData>, module: &Module) -> wasmtime::Result<()> {
    for import in module.imports().filter(|i| i.module() == WASI) {
        let name = import.name();
        match name {
            "clock_time_get" => linker.func_wrap(WASI, name, clock_time_get)?,
            "random_get" => linker.func_wrap(WASI, name, random_get)?,
            "fd_write" => linker.func_wrap(WASI, name, fd_write)?,
            "proc_exit" => linker.func_wrap(WASI, name, |code: i32| -> wasmtime::Result<()> {
                Err(ProcExit(code).into())
            })?,
            "environ_sizes_get" | "args_sizes_get" => linker.func_wrap(WASI, name, two_zeros)?,
            "environ_get" | "args_get" | "sched_yield" => {
                let ExternType::Func(ty) = import.ty() else {
                    continue;
                };
                linker.func_new(WASI, name, ty, |_, _, results| {
                    results[0] = Val::I32(SUCCESS);
                    Ok(())
                })?
            }
            _ => {
                let ExternType::Func(ty) = import.ty() else {
                    continue;
                };
                let errno = if name.starts_with("fd_")
                    || name.starts_with("path_")
                    || name.starts_with("sock_")
                {
                    EBADF
                } else {
                    ENOSYS
                };
                linker.func_new(WASI, name, ty, move |_, _, results| {
                    if let Some(result) = results.first_mut() {
                        *result = Val::I32(errno);
                    }
                    Ok(())
                })?
            }
        };
    }
    Ok(())
}

fn write_bytes(caller: &mut Caller<'_, StoreData>, ptr: i32, bytes: &[u8]) -> bool {
    let Some(memory) = caller.data().memory else {
        return false;
    };
    memory.write(caller, ptr as u32 as usize, bytes).is_ok()
}

fn clock_time_get(mut caller: Caller<'_, StoreData>, id: i32, _precision: i64, out: i32) -> i32 {
    static START: OnceLock<Instant> = OnceLock::new();
    let nanos = match id {
        0 => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
        1 => START.get_or_init(Instant::now).elapsed().as_nanos() as u64,
        _ => return EINVAL,
    };
    if write_bytes(&mut caller, out, &nanos.to_le_bytes()) {
        SUCCESS
    } else {
        EFAULT
    }
}

fn random_get(mut caller: Caller<'_, StoreData>, ptr: i32, len: i32) -> i32 {
    let mut bytes = vec![0u8; len as u32 as usize];
    if getrandom::fill(&mut bytes).is_err() {
        return ENOSYS;
    }
    if write_bytes(&mut caller, ptr, &bytes) {
        SUCCESS
    } else {
        EFAULT
    }
}

fn two_zeros(mut caller: Caller<'_, StoreData>, count: i32, size: i32) -> i32 {
    if write_bytes(&mut caller, count, &0u32.to_le_bytes())
        && write_bytes(&mut caller, size, &0u32.to_le_bytes())
    {
        SUCCESS
    } else {
        EFAULT
    }
}

/// stdout and stderr (the guest's libc and panic messages) go to the log.
fn fd_write(
    mut caller: Caller<'_, StoreData>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    written: i32,
) -> i32 {
    if fd != 1 && fd != 2 {
        return EBADF;
    }
    let Some(memory) = caller.data().memory else {
        return EFAULT;
    };
    let data = memory.data(&caller);
    let mut text = Vec::new();
    for i in 0..iovs_len.max(0) as usize {
        let at = iovs as u32 as usize + i * 8;
        let Some(iov) = data.get(at..at + 8) else {
            return EFAULT;
        };
        let ptr = u32::from_le_bytes(iov[0..4].try_into().unwrap()) as usize;
        let len = u32::from_le_bytes(iov[4..8].try_into().unwrap()) as usize;
        let Some(bytes) = data.get(ptr..ptr.saturating_add(len)) else {
            return EFAULT;
        };
        text.extend_from_slice(bytes);
    }
    tracing::debug!(target: "warden::guest", fd, "{}", String::from_utf8_lossy(&text).trim_end());
    let total = text.len() as u32;
    if write_bytes(&mut caller, written, &total.to_le_bytes()) {
        SUCCESS
    } else {
        EFAULT
    }
}
