//! The globals `URL` and `URLSearchParams` of the WHATWG URL standard: the
//! classes are written in `url.js`; parsing, resolving, the setters and the
//! form encoding are done here by the `url` crate.
//!
//! A URL lives in the JavaScript heap as the strings of its parts; a setter
//! parses its href again, changes it and returns the new parts. Every string
//! read here is at most [`MAX_INPUT`] bytes, so no more than a bounded copy
//! of it is ever held where the heap limit does not count it.

use ::url::{form_urlencoded, quirks, Url};
use rquickjs::{Array, Ctx, Exception, Function, Object, Result, Value};

use crate::text;

/// The longest string, in UTF-8 bytes, that the functions here read.
const MAX_INPUT: usize = 1 << 20;

/// Defines `URL` and `URLSearchParams` on the global object, writable and
/// configurable but not enumerable, like the standard globals.
pub(super) fn install(ctx: &Ctx<'_>) -> Result<()> {
    let natives = Object::new(ctx.clone())?;
    natives.set("parse", Function::new(ctx.clone(), parse)?)?;
    natives.set("set", Function::new(ctx.clone(), set)?)?;
    natives.set("formParse", Function::new(ctx.clone(), form_parse)?)?;
    natives.set("formEncode", Function::new(ctx.clone(), form_encode)?)?;
    super::shim::install(ctx, "web/url.js", include_str!("url.js"), natives)
}

/// The parts of `input` parsed as a URL, against `base` when given; or,
/// when it is not a valid URL, the message of the `TypeError` to throw.
fn parse<'js>(
    ctx: Ctx<'js>,
    input: rquickjs::String<'js>,
    base: Option<rquickjs::String<'js>>,
) -> Result<Value<'js>> {
    match resolve(&ctx, &input, base.as_ref()) {
        Ok(url) => parts(&ctx, &url).map(Object::into_value),
        Err(reason) => rquickjs::String::from_str(ctx, &format!("Invalid URL: {reason}"))
            .map(rquickjs::String::into_value),
    }
}

/// `input` parsed, against `base` when given, or why it cannot be.
fn resolve<'js>(
    ctx: &Ctx<'js>,
    input: &rquickjs::String<'js>,
    base: Option<&rquickjs::String<'js>>,
) -> std::result::Result<Url, String> {
    let too_long = || format!("the input is over {MAX_INPUT} bytes");
    let input = bounded(ctx, input).ok_or_else(too_long)?;
    let Some(base) = base else {
        return Url::parse(&input).map_err(|e| e.to_string());
    };
    let base = bounded(ctx, base).ok_or_else(|| format!("the base is over {MAX_INPUT} bytes"))?;
    let base = Url::parse(&base).map_err(|e| format!("the base is invalid ({e})"))?;
    base.join(&input).map_err(|e| e.to_string())
}

/// The URL serialized in `href` with `part` (the name of a setter other
/// than `href`) set to `value` as the setter does it (a value the setter
/// cannot use changes nothing); returns the new parts.
fn set<'js>(
    ctx: Ctx<'js>,
    href: rquickjs::String<'js>,
    part: String,
    value: rquickjs::String<'js>,
) -> Result<Object<'js>> {
    let href = bounded_or_throw(&ctx, &href, "URL: the URL")?;
    let value = bounded_or_throw(&ctx, &value, &format!("URL: the new {part}"))?;
    let mut url = Url::parse(&href)
        .map_err(|e| Exception::throw_type(&ctx, &format!("URL: the URL is invalid ({e})")))?;
    // The setters ignore values they cannot use, as the standard has it.
    let _ = match part.as_str() {
        "protocol" => quirks::set_protocol(&mut url, &value),
        "username" => quirks::set_username(&mut url, &value),
        "password" => quirks::set_password(&mut url, &value),
        "host" => quirks::set_host(&mut url, &value),
        "hostname" => quirks::set_hostname(&mut url, &value),
        "port" => quirks::set_port(&mut url, &value),
        "pathname" => {
            quirks::set_pathname(&mut url, &value);
            Ok(())
        }
        "search" => {
            quirks::set_search(&mut url, &value);
            Ok(())
        }
        "hash" => {
            quirks::set_hash(&mut url, &value);
            Ok(())
        }
        _ => {
            return Err(Exception::throw_type(
                &ctx,
                &format!("URL: no setter {part:?}"),
            ))
        }
    };
    parts(&ctx, &url)
}

/// The parts of `url`, as its getters return them, in a new object.
fn parts<'js>(ctx: &Ctx<'js>, url: &Url) -> Result<Object<'js>> {
    let parts = Object::new(ctx.clone())?;
    parts.set("href", quirks::href(url))?;
    parts.set("origin", quirks::origin(url))?;
    parts.set("protocol", quirks::protocol(url))?;
    parts.set("username", quirks::username(url))?;
    parts.set("password", quirks::password(url))?;
    parts.set("host", quirks::host(url))?;
    parts.set("hostname", quirks::hostname(url))?;
    parts.set("port", quirks::port(url))?;
    parts.set("pathname", quirks::pathname(url))?;
    parts.set("search", quirks::search(url))?;
    parts.set("hash", quirks::hash(url))?;
    Ok(parts)
}

/// The name-value pairs of `query` (application/x-www-form-urlencoded,
/// without one leading `?`), as a new array of two-string arrays.
fn form_parse<'js>(ctx: Ctx<'js>, query: rquickjs::String<'js>) -> Result<Array<'js>> {
    let query = bounded_or_throw(&ctx, &query, "URLSearchParams: the query")?;
    let query = query.strip_prefix('?').unwrap_or(&query);
    let list = Array::new(ctx.clone())?;
    for (at, (name, value)) in form_urlencoded::parse(query.as_bytes()).enumerate() {
        let pair = Array::new(ctx.clone())?;
        pair.set(0, name.as_ref())?;
        pair.set(1, value.as_ref())?;
        list.set(at, pair)?;
    }
    Ok(list)
}

/// `value` encoded as a name or value of application/x-www-form-urlencoded
/// data (UTF-8, a space as `+`).
fn form_encode<'js>(ctx: Ctx<'js>, value: rquickjs::String<'js>) -> Result<String> {
    let value = bounded_or_throw(&ctx, &value, "URLSearchParams: a name or value")?;
    Ok(form_urlencoded::byte_serialize(value.as_bytes()).collect())
}

/// `string` as UTF-8 text (a lone surrogate as U+FFFD, as a USVString has
/// it), or `None` when it is over [`MAX_INPUT`] bytes.
fn bounded<'js>(ctx: &Ctx<'js>, string: &rquickjs::String<'js>) -> Option<String> {
    let read = text::read(ctx, string, MAX_INPUT);
    // Within the limit, `read` converts the string whole.
    (read.full_len <= MAX_INPUT).then_some(read.text)
}

/// Like [`bounded`], with a `RangeError` saying that `what` is too long.
fn bounded_or_throw<'js>(
    ctx: &Ctx<'js>,
    string: &rquickjs::String<'js>,
    what: &str,
) -> Result<String> {
    bounded(ctx, string)
        .ok_or_else(|| Exception::throw_range(ctx, &format!("{what} is over {MAX_INPUT} bytes")))
}
