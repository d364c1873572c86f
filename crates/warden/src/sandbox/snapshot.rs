//! [`Snapshot`]: a saved guest state.

use std::cmp::Ordering;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::config::SandboxConfig;
use crate::engine::MemoryImage;
use crate::error::{Error, Result};
use crate::host_fn::HostFunctions;

/// The complete state of a sandbox's guest at one moment: its JavaScript
/// heap, handlers and globals.
///
/// Cheap to clone (the state is shared). A snapshot can be restored into the
/// sandbox it came from, or into any sandbox made with the same limits and
/// host functions, which then continues from that state; each restore
/// reseeds `Math.random`, so sandboxes restored from one snapshot draw
/// different numbers. [`ProtoJSSandbox::load_snapshot`](crate::ProtoJSSandbox::load_snapshot)
/// starts a new sandbox from one.
///
/// On Linux, a snapshot of a large state (1,152 KiB of guest memory or
/// more, as after loading a library) is held in a sealed in-memory file,
/// which every sandbox started from it maps copy-on-write (as restores do
/// where that beats a copy): starting one copies nothing, and the sandboxes
/// share the pages none of them wrote. Such a snapshot holds a file
/// descriptor while it lives.
///
/// A snapshot outlives its process through [`save`](Self::save) and
/// [`load`](Self::load) (or [`to_bytes`](Self::to_bytes) and
/// [`from_bytes`](Self::from_bytes)). The file names the Warden version and
/// the guest build that made it, its settings and its host functions, and
/// carries a checksum: a file from another version or guest, or a damaged
/// one, is [`Error::InvalidSnapshot`] when loaded, and a sandbox that does not
/// fit it refuses it with [`Error::SnapshotMismatch`].
#[derive(Clone)]
pub struct Snapshot {
    pub(crate) image: Arc<MemoryImage>,
    pub(crate) compatibility: Compatibility,
}

impl Snapshot {
    /// Bytes of guest state the snapshot holds.
    pub fn size(&self) -> usize {
        self.image.len()
    }

    /// Size of the guest's linear memory when the snapshot was taken.
    pub fn memory_size(&self) -> usize {
        self.image.memory_size()
    }

    /// The snapshot as bytes, in the format [`from_bytes`](Self::from_bytes)
    /// reads.
    pub fn to_bytes(&self) -> Vec<u8> {
        super::snapshot_file::encode(self)
    }

    /// The snapshot `bytes` hold, as [`to_bytes`](Self::to_bytes) wrote it
    /// (with this version of Warden and this guest), or
    /// [`Error::InvalidSnapshot`] saying why not.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        super::snapshot_file::decode(bytes)
    }

    /// Writes the snapshot to the file `path` (replacing it), or
    /// [`Error::SnapshotIo`].
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_bytes()).map_err(|source| Error::SnapshotIo {
            path: path.to_owned(),
            source,
        })
    }

    /// Reads a snapshot that [`save`](Self::save) wrote. A file that cannot
    /// be read is [`Error::SnapshotIo`]; one that is not a snapshot of this
    /// Warden and guest, or is larger than any snapshot can be, is
    /// [`Error::InvalidSnapshot`] (and a larger one is not read through).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = super::snapshot_file::read(path).map_err(|source| Error::SnapshotIo {
            path: path.to_owned(),
            source,
        })?;
        super::snapshot_file::decode_owned(bytes?)
    }
}

/// So that [`LoadedJSSandbox::restore`](crate::LoadedJSSandbox::restore)
/// takes a snapshot bare, by reference or in an `Arc`.
impl AsRef<Snapshot> for Snapshot {
    fn as_ref(&self) -> &Snapshot {
        self
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("size", &self.size())
            .field("memory_size", &self.memory_size())
            .field("host_functions", &self.compatibility.host_functions)
            .finish()
    }
}

/// A host function a guest state was made with: its module, its name, and
/// whether it is asynchronous.
pub(crate) type HostFunctionName = (String, String, bool);

/// The properties of a sandbox that its snapshots depend on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Compatibility {
    pub(crate) max_wasm_stack: usize,
    pub(crate) memory_limit: usize,
    pub(crate) js_heap_limit: usize,
    /// In the order [`HostFunctions::names`] lists them.
    pub(crate) host_functions: Arc<[HostFunctionName]>,
}

impl Compatibility {
    /// The properties of a sandbox with `config` and `host`.
    pub(crate) fn of(config: &SandboxConfig, host: &HostFunctions) -> Self {
        Self {
            max_wasm_stack: config.max_wasm_stack,
            memory_limit: config.memory_limit,
            js_heap_limit: config.js_heap_limit(),
            host_functions: host
                .names()
                .map(|(m, f, a)| (m.to_owned(), f.to_owned(), a))
                .collect(),
        }
    }

    /// Why a snapshot taken with `self` cannot go into a sandbox with
    /// `config` and `host`, if it cannot.
    pub(crate) fn mismatch(&self, config: &SandboxConfig, host: &HostFunctions) -> Option<String> {
        if self.max_wasm_stack != config.max_wasm_stack {
            return Some(format!(
                "it was taken from a sandbox with a max wasm stack of {} bytes, and this one has {}",
                self.max_wasm_stack, config.max_wasm_stack
            ));
        }
        if self.memory_limit != config.memory_limit || self.js_heap_limit != config.js_heap_limit()
        {
            return Some(format!(
                "it was taken from a sandbox with different memory limits \
                 (guest memory {} bytes, JavaScript heap {}; this one has {} and {})",
                self.memory_limit,
                self.js_heap_limit,
                config.memory_limit,
                config.js_heap_limit()
            ));
        }
        host_function_mismatch(&self.host_functions, host)
    }
}

/// How the host functions a state was made with differ from `host`'s.
fn host_function_mismatch(theirs: &[HostFunctionName], host: &HostFunctions) -> Option<String> {
    let mut their_names = theirs.iter();
    let mut our_names = host.names();
    let name = |m: &str, f: &str| format!("`{m}.{f}`");
    loop {
        // Both lists are in order: the first difference is the answer.
        let (theirs, ours) = (their_names.next(), our_names.next());
        let order = match (theirs, ours) {
            (None, None) => return None,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some((m, f, _)), Some((om, of, _))) => (m.as_str(), f.as_str()).cmp(&(om, of)),
        };
        match (order, theirs, ours) {
            (Ordering::Less, Some((m, f, _)), _) => {
                return Some(format!(
                    "it needs host function {}, which this sandbox does not register",
                    name(m, f)
                ));
            }
            (Ordering::Greater, _, Some((om, of, _))) => {
                return Some(format!(
                    "this sandbox registers host function {}, which the sandbox it was taken from did not",
                    name(om, of)
                ));
            }
            (_, Some((m, f, a)), Some((_, _, oa))) if *a != oa => {
                let kind = |a: bool| if a { "asynchronous" } else { "synchronous" };
                return Some(format!(
                    "host function {} was {} where the snapshot was taken and is {} here",
                    name(m, f),
                    kind(*a),
                    kind(oa)
                ));
            }
            _ => {}
        }
    }
}
