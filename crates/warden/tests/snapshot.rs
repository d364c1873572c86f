//! Snapshots and restores.

mod common;

use common::{loaded, loaded_with, ECHO};
use warden::{Error, SandboxBuilder};

const RANDOM: &str = "function handler() { return [Math.random(), Math.random(), Math.random()]; }";
const COUNTER: &str =
    "let n = 0; const seen = []; function handler(e) { seen.push(e); return { n: ++n, seen }; }";

#[test]
fn restore_returns_to_the_exact_state() {
    let mut loaded = loaded(&[("count", COUNTER)]);
    loaded.handle_event("count", "\"a\"", None).unwrap();
    let snapshot = loaded.snapshot().unwrap();
    let after_snapshot = loaded.handle_event("count", "\"b\"", None).unwrap();
    assert_eq!(after_snapshot, r#"{"n":2,"seen":["a","b"]}"#);
    loaded.handle_event("count", "\"c\"", None).unwrap();
    loaded.restore(&snapshot).unwrap();
    assert_eq!(
        loaded.handle_event("count", "\"b\"", None).unwrap(),
        after_snapshot
    );
    // A snapshot can be restored any number of times.
    loaded.restore(&snapshot).unwrap();
    assert_eq!(
        loaded.handle_event("count", "\"b\"", None).unwrap(),
        after_snapshot
    );
}

#[test]
fn sandboxes_restored_from_one_snapshot_draw_different_random_numbers() {
    let mut first = loaded(&[("random", RANDOM), ("count", COUNTER)]);
    first.handle_event("count", "1", None).unwrap();
    let snapshot = first.snapshot().unwrap();
    let mut second = loaded(&[("random", RANDOM), ("count", COUNTER)]);
    second.restore(&snapshot).unwrap();
    first.restore(&snapshot).unwrap();
    // Both continue from the snapshot's state...
    assert_eq!(
        first.handle_event("count", "2", None).unwrap(),
        second.handle_event("count", "2", None).unwrap()
    );
    // ...but their random sequences differ.
    let a = first.handle_event("random", "{}", None).unwrap();
    let b = second.handle_event("random", "{}", None).unwrap();
    assert_ne!(a, b);
    // So do two restores of the same sandbox.
    first.restore(&snapshot).unwrap();
    let c = first.handle_event("random", "{}", None).unwrap();
    first.restore(&snapshot).unwrap();
    let d = first.handle_event("random", "{}", None).unwrap();
    assert_ne!(c, d);
    assert_ne!(a, c);
}

#[test]
fn fresh_sandboxes_draw_different_random_numbers() {
    let a = loaded(&[("random", RANDOM)])
        .handle_event("random", "{}", None)
        .unwrap();
    let b = loaded(&[("random", RANDOM)])
        .handle_event("random", "{}", None)
        .unwrap();
    assert_ne!(a, b);
}

#[test]
fn snapshots_only_fit_sandboxes_with_the_same_configuration() {
    let mut source = loaded(&[("echo", ECHO)]);
    let snapshot = source.snapshot().unwrap();
    let mut other_memory = loaded_with(
        SandboxBuilder::new()
            .guest_memory_limit(32 << 20)
            .max_event_size(64 << 10),
        &[("echo", ECHO)],
    );
    let err = other_memory.restore(&snapshot).unwrap_err();
    assert!(matches!(err, Error::SnapshotMismatch(_)), "{err}");
    let mut proto = SandboxBuilder::new().build().unwrap();
    proto.host_module("m").unwrap().register("f", || 1).unwrap();
    let mut sandbox = proto.load_runtime().unwrap();
    sandbox
        .add_handler("echo", warden::Script::from_content(ECHO))
        .unwrap();
    let mut other_host = sandbox.get_loaded_sandbox().unwrap();
    let err = other_host.restore(&snapshot).unwrap_err();
    assert!(matches!(err, Error::SnapshotMismatch(_)), "{err}");
    // A failed restore changes nothing.
    assert_eq!(other_host.handle_event("echo", "3", None).unwrap(), "3");
}

#[test]
fn memory_does_not_grow_over_a_thousand_call_and_restore_cycles() {
    let mut loaded = loaded(&[("echo", ECHO), ("count", COUNTER)]);
    let snapshot = loaded.snapshot().unwrap();
    let event = format!("{{\"payload\":\"{}\"}}", "z".repeat(10 * 1024));
    let mut sizes = Vec::new();
    for _ in 0..1000 {
        assert_eq!(loaded.handle_event("echo", &event, None).unwrap(), event);
        loaded.handle_event("count", &event, None).unwrap();
        loaded.restore(&snapshot).unwrap();
        sizes.push(loaded.status().guest_memory_bytes);
    }
    assert_eq!(sizes[0], snapshot.memory_size());
    assert!(
        sizes.iter().all(|&s| s == sizes[0]),
        "memory size changed: {:?}",
        (sizes.first(), sizes.iter().max())
    );
}

#[test]
fn restore_shrinks_memory_that_a_call_grew() {
    let mut loaded = loaded(&[
        ("count", COUNTER),
        ("hog", "let keep; function handler(e) { keep = new Array(e.n).fill('x'.repeat(64)); return keep.length; }"),
    ]);
    loaded.handle_event("count", "1", None).unwrap();
    let snapshot = loaded.snapshot().unwrap();
    let before = loaded.status().guest_memory_bytes;
    loaded.handle_event("hog", r#"{"n":500000}"#, None).unwrap();
    assert!(loaded.status().guest_memory_bytes > before + (4 << 20));
    loaded.restore(&snapshot).unwrap();
    assert_eq!(loaded.status().guest_memory_bytes, before);
    assert_eq!(
        loaded.handle_event("count", "2", None).unwrap(),
        r#"{"n":2,"seen":[1,2]}"#
    );
}

/// A library's worth of state, made at load: several megabytes of objects.
const LIBRARY: &str = "
    const table = Array.from({ length: 60000 }, (_, i) => ({ i, name: 'entry ' + i }));
    let calls = 0;
    function handler(e) {
        if (e.spin) while (true) {}
        if (e.set !== undefined) table[e.at].name = e.set;
        if (e.hog) globalThis.hog = new Array(e.hog).fill('x'.repeat(64));
        calls++;
        return { calls, name: table[e.at].name, length: table.length };
    }";

/// A sandbox started from `snapshot`, with the default configuration.
fn start_from(snapshot: &warden::Snapshot) -> warden::LoadedJSSandbox {
    SandboxBuilder::new()
        .build()
        .unwrap()
        .load_snapshot(snapshot)
        .unwrap()
}

/// The result of the library handler's first call after a restore.
fn library_result(calls: u32, name: &str) -> String {
    format!(r#"{{"calls":{calls},"name":"{name}","length":60000}}"#)
}

#[test]
fn sandboxes_started_from_a_large_snapshot_keep_their_writes_to_themselves() {
    let snapshot = loaded(&[("lib", LIBRARY)]).snapshot().unwrap();
    assert!(snapshot.size() > 4 << 20, "{}", snapshot.size());
    let (mut first, mut second) = (start_from(&snapshot), start_from(&snapshot));
    let changed = first.handle_event("lib", r#"{"at":7,"set":"changed"}"#, None);
    assert_eq!(changed.unwrap(), library_result(1, "changed"));
    let unchanged = second.handle_event("lib", r#"{"at":7}"#, None);
    assert_eq!(unchanged.unwrap(), library_result(1, "entry 7"));

    // A restore undoes the writes and the growth of a call.
    first
        .handle_event("lib", r#"{"at":7,"hog":200000}"#, None)
        .unwrap();
    assert!(first.status().guest_memory_bytes > snapshot.memory_size());
    first.restore(&snapshot).unwrap();
    assert_eq!(first.status().guest_memory_bytes, snapshot.memory_size());
    let restored = first.handle_event("lib", r#"{"at":7}"#, None);
    assert_eq!(restored.unwrap(), library_result(1, "entry 7"));

    // And so it does after a kill.
    let handle = second.interrupt_handle();
    let killer = std::thread::spawn(move || {
        while !handle.is_running() {
            std::thread::yield_now();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        handle.kill()
    });
    let killed = second.handle_event("lib", r#"{"at":1,"spin":true}"#, None);
    assert!(killer.join().unwrap());
    assert!(matches!(killed, Err(Error::Killed(_))), "{killed:?}");
    second.restore(&snapshot).unwrap();
    let after_kill = second.handle_event("lib", r#"{"at":7,"set":"again"}"#, None);
    assert_eq!(after_kill.unwrap(), library_result(1, "again"));
    let other = first.handle_event("lib", r#"{"at":7}"#, None);
    assert_eq!(other.unwrap(), library_result(2, "entry 7"));

    // The state reads back out whole, and starts sandboxes again.
    let again = warden::Snapshot::from_bytes(&snapshot.to_bytes()).unwrap();
    assert_eq!(again.to_bytes(), snapshot.to_bytes());
    let mut third = SandboxBuilder::new()
        .build()
        .unwrap()
        .load_snapshot(&again)
        .unwrap();
    let from_bytes = third.handle_event("lib", r#"{"at":3}"#, None);
    assert_eq!(from_bytes.unwrap(), library_result(1, "entry 3"));
}

#[test]
fn a_sandbox_started_from_a_large_snapshot_finds_nothing_of_those_dropped_before_it() {
    let snapshot = loaded(&[("lib", LIBRARY)]).snapshot().unwrap();
    // Each sandbox writes to the state, grows it, or is killed, then is
    // dropped; the next one starts from the snapshot as it was.
    for round in 0..9 {
        let mut sandbox = start_from(&snapshot);
        let first = sandbox.handle_event("lib", r#"{"at":7}"#, None);
        assert_eq!(
            first.unwrap(),
            library_result(1, "entry 7"),
            "round {round}"
        );
        match round % 3 {
            0 => {
                let set = sandbox.handle_event("lib", r#"{"at":7,"set":"written"}"#, None);
                assert_eq!(set.unwrap(), library_result(2, "written"));
            }
            1 => {
                let hog = sandbox.handle_event("lib", r#"{"at":8,"hog":200000}"#, None);
                assert_eq!(hog.unwrap(), library_result(2, "entry 8"));
                assert!(sandbox.status().guest_memory_bytes > snapshot.memory_size());
            }
            _ => {
                let handle = sandbox.interrupt_handle();
                let killer = std::thread::spawn(move || {
                    while !handle.is_running() {
                        std::thread::yield_now();
                    }
                    handle.kill()
                });
                let killed = sandbox.handle_event("lib", r#"{"at":1,"spin":true}"#, None);
                assert!(killer.join().unwrap());
                assert!(matches!(killed, Err(Error::Killed(_))), "{killed:?}");
            }
        }
    }
}

#[test]
fn a_dropped_sandbox_started_from_a_large_snapshot_lets_its_host_functions_go() {
    let captured = std::sync::Arc::new(());
    let build = || {
        let held = captured.clone();
        let mut proto = SandboxBuilder::new().build().unwrap();
        proto
            .host_module("lib")
            .unwrap()
            .register("size", move || std::sync::Arc::strong_count(&held) as f64)
            .unwrap();
        proto
    };
    let mut sandbox = build().load_runtime().unwrap();
    sandbox
        .add_handler(
            "lib",
            warden::Script::from_content(format!(
                "import {{ size }} from 'host:lib';\n{LIBRARY}\nexport {{ handler }}; size;"
            )),
        )
        .unwrap();
    let snapshot = sandbox.get_loaded_sandbox().unwrap().snapshot().unwrap();
    assert!(snapshot.size() > 4 << 20, "{}", snapshot.size());
    assert_eq!(std::sync::Arc::strong_count(&captured), 1);
    for _ in 0..3 {
        let mut started = build().load_snapshot(&snapshot).unwrap();
        let result = started.handle_event("lib", r#"{"at":2}"#, None);
        assert_eq!(result.unwrap(), library_result(1, "entry 2"));
        assert_eq!(std::sync::Arc::strong_count(&captured), 2);
        drop(started);
        assert_eq!(
            std::sync::Arc::strong_count(&captured),
            1,
            "a dropped sandbox still holds its host functions"
        );
    }
}

/// A handler whose calls write all over its state, depending on the event.
const SCRIBBLER: &str = "
    const rows = Array.from({ length: 2000 }, (_, i) => ({ i, text: 'row ' + i }));
    let calls = 0;
    function handler(e) {
        calls++;
        if (e.spin) while (true) {}
        for (let i = e.from; i < rows.length; i += e.step) rows[i].text = 'written ' + e.from;
        if (e.grow) globalThis.grown = new Array(e.grow).fill('y'.repeat(64));
        let sum = 0;
        for (const row of rows) sum += row.text.length;
        return { calls, sum, first: rows[e.from].text, grown: globalThis.grown?.length ?? 0 };
    }";

#[test]
fn restoring_again_and_again_undoes_every_kind_of_call() {
    let mut loaded = loaded(&[("scribble", SCRIBBLER)]);
    let probe = r#"{"from":5,"step":1000}"#;
    let snapshot = loaded.snapshot().unwrap();
    let expected = loaded.handle_event("scribble", probe, None).unwrap();
    let size = loaded.status().guest_memory_bytes;
    let calls = [
        r#"{"from":0,"step":1}"#,
        r#"{"from":1,"step":7}"#,
        r#"{"from":3,"step":3,"grow":200000}"#,
        r#"{"from":2,"step":2}"#,
    ];
    for round in 0..12 {
        loaded.restore(&snapshot).unwrap();
        let event = calls[round % calls.len()];
        if round % 5 == 4 {
            // A call killed midway, which poisons the sandbox.
            let monitor = warden::WallClockMonitor::new(std::time::Duration::from_millis(20));
            let killed = loaded.handle_event_with_monitor(
                "scribble",
                r#"{"from":0,"step":1,"spin":true}"#,
                &monitor.unwrap(),
                None,
            );
            assert!(matches!(killed, Err(Error::Killed(_))), "{killed:?}");
        } else {
            loaded
                .handle_event("scribble", event, Some(round % 2 == 0))
                .unwrap();
        }
        loaded.restore(&snapshot).unwrap();
        assert_eq!(loaded.status().guest_memory_bytes, size, "round {round}");
        assert_eq!(
            loaded.handle_event("scribble", probe, None).unwrap(),
            expected,
            "round {round}"
        );
    }
}
