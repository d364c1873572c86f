//! Snapshots that outlive their sandbox: saved, loaded, started from, and
//! refused with a clear error when they are not what they claim.

mod common;

use std::path::PathBuf;

use common::{loaded, ECHO};
use warden::{Error, LoadedJSSandbox, SandboxBuilder, Script, Snapshot};

const COUNTER: &str =
    "let n = 0; const seen = []; function handler(e) { seen.push(e); return { n: ++n, seen }; }";

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("warden-snapshot-{}-{name}", std::process::id()))
}

/// A counter sandbox that has counted `a`.
fn counted() -> LoadedJSSandbox {
    let mut loaded = loaded(&[("count", COUNTER), ("echo", ECHO)]);
    loaded.handle_event("count", "\"a\"", None).unwrap();
    loaded
}

fn invalid(result: warden::Result<Snapshot>, says: &str) {
    match result {
        Err(Error::InvalidSnapshot(why)) => assert!(why.contains(says), "{why}"),
        other => panic!("expected InvalidSnapshot saying {says:?}, got {other:?}"),
    }
}

fn mismatch(result: warden::Result<LoadedJSSandbox>, says: &str) {
    match result {
        Err(Error::SnapshotMismatch(why)) => assert!(why.contains(says), "{why}"),
        other => panic!("expected SnapshotMismatch saying {says:?}, got {other:?}"),
    }
}

#[test]
fn a_saved_snapshot_starts_a_sandbox_where_the_first_left_off() {
    let mut first = counted();
    let path = temp("counter");
    first.snapshot().unwrap().save(&path).unwrap();
    let snapshot = Snapshot::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let mut second = SandboxBuilder::new()
        .build()
        .unwrap()
        .load_snapshot(&snapshot)
        .unwrap();
    assert_eq!(
        second.handle_event("count", "\"b\"", None).unwrap(),
        r#"{"n":2,"seen":["a","b"]}"#
    );
    assert_eq!(second.handle_event("echo", "[1]", None).unwrap(), "[1]");
    // The loaded snapshot restores into a running sandbox too, and more
    // than once.
    second.restore(&snapshot).unwrap();
    first.restore(&snapshot).unwrap();
    for sandbox in [&mut first, &mut second] {
        assert_eq!(
            sandbox.handle_event("count", "\"c\"", None).unwrap(),
            r#"{"n":2,"seen":["a","c"]}"#
        );
    }
}

#[test]
fn an_in_memory_snapshot_starts_many_sandboxes() {
    let snapshot = counted().snapshot().unwrap();
    for _ in 0..3 {
        let mut sandbox = SandboxBuilder::new()
            .build()
            .unwrap()
            .load_snapshot(&snapshot)
            .unwrap();
        assert_eq!(
            sandbox.handle_event("count", "1", None).unwrap(),
            r#"{"n":2,"seen":["a",1]}"#
        );
    }
}

#[test]
fn host_functions_are_required_as_the_snapshot_had_them() {
    let mut proto = SandboxBuilder::new().build().unwrap();
    proto
        .host_module("math")
        .unwrap()
        .register("add", |a: f64, b: f64| a + b)
        .unwrap();
    let mut sandbox = proto.load_runtime().unwrap();
    sandbox
        .add_handler(
            "add",
            Script::from_content(
                "import { add } from 'host:math'; export function handler(e) { return add(e.a, e.b); }",
            ),
        )
        .unwrap();
    let bytes = sandbox
        .get_loaded_sandbox()
        .unwrap()
        .snapshot()
        .unwrap()
        .to_bytes();
    let snapshot = Snapshot::from_bytes(&bytes).unwrap();

    let bare = SandboxBuilder::new().build().unwrap();
    mismatch(
        bare.load_snapshot(&snapshot),
        "needs host function `math.add`",
    );

    let mut extra = SandboxBuilder::new().build().unwrap();
    let mut math = extra.host_module("math").unwrap();
    math.register("add", |a: f64, b: f64| a + b).unwrap();
    math.register("mul", |a: f64, b: f64| a * b).unwrap();
    mismatch(
        extra.load_snapshot(&snapshot),
        "registers host function `math.mul`",
    );

    let mut asynchronous = SandboxBuilder::new().build().unwrap();
    asynchronous
        .host_module("math")
        .unwrap()
        .register_async("add", |a: f64, b: f64| async move { a + b })
        .unwrap();
    mismatch(asynchronous.load_snapshot(&snapshot), "was synchronous");

    let mut same = SandboxBuilder::new().build().unwrap();
    same.host_module("math")
        .unwrap()
        .register("add", |a: f64, b: f64| a - b)
        .unwrap();
    let mut loaded = same.load_snapshot(&snapshot).unwrap();
    // The host function is this sandbox's own.
    assert_eq!(
        loaded
            .handle_event("add", r#"{"a":5,"b":3}"#, None)
            .unwrap(),
        "2"
    );
}

#[test]
fn settings_must_match() {
    let snapshot = Snapshot::from_bytes(&counted().snapshot().unwrap().to_bytes()).unwrap();
    let larger = SandboxBuilder::new()
        .guest_memory_limit(96 << 20)
        .build()
        .unwrap();
    mismatch(larger.load_snapshot(&snapshot), "different memory limits");
    let stack = SandboxBuilder::new()
        .max_wasm_stack(8 << 20)
        .build()
        .unwrap();
    mismatch(stack.load_snapshot(&snapshot), "max wasm stack");
}

/// `bytes` with `edit` applied and the checksum made right again.
fn reforged(bytes: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut body = bytes[..bytes.len() - 4].to_vec();
    edit(&mut body);
    let checksum = crc32fast::hash(&body);
    body.extend_from_slice(&checksum.to_le_bytes());
    body
}

/// The offset and length of the string at `at`.
fn string_at(bytes: &[u8], at: usize) -> (usize, usize) {
    let len = u16::from_le_bytes([bytes[at], bytes[at + 1]]) as usize;
    (at + 2, len)
}

#[test]
fn files_that_are_not_this_wardens_snapshots_are_refused() {
    let bytes = counted().snapshot().unwrap().to_bytes();
    assert!(Snapshot::from_bytes(&bytes).is_ok());

    invalid(Snapshot::from_bytes(b""), "not a Warden snapshot");
    invalid(
        Snapshot::from_bytes(b"{\"not\": \"a snapshot\"}"),
        "not a Warden snapshot",
    );
    invalid(Snapshot::from_bytes(&bytes[..12]), "damaged");
    invalid(Snapshot::from_bytes(&bytes[..10]), "truncated");

    // Damage anywhere is caught by the checksum.
    for at in [20, bytes.len() / 2, bytes.len() - 5] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x40;
        invalid(Snapshot::from_bytes(&damaged), "damaged");
    }
    invalid(Snapshot::from_bytes(&bytes[..bytes.len() - 1]), "damaged");

    let mut other_format = bytes.clone();
    other_format[8] = 99;
    invalid(Snapshot::from_bytes(&other_format), "snapshot format 99");

    let (version, version_len) = string_at(&bytes, 12);
    let other_version = reforged(&bytes, |b| b[version] = b'9');
    invalid(Snapshot::from_bytes(&other_version), "made by Warden 9");

    let (guest, guest_len) = string_at(&bytes, version + version_len);
    let other_guest = reforged(&bytes, |b| b[guest] ^= 1);
    invalid(Snapshot::from_bytes(&other_guest), "guest build");

    // A count of host functions no header has room for is refused before
    // any is read.
    let count_at = guest + guest_len + 24;
    let countless = reforged(&bytes, |b| b[count_at..count_at + 4].fill(0xff));
    invalid(Snapshot::from_bytes(&countless), "more than a snapshot can");

    // Well-formed files whose contents contradict themselves.
    let trailing = reforged(&bytes, |b| b.push(0));
    invalid(Snapshot::from_bytes(&trailing), "after its memory");
    let held = Snapshot::from_bytes(&bytes).unwrap().size();
    let size_at = bytes.len() - 4 - held - 8 - 4 - 8;
    let odd_size = reforged(&bytes, |b| b[size_at] ^= 1);
    invalid(Snapshot::from_bytes(&odd_size), "not whole pages");
    let len_at = bytes.len() - 4 - held - 8;
    let long = reforged(&bytes, |b| b[len_at + 5] = 1);
    invalid(Snapshot::from_bytes(&long), "truncated");
}

#[test]
fn unreadable_and_oversized_files_are_errors_without_reading_them() {
    let missing = temp("missing");
    match Snapshot::load(&missing) {
        Err(Error::SnapshotIo { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected SnapshotIo, got {other:?}"),
    }
    // A sparse file past the largest snapshot: refused by its size.
    let huge = temp("huge");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(5 << 30).unwrap();
    drop(file);
    let result = Snapshot::load(&huge);
    std::fs::remove_file(&huge).unwrap();
    invalid(result, "larger than any snapshot");
    // Saving where no file can be made.
    let snapshot = counted().snapshot().unwrap();
    let nowhere = temp("no-such-dir").join("s.snapshot");
    assert!(matches!(
        snapshot.save(&nowhere),
        Err(Error::SnapshotIo { .. })
    ));
}

/// What `load_snapshot_file` says of the file `bytes`, and what
/// `load_snapshot` of `Snapshot::load` says.
fn both_ways(name: &str, bytes: &[u8]) -> (String, String) {
    let path = temp(name);
    std::fs::write(&path, bytes).unwrap();
    let proto = || SandboxBuilder::new().build().unwrap();
    let direct = proto().load_snapshot_file(&path).map(drop);
    let loaded =
        Snapshot::load(&path).and_then(|snapshot| proto().load_snapshot(&snapshot).map(drop));
    std::fs::remove_file(&path).unwrap();
    let describe = |result: warden::Result<()>| match result {
        Ok(()) => "started".to_owned(),
        Err(error) => format!("{error:?}"),
    };
    (describe(direct), describe(loaded))
}

#[test]
fn a_snapshot_file_starts_a_sandbox_read_straight_from_disk() {
    let mut first = counted();
    let path = temp("direct");
    first.snapshot().unwrap().save(&path).unwrap();
    let mut second = SandboxBuilder::new()
        .build()
        .unwrap()
        .load_snapshot_file(&path)
        .unwrap();
    assert_eq!(
        second.handle_event("count", "\"b\"", None).unwrap(),
        r#"{"n":2,"seen":["a","b"]}"#
    );
    // Settings are checked as `load_snapshot` checks them.
    let larger = SandboxBuilder::new()
        .guest_memory_limit(96 << 20)
        .build()
        .unwrap();
    mismatch(larger.load_snapshot_file(&path), "different memory limits");
    std::fs::remove_file(&path).unwrap();
    match SandboxBuilder::new()
        .build()
        .unwrap()
        .load_snapshot_file(&path)
    {
        Err(Error::SnapshotIo { path: named, .. }) => assert_eq!(named, path),
        other => panic!("expected SnapshotIo, got {other:?}"),
    }
}

#[test]
fn a_snapshot_file_read_straight_from_disk_is_refused_as_loading_it_is() {
    let bytes = counted().snapshot().unwrap().to_bytes();
    let held = Snapshot::from_bytes(&bytes).unwrap().size();
    let (version, version_len) = string_at(&bytes, 12);
    let (guest, guest_len) = string_at(&bytes, version + version_len);
    let count_at = guest + guest_len + 24;
    let size_at = bytes.len() - 4 - held - 8 - 4 - 8;
    let len_at = bytes.len() - 4 - held - 8;
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("good", bytes.clone()),
        ("empty", Vec::new()),
        ("json", b"{\"not\": \"a snapshot\"}".to_vec()),
        ("cut-in-header", bytes[..40].to_vec()),
        ("cut-in-image", bytes[..bytes.len() - 100].to_vec()),
        ("cut-checksum", bytes[..bytes.len() - 1].to_vec()),
        ("trailing", reforged(&bytes, |b| b.push(0))),
        ("version", reforged(&bytes, |b| b[version] = b'9')),
        (
            "count",
            reforged(&bytes, |b| b[count_at..count_at + 4].fill(0xff)),
        ),
        ("few-functions", reforged(&bytes, |b| b[count_at] = 3)),
        ("odd-size", reforged(&bytes, |b| b[size_at] ^= 1)),
        ("long", reforged(&bytes, |b| b[len_at + 5] = 1)),
        ("over-limit", reforged(&bytes, |b| b[size_at + 5] = 1)),
    ];
    for at in [
        8,
        20,
        bytes.len() - held / 2,
        bytes.len() - 5,
        bytes.len() - 2,
    ] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x40;
        cases.push(("damaged", damaged));
    }
    for (name, file) in cases {
        let (direct, loaded) = both_ways(name, &file);
        assert_eq!(direct, loaded, "{name}");
        assert_eq!(direct == "started", name == "good", "{name}: {direct}");
    }
}

#[test]
fn a_file_whose_memory_is_over_its_own_limit_is_refused() {
    // A sandbox with twice the default memory fills more than the default
    // holds; its file is then made to claim the default settings.
    let mut big = warden::SandboxBuilder::new()
        .guest_memory_limit(2 * warden::DEFAULT_GUEST_MEMORY_LIMIT)
        .build()
        .unwrap()
        .load_runtime()
        .unwrap();
    let fill = format!(
        "globalThis.big = 'x'.repeat({}); function handler() {{ return big.length; }}",
        warden::DEFAULT_GUEST_MEMORY_LIMIT + (8 << 20)
    );
    big.add_handler("big", warden::Script::from_content(fill))
        .unwrap();
    let bytes = big
        .get_loaded_sandbox()
        .unwrap()
        .snapshot()
        .unwrap()
        .to_bytes();
    let default = counted().snapshot().unwrap().to_bytes();
    let (version, version_len) = string_at(&bytes, 12);
    let (guest, guest_len) = string_at(&bytes, version + version_len);
    let settings = guest + guest_len..guest + guest_len + 24;
    let forged = reforged(&bytes, |b| {
        b[settings.clone()].copy_from_slice(&default[settings.clone()])
    });
    invalid(Snapshot::from_bytes(&forged), "over its own limit");
    let (direct, loaded) = both_ways("over-its-limit", &forged);
    assert_eq!(direct, loaded);
    assert!(direct.contains("over its own limit"), "{direct}");
}
