//! Reading JavaScript strings for the host, bounded and faithful.
//!
//! A JavaScript string can be far larger than what the runtime hands the
//! host (a console line, an error field, a result), and converting it whole
//! would copy it into memory the heap limit does not count. So a string is
//! read through a slice of at most as many UTF-16 units as the limit has
//! bytes, and its full length in bytes is counted slice by slice, without
//! ever holding more than one slice. Lone surrogates, which have no UTF-8
//! form, become U+FFFD, one per surrogate.
//!
//! Slices are cut with the original `String.prototype.slice`, kept when the
//! runtime starts, so a handler that replaces it changes nothing here.

use rquickjs::function::This;
use rquickjs::{qjs, Coerced, Ctx, FromJs, Function, JsLifetime, Persistent, Value};

/// The UTF-16 units converted at a time while a string's length is counted.
const CHUNK_UNITS: usize = 64 * 1024;

/// The original `String.prototype.slice`, kept in the context's user data.
pub(crate) struct TextReader {
    slice: Persistent<Function<'static>>,
}

// SAFETY: a `Persistent` is not tied to the context lifetime.
unsafe impl<'js> JsLifetime<'js> for TextReader {
    type Changed<'to> = TextReader;
}

impl TextReader {
    /// Keeps `String.prototype.slice`. Must run before any handler code.
    pub(crate) fn install(ctx: &Ctx<'_>) -> rquickjs::Result<()> {
        let string: rquickjs::Object = ctx.globals().get("String")?;
        let prototype: rquickjs::Object = string.get("prototype")?;
        let slice: Function = prototype.get("slice")?;
        let reader = TextReader {
            slice: Persistent::save(ctx, slice),
        };
        ctx.store_userdata(reader)
            .map(drop)
            .map_err(|e| rquickjs::Error::new_from_js_message("text", "reader", e.to_string()))
    }
}

/// A string read for the host: its text (perhaps only a prefix) and its full
/// length in UTF-8 bytes.
pub(crate) struct Read {
    pub(crate) text: String,
    pub(crate) full_len: usize,
}

impl Read {
    /// The text, cut to `limit` bytes with the note of [`bounded`] when it
    /// is not whole or is longer than that.
    pub(crate) fn within(self, limit: usize) -> String {
        if self.full_len <= limit && self.text.len() == self.full_len {
            return self.text;
        }
        bounded(self.text, self.full_len, limit)
    }
}

/// Reads at least the first `limit` bytes of `string` (when it has them),
/// and its full length. Never converts more than `limit` UTF-16 units at
/// once.
pub(crate) fn read<'js>(ctx: &Ctx<'js>, string: &rquickjs::String<'js>, limit: usize) -> Read {
    let units = unit_len(ctx, string);
    if units <= limit.max(1) {
        // Each lone surrogate takes three bytes either way, as itself or as
        // U+FFFD, so the text's length is the string's.
        let text = with_utf8(ctx, string.as_raw(), lossy).unwrap_or_default();
        let full_len = text.len();
        return Read { text, full_len };
    }
    let text = slice(ctx, string, 0, limit)
        .and_then(|prefix| with_utf8(ctx, prefix.as_raw(), lossy))
        .unwrap_or_default();
    Read {
        text,
        full_len: utf8_len(ctx, string),
    }
}

/// `String(value)` read with [`read`], or a placeholder when that throws.
pub(crate) fn string_of<'js>(ctx: &Ctx<'js>, value: Value<'js>, limit: usize) -> Read {
    match Coerced::<rquickjs::String>::from_js(ctx, value) {
        Ok(Coerced(string)) => read(ctx, &string, limit),
        Err(_) => {
            let _ = ctx.catch();
            let text = String::from("<value without a string form>");
            Read {
                full_len: text.len(),
                text,
            }
        }
    }
}

/// `string` as UTF-8 text of at most `limit` bytes, or its length in bytes
/// when it is longer.
pub(crate) fn whole_within<'js>(
    ctx: &Ctx<'js>,
    string: &rquickjs::String<'js>,
    limit: usize,
) -> Result<String, usize> {
    if unit_len(ctx, string) > limit {
        return Err(utf8_len(ctx, string));
    }
    match with_utf8(ctx, string.as_raw(), |bytes| {
        if bytes.len() > limit {
            Err(bytes.len())
        } else {
            Ok(lossy(bytes))
        }
    }) {
        Some(result) => result,
        // The engine could not convert it: report it as too large rather
        // than lose it silently.
        None => Err(usize::MAX),
    }
}

/// The length of `string` in UTF-8 bytes, counted a slice at a time.
pub(crate) fn utf8_len<'js>(ctx: &Ctx<'js>, string: &rquickjs::String<'js>) -> usize {
    let units = unit_len(ctx, string);
    let mut total = 0usize;
    let mut start = 0;
    let mut split_pair = false;
    while start < units {
        let end = (start + CHUNK_UNITS).min(units);
        let Some(chunk) = slice(ctx, string, start, end) else {
            // Out of memory while counting: what was counted is a bound.
            return total.saturating_add(units - start);
        };
        let (len, starts_low, ends_high) = with_utf8(ctx, chunk.as_raw(), |bytes| {
            (
                bytes.len(),
                is_surrogate(bytes, 0, 0xB0..=0xBF),
                bytes.len() >= 3 && is_surrogate(bytes, bytes.len() - 3, 0xA0..=0xAF),
            )
        })
        .unwrap_or((end - start, false, false));
        total += len;
        // A pair cut in two by the chunk boundary is one 4-byte character,
        // not two 3-byte halves.
        if split_pair && starts_low {
            total -= 2;
        }
        split_pair = ends_high;
        start = end;
    }
    total
}

/// `text`, `full_len` bytes long in full, cut to at most `limit` bytes at a
/// character boundary and ending with `… [cut from N bytes]` (N being
/// `full_len`); unchanged when it is whole and fits. A `limit` shorter than
/// the note gives the note alone.
pub(crate) fn bounded(text: String, full_len: usize, limit: usize) -> String {
    if text.len() <= limit && full_len <= limit {
        return text;
    }
    with_note(text, &format!("… [cut from {full_len} bytes]"), limit)
}

/// `text` cut to at most `limit` bytes at a character boundary and ending
/// with `note`; the note alone when `limit` is shorter than it.
pub(crate) fn with_note(mut text: String, note: &str, limit: usize) -> String {
    let mut keep = limit.saturating_sub(note.len()).min(text.len());
    while !text.is_char_boundary(keep) {
        keep -= 1;
    }
    text.truncate(keep);
    text.push_str(note);
    text
}

/// The length of `string` in UTF-16 units. `length` is an own property of
/// every string value, which no handler can redefine.
pub(crate) fn unit_len<'js>(ctx: &Ctx<'js>, string: &rquickjs::String<'js>) -> usize {
    // SAFETY: a live context and string; the returned value is freed.
    unsafe {
        let length =
            qjs::JS_GetPropertyStr(ctx.as_raw().as_ptr(), string.as_raw(), c"length".as_ptr());
        let mut units = 0f64;
        qjs::JS_ToFloat64(ctx.as_raw().as_ptr(), &mut units, length);
        qjs::JS_FreeValue(ctx.as_raw().as_ptr(), length);
        units as usize
    }
}

/// `string.slice(start, end)` with the original method.
pub(crate) fn slice<'js>(
    ctx: &Ctx<'js>,
    string: &rquickjs::String<'js>,
    start: usize,
    end: usize,
) -> Option<rquickjs::String<'js>> {
    let reader = ctx.userdata::<TextReader>()?;
    let slice = reader.slice.clone().restore(ctx).ok()?;
    let sliced: rquickjs::Result<Value> =
        slice.call((This(string.clone()), start as f64, end as f64));
    match sliced {
        Ok(value) => value.into_string(),
        Err(_) => {
            let _ = ctx.catch();
            None
        }
    }
}

/// Runs `f` on the UTF-8 form of a string value (with lone surrogates in
/// their 3-byte form), or returns `None` when the engine cannot make it
/// (out of memory). The bytes live in the engine's heap, which counts them.
pub(crate) fn with_utf8<R>(
    ctx: &Ctx<'_>,
    value: qjs::JSValue,
    f: impl FnOnce(&[u8]) -> R,
) -> Option<R> {
    let raw = ctx.as_raw().as_ptr();
    let mut len = std::mem::MaybeUninit::uninit();
    // SAFETY: a live context and value; the C string is freed below.
    let ptr = unsafe { qjs::JS_ToCStringLen(raw, len.as_mut_ptr(), value) };
    if ptr.is_null() {
        let _ = ctx.catch();
        return None;
    }
    // SAFETY: QuickJS set `len` and returned that many readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len.assume_init()) };
    let result = f(bytes);
    // SAFETY: `ptr` came from JS_ToCStringLen on this context.
    unsafe { qjs::JS_FreeCString(raw, ptr) };
    Some(result)
}

/// Whether `bytes[at..at + 3]` encodes a surrogate whose second byte is in
/// `second` (`A0..=AF` high, `B0..=BF` low).
pub(crate) fn is_surrogate(bytes: &[u8], at: usize, second: std::ops::RangeInclusive<u8>) -> bool {
    bytes.get(at) == Some(&0xED) && bytes.get(at + 1).is_some_and(|b| second.contains(b))
}

/// UTF-8 text from the engine's bytes: each lone surrogate (three bytes
/// `ED A0..BF xx`) and any other invalid sequence becomes one U+FFFD.
pub(crate) fn lossy(mut bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                text.push_str(valid);
                return text;
            }
            Err(error) => {
                let (valid, rest) = bytes.split_at(error.valid_up_to());
                // SAFETY: `valid_up_to` bytes are valid UTF-8.
                text.push_str(unsafe { std::str::from_utf8_unchecked(valid) });
                text.push(char::REPLACEMENT_CHARACTER);
                let skip = if is_surrogate(rest, 0, 0xA0..=0xBF) && rest.len() >= 3 {
                    3
                } else {
                    error.error_len().unwrap_or(rest.len())
                };
                bytes = &rest[skip..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{bounded, lossy};

    #[test]
    fn text_that_fits_is_unchanged() {
        let text = "é".repeat(500);
        assert_eq!(bounded(text.clone(), text.len(), 1000), text);
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        let long = format!("x{}", "é".repeat(1000));
        let cut = bounded(long.clone(), long.len(), 1000);
        assert!(cut.len() <= 1000 && cut.len() > 1000 - 32, "{}", cut.len());
        let (kept, note) = cut.split_once('…').unwrap();
        assert!(long.starts_with(kept));
        assert_eq!(note, " [cut from 2001 bytes]");
    }

    #[test]
    fn a_prefix_is_noted_with_the_full_length() {
        let cut = bounded("abc".repeat(100), 5_000_000, 100);
        assert!(cut.ends_with("… [cut from 5000000 bytes]") && cut.len() <= 100);
    }

    #[test]
    fn lone_surrogates_become_one_replacement_character_each() {
        // "a", a lone high surrogate, "b", a lone low surrogate, then an
        // unrelated invalid byte.
        let bytes = b"a\xED\xA0\x80b\xED\xB0\x80\xFFz";
        assert_eq!(lossy(bytes), "a\u{FFFD}b\u{FFFD}\u{FFFD}z");
        assert_eq!(lossy("ok é 😀".as_bytes()), "ok é 😀");
    }
}
