//! The globals `fetch`, `Headers`, `Request` and `Response` of the WHATWG
//! Fetch standard. The classes are written in `fetch.js`; a request goes
//! to the host as a call of the asynchronous host function
//! [`FETCH_FUNCTION`] of [`FETCH_MODULE`], which serves it only as far as
//! the embedder allows. Whatever the host refuses, and every network
//! error, rejects the handler's promise with a `TypeError`, as browsers
//! do.

use std::rc::Rc;

use rquickjs::function::Opt;
use rquickjs::object::Property;
use rquickjs::{Ctx, Exception, Function, Object, Result, TypedArray, Value};
use warden_abi::{decode_blobs, FETCH_FUNCTION, FETCH_MODULE};

use crate::host::{Host, HostValue};
use crate::host_calls;

/// Defines `fetch`, `Headers`, `Request` and `Response` on the global
/// object, writable and configurable but not enumerable.
pub(super) fn install<'js>(ctx: &Ctx<'js>, host: &Rc<dyn Host>) -> Result<()> {
    let natives = Object::new(ctx.clone())?;
    let host = host.clone();
    let start = Function::new(
        ctx.clone(),
        move |ctx: Ctx<'js>, request: Value<'js>, body: Opt<Value<'js>>| {
            let body = body.0.unwrap_or_else(|| Value::new_null(ctx.clone()));
            host_calls::start(
                &ctx,
                &*host,
                (FETCH_MODULE, FETCH_FUNCTION),
                vec![request, body],
                response,
            )
        },
    )?;
    natives.set("start", start)?;
    super::shim::install(ctx, "web/fetch.js", include_str!("fetch.js"), natives)
}

/// The host's answer to a fetch as an object: the response's parts, with
/// its body as a `Uint8Array`; a refusal or network error is thrown as a
/// `TypeError`.
fn response<'js>(
    ctx: &Ctx<'js>,
    _module: &str,
    _function: &str,
    answer: std::result::Result<HostValue, String>,
) -> Result<Value<'js>> {
    let failed = |reason: &str| Exception::throw_type(ctx, &format!("fetch failed: {reason}"));
    let frame = match answer {
        Ok(HostValue::Bytes(frame)) => frame,
        Ok(HostValue::Json(_)) => return Err(failed("the host answered without a response")),
        Err(reason) => return Err(failed(&reason)),
    };
    let Some([head, body]) =
        decode_blobs(&frame).and_then(|parts| <[&[u8]; 2]>::try_from(parts).ok())
    else {
        return Err(failed("the host's response is malformed"));
    };
    let head = std::str::from_utf8(head)
        .ok()
        .filter(|head| !head.contains('\0'))
        .ok_or_else(|| failed("the host's response head is not text"))?;
    // Parsed, not built, and the body defined rather than set: no setter a
    // handler defined runs.
    let parts: Object = ctx
        .json_parse(head)?
        .into_object()
        .ok_or_else(|| failed("the host's response head is not an object"))?;
    let body = TypedArray::<u8>::new(ctx.clone(), body.to_vec())?;
    parts.prop(
        "body",
        Property::from(body).writable().enumerable().configurable(),
    )?;
    Ok(parts.into_value())
}
