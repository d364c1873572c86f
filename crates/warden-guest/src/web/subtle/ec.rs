//! The NIST curves P-256 and P-384, for ECDSA: key encodings, generation,
//! signing and verifying. A private key is kept as its scalar (big-endian,
//! the curve's field size), a public key as its uncompressed SEC1 point.

use super::failure::{Failure, Outcome};

/// A private key's material and its public key's.
pub(super) type Pair = (Vec<u8>, Vec<u8>);

/// What one curve offers, the same for each (see [`curve`]).
pub(super) struct Curve {
    /// The curve's name in Web Crypto and JWK (`P-256`).
    pub(super) name: &'static str,
    /// The length of a coordinate or a scalar, in bytes.
    pub(super) field: usize,
    /// The point of an SPKI document, or `None` when it holds no key of
    /// this curve.
    pub(super) from_spki: fn(&[u8]) -> Option<Vec<u8>>,
    /// The scalar and point of a PKCS #8 document, or `None`.
    pub(super) from_pkcs8: fn(&[u8]) -> Option<Pair>,
    /// The uncompressed form of a SEC1 point (either form), or `None` when
    /// it is not on the curve.
    pub(super) from_sec1: fn(&[u8]) -> Option<Vec<u8>>,
    /// The point of a scalar, or `None` when it is not a valid one.
    pub(super) public_of: fn(&[u8]) -> Option<Vec<u8>>,
    /// The SPKI document of a point.
    pub(super) to_spki: fn(&[u8]) -> Option<Vec<u8>>,
    /// The PKCS #8 document of a scalar.
    pub(super) to_pkcs8: fn(&[u8]) -> Option<Vec<u8>>,
    /// A new scalar and its point.
    pub(super) generate: fn() -> (Vec<u8>, Vec<u8>),
    /// The signature (`r || s`) of a message hash with a scalar.
    pub(super) sign: fn(&[u8], &[u8]) -> Option<Vec<u8>>,
    /// Whether a signature (`r || s`) of a message hash verifies with a
    /// point.
    pub(super) verify: fn(&[u8], &[u8], &[u8]) -> bool,
}

/// The curve Web Crypto names `name`.
pub(super) fn curve(name: &str) -> Outcome<&'static Curve> {
    match name {
        "P-256" => Ok(&nist_p256::CURVE),
        "P-384" => Ok(&nist_p384::CURVE),
        _ => Err(Failure::not_supported(format!(
            "the curve {name:?} is not supported (supported: P-256, P-384)"
        ))),
    }
}

/// Defines module `$module` holding `CURVE`, the [`Curve`] of crate `$curve`.
macro_rules! curve_module {
    ($module:ident, $curve:ident, $name:literal, $field:literal) => {
        mod $module {
            use $curve::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
            use $curve::ecdsa::{Signature, SigningKey, VerifyingKey};
            use $curve::elliptic_curve::sec1::ToEncodedPoint;
            use $curve::pkcs8::{
                DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey,
            };
            use $curve::{PublicKey, SecretKey};

            use super::super::rng::HostRng;
            use super::Curve;

            pub(in super::super) static CURVE: Curve = Curve {
                name: $name,
                field: $field,
                from_spki,
                from_pkcs8,
                from_sec1,
                public_of,
                to_spki,
                to_pkcs8,
                generate,
                sign,
                verify,
            };

            fn point(key: &PublicKey) -> Vec<u8> {
                key.to_encoded_point(false).as_bytes().to_vec()
            }

            fn from_spki(der: &[u8]) -> Option<Vec<u8>> {
                PublicKey::from_public_key_der(der)
                    .ok()
                    .map(|key| point(&key))
            }

            fn from_pkcs8(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
                let key = SecretKey::from_pkcs8_der(der).ok()?;
                Some((key.to_bytes().to_vec(), point(&key.public_key())))
            }

            fn from_sec1(bytes: &[u8]) -> Option<Vec<u8>> {
                PublicKey::from_sec1_bytes(bytes)
                    .ok()
                    .map(|key| point(&key))
            }

            fn public_of(scalar: &[u8]) -> Option<Vec<u8>> {
                SecretKey::from_slice(scalar)
                    .ok()
                    .map(|key| point(&key.public_key()))
            }

            fn to_spki(sec1: &[u8]) -> Option<Vec<u8>> {
                let key = PublicKey::from_sec1_bytes(sec1).ok()?;
                key.to_public_key_der().ok().map(|der| der.into_vec())
            }

            fn to_pkcs8(scalar: &[u8]) -> Option<Vec<u8>> {
                let key = SecretKey::from_slice(scalar).ok()?;
                key.to_pkcs8_der().ok().map(|der| der.as_bytes().to_vec())
            }

            fn generate() -> (Vec<u8>, Vec<u8>) {
                let key = SecretKey::random(&mut HostRng);
                (key.to_bytes().to_vec(), point(&key.public_key()))
            }

            fn sign(scalar: &[u8], prehash: &[u8]) -> Option<Vec<u8>> {
                let key = SigningKey::from_slice(scalar).ok()?;
                let signature: Signature = key.sign_prehash(prehash).ok()?;
                Some(signature.to_bytes().to_vec())
            }

            fn verify(sec1: &[u8], prehash: &[u8], signature: &[u8]) -> bool {
                let (Ok(key), Ok(signature)) = (
                    VerifyingKey::from_sec1_bytes(sec1),
                    Signature::from_slice(signature),
                ) else {
                    return false;
                };
                key.verify_prehash(prehash, &signature).is_ok()
            }
        }
    };
}

curve_module!(nist_p256, p256, "P-256", 32);
curve_module!(nist_p384, p384, "P-384", 48);
