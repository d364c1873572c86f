//! Web platform globals: what handlers written for browsers or Deno expect
//! to find besides ECMAScript itself.
//!
//! Each is installed once, before any handler runs and before the guards
//! (which then fix the `toJSON` of their prototypes too). Those written in
//! JavaScript keep the built-ins they use from that pristine moment, so a
//! handler that changes a shared built-in does not break them for others.

mod buffer_source;
mod clone;
mod encoding;
mod events;
mod exception;
mod random;
mod shim;
mod url;
mod utf8;

use rquickjs::{Ctx, Result};

/// Installs every web global. `DOMException` comes first: the others
/// throw it.
pub(crate) fn install(ctx: &Ctx<'_>) -> Result<()> {
    exception::install(ctx)?;
    random::install(ctx)?;
    events::install(ctx)?;
    clone::install(ctx)?;
    encoding::install(ctx)?;
    url::install(ctx)?;
    Ok(())
}
