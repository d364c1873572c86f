//! `Event`, `CustomEvent`, `EventTarget`, `AbortController` and
//! `AbortSignal`, written in `events.js`.

use rquickjs::{Ctx, Object, Result};

/// Defines the event and abort globals. `DOMException` must be defined.
pub(super) fn install(ctx: &Ctx<'_>) -> Result<()> {
    let natives = Object::new(ctx.clone())?;
    super::shim::install(ctx, "web/events.js", include_str!("events.js"), natives)
}
