//! The built-in modules and globals, through the public API: `crypto`
//! against published test vectors, `print` and `io` reaching the print
//! function, `require` of built-in and host modules, and the limits that
//! still hold.

mod common;

use common::{collecting, loaded, loaded_from, loaded_with};
use serde_json::{json, Value};
use warden::{Error, SandboxBuilder};

/// Signs the event's `data` with its `key` (text, or bytes when `bytes` is
/// set) in every encoding; `parts` feeds the data a character at a time.
const SIGN: &str = r#"
    import { createHmac } from 'crypto';
    function handler({ algorithm, key, data, bytes, parts }) {
        const k = bytes ? new Uint8Array(key) : key;
        const h = createHmac(algorithm, k);
        if (parts) { for (const c of data) h.update(new Uint8Array([c.charCodeAt(0)])); }
        else h.update(data);
        return { hex: h.digest('hex'), base64: h.digest('base64'), url: h.digest('base64url') };
    }"#;

/// What [`SIGN`] returns for `event`.
fn sign(event: Value) -> Value {
    let mut sandbox = loaded(&[("sign", SIGN)]);
    let out = sandbox
        .handle_event("sign", event.to_string(), None)
        .unwrap();
    serde_json::from_str(&out).unwrap()
}

#[test]
fn hmac_matches_rfc_4231_test_case_1_with_sha256_384_and_512() {
    let key = vec![0x0b; 20];
    for (algorithm, hex, base64) in [
        (
            "sha256",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            "sDRMYdjbOFNcqK/OrwvxK4gdwgDJgz2nJuk3bC4yz/c=",
        ),
        (
            "sha384",
            "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c\
             faea9ea9076ede7f4af152e8b2fa9cb6",
            "r9A5RNhIlWJrCCX0q0aQfxX52tvkEB7GgqoDTHzrxZz66p6pB27ef0rxUuiy+py2",
        ),
        (
            "sha512",
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde\
             daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
            "h6p83qXvYZ1P8LQkGh1ssCN59OLOTsJ4etCzBUXhfN7aqDO31rinAgOLJ06uo/Tkvp2RTuth8XAuaWwgOhJoVA==",
        ),
    ] {
        let out = sign(json!({ "algorithm": algorithm, "key": key, "data": "Hi There", "bytes": true }));
        assert_eq!(out["hex"], hex, "{algorithm}");
        assert_eq!(out["base64"], base64, "{algorithm}");
        let url = base64.trim_end_matches('=').replace('+', "-").replace('/', "_");
        assert_eq!(out["url"], url, "{algorithm}");
    }
}

#[test]
fn hmac_matches_rfc_4231_test_case_2_with_a_text_key_and_chained_updates() {
    for (algorithm, hex) in [
        (
            "SHA256",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            "sha384",
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e\
             8e2240ca5e69e2c78b3239ecfab21649",
        ),
        (
            "Sha512",
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        ),
    ] {
        let data = "what do ya want for nothing?";
        let whole = sign(json!({ "algorithm": algorithm, "key": "Jefe", "data": data }));
        let parts =
            sign(json!({ "algorithm": algorithm, "key": "Jefe", "data": data, "parts": true }));
        assert_eq!(whole["hex"], hex, "{algorithm}");
        assert_eq!(parts["hex"], hex, "{algorithm}");
    }
}

#[test]
fn create_hash_of_abc_is_the_known_sha256_digest() {
    let mut sandbox = loaded(&[(
        "hash",
        "import { createHash } from 'crypto';
         export function handler() {
             const bytes = createHash('sha256').update('a').update('bc').digest();
             return [createHash('sha256').update('abc').digest('hex'), Array.from(bytes.slice(0, 2))];
         }",
    )]);
    assert_eq!(
        sandbox.handle_event("hash", "{}", None).unwrap(),
        r#"["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",[186,120]]"#
    );
}

#[test]
fn an_unknown_algorithm_makes_the_handler_throw_a_type_error() {
    let mut sandbox = loaded(&[(
        "md5",
        "import { createHmac } from 'crypto';
         function handler() { return createHmac('md5', 'key').update('x').digest('hex'); }",
    )]);
    let error = sandbox.handle_event("md5", "{}", None).unwrap_err();
    let Error::HandlerThrew { handler, error } = &error else {
        panic!("{error}");
    };
    assert_eq!(handler, "md5");
    assert_eq!(error.name, "TypeError");
    assert!(
        error.message.contains("unsupported hash algorithm \"md5\""),
        "{error:?}"
    );
}

#[test]
fn print_and_io_print_reach_the_print_function() {
    let (builder, lines) = collecting();
    let mut sandbox = loaded_with(
        builder,
        &[(
            "printer",
            "import { print as ioPrint, flush } from 'io';
             function handler() {
                 console.log('before');
                 print('global\\n');
                 ioPrint('module');
                 flush();
                 return typeof print;
             }",
        )],
    );
    assert_eq!(
        sandbox.handle_event("printer", "{}", None).unwrap(),
        "\"function\""
    );
    assert_eq!(*lines.lock().unwrap(), ["before", "global", "module"]);
}

#[test]
fn printing_counts_against_the_console_budget() {
    let (builder, lines) = collecting();
    let mut sandbox = loaded_with(
        builder.max_console_output(10),
        &[(
            "printer",
            "function handler() { print('12345'); print('67890'); print('x'); return 0; }",
        )],
    );
    sandbox.handle_event("printer", "{}", None).unwrap();
    let lines = lines.lock().unwrap();
    assert_eq!(lines[..2], ["12345", "67890"]);
    assert!(lines[2].contains("1 console line(s)"), "{lines:?}");
}

#[test]
fn require_loads_built_in_and_declared_host_modules_and_refuses_others() {
    let mut proto = SandboxBuilder::new().build().unwrap();
    proto
        .register("math", "add", |a: i32, b: i32| a + b)
        .unwrap();
    let mut sandbox = loaded_from(
        proto,
        &[(
            "req",
            "function handler(e) {
                 if (e.name) {
                     try { require(e.name); return 'loaded'; }
                     catch (err) { return err instanceof Error && err.message; }
                 }
                 const crypto = require('crypto');
                 return [crypto.createHash('sha256').update('abc').digest('hex').slice(0, 8),
                         require('host:math').add(2, 3)];
             }",
        )],
    );
    assert_eq!(
        sandbox.handle_event("req", "{}", None).unwrap(),
        r#"["ba7816bf",5]"#
    );
    for name in ["nope", "fs", "host:nope", "req"] {
        let out = sandbox
            .handle_event("req", json!({ "name": name }).to_string(), None)
            .unwrap();
        let message: String = serde_json::from_str(&out).unwrap();
        assert!(message.contains(&format!("'{name}'")), "{name}: {message}");
    }
}

#[test]
fn a_handler_with_imports_needs_no_export() {
    let mut sandbox = loaded(&[(
        "plain",
        "import { createHash } from 'crypto';
         import { log } from 'console';
         function handler(event) { log('hashing'); return createHash('sha1').update(event.s).digest('hex'); }",
    )]);
    assert_eq!(
        sandbox
            .handle_event("plain", r#"{"s":"abc"}"#, None)
            .unwrap(),
        "\"a9993e364706816aba3e25717850c26c9cd0d89d\""
    );
}

#[test]
fn built_ins_work_the_same_after_a_restore() {
    let mut sandbox = loaded(&[("sign", SIGN)]);
    let snapshot = sandbox.snapshot().unwrap();
    let event =
        json!({ "algorithm": "sha256", "key": "Jefe", "data": "what do ya want for nothing?" })
            .to_string();
    let first = sandbox.handle_event("sign", event.as_str(), None).unwrap();
    sandbox.restore(&snapshot).unwrap();
    assert_eq!(
        sandbox.handle_event("sign", event.as_str(), None).unwrap(),
        first
    );
}

#[test]
fn filling_the_heap_with_hmacs_is_a_catchable_out_of_memory_error() {
    // Each HMAC keeps its state in the JavaScript heap: were it kept
    // outside, this many would outgrow the guest's memory and trap.
    let builder = SandboxBuilder::new()
        .guest_memory_limit(16 << 20)
        .max_event_size(64 << 10)
        .max_result_size(64 << 10);
    let mut sandbox = loaded_with(
        builder,
        &[(
            "fill",
            "import { createHmac } from 'crypto';
             function handler() {
                 let kept = [];
                 try { for (;;) kept.push(createHmac('sha512', 'k').update('x')); }
                 catch (e) { const count = kept.length; kept = null; return [String(e), count > 10000]; }
             }",
        )],
    );
    assert_eq!(
        sandbox.handle_event("fill", "{}", None).unwrap(),
        r#"["InternalError: out of memory",true]"#
    );
}
