//! The snapshot file format: what [`Snapshot::to_bytes`] writes and
//! [`Snapshot::from_bytes`] checks and reads.
//!
//! Little-endian throughout; a string is its length (`u16`) and its UTF-8
//! bytes:
//!
//! | field | type |
//! |---|---|
//! | magic, `WARDSNAP` | 8 bytes |
//! | format, [`FORMAT`] | `u32` |
//! | Warden version | string |
//! | guest build (the hash of the embedded guest) | string |
//! | max wasm stack, guest memory limit, JavaScript heap limit | 3 × `u64` |
//! | host functions: count, then module, name, asynchronous (0 or 1) | `u32`, then string, string, `u8` each |
//! | linear memory size, stack pointer | `u64`, `i32` |
//! | memory from the stack pointer to the end: length, bytes | `u64`, bytes |
//! | CRC-32 of everything before it | `u32` |
//!
//! Reading never trusts the file: every length is checked against what is
//! left, and the memory image against the size it claims.

use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::snapshot::{Compatibility, Snapshot};
use super::MAX_GUEST_MEMORY_LIMIT;
use crate::engine::{MemoryImage, GUEST_HASH};
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"WARDSNAP";

/// The version of this format: a change to it changes this.
const FORMAT: u32 = 1;

/// Room for everything but the memory image.
const MAX_HEADER: usize = 16 << 20;

/// The largest file a snapshot can be: the largest guest memory, its stack
/// region and a header. Larger files are refused unread.
const MAX_FILE: usize = MAX_GUEST_MEMORY_LIMIT + warden_abi::GUEST_STACK_REGION + MAX_HEADER;

/// The snapshot's bytes.
pub(super) fn encode(snapshot: &Snapshot) -> Vec<u8> {
    let (memory, stack_pointer) = snapshot.image.parts();
    let c = &snapshot.compatibility;
    let mut out = Vec::with_capacity(memory.len() + 4096);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    put_str(&mut out, env!("CARGO_PKG_VERSION"));
    put_str(&mut out, GUEST_HASH);
    for value in [c.max_wasm_stack, c.memory_limit, c.js_heap_limit] {
        out.extend_from_slice(&(value as u64).to_le_bytes());
    }
    out.extend_from_slice(&(c.host_functions.len() as u32).to_le_bytes());
    for (module, function, is_async) in c.host_functions.iter() {
        put_str(&mut out, module);
        put_str(&mut out, function);
        out.push(u8::from(*is_async));
    }
    out.extend_from_slice(&(snapshot.image.linear_size() as u64).to_le_bytes());
    out.extend_from_slice(&stack_pointer.to_le_bytes());
    out.extend_from_slice(&(memory.len() as u64).to_le_bytes());
    out.extend_from_slice(memory);
    let checksum = crc32fast::hash(&out);
    out.extend_from_slice(&checksum.to_le_bytes());
    out
}

/// Host-function and module names are at most 128 bytes.
fn put_str(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as u16).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// The snapshot `bytes` hold.
pub(super) fn decode(bytes: &[u8]) -> Result<Snapshot> {
    let parsed = parse(bytes)?;
    let memory = bytes[parsed.memory.clone()].to_vec();
    parsed.into_snapshot(memory)
}

/// The snapshot `bytes` hold, its memory image kept in `bytes` rather than
/// copied out (a large snapshot's memory is most of its file).
pub(super) fn decode_owned(mut bytes: Vec<u8>) -> Result<Snapshot> {
    let parsed = parse(&bytes)?;
    bytes.truncate(parsed.memory.end);
    bytes.drain(..parsed.memory.start);
    parsed.into_snapshot(bytes)
}

/// A snapshot file checked and read, but for its memory image, which is
/// where `memory` says in the file.
struct Parsed {
    compatibility: Compatibility,
    size: usize,
    stack_pointer: i32,
    memory: Range<usize>,
}

impl Parsed {
    /// The snapshot, with `memory` (the bytes of [`Parsed::memory`]).
    fn into_snapshot(self, memory: Vec<u8>) -> Result<Snapshot> {
        let image =
            MemoryImage::from_parts(memory, self.size, self.stack_pointer).map_err(|why| {
                Error::InvalidSnapshot(format!("its memory image is inconsistent: {why}"))
            })?;
        Ok(Snapshot {
            image: Arc::new(image),
            compatibility: self.compatibility,
        })
    }
}

/// Checks the file `bytes` and reads all but its memory image.
fn parse(bytes: &[u8]) -> Result<Parsed> {
    let invalid = |why: String| Error::InvalidSnapshot(why);
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(invalid("it is not a Warden snapshot".into()));
    }
    let mut reader = Reader(&bytes[MAGIC.len()..]);
    let format = reader.u32()?;
    if format != FORMAT {
        return Err(invalid(format!(
            "it is in snapshot format {format}, and this Warden reads format {FORMAT}"
        )));
    }
    let Some((body, checksum)) = bytes.split_last_chunk::<4>() else {
        return Err(invalid("it is truncated".into()));
    };
    if crc32fast::hash(body) != u32::from_le_bytes(*checksum) {
        return Err(invalid(
            "its checksum does not match: the file is damaged".into(),
        ));
    }
    let mut reader = Reader(&body[MAGIC.len() + 4..]);
    let version = reader.str()?;
    if version != env!("CARGO_PKG_VERSION") {
        return Err(invalid(format!(
            "it was made by Warden {version}, and this is Warden {}",
            env!("CARGO_PKG_VERSION")
        )));
    }
    let guest = reader.str()?;
    if guest != GUEST_HASH {
        return Err(invalid(format!(
            "it was made with guest build {guest}, and this Warden embeds {GUEST_HASH}"
        )));
    }
    let max_wasm_stack = reader.usize()?;
    let memory_limit = reader.usize()?;
    let js_heap_limit = reader.usize()?;
    let count = reader.u32()?;
    let mut host_functions = Vec::new();
    for _ in 0..count {
        let module = reader.str()?.to_owned();
        let function = reader.str()?.to_owned();
        let is_async = match reader.take(1)?[0] {
            0 => false,
            1 => true,
            other => return Err(invalid(format!("a host function has kind {other}"))),
        };
        host_functions.push((module, function, is_async));
    }
    let size = reader.usize()?;
    let stack_pointer = reader.u32()? as i32;
    let len = reader.usize()?;
    reader.take(len)?;
    if !reader.0.is_empty() {
        return Err(invalid("it has bytes after its memory".into()));
    }
    Ok(Parsed {
        compatibility: Compatibility {
            max_wasm_stack,
            memory_limit,
            js_heap_limit,
            host_functions: host_functions.into(),
        },
        size,
        stack_pointer,
        // The memory image ends the body: nothing is left after it.
        memory: body.len() - len..body.len(),
    })
}

/// Reads from a byte slice, failing on a short read.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.0.len() {
            return Err(Error::InvalidSnapshot("it is truncated".into()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("take returns N bytes"))
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn usize(&mut self) -> Result<usize> {
        let value = u64::from_le_bytes(self.array()?);
        usize::try_from(value)
            .map_err(|_| Error::InvalidSnapshot(format!("{value} does not fit this machine")))
    }

    fn str(&mut self) -> Result<&'a str> {
        let len = u16::from_le_bytes(self.array()?) as usize;
        std::str::from_utf8(self.take(len)?)
            .map_err(|_| Error::InvalidSnapshot("a name in it is not UTF-8".into()))
    }
}

/// The bytes of the file at `path`, or (inside) [`Error::InvalidSnapshot`]
/// when it is larger than any snapshot: a file whose size says so is not
/// read, and no more than one byte past the largest size is read from
/// anything else.
pub(super) fn read(path: &Path) -> std::io::Result<Result<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    let too_large =
        || Error::InvalidSnapshot(format!("it is larger than any snapshot ({MAX_FILE} bytes)"));
    let len = file.metadata()?.len();
    if len > MAX_FILE as u64 {
        return Ok(Err(too_large()));
    }
    // Room for the whole file, so reading it copies it once.
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_FILE as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > MAX_FILE {
        return Ok(Err(too_large()));
    }
    Ok(Ok(bytes))
}
