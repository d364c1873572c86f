//! [`Bytes`]: binary data as a host function's argument or result.
//!
//! A handler's `Uint8Array`, `ArrayBuffer` or other view passed as a whole
//! argument crosses the boundary as bytes beside the JSON (the JSON holds a
//! `{"$warden.bytes": i}` marker for it); a `Bytes` result reaches the
//! handler as a `Uint8Array`. Nested inside other values, `Bytes` is a JSON
//! array of numbers, as serde writes a byte string.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Serialize, Serializer};
use warden_abi::BYTES_MARKER;

/// Bytes a host function takes or returns: a handler's `Uint8Array`
/// (or `ArrayBuffer`, typed array, `DataView`) in, a `Uint8Array` out.
///
/// ```
/// # fn main() -> warden::Result<()> {
/// use warden::Bytes;
/// let mut proto = warden::SandboxBuilder::new().build()?;
/// proto.host_module("codec")?.register("reverse", |input: Bytes| {
///     Bytes(input.0.into_iter().rev().collect())
/// })?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bytes(pub Vec<u8>);

impl From<Vec<u8>> for Bytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<Bytes> for Vec<u8> {
    fn from(bytes: Bytes) -> Self {
        bytes.0
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

thread_local! {
    /// The binary arguments of the call being decoded on this thread.
    static BLOBS: RefCell<Vec<Option<Vec<u8>>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `decode` with `blobs` as the binary arguments its markers name;
/// each can be taken once.
pub(super) fn with_blobs<R>(blobs: Vec<Vec<u8>>, decode: impl FnOnce() -> R) -> R {
    let previous = BLOBS.replace(blobs.into_iter().map(Some).collect());
    let result = decode();
    BLOBS.set(previous);
    result
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BytesVisitor)
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Bytes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Uint8Array, an ArrayBuffer, or an array of bytes")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Bytes, E> {
        Ok(Bytes(bytes.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Bytes, E> {
        Ok(Bytes(bytes))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bytes, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(byte) = seq.next_element::<u8>()? {
            bytes.push(byte);
        }
        Ok(Bytes(bytes))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Bytes, A::Error> {
        let marker = || de::Error::custom("an object that is not binary data");
        let key: String = map.next_key()?.ok_or_else(marker)?;
        if key != BYTES_MARKER {
            return Err(marker());
        }
        let index: usize = map.next_value()?;
        if map.next_key::<String>()?.is_some() {
            return Err(marker());
        }
        BLOBS
            .with_borrow_mut(|blobs| blobs.get_mut(index).and_then(Option::take))
            .map(Bytes)
            .ok_or_else(|| de::Error::custom("binary data this call did not pass"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_take_their_blob_once_and_arrays_are_bytes_too() {
        let decoded = with_blobs(vec![b"ab".to_vec()], || {
            let first: Bytes = serde_json::from_str(r#"{"$warden.bytes":0}"#).unwrap();
            let again = serde_json::from_str::<Bytes>(r#"{"$warden.bytes":0}"#);
            (first, again.is_err())
        });
        assert_eq!(decoded, (Bytes(b"ab".to_vec()), true));
        let array: Bytes = serde_json::from_str("[1,2,255]").unwrap();
        assert_eq!(array, Bytes(vec![1, 2, 255]));
        assert!(serde_json::from_str::<Bytes>("[256]").is_err());
        assert!(serde_json::from_str::<Bytes>(r#"{"other":0}"#).is_err());
        assert!(serde_json::from_str::<Bytes>(r#"{"$warden.bytes":0}"#).is_err());
        assert_eq!(serde_json::to_string(&Bytes(vec![1, 2])).unwrap(), "[1,2]");
    }
}
