//! `URL` and `URLSearchParams` inside the sandbox, through the public API:
//! a handler takes a URL from its event and returns its parts.

mod common;

use common::loaded;
use serde_json::{json, Value};

/// Returns the parts of the event's `url` (against its `base`, if any) and
/// its query's pairs, or the error it threw.
const PARTS: &str = r#"
    function handler({ url, base }) {
        let u;
        try { u = new URL(url, base); } catch (e) { return { error: `${e.name}: ${e.message}` }; }
        const { href, origin, protocol, username, password, host, hostname, port,
                pathname, search, hash } = u;
        return { href, origin, protocol, username, password, host, hostname, port,
                 pathname, search, hash, query: [...u.searchParams], url: u };
    }"#;

/// What [`PARTS`] returns for `event`.
fn parts(event: Value) -> Value {
    let mut sandbox = loaded(&[("parts", PARTS)]);
    let out = sandbox
        .handle_event("parts", event.to_string(), None)
        .unwrap();
    serde_json::from_str(&out).unwrap()
}

#[test]
fn a_handler_reads_the_parts_of_a_url_from_its_event() {
    let out = parts(json!({
        "url": "../Straße/?q=a+b&q=%C3%A9#top",
        "base": "https://me:secret@münchen.de:443/a/b/c",
    }));
    assert_eq!(
        out,
        json!({
            "href": "https://me:secret@xn--mnchen-3ya.de/a/Stra%C3%9Fe/?q=a+b&q=%C3%A9#top",
            "origin": "https://xn--mnchen-3ya.de",
            "protocol": "https:",
            "username": "me",
            "password": "secret",
            "host": "xn--mnchen-3ya.de",
            "hostname": "xn--mnchen-3ya.de",
            "port": "",
            "pathname": "/a/Stra%C3%9Fe/",
            "search": "?q=a+b&q=%C3%A9",
            "hash": "#top",
            "query": [["q", "a b"], ["q", "é"]],
            "url": "https://me:secret@xn--mnchen-3ya.de/a/Stra%C3%9Fe/?q=a+b&q=%C3%A9#top",
        })
    );
}

#[test]
fn an_invalid_url_is_a_catchable_type_error() {
    assert_eq!(
        parts(json!({ "url": "http://[::1" })),
        json!({ "error": "TypeError: Invalid URL: invalid IPv6 address" })
    );
}

#[test]
fn ip_hosts_are_normalized_in_the_guest_build() {
    assert_eq!(
        parts(json!({ "url": "http://0x7f.1:8080/" }))["host"],
        "127.0.0.1:8080"
    );
    assert_eq!(
        parts(json!({ "url": "http://[2001:db8:0:0:0:0:0:1]/" }))["hostname"],
        "[2001:db8::1]"
    );
}
