//! The sandbox lifecycle and host functions.

mod common;

use std::sync::{Arc, Mutex};

use common::{js_sandbox, load, loaded, loaded_from, ECHO};
use warden::{Error, LogLevel, SandboxBuilder, Script};

/// Counts its calls.
const COUNT: &str = "let n = 0; function handler() { return ++n; }";

#[test]
fn builder_to_result() {
    let mut loaded = loaded(&[("echo", ECHO)]);
    let event = r#"{"id":7,"tags":["a","b"],"nested":{"ok":true,"n":null}}"#;
    assert_eq!(loaded.handle_event("echo", event, None).unwrap(), event);
    // Owned strings work too, as in `handle_event(name, "{}".to_string(), None)`.
    let owned: String = "\"text\"".to_string();
    assert_eq!(
        loaded.handle_event("echo", owned, Some(false)).unwrap(),
        "\"text\""
    );
}

#[test]
fn es_module_handlers_and_plain_scripts_both_load() {
    let mut loaded = loaded(&[
        ("script", "function handler(e) { return e.x * 2; }"),
        ("module", "export function handler(e) { return e.x * 3; }"),
        ("arrow", "export const handler = async (e) => e.x * 4;"),
    ]);
    assert_eq!(
        loaded.handle_event("script", r#"{"x":1}"#, None).unwrap(),
        "2"
    );
    assert_eq!(
        loaded.handle_event("module", r#"{"x":1}"#, None).unwrap(),
        "3"
    );
    assert_eq!(
        loaded.handle_event("arrow", r#"{"x":1}"#, None).unwrap(),
        "4"
    );
}

#[test]
fn the_handler_export_wins_over_a_local_function_named_handler() {
    // The shape esbuild gives a bundle whose dependency declares its own
    // top-level `function handler`: the user's function is renamed and
    // exported as `handler`.
    let bundle = "function handler() { return 'the dependency'; }
        function handler2(e) { return { from: 'the bundle', x: e.x }; }
        export { handler2 as handler };";
    let mut loaded = loaded(&[
        ("bundle", bundle),
        // A local `handler` beside an exported non-function: the local runs.
        (
            "local",
            "function handler() { return 'local'; } export const other = 1;",
        ),
    ]);
    assert_eq!(
        loaded.handle_event("bundle", r#"{"x":1}"#, None).unwrap(),
        r#"{"from":"the bundle","x":1}"#
    );
    assert_eq!(
        loaded.handle_event("local", "{}", None).unwrap(),
        r#""local""#
    );
}

#[test]
fn handlers_can_be_removed_and_cleared() {
    let mut sandbox = js_sandbox();
    sandbox
        .add_handler("a", Script::from_content(ECHO))
        .unwrap();
    sandbox
        .add_handler("b", Script::from_content(ECHO))
        .unwrap();
    sandbox.remove_handler("a").unwrap();
    assert!(matches!(sandbox.remove_handler("a"), Err(Error::UnknownHandler(n)) if n == "a"));
    assert_eq!(sandbox.handler_names().collect::<Vec<_>>(), ["b"]);
    sandbox.clear_handlers().unwrap();
    assert_eq!(sandbox.handler_names().count(), 0);
    // A removed name can be used again.
    let mut loaded = load(sandbox, &[("a", "function handler() { return 'new'; }")]);
    assert_eq!(loaded.handle_event("a", "{}", None).unwrap(), "\"new\"");
    assert!(
        matches!(loaded.handle_event("b", "{}", None), Err(Error::UnknownHandler(n)) if n == "b")
    );
}

#[test]
fn handler_names_are_validated() {
    let mut sandbox = js_sandbox();
    for bad in ["", "host:math", "tab\there", &"x".repeat(257)] {
        let err = sandbox
            .add_handler(bad, Script::from_content(ECHO))
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidHandlerName { .. }),
            "{bad:?}: {err}"
        );
    }
    sandbox
        .add_handler("ok", Script::from_content(ECHO))
        .unwrap();
    let err = sandbox
        .add_handler("ok", Script::from_content(ECHO))
        .unwrap_err();
    assert!(matches!(err, Error::DuplicateHandler(n) if n == "ok"));
    // Failed additions changed nothing.
    assert_eq!(sandbox.handler_names().collect::<Vec<_>>(), ["ok"]);
}

#[test]
fn scripts_load_from_files() {
    let dir = std::env::temp_dir().join(format!("warden-script-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("h.js");
    std::fs::write(&path, "function handler(e) { return e + 1; }").unwrap();
    let script = Script::from_file(&path).unwrap();
    let mut loaded = loaded(&[("h", script.source())]);
    assert_eq!(loaded.handle_event("h", "1", None).unwrap(), "2");
    let missing = Script::from_file(dir.join("missing.js")).unwrap_err();
    assert!(matches!(missing, Error::ScriptIo { .. }), "{missing}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn console_output_reaches_the_print_function() {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let builder = SandboxBuilder::new()
        .print_fn(move |level, line| sink.lock().unwrap().push((level, line.to_owned())));
    let mut loaded = common::loaded_with(
        builder,
        &[(
            "h",
            "function handler(e) { console.log('got', e); console.warn({w: 1}); console.error('bad'); return 1; }",
        )],
    );
    loaded.handle_event("h", "[1]", None).unwrap();
    assert_eq!(
        *lines.lock().unwrap(),
        [
            (LogLevel::Log, "got [ 1 ]".to_owned()),
            (LogLevel::Warn, "{ w: 1 }".to_owned()),
            (LogLevel::Error, "bad".to_owned()),
        ]
    );
}

#[test]
fn host_functions_typed_fallible_and_raw() {
    let mut proto = SandboxBuilder::new().build().unwrap();
    let calls = Arc::new(Mutex::new(0));
    let counter = calls.clone();
    proto
        .host_module("math")
        .unwrap()
        .register("add", |a: f64, b: f64| a + b)
        .unwrap()
        .register_fallible("div", |a: f64, b: f64| {
            if b == 0.0 {
                Err("division by zero")
            } else {
                Ok(a / b)
            }
        })
        .unwrap();
    proto
        .host_module("kv")
        .unwrap()
        .register_raw("echo", move |args| {
            *counter.lock().unwrap() += 1;
            Ok(args.to_owned())
        })
        .unwrap()
        .register("get", |key: String, default: Option<String>| {
            if key == "known" {
                Some("value".to_owned())
            } else {
                default
            }
        })
        .unwrap();
    let mut sandbox = proto.load_runtime().unwrap();
    sandbox
        .add_handler(
            "h",
            Script::from_content(
                "import * as math from 'host:math';
                 import { echo, get } from 'host:kv';
                 export function handler(e) {
                     let err;
                     try { math.div(1, 0); } catch (x) { err = x.message; }
                     return {
                         sum: math.add(e.a, e.b),
                         quot: math.div(9, 3),
                         err,
                         raw: echo(1, 'two', [3]),
                         known: get('known'),
                         fallback: get('other', 'dflt'),
                         missing: get('other'),
                     };
                 }",
            ),
        )
        .unwrap();
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    let out: serde_json::Value = serde_json::from_str(
        &loaded
            .handle_event("h", r#"{"a":1.5,"b":2}"#, None)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(out["sum"], 3.5);
    assert_eq!(out["quot"], 3.0);
    assert!(
        out["err"].as_str().unwrap().contains("division by zero"),
        "{out}"
    );
    assert_eq!(out["raw"], serde_json::json!([1, "two", [3]]));
    assert_eq!(out["known"], "value");
    assert_eq!(out["fallback"], "dflt");
    assert_eq!(out["missing"], serde_json::Value::Null);
    assert_eq!(*calls.lock().unwrap(), 1);
}

#[test]
fn a_panicking_host_function_becomes_a_javascript_error() {
    let mut proto = SandboxBuilder::new().build().unwrap();
    proto
        .host_module("bad")
        .unwrap()
        .register("boom", || -> u32 { panic!("host bug") })
        .unwrap();
    let mut loaded = loaded_from(
        proto,
        &[(
            "h",
            "import { boom } from 'host:bad';
             export function handler() { try { boom(); } catch (e) { return e.message; } }",
        )],
    );
    let out = loaded.handle_event("h", "{}", None).unwrap();
    assert!(out.contains("panicked"), "{out}");
    assert!(!loaded.poisoned());
}

/// A handler cannot hand a host function more JSON than the sandbox's
/// result size limit: the call throws a catchable error, and the host
/// function never runs.
#[test]
fn host_function_arguments_are_bounded_by_the_result_size_limit() {
    let limit = 64 * 1024;
    let mut proto = SandboxBuilder::new()
        .max_result_size(limit)
        .build()
        .unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    proto
        .host_module("sink")
        .unwrap()
        .register_raw("take", move |args| {
            log.lock().unwrap().push(args.len());
            Ok("true".to_owned())
        })
        .unwrap();
    let mut loaded = loaded_from(
        proto,
        &[(
            "h",
            "import { take } from 'host:sink';
             export function handler(e) {
                 try { return take('x'.repeat(e.n)); } catch (x) { return x.name + ': ' + x.message; }
             }",
        )],
    );
    // `["xx…x"]` is the string's length plus 4 bytes of JSON.
    let fits = format!(r#"{{"n":{}}}"#, limit - 4);
    assert_eq!(loaded.handle_event("h", &fits, None).unwrap(), "true");
    let over = format!(r#"{{"n":{}}}"#, limit - 3);
    let refused = loaded.handle_event("h", &over, None).unwrap();
    assert_eq!(
        refused,
        format!(
            r#""Error: host function sink.take failed: its arguments are {} bytes, over the limit of {limit} (the sandbox's result size limit)""#,
            limit + 1
        )
    );
    assert_eq!(*received.lock().unwrap(), [limit]);
    assert!(!loaded.poisoned());
}

#[test]
fn unload_returns_a_fresh_runtime_without_handlers() {
    let mut loaded = loaded(&[("count", COUNT)]);
    assert_eq!(loaded.handle_event("count", "{}", None).unwrap(), "1");
    let sandbox = loaded.unload().unwrap();
    assert_eq!(sandbox.handler_names().count(), 0);
    let mut loaded = load(sandbox, &[("count", COUNT)]);
    assert_eq!(loaded.handle_event("count", "{}", None).unwrap(), "1");
}

#[test]
fn state_persists_between_calls_until_restored() {
    let mut loaded = loaded(&[("count", COUNT)]);
    let snapshot = loaded.snapshot().unwrap();
    assert_eq!(loaded.handle_event("count", "{}", None).unwrap(), "1");
    assert_eq!(loaded.handle_event("count", "{}", None).unwrap(), "2");
    loaded.restore(&snapshot).unwrap();
    assert_eq!(loaded.handle_event("count", "{}", None).unwrap(), "1");
    assert_eq!(loaded.status().calls, 3);
}

#[test]
fn date_now_follows_the_host_clock() {
    let mut loaded = loaded(&[("now", "function handler() { return Date.now(); }")]);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as f64;
    let now: f64 = loaded
        .handle_event("now", "{}", None)
        .unwrap()
        .parse()
        .unwrap();
    let after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as f64;
    assert!(
        before - 1.0 <= now && now <= after + 1.0,
        "{before} <= {now} <= {after}"
    );
}
