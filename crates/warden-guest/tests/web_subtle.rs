//! `crypto.subtle` and `CryptoKey`, exercised natively; cases after
//! web-platform-tests' `WebCryptoAPI/` (digest, sign_verify, encrypt_decrypt,
//! import_export, generateKey, derive_bits_keys) and RFC test vectors. The
//! keys and signatures in `fixtures/subtle-vectors.json` were made by
//! Node.js's Web Crypto, so each case also checks Warden agrees with it.

mod common;

use common::result;
use serde_json::{json, Value};

/// The result of an async handler with `body`, which can use the Node.js
/// vectors as `v`, the helpers `hex(buffer)`, `unhex(text)`, `b64(text)`
/// (base64 to bytes), `utf8(text)`, and `outcome(promise)`, which resolves
/// to the value or to `[name, message]` of the rejection.
fn subtle(body: &str) -> Value {
    let vectors = include_str!("fixtures/subtle-vectors.json");
    result(&format!(
        "async function handler(event) {{
             const v = {vectors};
             const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
             const unhex = (t) => new Uint8Array(t.match(/../g).map((x) => parseInt(x, 16)));
             const b64 = (t) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
             const utf8 = (t) => new TextEncoder().encode(t);
             const outcome = (p) => p.then((x) => x, (e) => [e.name, e.message]);
             const s = crypto.subtle;
             {body}
         }}"
    ))
}

/// The name a rejection of `call` has.
fn rejection(call: &str) -> String {
    let out = subtle(&format!(
        "const r = await outcome({call}); return Array.isArray(r) ? r[0] : 'resolved';"
    ));
    out.as_str().expect("a name").to_owned()
}

#[test]
fn digests_match_the_fips_vectors() {
    let out = subtle(
        "const abc = utf8('abc');
         return [
             hex(await s.digest('SHA-1', abc)),
             hex(await s.digest('sha-256', abc)),
             hex(await s.digest({ name: 'SHA-384' }, abc.buffer)),
             hex(await s.digest('SHA-512', new DataView(abc.buffer))),
             hex(await s.digest('SHA-256', new Uint8Array(0))),
         ];",
    );
    assert_eq!(
        out,
        json!([
            "a9993e364706816aba3e25717850c26c9cd0d89d",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ])
    );
}

#[test]
fn digest_of_a_mebibyte_and_of_a_view_reads_only_the_view() {
    let out = subtle(
        "const big = new Uint8Array(1 << 20).fill(97);
         const whole = hex(await s.digest('SHA-256', big));
         const buffer = utf8('xxabcxx').buffer;
         const part = hex(await s.digest('SHA-256', new Uint8Array(buffer, 2, 3)));
         return [whole.length, part];",
    );
    assert_eq!(
        out,
        json!([
            64,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        ])
    );
}

#[test]
fn digest_rejects_unknown_algorithms_and_missing_data() {
    assert_eq!(rejection("s.digest('MD5', utf8('x'))"), "NotSupportedError");
    assert_eq!(
        rejection("s.digest('HMAC', utf8('x'))"),
        "NotSupportedError"
    );
    assert_eq!(rejection("s.digest('SHA-256')"), "TypeError");
    assert_eq!(rejection("s.digest('SHA-256', 'text')"), "TypeError");
    assert_eq!(rejection("s.digest({}, utf8('x'))"), "TypeError");
    assert_eq!(
        rejection("s.digest.call({}, 'SHA-256', utf8('x'))"),
        "TypeError"
    );
}

#[test]
fn hmac_matches_rfc_4231_and_verifies() {
    let out = subtle(
        "const key = await s.importKey('raw', utf8('Jefe'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
         const data = utf8('what do ya want for nothing?');
         const mac = await s.sign('HMAC', key, data);
         const bad = new Uint8Array(mac.slice(0)); bad[0] ^= 1;
         return [hex(mac), await s.verify('HMAC', key, mac, data), await s.verify('HMAC', key, bad, data),
                 await s.verify('HMAC', key, mac.slice(0, 31), data),
                 key.type, key.extractable, key.algorithm, key.usages, String(key), key instanceof CryptoKey];",
    );
    assert_eq!(
        out,
        json!([
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            true,
            false,
            false,
            "secret",
            false,
            { "name": "HMAC", "length": 32, "hash": { "name": "SHA-256" } },
            ["sign", "verify"],
            "[object CryptoKey]",
            true
        ])
    );
}

#[test]
fn hmac_keys_generate_with_the_block_size_and_export_as_jwk() {
    let out = subtle(
        "const key = await s.generateKey({ name: 'HMAC', hash: 'SHA-512' }, true, ['verify', 'sign']);
         const jwk = await s.exportKey('jwk', key);
         const raw = await s.exportKey('raw', key);
         const back = await s.importKey('jwk', jwk, { name: 'HMAC', hash: 'SHA-512' }, true, ['sign']);
         const same = hex(await s.sign('HMAC', key, utf8('m'))) === hex(await s.sign('HMAC', back, utf8('m')));
         return [key.algorithm.length, raw.byteLength, jwk.kty, jwk.alg, jwk.key_ops, jwk.ext, key.usages, same];",
    );
    assert_eq!(
        out,
        json!([
            1024,
            128,
            "oct",
            "HS512",
            ["sign", "verify"],
            true,
            ["sign", "verify"],
            true
        ])
    );
}

#[test]
fn rsassa_pkcs1_signatures_equal_nodes_and_verify_both_ways() {
    let out = subtle(
        "const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
         const priv = await s.importKey('pkcs8', b64(v.rsaPkcs8), alg, true, ['sign']);
         const pub = await s.importKey('spki', b64(v.rsaSpki), alg, true, ['verify']);
         const fromJwk = await s.importKey('jwk', v.rsaJwk, alg, false, ['sign']);
         const sig = await s.sign('RSASSA-PKCS1-v1_5', priv, utf8('warden'));
         const sig2 = await s.sign('RSASSA-PKCS1-v1_5', fromJwk, utf8('warden'));
         const jwk = await s.exportKey('jwk', priv);
         const same = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'].every((k) => jwk[k] === v.rsaJwk[k]);
         return [hex(sig) === v.rs256, hex(sig2) === v.rs256,
                 await s.verify('RSASSA-PKCS1-v1_5', pub, unhex(v.rs256), utf8('warden')),
                 await s.verify('RSASSA-PKCS1-v1_5', pub, unhex(v.rs256), utf8('wardem')),
                 pub.algorithm.modulusLength, Array.from(pub.algorithm.publicExponent), pub.algorithm.hash.name,
                 same, jwk.alg, btoa(String.fromCharCode(...new Uint8Array(await s.exportKey('spki', pub))))  === v.rsaSpki];",
    );
    assert_eq!(
        out,
        json!([
            true,
            true,
            true,
            false,
            2048,
            [1, 0, 1],
            "SHA-256",
            true,
            "RS256",
            true
        ])
    );
}

#[test]
fn rsa_pss_verifies_nodes_signature_and_its_own() {
    let out = subtle(
        "const alg = { name: 'RSA-PSS', hash: 'SHA-256' };
         const priv = await s.importKey('pkcs8', b64(v.rsaPkcs8), alg, false, ['sign']);
         const pub = await s.importKey('spki', b64(v.rsaSpki), alg, false, ['verify']);
         const params = { name: 'RSA-PSS', saltLength: 32 };
         const mine = await s.sign(params, priv, utf8('warden'));
         return [await s.verify(params, pub, unhex(v.ps256), utf8('warden')),
                 await s.verify(params, pub, mine, utf8('warden')),
                 hex(mine) !== v.ps256,
                 await s.verify({ name: 'RSA-PSS', saltLength: 20 }, pub, mine, utf8('warden'))];",
    );
    assert_eq!(out, json!([true, true, true, false]));
}

#[test]
fn rsa_keys_generate_and_sign() {
    let out = subtle(
        "const { publicKey, privateKey } = await s.generateKey(
             { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-384' },
             false, ['sign', 'verify']);
         const sig = await s.sign('RSASSA-PKCS1-v1_5', privateKey, utf8('m'));
         return [publicKey.usages, privateKey.usages, publicKey.extractable, privateKey.extractable, sig.byteLength,
                 await s.verify('RSASSA-PKCS1-v1_5', publicKey, sig, utf8('m')), privateKey.algorithm.hash.name];",
    );
    assert_eq!(
        out,
        json!([["verify"], ["sign"], true, false, 128, true, "SHA-384"])
    );
}

#[test]
fn ecdsa_verifies_nodes_signatures_on_both_curves_from_every_format() {
    let out = subtle(
        "const results = [];
         for (const [curve, hash] of [['P-256', 'SHA-256'], ['P-384', 'SHA-384']]) {
             const vec = v[curve];
             const alg = { name: 'ECDSA', namedCurve: curve };
             const { d, ...pubJwk } = vec.jwk;
             const keys = [
                 await s.importKey('raw', unhex(vec.raw), alg, true, ['verify']),
                 await s.importKey('spki', b64(vec.spki), alg, true, ['verify']),
                 await s.importKey('jwk', { ...pubJwk, key_ops: ['verify'] }, alg, true, ['verify']),
             ];
             for (const key of keys) results.push(await s.verify({ name: 'ECDSA', hash }, key, unhex(vec.sig), utf8('warden')));
             results.push(await s.verify({ name: 'ECDSA', hash }, keys[0], unhex(vec.sig), utf8('other')));
             const priv = await s.importKey('pkcs8', b64(vec.pkcs8), alg, true, ['sign']);
             const privJwk = await s.importKey('jwk', vec.jwk, alg, true, ['sign']);
             const sig = await s.sign({ name: 'ECDSA', hash }, privJwk, utf8('w'));
             results.push(await s.verify({ name: 'ECDSA', hash }, keys[1], sig, utf8('w')));
             const exported = await s.exportKey('jwk', priv);
             results.push(exported.x === vec.jwk.x && exported.y === vec.jwk.y && exported.d === vec.jwk.d && exported.crv === curve);
             results.push(hex(await s.exportKey('raw', keys[2])) === vec.raw);
             results.push(btoa(String.fromCharCode(...new Uint8Array(await s.exportKey('pkcs8', priv)))).length > 0);
             results.push(keys[0].algorithm.namedCurve === curve);
         }
         return results;",
    );
    assert_eq!(
        out,
        json!(vec![
            true, true, true, false, true, true, true, true, true, true, true, true, false, true,
            true, true, true, true
        ])
    );
}

#[test]
fn ecdsa_keys_generate_and_the_wrong_curve_is_a_data_error() {
    let out = subtle(
        "const { publicKey, privateKey } = await s.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
         const sig = await s.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, utf8('m'));
         const wrong = await outcome(s.importKey('spki', b64(v['P-256'].spki), { name: 'ECDSA', namedCurve: 'P-384' }, true, ['verify']));
         const bad = await outcome(s.importKey('raw', new Uint8Array(65), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
         const curve = await outcome(s.generateKey({ name: 'ECDSA', namedCurve: 'P-521' }, true, ['sign']));
         return [sig.byteLength, await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, sig, utf8('m')), wrong[0], bad[0], curve[0]];",
    );
    assert_eq!(
        out,
        json!([96, true, "DataError", "DataError", "NotSupportedError"])
    );
}

#[test]
fn ed25519_signatures_equal_nodes() {
    let out = subtle(
        "const priv = await s.importKey('pkcs8', b64(v.ed.pkcs8), 'Ed25519', true, ['sign']);
         const privJwk = await s.importKey('jwk', v.ed.jwk, { name: 'Ed25519' }, true, ['sign']);
         const pub = await s.importKey('spki', b64(v.ed.spki), 'Ed25519', true, ['verify']);
         const sig = await s.sign('Ed25519', priv, utf8('warden'));
         const sig2 = await s.sign('Ed25519', privJwk, utf8('warden'));
         const raw = await s.exportKey('raw', pub);
         const fromRaw = await s.importKey('raw', raw, 'Ed25519', true, ['verify']);
         const jwk = await s.exportKey('jwk', priv);
         const gen = await s.generateKey('Ed25519', false, ['sign', 'verify']);
         const gsig = await s.sign('Ed25519', gen.privateKey, utf8('x'));
         return [hex(sig) === v.ed.sig, hex(sig2) === v.ed.sig,
                 await s.verify('Ed25519', fromRaw, sig, utf8('warden')),
                 await s.verify('Ed25519', pub, sig, utf8('warden!')),
                 jwk.x === v.ed.jwk.x && jwk.d === v.ed.jwk.d && jwk.crv === 'Ed25519' && jwk.kty === 'OKP',
                 await s.verify('Ed25519', gen.publicKey, gsig, utf8('x')), raw.byteLength];",
    );
    assert_eq!(out, json!([true, true, true, false, true, true, 32]));
}

#[test]
fn aes_gcm_matches_node_and_rejects_tampering() {
    let out = subtle(
        "const key = await s.importKey('raw', new Uint8Array(16).fill(7), 'AES-GCM', false, ['encrypt', 'decrypt']);
         const params = { name: 'AES-GCM', iv: new Uint8Array(12).fill(1), additionalData: utf8('aad') };
         const sealed = await s.encrypt(params, key, utf8('warden'));
         const opened = new TextDecoder().decode(await s.decrypt(params, key, sealed));
         const bad = new Uint8Array(sealed.slice(0)); bad[0] ^= 1;
         const tampered = await outcome(s.decrypt(params, key, bad));
         const otherAad = await outcome(s.decrypt({ ...params, additionalData: utf8('x') }, key, sealed));
         const zero = await s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']);
         const tag = hex(await s.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, zero, new Uint8Array(0)));
         const tagLength = await outcome(s.encrypt({ ...params, tagLength: 96 }, key, utf8('x')));
         return [hex(sealed) === v.gcm, opened, tampered[0], otherAad[0], tag, tagLength[0], key.algorithm];",
    );
    assert_eq!(
        out,
        json!([true, "warden", "OperationError", "OperationError", "58e2fccefa7e3061367f1d57a4e7455a",
               "NotSupportedError", { "name": "AES-GCM", "length": 128 }])
    );
}

#[test]
fn aes_cbc_matches_node_and_bad_padding_is_an_operation_error() {
    let out = subtle(
        "const key = await s.importKey('raw', new Uint8Array(32).fill(9), { name: 'AES-CBC' }, true, ['encrypt', 'decrypt']);
         const params = { name: 'AES-CBC', iv: new Uint8Array(16).fill(2) };
         const sealed = await s.encrypt(params, key, utf8('warden'));
         const opened = new TextDecoder().decode(await s.decrypt(params, key, sealed));
         const bad = await outcome(s.decrypt(params, key, new Uint8Array(16)));
         const shortIv = await outcome(s.encrypt({ name: 'AES-CBC', iv: new Uint8Array(8) }, key, utf8('x')));
         const gen = await s.generateKey({ name: 'AES-CBC', length: 192 }, true, ['encrypt']);
         const badLength = await outcome(s.generateKey({ name: 'AES-CBC', length: 100 }, true, ['encrypt']));
         const jwk = await s.exportKey('jwk', key);
         return [hex(sealed) === v.cbc, opened, bad[0], shortIv[0], gen.algorithm.length,
                 (await s.exportKey('raw', gen)).byteLength, badLength[0], jwk.alg, jwk.kty];",
    );
    assert_eq!(
        out,
        json!([
            true,
            "warden",
            "OperationError",
            "OperationError",
            192,
            24,
            "OperationError",
            "A256CBC",
            "oct"
        ])
    );
}

#[test]
fn pbkdf2_and_hkdf_match_the_rfc_vectors() {
    let out = subtle(
        "const pw = await s.importKey('raw', utf8('password'), 'PBKDF2', false, ['deriveBits']);
         const p1 = hex(await s.deriveBits({ name: 'PBKDF2', salt: utf8('salt'), iterations: 1, hash: 'SHA-256' }, pw, 256));
         const p2 = hex(await s.deriveBits({ name: 'PBKDF2', salt: utf8('salt'), iterations: 4096, hash: 'SHA-1' }, pw, 160));
         const ikm = await s.importKey('raw', new Uint8Array(22).fill(11), 'HKDF', false, ['deriveBits']);
         const salt = Uint8Array.from({ length: 13 }, (_, i) => i);
         const info = Uint8Array.from({ length: 10 }, (_, i) => 0xf0 + i);
         const h = hex(await s.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, ikm, 336));
         const zero = await outcome(s.deriveBits({ name: 'PBKDF2', salt: utf8('s'), iterations: 0, hash: 'SHA-256' }, pw, 256));
         const odd = await outcome(s.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, ikm, 7));
         const none = await outcome(s.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, ikm));
         const ext = await outcome(s.importKey('raw', utf8('p'), 'PBKDF2', true, ['deriveBits']));
         return [p1, p2, h, zero[0], odd[0], none[0], ext[0]];",
    );
    assert_eq!(
        out,
        json!([
            "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
            "4b007901b765489abead49d926f721d065a429c1",
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
            "OperationError",
            "OperationError",
            "OperationError",
            "SyntaxError"
        ])
    );
}

#[test]
fn derive_key_makes_usable_aes_and_hmac_keys() {
    let out = subtle(
        "const pw = await s.importKey('raw', utf8('password'), 'PBKDF2', false, ['deriveKey']);
         const params = { name: 'PBKDF2', salt: utf8('salt'), iterations: 10, hash: 'SHA-256' };
         const aes = await s.deriveKey(params, pw, { name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
         const mac = await s.deriveKey(params, pw, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
         const bits = await s.importKey('raw', utf8('password'), 'PBKDF2', false, ['deriveBits']);
         const expected = hex(await s.deriveBits(params, bits, 256));
         const usage = await outcome(s.deriveKey(params, bits, { name: 'AES-GCM', length: 256 }, true, ['encrypt']));
         return [aes.algorithm, hex(await s.exportKey('raw', aes)) === expected, mac.algorithm.length, usage[0]];",
    );
    assert_eq!(
        out,
        json!([{ "name": "AES-GCM", "length": 256 }, true, 512, "InvalidAccessError"])
    );
}

#[test]
fn keys_are_checked_against_the_algorithm_usage_and_extractability() {
    let out = subtle(
        "const hmac = await s.importKey('raw', utf8('k'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
         const aes = await s.importKey('raw', new Uint8Array(16), 'AES-GCM', true, ['encrypt']);
         return [
             (await outcome(s.verify('HMAC', hmac, new Uint8Array(32), utf8('x'))))[0],
             (await outcome(s.sign({ name: 'ECDSA', hash: 'SHA-256' }, hmac, utf8('x'))))[0],
             (await outcome(s.exportKey('raw', hmac)))[0],
             (await outcome(s.exportKey('spki', aes)))[0],
             (await outcome(s.sign('HMAC', {}, utf8('x'))))[0],
             (await outcome(s.importKey('raw', utf8('k'), { name: 'HMAC', hash: 'SHA-256' }, false, [])))[0],
             (await outcome(s.importKey('raw', utf8('k'), { name: 'HMAC', hash: 'SHA-256' }, false, ['encrypt'])))[0],
             (await outcome(s.importKey('raw', utf8('k'), { name: 'HMAC', hash: 'SHA-256' }, false, ['fly'])))[0],
             (await outcome(s.importKey('raw', utf8('k'), { name: 'HMAC' }, false, ['sign'])))[0],
             (await outcome(s.importKey('spki', utf8('k'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])))[0],
             (await outcome(s.importKey('raw', new Uint8Array(15), 'AES-GCM', false, ['encrypt'])))[0],
             (await outcome(s.importKey('pkcs8', new Uint8Array(40), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign'])))[0],
             (await outcome(s.importKey('jwk', { kty: 'EC', k: 'AA' }, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])))[0],
             (await outcome(s.importKey('jwk', { kty: 'oct', k: 'AA', alg: 'HS384' }, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])))[0],
             (await outcome(s.importKey('jwk', { kty: 'oct', k: 'AA', ext: false }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])))[0],
             (await outcome(s.importKey('jwk', { kty: 'oct', k: '!!' }, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])))[0],
             (() => { try { new CryptoKey(); return 'made'; } catch (e) { return e.name; } })(),
             (() => { try { new SubtleCrypto(); return 'made'; } catch (e) { return e.name; } })(),
             Object.prototype.toString.call(s),
             s instanceof SubtleCrypto,
         ];",
    );
    assert_eq!(
        out,
        json!([
            "InvalidAccessError",
            "InvalidAccessError",
            "InvalidAccessError",
            "InvalidAccessError",
            "TypeError",
            "SyntaxError",
            "SyntaxError",
            "TypeError",
            "TypeError",
            "NotSupportedError",
            "DataError",
            "DataError",
            "DataError",
            "DataError",
            "DataError",
            "DataError",
            "TypeError",
            "TypeError",
            "[object SubtleCrypto]",
            true
        ])
    );
}

#[test]
fn keys_wrap_and_unwrap_as_jwk_and_raw() {
    let out = subtle(
        "const kek = await s.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey']);
         const key = await s.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
         const iv = new Uint8Array(12);
         const results = [];
         for (const format of ['jwk', 'raw']) {
             const wrapped = await s.wrapKey(format, key, kek, { name: 'AES-GCM', iv });
             const back = await s.unwrapKey(format, wrapped, kek, { name: 'AES-GCM', iv }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
             results.push(hex(await s.exportKey('raw', back)) === hex(await s.exportKey('raw', key)));
         }
         return results;",
    );
    assert_eq!(out, json!([true, true]));
}

#[test]
fn tampered_built_ins_change_nothing() {
    let out = subtle(
        "const one = new Uint8Array([1]), iv = new Uint8Array(12), empty = new Uint8Array(0);
         Object.defineProperty(Object.prototype, 'kty', { set() { throw new Error('setter ran'); }, configurable: true });
         Object.defineProperty(Object.prototype, 'curve', { get() { throw new Error('getter ran'); }, configurable: true });
         Object.defineProperty(Object.prototype, 'secret', { get() { throw new Error('getter ran'); }, configurable: true });
         Array.prototype[Symbol.iterator] = function* () { throw new Error('iterator ran'); };
         Array.prototype.push = () => { throw new Error('push ran'); };
         String.prototype.toUpperCase = () => 'X';
         Uint8Array.prototype.set = () => { throw new Error('set ran'); };
         Object.defineProperty(ArrayBuffer.prototype, 'byteLength', { get() { return 3; } });
         TextEncoder.prototype.encode = () => new Uint8Array(0);
         JSON.stringify = () => '{}';
         const key = await s.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
         const jwk = await s.exportKey('jwk', key);
         const pair = await s.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
         const sig = await s.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, one);
         const kek = await s.generateKey({ name: 'AES-GCM', length: 128 }, false, ['wrapKey', 'unwrapKey']);
         const wrapped = await s.wrapKey('jwk', key, kek, { name: 'AES-GCM', iv });
         const back = await s.unwrapKey('jwk', wrapped, kek, { name: 'AES-GCM', iv }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
         const digest = new Uint8Array(await s.digest('sha-256', empty));
         const copy = structuredClone(key);
         return [Object.getOwnPropertyDescriptor(jwk, 'kty').value, jwk.key_ops.length, copy.algorithm.length,
                 await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, pair.publicKey, sig, one),
                 back.algorithm.length, digest[0]];",
    );
    assert_eq!(out, json!(["oct", 2, 512, true, 512, 0xe3]));
}

#[test]
fn keys_pass_through_structured_clone_as_keys_with_the_same_state() {
    let out = subtle(
        "const key = await s.importKey('raw', utf8('Jefe'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
         const copy = structuredClone({ key }).key;
         const mac = (k) => s.sign('HMAC', k, utf8('m')).then(hex);
         return [copy instanceof CryptoKey, copy !== key, copy.type, copy.extractable, copy.usages,
                 copy.algorithm, (await mac(copy)) === (await mac(key))];",
    );
    assert_eq!(
        out,
        json!([true, true, "secret", false, ["sign"],
               { "name": "HMAC", "length": 32, "hash": { "name": "SHA-256" } }, true])
    );
}
