//! Importing, exporting and generating keys, for every key family: `oct`
//! (the secret keys of HMAC, AES, PBKDF2 and HKDF), `EC` (P-256 and P-384),
//! `OKP` (Ed25519) and `RSA`, named as JWK names them. `subtle.js` has
//! checked the format suits the algorithm and the key's type.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rquickjs::object::Property;
use rquickjs::{ArrayBuffer, Ctx, IntoJs, Object, TypedArray, Value};

use super::failure::{Failure, Outcome};
use super::{ec, edwards, rsa};

/// What importing a key made: its type (`secret`, `public` or `private`),
/// its material, and what its `algorithm` shows besides the name.
pub(super) struct Made {
    /// `secret`, `public` or `private`.
    kind: &'static str,
    /// The material, in the form the family's module keeps it in.
    material: Vec<u8>,
    /// The curve of an EC key.
    curve: Option<&'static str>,
    /// The public key of an RSA key.
    rsa: Option<rsa::Public>,
}

impl Made {
    /// A key of `kind` with `material` and nothing else to show.
    fn plain(kind: &'static str, material: Vec<u8>) -> Self {
        Self {
            kind,
            material,
            curve: None,
            rsa: None,
        }
    }

    /// `{ type, bits, material, curve?, modulusLength?, publicExponent? }`
    /// (`bits` being the material's length in bits), in an object without a
    /// prototype, as
    /// `subtle.js` reads it.
    pub(super) fn into_js<'js>(self, ctx: &Ctx<'js>) -> Outcome<Object<'js>> {
        let object = record(ctx)?;
        object.set("type", self.kind)?;
        object.set("bits", self.material.len() * 8)?;
        object.set(
            "material",
            ArrayBuffer::new_copy(ctx.clone(), self.material)?,
        )?;
        if let Some(curve) = self.curve {
            object.set("curve", curve)?;
        }
        if let Some(public) = self.rsa {
            object.set("modulusLength", public.bits)?;
            object.set(
                "publicExponent",
                TypedArray::<u8>::new_copy(ctx.clone(), public.exponent)?,
            )?;
        }
        Ok(object)
    }
}

/// Imports a key of `family` from `format` (`raw`, `spki` or `pkcs8` with
/// the bytes in `data`; `jwk` with `fields`, the JWK's string members).
/// `curve` is the named curve of an EC key.
pub(super) fn import(
    family: &str,
    format: &str,
    data: &[u8],
    fields: Option<&Object<'_>>,
    curve: &str,
) -> Outcome<Made> {
    let malformed = |what: &str| Failure::data(format!("the key data is not {what}"));
    match (family, format) {
        ("oct", "raw") => Ok(Made::plain("secret", data.to_vec())),
        ("oct", "jwk") => Ok(Made::plain("secret", member(fields, "k")?)),
        ("EC", _) => {
            let curve = ec::curve(curve)?;
            let (kind, material) = match format {
                "raw" => (
                    "public",
                    (curve.from_sec1)(data).ok_or_else(|| malformed("a point of the curve"))?,
                ),
                "spki" => (
                    "public",
                    (curve.from_spki)(data)
                        .ok_or_else(|| malformed("a public key of the curve in SPKI form"))?,
                ),
                "pkcs8" => (
                    "private",
                    (curve.from_pkcs8)(data)
                        .ok_or_else(|| malformed("a private key of the curve in PKCS #8 form"))?
                        .0,
                ),
                _ => {
                    let crv = member_text(fields, "crv")?;
                    if crv != curve.name {
                        return Err(Failure::data(format!(
                            "the JWK's crv is {crv:?}, not {:?}",
                            curve.name
                        )));
                    }
                    let mut point = vec![4];
                    point.extend(member(fields, "x")?);
                    point.extend(member(fields, "y")?);
                    let point = (curve.from_sec1)(&point)
                        .ok_or_else(|| malformed("a point of the curve"))?;
                    match optional_member(fields, "d")? {
                        None => ("public", point),
                        Some(scalar) if (curve.public_of)(&scalar).as_ref() == Some(&point) => {
                            ("private", scalar)
                        }
                        Some(_) => {
                            return Err(Failure::data("the JWK's d does not match its x and y"))
                        }
                    }
                }
            };
            Ok(Made {
                kind,
                material,
                curve: Some(curve.name),
                rsa: None,
            })
        }
        ("OKP", _) => {
            let (kind, material) = match format {
                "raw" => (
                    "public",
                    edwards::from_raw(data).ok_or_else(|| malformed("an Ed25519 public key"))?,
                ),
                "spki" => (
                    "public",
                    edwards::from_spki(data)
                        .ok_or_else(|| malformed("an Ed25519 public key in SPKI form"))?,
                ),
                "pkcs8" => (
                    "private",
                    edwards::from_pkcs8(data)
                        .ok_or_else(|| malformed("an Ed25519 private key in PKCS #8 form"))?
                        .0,
                ),
                _ => {
                    let crv = member_text(fields, "crv")?;
                    if crv != "Ed25519" {
                        return Err(Failure::data(format!(
                            "the JWK's crv is {crv:?}, not \"Ed25519\""
                        )));
                    }
                    let public = edwards::from_raw(&member(fields, "x")?)
                        .ok_or_else(|| malformed("an Ed25519 public key"))?;
                    match optional_member(fields, "d")? {
                        None => ("public", public),
                        Some(seed) if edwards::public_of(&seed).as_ref() == Some(&public) => {
                            ("private", seed)
                        }
                        Some(_) => return Err(Failure::data("the JWK's d does not match its x")),
                    }
                }
            };
            Ok(Made::plain(kind, material))
        }
        ("RSA", "spki") => Ok(rsa_made("public", rsa::from_spki(data)?, None)),
        ("RSA", "pkcs8") => {
            let (private, public) = rsa::from_pkcs8(data)?;
            Ok(rsa_made("private", public, Some(private)))
        }
        ("RSA", "jwk") => {
            let private = match optional_member(fields, "d")? {
                None => None,
                Some(d) => Some([d, member(fields, "p")?, member(fields, "q")?]),
            };
            let numbers = rsa::Numbers {
                n: member(fields, "n")?,
                e: member(fields, "e")?,
                private,
            };
            match rsa::from_numbers(&numbers)? {
                (Some(private), public) => Ok(rsa_made("private", public, Some(private))),
                (None, public) => Ok(rsa_made("public", public, None)),
            }
        }
        _ => Err(Failure::not_supported(format!(
            "{family} keys cannot be imported from {format}"
        ))),
    }
}

/// An RSA key of `kind`: `private` material when there is one, else the
/// public key's.
fn rsa_made(kind: &'static str, public: rsa::Public, private: Option<Vec<u8>>) -> Made {
    let material = private.unwrap_or_else(|| public.spki.clone());
    Made {
        kind,
        material,
        curve: None,
        rsa: Some(public),
    }
}

/// A new key pair of `family`: an EC key on `curve`, an Ed25519 key, or an
/// RSA key of `bits` with public exponent `exponent`. Private key first.
pub(super) fn generate(
    family: &str,
    curve: &str,
    bits: usize,
    exponent: &[u8],
) -> Outcome<(Made, Made)> {
    match family {
        "EC" => {
            let curve = ec::curve(curve)?;
            let (scalar, point) = (curve.generate)();
            let made = |kind, material| Made {
                kind,
                material,
                curve: Some(curve.name),
                rsa: None,
            };
            Ok((made("private", scalar), made("public", point)))
        }
        "OKP" => {
            let (seed, public) = edwards::generate();
            Ok((Made::plain("private", seed), Made::plain("public", public)))
        }
        "RSA" => {
            let (private, public) = rsa::generate(bits, exponent)?;
            let public_made = rsa_made("public", public.clone(), None);
            Ok((rsa_made("private", public, Some(private)), public_made))
        }
        _ => Err(Failure::not_supported(format!(
            "{family} key pairs cannot be generated"
        ))),
    }
}

/// Exports a key of `family` and `kind` with `material` to `format`: bytes
/// for `raw`, `spki` and `pkcs8`, an object of the JWK's key members for
/// `jwk`.
pub(super) fn export<'js>(
    ctx: &Ctx<'js>,
    family: &str,
    format: &str,
    kind: &str,
    material: &[u8],
    curve: &str,
) -> Outcome<Value<'js>> {
    let private = kind == "private";
    let damaged = || Failure::operation("the key material is damaged");
    let bytes = |bytes: Vec<u8>| -> Outcome<Value<'js>> {
        Ok(ArrayBuffer::new_copy(ctx.clone(), bytes)?.into_value())
    };
    match (family, format) {
        ("oct", "raw") | ("OKP", "raw") | ("EC", "raw") => bytes(material.to_vec()),
        ("RSA", "spki") | ("RSA", "pkcs8") => bytes(material.to_vec()),
        ("EC", "spki") => bytes((ec::curve(curve)?.to_spki)(material).ok_or_else(damaged)?),
        ("EC", "pkcs8") => bytes((ec::curve(curve)?.to_pkcs8)(material).ok_or_else(damaged)?),
        ("OKP", "spki") => bytes(edwards::to_spki(material).ok_or_else(damaged)?),
        ("OKP", "pkcs8") => bytes(edwards::to_pkcs8(material).ok_or_else(damaged)?),
        (_, "jwk") => {
            let jwk = Object::new(ctx.clone())?;
            define(&jwk, "kty", family)?;
            match family {
                "oct" => define(&jwk, "k", encode(material))?,
                "EC" => {
                    let curve = ec::curve(curve)?;
                    let point = match private {
                        true => (curve.public_of)(material).ok_or_else(damaged)?,
                        false => material.to_vec(),
                    };
                    let (x, y) = point.get(1..).ok_or_else(damaged)?.split_at(curve.field);
                    define(&jwk, "crv", curve.name)?;
                    define(&jwk, "x", encode(x))?;
                    define(&jwk, "y", encode(y))?;
                    if private {
                        define(&jwk, "d", encode(material))?;
                    }
                }
                "OKP" => {
                    define(&jwk, "crv", "Ed25519")?;
                    match private {
                        true => {
                            define(
                                &jwk,
                                "x",
                                encode(&edwards::public_of(material).ok_or_else(damaged)?),
                            )?;
                            define(&jwk, "d", encode(material))?;
                        }
                        false => define(&jwk, "x", encode(material))?,
                    }
                }
                _ => {
                    let names = ["n", "e", "d", "p", "q", "dp", "dq", "qi"];
                    for (name, number) in names.into_iter().zip(rsa::to_numbers(material, private)?)
                    {
                        define(&jwk, name, encode(&number))?;
                    }
                }
            }
            Ok(jwk.into_value())
        }
        _ => Err(Failure::not_supported(format!(
            "{family} keys cannot be exported to {format}"
        ))),
    }
}

/// A new object without a prototype, for `subtle.js` to read.
pub(super) fn record<'js>(ctx: &Ctx<'js>) -> Outcome<Object<'js>> {
    let object = Object::new(ctx.clone())?;
    object.set_prototype(None)?;
    Ok(object)
}

/// Defines member `name` of a JWK being exported as an object literal
/// would, without running setters a handler put on `Object.prototype`.
fn define<'js>(jwk: &Object<'js>, name: &str, value: impl IntoJs<'js>) -> rquickjs::Result<()> {
    jwk.prop(
        name,
        Property::from(value).writable().enumerable().configurable(),
    )
}

/// `bytes` in unpadded base64url, as JWK members are.
fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The JWK member `name` (a string), or a `DataError`.
fn member_text(fields: Option<&Object<'_>>, name: &str) -> Outcome<String> {
    let text: Option<String> = match fields {
        Some(fields) => fields.get(name)?,
        None => None,
    };
    text.ok_or_else(|| Failure::data(format!("the JWK has no {name}")))
}

/// The bytes of JWK member `name` (unpadded base64url), or a `DataError`.
fn member(fields: Option<&Object<'_>>, name: &str) -> Outcome<Vec<u8>> {
    optional_member(fields, name)?.ok_or_else(|| Failure::data(format!("the JWK has no {name}")))
}

/// The bytes of JWK member `name` when it is there.
fn optional_member(fields: Option<&Object<'_>>, name: &str) -> Outcome<Option<Vec<u8>>> {
    let Some(text) = fields
        .map(|fields| fields.get::<_, Option<String>>(name))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(text.as_bytes())
        .map(Some)
        .map_err(|_| Failure::data(format!("the JWK's {name} is not base64url")))
}
