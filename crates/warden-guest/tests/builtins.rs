//! The built-in modules (`crypto`, `io`, `console`, `require`) and globals
//! (`print`, `require`), exercised natively.

mod common;

use common::{result, run, runtime, runtime_with_limits, thrown};
use warden_abi::{LogLevel, Status, MAX_PRINT_LINE};
use warden_guest::Limits;

#[test]
fn hmac_matches_rfc_4231_in_every_encoding() {
    let out = result(
        "import { createHmac } from 'crypto';
         export function handler() {
             const key = new Uint8Array(20).fill(0x0b);
             const out = {};
             for (const alg of ['sha256', 'SHA384', 'Sha512']) {
                 const h = createHmac(alg, key).update('Hi There');
                 out[alg] = [h.digest('hex'), h.digest('base64'), h.digest('base64url')];
             }
             out.jefe = createHmac('sha256', 'Jefe').update('what do ya want ')
                 .update(ascii('for nothing?')).digest('hex');
             return out;
         }
         function ascii(s) { return Uint8Array.from(s, (c) => c.charCodeAt(0)); }",
    );
    assert_eq!(
        out["sha256"],
        serde_json::json!([
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            "sDRMYdjbOFNcqK/OrwvxK4gdwgDJgz2nJuk3bC4yz/c=",
            "sDRMYdjbOFNcqK_OrwvxK4gdwgDJgz2nJuk3bC4yz_c",
        ])
    );
    assert_eq!(
        out["SHA384"][0],
        "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c\
         faea9ea9076ede7f4af152e8b2fa9cb6"
    );
    assert_eq!(
        out["Sha512"][1],
        "h6p83qXvYZ1P8LQkGh1ssCN59OLOTsJ4etCzBUXhfN7aqDO31rinAgOLJ06uo/Tkvp2RTuth8XAuaWwgOhJoVA=="
    );
    assert_eq!(
        out["jefe"],
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn keys_longer_than_a_block_are_hashed_first() {
    // RFC 4231 test case 6, with the key as bytes and as text whose UTF-8
    // form is the same 131 bytes.
    let out = result(
        "import { createHmac } from 'crypto';
         const DATA = 'Test Using Larger Than Block-Size Key - Hash Key First';
         export function handler() {
             const bytes = new Uint8Array(131).fill(0xaa);
             return [
                 createHmac('sha512', bytes).update(DATA).digest('hex'),
                 createHmac('sha256', bytes.buffer).update(DATA).digest('hex'),
             ];
         }",
    );
    assert_eq!(
        out[0],
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352\
         6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
    );
    assert_eq!(
        out[1],
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}

#[test]
fn hashes_take_text_buffers_and_views_of_them() {
    let out = result(
        "import { createHash } from 'crypto';
         const ABC = '616263';
         export function handler() {
             const raw = new Uint8Array([0, 0x61, 0x62, 0x63, 0]);
             const hex = (data) => createHash('sha256').update(data).digest('hex');
             const bytes = createHash('sha256').update('abc', null).digest();
             const same = (d) => Array.from(d).join() === Array.from(bytes).join();
             return {
                 text: hex('abc'),
                 view: hex(raw.subarray(1, 4)),
                 wide: hex(new Uint16Array(raw.buffer.slice(1, 3))) + '|' + hex('ab'),
                 dataView: hex(new DataView(raw.buffer, 1, 3)),
                 buffer: hex(raw.buffer.slice(1, 4)),
                 parts: createHash('sha256').update('a').update(new Uint8Array([0x62])).update('c').digest('hex'),
                 sha1: createHash('sha1').update('abc').digest('hex'),
                 bytes: [bytes instanceof Uint8Array, bytes.length, bytes[0], bytes[31]],
                 buffers: [null, 'Buffer'].map((e) => createHash('sha256').update('abc', 'UTF-8').digest(e))
                     .every((d) => d instanceof Uint8Array && same(d)),
                 surrogate: hex('a\\ud800b') === hex('a\\ufffdb'),
                 empty: [new ArrayBuffer(0), new Uint8Array(0), new DataView(new ArrayBuffer(0)), '']
                     .map(hex).every((h) => h === hex(raw.subarray(0, 0))),
             };
         }",
    );
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    for key in ["text", "view", "dataView", "buffer", "parts"] {
        assert_eq!(out[key], abc, "{key}");
    }
    let (wide, ab) = out["wide"].as_str().unwrap().split_once('|').unwrap();
    assert_eq!(wide, ab);
    assert_eq!(out["sha1"], "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_eq!(out["bytes"], serde_json::json!([true, 32, 0xba, 0xad]));
    assert_eq!(out["buffers"], true);
    assert_eq!(out["surrogate"], true);
    assert_eq!(out["empty"], true);
}

#[test]
fn a_buffer_changed_after_update_does_not_change_the_digest() {
    let out = result(
        "import { createHash } from 'crypto';
         export function handler() {
             const data = new Uint8Array([0x61, 0x62, 0x63]);
             const h = createHash('sha256').update(data);
             data.fill(0);
             return h.digest('hex');
         }",
    );
    assert_eq!(
        out,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn bad_algorithms_encodings_and_data_are_type_errors() {
    for (call, needle) in [
        ("createHmac('md5', 'k')", "\"md5\""),
        ("createHash('sha3-256')", "\"sha3-256\""),
        ("createHash(42)", "algorithm"),
        ("createHash('sha256').update(42)", "number"),
        ("createHash('sha256').update({})", "object"),
        ("createHmac('sha256', null)", "key"),
        ("createHash('sha256').update('x', 'hex')", "\"hex\""),
        ("createHash('sha256').digest('latin1')", "\"latin1\""),
        ("createHash('sha256').digest(7)", "encoding"),
        ("const b = new ArrayBuffer(4); b.transfer(); createHash('sha1').update(b)", "detached"),
        ("const b = new ArrayBuffer(4), v = new Int32Array(b); b.transfer(); createHmac('sha1', v)", "detached"),
    ] {
        let source = format!(
            "import {{ createHash, createHmac }} from 'crypto';
             export function handler() {{ {call}; return 0; }}"
        );
        let (name, message) = thrown(&source);
        assert_eq!(name, "TypeError", "{call}: {message}");
        assert!(message.contains(needle), "{call}: {message}");
    }
}

#[test]
fn a_hash_digests_once_but_a_bad_encoding_does_not_use_it_up() {
    let out = result(
        "import { createHash } from 'crypto';
         export function handler() {
             const h = createHash('sha256').update('abc');
             const errors = [];
             try { h.digest('nope'); } catch (e) { errors.push(e.name); }
             const hex = h.digest('hex');
             for (const again of [() => h.digest('hex'), () => h.update('x')]) {
                 try { again(); } catch (e) { errors.push(e.constructor === Error, e.message); }
             }
             return { hex, errors };
         }",
    );
    assert_eq!(
        out["hex"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        out["errors"],
        serde_json::json!([
            "TypeError",
            true,
            "Digest already called",
            true,
            "Digest already called"
        ])
    );
}

#[test]
fn an_hmac_digests_again_and_update_after_digest_starts_a_new_message() {
    // As in hyperlight-js, whose handlers read one HMAC in several encodings.
    let out = result(
        "import { createHmac, Hmac } from 'crypto';
         export function handler() {
             const h = createHmac('sha256', 'Jefe').update('what do ya want for nothing?');
             const first = h.digest('hex');
             const again = h.digest('hex') === first;
             const bytes = h.digest();
             bytes.fill(0);
             const intact = h.digest('hex') === first;
             const next = h.update('Hi').digest('hex');
             const fresh = new Hmac('sha256', 'Jefe').update('Hi').finalize().digest('hex');
             return { first, again, intact, newMessage: next === fresh, isHmac: h instanceof Hmac };
         }",
    );
    assert_eq!(
        out["first"],
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    for key in ["again", "intact", "newMessage", "isHmac"] {
        assert_eq!(out[key], true, "{key}");
    }
}

#[test]
fn the_crypto_module_has_named_and_default_exports() {
    let out = result(
        "import * as ns from 'crypto';
         import crypto from 'crypto';
         export function handler() {
             return [Object.keys(ns).sort(), Object.keys(crypto).sort(),
                     crypto.createHash('sha256').update('abc').digest('hex').slice(0, 8)];
         }",
    );
    assert_eq!(
        out,
        serde_json::json!([
            ["Hash", "Hmac", "createHash", "createHmac", "default"],
            ["Hash", "Hmac", "createHash", "createHmac"],
            "ba7816bf"
        ])
    );
}

#[test]
fn print_writes_one_log_line_without_its_trailing_newline() {
    let (host, result) = run("import { print, flush } from 'io';
         import * as io from 'io';
         export function handler() {
             print('one\\n');
             io.print('two\\n\\n');
             globalThis.print('three');
             print(4);
             flush();
             print('x'.repeat(100000) + '\\n');
             return 0;
         }");
    result.unwrap();
    let printed = host.printed.borrow();
    let lines: Vec<&str> = printed.iter().map(|(_, line)| line.as_str()).collect();
    assert_eq!(&lines[..4], ["one", "two\n", "three", "4"]);
    assert!(printed.iter().all(|(level, _)| *level == LogLevel::Log));
    assert_eq!(printed.len(), 5);
    assert!(lines[4].len() <= MAX_PRINT_LINE, "{}", lines[4].len());
    assert!(
        lines[4].ends_with("… [cut from 100001 bytes]"),
        "{}",
        lines[4]
    );
}

#[test]
fn a_line_that_fits_once_its_newline_is_dropped_is_whole() {
    let (host, result) = run(&format!(
        "function handler() {{ print('y'.repeat({MAX_PRINT_LINE}) + '\\n'); return 0; }}"
    ));
    result.unwrap();
    assert_eq!(host.printed.borrow()[0].1, "y".repeat(MAX_PRINT_LINE));
}

#[test]
fn the_console_module_prints_at_each_level() {
    let (host, result) = run("import { log, warn, error } from 'console';
         import console from 'console';
         export function handler() {
             log('a', 1); warn('w'); error('e'); console.info({ i: 1 }); console.debug('d');
             return 0;
         }");
    result.unwrap();
    assert_eq!(
        *host.printed.borrow(),
        [
            (LogLevel::Log, "a 1".to_owned()),
            (LogLevel::Warn, "w".to_owned()),
            (LogLevel::Error, "e".to_owned()),
            (LogLevel::Info, "{ i: 1 }".to_owned()),
            (LogLevel::Debug, "d".to_owned()),
        ]
    );
}

#[test]
fn require_returns_built_in_and_host_module_namespaces() {
    let out = result(
        "import req, { require as named } from 'require';
         function handler() {
             const crypto = require('crypto');
             const math = require('host:math');
             return {
                 hash: crypto.createHash('sha256').update('abc').digest('hex').slice(0, 8),
                 sum: math.add(2, 3),
                 same: require('crypto') === crypto && req('crypto') === crypto
                     && named('io').print === require('io').print,
                 globals: [typeof print, typeof require],
             };
         }",
    );
    assert_eq!(out["hash"], "ba7816bf");
    assert_eq!(out["sum"], 5.0);
    assert_eq!(out["same"], true);
    assert_eq!(out["globals"], serde_json::json!(["function", "function"]));
}

#[test]
fn require_of_an_unknown_module_throws_an_error_naming_it() {
    for (call, needle) in [
        ("require('nope')", "nope"),
        ("require('host:nope')", "host:nope"),
        ("require('fs')", "fs"),
        ("require(42)", "string"),
    ] {
        let out = result(&format!(
            "function handler() {{
                 try {{ {call}; return 'loaded'; }}
                 catch (e) {{ return [e instanceof Error, e.message]; }}
             }}"
        ));
        assert_eq!(out[0], true, "{call}: {out}");
        assert!(out[1].as_str().unwrap().contains(needle), "{call}: {out}");
    }
}

#[test]
fn require_works_in_top_level_code() {
    let out = result(
        "const order = [];
         Promise.resolve().then(() => order.push('job'));
         const { createHash } = require('crypto');
         order.push('required');
         function handler() {
             return [order, createHash('sha1').update('abc').digest('hex').slice(0, 8)];
         }",
    );
    assert_eq!(out[1], "a9993e36");
    assert_eq!(out[0].as_array().unwrap().len(), 2);
}

#[test]
fn refused_imports_say_that_built_in_modules_exist() {
    let (_, mut rt) = runtime();
    let error = rt
        .add_handler(
            "h",
            "import * as fs from 'fs'; export function handler() {}",
        )
        .unwrap_err();
    assert_eq!(error.status, Status::CompileFailed);
    let message = error.info().unwrap().message;
    for name in ["crypto", "io", "console", "require", "host:"] {
        assert!(message.contains(name), "{message}");
    }
}

#[test]
fn a_handler_named_like_a_built_in_module_neither_shadows_it_nor_leaks() {
    let (_, mut rt) = runtime();
    rt.add_handler("crypto", "export const leaked = 1; function handler() {}")
        .unwrap();
    rt.add_handler(
        "h",
        "import * as c from 'crypto';
         function handler() { return [typeof c.createHash, 'leaked' in c]; }",
    )
    .unwrap();
    assert_eq!(rt.call("h", b"{}", false).unwrap(), r#"["function",false]"#);
}

#[test]
fn running_out_of_heap_while_hashing_is_out_of_memory_and_the_runtime_goes_on() {
    let (_, mut rt) = runtime_with_limits(
        Limits {
            heap: 8 << 20,
            ..Limits::default()
        },
        &["import { createHmac } from 'crypto';
         function handler(e) {
             if (e.digest) return createHmac('sha512', 'k').update('x').digest('hex').length;
             const kept = [];
             for (;;) kept.push(createHmac('sha512', 'k').update('x'.repeat(64) + kept.length));
         }"],
    );
    let error = rt.call("h0", b"{}", true).unwrap_err();
    assert_eq!(error.status, Status::OutOfMemory, "{error:?}");
    assert_eq!(rt.call("h0", br#"{"digest":true}"#, true).unwrap(), "128");
}

#[test]
fn string_bytes_from_decodes_base64_in_either_alphabet() {
    let decoded = result(
        r#"function handler() {
            return [
                String.bytesFrom("eyJhbGciOiJIUzI1NiJ9", "base64url"),
                String.bytesFrom("SGVsbG8gV29ybGQhIQo=", "base64url"),
                String.bytesFrom("-_8", "base64url").length,
                String.bytesFrom("+/8=", "base64"),
            ];
        }"#,
    );
    assert_eq!(
        decoded,
        serde_json::json!([
            r#"{"alg":"HS256"}"#,
            "Hello World!!\n",
            2,
            "\u{fffd}\u{fffd}"
        ])
    );
    for (source, name, says) in [
        (
            "String.bytesFrom('abc', 'hex')",
            "TypeError",
            "unsupported encoding",
        ),
        (
            "String.bytesFrom(7, 'base64url')",
            "TypeError",
            "must be a string",
        ),
        (
            "String.bytesFrom('a', 'base64url')",
            "TypeError",
            "not base64",
        ),
        (
            "String.bytesFrom('A'.repeat(2 << 20), 'base64url')",
            "RangeError",
            "over",
        ),
    ] {
        let (thrown_name, message) = thrown(&format!("function handler() {{ {source}; }}"));
        assert_eq!(thrown_name, name, "{source}: {message}");
        assert!(message.contains(says), "{source}: {message}");
    }
}
