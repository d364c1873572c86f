//! The `console` object: every method formats its arguments and hands the
//! line to the host, cut to [`MAX_PRINT_LINE`] bytes. Arguments are read
//! bounded (see [`text`](crate::text)), so a huge one never reaches memory
//! the heap limit does not count.

use std::rc::Rc;

use rquickjs::function::Rest;
use rquickjs::{Ctx, Exception, Function, Object, Value};
use warden_abi::{LogLevel, MAX_PRINT_LINE};

use crate::host::Host;
use crate::text::{self, bounded, string_of, Read};

/// Installs `globalThis.console`.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, host: &Rc<dyn Host>) -> rquickjs::Result<()> {
    let console = Object::new(ctx.clone())?;
    // Each level is a method of `console`.
    for level in LogLevel::ALL {
        console.set(level.as_str(), method(ctx, host, level)?)?;
    }
    ctx.globals().set("console", console)
}

/// The console method of `level`: it formats its arguments and hands the
/// line to the host.
pub(crate) fn method<'js>(
    ctx: &Ctx<'js>,
    host: &Rc<dyn Host>,
    level: LogLevel,
) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    Function::new(ctx.clone(), move |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
        host.print(level, &format_args(&ctx, args.0));
    })?
    .with_name(level.as_str())
}

/// Joins the arguments with spaces, the way `console.log` prints them, cut
/// to [`MAX_PRINT_LINE`] bytes with a note of the whole line's length.
fn format_args<'js>(ctx: &Ctx<'js>, args: Vec<Value<'js>>) -> String {
    let mut line = String::new();
    let mut full_len = 0usize;
    for (i, arg) in args.into_iter().enumerate() {
        if i > 0 {
            full_len += 1;
            if line.len() < MAX_PRINT_LINE {
                line.push(' ');
            }
        }
        let room = MAX_PRINT_LINE.saturating_sub(line.len());
        let read = format_value(ctx, arg, room);
        full_len = full_len.saturating_add(read.full_len);
        let mut keep = read.text.len().min(room);
        while !read.text.is_char_boundary(keep) {
            keep -= 1;
        }
        line.push_str(&read.text[..keep]);
    }
    bounded(line, full_len, MAX_PRINT_LINE)
}

/// Strings print as they are, errors as their stack, other objects as JSON
/// when they have a JSON form, everything else as `String(value)`; each
/// read with at least `room` bytes of text kept.
fn format_value<'js>(ctx: &Ctx<'js>, value: Value<'js>, room: usize) -> Read {
    if let Some(s) = value.as_string() {
        return text::read(ctx, s, room);
    }
    if let Some(object) = value.as_object().filter(|_| !value.is_function()) {
        if let Some(error) = Exception::from_object(object.clone()) {
            let head = string_of(ctx, value, room);
            let stack = error
                .get::<_, Option<rquickjs::String>>("stack")
                .ok()
                .flatten()
                .map(|stack| text::read(ctx, &stack, room.saturating_sub(head.text.len())));
            let _ = ctx.catch();
            return match stack {
                Some(stack) if stack.full_len > 0 => Read {
                    text: format!("{}\n{}", head.text, stack.text.trim_end()),
                    full_len: head.full_len + 1 + stack.full_len,
                },
                _ => head,
            };
        }
        match ctx.json_stringify(value.clone()) {
            Ok(Some(json)) => return text::read(ctx, &json, room),
            Ok(None) => {}
            Err(_) => {
                let _ = ctx.catch();
            }
        }
    }
    string_of(ctx, value, room)
}
