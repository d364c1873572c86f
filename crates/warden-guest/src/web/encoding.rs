//! The globals `TextEncoder` and `TextDecoder` (UTF-8 only), as the WHATWG
//! Encoding standard has them: the classes are in `encoding.js`, the
//! encoding and decoding here.
//!
//! Nothing is copied into memory the heap limit does not count: a string is
//! read through the engine's UTF-8 form (in its heap), decoded text that is
//! not one run of the input is assembled in a buffer from the engine's
//! allocator, and bytes are read in place. Running out of heap is the
//! engine's catchable `InternalError: out of memory`.

use rquickjs::object::Property;
use rquickjs::{qjs, Ctx, Error, Exception, Function, Object, Result, Value};

use super::buffer_source::{self, with_bytes};
use super::utf8::{self, Decoder, Invalid, Piece};
use crate::text::{self, with_utf8};

/// The longest label read to look it up, in bytes; longer ones are unknown.
const MAX_LABEL: usize = 256;

/// The labels of UTF-8 in the Encoding standard.
const UTF8_LABELS: [&str; 6] = [
    "unicode-1-1-utf-8",
    "unicode11utf8",
    "unicode20utf8",
    "utf-8",
    "utf8",
    "x-unicode20utf8",
];

/// The flags `decode` takes, as `encoding.js` passes them.
const FATAL: u32 = 1;
const IGNORE_BOM: u32 = 2;
const STREAM: u32 = 4;

/// Defines `TextEncoder` and `TextDecoder` on the global object.
pub(super) fn install(ctx: &Ctx<'_>) -> Result<()> {
    buffer_source::install(ctx)?;
    let natives = Object::new(ctx.clone())?;
    natives.set("encode", Function::new(ctx.clone(), encode)?)?;
    natives.set("encodeInto", Function::new(ctx.clone(), encode_into)?)?;
    natives.set("decode", Function::new(ctx.clone(), decode)?)?;
    natives.set("label", Function::new(ctx.clone(), label)?)?;
    super::shim::install(ctx, "web/encoding.js", include_str!("encoding.js"), natives)
}

/// The canonical name of the encoding `label` stands for, or a `RangeError`.
/// A label over [`MAX_LABEL`] bytes, even one padded with whitespace, is
/// unknown.
fn label<'js>(ctx: Ctx<'js>, label: rquickjs::String<'js>) -> Result<&'static str> {
    let read = text::read(&ctx, &label, MAX_LABEL);
    if read.full_len > MAX_LABEL {
        return Err(Exception::throw_range(
            &ctx,
            &format!(
                "TextDecoder: the encoding label is over {MAX_LABEL} bytes, so it is not supported"
            ),
        ));
    }
    let name = read
        .text
        .trim_matches(['\t', '\n', '\x0C', '\r', ' '])
        .to_ascii_lowercase();
    if UTF8_LABELS.contains(&name.as_str()) {
        return Ok("utf-8");
    }
    Err(Exception::throw_range(
        &ctx,
        &format!("TextDecoder: the encoding {name:?} is not supported (only utf-8 is)"),
    ))
}

/// `string` as UTF-8 in a new `Uint8Array`.
fn encode<'js>(ctx: Ctx<'js>, string: rquickjs::String<'js>) -> Result<Value<'js>> {
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: a live context; the bytes are copied into the engine's heap.
    let array = with_utf8(&ctx, string.as_raw(), |bytes| unsafe {
        Value::from_raw(
            ctx.clone(),
            qjs::JS_NewUint8ArrayCopy(raw, bytes.as_ptr(), bytes.len() as qjs::size_t),
        )
    })
    .ok_or(Error::Allocation)?;
    if array.is_exception() {
        return Err(Error::Exception);
    }
    let mut len = 0;
    // SAFETY: the array is new, so its bytes are its own, and no JavaScript
    // runs while the slice is alive.
    unsafe {
        let bytes = qjs::JS_GetUint8Array(raw, &mut len, array.as_raw());
        if !bytes.is_null() {
            utf8::replace_surrogates(std::slice::from_raw_parts_mut(bytes, len as usize));
        }
    }
    Ok(array)
}

/// Writes what fits of `string` into `destination`, a `Uint8Array`, and
/// returns `{ read, written }`.
fn encode_into<'js>(
    ctx: Ctx<'js>,
    string: rquickjs::String<'js>,
    destination: Value<'js>,
) -> Result<Object<'js>> {
    // SAFETY: a class check on a live value, which does not throw.
    let kind = unsafe { qjs::JS_GetTypedArrayType(destination.as_raw()) };
    if kind != qjs::JSTypedArrayEnum_JS_TYPED_ARRAY_UINT8 as i32 {
        return Err(Exception::throw_type(
            &ctx,
            "TextEncoder.encodeInto: the destination must be a Uint8Array",
        ));
    }
    let mut len = 0;
    // SAFETY: a live Uint8Array; the pointer is used before any JavaScript
    // runs.
    let out =
        unsafe { qjs::JS_GetUint8Array(ctx.as_raw().as_ptr(), &mut len, destination.as_raw()) };
    let room = match out.is_null() {
        // A detached buffer holds no bytes.
        true => {
            let _ = ctx.catch();
            0
        }
        false => len as usize,
    };
    // Each UTF-16 unit takes at least one byte, so no more than `room` of
    // them are read; a pair cut in two at the end never fits either way.
    let source = match text::unit_len(&ctx, &string) > room {
        true => text::slice(&ctx, &string, 0, room).ok_or(Error::Allocation)?,
        false => string,
    };
    let (read, written) = with_utf8(&ctx, source.as_raw(), |bytes| match out.is_null() {
        true => (0, 0),
        // SAFETY: the destination's bytes, `room` long, live while no
        // JavaScript runs; they are not the engine's UTF-8 form of a string.
        false => utf8::encode_into(bytes, unsafe { std::slice::from_raw_parts_mut(out, room) }),
    })
    .ok_or(Error::Allocation)?;
    let result = Object::new(ctx.clone())?;
    result.prop(
        "read",
        Property::from(read as f64)
            .writable()
            .enumerable()
            .configurable(),
    )?;
    result.prop(
        "written",
        Property::from(written as f64)
            .writable()
            .enumerable()
            .configurable(),
    )?;
    Ok(result)
}

/// Decodes the bytes of `input` with the decoder `state` stands for and the
/// `flags`; returns `{ text, state }`, the text and the decoder after it.
fn decode<'js>(ctx: Ctx<'js>, input: Value<'js>, state: u32, flags: u32) -> Result<Object<'js>> {
    let decoder = Decoder::from_bits(state);
    let (text, after) = with_bytes(&ctx, &input, "TextDecoder.decode", |bytes| {
        decode_bytes(&ctx, decoder, bytes, flags)
    })??;
    let result = Object::new(ctx.clone())?;
    result.prop("text", Property::from(text))?;
    result.prop("state", Property::from(after.bits()))?;
    Ok(result)
}

/// The text of `bytes` and the decoder after them.
fn decode_bytes<'js>(
    ctx: &Ctx<'js>,
    decoder: Decoder,
    bytes: &[u8],
    flags: u32,
) -> Result<(rquickjs::String<'js>, Decoder)> {
    let (stream, fatal, keep_bom) = (
        flags & STREAM != 0,
        flags & FATAL != 0,
        flags & IGNORE_BOM != 0,
    );
    let invalid =
        |Invalid| Exception::throw_type(ctx, "TextDecoder.decode: the data is not valid utf-8");
    let (mut len, mut pieces, mut only) = (0usize, 0usize, None);
    let mut measured = decoder;
    measured
        .decode(bytes, stream, fatal, keep_bom, &mut |piece| {
            len += piece.bytes(&mut [0; 4]).len();
            pieces += 1;
            only = Some(piece);
        })
        .map_err(invalid)?;
    let text = match only {
        None => rquickjs::String::from_str(ctx.clone(), "")?,
        Some(Piece::Text(text)) if pieces == 1 => rquickjs::String::from_str(ctx.clone(), text)?,
        Some(_) => assemble(ctx, len, |buf| {
            let mut at = 0;
            let mut again = decoder;
            // The same input decodes the same way a second time.
            let _ = again.decode(bytes, stream, fatal, keep_bom, &mut |piece| {
                let mut char = [0; 4];
                let piece = piece.bytes(&mut char);
                buf[at..at + piece.len()].copy_from_slice(piece);
                at += piece.len();
            });
        })?,
    };
    Ok((text, measured))
}

/// A string of `len` bytes of UTF-8 that `fill` writes, assembled in the
/// engine's heap.
fn assemble<'js>(
    ctx: &Ctx<'js>,
    len: usize,
    fill: impl FnOnce(&mut [u8]),
) -> Result<rquickjs::String<'js>> {
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: a live context; a null result has thrown out of memory.
    let buf = unsafe { qjs::js_malloc(raw, len as qjs::size_t) }.cast::<u8>();
    if buf.is_null() {
        return Err(Error::Exception);
    }
    // SAFETY: `buf` is `len` writable bytes, zeroed first so they are
    // initialised.
    let bytes = unsafe {
        buf.write_bytes(0, len);
        std::slice::from_raw_parts_mut(buf, len)
    };
    fill(bytes);
    // SAFETY: `buf` holds `len` bytes of UTF-8; it is freed once, after the
    // engine copied it.
    let value = unsafe {
        let value = qjs::JS_NewStringLen(raw, buf.cast(), len as qjs::size_t);
        qjs::js_free(raw, buf.cast());
        Value::from_raw(ctx.clone(), value)
    };
    if value.is_exception() {
        return Err(Error::Exception);
    }
    value.into_string().ok_or(Error::Exception)
}
