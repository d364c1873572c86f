//! The `console` module: the methods of the global `console` (`log`,
//! `debug`, `info`, `warn`, `error`) as named exports, and an object with
//! them all as the default export.

use rquickjs::module::{Declarations, Exports, ModuleDef};
use rquickjs::{Ctx, Object, Result};
use warden_abi::LogLevel;

use crate::console::method;

/// The `console` module.
pub(super) struct Console;

impl ModuleDef for Console {
    fn declare<'js>(decl: &Declarations<'js>) -> Result<()> {
        for level in LogLevel::ALL {
            decl.declare(level.as_str())?;
        }
        decl.declare("default")?;
        Ok(())
    }

    fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> Result<()> {
        let host = super::host(ctx)?;
        let console = Object::new(ctx.clone())?;
        for level in LogLevel::ALL {
            let method = method(ctx, &host, level)?;
            console.set(level.as_str(), method.clone())?;
            exports.export(level.as_str(), method)?;
        }
        exports.export("default", console)?;
        Ok(())
    }
}
