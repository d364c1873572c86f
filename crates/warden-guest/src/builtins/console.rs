//! The `console` module: the methods of `console` (see
//! [`METHODS`](crate::web::console::METHODS)) as named exports, and an
//! object with them all as the default export. They are the methods the
//! runtime made, whatever a handler did to the global `console`.

use rquickjs::module::{Declarations, Exports, ModuleDef};
use rquickjs::{Ctx, Function, Object, Result};

use crate::web::console::{methods, METHODS};

/// The `console` module.
pub(super) struct Console;

impl ModuleDef for Console {
    fn declare<'js>(decl: &Declarations<'js>) -> Result<()> {
        for name in METHODS {
            decl.declare(name)?;
        }
        decl.declare("default")?;
        Ok(())
    }

    fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> Result<()> {
        let made = methods(ctx)?;
        let console = Object::new(ctx.clone())?;
        for name in METHODS {
            let method: Function = made.get(name)?;
            console.set(name, method.clone())?;
            exports.export(name, method)?;
        }
        exports.export("default", console)?;
        Ok(())
    }
}
