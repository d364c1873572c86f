//! The global `crypto` (`getRandomValues`, `randomUUID`) and `DOMException`,
//! exercised natively; cases after web-platform-tests'
//! `WebCryptoAPI/getRandomValues.any.js`, `WebCryptoAPI/randomUUID.https.any.js`
//! and `webidl/ecmascript-binding/es-exceptions/`.

mod common;

use common::{body, result, thrown};

#[test]
fn every_integer_typed_array_is_filled_in_place_and_returned() {
    let out = result(
        "function handler() {
             const kinds = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array,
                            Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
             return kinds.map((Kind) => {
                 const array = new Kind(64);
                 const same = crypto.getRandomValues(array) === array;
                 return same && array.some((x) => x != 0);
             });
         }",
    );
    assert_eq!(out, serde_json::json!(vec![true; 9]));
}

#[test]
fn float_arrays_and_data_views_are_type_mismatch_errors() {
    for kind in ["Float16Array", "Float32Array", "Float64Array", "DataView"] {
        let out = result(&format!(
            "function handler() {{
                 const arg = {kind} === DataView ? new DataView(new ArrayBuffer(8)) : new {kind}(2);
                 try {{ crypto.getRandomValues(arg); return 'no error'; }}
                 catch (e) {{ return [e instanceof DOMException, e.name, e.code]; }}
             }}"
        ));
        assert_eq!(
            out,
            serde_json::json!([true, "TypeMismatchError", 17]),
            "{kind}"
        );
    }
}

#[test]
fn what_is_not_a_view_is_a_type_error() {
    for arg in ["", "new ArrayBuffer(8)", "[1, 2]", "null", "'abc'"] {
        let (name, _) = thrown(&body(&format!("crypto.getRandomValues({arg});")));
        assert_eq!(name, "TypeError", "{arg}");
    }
}

#[test]
fn more_than_65536_bytes_is_a_quota_exceeded_error() {
    let out = result(
        "function handler() {
             const ok = crypto.getRandomValues(new Uint8Array(65536)).length;
             const quota = (array) => {
                 try { crypto.getRandomValues(array); return 'no error'; }
                 catch (e) { return [e instanceof DOMException, e.name, e.code]; }
             };
             return [ok, quota(new Uint8Array(65537)), quota(new Uint32Array(16385)),
                     crypto.getRandomValues(new BigUint64Array(8192)).length];
         }",
    );
    assert_eq!(
        out,
        serde_json::json!([
            65536,
            [true, "QuotaExceededError", 22],
            [true, "QuotaExceededError", 22],
            8192
        ])
    );
}

#[test]
fn only_the_view_is_filled_not_the_rest_of_its_buffer() {
    let out = result(
        "function handler() {
             const buffer = new ArrayBuffer(48);
             crypto.getRandomValues(new Uint32Array(buffer, 16, 4));
             const bytes = new Uint8Array(buffer);
             return [bytes.slice(0, 16).every((b) => b === 0), bytes.slice(32).every((b) => b === 0),
                     bytes.slice(16, 32).some((b) => b !== 0)];
         }",
    );
    assert_eq!(out, serde_json::json!([true, true, true]));
}

#[test]
fn calls_draw_different_bytes() {
    let out = result(
        "function handler() {
             const a = crypto.getRandomValues(new Uint8Array(32)).join();
             const b = crypto.getRandomValues(new Uint8Array(32)).join();
             return a !== b;
         }",
    );
    assert_eq!(out, serde_json::json!(true));
}

#[test]
fn random_uuids_are_version_4_and_unique() {
    let out = result(
        r"function handler() {
             const seen = new Set();
             const form = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
             for (let i = 0; i < 1000; i++) {
                 const uuid = crypto.randomUUID();
                 if (!form.test(uuid)) return uuid;
                 seen.add(uuid);
             }
             return seen.size;
         }",
    );
    assert_eq!(out, serde_json::json!(1000));
}

#[test]
fn the_global_crypto_is_not_the_crypto_module() {
    let out = result(
        "import * as module from 'crypto';
         export function handler() {
             return [typeof globalThis.crypto.getRandomValues, typeof module.createHash,
                     'getRandomValues' in module, Object.prototype.toString.call(crypto),
                     Object.keys(globalThis).includes('crypto')];
         }",
    );
    assert_eq!(
        out,
        serde_json::json!(["function", "function", false, "[object Crypto]", false])
    );
}

#[test]
fn dom_exception_defaults_and_converts_its_arguments() {
    let out = result(
        "function handler() {
             const plain = new DOMException();
             const given = new DOMException(12, { toString: () => 'NotFoundError' });
             return [plain.name, plain.message, plain.code, given.name, given.message, given.code,
                     new DOMException(undefined, undefined).name, String(new DOMException('m', 'AbortError')),
                     Object.hasOwn(plain, 'message'), Object.hasOwn(plain, 'name')];
         }",
    );
    assert_eq!(
        out,
        serde_json::json!([
            "Error",
            "",
            0,
            "NotFoundError",
            "12",
            8,
            "Error",
            "AbortError: m",
            false,
            false
        ])
    );
}

#[test]
fn dom_exception_codes_follow_the_legacy_table() {
    let out = result(
        "function handler() {
             const names = ['IndexSizeError', 'NotFoundError', 'NotSupportedError', 'InvalidStateError',
                 'SyntaxError', 'InvalidAccessError', 'TypeMismatchError', 'SecurityError',
                 'NetworkError', 'AbortError', 'QuotaExceededError', 'TimeoutError', 'DataCloneError',
                 'EncodingError', 'NotAllowedError', 'Error', 'constructor'];
             return names.map((name) => new DOMException('', name).code);
         }",
    );
    assert_eq!(
        out,
        serde_json::json!([1, 8, 9, 11, 12, 15, 17, 18, 19, 20, 22, 23, 25, 0, 0, 0, 0])
    );
}

#[test]
fn dom_exception_constants_are_fixed_on_constructor_and_prototype() {
    let out = result(
        "function handler() {
             const d = Object.getOwnPropertyDescriptor(DOMException, 'ABORT_ERR');
             const p = Object.getOwnPropertyDescriptor(DOMException.prototype, 'DATA_CLONE_ERR');
             return [d.value, d.writable, d.enumerable, d.configurable, p.value,
                     DOMException.INDEX_SIZE_ERR, DOMException.VALIDATION_ERR, new DOMException().TIMEOUT_ERR];
         }",
    );
    assert_eq!(
        out,
        serde_json::json!([20, false, true, false, 25, 1, 16, 23])
    );
}

#[test]
fn dom_exception_is_an_error_with_a_stack_and_branded_getters() {
    let out = result(
        "function handler() {
             const e = new DOMException('boom', 'AbortError');
             let brand;
             try { Object.getOwnPropertyDescriptor(DOMException.prototype, 'name').get.call({}); }
             catch (err) { brand = err.name; }
             return [e instanceof Error, e instanceof DOMException,
                     Object.getPrototypeOf(DOMException.prototype) === Error.prototype,
                     typeof e.stack, Object.prototype.toString.call(e), brand,
                     DOMException.prototype.constructor === DOMException];
         }",
    );
    assert_eq!(
        out,
        serde_json::json!([
            true,
            true,
            true,
            "string",
            "[object DOMException]",
            "TypeError",
            true
        ])
    );
}

#[test]
fn a_thrown_dom_exception_reports_its_name_and_message() {
    let (name, message) = thrown(&body(
        "throw new DOMException('no more', 'QuotaExceededError');",
    ));
    assert_eq!(
        (name.as_str(), message.as_str()),
        ("QuotaExceededError", "no more")
    );
}
