//! RSA, for RSASSA-PKCS1-v1_5 and RSA-PSS: key encodings, generation,
//! signing and verifying. A private key is kept as its PKCS #8 document, a
//! public key as its SPKI document.

use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{pkcs1v15, pss, BigUint, RsaPrivateKey, RsaPublicKey};

use super::failure::{Failure, Outcome};
use super::rng::HostRng;
use crate::builtins::digest::{with_hash, Algorithm};

/// The smallest and largest moduli generated or imported, in bits.
const MODULUS_BITS: std::ops::RangeInclusive<usize> = 512..=16_384;

/// An RSA padding scheme for signatures.
#[derive(Clone, Copy)]
pub(super) enum Scheme {
    /// RSASSA-PKCS1-v1_5.
    Pkcs1v15,
    /// RSA-PSS, with a salt of this many bytes.
    Pss(usize),
}

/// A public key and what `CryptoKey.algorithm` shows of it.
#[derive(Clone)]
pub(super) struct Public {
    /// The SPKI document.
    pub(super) spki: Vec<u8>,
    /// The modulus length in bits.
    pub(super) bits: usize,
    /// The public exponent, big-endian.
    pub(super) exponent: Vec<u8>,
}

/// [`Public`] for `key`.
fn public(key: &RsaPublicKey) -> Outcome<Public> {
    let spki = key
        .to_public_key_der()
        .map_err(|e| Failure::operation(format!("the RSA key cannot be encoded: {e}")))?;
    Ok(Public {
        spki: spki.into_vec(),
        bits: key.n().bits(),
        exponent: key.e().to_bytes_be(),
    })
}

/// The PKCS #8 document of `key`.
fn pkcs8(key: &RsaPrivateKey) -> Outcome<Vec<u8>> {
    key.to_pkcs8_der()
        .map(|der| der.as_bytes().to_vec())
        .map_err(|e| Failure::operation(format!("the RSA key cannot be encoded: {e}")))
}

/// Checks the modulus of a key being imported is within [`MODULUS_BITS`].
fn sized(bits: usize) -> Outcome<()> {
    match MODULUS_BITS.contains(&bits) {
        true => Ok(()),
        false => Err(Failure::data(format!(
            "an RSA modulus of {bits} bits is outside the supported {}..={} bits",
            MODULUS_BITS.start(),
            MODULUS_BITS.end()
        ))),
    }
}

/// The public key an SPKI document holds.
pub(super) fn from_spki(der: &[u8]) -> Outcome<Public> {
    let key = RsaPublicKey::from_public_key_der(der)
        .map_err(|e| Failure::data(format!("not an RSA public key in SPKI form: {e}")))?;
    sized(key.n().bits())?;
    public(&key)
}

/// The private key a PKCS #8 document holds (re-encoded) and its public
/// key.
pub(super) fn from_pkcs8(der: &[u8]) -> Outcome<(Vec<u8>, Public)> {
    let key = RsaPrivateKey::from_pkcs8_der(der)
        .map_err(|e| Failure::data(format!("not an RSA private key in PKCS #8 form: {e}")))?;
    sized(key.n().bits())?;
    Ok((pkcs8(&key)?, public(&key.to_public_key())?))
}

/// The numbers of an RSA JWK, big-endian: `n` and `e`, and for a private key
/// `d`, `p` and `q` (the CRT values are computed again).
pub(super) struct Numbers {
    /// The modulus.
    pub(super) n: Vec<u8>,
    /// The public exponent.
    pub(super) e: Vec<u8>,
    /// The private exponent and the two primes, for a private key.
    pub(super) private: Option<[Vec<u8>; 3]>,
}

/// The key (a PKCS #8 document for a private one) and public key of a
/// JWK's numbers.
pub(super) fn from_numbers(numbers: &Numbers) -> Outcome<(Option<Vec<u8>>, Public)> {
    let n = BigUint::from_bytes_be(&numbers.n);
    let e = BigUint::from_bytes_be(&numbers.e);
    sized(n.bits())?;
    let Some([d, p, q]) = &numbers.private else {
        let key = RsaPublicKey::new(n, e)
            .map_err(|e| Failure::data(format!("invalid RSA public key: {e}")))?;
        return Ok((None, public(&key)?));
    };
    let primes = vec![BigUint::from_bytes_be(p), BigUint::from_bytes_be(q)];
    let key = RsaPrivateKey::from_components(n, e, BigUint::from_bytes_be(d), primes)
        .map_err(|e| Failure::data(format!("invalid RSA private key: {e}")))?;
    Ok((Some(pkcs8(&key)?), public(&key.to_public_key())?))
}

/// The JWK numbers of a public key (SPKI) or private key (PKCS #8), in the
/// order `n e d p q dp dq qi`, the last six only for a private key.
pub(super) fn to_numbers(material: &[u8], private: bool) -> Outcome<Vec<Vec<u8>>> {
    let broken = |_| Failure::operation("the RSA key material is damaged");
    let broken_private = |_| Failure::operation("the RSA key material is damaged");
    if !private {
        let key = RsaPublicKey::from_public_key_der(material).map_err(broken)?;
        return Ok(vec![key.n().to_bytes_be(), key.e().to_bytes_be()]);
    }
    let key = RsaPrivateKey::from_pkcs8_der(material).map_err(broken_private)?;
    let [p, q] = key.primes() else {
        return Err(Failure::not_supported(
            "multi-prime RSA keys cannot be exported as JWK",
        ));
    };
    let one = BigUint::from(1u8);
    let two = BigUint::from(2u8);
    let dp = key.d() % (p - &one);
    let dq = key.d() % (q - &one);
    // p is prime, so q^(p-2) is the inverse of q modulo p.
    let qi = q.modpow(&(p - &two), p);
    Ok([key.n(), key.e(), key.d(), p, q, &dp, &dq, &qi]
        .iter()
        .map(|number| number.to_bytes_be())
        .collect())
}

/// A new key pair: the PKCS #8 document and the public key.
pub(super) fn generate(bits: usize, exponent: &[u8]) -> Outcome<(Vec<u8>, Public)> {
    if !MODULUS_BITS.contains(&bits) || !bits.is_multiple_of(8) {
        return Err(Failure::operation(format!(
            "an RSA modulus of {bits} bits cannot be generated (a multiple of 8 in {}..={})",
            MODULUS_BITS.start(),
            MODULUS_BITS.end()
        )));
    }
    let exponent = BigUint::from_bytes_be(exponent);
    let key = RsaPrivateKey::new_with_exp(&mut HostRng, bits, &exponent)
        .map_err(|e| Failure::operation(format!("no RSA key was generated: {e}")))?;
    Ok((pkcs8(&key)?, public(&key.to_public_key())?))
}

/// The signature of `data` with `hash` under a private key (PKCS #8).
pub(super) fn sign(
    scheme: Scheme,
    hash: Algorithm,
    material: &[u8],
    data: &[u8],
) -> Outcome<Vec<u8>> {
    let key = RsaPrivateKey::from_pkcs8_der(material)
        .map_err(|_| Failure::operation("the RSA key material is damaged"))?;
    let failed = |e: rsa::signature::Error| Failure::operation(format!("RSA signing failed: {e}"));
    with_hash!(hash, D => match scheme {
        Scheme::Pkcs1v15 => pkcs1v15::SigningKey::<D>::new(key)
            .try_sign_with_rng(&mut HostRng, data)
            .map(|signature| signature.to_vec())
            .map_err(failed),
        Scheme::Pss(salt) => pss::BlindedSigningKey::<D>::new_with_salt_len(key, salt)
            .try_sign_with_rng(&mut HostRng, data)
            .map(|signature| signature.to_vec())
            .map_err(failed),
    })
}

/// Whether `signature` is one of `data` with `hash` by a public key (SPKI).
pub(super) fn verify(
    scheme: Scheme,
    hash: Algorithm,
    material: &[u8],
    data: &[u8],
    signature: &[u8],
) -> Outcome<bool> {
    let key = RsaPublicKey::from_public_key_der(material)
        .map_err(|_| Failure::operation("the RSA key material is damaged"))?;
    Ok(with_hash!(hash, D => match scheme {
        Scheme::Pkcs1v15 => pkcs1v15::Signature::try_from(signature).is_ok_and(|signature| {
            pkcs1v15::VerifyingKey::<D>::new(key).verify(data, &signature).is_ok()
        }),
        Scheme::Pss(salt) => pss::Signature::try_from(signature).is_ok_and(|signature| {
            pss::VerifyingKey::<D>::new_with_salt_len(key, salt).verify(data, &signature).is_ok()
        }),
    }))
}
