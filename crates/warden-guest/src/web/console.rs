//! The `console` namespace, written in `console.js`, which formats the way
//! Node's does; the natives it prints with and looks into objects with are
//! here.
//!
//! A line is cut to [`MAX_PRINT_LINE`] bytes. Its parts are read bounded
//! (see [`text`](crate::text)), so a huge string argument never reaches
//! memory the heap limit does not count, and `console.js` stops rendering a
//! value once the line is past the limit.

use std::rc::Rc;

use rquickjs::function::Rest;
use rquickjs::object::Property;
use rquickjs::{qjs, Array, Ctx, Error, Function, JsLifetime, Object, Persistent, Result, Value};
use warden_abi::{LogLevel, MAX_PRINT_LINE};

use crate::host::Host;
use crate::text::{self, bounded};

/// The methods of `console`, in the order `console.js` defines them; the
/// `console` module exports each by name.
pub(crate) const METHODS: [&str; 19] = [
    "log",
    "debug",
    "info",
    "warn",
    "error",
    "trace",
    "assert",
    "dir",
    "dirxml",
    "table",
    "time",
    "timeLog",
    "timeEnd",
    "count",
    "countReset",
    "group",
    "groupCollapsed",
    "groupEnd",
    "clear",
];

/// The `console` object `console.js` made, kept for the `console` module
/// (a handler may replace the global).
struct Made(Persistent<Object<'static>>);

// SAFETY: a `Persistent` is not tied to the context lifetime.
unsafe impl<'js> JsLifetime<'js> for Made {
    type Changed<'to> = Made;
}

/// Defines `globalThis.console`, writable and configurable, and keeps its
/// methods for [`methods`].
pub(super) fn install<'js>(ctx: &Ctx<'js>, host: &Rc<dyn Host>) -> Result<()> {
    let natives = Object::new(ctx.clone())?;
    let host = host.clone();
    natives.set(
        "print",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, level: u32, indent: u32, cut: bool, parts: Rest<Value<'js>>| {
                let line = line_of(&ctx, indent as usize, cut, parts.0);
                host.print(LogLevel::from_u32(level), &line);
            },
        )?,
    )?;
    let boxes = box_classes(ctx)?;
    natives.set(
        "kind",
        Function::new(ctx.clone(), move |value: Value<'js>| kind(&value, &boxes))?,
    )?;
    natives.set("proxyTarget", Function::new(ctx.clone(), proxy_target)?)?;
    natives.set(
        "promiseState",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, value: Value<'js>| {
            // SAFETY: a live context and value; a class check.
            unsafe { qjs::JS_PromiseState(ctx.as_raw().as_ptr(), value.as_raw()) as i32 }
        })?,
    )?;
    natives.set(
        "promiseResult",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, value: Value<'js>| {
            // SAFETY: a live context and value; the result is a new reference.
            unsafe {
                Value::from_raw(
                    ctx.clone(),
                    qjs::JS_PromiseResult(ctx.as_raw().as_ptr(), value.as_raw()),
                )
            }
        })?,
    )?;
    let levels = Object::new(ctx.clone())?;
    for level in LogLevel::ALL {
        levels.set(level.as_str(), level as u32)?;
    }
    natives.set("levels", levels)?;
    natives.set("limit", MAX_PRINT_LINE as u32)?;
    let console =
        super::shim::evaluate(ctx, "web/console.js", include_str!("console.js"), natives)?;
    let names: Vec<String> = console.keys::<String>().collect::<Result<_>>()?;
    if names != METHODS {
        return Err(Error::new_from_js_message(
            "console.js",
            "console",
            format!("the methods are {names:?}, not those of METHODS"),
        ));
    }
    ctx.globals().prop(
        "console",
        Property::from(console.clone()).writable().configurable(),
    )?;
    ctx.store_userdata(Made(Persistent::save(ctx, console)))
        .map(drop)
        .map_err(|e| Error::new_from_js_message("console", "methods", e.to_string()))
}

/// The `console` object [`install`] made.
pub(crate) fn methods<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let made = ctx
        .userdata::<Made>()
        .ok_or_else(|| Error::new_from_js_message("console", "methods", "not installed"))?;
    made.0.clone().restore(ctx)
}

/// The line `parts` make, each read bounded, every line of it indented by
/// `indent` spaces and cut to [`MAX_PRINT_LINE`] bytes with a note of its
/// full length, or a lower bound of it when rendering was `cut` short.
fn line_of<'js>(ctx: &Ctx<'js>, indent: usize, cut: bool, parts: Vec<Value<'js>>) -> String {
    let mut line = String::new();
    let mut full_len = 0usize;
    for part in parts {
        let room = MAX_PRINT_LINE.saturating_sub(line.len());
        let read = match part.as_string() {
            Some(string) => text::read(ctx, string, room),
            None => text::string_of(ctx, part, room),
        };
        full_len = full_len.saturating_add(read.full_len);
        let mut keep = read.text.len().min(room);
        while !read.text.is_char_boundary(keep) {
            keep -= 1;
        }
        line.push_str(&read.text[..keep]);
    }
    if indent > 0 {
        let added = indent * (1 + line.matches('\n').count());
        line = indented(&line, indent, MAX_PRINT_LINE);
        full_len = full_len.saturating_add(added);
    }
    if cut {
        let note = format!("… [cut from over {full_len} bytes]");
        return text::with_note(line, &note, MAX_PRINT_LINE);
    }
    bounded(line, full_len, MAX_PRINT_LINE)
}

/// `text` with `indent` spaces before each of its lines, made no longer
/// than a little over `limit` bytes.
fn indented(text: &str, indent: usize, limit: usize) -> String {
    let mut out = String::new();
    for (i, piece) in text.split('\n').enumerate() {
        if out.len() > limit {
            break;
        }
        if i > 0 {
            out.push('\n');
        }
        out.extend(std::iter::repeat_n(' ', indent.min(limit + 1)));
        out.push_str(piece);
    }
    out
}

/// The internal classes of the boxed primitives: number, string, boolean,
/// symbol and bigint objects.
fn box_classes<'js>(ctx: &Ctx<'js>) -> Result<[(qjs::JSClassID, &'static str); 5]> {
    let samples: Array =
        ctx.eval("[Object(0), Object(''), Object(false), Object(Symbol()), Object(0n)]")?;
    let class = |i: usize| -> Result<qjs::JSClassID> {
        let sample: Value = samples.get(i)?;
        // SAFETY: a live value; a class lookup.
        Ok(unsafe { qjs::JS_GetClassID(sample.as_raw()) })
    };
    Ok([
        (class(0)?, "number"),
        (class(1)?, "string"),
        (class(2)?, "boolean"),
        (class(3)?, "symbol"),
        (class(4)?, "bigint"),
    ])
}

/// What kind of object `value` is, by its internal class (so no handler
/// code can pretend): `proxy`, `array`, `error`, `map`, `set`, `weakmap`,
/// `weakset`, `date`, `regexp`, `promise`, `arraybuffer`, `typedarray`, a
/// boxed primitive's type, or `""`.
fn kind(value: &Value<'_>, boxes: &[(qjs::JSClassID, &'static str)]) -> &'static str {
    if !value.is_object() {
        return "";
    }
    let raw = value.as_raw();
    // SAFETY: class checks on a live value, which run no JavaScript.
    unsafe {
        let checks: [(unsafe extern "C" fn(qjs::JSValue) -> bool, &'static str); 11] = [
            (qjs::JS_IsProxy, "proxy"),
            (qjs::JS_IsArray, "array"),
            (qjs::JS_IsError, "error"),
            (qjs::JS_IsMap, "map"),
            (qjs::JS_IsSet, "set"),
            (qjs::JS_IsWeakMap, "weakmap"),
            (qjs::JS_IsWeakSet, "weakset"),
            (qjs::JS_IsDate, "date"),
            (qjs::JS_IsRegExp, "regexp"),
            (qjs::JS_IsPromise, "promise"),
            (qjs::JS_IsArrayBuffer, "arraybuffer"),
        ];
        if let Some((_, name)) = checks.iter().find(|(check, _)| check(raw)) {
            return name;
        }
        if qjs::JS_GetTypedArrayType(raw) >= 0 {
            return "typedarray";
        }
        let class = qjs::JS_GetClassID(raw);
        boxes
            .iter()
            .find(|(id, _)| *id == class)
            .map_or("", |(_, name)| name)
    }
}

/// The target of a proxy, null for a revoked one, undefined for what is
/// not a proxy. Runs no trap.
fn proxy_target<'js>(ctx: Ctx<'js>, value: Value<'js>) -> Value<'js> {
    // SAFETY: a class check on a live value.
    if !unsafe { qjs::JS_IsProxy(value.as_raw()) } {
        return Value::new_undefined(ctx);
    }
    // SAFETY: a live context and proxy; the result is a new reference.
    let target = unsafe {
        Value::from_raw(
            ctx.clone(),
            qjs::JS_GetProxyTarget(ctx.as_raw().as_ptr(), value.as_raw()),
        )
    };
    if target.is_exception() {
        let _ = ctx.catch();
        return Value::new_null(ctx);
    }
    target
}
