//! Web Crypto's `crypto.subtle`, `SubtleCrypto` and `CryptoKey`. The
//! classes, the checks of algorithms, usages and formats, and the promises
//! are in `subtle.js`; the cryptography is here, done by RustCrypto crates.
//!
//! A key's material lives in the JavaScript heap, in a private field of its
//! `CryptoKey`, as bytes in the form the family's module keeps (see
//! [`keys`]); each operation parses what it needs for that one call. Every
//! native takes one object of named parameters that `subtle.js` made, and
//! fails with a `DOMException` of Web Crypto's names (see [`failure`]).

mod cipher;
mod ec;
mod edwards;
mod failure;
mod hashes;
mod keys;
mod rng;
mod rsa;

use rand_core::RngCore;
use rquickjs::{Array, ArrayBuffer, Ctx, Function, Object, Result, Value};

use super::buffer_source::with_bytes;
use failure::{Failure, Outcome};
use rng::HostRng;

/// A native function of `subtle.js`.
type Native = for<'js> fn(&Ctx<'js>, &Object<'js>) -> Outcome<Value<'js>>;

/// The natives, by the names `subtle.js` calls them.
const NATIVES: [(&str, Native); 9] = [
    ("digest", digest),
    ("sign", sign),
    ("verify", verify),
    ("cipher", cipher),
    ("derive", derive),
    ("importKey", import_key),
    ("exportKey", export_key),
    ("generateKey", generate_key),
    ("secret", secret),
];

/// Defines `CryptoKey` and `SubtleCrypto` and `crypto.subtle`, and adds
/// `CryptoKey` to `structuredClone`'s `serializable` classes. `crypto` and
/// `DOMException` must be defined.
pub(super) fn install<'js>(ctx: &Ctx<'js>, serializable: &Array<'js>) -> Result<()> {
    failure::install(ctx)?;
    let natives = Object::new(ctx.clone())?;
    for (name, native) in NATIVES {
        let function = Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, params: Object<'js>| -> Result<Value<'js>> {
                native(&ctx, &params).or_else(|failure| failure.throw(&ctx))
            },
        )?;
        natives.set(name, function)?;
    }
    natives.set("crypto", ctx.globals().get::<_, Value>("crypto")?)?;
    natives.set("serializable", serializable.clone())?;
    super::shim::install(ctx, "web/subtle.js", include_str!("subtle.js"), natives)
}

/// A copy of the bytes of the `BufferSource` parameter `name`.
fn copy<'js>(ctx: &Ctx<'js>, params: &Object<'js>, name: &str) -> Outcome<Vec<u8>> {
    let value: Value = params.get(name)?;
    Ok(with_bytes(ctx, &value, "crypto.subtle", <[u8]>::to_vec)?)
}

/// Runs `f` on the bytes of the `BufferSource` parameter `name`, in place.
fn read<'js, R>(
    ctx: &Ctx<'js>,
    params: &Object<'js>,
    name: &str,
    f: impl FnOnce(&[u8]) -> R,
) -> Outcome<R> {
    let value: Value = params.get(name)?;
    Ok(with_bytes(ctx, &value, "crypto.subtle", f)?)
}

/// `bytes` in a new `ArrayBuffer`.
fn buffer<'js>(ctx: &Ctx<'js>, bytes: Vec<u8>) -> Outcome<Value<'js>> {
    Ok(ArrayBuffer::new_copy(ctx.clone(), bytes)?.into_value())
}

/// The hash the parameter `hash` names.
fn hash_of(params: &Object<'_>) -> Outcome<crate::builtins::digest::Algorithm> {
    hashes::algorithm(&params.get::<_, String>("hash")?)
}

/// `{ hash, data }`: the digest of `data`.
fn digest<'js>(ctx: &Ctx<'js>, params: &Object<'js>) -> Outcome<Value<'js>> {
    let hash = hash_of(params)?;
    let digest = read(ctx, params, "data", |data| hashes::digest(hash, data))?;
    buffer(ctx, digest)
}

/// `{ name, hash, curve, material, data, saltLength }`: the signature of
/// `data` with the key `material`.
fn sign<'js>(ctx: &Ctx<'js>, params: &Object<'js>) -> Outcome<Value<'js>> {
    let name: String = params.get("name")?;
    let material = copy(ctx, params, "material")?;
    let signature = match name.as_str() {
        "HMAC" => {
            let hash = hash_of(params)?;
            read(ctx, params, "data", |data| {
                hashes::hmac(hash, &material, data)
            })?
        }
        "ECDSA" => {
            let curve = ec::curve(&params.get::<_, String>("curve")?)?;
            let hash = hash_of(params)?;
            let prehash = read(ctx, params, "data", |data| hashes::digest(hash, data))?;
            (curve.sign)(&material, &prehash)
                .ok_or_else(|| Failure::operation("ECDSA signing failed"))?
        }
        "Ed25519" => read(ctx, params, "data", |data| edwards::sign(&material, data))?
            .ok_or_else(|| Failure::operation("the Ed25519 key material is damaged"))?,
        _ => {
            let (scheme, hash) = (scheme(&name, params)?, hash_of(params)?);
            read(ctx, params, "data", |data| {
                rsa::sign(scheme, hash, &material, data)
            })??
        }
    };
    buffer(ctx, signature)
}

/// `{ name, hash, curve, material, signature, data, saltLength }`: whether
/// `signature` is one of `data` by the key `material`.
fn verify<'js>(ctx: &Ctx<'js>, params: &Object<'js>) -> Outcome<Value<'js>> {
    let name: String = params.get("name")?;
    let material = copy(ctx, params, "material")?;
    let signature = copy(ctx, params, "signature")?;
    let valid = match name.as_str() {
        "HMAC" => {
            let hash = hash_of(params)?;
            read(ctx, params, "data", |data| {
                hashes::hmac_verify(hash, &material, &signature, data)
            })?
        }
        "ECDSA" => {
            let curve = ec::curve(&params.get::<_, String>("curve")?)?;
            let hash = hash_of(params)?;
            let prehash = read(ctx, params, "data", |data| hashes::digest(hash, data))?;
            (curve.verify)(&material, &prehash, &signature)
        }
        "Ed25519" => read(ctx, params, "data", |data| {
            edwards::verify(&material, data, &signature)
        })?,
        _ => {
            let (scheme, hash) = (scheme(&name, params)?, hash_of(params)?);
            read(ctx, params, "data", |data| {
                rsa::verify(scheme, hash, &material, data, &signature)
            })??
        }
    };
    Ok(Value::new_bool(ctx.clone(), valid))
}

/// The RSA signature scheme `name` names, with its salt length.
fn scheme(name: &str, params: &Object<'_>) -> Outcome<rsa::Scheme> {
    match name {
        "RSASSA-PKCS1-v1_5" => Ok(rsa::Scheme::Pkcs1v15),
        "RSA-PSS" => Ok(rsa::Scheme::Pss(params.get("saltLength")?)),
        _ => Err(Failure::not_supported(format!("{name} cannot sign"))),
    }
}

/// `{ name, encrypt, key, iv, additionalData, tagLength, data }`: `data`
/// encrypted or decrypted with AES.
fn cipher<'js>(ctx: &Ctx<'js>, params: &Object<'js>) -> Outcome<Value<'js>> {
    let name: String = params.get("name")?;
    let encrypt: bool = params.get("encrypt")?;
    let key = copy(ctx, params, "key")?;
    let iv = copy(ctx, params, "iv")?;
    let out = match name.as_str() {
        "AES-GCM" => {
            let additional = copy(ctx, params, "additionalData")?;
            let gcm = cipher::Gcm {
                iv: &iv,
                additional: &additional,
                tag_bits: params.get("tagLength")?,
            };
            read(ctx, params, "data", |data| {
                cipher::gcm(encrypt, &key, &gcm, data)
            })??
        }
        _ => read(ctx, params, "data", |data| {
            cipher::cbc(encrypt, &key, &iv, data)
        })??,
    };
    buffer(ctx, out)
}

/// `{ name, hash, key, salt, iterations, info, length }`: `length` bits
/// derived from the key with PBKDF2 or HKDF.
fn derive<'js>(ctx: &Ctx<'js>, params: &Object<'js>) -> Outcome<Value<'js>> {
    let name: String = params.get("name")?;
    let (hash, length) = (hash_of(params)?, params.get::<_, usize>("length")?);
    let key = copy(ctx, params, "key")?;
    let salt = copy(ctx, params, "salt")?;
    let bits = match name.as_str() {
        "PBKDF2" => hashes::pbkdf2(hash, &key, &salt, params.get("iterations")?, length)?,
        _ => hashes::hkdf(hash, &key, &salt, &copy(ctx, params, "info")?, length)?,
    };
    buffer(ctx, bits)
}

/// `{ family, format, data, curve }`: a key imported from `data` (a
/// `BufferSource`, or for `jwk` an object of the JWK's string members),
/// as [`keys::Made::into_js`] has it.
fn import_key<'js>(ctx: &Ctx<'js>, params: &Object<'js>) -> Outcome<Value<'js>> {
    let (family, format): (String, String) = (params.get("family")?, params.get("format")?);
    let curve: String = params
        .get::<_, Option<String>>("curve")?
        .unwrap_or_default();
    let made = match format.as_str() {
        "jwk" => {
            let fields: Object = params.get("data")?;
            keys::import(&family, &format, &[], Some(&fields), &curve)?
        }
        _ => {
            let data = copy(ctx, params, "data")?;
            keys::import(&family, &format, &data, None, &curve)?
        }
    };
    Ok(made.into_js(ctx)?.into_value())
}

/// `{ family, format, type, material, curve }`: the key exported to
/// `format`.
fn export_key<'js>(ctx: &Ctx<'js>, params: &Object<'js>) -> Outcome<Value<'js>> {
    let (family, format, kind): (String, String, String) = (
        params.get("family")?,
        params.get("format")?,
        params.get("type")?,
    );
    let curve: String = params
        .get::<_, Option<String>>("curve")?
        .unwrap_or_default();
    let material = copy(ctx, params, "material")?;
    keys::export(ctx, &family, &format, &kind, &material, &curve)
}

/// `{ family, curve, modulusLength, publicExponent }`: a new key pair,
/// `{ private, public }`, each as [`keys::Made::into_js`] has it.
fn generate_key<'js>(ctx: &Ctx<'js>, params: &Object<'js>) -> Outcome<Value<'js>> {
    let family: String = params.get("family")?;
    let curve: String = params
        .get::<_, Option<String>>("curve")?
        .unwrap_or_default();
    let bits: usize = params
        .get::<_, Option<usize>>("modulusLength")?
        .unwrap_or_default();
    let exponent = match params.contains_key("publicExponent")? {
        true => copy(ctx, params, "publicExponent")?,
        false => Vec::new(),
    };
    let (private, public) = keys::generate(&family, &curve, bits, &exponent)?;
    let pair = keys::record(ctx)?;
    pair.set("private", private.into_js(ctx)?)?;
    pair.set("public", public.into_js(ctx)?)?;
    Ok(pair.into_value())
}

/// The longest secret key generated, in bits.
const MAX_SECRET_BITS: usize = 8 * 4096;

/// `{ length }`: `length` bits (a multiple of 8) of new secret key
/// material.
fn secret<'js>(ctx: &Ctx<'js>, params: &Object<'js>) -> Outcome<Value<'js>> {
    let bits: usize = params.get("length")?;
    if !bits.is_multiple_of(8) || bits > MAX_SECRET_BITS {
        return Err(Failure::operation(format!(
            "a secret key of {bits} bits cannot be generated"
        )));
    }
    let mut material = vec![0; bits / 8];
    HostRng.fill_bytes(&mut material);
    buffer(ctx, material)
}
