//! The `crypto` module: `createHash`, `createHmac` and their classes `Hash`
//! and `Hmac` (written in `crypto.js`), over the native functions here.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use rquickjs::context::EvalOptions;
use rquickjs::module::{Declarations, Exports, ModuleDef};
use rquickjs::{Array, ArrayBuffer, Ctx, Exception, Function, Object, Result, TypedArray, Value};

use super::bytes::{self, chunk};
use super::digest::Algorithm;

/// The module's named exports; `default` is an object holding them all.
const EXPORTS: [&str; 4] = ["Hash", "Hmac", "createHash", "createHmac"];

/// The `crypto` module.
pub(super) struct Crypto;

impl ModuleDef for Crypto {
    fn declare<'js>(decl: &Declarations<'js>) -> Result<()> {
        for name in EXPORTS.into_iter().chain(["default"]) {
            decl.declare(name)?;
        }
        Ok(())
    }

    fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> Result<()> {
        let natives = Object::new(ctx.clone())?;
        natives.set("algorithm", Function::new(ctx.clone(), algorithm)?)?;
        natives.set("chunk", Function::new(ctx.clone(), chunk)?)?;
        natives.set("hash", Function::new(ctx.clone(), hash)?)?;
        natives.set("encode", Function::new(ctx.clone(), encode)?)?;
        let mut options = EvalOptions::default();
        options.filename = Some("crypto".into());
        let make: Function = ctx.eval_with_options(include_str!("crypto.js"), options)?;
        let module: Object = make.call((natives,))?;
        for name in EXPORTS {
            exports.export(name, module.get::<_, Value>(name)?)?;
        }
        exports.export("default", module)?;
        Ok(())
    }
}

/// The canonical name of the algorithm `name` stands for (any case), or a
/// `TypeError`.
fn algorithm<'js>(ctx: Ctx<'js>, name: Value<'js>) -> Result<&'static str> {
    let name = bytes::name(&ctx, &name, "crypto: the hash algorithm")?;
    match Algorithm::named(&name) {
        Some(algorithm) => Ok(algorithm.name()),
        None => Err(Exception::throw_type(
            &ctx,
            &format!(
                "crypto: unsupported hash algorithm {name:?} (supported: sha1, sha256, sha384, sha512)"
            ),
        )),
    }
}

/// The digest of the kept `chunks` with `algorithm` (a name [`algorithm`]
/// returned), as an HMAC with `key` unless it is undefined.
fn hash<'js>(
    ctx: Ctx<'js>,
    algorithm: String,
    key: Value<'js>,
    chunks: Array<'js>,
) -> Result<ArrayBuffer<'js>> {
    let Some(algorithm) = Algorithm::named(&algorithm) else {
        return Err(Exception::throw_type(&ctx, "crypto: unknown algorithm"));
    };
    let key = Some(&key).filter(|key| !key.is_undefined());
    let digest = algorithm.digest(&ctx, key, &chunks)?;
    ArrayBuffer::new_copy(ctx, digest)
}

/// A digest in `encoding` (`hex`, `base64` or `base64url`, any case), or
/// as a new `Uint8Array` when `encoding` is undefined, null or `buffer`
/// (as Node.js has it).
fn encode<'js>(
    ctx: Ctx<'js>,
    digest: ArrayBuffer<'js>,
    encoding: Value<'js>,
) -> Result<Value<'js>> {
    // SAFETY: no JavaScript runs while the slice is alive: it is copied at
    // once (a digest is at most 64 bytes).
    let digest = unsafe { digest.as_bytes() }
        .map(<[u8]>::to_vec)
        .ok_or_else(|| Exception::throw_type(&ctx, "crypto: the digest was detached"))?;
    let encoding = match encoding.is_undefined() || encoding.is_null() {
        true => "buffer".to_owned(),
        false => bytes::name(&ctx, &encoding, "crypto: the digest encoding")?,
    };
    let text = match encoding.as_str() {
        "buffer" => {
            return TypedArray::<u8>::new_copy(ctx, digest).map(TypedArray::into_value);
        }
        "hex" => digest.iter().map(|byte| format!("{byte:02x}")).collect(),
        "base64" => STANDARD.encode(&digest),
        "base64url" => URL_SAFE_NO_PAD.encode(&digest),
        _ => {
            return Err(Exception::throw_type(
                &ctx,
                &format!(
                    "crypto: unsupported digest encoding {encoding:?} \
                     (supported: hex, base64, base64url, or none for a Uint8Array)"
                ),
            ))
        }
    };
    rquickjs::String::from_str(ctx, &text).map(rquickjs::String::into_value)
}
