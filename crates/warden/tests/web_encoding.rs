//! `TextEncoder` and `TextDecoder` in a real sandbox: text round-trips
//! through the wasm guest, a handler's tampering leaves another's encoding
//! alone, and input past the heap limit is a catchable error.

mod common;

use common::loaded;

/// Encodes `e.text`, decodes it again (in one call and streamed a byte at
/// a time), and reports the bytes.
const ROUND_TRIP: &str = r#"
    function handler(e) {
        const bytes = new TextEncoder().encode(e.text);
        const streaming = new TextDecoder();
        let streamed = "";
        for (let i = 0; i < bytes.length; i++) {
            streamed += streaming.decode(bytes.subarray(i, i + 1), { stream: true });
        }
        streamed += streaming.decode();
        return { bytes: Array.from(bytes), text: new TextDecoder().decode(bytes), streamed };
    }"#;

/// Replaces what a handler could reach.
const TAMPER: &str = r#"
    function handler() {
        TextDecoder.prototype.decode = () => "tampered";
        Uint8Array.prototype.set = () => { throw new Error("set"); };
        return "done";
    }"#;

/// Encodes into a buffer.
const ENCODE_INTO: &str = r#"
    function handler(e) {
        const out = new Uint8Array(e.size);
        const { read, written } = new TextEncoder().encodeInto(e.text, out);
        return { read, written, bytes: Array.from(out.subarray(0, written)) };
    }"#;

/// Decodes more than the heap holds and says what it caught.
const TOO_BIG: &str = r#"
    function handler() {
        const big = new Uint8Array(16 << 20).fill(0xFF);
        try { return new TextDecoder().decode(big).length; }
        catch (error) { return `${error.name}: ${error.message}`; }
    }"#;

#[test]
fn text_round_trips_through_the_guest() {
    let mut sandbox = loaded(&[("round", ROUND_TRIP)]);
    let out = sandbox
        .handle_event(
            "round",
            r#"{"text":"h\u00e9 \u20ac \ud83d\ude00 \ud800"}"#,
            None,
        )
        .unwrap();
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        out["bytes"],
        serde_json::json!([
            0x68, 0xC3, 0xA9, 0x20, 0xE2, 0x82, 0xAC, 0x20, 0xF0, 0x9F, 0x98, 0x80, 0x20, 0xEF,
            0xBF, 0xBD
        ])
    );
    assert_eq!(out["text"], "hé € 😀 \u{FFFD}");
    assert_eq!(out["streamed"], out["text"]);
}

#[test]
fn tampering_in_one_handler_leaves_another_handlers_encoder_alone() {
    let mut sandbox = loaded(&[("tamper", TAMPER), ("into", ENCODE_INTO)]);
    assert_eq!(
        sandbox.handle_event("tamper", "{}", None).unwrap(),
        r#""done""#
    );
    let out = sandbox
        .handle_event("into", r#"{"text":"h\u00e9llo","size":3}"#, None)
        .unwrap();
    assert_eq!(out, r#"{"read":2,"written":3,"bytes":[104,195,169]}"#);
}

#[test]
fn decoding_past_the_heap_limit_is_a_catchable_error() {
    // 16 MiB of invalid bytes decode to 48 MiB of text: more than the
    // default 64 MiB of guest memory leaves the heap.
    let mut sandbox = loaded(&[("big", TOO_BIG), ("round", ROUND_TRIP)]);
    let out = sandbox.handle_event("big", "{}", Some(true)).unwrap();
    assert_eq!(out, r#""InternalError: out of memory""#);
    let again = sandbox
        .handle_event("round", r#"{"text":"ok"}"#, None)
        .unwrap();
    assert!(again.contains(r#""text":"ok""#), "{again}");
}
