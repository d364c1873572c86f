//! `String.bytesFrom(text, "base64url")`: the text that base64 data encodes,
//! as hyperlight-js offers it (handlers use it to read the parts of a JWT).

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use rquickjs::object::Property;
use rquickjs::{Ctx, Exception, Function, Object, Result, Value};

use super::bytes;
use crate::text;

/// The longest base64 text `String.bytesFrom` decodes, in bytes.
const MAX_INPUT: usize = 1 << 20;

/// Adds `String.bytesFrom`.
pub(super) fn install(ctx: &Ctx<'_>) -> Result<()> {
    let string: Object = ctx.globals().get("String")?;
    let bytes_from = Function::new(ctx.clone(), bytes_from)?.with_name("bytesFrom")?;
    string.prop(
        "bytesFrom",
        Property::from(bytes_from).writable().configurable(),
    )
}

/// Decodes `data`, base64 in either alphabet with or without padding, and
/// reads the bytes as UTF-8 (each invalid sequence as U+FFFD).
fn bytes_from<'js>(ctx: Ctx<'js>, data: Value<'js>, encoding: Value<'js>) -> Result<String> {
    let encoding = bytes::name(&ctx, &encoding, "String.bytesFrom: the encoding")?;
    if !matches!(encoding.as_str(), "base64url" | "base64") {
        return Err(Exception::throw_type(
            &ctx,
            &format!("String.bytesFrom: unsupported encoding {encoding:?} (supported: base64url, base64)"),
        ));
    }
    let string = bytes::string(&ctx, &data, "String.bytesFrom: the data")?;
    let read = text::read(&ctx, string, MAX_INPUT);
    if read.full_len > MAX_INPUT {
        return Err(Exception::throw_range(
            &ctx,
            &format!("String.bytesFrom: the data is over {MAX_INPUT} bytes"),
        ));
    }
    let standard: String = read
        .text
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    match STANDARD_NO_PAD.decode(standard) {
        Ok(decoded) => Ok(String::from_utf8_lossy(&decoded).into_owned()),
        Err(e) => Err(Exception::throw_type(
            &ctx,
            &format!("String.bytesFrom: the data is not base64: {e}"),
        )),
    }
}
