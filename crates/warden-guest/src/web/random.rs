//! The global `crypto`: `getRandomValues` and `randomUUID` (checks in
//! `random.js`, entropy here).
//!
//! Every call draws fresh bytes from the host: in the sandbox, the
//! `getrandom` crate reads WASI `random_get`, which the host serves from
//! its operating system. Nothing is kept between calls, so sandboxes
//! restored from one snapshot never replay each other's values (unlike a
//! generator seeded once, whose state a snapshot would copy).

use rquickjs::{Ctx, Exception, Function, Object, Result, TypedArray};

/// The most bytes one `getRandomValues` call fills, as Web Crypto has it.
const MAX_BYTES: usize = 65_536;

/// Defines the global `crypto`.
pub(super) fn install(ctx: &Ctx<'_>) -> Result<()> {
    let natives = Object::new(ctx.clone())?;
    natives.set("bytes", Function::new(ctx.clone(), bytes)?)?;
    natives.set("uuid", Function::new(ctx.clone(), uuid)?)?;
    natives.set("maxBytes", MAX_BYTES)?;
    super::shim::install(ctx, "web/random.js", include_str!("random.js"), natives)
}

/// `len` (at most [`MAX_BYTES`]) random bytes from the host.
fn fill(ctx: &Ctx<'_>, len: usize) -> Result<Vec<u8>> {
    let mut bytes = vec![0; len.min(MAX_BYTES)];
    getrandom::fill(&mut bytes).map_err(|e| {
        Exception::throw_message(ctx, &format!("crypto: the host gave no entropy ({e})"))
    })?;
    Ok(bytes)
}

/// A new `Uint8Array` of `len` random bytes.
fn bytes(ctx: Ctx<'_>, len: usize) -> Result<TypedArray<'_, u8>> {
    let bytes = fill(&ctx, len)?;
    TypedArray::new(ctx, bytes)
}

/// A random (version 4) UUID in its lowercase text form.
fn uuid(ctx: Ctx<'_>) -> Result<String> {
    let bytes = fill(&ctx, 16)?;
    Ok(format_uuid(bytes.try_into().unwrap_or_default()))
}

/// `bytes` as a version 4, variant 1 UUID: `xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx`
/// with `Y` one of `8`, `9`, `a`, `b`.
fn format_uuid(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut text = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::format_uuid;

    #[test]
    fn version_and_variant_bits_are_set() {
        assert_eq!(
            format_uuid([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(format_uuid([0; 16]), "00000000-0000-4000-8000-000000000000");
    }
}
