//! Web platform globals: what handlers written for browsers or Deno expect
//! to find besides ECMAScript itself.
//!
//! Each is installed once, before any handler runs and before the guards
//! (which then fix the `toJSON` of their prototypes too). Those written in
//! JavaScript keep the built-ins they use from that pristine moment, so a
//! handler that changes a shared built-in does not break them for others.

mod buffer_source;
mod clone;
pub(crate) mod console;
mod encoding;
mod events;
mod exception;
mod fetch;
mod navigator;
mod random;
mod shim;
mod subtle;
mod timers;
mod url;
mod utf8;

use std::rc::Rc;

use rquickjs::{Array, Ctx, Result};

pub(crate) use buffer_source::copy_if_buffer_source;
pub(crate) use timers::Timers;

use crate::host::Host;

/// Installs every web global, `console` printing to `host`, and returns
/// the timers' controls. `console` comes first, since the events keep its
/// `error`, then `DOMException`, since the others throw it, and the timers
/// before the events, since `AbortSignal.timeout` sets one; `fetch` comes
/// after the events, the encoding classes and `URL`, which it uses, and
/// `crypto.subtle` after `crypto` and the encoding classes it uses.
pub(crate) fn install(ctx: &Ctx<'_>, host: &Rc<dyn Host>) -> Result<Timers> {
    console::install(ctx, host)?;
    exception::install(ctx)?;
    random::install(ctx)?;
    let timers = Timers::install(ctx)?;
    events::install(ctx)?;
    let serializable = Array::new(ctx.clone())?;
    clone::install(ctx, &serializable)?;
    encoding::install(ctx)?;
    url::install(ctx)?;
    fetch::install(ctx, host)?;
    subtle::install(ctx, &serializable)?;
    navigator::install(ctx)?;
    Ok(timers)
}
