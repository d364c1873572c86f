//! Reading a Web IDL `BufferSource` in place: the bytes of an
//! `ArrayBuffer`, a `SharedArrayBuffer`, a typed array or a `DataView`,
//! without copying them and without running anything a handler could have
//! changed.

use rquickjs::function::This;
use rquickjs::{
    qjs, Ctx, Error, Exception, Function, JsLifetime, Object, Persistent, Result, Value,
};

/// The original getters of `DataView.prototype`, kept in the context's
/// user data: a `DataView`'s bytes have no C API.
struct ViewGetters {
    buffer: Persistent<Function<'static>>,
    offset: Persistent<Function<'static>>,
    length: Persistent<Function<'static>>,
}

// SAFETY: a `Persistent` is not tied to the context lifetime.
unsafe impl<'js> JsLifetime<'js> for ViewGetters {
    type Changed<'to> = ViewGetters;
}

/// Keeps the original `DataView.prototype` getters; must run before any
/// handler code. Running it again keeps the first ones.
pub(super) fn install(ctx: &Ctx<'_>) -> Result<()> {
    if ctx.userdata::<ViewGetters>().is_some() {
        return Ok(());
    }
    let view: Object = ctx
        .globals()
        .get::<_, Object>("DataView")?
        .get("prototype")?;
    let getter = |name: &str| -> Result<Persistent<Function<'static>>> {
        let descriptor = view_descriptor(ctx, &view, name)?;
        let get: Function = descriptor.get("get")?;
        Ok(Persistent::save(ctx, get))
    };
    let getters = ViewGetters {
        buffer: getter("buffer")?,
        offset: getter("byteOffset")?,
        length: getter("byteLength")?,
    };
    ctx.store_userdata(getters)
        .map_err(|e| Error::new_from_js_message("buffer source", "getters", e.to_string()))?;
    Ok(())
}

/// `Object.getOwnPropertyDescriptor(view, name)`, while nothing has changed.
fn view_descriptor<'js>(ctx: &Ctx<'js>, view: &Object<'js>, name: &str) -> Result<Object<'js>> {
    let object: Object = ctx.globals().get("Object")?;
    let describe: Function = object.get("getOwnPropertyDescriptor")?;
    describe.call((view.clone(), name))
}

/// Runs `f` on the bytes `input` holds: an `ArrayBuffer`, a
/// `SharedArrayBuffer`, a typed array or a `DataView` (none when it is
/// detached), or undefined (none). Anything else is a `TypeError` that
/// `what` (the member reading it) starts.
pub(super) fn with_bytes<'js, R>(
    ctx: &Ctx<'js>,
    input: &Value<'js>,
    what: &str,
    f: impl FnOnce(&[u8]) -> R,
) -> Result<R> {
    if input.is_undefined() {
        return Ok(f(&[]));
    }
    let raw = input.as_raw();
    // SAFETY: class checks on a live value; none of them throws.
    let (is_buffer, is_array, is_view) = unsafe {
        (
            qjs::JS_IsArrayBuffer(raw),
            qjs::JS_GetTypedArrayType(raw) >= 0,
            qjs::JS_IsDataView(raw),
        )
    };
    let (buffer, range) = if is_array {
        let (mut offset, mut len) = (0, 0);
        // SAFETY: a live typed array; the buffer returned is owned.
        let buffer = unsafe {
            let buffer = qjs::JS_GetTypedArrayBuffer(
                ctx.as_raw().as_ptr(),
                raw,
                &mut offset,
                &mut len,
                std::ptr::null_mut(),
            );
            Value::from_raw(ctx.clone(), buffer)
        };
        if buffer.is_exception() {
            // Detached, or out of its resized buffer's bounds: no bytes.
            let _ = ctx.catch();
            return Ok(f(&[]));
        }
        (buffer, Some((offset as usize, len as usize)))
    } else if is_view {
        let getters = ctx
            .userdata::<ViewGetters>()
            .ok_or_else(|| Error::new_from_js("encoding", "getters"))?;
        let buffer: Value = getters
            .buffer
            .clone()
            .restore(ctx)?
            .call((This(input.clone()),))?;
        if buffer_bytes(ctx, &buffer).is_none() {
            return Ok(f(&[]));
        }
        let offset: usize = getters
            .offset
            .clone()
            .restore(ctx)?
            .call((This(input.clone()),))?;
        let len: usize = getters
            .length
            .clone()
            .restore(ctx)?
            .call((This(input.clone()),))?;
        (buffer, Some((offset, len)))
    } else {
        (input.clone(), None)
    };
    let Some(bytes) = buffer_bytes(ctx, &buffer) else {
        if is_buffer || is_array || is_view {
            return Ok(f(&[]));
        }
        return Err(Exception::throw_type(
            ctx,
            &format!("{what}: the input must be an ArrayBuffer, a SharedArrayBuffer, a typed array or a DataView"),
        ));
    };
    let (offset, len) = range.unwrap_or((0, bytes.len()));
    match offset
        .checked_add(len)
        .and_then(|end| bytes.get(offset..end))
    {
        Some(bytes) => Ok(f(bytes)),
        None => Err(Exception::throw_range(
            ctx,
            &format!("{what}: the view reaches past the end of its buffer"),
        )),
    }
}

/// A copy of the bytes `value` holds when it is an `ArrayBuffer`, a
/// `SharedArrayBuffer`, a typed array or a `DataView`; `None` for any other
/// value.
pub(crate) fn copy_if_buffer_source<'js>(
    ctx: &Ctx<'js>,
    value: &Value<'js>,
) -> Result<Option<Vec<u8>>> {
    let raw = value.as_raw();
    // SAFETY: class checks on a live value; none of them throws.
    let is_source = unsafe {
        qjs::JS_IsArrayBuffer(raw) || qjs::JS_GetTypedArrayType(raw) >= 0 || qjs::JS_IsDataView(raw)
    } || (value.is_object() && buffer_bytes(ctx, value).is_some());
    if !is_source {
        return Ok(None);
    }
    with_bytes(ctx, value, "a host function argument", <[u8]>::to_vec).map(Some)
}

/// The bytes of an `ArrayBuffer` or `SharedArrayBuffer`; `None` for a
/// detached buffer or any other value. They are valid until JavaScript
/// next runs.
fn buffer_bytes<'a>(ctx: &Ctx<'_>, buffer: &'a Value<'_>) -> Option<&'a [u8]> {
    let mut len = 0;
    // SAFETY: a live context and value; a null result has thrown, which is
    // caught.
    let data = unsafe { qjs::JS_GetArrayBuffer(ctx.as_raw().as_ptr(), &mut len, buffer.as_raw()) };
    if data.is_null() {
        let _ = ctx.catch();
        return None;
    }
    // SAFETY: the buffer's `len` bytes, alive as long as `buffer` is and no
    // JavaScript runs.
    Some(unsafe { std::slice::from_raw_parts(data, len as usize) })
}
