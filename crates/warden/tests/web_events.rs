//! The web globals (`crypto`, `DOMException`, events and abort) through
//! the host: the guest's entropy comes from the host on every call, so
//! sandboxes restored from one snapshot draw different random values.

mod common;

use common::{collecting, loaded, loaded_with};

/// Random values and a UUID from the global `crypto`.
const RANDOM: &str = "function handler() {
    return { bytes: Array.from(crypto.getRandomValues(new Uint8Array(16))), uuid: crypto.randomUUID() };
}";

/// Aborts a controller whose signal some listeners follow.
const ABORT: &str = "
    const controller = new AbortController();
    const target = new EventTarget();
    const seen = [];
    target.addEventListener('tick', (e) => seen.push(e.detail), { signal: controller.signal });
    controller.signal.onabort = (e) => seen.push('aborted: ' + controller.signal.reason.name);
    function handler(event) {
        if (event.abort) controller.abort();
        target.dispatchEvent(new CustomEvent('tick', { detail: event.n }));
        return seen;
    }";

/// The bytes a `RANDOM` call drew.
fn bytes(result: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(result).unwrap()["bytes"].clone()
}

#[test]
fn random_uuids_are_version_4_and_differ() {
    let mut sandbox = loaded(&[("random", RANDOM)]);
    let mut uuids = Vec::new();
    for _ in 0..3 {
        let result = sandbox.handle_event("random", "{}", None).unwrap();
        let value: serde_json::Value = serde_json::from_str(&result).unwrap();
        let uuid = value["uuid"].as_str().unwrap().to_owned();
        let groups: Vec<_> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{uuid}");
        assert!(uuid
            .chars()
            .all(|c| c == '-' || matches!(c, '0'..='9' | 'a'..='f')));
        assert_eq!(&uuid[14..15], "4", "{uuid}");
        assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"), "{uuid}");
        uuids.push(uuid);
    }
    uuids.dedup();
    assert_eq!(uuids.len(), 3);
}

#[test]
fn sandboxes_restored_from_one_snapshot_draw_different_random_values() {
    let mut first = loaded(&[("random", RANDOM)]);
    let snapshot = first.snapshot().unwrap();
    let mut second = loaded(&[("random", RANDOM)]);
    second.restore(&snapshot).unwrap();
    first.restore(&snapshot).unwrap();
    let a = bytes(&first.handle_event("random", "{}", None).unwrap());
    let b = bytes(&second.handle_event("random", "{}", None).unwrap());
    assert_ne!(a, b);
    // So do two restores of the same sandbox.
    first.restore(&snapshot).unwrap();
    let c = bytes(&first.handle_event("random", "{}", None).unwrap());
    first.restore(&snapshot).unwrap();
    let d = bytes(&first.handle_event("random", "{}", None).unwrap());
    assert_ne!(c, d);
    assert_ne!(a, c);
}

#[test]
fn an_abort_controller_removes_listeners_and_fires_abort_once() {
    let mut sandbox = loaded(&[("abort", ABORT)]);
    let mut call = |event: &str| sandbox.handle_event("abort", event, None).unwrap();
    assert_eq!(call(r#"{"n":1}"#), "[1]");
    assert_eq!(call(r#"{"n":2}"#), "[1,2]");
    assert_eq!(
        call(r#"{"n":3,"abort":true}"#),
        r#"[1,2,"aborted: AbortError"]"#
    );
    assert_eq!(
        call(r#"{"n":4,"abort":true}"#),
        r#"[1,2,"aborted: AbortError"]"#
    );
}

#[test]
fn a_throwing_listener_is_reported_on_the_console() {
    let (builder, lines) = collecting();
    let mut sandbox = loaded_with(
        builder,
        &[(
            "throws",
            "function handler() {
                 const target = new EventTarget();
                 target.addEventListener('x', () => { throw new TypeError('listener failed'); });
                 return target.dispatchEvent(new Event('x', { cancelable: true }));
             }",
        )],
    );
    assert_eq!(sandbox.handle_event("throws", "{}", None).unwrap(), "true");
    let lines = lines.lock().unwrap();
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("Uncaught TypeError: listener failed")),
        "{lines:?}"
    );
}

#[test]
fn dom_exceptions_thrown_by_a_handler_keep_their_name() {
    let mut sandbox = loaded(&[(
        "quota",
        "function handler() { crypto.getRandomValues(new Uint8Array(65537)); }",
    )]);
    let error = sandbox.handle_event("quota", "{}", None).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("QuotaExceededError"), "{text}");
}

#[test]
fn structured_clone_keeps_kinds_and_cycles() {
    let mut sandbox = loaded(&[(
        "clone",
        "function handler() {
             const original = { when: new Date(7), map: new Map([[1, new Set(['a'])]]), bytes: new Uint8Array([1, 2]) };
             original.self = original;
             const copy = structuredClone(original);
             let refused;
             try { structuredClone({ f() {} }); } catch (e) { refused = e.name; }
             return [copy.self === copy, copy.when.getTime(), copy.map.get(1).has('a'),
                     Array.from(copy.bytes), copy.bytes !== original.bytes, refused];
         }",
    )]);
    assert_eq!(
        sandbox.handle_event("clone", "{}", None).unwrap(),
        r#"[true,7,true,[1,2],true,"DataCloneError"]"#
    );
}
