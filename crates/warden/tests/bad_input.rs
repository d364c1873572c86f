//! Every bad input gets its own error and leaves the sandbox usable, except
//! the ones that poison it by design (which a restore cures).

mod common;

use std::time::Duration;

use common::{js_sandbox, loaded, loaded_with, ECHO, SPIN};
use warden::{Error, SandboxBuilder, Script, WallClockMonitor};

/// Asserts the sandbox still answers normally.
fn still_works(loaded: &mut warden::LoadedJSSandbox) {
    assert!(!loaded.poisoned());
    assert_eq!(
        loaded.handle_event("echo", r#"{"ok":1}"#, None).unwrap(),
        r#"{"ok":1}"#
    );
}

#[test]
fn invalid_event_json() {
    let mut loaded = loaded(&[("echo", ECHO)]);
    for bad in [
        "",
        "{",
        "{'a':1}",
        "[1,]",
        "NaN",
        "{\"a\":}",
        "\0",
        "[\"a\0\"]",
    ] {
        let err = loaded.handle_event("echo", bad, None).unwrap_err();
        assert!(
            matches!(err, Error::InvalidEvent(ref m) if !m.is_empty()),
            "{bad:?}: {err}"
        );
        assert!(!err.poisons());
    }
    still_works(&mut loaded);
}

#[test]
fn unknown_handler() {
    let mut loaded = loaded(&[("echo", ECHO)]);
    let err = loaded.handle_event("nope", "{}", None).unwrap_err();
    assert!(
        matches!(err, Error::UnknownHandler(ref n) if n == "nope"),
        "{err}"
    );
    still_works(&mut loaded);
}

#[test]
fn compile_errors_report_line_and_column() {
    let mut sandbox = js_sandbox();
    let err = sandbox
        .add_handler(
            "bad",
            Script::from_content("function handler(e) {\n  let x = ;\n}"),
        )
        .unwrap_err();
    let Error::Compile { handler, error } = &err else {
        panic!("{err}")
    };
    assert_eq!(handler, "bad");
    assert_eq!(error.name, "SyntaxError");
    assert_eq!((error.line, error.column), (Some(2), Some(11)), "{error:?}");
    assert!(err.to_string().contains("line 2, column 11"), "{err}");
    for (source, needle) in [
        ("function other() {}", "handler"),
        (
            "throw new Error('top-level failure'); function handler() {}",
            "top-level failure",
        ),
        ("import x from 'fs'; export function handler() {}", "fs"),
        ("function handler() { return 'a\0b'; }", "NUL byte, which the engine cannot read: write it as \\0 or \\u0000 (line 1, column 31)"),
    ] {
        let err = sandbox
            .add_handler("bad", Script::from_content(source))
            .unwrap_err();
        assert!(matches!(err, Error::Compile { .. }), "{source}: {err}");
        assert!(err.to_string().contains(needle), "{source}: {err}");
    }
    sandbox
        .add_handler("echo", Script::from_content(ECHO))
        .unwrap();
    still_works(&mut sandbox.get_loaded_sandbox().unwrap());
}

#[test]
fn thrown_errors_carry_name_message_and_stack() {
    let mut loaded = loaded(&[
        ("echo", ECHO),
        (
            "thrower",
            "function validate(e) { if (!e.id) throw new TypeError('id is required'); }\n\
             function handler(e) { validate(e); return e.id; }",
        ),
        (
            "async",
            "async function handler() { await null; throw new RangeError('later'); }",
        ),
        ("plain", "function handler() { throw 'just a string'; }"),
    ]);
    let err = loaded.handle_event("thrower", "{}", None).unwrap_err();
    let Error::HandlerThrew { handler, error } = &err else {
        panic!("{err}")
    };
    assert_eq!(handler, "thrower");
    assert_eq!(
        (error.name.as_str(), error.message.as_str()),
        ("TypeError", "id is required")
    );
    let stack = error.stack.as_deref().unwrap();
    assert!(
        stack.contains("validate") && stack.contains("handler"),
        "{stack}"
    );
    assert!(!err.poisons());

    let err = loaded.handle_event("async", "{}", None).unwrap_err();
    assert!(
        matches!(&err, Error::HandlerThrew { error, .. } if error.name == "RangeError" && error.message == "later")
    );
    let err = loaded.handle_event("plain", "{}", None).unwrap_err();
    assert!(matches!(&err, Error::HandlerThrew { error, .. } if error.message == "just a string"));
    still_works(&mut loaded);
}

#[test]
fn results_that_are_not_json() {
    let mut loaded = loaded(&[
        ("echo", ECHO),
        ("undefined", "function handler() {}"),
        (
            "cycle",
            "function handler() { const a = {}; a.a = a; return a; }",
        ),
        ("bigint", "function handler() { return 10n ** 30n; }"),
        ("function", "function handler() { return handler; }"),
    ]);
    for name in ["undefined", "cycle", "bigint", "function"] {
        let err = loaded.handle_event(name, "{}", None).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidResult { handler, reason } if handler == name && !reason.is_empty()),
            "{name}: {err}"
        );
    }
    // A handler that returns nothing is told so, in words.
    let err = loaded.handle_event("undefined", "{}", None).unwrap_err();
    assert!(err.to_string().contains("did not return a value"), "{err}");
    still_works(&mut loaded);
}

#[test]
fn events_and_results_over_the_size_limits() {
    let builder = SandboxBuilder::new()
        .max_event_size(1024)
        .max_result_size(2048);
    let mut loaded = loaded_with(
        builder,
        &[
            ("echo", ECHO),
            ("big", "function handler(e) { return 'x'.repeat(e.n); }"),
        ],
    );
    let event = format!("\"{}\"", "y".repeat(1100));
    let err = loaded.handle_event("echo", &event, None).unwrap_err();
    assert!(
        matches!(
            err,
            Error::EventTooLarge {
                size: 1102,
                limit: 1024
            }
        ),
        "{err}"
    );
    assert_eq!(
        loaded
            .handle_event("big", r#"{"n":2046}"#, None)
            .unwrap()
            .len(),
        2048
    );
    let err = loaded
        .handle_event("big", r#"{"n":2047}"#, None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResultTooLarge {
                size: 2049,
                limit: 2048
            }
        ),
        "{err}"
    );
    still_works(&mut loaded);
}

#[test]
fn a_promise_that_never_settles_is_an_error() {
    let mut loaded = loaded(&[
        ("echo", ECHO),
        (
            "pending",
            "function handler() { return new Promise(() => {}); }",
        ),
    ]);
    let err = loaded.handle_event("pending", "{}", None).unwrap_err();
    assert!(
        matches!(err, Error::PromiseNeverSettled { ref handler } if handler == "pending"),
        "{err}"
    );
    still_works(&mut loaded);
}

#[test]
fn running_out_of_javascript_heap_is_catchable_and_recoverable() {
    let limit = 32 * 1024 * 1024;
    let builder = SandboxBuilder::new()
        .guest_memory_limit(limit)
        .max_event_size(64 * 1024);
    let mut loaded = loaded_with(
        builder,
        &[
            ("echo", ECHO),
            (
                "catching",
                "function handler() {
                    const hog = [];
                    try { while (true) hog.push(new Array(100000).fill(7)); }
                    catch (e) { hog.length = 0; return e.name + ': ' + e.message; }
                }",
            ),
            ("bomb", "function handler() { const a = []; while (true) a.push(new Array(100000).fill(7)); }"),
        ],
    );
    assert_eq!(
        loaded.handle_event("catching", "{}", None).unwrap(),
        "\"InternalError: out of memory\""
    );
    let err = loaded.handle_event("bomb", "{}", None).unwrap_err();
    assert!(
        matches!(err, Error::OutOfMemory { limit: l, poisoned: false } if l == limit),
        "{err}"
    );
    assert!(loaded.status().guest_memory_bytes <= limit);
    still_works(&mut loaded);
}

#[test]
fn a_poisoned_sandbox_refuses_snapshots_and_unloads_cleanly() {
    let mut loaded = loaded(&[("echo", ECHO), ("spin", SPIN)]);
    let monitor = WallClockMonitor::new(Duration::from_millis(50)).unwrap();
    let error = loaded
        .handle_event_with_monitor("spin", "{}", &monitor, None)
        .unwrap_err();
    assert!(
        matches!(error, Error::Killed(_)) && loaded.poisoned(),
        "{error}"
    );
    assert!(matches!(loaded.snapshot(), Err(Error::Poisoned)));
    let mut sandbox = loaded.unload().unwrap();
    assert!(!sandbox.poisoned());
    sandbox
        .add_handler("echo", Script::from_content(ECHO))
        .unwrap();
    still_works(&mut sandbox.get_loaded_sandbox().unwrap());
}

/// Dense JSON of `bytes` bytes in several shapes: the events that need the
/// most heap for their size.
fn dense_events(bytes: usize) -> Vec<(&'static str, String)> {
    let fill = |item: &str, last: &str| {
        let count = (bytes - 2 - last.len()) / (item.len() + 1);
        format!("[{}{last}]", format!("{item},").repeat(count))
    };
    vec![
        ("nested arrays", fill("[[]]", "[]")),
        ("objects", fill("{}", "{}")),
        ("arrays", fill("[]", "[]")),
        ("one-character strings", fill("\"a\"", "\"\"")),
        ("non-ASCII strings", fill("\"é\"", "\"\"")),
        ("small objects", fill(r#"{"a":{}}"#, "{}")),
        ("numbers", fill("0", "0")),
    ]
}

#[test]
fn the_smallest_memory_limit_accepted_parses_every_event_of_the_largest_size() {
    for event_size in [64 * 1024, 1024 * 1024] {
        // The builder names the smallest limit it accepts.
        let refused = SandboxBuilder::new()
            .max_event_size(event_size)
            .guest_memory_limit(8 * 1024 * 1024)
            .build()
            .unwrap_err();
        let Error::InvalidConfig(message) = refused else {
            panic!("expected InvalidConfig, got {refused}");
        };
        let smallest: usize = message
            .split("at least ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no smallest limit in {message:?}"));
        assert!(matches!(
            SandboxBuilder::new()
                .max_event_size(event_size)
                .guest_memory_limit(smallest - 1)
                .build(),
            Err(Error::InvalidConfig(_))
        ));
        let builder = SandboxBuilder::new()
            .max_event_size(event_size)
            .guest_memory_limit(smallest);
        let mut loaded = loaded_with(
            builder,
            &[("count", "function handler(e) { return e.length; }")],
        );
        for (shape, event) in dense_events(event_size) {
            assert!(event.len() <= event_size, "{shape}");
            let items = serde_json::from_str::<Vec<serde_json::Value>>(&event)
                .unwrap()
                .len();
            match loaded.handle_event("count", &event, None) {
                Ok(length) => assert_eq!(length, items.to_string(), "{shape} at {event_size}"),
                Err(error) => panic!("{shape} at {event_size}: {error:?}"),
            }
        }
    }
}

/// `count` object keys of 32 characters whose unkeyed engine hash
/// (`h * 263 + c`) agrees in its low 14 bits: each 2-character block is
/// either `(a, b)` or `(a + 62, b + 78)`, and 62 * 263 + 78 = 2^14.
fn colliding_keys(count: usize) -> Vec<String> {
    (0..count)
        .map(|n| {
            (0..16)
                .map(|bit| {
                    let (a, b) = (b'#' + bit as u8, b'#' + bit as u8 % 8);
                    if n >> bit & 1 == 1 {
                        [a + 62, b + 78]
                    } else {
                        [a, b]
                    }
                })
                .map(|pair| String::from_utf8(pair.to_vec()).unwrap())
                .collect()
        })
        .collect()
}

/// An object event with the given keys.
fn object_with(keys: &[String]) -> String {
    let fields: Vec<String> = keys.iter().map(|k| format!("\"{k}\":0")).collect();
    format!("{{{}}}", fields.join(","))
}

#[test]
fn events_whose_keys_collide_in_the_unkeyed_hash_parse_in_linear_time() {
    let count = 20_000;
    let colliding = object_with(&colliding_keys(count));
    // Keys of the same length and alphabet that collide in nothing.
    let spread: Vec<String> = (0..count)
        .map(|n| format!("{:032x}", n * 2654435761usize))
        .collect();
    let spread = object_with(&spread);
    let mut loaded = loaded(&[(
        "count",
        "function handler(e) { return Object.keys(e).length; }",
    )]);
    let mut best = |event: &str| {
        (0..3)
            .map(|_| {
                let start = std::time::Instant::now();
                assert_eq!(
                    loaded.handle_event("count", event, None).unwrap(),
                    count.to_string()
                );
                start.elapsed()
            })
            .min()
            .unwrap()
    };
    let (colliding, spread) = (best(&colliding), best(&spread));
    println!("colliding keys: {colliding:?}, spread keys: {spread:?}");
    // The unkeyed hash made colliding keys take 100 times longer.
    assert!(
        colliding < spread * 5 + std::time::Duration::from_millis(50),
        "colliding {colliding:?}, spread {spread:?}"
    );
}
