//! AES-GCM and AES-CBC encryption and decryption, with 128-, 192- and
//! 256-bit keys.

use aes::{Aes128, Aes192, Aes256};
use aes_gcm::aead::consts::{U12, U16};
use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use aes_gcm::AesGcm;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, InvalidLength, KeyIvInit};

use super::failure::{Failure, Outcome};

/// The tag length of AES-GCM Warden supports, in bits (the default, and
/// what every JOSE and TLS profile uses).
const GCM_TAG_BITS: u32 = 128;

/// The AES-GCM parameters besides the key and data.
pub(super) struct Gcm<'a> {
    /// The initialization vector: 12 bytes (recommended) or 16.
    pub(super) iv: &'a [u8],
    /// Data authenticated but not encrypted.
    pub(super) additional: &'a [u8],
    /// The tag length in bits.
    pub(super) tag_bits: u32,
}

/// Runs `$body` with `$aes` the AES variant for a key of `$key` bytes.
macro_rules! with_aes {
    ($key:expr, $aes:ident => $body:expr) => {
        match $key.len() {
            16 => {
                type $aes = Aes128;
                $body
            }
            24 => {
                type $aes = Aes192;
                $body
            }
            32 => {
                type $aes = Aes256;
                $body
            }
            len => Err(Failure::data(format!(
                "an AES key has 16, 24 or 32 bytes, not {len}"
            ))),
        }
    };
}

/// `data` encrypted (`encrypt`) or decrypted with AES-GCM: the ciphertext
/// is followed by the tag.
pub(super) fn gcm(encrypt: bool, key: &[u8], params: &Gcm<'_>, data: &[u8]) -> Outcome<Vec<u8>> {
    match params.tag_bits {
        GCM_TAG_BITS => {}
        32 | 64 | 96 | 104 | 112 | 120 => {
            return Err(Failure::not_supported(format!(
                "AES-GCM tags of {} bits are not supported, only {GCM_TAG_BITS}",
                params.tag_bits
            )))
        }
        bits => {
            return Err(Failure::operation(format!(
                "{bits} bits is not an AES-GCM tag length"
            )))
        }
    }
    let payload = Payload {
        msg: data,
        aad: params.additional,
    };
    with_aes!(key, A => match params.iv.len() {
        12 => gcm_run(AesGcm::<A, U12>::new_from_slice(key), encrypt, params.iv, payload),
        16 => gcm_run(AesGcm::<A, U16>::new_from_slice(key), encrypt, params.iv, payload),
        0 => Err(Failure::operation("the AES-GCM iv is empty")),
        len => Err(Failure::not_supported(format!(
            "AES-GCM ivs of {len} bytes are not supported, only 12 (recommended) or 16"
        ))),
    })
}

/// Encrypts or decrypts `payload` with a new AES-GCM `cipher`.
fn gcm_run<C: Aead>(
    cipher: Result<C, InvalidLength>,
    encrypt: bool,
    iv: &[u8],
    payload: Payload<'_, '_>,
) -> Outcome<Vec<u8>> {
    let cipher = cipher.map_err(|_| Failure::data("the AES key has the wrong length"))?;
    let nonce = Nonce::<C>::from_slice(iv);
    match encrypt {
        true => cipher
            .encrypt(nonce, payload)
            .map_err(|_| Failure::operation("AES-GCM encryption failed: the data is too long")),
        false => cipher.decrypt(nonce, payload).map_err(|_| {
            Failure::operation("AES-GCM decryption failed: the data or its tag is not authentic")
        }),
    }
}

/// `data` encrypted (`encrypt`, padded as PKCS #7 has it) or decrypted with
/// AES-CBC.
pub(super) fn cbc(encrypt: bool, key: &[u8], iv: &[u8], data: &[u8]) -> Outcome<Vec<u8>> {
    if iv.len() != 16 {
        return Err(Failure::operation(format!(
            "the AES-CBC iv has {} bytes, not 16",
            iv.len()
        )));
    }
    let unpadded = |_| Failure::operation("AES-CBC decryption failed: the padding is wrong");
    let sized = |_| Failure::data("the AES key has the wrong length");
    with_aes!(key, A => match encrypt {
        true => Ok(cbc::Encryptor::<A>::new_from_slices(key, iv)
            .map_err(sized)?
            .encrypt_padded_vec_mut::<Pkcs7>(data)),
        false => cbc::Decryptor::<A>::new_from_slices(key, iv)
            .map_err(sized)?
            .decrypt_padded_vec_mut::<Pkcs7>(data)
            .map_err(unpadded),
    })
}
