//! Running the JavaScript that defines web globals.

use rquickjs::context::EvalOptions;
use rquickjs::object::Property;
use rquickjs::{Ctx, Function, Object, Result, Value};

/// Evaluates `source` (a function expression, named `file` in stacks),
/// calls it with `natives`, and defines each property of the object it
/// returns as a global: writable, configurable and not enumerable, as Web
/// IDL has interfaces and namespaces.
pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    file: &str,
    source: &str,
    natives: Object<'js>,
) -> Result<()> {
    define_globals(ctx, &evaluate(ctx, file, source, natives)?)
}

/// Evaluates `source` (a function expression, named `file` in stacks) and
/// returns what it returns when called with `natives`.
pub(super) fn evaluate<'js>(
    ctx: &Ctx<'js>,
    file: &str,
    source: &str,
    natives: Object<'js>,
) -> Result<Object<'js>> {
    let mut options = EvalOptions::default();
    options.filename = Some(file.into());
    options.strict = true;
    let make: Function = ctx.eval_with_options(source, options)?;
    make.call((natives,))
}

/// Defines each property of `globals` as a global, the way [`install`]
/// does.
pub(super) fn define_globals<'js>(ctx: &Ctx<'js>, globals: &Object<'js>) -> Result<()> {
    let global = ctx.globals();
    for entry in globals.props::<String, Value>() {
        let (name, value) = entry?;
        global.prop(name, Property::from(value).writable().configurable())?;
    }
    Ok(())
}
