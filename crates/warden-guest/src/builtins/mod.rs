//! The built-in modules handlers import by bare name (`crypto`, `io`,
//! `console`, `require`), the globals `print` and `require`, and
//! `String.bytesFrom`.
//!
//! The resolver maps a built-in's name to a module name of its own, under
//! the reserved `host:` prefix with a character no host module name has.
//! Handlers are modules named after themselves, so this way a handler named
//! `crypto` neither shadows the built-in nor is imported in its place. A
//! module is made when it is first imported: the globals are all that every
//! sandbox carries.

mod bytes;
mod console;
mod crypto;
pub(crate) mod digest;
mod io;
mod require;
mod string;

use std::rc::Rc;

use rquickjs::module::Declared;
use rquickjs::{Ctx, Error, JsLifetime, Module, Result, Value};

use crate::host::Host;

/// The built-in modules, by the names handlers import them with.
pub(crate) const NAMES: [&str; 4] = ["console", "crypto", "io", "require"];

/// What the module name of a built-in starts with.
const PREFIX: &str = "host:builtin/";

/// The module name that `specifier` resolves to, when it names a built-in.
pub(crate) fn resolve(specifier: &str) -> Option<String> {
    NAMES
        .contains(&specifier)
        .then(|| format!("{PREFIX}{specifier}"))
}

/// Whether `module` (a resolved name) is a built-in module.
pub(crate) fn is_builtin(module: &str) -> bool {
    module
        .strip_prefix(PREFIX)
        .is_some_and(|name| NAMES.contains(&name))
}

/// Declares built-in module `module` (a name [`resolve`] returned).
pub(crate) fn declare<'js>(ctx: &Ctx<'js>, module: &str) -> Result<Module<'js, Declared>> {
    let ctx = ctx.clone();
    match module.strip_prefix(PREFIX) {
        Some("console") => Module::declare_def::<console::Console, _>(ctx, module),
        Some("crypto") => Module::declare_def::<crypto::Crypto, _>(ctx, module),
        Some("io") => Module::declare_def::<io::Io, _>(ctx, module),
        Some("require") => Module::declare_def::<require::Require, _>(ctx, module),
        _ => Err(Error::new_loading(module)),
    }
}

/// Installs the globals `print` and `require` and `String.bytesFrom`, and
/// keeps the host for the modules' functions.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, host: &Rc<dyn Host>) -> Result<()> {
    ctx.store_userdata(BuiltinHost(host.clone()))
        .map_err(|e| Error::new_from_js_message("builtins", "host", e.to_string()))?;
    let globals = ctx.globals();
    globals.set("print", io::print(ctx, host.clone())?)?;
    globals.set("require", require::function(ctx)?)?;
    string::install(ctx)
}

/// The host, kept in the context's user data.
struct BuiltinHost(Rc<dyn Host>);

// SAFETY: `BuiltinHost` holds no JavaScript values, so it does not depend
// on the context lifetime.
unsafe impl<'js> JsLifetime<'js> for BuiltinHost {
    type Changed<'to> = BuiltinHost;
}

/// The host [`install`] kept.
fn host(ctx: &Ctx<'_>) -> Result<Rc<dyn Host>> {
    ctx.userdata::<BuiltinHost>()
        .map(|kept| kept.0.clone())
        .ok_or_else(|| Error::new_loading_message("builtins", "the runtime has no host"))
}

/// The kind of `value`, for error messages: what JavaScript's `typeof`
/// says, with `null` apart.
fn type_of(value: &Value<'_>) -> &'static str {
    if value.is_null() {
        "null"
    } else if value.is_undefined() {
        "undefined"
    } else if value.is_bool() {
        "a boolean"
    } else if value.is_number() {
        "a number"
    } else if value.is_big_int() {
        "a bigint"
    } else if value.is_symbol() {
        "a symbol"
    } else if value.is_string() {
        "a string"
    } else if value.is_function() {
        "a function"
    } else {
        "an object of another kind"
    }
}
