//! The global object's own web names: `self` and `navigator`.

mod common;

use common::{body, result, runtime_with};
use serde_json::json;

#[test]
fn self_is_the_global_object_and_may_be_replaced() {
    let out = result(&body(
        "const d = Object.getOwnPropertyDescriptor(globalThis, 'self');
         return [self === globalThis, d.writable, d.enumerable, d.configurable];",
    ));
    assert_eq!(out, json!([true, true, false, true]));
}

#[test]
fn navigator_names_warden_and_its_version() {
    let out = result(&body(
        "const d = Object.getOwnPropertyDescriptor(navigator, 'userAgent');
         return [navigator.userAgent, d.writable, d.enumerable, typeof navigator];",
    ));
    let agent = format!("Warden/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(out, json!([agent, false, true, "object"]));
}

#[test]
fn code_that_tests_for_a_browser_global_finds_one() {
    let (_, mut rt) = runtime_with(&[
        "const root = typeof self !== 'undefined' ? self : typeof window !== 'undefined' ? window : global;
         export function handler() { return [root === globalThis, typeof window, typeof global]; }",
    ]);
    let json = rt.call("h0", b"{}", true).unwrap();
    assert_eq!(json, r#"[true,"undefined","undefined"]"#);
}
