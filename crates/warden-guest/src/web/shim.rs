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
    let mut options = EvalOptions::default();
    options.filename = Some(file.into());
    options.strict = true;
    let make: Function = ctx.eval_with_options(source, options)?;
    let made: Object = make.call((natives,))?;
    let globals = ctx.globals();
    for entry in made.props::<String, Value>() {
        let (name, value) = entry?;
        globals.prop(name, Property::from(value).writable().configurable())?;
    }
    Ok(())
}
