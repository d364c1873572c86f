//! `structuredClone`, written in `clone.js`, which tells the kinds of
//! objects apart by the engine's class of each.

use rquickjs::{qjs, Array, Ctx, Function, Object, Result, Value};

/// Defines the global `structuredClone`. `DOMException` must be defined.
/// `serializable` is the list of the platform's serializable classes that
/// other shims add to later: pairs of a brand check and a clone function.
pub(super) fn install<'js>(ctx: &Ctx<'js>, serializable: &Array<'js>) -> Result<()> {
    let natives = Object::new(ctx.clone())?;
    natives.set("classOf", Function::new(ctx.clone(), class_of)?)?;
    natives.set("serializable", serializable.clone())?;
    super::shim::install(ctx, "web/clone.js", include_str!("clone.js"), natives)
}

/// The engine's class of an object: a number that tells which built-in
/// made it (a `Map`, a `Date`, a plain object...) whatever its prototype,
/// and that no script can change. 0 for other values.
fn class_of(value: Value<'_>) -> u32 {
    if !value.is_object() {
        return 0;
    }
    // SAFETY: `value` is a live object; JS_GetClassID only reads its header.
    unsafe { qjs::JS_GetClassID(value.as_raw()) }
}
