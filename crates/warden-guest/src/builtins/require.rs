//! `require(name)`, as the `require` module (named and default export) and
//! a global: the synchronous form of `import()`.

use rquickjs::module::{Declarations, Exports, ModuleDef};
use rquickjs::{Ctx, Exception, Function, Module, Result, Value};

use super::bytes;
use crate::modules::MAX_SPECIFIER;
use crate::text;

/// The `require` module.
pub(super) struct Require;

impl ModuleDef for Require {
    fn declare<'js>(decl: &Declarations<'js>) -> Result<()> {
        decl.declare("require")?;
        decl.declare("default")?;
        Ok(())
    }

    fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> Result<()> {
        let require = function(ctx)?;
        exports.export("require", require.clone())?;
        exports.export("default", require)?;
        Ok(())
    }
}

/// A new `require` function.
pub(super) fn function<'js>(ctx: &Ctx<'js>) -> Result<Function<'js>> {
    Function::new(ctx.clone(), require)?.with_name("require")
}

/// Imports module `name` through the runtime's resolver and loader, as
/// `import(name)` would, and returns its namespace object. A module that
/// is still loading (one with top-level await) gives the promise of its
/// namespace instead. Promise jobs queued before the call may run during
/// it, since the engine hands over a namespace through its job queue.
fn require<'js>(ctx: Ctx<'js>, name: Value<'js>) -> Result<Value<'js>> {
    let string = bytes::string(&ctx, &name, "require: the module name")?;
    let read = text::read(&ctx, string, MAX_SPECIFIER);
    if read.full_len > MAX_SPECIFIER {
        return Err(Exception::throw_message(
            &ctx,
            &format!(
                "require: no module has a name of {} bytes (the longest is {MAX_SPECIFIER})",
                read.full_len
            ),
        ));
    }
    let promise = Module::import(&ctx, read.text)?;
    match promise.finish::<Value>() {
        Err(rquickjs::Error::WouldBlock) => Ok(promise.into_value()),
        settled => settled,
    }
}
