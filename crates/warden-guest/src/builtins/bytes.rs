//! Data handed to the built-ins: text or binary data, kept in the JavaScript
//! heap and read back without copying it into memory the heap limit does not
//! count.
//!
//! A string is kept as it is (strings never change) and read as UTF-8, with
//! each lone surrogate as U+FFFD, as Node.js encodes it. The bytes of an
//! `ArrayBuffer`, a typed array or a `DataView` are copied into a new
//! `ArrayBuffer` when they are handed over, so later changes to them change
//! nothing.

use rquickjs::function::Opt;
use rquickjs::{qjs, ArrayBuffer, Ctx, Error, Exception, Object, Result, Value};

use super::type_of;
use crate::text;

/// The longest name of an algorithm or an encoding read to look it up;
/// longer names are unknown.
const MAX_NAME: usize = 64;

/// The lowercased name a string value holds, or a `TypeError` saying that
/// `what` must be a string. Names longer than [`MAX_NAME`] come back cut,
/// with a note of their length, so they match nothing.
pub(super) fn name<'js>(ctx: &Ctx<'js>, value: &Value<'js>, what: &str) -> Result<String> {
    let string = string(ctx, value, what)?;
    Ok(text::read(ctx, string, MAX_NAME)
        .within(MAX_NAME)
        .to_ascii_lowercase())
}

/// The string `value` holds, or a `TypeError` saying that `what` must be
/// a string.
pub(super) fn string<'a, 'js>(
    ctx: &Ctx<'js>,
    value: &'a Value<'js>,
    what: &str,
) -> Result<&'a rquickjs::String<'js>> {
    value.as_string().ok_or_else(|| {
        Exception::throw_type(
            ctx,
            &format!("{what} must be a string, not {}", type_of(value)),
        )
    })
}

/// What `role` (`"data"`, `"key"`) keeps of `value`: a string itself, the
/// bytes of a buffer or view in a new `ArrayBuffer`. A string with an
/// `encoding` other than UTF-8 (undefined and null stand for it), or any
/// other value, is a `TypeError`.
pub(super) fn chunk<'js>(
    ctx: Ctx<'js>,
    value: Value<'js>,
    role: String,
    encoding: Opt<Value<'js>>,
) -> Result<Value<'js>> {
    if value.is_string() {
        if let Some(encoding) = encoding.0.filter(|e| !e.is_undefined() && !e.is_null()) {
            let encoding = name(&ctx, &encoding, "crypto: the input encoding")?;
            if !matches!(encoding.as_str(), "utf8" | "utf-8") {
                return Err(Exception::throw_type(
                    &ctx,
                    &format!(
                        "crypto: unsupported input encoding {encoding:?} (text is read as utf8)"
                    ),
                ));
            }
        }
        return Ok(value);
    }
    if let Some(object) = value.as_object() {
        if let Some(copy) = copy_of(&ctx, object)? {
            return Ok(copy.into_value());
        }
    }
    Err(Exception::throw_type(
        &ctx,
        &format!(
            "crypto: the {role} must be a string, an ArrayBuffer, a typed array or a DataView, not {}",
            type_of(&value)
        ),
    ))
}

/// A copy of the bytes of an `ArrayBuffer`, a typed array or a `DataView`;
/// `None` for any other object.
fn copy_of<'js>(ctx: &Ctx<'js>, object: &Object<'js>) -> Result<Option<ArrayBuffer<'js>>> {
    let raw = object.as_raw();
    // SAFETY: class checks on a live value; none of them throws.
    let (is_buffer, is_view) = unsafe {
        (
            qjs::JS_IsArrayBuffer(raw),
            qjs::JS_GetTypedArrayType(raw) >= 0 || qjs::JS_IsDataView(raw),
        )
    };
    let (buffer, range) = if is_buffer {
        (object.clone(), None)
    } else if is_view {
        let offset: usize = object.get("byteOffset")?;
        let len: usize = object.get("byteLength")?;
        (object.get("buffer")?, Some((offset, len)))
    } else {
        return Ok(None);
    };
    // A detached buffer leaves the engine's `TypeError` pending.
    let buffer = ArrayBuffer::from_object(buffer).ok_or(Error::Exception)?;
    // SAFETY: no JavaScript runs while the slice is alive: it is copied at
    // once.
    let bytes = unsafe { buffer.as_bytes() }.ok_or(Error::Exception)?;
    let (offset, len) = range.unwrap_or((0, bytes.len()));
    match offset
        .checked_add(len)
        .and_then(|end| bytes.get(offset..end))
    {
        Some(bytes) => ArrayBuffer::new_copy(ctx.clone(), bytes).map(Some),
        None => Err(Exception::throw_range(
            ctx,
            "crypto: the view reaches past the end of its buffer",
        )),
    }
}

/// Hands `sink` the bytes of a value [`chunk`] kept, in order.
pub(super) fn pieces<'js>(
    ctx: &Ctx<'js>,
    chunk: &Value<'js>,
    sink: &mut dyn FnMut(&[u8]),
) -> Result<()> {
    if let Some(string) = chunk.as_string() {
        return text::with_utf8(ctx, string.as_raw(), |bytes| utf8_pieces(bytes, sink))
            .ok_or(Error::Allocation);
    }
    // SAFETY: a class check on a live value, which does not throw.
    let is_buffer = |object: &Object<'js>| unsafe { qjs::JS_IsArrayBuffer(object.as_raw()) };
    let buffer = chunk
        .as_object()
        .filter(|object| is_buffer(object))
        .and_then(|object| ArrayBuffer::from_object(object.clone()));
    match buffer.as_ref().and_then(|buffer| {
        // SAFETY: no JavaScript runs while the slice is alive, so nothing
        // can detach or resize the buffer under it.
        unsafe { buffer.as_bytes() }
    }) {
        Some(bytes) => {
            sink(bytes);
            Ok(())
        }
        None => Err(Exception::throw_type(
            ctx,
            "crypto: a kept chunk is not data",
        )),
    }
}

/// Hands `sink` the engine's UTF-8 form of a string, each lone surrogate
/// (`ED A0..BF xx`) replaced by U+FFFD, which is as long.
fn utf8_pieces(bytes: &[u8], sink: &mut dyn FnMut(&[u8])) {
    const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();
    let (mut start, mut at) = (0, 0);
    while let Some(offset) = bytes[at..].iter().position(|&b| b == 0xED) {
        let found = at + offset;
        if text::is_surrogate(bytes, found, 0xA0..=0xBF) {
            sink(&bytes[start..found]);
            sink(REPLACEMENT);
            start = (found + 3).min(bytes.len());
            at = start;
        } else {
            at = found + 1;
        }
    }
    sink(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::utf8_pieces;

    /// The pieces of `bytes`, joined.
    fn joined(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        utf8_pieces(bytes, &mut |piece| out.extend_from_slice(piece));
        out
    }

    #[test]
    fn lone_surrogates_become_replacement_characters_and_the_rest_is_kept() {
        // "a", a lone high and a lone low surrogate, "é", "😀", "z".
        let engine = b"a\xED\xA0\x80\xED\xB0\x80\xC3\xA9\xF0\x9F\x98\x80z";
        assert_eq!(joined(engine), "a\u{FFFD}\u{FFFD}é😀z".as_bytes());
        // U+D7FF (ED 9F BF), just below the surrogates, is kept.
        assert_eq!(joined(b"\xED\x9F\xBFx"), b"\xED\x9F\xBFx");
        assert_eq!(joined(b""), b"");
    }
}
