//! Victims: handlers added next to a tampering one, whose calls show
//! whether the tampering reached the runtime's plumbing.

use warden::Error;

use super::{generous, Arena};
use crate::common::{collecting, Lines};

/// Handlers added next to a tampering one, before it runs. They capture the
/// originals they need at module evaluation, so their own code is unaffected
/// by the tampering: what is tested is the runtime's plumbing.
const VICTIMS: &[(&str, &str)] = &[
    (
        "async_echo",
        "async function handler(event) { await null; await 0; return event; }",
    ),
    (
        "fresh",
        "function handler() { return { ok: true, list: [1, 2, 3], nested: { s: 'x\\ny' } }; }",
    ),
    (
        "thrower",
        "function handler() { throw new TypeError('typed failure'); }",
    ),
    (
        "cycle",
        "function handler() { const o = {}; o.self = o; return o; }",
    ),
    (
        "undefined_result",
        "function handler() { return undefined; }",
    ),
    (
        "dated",
        "function handler() { return { when: new Date(0), never: new Date(NaN) }; }",
    ),
    (
        "pending",
        "const P = Promise; function handler() { return new P(() => {}); }",
    ),
    (
        "boxed",
        "const N = Number, S = String, B = Boolean;
         function handler() {
           return { n: new N(5), s: new S('s'), b: new B(false), list: [new N(1.5)] };
         }",
    ),
    (
        "canary",
        "const P0 = Promise, J0 = JSON, T0 = Promise.prototype.then, C0 = console;
         function handler() {
           return { promise: Promise === P0, json: JSON === J0, then: P0.prototype.then === T0, console: console === C0 };
         }",
    ),
    (
        "logger",
        "const log = console.log; function handler(event) { log('event', event); return 1; }",
    ),
];

/// How each victim's call went where it differs from a pristine sandbox
/// (empty when every victim behaved exactly as it should).
fn victim_failures(arena: &mut Arena, lines: &Lines, what: &str) -> Vec<String> {
    let event =
        r#"{"a":1,"b":[1,2,{"n":null}],"ok":true,"name":"x","value":"0","length":3,"id":"q"}"#;
    let g = generous();
    let mut failures = Vec::new();
    let mut expect = |arena: &mut Arena,
                      name: &str,
                      event: &str,
                      check: &dyn Fn(&warden::Result<String>) -> bool| {
        let outcome = arena.call(name, event, &g);
        if !check(&outcome.result) {
            failures.push(format!("{what}: {name}({event}) gave {:?}", outcome.result));
        }
        if arena.loaded.poisoned() {
            arena.reset();
        }
    };
    let ok = |expected: &'static str| move |r: &warden::Result<String>| matches!(r, Ok(s) if s == expected);
    expect(arena, "echo", event, &|r| matches!(r, Ok(s) if s == event));
    expect(
        arena,
        "async_echo",
        event,
        &|r| matches!(r, Ok(s) if s == event),
    );
    expect(
        arena,
        "fresh",
        "{}",
        &ok(r#"{"ok":true,"list":[1,2,3],"nested":{"s":"x\ny"}}"#),
    );
    expect(arena, "thrower", "{}", &|r| {
        matches!(r, Err(Error::HandlerThrew { error, .. })
            if error.name == "TypeError" && error.message == "typed failure"
                && error.stack.as_deref().is_some_and(|s| s.contains("at handler")))
    });
    expect(arena, "cycle", "{}", &|r| {
        matches!(r, Err(Error::InvalidResult { handler, reason })
            if handler == "cycle" && reason.starts_with("TypeError: circular reference"))
    });
    expect(
        arena,
        "dated",
        "{}",
        &ok(r#"{"when":"1970-01-01T00:00:00.000Z","never":null}"#),
    );
    expect(
        arena,
        "boxed",
        "{}",
        &ok(r#"{"n":5,"s":"s","b":false,"list":[1.5]}"#),
    );
    expect(arena, "undefined_result", "{}", &|r| {
        matches!(r, Err(Error::InvalidResult { .. }))
    });
    expect(arena, "pending", "{}", &|r| {
        matches!(r, Err(Error::PromiseNeverSettled { .. }))
    });
    expect(
        arena,
        "echo",
        r#"{"not json"#,
        &|r| matches!(r, Err(Error::InvalidEvent(message)) if message.starts_with("it is not valid JSON (SyntaxError: ")),
    );
    lines.lock().unwrap().clear();
    expect(arena, "logger", r#"{"k":[1]}"#, &ok("1"));
    let printed = lines.lock().unwrap().clone();
    if printed != ["event { k: [ 1 ] }"] {
        failures.push(format!("{what}: logger printed {printed:?}"));
    }
    failures
}

/// An arena with the `tamper` handler beside every victim, and the lines
/// the guest prints.
pub(crate) fn beside_victims(tamper: &str, source: &str) -> (Arena, Lines) {
    let (builder, lines) = collecting();
    let mut handlers = vec![(tamper, source)];
    handlers.extend_from_slice(VICTIMS);
    let arena = Arena::with(builder, warden::DEFAULT_GUEST_MEMORY_LIMIT, &handlers);
    (arena, lines)
}

/// Calls `tamper` once per mode (event `{"how": mode}`), each call followed
/// by every victim, then a restore. Returns how the victims differed from a
/// pristine sandbox, and what `own` finds wrong with the tampering call's
/// own outcome.
pub(crate) fn tamper_in_modes(
    arena: &mut Arena,
    lines: &Lines,
    tamper: &str,
    modes: &[&str],
    own: impl Fn(&str, &warden::Result<String>) -> Option<String>,
) -> Vec<String> {
    let mut failures = Vec::new();
    for how in modes {
        let event = format!(r#"{{"how":"{how}"}}"#);
        let outcome = arena.call(tamper, &event, &generous());
        println!("    {tamper} {how}: own result {:?}", outcome.result);
        failures.extend(own(how, &outcome.result));
        let found = victim_failures(arena, lines, &format!("{tamper} ({how})"));
        for failure in &found {
            println!("    {failure}");
        }
        failures.extend(found);
        arena.reset();
        victims_unaffected(arena, lines, "after restore");
    }
    failures
}

/// Every victim behaves exactly as it would in a pristine sandbox.
pub(crate) fn victims_unaffected(arena: &mut Arena, lines: &Lines, what: &str) {
    let failures = victim_failures(arena, lines, what);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(!arena.loaded.poisoned(), "{what}");
}
