//! The built-in modules handlers import by bare name.
//!
//! The resolver maps a built-in's name to a module name of its own, under
//! the reserved `host:` prefix with a character no host module name has.
//! Handlers are modules named after themselves, so this way a handler named
//! `crypto` neither shadows the built-in nor is imported in its place. A
//! module is made when it is first imported, so a sandbox whose handlers
//! import none carries nothing of it.

mod bytes;
mod crypto;
mod digest;

use rquickjs::module::Declared;
use rquickjs::{Ctx, Error, Module, Result, Value};

/// The built-in modules, by the names handlers import them with.
pub(crate) const NAMES: [&str; 1] = ["crypto"];

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
        Some("crypto") => Module::declare_def::<crypto::Crypto, _>(ctx, module),
        _ => Err(Error::new_loading(module)),
    }
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
