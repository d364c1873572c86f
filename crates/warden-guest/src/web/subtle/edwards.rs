//! Ed25519: key encodings, generation, signing and verifying. A private key
//! is kept as its 32-byte seed, a public key as its 32 bytes.

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::RngCore;

use super::rng::HostRng;

/// The length of a seed, a public key, and each half of a signature.
pub(super) const KEY_LEN: usize = 32;

/// The public key of an SPKI document, or `None`.
pub(super) fn from_spki(der: &[u8]) -> Option<Vec<u8>> {
    VerifyingKey::from_public_key_der(der)
        .ok()
        .map(|key| key.to_bytes().to_vec())
}

/// The seed and public key of a PKCS #8 document, or `None`.
pub(super) fn from_pkcs8(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let key = SigningKey::from_pkcs8_der(der).ok()?;
    Some((
        key.to_bytes().to_vec(),
        key.verifying_key().to_bytes().to_vec(),
    ))
}

/// A public key's bytes, checked to be a point of the curve.
pub(super) fn from_raw(bytes: &[u8]) -> Option<Vec<u8>> {
    let bytes: &[u8; KEY_LEN] = bytes.try_into().ok()?;
    VerifyingKey::from_bytes(bytes)
        .ok()
        .map(|key| key.to_bytes().to_vec())
}

/// The public key of a seed.
pub(super) fn public_of(seed: &[u8]) -> Option<Vec<u8>> {
    let seed: &[u8; KEY_LEN] = seed.try_into().ok()?;
    Some(
        SigningKey::from_bytes(seed)
            .verifying_key()
            .to_bytes()
            .to_vec(),
    )
}

/// The SPKI document of a public key.
pub(super) fn to_spki(public: &[u8]) -> Option<Vec<u8>> {
    let key = VerifyingKey::from_bytes(public.try_into().ok()?).ok()?;
    key.to_public_key_der().ok().map(|der| der.into_vec())
}

/// The PKCS #8 document of a seed.
pub(super) fn to_pkcs8(seed: &[u8]) -> Option<Vec<u8>> {
    let key = SigningKey::from_bytes(seed.try_into().ok()?);
    key.to_pkcs8_der().ok().map(|der| der.as_bytes().to_vec())
}

/// A new seed and its public key.
pub(super) fn generate() -> (Vec<u8>, Vec<u8>) {
    let mut seed = [0; KEY_LEN];
    HostRng.fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    (seed.to_vec(), key.verifying_key().to_bytes().to_vec())
}

/// The signature of `data` with a seed.
pub(super) fn sign(seed: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let key = SigningKey::from_bytes(seed.try_into().ok()?);
    Some(key.sign(data).to_bytes().to_vec())
}

/// Whether `signature` is one of `data` by a public key. Non-canonical
/// encodings and small-order keys are rejected.
pub(super) fn verify(public: &[u8], data: &[u8], signature: &[u8]) -> bool {
    let (Some(key), Ok(signature)) = (
        public
            .try_into()
            .ok()
            .and_then(|bytes| VerifyingKey::from_bytes(bytes).ok()),
        Signature::from_slice(signature),
    ) else {
        return false;
    };
    key.verify_strict(data, &signature).is_ok()
}
