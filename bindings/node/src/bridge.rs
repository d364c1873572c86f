//! [`Bridge`]: delivers a sandbox's messages in JavaScript.

use std::cell::RefCell;
use std::rc::Rc;

use napi::bindgen_prelude::{Either, JsValue, Uint8Array, Unknown};
use napi::Env;

use crate::code::ErrorCode;
use crate::errors;
use crate::helpers;
use crate::host::HostRequest;
use crate::js::{self, FnRef};
use crate::lane::Deliver;
use crate::promise::Deferred;
use crate::reply::Reply;

/// Where a sandbox's console lines go.
pub(crate) enum Printer {
    /// The builder's `print` callback: `callback(level, line)`.
    Lines(FnRef),
    /// A host print function (`setHostPrintFn`): `callback(line + "\n")`,
    /// whatever the level.
    Host(FnRef),
}

impl Printer {
    /// Hands one line to the callback; a callback that throws loses that
    /// line, nothing more.
    fn print(&self, env: &Env, level: warden::LogLevel, line: String) -> napi::Result<()> {
        let _ = match self {
            Printer::Lines(callback) => {
                let args = [js::value(env, level.as_str())?, js::value(env, line)?];
                js::call(env, callback, &args)
            }
            Printer::Host(callback) => js::call(env, callback, &[js::value(env, line + "\n")?]),
        };
        Ok(())
    }
}

/// The JavaScript side of one sandbox: its print callback and host
/// functions.
pub(crate) struct Bridge {
    /// Where console lines go, if anywhere.
    pub(crate) print: Option<Printer>,
    /// The host functions, by index.
    pub(crate) functions: Rc<RefCell<Vec<FnRef>>>,
}

impl Deliver for Bridge {
    fn print(&self, env: &Env, level: warden::LogLevel, line: String) {
        if let Some(printer) = &self.print {
            // A line that cannot be made a JavaScript string is lost.
            let _ = printer.print(env, level, line);
        }
    }

    fn host_call(&self, env: &Env, request: HostRequest) {
        let HostRequest {
            function,
            args,
            answer,
        } = request;
        let fail = |message: String| answer.send(Err(message));
        let functions = self.functions.borrow();
        let Some(target) = functions.get(function) else {
            return fail("unknown host function".into());
        };
        let target = match target.borrow_back(env) {
            Ok(target) => target.raw(),
            Err(e) => return fail(e.to_string()),
        };
        let reply = answer.clone();
        let settle =
            env.create_function_from_closure::<Unknown<'static>, (), _>("settle", move |ctx| {
                let ok: bool = ctx.get(0)?;
                let payload: Either<String, Uint8Array> = ctx.get(1)?;
                let answer = match (ok, payload) {
                    (true, Either::A(json)) => Ok(warden::HostValue::Json(json)),
                    (true, Either::B(bytes)) => Ok(warden::HostValue::Bytes(bytes.to_vec())),
                    (false, Either::A(message)) => Err(message),
                    (false, Either::B(_)) => Err("the host function failed".to_owned()),
                };
                // The sandbox may have stopped waiting (a killed call): then
                // the answer is dropped.
                reply.send(answer);
                Ok(())
            });
        let outcome = helpers::with_helpers(|helpers| {
            let settle = settle?.raw();
            let json = js::value(env, args.json)?;
            let blobs: Vec<Uint8Array> = args.blobs.into_iter().map(Uint8Array::new).collect();
            let blobs = js::value(env, blobs)?;
            Ok(js::call(
                env,
                &helpers.dispatch,
                &[target, json, blobs, settle],
            ))
        });
        match outcome {
            Ok(Ok(_)) => {}
            Ok(Err(_)) => fail("the host function dispatcher failed".into()),
            Err(e) => fail(e.to_string()),
        }
    }

    fn settle(&self, env: &Env, deferred: Deferred, reply: Reply) {
        let (ok, value) = match reply.into_js(env) {
            Ok(pair) => pair,
            Err(e) => match errors::plain(env, ErrorCode::INTERNAL, "internal", &e.to_string()) {
                Ok(error) => (false, error.raw()),
                Err(_) => return,
            },
        };
        // Ignored: it fails only when JavaScript cannot run (the
        // environment is closing) or an exception is pending (which
        // `js::call` never leaves); nothing could settle it then.
        let _ = deferred.settle(env, ok, value);
    }
}
