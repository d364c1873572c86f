//! `DOMException`, written in `exception.js`.
//!
//! QuickJS-ng has a native `DOMException`, but the engine does not count
//! its instances as errors, so a thrown one would reach the host (and the
//! console) as `{}`, without its name or message. This one is a subclass of
//! `Error` and replaces it.

use rquickjs::{Ctx, Object, Result};

/// Defines the global `DOMException`.
pub(super) fn install(ctx: &Ctx<'_>) -> Result<()> {
    let natives = Object::new(ctx.clone())?;
    super::shim::install(
        ctx,
        "web/exception.js",
        include_str!("exception.js"),
        natives,
    )
}
