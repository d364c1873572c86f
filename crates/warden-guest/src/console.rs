//! The `console` object: every method formats its arguments and hands the
//! line to the host, cut to [`MAX_PRINT_LINE`] bytes.

use std::rc::Rc;

use rquickjs::function::Rest;
use rquickjs::{Ctx, Exception, Function, Object, Value};
use warden_abi::{LogLevel, MAX_PRINT_LINE};

use crate::errors::string_of;
use crate::host::Host;
use crate::text::bounded;

/// Installs `globalThis.console`.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, host: &Rc<dyn Host>) -> rquickjs::Result<()> {
    let console = Object::new(ctx.clone())?;
    for level in [
        LogLevel::Log,
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Warn,
        LogLevel::Error,
    ] {
        let host = host.clone();
        let method = Function::new(ctx.clone(), move |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
            host.print(level, &bounded(format_args(&ctx, args.0), MAX_PRINT_LINE));
        })?
        .with_name(level.as_str())?;
        console.set(level.as_str(), method)?;
    }
    ctx.globals().set("console", console)
}

/// Joins the arguments with spaces, the way `console.log` prints them.
fn format_args<'js>(ctx: &Ctx<'js>, args: Vec<Value<'js>>) -> String {
    let mut line = String::new();
    for (i, arg) in args.into_iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(&format_value(ctx, arg));
    }
    line
}

/// Strings print as they are, errors as their stack, other objects as JSON
/// when they have a JSON form, everything else as `String(value)`.
fn format_value<'js>(ctx: &Ctx<'js>, value: Value<'js>) -> String {
    if let Some(s) = value.as_string() {
        return s.to_string().unwrap_or_default();
    }
    if let Some(object) = value.as_object().filter(|_| !value.is_function()) {
        if let Some(error) = Exception::from_object(object.clone()) {
            let head = string_of(ctx, value);
            return match error.stack() {
                Some(stack) if !stack.is_empty() => format!("{head}\n{}", stack.trim_end()),
                _ => head,
            };
        }
        match ctx.json_stringify(value.clone()) {
            Ok(Some(json)) => return json.to_string().unwrap_or_default(),
            Ok(None) => {}
            Err(_) => {
                let _ = ctx.catch();
            }
        }
    }
    string_of(ctx, value)
}
