//! The `io` module (`print`, `flush`) and the global `print`: text written
//! to the console at the `log` level.

use std::rc::Rc;

use rquickjs::module::{Declarations, Exports, ModuleDef};
use rquickjs::{Ctx, Function, Result, Value};
use warden_abi::{LogLevel, MAX_PRINT_LINE};

use crate::host::Host;
use crate::text::{self, Read};

/// The `io` module.
pub(super) struct Io;

impl ModuleDef for Io {
    fn declare<'js>(decl: &Declarations<'js>) -> Result<()> {
        decl.declare("print")?;
        decl.declare("flush")?;
        Ok(())
    }

    fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> Result<()> {
        exports.export("print", print(ctx, super::host(ctx)?)?)?;
        // Every line reaches the host as it is printed: nothing to flush.
        let flush = Function::new(ctx.clone(), || ())?.with_name("flush")?;
        exports.export("flush", flush)?;
        Ok(())
    }
}

/// `print(text)`: one console line at the `log` level.
pub(super) fn print<'js>(ctx: &Ctx<'js>, host: Rc<dyn Host>) -> Result<Function<'js>> {
    Function::new(ctx.clone(), move |ctx: Ctx<'js>, text: Value<'js>| {
        host.print(LogLevel::Log, &line(&ctx, text));
    })?
    .with_name("print")
}

/// `String(value)` without one trailing newline (the console is made of
/// lines, so `print("done\n")` prints the line `done`), cut to
/// [`MAX_PRINT_LINE`] bytes.
fn line<'js>(ctx: &Ctx<'js>, value: Value<'js>) -> String {
    let Read {
        mut text,
        mut full_len,
    } = text::string_of(ctx, value, MAX_PRINT_LINE + 1);
    if text.len() == full_len && text.ends_with('\n') {
        text.pop();
        full_len -= 1;
    }
    text::bounded(text, full_len, MAX_PRINT_LINE)
}
