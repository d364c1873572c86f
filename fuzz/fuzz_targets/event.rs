//! Arbitrary bytes as the event of a few fixed handlers.
//!
//! The first byte picks the handler and the `gc` flag; the rest, read as
//! UTF-8 (invalid sequences replaced), is the event. Every call must end in
//! `Ok` or a clean typed error, the poison flag must match the error, the
//! sandbox must stay usable (after a restore when poisoned), valid JSON must
//! never be refused as invalid, an event with a raw NUL byte must be refused
//! as invalid, and echo must be a fixpoint.

#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use warden::{Error, LoadedJSSandbox, SandboxBuilder, Script, Snapshot};
use warden_fuzz::check_error;

const ECHO: &str = "function handler(event) { return event; }";

/// Walks the whole event and describes it.
const WALK: &str = r#"
function handler(event) {
    const stats = { nodes: 0, depth: 0, strings: 0, chars: 0, numbers: 0, keys: 0, types: {} };
    function walk(value, depth) {
        stats.nodes++;
        if (depth > stats.depth) stats.depth = depth;
        const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
        stats.types[type] = (stats.types[type] || 0) + 1;
        if (type === 'string') {
            stats.strings++;
            stats.chars += value.length;
        } else if (type === 'number') {
            if (Number.isFinite(value)) stats.numbers++;
        } else if (type === 'array') {
            for (const item of value) walk(item, depth + 1);
        } else if (type === 'object') {
            for (const key of Object.keys(value)) {
                stats.keys++;
                stats.chars += key.length;
                walk(value[key], depth + 1);
            }
        }
    }
    walk(event, 0);
    return stats;
}
"#;

/// Stringifies the event in several ways and checks the engine agrees with
/// itself.
const STRINGIFY: &str = r#"
function handler(event) {
    const text = JSON.stringify(event);
    const again = JSON.stringify(JSON.parse(text));
    if (text !== again) throw new Error('UNSTABLE: ' + text + ' vs ' + again);
    const pretty = JSON.stringify(event, null, 2);
    const keys = typeof event === 'object' && event !== null ? Object.keys(event).sort() : [];
    return { length: text.length, pretty: pretty.length, keys, text, string: String(event) };
}
"#;

const HANDLERS: [&str; 3] = ["echo", "walk", "stringify"];

struct Fixture {
    loaded: LoadedJSSandbox,
    snapshot: Snapshot,
}

impl Fixture {
    fn new() -> Self {
        let mut sandbox = SandboxBuilder::new()
            .build()
            .unwrap()
            .load_runtime()
            .unwrap();
        for (name, source) in HANDLERS.iter().zip([ECHO, WALK, STRINGIFY]) {
            sandbox
                .add_handler(name, Script::from_content(source))
                .unwrap();
        }
        let mut loaded = sandbox.get_loaded_sandbox().unwrap();
        let snapshot = loaded.snapshot().unwrap();
        Self { loaded, snapshot }
    }
}

thread_local! {
    static FIXTURE: RefCell<Fixture> = RefCell::new(Fixture::new());
}

/// Checks a call's outcome against the sandbox state; restores when it is
/// poisoned.
fn settle(fx: &mut Fixture, result: &warden::Result<String>) {
    let poisons = match result {
        Ok(_) => false,
        Err(error) => {
            check_error(error);
            error.poisons()
        }
    };
    assert_eq!(
        fx.loaded.poisoned(),
        poisons,
        "poison flag does not match {result:?}"
    );
    if poisons {
        assert!(matches!(
            fx.loaded.handle_event("echo", "1", None),
            Err(Error::Poisoned)
        ));
        fx.loaded.restore(&fx.snapshot).unwrap();
        assert!(!fx.loaded.poisoned());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let handler = HANDLERS[usize::from(selector) % HANDLERS.len()];
    let gc = match (selector / 3) % 3 {
        0 => None,
        1 => Some(true),
        _ => Some(false),
    };
    let event = String::from_utf8_lossy(rest);
    FIXTURE.with(|fx| {
        let fx = &mut *fx.borrow_mut();
        fx.loaded.restore(&fx.snapshot).unwrap();

        let result = fx.loaded.handle_event(handler, &*event, gc);
        settle(fx, &result);

        // Valid JSON is never refused as invalid. (serde_json is stricter
        // than JSON.parse: it refuses lone surrogates, numbers out of range
        // and nesting deeper than 128, so this only checks one way.)
        if serde_json::from_str::<serde_json::Value>(&event).is_ok() {
            assert!(
                !matches!(result, Err(Error::InvalidEvent(_))),
                "valid JSON refused: {result:?}"
            );
        }
        // JSON never holds a raw NUL; an event with one is invalid, not an
        // internal error.
        if event.contains('\0') {
            assert!(
                matches!(result, Err(Error::InvalidEvent(_))),
                "an event with a NUL byte gave {result:?}"
            );
        }
        match (&result, handler) {
            (Err(Error::HandlerThrew { error, .. }), "stringify") => {
                assert!(
                    !error.message.starts_with("UNSTABLE"),
                    "JSON.stringify is not stable: {error}"
                );
            }
            (Ok(output), "echo") => {
                // What echo returns, echo returns unchanged.
                let again = fx.loaded.handle_event("echo", output, gc);
                settle(fx, &again);
                assert_eq!(again.as_deref().ok(), Some(output.as_str()), "{again:?}");
            }
            _ => {}
        }

        // The sandbox stays usable.
        assert_eq!(
            fx.loaded
                .handle_event("echo", r#"{"after":[1,"x",null]}"#, None)
                .unwrap(),
            r#"{"after":[1,"x",null]}"#
        );
    });
});
