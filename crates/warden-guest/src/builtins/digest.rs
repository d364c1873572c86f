//! The hash algorithms of the `crypto` module and of Web Crypto, and
//! hashing what a hash or HMAC was given. The state lives only for the length of one digest, on
//! the stack: what is hashed stays in the JavaScript heap until then.

use hmac::digest::core_api::BlockSizeUser;
use hmac::digest::{Digest, KeyInit};
use hmac::{Mac, SimpleHmac};
use rquickjs::{Array, Ctx, Exception, Result, Value};

use super::bytes::pieces;

/// Evaluates `$body` with `$hash` the hash type (such as `sha2::Sha256`)
/// of `$algorithm`, an [`Algorithm`].
macro_rules! with_hash {
    ($algorithm:expr, $hash:ident => $body:expr) => {
        match $algorithm {
            $crate::builtins::digest::Algorithm::Sha1 => {
                type $hash = sha1::Sha1;
                $body
            }
            $crate::builtins::digest::Algorithm::Sha256 => {
                type $hash = sha2::Sha256;
                $body
            }
            $crate::builtins::digest::Algorithm::Sha384 => {
                type $hash = sha2::Sha384;
                $body
            }
            $crate::builtins::digest::Algorithm::Sha512 => {
                type $hash = sha2::Sha512;
                $body
            }
        }
    };
}
pub(crate) use with_hash;

/// A hash algorithm `createHash` and `createHmac` accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Algorithm {
    /// SHA-1 (FIPS 180-4), for compatibility only.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// The algorithm a lowercased name (`sha256`, or `sha-256` as Web
    /// Crypto spells it) stands for.
    pub(crate) fn named(name: &str) -> Option<Self> {
        match name {
            "sha1" | "sha-1" => Some(Self::Sha1),
            "sha256" | "sha-256" => Some(Self::Sha256),
            "sha384" | "sha-384" => Some(Self::Sha384),
            "sha512" | "sha-512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// Its name, as [`named`](Self::named) reads it.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// The digest of `chunks` (values kept by [`chunk`](super::bytes::chunk)),
    /// keyed as an HMAC when there is a `key` (a kept value too).
    pub(super) fn digest<'js>(
        self,
        ctx: &Ctx<'js>,
        key: Option<&Value<'js>>,
        chunks: &Array<'js>,
    ) -> Result<Vec<u8>> {
        with_hash!(self, D => digest::<D>(ctx, key, chunks))
    }
}

/// [`Algorithm::digest`] with hash `D`.
fn digest<'js, D: Digest + BlockSizeUser>(
    ctx: &Ctx<'js>,
    key: Option<&Value<'js>>,
    chunks: &Array<'js>,
) -> Result<Vec<u8>> {
    let Some(key) = key else {
        let mut hash = D::new();
        each_piece(ctx, chunks, &mut |piece| Digest::update(&mut hash, piece))?;
        return Ok(hash.finalize().to_vec());
    };
    let key = hmac_key::<D>(ctx, key)?;
    let mut mac = <SimpleHmac<D> as KeyInit>::new_from_slice(&key)
        .map_err(|e| Exception::throw_type(ctx, &format!("crypto: invalid HMAC key: {e}")))?;
    each_piece(ctx, chunks, &mut |piece| Mac::update(&mut mac, piece))?;
    Ok(mac.finalize().into_bytes().to_vec())
}

/// Hands `sink` the bytes of every chunk, in order.
fn each_piece<'js>(ctx: &Ctx<'js>, chunks: &Array<'js>, sink: &mut dyn FnMut(&[u8])) -> Result<()> {
    for chunk in chunks.iter::<Value>() {
        pieces(ctx, &chunk?, sink)?;
    }
    Ok(())
}

/// The HMAC key for `key`: its bytes when they fit in a block, else their
/// hash, as RFC 2104 has it. Hashing a long key as it is read keeps it out
/// of memory the heap limit does not count.
fn hmac_key<'js, D: Digest + BlockSizeUser>(ctx: &Ctx<'js>, key: &Value<'js>) -> Result<Vec<u8>> {
    let block = D::block_size();
    let mut short = Vec::with_capacity(block);
    let mut long: Option<D> = None;
    pieces(ctx, key, &mut |piece| match &mut long {
        Some(hash) => Digest::update(hash, piece),
        None if short.len() + piece.len() <= block => short.extend_from_slice(piece),
        None => {
            let mut hash = D::new();
            Digest::update(&mut hash, &short);
            Digest::update(&mut hash, piece);
            long = Some(hash);
        }
    })?;
    Ok(long.map_or(short, |hash| hash.finalize().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::Algorithm;

    #[test]
    fn names_read_back_and_web_crypto_spellings_are_accepted() {
        for algorithm in [
            Algorithm::Sha1,
            Algorithm::Sha256,
            Algorithm::Sha384,
            Algorithm::Sha512,
        ] {
            assert_eq!(Algorithm::named(algorithm.name()), Some(algorithm));
            let web = algorithm.name().replace("sha", "sha-");
            assert_eq!(Algorithm::named(&web), Some(algorithm));
        }
        assert_eq!(Algorithm::named("md5"), None);
        assert_eq!(Algorithm::named("SHA256"), None, "names come lowercased");
    }
}
