//! The guest runtime, exercised natively (no wasm involved).

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::TestHost;
use warden_abi::{LogLevel, Status, MAX_ERROR_TEXT, MAX_PRINT_LINE};
use warden_guest::{CallArgs, GuestError, GuestRuntime, Host, HostValue, Limits};

/// A [`TestHost`] (which records console output and answers `math.add`)
/// that also records host calls, answers `math.nul` with a raw NUL byte in
/// its JSON, and serves user modules; any other function, `math.fail`
/// among them, fails.
#[derive(Default)]
struct ModuleHost {
    base: TestHost,
    calls: RefCell<Vec<(String, String, String)>>,
    /// User modules by module path, and the paths asked for.
    modules: RefCell<Vec<(String, String)>>,
    asked: RefCell<Vec<String>>,
}

impl Host for ModuleHost {
    fn print(&self, level: LogLevel, message: &str) {
        self.base.print(level, message);
    }

    fn call(&self, module: &str, function: &str, args: &CallArgs) -> Result<HostValue, String> {
        self.calls
            .borrow_mut()
            .push((module.into(), function.into(), args.json.clone()));
        match (module, function) {
            ("math", "nul") => Ok(HostValue::Json("\"a\0b\"".into())),
            _ => self.base.call(module, function, args),
        }
    }

    fn load_module(&self, path: &str) -> Result<(String, String), String> {
        self.asked.borrow_mut().push(path.to_owned());
        let modules = self.modules.borrow();
        let found = modules
            .iter()
            .find(|(p, _)| p == path || *p == format!("{path}.js"));
        found.cloned().ok_or_else(|| format!("nothing at {path}"))
    }
}

fn runtime() -> (Rc<ModuleHost>, GuestRuntime) {
    runtime_with_limit(0)
}

fn runtime_with_limit(limit: usize) -> (Rc<ModuleHost>, GuestRuntime) {
    let host = Rc::new(ModuleHost::default());
    let mut rt = GuestRuntime::new(host.clone(), 42).expect("runtime");
    rt.set_limits(Limits {
        heap: limit,
        ..Limits::default()
    });
    (host, rt)
}

fn with_handler(source: &str) -> (Rc<ModuleHost>, GuestRuntime) {
    let (host, mut rt) = runtime();
    rt.add_handler("h", source).expect("handler compiles");
    (host, rt)
}

fn call(rt: &mut GuestRuntime, event: &str) -> Result<String, GuestError> {
    rt.call("h", event.as_bytes(), true)
}

const ECHO: &str = "function handler(event) { return event; }";

#[test]
fn a_plain_function_handler_echoes() {
    let (_, mut rt) = with_handler(ECHO);
    assert_eq!(
        call(&mut rt, r#"{"a":[1,"x",null]}"#).unwrap(),
        r#"{"a":[1,"x",null]}"#
    );
}

#[test]
fn module_handlers_export_handler_in_any_form() {
    for source in [
        "export function handler(e) { return e.n + 1; }",
        "export const handler = (e) => e.n + 1;",
        "function inc(e) { return e.n + 1; }\nexport { inc as handler };",
    ] {
        let (_, mut rt) = with_handler(source);
        assert_eq!(call(&mut rt, r#"{"n":1}"#).unwrap(), "2", "{source}");
    }
}

#[test]
fn handlers_have_private_top_level_state() {
    let (_, mut rt) = runtime();
    rt.add_handler("a", "let n = 0; function handler() { return ++n; }")
        .unwrap();
    rt.add_handler("b", "let n = 100; function handler() { return ++n; }")
        .unwrap();
    assert_eq!(rt.call("a", b"{}", false).unwrap(), "1");
    assert_eq!(rt.call("a", b"{}", false).unwrap(), "2");
    assert_eq!(rt.call("b", b"{}", false).unwrap(), "101");
}

#[test]
fn a_script_without_handler_is_a_clear_compile_error() {
    let (_, mut rt) = runtime();
    let err = rt.add_handler("h", "function other() {}").unwrap_err();
    assert_eq!(err.status, Status::CompileFailed);
    assert!(err.info().unwrap().message.contains("`handler`"), "{err:?}");
    let err = rt.add_handler("h", "const handler = 5;").unwrap_err();
    assert_eq!(err.status, Status::CompileFailed);
    assert!(!rt.has_handler("h"));
}

#[test]
fn syntax_errors_report_line_and_column() {
    let (_, mut rt) = runtime();
    let err = rt
        .add_handler("h", "function handler(e) {\n  return e +;\n}")
        .unwrap_err();
    assert_eq!(err.status, Status::CompileFailed);
    let info = err.info().unwrap();
    assert_eq!(info.name, "SyntaxError");
    assert_eq!((info.line, info.column), (Some(2), Some(13)), "{info:?}");
}

#[test]
fn a_top_level_throw_fails_the_load() {
    let (_, mut rt) = runtime();
    let err = rt
        .add_handler("h", "throw new RangeError('nope'); function handler() {}")
        .unwrap_err();
    assert_eq!(err.status, Status::CompileFailed);
    let info = err.info().unwrap();
    assert_eq!(
        (info.name.as_str(), info.message.as_str()),
        ("RangeError", "nope")
    );
}

#[test]
fn thrown_errors_carry_name_message_and_stack() {
    let (_, mut rt) = with_handler(
        "function helper() { throw new TypeError('bad'); }\nfunction handler() { helper(); }",
    );
    let err = call(&mut rt, "{}").unwrap_err();
    assert_eq!(err.status, Status::Threw);
    let info = err.info().unwrap();
    assert_eq!(info.name, "TypeError");
    assert_eq!(info.message, "bad");
    let stack = info.stack.unwrap();
    assert!(
        stack.contains("helper") && stack.contains("handler"),
        "{stack}"
    );
}

#[test]
fn thrown_non_errors_are_described() {
    let (_, mut rt) = with_handler("function handler(e) { throw e.v; }");
    let info = call(&mut rt, r#"{"v":"plain"}"#)
        .unwrap_err()
        .info()
        .unwrap();
    assert_eq!((info.name.as_str(), info.message.as_str()), ("", "plain"));
    let info = call(&mut rt, r#"{"v":{"code":7}}"#)
        .unwrap_err()
        .info()
        .unwrap();
    assert_eq!(info.message, r#"{"code":7}"#);
    // `throw null` is an ordinary throw, not an out-of-memory condition.
    let err = call(&mut rt, r#"{"v":null}"#).unwrap_err();
    assert_eq!(err.status, Status::Threw);
    assert_eq!(err.info().unwrap().message, "null");
}

/// Asserts `text` is `full` cut to `limit` bytes, with the note saying so.
fn assert_cut(text: &str, full_len: usize, repeated: char, limit: usize) {
    assert!(text.len() <= limit, "{} bytes", text.len());
    let (kept, note) = text.split_once('…').expect("a cut note");
    assert!(kept.len() > limit - 64 && kept.chars().all(|c| c == repeated));
    assert_eq!(note, format!(" [cut from {full_len} bytes]"));
}

#[test]
fn error_text_is_cut_to_its_limit() {
    let (_, mut rt) = with_handler(
        "function handler(e) {
            const big = 'é'.repeat(e.n);
            if (e.how === 'error') { const x = new Error(big); x.name = big; throw x; }
            if (e.how === 'string') throw big;
            throw { big };
        }",
    );
    let n = MAX_ERROR_TEXT; // twice the limit in bytes
    let info = call(&mut rt, &format!(r#"{{"how":"error","n":{n}}}"#))
        .unwrap_err()
        .info()
        .unwrap();
    assert_cut(&info.name, 2 * n, 'é', MAX_ERROR_TEXT);
    assert_cut(&info.message, 2 * n, 'é', MAX_ERROR_TEXT);
    let stack = info.stack.expect("a stack");
    assert!(stack.len() <= MAX_ERROR_TEXT && stack.contains("at handler"));
    let info = call(&mut rt, &format!(r#"{{"how":"string","n":{n}}}"#))
        .unwrap_err()
        .info()
        .unwrap();
    assert_cut(&info.message, 2 * n, 'é', MAX_ERROR_TEXT);
    let info = call(&mut rt, &format!(r#"{{"how":"object","n":{n}}}"#))
        .unwrap_err()
        .info()
        .unwrap();
    assert!(info.message.len() <= MAX_ERROR_TEXT);
    assert!(
        info.message.starts_with(r#"{"big":"éé"#),
        "{}",
        &info.message[..20]
    );
    // Text at the limit is whole.
    let info = call(&mut rt, &format!(r#"{{"how":"string","n":{}}}"#, n / 2))
        .unwrap_err()
        .info()
        .unwrap();
    assert_eq!(info.message, "é".repeat(n / 2));
}

#[test]
fn console_lines_are_cut_to_their_limit() {
    let (host, mut rt) = with_handler(
        "function handler(e) { console.log('x'.repeat(e.n)); console.warn('y'.repeat(e.n + 1)); return 0; }",
    );
    call(&mut rt, &format!(r#"{{"n":{MAX_PRINT_LINE}}}"#)).unwrap();
    let printed = host.base.printed.borrow();
    assert_eq!(printed[0].1, "x".repeat(MAX_PRINT_LINE));
    assert_eq!(printed[1].0, LogLevel::Warn);
    assert_cut(&printed[1].1, MAX_PRINT_LINE + 1, 'y', MAX_PRINT_LINE);
}

#[test]
fn promises_are_awaited() {
    let (_, mut rt) = with_handler(
        "async function handler(e) { const x = await Promise.resolve(e.n); return x * 2; }",
    );
    assert_eq!(call(&mut rt, r#"{"n":21}"#).unwrap(), "42");
    let (_, mut rt) = with_handler("async function handler() { throw new Error('async boom'); }");
    let err = call(&mut rt, "{}").unwrap_err();
    assert_eq!(err.status, Status::Threw);
    assert_eq!(err.info().unwrap().message, "async boom");
}

#[test]
fn a_promise_that_never_settles_is_an_error_not_a_hang() {
    let (_, mut rt) = with_handler("function handler() { return new Promise(() => {}); }");
    assert_eq!(
        call(&mut rt, "{}").unwrap_err().status,
        Status::PromisePending
    );
    // The runtime stays usable.
    rt.add_handler("echo", ECHO).unwrap();
    assert_eq!(rt.call("echo", b"1", false).unwrap(), "1");
}

#[test]
fn invalid_events_are_rejected_before_the_handler_runs() {
    let (host, mut rt) = with_handler("function handler(e) { console.log('ran'); return e; }");
    for bad in [
        "",
        "{",
        "{'a':1}",
        "undefined",
        "[1,]",
        "\0",
        "[1]\0",
        "\"a\0b\"",
    ] {
        let err = call(&mut rt, bad).unwrap_err();
        assert_eq!(err.status, Status::InvalidEvent, "{bad:?}");
        assert!(!err.detail.is_empty());
    }
    assert!(host.base.printed.borrow().is_empty());
    assert_eq!(call(&mut rt, "[1]").unwrap(), "[1]");
}

#[test]
fn results_without_a_json_form_are_rejected() {
    for (source, needle) in [
        (
            "function handler() { return undefined; }",
            "did not return a value",
        ),
        ("function handler() {}", "did not return a value"),
        (
            "function handler() { return () => 1; }",
            "a function or a symbol",
        ),
        (
            "function handler() { return Symbol(); }",
            "a function or a symbol",
        ),
        (
            "function handler() { const a = {}; a.self = a; return a; }",
            "circular",
        ),
        ("function handler() { return { big: 1n }; }", "BigInt"),
        (
            "function handler() { return { toJSON() { throw new Error('custom'); } }; }",
            "custom",
        ),
    ] {
        let (_, mut rt) = with_handler(source);
        let err = call(&mut rt, "{}").unwrap_err();
        assert_eq!(err.status, Status::InvalidResult, "{source}");
        assert!(
            err.detail.to_lowercase().contains(&needle.to_lowercase()),
            "{source}: {}",
            err.detail
        );
    }
}

#[test]
fn handler_names_are_unique_and_removable() {
    let (_, mut rt) = with_handler(ECHO);
    assert_eq!(
        rt.add_handler("h", ECHO).unwrap_err().status,
        Status::HandlerExists
    );
    assert_eq!(
        rt.call("nope", b"{}", false).unwrap_err().status,
        Status::UnknownHandler
    );
    rt.remove_handler("h").unwrap();
    assert_eq!(
        call(&mut rt, "{}").unwrap_err().status,
        Status::UnknownHandler
    );
    assert_eq!(
        rt.remove_handler("h").unwrap_err().status,
        Status::UnknownHandler
    );
    rt.add_handler("h", ECHO).unwrap();
    rt.add_handler("g", ECHO).unwrap();
    rt.clear_handlers();
    assert!(!rt.has_handler("h") && !rt.has_handler("g"));
}

#[test]
fn console_methods_reach_the_host_with_their_level() {
    let (host, mut rt) = with_handler(
        "function handler() {
            console.log('a', 1, true, null, undefined, {x: [1]});
            console.debug('d'); console.info('i'); console.warn('w');
            console.error(new TypeError('oops'));
            return 0;
        }",
    );
    call(&mut rt, "{}").unwrap();
    let printed = host.base.printed.borrow();
    assert_eq!(
        printed[0],
        (LogLevel::Log, "a 1 true null undefined { x: [ 1 ] }".into())
    );
    assert_eq!(printed[1], (LogLevel::Debug, "d".into()));
    assert_eq!(printed[2], (LogLevel::Info, "i".into()));
    assert_eq!(printed[3], (LogLevel::Warn, "w".into()));
    assert_eq!(printed[4].0, LogLevel::Error);
    assert!(
        printed[4].1.starts_with("TypeError: oops"),
        "{:?}",
        printed[4]
    );
}

#[test]
fn host_modules_are_importable_and_callable() {
    let (host, mut rt) = runtime();
    rt.declare_host_function("math", "add", false);
    rt.declare_host_function("math", "fail", false);
    rt.add_handler(
        "h",
        "import * as math from 'host:math';
         import { add } from 'host:math';
         export function handler(e) {
             let caught;
             try { math.fail(1); } catch (err) { caught = err.message; }
             return { sum: add(e.a, e.b), ns: math.add(1, 2), caught };
         }",
    )
    .unwrap();
    let out: serde_json::Value =
        serde_json::from_str(&call(&mut rt, r#"{"a":2,"b":3}"#).unwrap()).unwrap();
    assert_eq!(out["sum"], 5.0);
    assert_eq!(out["ns"], 3.0);
    assert!(out["caught"]
        .as_str()
        .unwrap()
        .contains("no such function math.fail"));
    assert_eq!(
        host.calls.borrow()[0],
        ("math".into(), "fail".into(), "[1]".into())
    );
}

#[test]
fn only_declared_host_modules_can_be_imported() {
    let (_, mut rt) = runtime();
    rt.declare_host_function("math", "add", false);
    for source in [
        "import * as fs from 'fs'; export function handler() {}",
        "import * as x from 'host:nope'; export function handler() {}",
        "import { sub } from 'host:math'; export function handler() {}",
    ] {
        let err = rt.add_handler("h", source).unwrap_err();
        assert_eq!(err.status, Status::CompileFailed, "{source}");
    }
    // Handlers cannot import each other.
    rt.add_handler("lib", ECHO).unwrap();
    let err = rt
        .add_handler(
            "h",
            "import * as l from 'lib'; export function handler() {}",
        )
        .unwrap_err();
    assert_eq!(err.status, Status::CompileFailed);
}

#[test]
fn math_random_follows_the_host_seed() {
    let source = "function handler() { return [Math.random(), Math.random(), Math.random()]; }";
    let draw = |seed: u64| {
        let (_, mut rt) = with_handler(source);
        rt.reseed(seed);
        call(&mut rt, "{}").unwrap()
    };
    assert_eq!(draw(1), draw(1));
    assert_ne!(draw(1), draw(2));
}

#[test]
fn tampering_with_json_does_not_change_event_or_result_encoding() {
    let (_, mut rt) = with_handler(
        "function handler(e) {
            JSON.parse = () => 'forged';
            JSON.stringify = () => '\"forged\"';
            return e;
        }",
    );
    assert_eq!(call(&mut rt, r#"{"a":1}"#).unwrap(), r#"{"a":1}"#);
    assert_eq!(call(&mut rt, r#"{"a":2}"#).unwrap(), r#"{"a":2}"#);
}

#[test]
fn tampering_with_promise_then_does_not_break_awaiting() {
    let (_, mut rt) = with_handler(
        "async function handler(e) {
            Promise.prototype.then = function () { throw new Error('forged'); };
            return e.n;
        }",
    );
    assert_eq!(call(&mut rt, r#"{"n":3}"#).unwrap(), "3");
}

#[test]
fn running_out_of_js_heap_is_a_catchable_error_then_an_out_of_memory_status() {
    let (_, mut rt) = runtime_with_limit(16 << 20);
    rt.add_handler(
        "catching",
        "function handler() {
            try { const a = []; while (true) a.push(new Array(4096).fill(1)); }
            catch (e) { return String(e); }
        }",
    )
    .unwrap();
    rt.add_handler(
        "bomb",
        "function handler() { const a = []; while (true) a.push(new Array(4096).fill(1)); }",
    )
    .unwrap();
    assert!(rt
        .call("catching", b"{}", true)
        .unwrap()
        .contains("out of memory"));
    let err = rt.call("bomb", b"{}", true).unwrap_err();
    assert_eq!(err.status, Status::OutOfMemory, "{err:?}");
    rt.add_handler("echo", ECHO).unwrap();
    assert_eq!(rt.call("echo", b"[1,2]", true).unwrap(), "[1,2]");
}

#[test]
fn a_raw_nul_byte_in_the_source_is_a_located_compile_error() {
    let (_, mut rt) = with_handler(ECHO);
    let err = rt
        .add_handler("nul", "function handler() {\n  return \"a\0b\";\n}")
        .unwrap_err();
    assert_eq!(err.status, Status::CompileFailed);
    let info = err.info().unwrap();
    assert_eq!(info.name, "SyntaxError");
    assert_eq!((info.line, info.column), (Some(2), Some(12)), "{info:?}");
    assert!(info.message.contains("NUL"), "{info:?}");
    // Written as an escape, the same string compiles and round-trips.
    rt.add_handler("escaped", "function handler() { return \"a\\0b\"; }")
        .unwrap();
    assert_eq!(rt.call("escaped", b"{}", false).unwrap(), r#""a\u0000b""#);
}

#[test]
fn a_host_answer_with_a_raw_nul_byte_throws_a_catchable_syntax_error() {
    let (_, mut rt) = runtime();
    rt.declare_host_function("math", "nul", false);
    rt.add_handler(
        "h",
        "import { nul } from 'host:math';
         export function handler() {
             try { return nul(); } catch (err) { return err.name + ': ' + err.message; }
         }",
    )
    .unwrap();
    let out: String = serde_json::from_str(&call(&mut rt, "{}").unwrap()).unwrap();
    assert!(
        out.starts_with("SyntaxError: host function math.nul"),
        "{out}"
    );
}

#[test]
fn tojson_is_fixed_on_built_in_prototypes_but_free_on_your_own_objects() {
    let (_, mut rt) = runtime();
    rt.add_handler(
        "tamper",
        r#"export function handler() {
            const refused = [];
            for (const [name, proto] of [["Object", Object.prototype], ["Array", Array.prototype],
                                         ["BigInt", BigInt.prototype], ["Date", Date.prototype],
                                         ["ArrayIterator", Object.getPrototypeOf([].values())]]) {
                try { proto.toJSON = () => "hijacked"; } catch (e) { refused.push(name + ":" + (e instanceof TypeError)); }
                try { Object.defineProperty(proto, "toJSON", { get() { throw new Error("hijacked"); } }); }
                catch (e) { refused.push(name + " defined:" + (e instanceof TypeError)); }
            }
            Date.prototype.toISOString = () => "hijacked";
            Date.prototype.getTime = () => { throw new Error("hijacked"); };
            const own = { a: 1 };
            own.toJSON = () => "own";
            class Point { constructor() { this.x = 1; } toJSON() { return "point"; } }
            return { refused, own, point: new Point(), date: new Date(0), text: JSON.stringify([{}, own]) };
        }"#,
    )
    .unwrap();
    rt.add_handler(
        "victim",
        "export function handler(e) { return { e, list: [1, { d: new Date(86400000) }], bad: new Date(NaN) }; }",
    )
    .unwrap();
    let out: serde_json::Value =
        serde_json::from_str(&rt.call("tamper", b"{}", false).unwrap()).unwrap();
    let refused: Vec<&str> = out["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(refused.len(), 10, "{refused:?}");
    assert!(refused.iter().all(|r| r.ends_with(":true")), "{refused:?}");
    assert_eq!(out["own"], "own");
    assert_eq!(out["point"], "point");
    assert_eq!(out["date"], "1970-01-01T00:00:00.000Z");
    assert_eq!(out["text"], r#"[{},"own"]"#);
    assert_eq!(
        rt.call("victim", br#"{"k":[true]}"#, false).unwrap(),
        r#"{"e":{"k":[true]},"list":[1,{"d":"1970-01-02T00:00:00.000Z"}],"bad":null}"#
    );
}

#[test]
fn the_message_for_a_refused_tojson_says_why() {
    let (_, mut rt) = with_handler(
        "export function handler() { try { BigInt.prototype.toJSON = function () { return String(this); }; } catch (e) { return e.message; } }",
    );
    let message: String = serde_json::from_str(&call(&mut rt, "{}").unwrap()).unwrap();
    assert!(message.contains("built-in prototype"), "{message}");
    // Uncaught, it points at the handler's own line.
    let (_, mut rt) =
        with_handler("export function handler() {\n  Object.prototype.toJSON = () => 1;\n}");
    let info = call(&mut rt, "{}").unwrap_err().info().unwrap();
    assert_eq!(
        (info.name.as_str(), info.line),
        ("TypeError", Some(2)),
        "{info:?}"
    );
    assert!(info.stack.unwrap().starts_with("    at handler (h:2:"));
}

#[test]
fn error_hooks_shape_handler_errors_but_not_the_runtimes_own() {
    let (_, mut rt) = runtime();
    rt.add_handler(
        "hook",
        r#"export function handler(e) {
            if (e.how === "rewrite") {
                Error.prepareStackTrace = (error) => { error.message = "rewritten"; return "hooked stack"; };
            } else if (e.how === "spin") {
                Error.prepareStackTrace = () => { for (;;) {} };
            } else {
                Error.stackTraceLimit = { valueOf() { for (;;) {} } };
            }
            return 1;
        }"#,
    )
    .unwrap();
    rt.add_handler(
        "throws",
        "export function handler() { throw new Error('mine'); }",
    )
    .unwrap();
    rt.add_handler(
        "cycle",
        "export function handler() { const o = {}; o.o = o; return o; }",
    )
    .unwrap();
    // Each mode would spin or rewrite inside the runtime's own errors; a
    // spin here would hang the test.
    for how in ["rewrite", "limit", "spin"] {
        if how != "limit" {
            assert_eq!(
                rt.call("hook", format!(r#"{{"how":"{how}"}}"#).as_bytes(), false)
                    .unwrap(),
                "1"
            );
        } else {
            // Made a number when set: the handler's own valueOf would spin
            // here, so it gets a value with no valueOf at all instead.
            rt.add_handler(
                "limit",
                "export function handler() { Error.stackTraceLimit = '3'; return Error.stackTraceLimit; }",
            )
            .unwrap();
            assert_eq!(rt.call("limit", b"{}", false).unwrap(), "3");
        }
        let invalid = rt.call("cycle", b"{not json", false).unwrap_err();
        assert_eq!(invalid.status, Status::InvalidEvent);
        assert!(!invalid.detail.contains("rewritten"), "{how}: {invalid:?}");
        let cyclic = rt.call("cycle", b"{}", false).unwrap_err();
        assert_eq!(cyclic.status, Status::InvalidResult);
        assert!(!cyclic.detail.contains("rewritten"), "{how}: {cyclic:?}");
        let compile = rt.add_handler("broken", "function handler( {").unwrap_err();
        assert_eq!(compile.status, Status::CompileFailed);
        assert!(!compile.detail.contains("rewritten"), "{how}: {compile:?}");
        if how == "rewrite" {
            // The handler's own errors still go through its hook.
            let own = rt.call("throws", b"{}", false).unwrap_err().info().unwrap();
            assert_eq!(own.message, "rewritten");
            assert_eq!(own.stack.as_deref(), Some("hooked stack"));
        }
    }
}

fn with_modules(modules: &[(&str, &str)]) -> (Rc<ModuleHost>, GuestRuntime) {
    let (host, rt) = runtime();
    host.modules
        .borrow_mut()
        .extend(modules.iter().map(|(p, s)| (p.to_string(), s.to_string())));
    (host, rt)
}

#[test]
fn user_modules_resolve_relative_to_their_importer() {
    let (host, mut rt) = with_modules(&[
        ("/lib/math.js", "import { twice } from './util/twice.js'; export const add = (a, b) => twice(a) / 2 + b;"),
        ("/lib/util/twice.js", "import { one } from '../../one.js'; export const twice = (x) => x * 2 * one;"),
        ("/one.js", "export const one = 1;"),
    ]);
    rt.add_handler_in(
        "h",
        "/lib",
        "import { add } from './math'; function handler(e) { return add(e.a, e.b); }",
    )
    .unwrap();
    assert_eq!(call(&mut rt, r#"{"a":2,"b":3}"#).unwrap(), "5");
    assert_eq!(
        *host.asked.borrow(),
        ["/lib/math", "/lib/util/twice.js", "/one.js"]
    );
}

#[test]
fn a_module_imported_twice_is_evaluated_once() {
    let (_, mut rt) = with_modules(&[(
        "/counter.js",
        "export let n = 0; export const next = () => ++n;",
    )]);
    let source = "import { next } from '/counter.js'; function handler() { return next(); }";
    rt.add_handler("a", source).unwrap();
    rt.add_handler("b", source).unwrap();
    assert_eq!(rt.call("a", b"null", false).unwrap(), "1");
    assert_eq!(rt.call("b", b"null", false).unwrap(), "2");
}

#[test]
fn imports_that_leave_the_tree_or_find_nothing_do_not_compile() {
    let (host, mut rt) = with_modules(&[("/ok.js", "export const ok = 1;")]);
    for (specifier, says) in [
        ("../secret.js", "leads out of the root"),
        ("./missing.js", "nothing at /missing.js"),
        ("host:undeclared", "no host module of that name"),
    ] {
        let source = format!("import '{specifier}'; function handler() {{}}");
        let err = rt.add_handler("h", &source).unwrap_err();
        assert_eq!(err.status, Status::CompileFailed, "{specifier}");
        assert!(err.detail.contains(says), "{specifier}: {}", err.detail);
        assert!(
            err.detail.contains(specifier),
            "{specifier}: {}",
            err.detail
        );
    }
    // Only the path inside the tree reached the host.
    assert!(host.asked.borrow().iter().all(|path| path == "/missing.js"));
}

#[test]
fn a_user_module_that_throws_fails_the_load_with_its_error() {
    let (_, mut rt) = with_modules(&[("/bad.js", "throw new TypeError('bad module');")]);
    let err = rt
        .add_handler("h", "import './bad.js'; function handler() {}")
        .unwrap_err();
    assert!(err.detail.contains("bad module"), "{}", err.detail);
}

#[test]
fn a_bare_name_of_a_declared_host_module_imports_it() {
    let (host, mut rt) = with_modules(&[("/other", "export const add = () => 'user module';")]);
    rt.declare_host_function("math", "add", false);
    rt.add_handler(
        "h",
        "import { add } from 'math'; import * as other from 'other';
         function handler(e) { return [add(e.a, e.b), other.add()]; }",
    )
    .unwrap();
    assert_eq!(
        call(&mut rt, r#"{"a":2,"b":3}"#).unwrap(),
        r#"[5,"user module"]"#
    );
    // The host module never reached the module loader.
    assert_eq!(*host.asked.borrow(), ["/other"]);
}
