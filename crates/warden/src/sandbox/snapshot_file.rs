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

use std::fs::File;
use std::io::{BufReader, Read};
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
    parsed.into_snapshot(memory, 0)
}

/// The snapshot `bytes` hold, its memory image kept where it is in `bytes`
/// rather than copied out or moved (a large snapshot's memory is most of
/// its file).
pub(super) fn decode_owned(mut bytes: Vec<u8>) -> Result<Snapshot> {
    let parsed = parse(&bytes)?;
    bytes.truncate(parsed.memory.end);
    let start = parsed.memory.start;
    parsed.into_snapshot(bytes, start)
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
    /// The snapshot, with `memory[start..]` (the bytes of
    /// [`Parsed::memory`]).
    fn into_snapshot(self, memory: Vec<u8>, start: usize) -> Result<Snapshot> {
        let image = MemoryImage::from_parts(memory, start, self.size, self.stack_pointer).map_err(
            |why| Error::InvalidSnapshot(format!("its memory image is inconsistent: {why}")),
        )?;
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
    check_format(&bytes[MAGIC.len()..])?;
    let Some((body, checksum)) = bytes.split_last_chunk::<4>() else {
        return Err(invalid("it is truncated".into()));
    };
    if crc32fast::hash(body) != u32::from_le_bytes(*checksum) {
        return Err(invalid(
            "its checksum does not match: the file is damaged".into(),
        ));
    }
    let mut reader = &body[LEAD..];
    let header = Header::read(&mut reader)?;
    if header.len != reader.len() {
        let why = if header.len > reader.len() {
            "it is truncated"
        } else {
            "it has bytes after its memory"
        };
        return Err(invalid(why.into()));
    }
    Ok(Parsed {
        // The memory image ends the body: nothing is left after it.
        memory: body.len() - header.len..body.len(),
        compatibility: header.compatibility,
        size: header.size,
        stack_pointer: header.stack_pointer,
    })
}

/// The magic and the format number: what a file starts with.
const LEAD: usize = MAGIC.len() + 4;

/// Checks the format number at the start of `rest` (what follows the
/// magic).
fn check_format(rest: &[u8]) -> Result<()> {
    let format = Source::u32(&mut &rest[..rest.len().min(4)])?;
    if format != FORMAT {
        return Err(Error::InvalidSnapshot(format!(
            "it is in snapshot format {format}, and this Warden reads format {FORMAT}"
        )));
    }
    Ok(())
}

/// What a snapshot file says between its format number and its memory
/// image.
struct Header {
    compatibility: Compatibility,
    size: usize,
    stack_pointer: i32,
    /// The length of the memory image that follows.
    len: usize,
}

impl Header {
    /// Reads and checks the header from `source`, which is past the format
    /// number.
    fn read(source: &mut impl Source) -> Result<Self> {
        let invalid = |why: String| Error::InvalidSnapshot(why);
        let version = source.str()?;
        if version != env!("CARGO_PKG_VERSION") {
            return Err(invalid(format!(
                "it was made by Warden {version}, and this is Warden {}",
                env!("CARGO_PKG_VERSION")
            )));
        }
        let guest = source.str()?;
        if guest != GUEST_HASH {
            return Err(invalid(format!(
                "it was made with guest build {guest}, and this Warden embeds {GUEST_HASH}"
            )));
        }
        let max_wasm_stack = source.usize()?;
        let memory_limit = source.usize()?;
        let js_heap_limit = source.usize()?;
        let count = source.u32()?;
        // Each takes at least five bytes of a header of at most MAX_HEADER.
        if count as usize > MAX_HEADER / 5 {
            return Err(invalid(format!(
                "it names {count} host functions, more than a snapshot can"
            )));
        }
        let mut host_functions = Vec::new();
        for _ in 0..count {
            let module = source.str()?;
            let function = source.str()?;
            let is_async = match source.array::<1>()?[0] {
                0 => false,
                1 => true,
                other => return Err(invalid(format!("a host function has kind {other}"))),
            };
            host_functions.push((module, function, is_async));
        }
        let size = source.usize()?;
        if size > super::config::linear_memory_limit(memory_limit) {
            return Err(invalid(format!(
                "its memory of {size} bytes is over its own limit of {memory_limit} bytes"
            )));
        }
        let stack_pointer = source.u32()? as i32;
        let len = source.usize()?;
        Ok(Self {
            compatibility: Compatibility {
                max_wasm_stack,
                memory_limit,
                js_heap_limit,
                host_functions: host_functions.into(),
            },
            size,
            stack_pointer,
            len,
        })
    }
}

/// Where a header is read from: a file's bytes, or a file being read.
trait Source {
    /// Fills `buf`, or fails on a short read.
    fn fill(&mut self, buf: &mut [u8]) -> Result<()>;

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut buf = [0; N];
        self.fill(&mut buf)?;
        Ok(buf)
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn usize(&mut self) -> Result<usize> {
        let value = u64::from_le_bytes(self.array()?);
        usize::try_from(value)
            .map_err(|_| Error::InvalidSnapshot(format!("{value} does not fit this machine")))
    }

    /// A string: at most 64 KiB, as its `u16` length says.
    fn str(&mut self) -> Result<String> {
        let len = u16::from_le_bytes(self.array()?) as usize;
        let mut bytes = vec![0; len];
        self.fill(&mut bytes)?;
        String::from_utf8(bytes)
            .map_err(|_| Error::InvalidSnapshot("a name in it is not UTF-8".into()))
    }
}

impl Source for &[u8] {
    fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
        std::io::Read::read_exact(self, buf)
            .map_err(|_| Error::InvalidSnapshot("it is truncated".into()))
    }
}

/// A snapshot file being read straight into a guest: its header read and
/// checked, the file at its memory image.
pub(super) struct Stream {
    reader: Hashing,
    pub(super) compatibility: Compatibility,
    /// The linear memory size, which [`MemoryImage::check`] accepted with
    /// the stack pointer and the image's length.
    pub(super) size: usize,
    pub(super) stack_pointer: i32,
}

/// The snapshot file at `path`, opened at its memory image: `None` unless
/// it opens, its header reads and checks, its length is what its header
/// adds up to, and its image fits its memory. The checksum is checked
/// once the image is read ([`Stream::read_image`]). Whatever is wrong
/// with a file this refuses, [`Snapshot::load`] says.
pub(super) fn open(path: &Path) -> Option<Stream> {
    let file = File::open(path).ok()?;
    let file_len = file.metadata().ok()?.len();
    if file_len > MAX_FILE as u64 {
        return None;
    }
    let mut reader = Hashing {
        inner: BufReader::with_capacity(64 << 10, file),
        hasher: crc32fast::Hasher::new(),
        read: 0,
        limit: LEAD + MAX_HEADER,
    };
    let lead: [u8; LEAD] = reader.array().ok()?;
    if &lead[..MAGIC.len()] != MAGIC {
        return None;
    }
    check_format(&lead[MAGIC.len()..]).ok()?;
    let header = Header::read(&mut reader).ok()?;
    let whole = reader.read.checked_add(header.len)?.checked_add(4)?;
    if whole as u64 != file_len {
        return None;
    }
    MemoryImage::check(header.size, header.stack_pointer, header.len).ok()?;
    reader.limit = whole;
    Some(Stream {
        reader,
        compatibility: header.compatibility,
        size: header.size,
        stack_pointer: header.stack_pointer,
    })
}

impl Stream {
    /// Reads the memory image into `dest` (as long as the image), then the
    /// checksum: whether the file, read whole, matches it.
    pub(super) fn read_image(mut self, dest: &mut [u8]) -> bool {
        if self.reader.fill(dest).is_err() {
            return false;
        }
        let mut checksum = [0; 4];
        if self.reader.inner.read_exact(&mut checksum).is_err() {
            return false;
        }
        self.reader.hasher.finalize() == u32::from_le_bytes(checksum)
    }
}

/// A file read through the checksum, counting what it read, and reading
/// no further than `limit`.
struct Hashing {
    inner: BufReader<File>,
    hasher: crc32fast::Hasher,
    read: usize,
    limit: usize,
}

impl Source for Hashing {
    fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
        if self.read.saturating_add(buf.len()) > self.limit {
            return Err(Error::InvalidSnapshot("its header is too long".into()));
        }
        self.inner
            .read_exact(buf)
            .map_err(|_| Error::InvalidSnapshot("it is truncated".into()))?;
        self.hasher.update(buf);
        self.read += buf.len();
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot file's bytes, and the range of its memory image.
    fn snapshot_file() -> (Vec<u8>, Range<usize>) {
        let mut sandbox = crate::SandboxBuilder::new()
            .build()
            .unwrap()
            .load_runtime()
            .unwrap();
        sandbox
            .add_handler(
                "h",
                crate::Script::from_content(
                    "const big = 'x'.repeat(100000); function handler() { return big.length; }",
                ),
            )
            .unwrap();
        let mut loaded = sandbox.get_loaded_sandbox().unwrap();
        let bytes = loaded.snapshot().unwrap().to_bytes();
        let memory = parse(&bytes).unwrap().memory;
        (bytes, memory)
    }

    fn written(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("warden-stream-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn a_file_streams_its_image_and_its_checksum_covers_it() {
        let (bytes, memory) = snapshot_file();
        let good = written("good", &bytes);
        let stream = open(&good).expect("a good file opens");
        assert_eq!(
            stream.size - stream.stack_pointer as u32 as usize,
            memory.len()
        );
        let mut image = vec![0; memory.len()];
        assert!(stream.read_image(&mut image));
        assert!(
            image == bytes[memory.clone()],
            "the image read is the file's"
        );

        // Damage in the image is only seen once it is read.
        let mut damaged = bytes.clone();
        damaged[memory.start + memory.len() / 2] ^= 1;
        let damaged = written("damaged", &damaged);
        let stream = open(&damaged).expect("its header is intact");
        assert!(!stream.read_image(&mut image));

        // A file whose length is not what its header adds up to is not opened.
        let short = written("short", &bytes[..bytes.len() - 1]);
        assert!(open(&short).is_none());
        let mut long = bytes.clone();
        long.push(0);
        let long = written("long", &long);
        assert!(open(&long).is_none());
        for path in [good, damaged, short, long] {
            std::fs::remove_file(path).unwrap();
        }
    }
}
