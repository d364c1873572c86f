//! Turning handler source into a callable function.
//!
//! Every handler is compiled as an ES module named after the handler, so it
//! may `import` host modules and its top-level declarations stay private to
//! it. The entry point is the module's `handler` export when it has one;
//! else its local `handler` binding, so that a plain `function handler(event)`
//! needs no `export`. The export wins because a bundle may hold a dependency
//! whose own top-level `function handler` is not the one the bundle exports.

use rquickjs::promise::PromiseState;
use rquickjs::{Ctx, Function, Module, Value};
use warden_abi::{ErrorInfo, Status};

use crate::errors::{Caught, GuestError};
use crate::event_loop;
use crate::guards::Guards;
use crate::host::Host;
use crate::web::Timers;

/// The export through which the runtime reaches a module's local `handler`.
const ENTRY: &str = "__warden_handler";

/// What compiling a handler uses of the runtime.
pub(crate) struct Compiler<'a> {
    pub(crate) guards: &'a Guards,
    pub(crate) timers: &'a Timers,
    pub(crate) host: &'a dyn Host,
}

/// Compiles and evaluates `source` as module `name`, running its top-level
/// code's event loop (timers it leaves set are then cancelled); returns its
/// handler.
pub(crate) fn compile<'js>(
    ctx: &Ctx<'js>,
    with: &Compiler<'_>,
    name: &str,
    source: &str,
) -> Result<Function<'js>, GuestError> {
    let evaluated = evaluate(ctx, with, name, source);
    crate::host_calls::forget_all(ctx);
    let cancelled = with.timers.cancel_all(ctx);
    let handler = evaluated?;
    cancelled.map_err(|e| Caught::from_error(ctx, e).into_error(Status::CompileFailed))?;
    Ok(handler)
}

fn evaluate<'js>(
    ctx: &Ctx<'js>,
    with: &Compiler<'_>,
    name: &str,
    source: &str,
) -> Result<Function<'js>, GuestError> {
    let guards = with.guards;
    let failed = |ctx: &Ctx<'js>, e| Caught::from_error(ctx, e).into_error(Status::CompileFailed);
    if let Some(at) = source.find('\0') {
        return Err(nul_in_source(source, at));
    }
    // The appended line comes after the user's last line, so line and column
    // numbers of errors in the source are unchanged.
    let entry_line = format!("\n;export {{ handler as {ENTRY} }};");
    // Compiling is the runtime's work: its syntax errors run no hook.
    let declare = |suffix: &str| -> Result<_, GuestError> {
        let source = source_buffer(source, suffix)?;
        Ok(guards.quietly(ctx, || Module::declare(ctx.clone(), name, source)))
    };
    let (module, export) = match declare(&entry_line)? {
        Ok(module) => (module, ENTRY),
        Err(first) => {
            // Either the source does not compile, or it has no local
            // `handler` binding (e.g. `export { fn as handler }`). Compiling
            // the source alone tells which, and reports the user's own error.
            let _ = ctx.catch();
            let _ = first;
            let module = declare("")?.map_err(|e| failed(ctx, e))?;
            (module, "handler")
        }
    };
    let (module, done) = module.eval().map_err(|e| failed(ctx, e))?;
    event_loop::run(
        ctx,
        with.timers,
        with.host,
        Some(&done),
        Status::CompileFailed,
    )?;
    match done.state() {
        PromiseState::Resolved => {}
        PromiseState::Rejected => {
            let e = done.result::<Value>().and_then(Result::err);
            return Err(e.map_or_else(
                || GuestError::new(Status::Internal, "module rejected without a reason"),
                |e| failed(ctx, e),
            ));
        }
        PromiseState::Pending => {
            return Err(compile_error(
                "the module's top-level await never settled".into(),
            ))
        }
    }
    let exported: Value = module.get("handler").map_err(|e| failed(ctx, e))?;
    let entry = match exported.is_function() {
        true => exported,
        false => module.get(export).map_err(|e| failed(ctx, e))?,
    };
    match entry.into_function() {
        Some(function) => Ok(function),
        None => Err(compile_error(
            "the script does not define a function named `handler` \
             (declare `function handler(event)` or export one)"
                .into(),
        )),
    }
}

/// A copy of `source` followed by `suffix`, with room for the terminating
/// NUL the engine adds, so that nothing copies it again. Its memory is not
/// the JavaScript heap's, so it is allocated fallibly: a script too large for
/// the sandbox is an out-of-memory error, not an abort.
fn source_buffer(source: &str, suffix: &str) -> Result<Vec<u8>, GuestError> {
    let mut buffer = Vec::new();
    buffer
        .try_reserve_exact(source.len() + suffix.len() + 1)
        .map_err(|_| {
            GuestError::new(
                Status::OutOfMemory,
                format!(
                    "the script is {} bytes, too large for the sandbox's memory",
                    source.len()
                ),
            )
        })?;
    buffer.extend_from_slice(source.as_bytes());
    buffer.extend_from_slice(suffix.as_bytes());
    Ok(buffer)
}

/// The engine reads source as a C string, so a raw NUL byte (legal in
/// JavaScript strings and comments) would cut it short: refuse it, with its
/// place, instead.
fn nul_in_source(source: &str, at: usize) -> GuestError {
    let before = &source[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    GuestError::with_info(
        Status::CompileFailed,
        &ErrorInfo {
            name: "SyntaxError".into(),
            message: "a raw NUL byte, which the engine cannot read: write it as \\0 or \\u0000"
                .into(),
            line: u32::try_from(line).ok(),
            column: u32::try_from(column).ok(),
            ..ErrorInfo::default()
        },
    )
}

fn compile_error(message: String) -> GuestError {
    GuestError::with_info(
        Status::CompileFailed,
        &ErrorInfo {
            name: "TypeError".into(),
            message,
            ..ErrorInfo::default()
        },
    )
}
