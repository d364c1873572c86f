//! `self`, the global object's name for itself, and `navigator`, which says
//! what runs the code.

use rquickjs::object::Property;
use rquickjs::{Ctx, Object, Result};

/// What `navigator.userAgent` says: this runtime and its version, in the
/// form other runtimes use (`Deno/2.1.4`, `Node.js/22`).
const USER_AGENT: &str = concat!("Warden/", env!("CARGO_PKG_VERSION"));

/// Defines `self` and `navigator`.
pub(super) fn install(ctx: &Ctx<'_>) -> Result<()> {
    let globals = ctx.globals();
    let navigator = Object::new(ctx.clone())?;
    navigator.prop("userAgent", Property::from(USER_AGENT).enumerable())?;
    globals.prop(
        "self",
        Property::from(globals.clone()).writable().configurable(),
    )?;
    globals.prop(
        "navigator",
        Property::from(navigator).writable().configurable(),
    )?;
    Ok(())
}
