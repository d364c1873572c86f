//! What is built on a hash alone: `digest`, HMAC signatures, and the key
//! derivations PBKDF2 and HKDF.

use hmac::digest::core_api::BlockSizeUser;
use hmac::digest::{Digest, KeyInit};
use hmac::{Mac, SimpleHmac};

use super::failure::{Failure, Outcome};
use crate::builtins::digest::{with_hash, Algorithm};

/// The hash Web Crypto names `name` (`SHA-256`, as `subtle.js` normalizes
/// it).
pub(super) fn algorithm(name: &str) -> Outcome<Algorithm> {
    Algorithm::named(&name.to_ascii_lowercase())
        .ok_or_else(|| Failure::not_supported(format!("{name} is not a supported hash")))
}

/// The digest of `data`.
pub(super) fn digest(hash: Algorithm, data: &[u8]) -> Vec<u8> {
    with_hash!(hash, D => D::digest(data).to_vec())
}

/// The HMAC of `data` under `key`.
pub(super) fn hmac(hash: Algorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    with_hash!(hash, D => keyed::<D>(key, data).finalize().into_bytes().to_vec())
}

/// Whether `signature` is the HMAC of `data` under `key`, compared in
/// constant time.
pub(super) fn hmac_verify(hash: Algorithm, key: &[u8], signature: &[u8], data: &[u8]) -> bool {
    with_hash!(hash, D => keyed::<D>(key, data).verify_slice(signature).is_ok())
}

/// An HMAC with hash `D` and `key` that has read `data`.
fn keyed<D: Digest + BlockSizeUser>(key: &[u8], data: &[u8]) -> SimpleHmac<D> {
    // Any key length is valid for HMAC: long keys are hashed first.
    let mut mac = match <SimpleHmac<D> as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    Mac::update(&mut mac, data);
    mac
}

/// `bits` (a multiple of 8) derived from `password` by PBKDF2 with HMAC
/// and `hash`.
pub(super) fn pbkdf2(
    hash: Algorithm,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    bits: usize,
) -> Outcome<Vec<u8>> {
    if iterations == 0 {
        return Err(Failure::operation("PBKDF2 needs at least one iteration"));
    }
    let mut out = vec![0; bytes_of(bits)?];
    with_hash!(hash, D => pbkdf2::pbkdf2_hmac::<D>(password, salt, iterations, &mut out));
    Ok(out)
}

/// `bits` (a multiple of 8) derived from `key` by HKDF with `hash`.
pub(super) fn hkdf(
    hash: Algorithm,
    key: &[u8],
    salt: &[u8],
    info: &[u8],
    bits: usize,
) -> Outcome<Vec<u8>> {
    let mut out = vec![0; bytes_of(bits)?];
    with_hash!(hash, D => hkdf::Hkdf::<D, SimpleHmac<D>>::new(Some(salt), key)
        .expand(info, &mut out)
        .map_err(|_| Failure::operation(format!("HKDF derives at most 255 blocks of the hash, not {bits} bits")))?);
    Ok(out)
}

/// The most bytes one derivation makes: they are assembled outside the
/// JavaScript heap before they are copied into it.
const MAX_DERIVED: usize = 65_536;

/// The bytes in `bits`, which must be a multiple of 8 and at most
/// [`MAX_DERIVED`] bytes.
fn bytes_of(bits: usize) -> Outcome<usize> {
    match bits % 8 {
        0 if bits / 8 <= MAX_DERIVED => Ok(bits / 8),
        0 => Err(Failure::operation(format!(
            "{bits} bits is more than the {MAX_DERIVED} bytes one derivation makes"
        ))),
        _ => Err(Failure::operation(format!(
            "{bits} bits is not a whole number of bytes"
        ))),
    }
}
