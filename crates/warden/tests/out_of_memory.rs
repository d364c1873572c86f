//! Running out of memory is always the same clean error: a catchable
//! `InternalError: out of memory` in the guest, `Error::OutOfMemory`
//! uncaught, and never a corrupted heap.

mod common;

use common::{loaded_with, ECHO};
use warden::{Error, LoadedJSSandbox, SandboxBuilder};

const MIB: usize = 1024 * 1024;

/// Fills the heap in the way `e.how` names, catches the failure and says
/// what it caught.
const CATCHING: &str = r#"
    const fill = {
        objects: (keep) => { for (;;) keep.push({ i: keep.length }); },
        integerKeys: (keep) => { const o = {}; keep.push(o); for (let i = 0; ; i++) o[i] = i; },
        sparse: (keep) => { const a = []; keep.push(a); for (let i = 0; ; i++) a[i * 7] = {}; },
        stringKeys: (keep) => { const o = {}; keep.push(o); for (let i = 0; ; i++) o["key" + i] = i; },
        strings: (keep) => { for (;;) keep.push("x".repeat(100) + keep.length); },
        arrays: (keep) => { for (;;) keep.push(new Array(1000).fill(keep.length)); },
        serialized: (keep) => {
            const value = Array.from({ length: 500 }, (_, i) => ({ i, s: "v\n" + i, list: [i, { x: 1.5 }] }));
            for (;;) keep.push(JSON.stringify(value));
        },
    };
    function handler(e) {
        const keep = [];
        try { fill[e.how](keep); return "nothing thrown"; }
        catch (error) {
            // Described before anything is freed: the report must work at
            // the limit.
            return { type: typeof error, isError: error instanceof Error,
                     text: String(error), kept: keep.length > 0 };
        }
    }"#;

/// The same fills, uncaught.
const UNCAUGHT: &str = r#"
    const fill = {
        objects: () => { const keep = []; for (;;) keep.push({ i: keep.length }); },
        stringKeys: () => { const o = {}; for (let i = 0; ; i++) o[globalThis.prefix + i] = i; },
        sparse: () => { const a = []; for (let i = 0; ; i++) a[i * 7] = {}; },
    };
    function handler(e) { globalThis.prefix = e.prefix || "k"; fill[e.how](); }"#;

/// Fills the heap from promise jobs.
const IN_JOBS: &str = r#"
    async function handler() {
        const keep = [];
        for (;;) { keep.push(new Array(1000).fill(0)); await null; }
    }"#;

/// Runs out of memory, catches it, and returns a promise left pending, as
/// one whose job the engine could not queue would be.
const PENDING_AFTER_OOM: &str = r#"
    function handler() {
        let keep = [];
        try { for (;;) keep.push({}); } catch {}
        keep = null;
        return new Promise(() => {});
    }"#;

fn sandbox(limit: usize) -> LoadedJSSandbox {
    let builder = SandboxBuilder::new()
        .guest_memory_limit(limit)
        .max_event_size(64 * 1024);
    loaded_with(
        builder,
        &[
            ("echo", ECHO),
            ("catching", CATCHING),
            ("uncaught", UNCAUGHT),
            ("jobs", IN_JOBS),
            ("pending", PENDING_AFTER_OOM),
        ],
    )
}

fn echo_works(loaded: &mut LoadedJSSandbox, gc: Option<bool>) {
    let event = r#"{"still":["working",1,2,3]}"#;
    assert_eq!(loaded.handle_event("echo", event, gc).unwrap(), event);
}

#[test]
fn the_handler_always_catches_an_internal_error() {
    for limit in [16 * MIB, 32 * MIB] {
        let mut loaded = sandbox(limit);
        for how in [
            "objects",
            "integerKeys",
            "sparse",
            "stringKeys",
            "strings",
            "arrays",
            "serialized",
        ] {
            let event = format!(r#"{{"how":"{how}"}}"#);
            let caught = loaded.handle_event("catching", &event, None).unwrap();
            assert_eq!(
                caught,
                r#"{"type":"object","isError":true,"text":"InternalError: out of memory","kept":true}"#,
                "{how} at {limit}"
            );
            assert!(!loaded.poisoned());
            echo_works(&mut loaded, None);
        }
    }
}

#[test]
fn uncaught_it_is_out_of_memory_and_the_heap_stays_sound() {
    // The collector used to read through a corrupted list after the engine
    // failed to grow an object's properties; with `gc: false` the
    // corruption outlived the call. Different limits and key names move the
    // failure to different allocations.
    for limit in [24 * MIB, 28 * MIB, 32 * MIB, 36 * MIB] {
        for gc in [Some(true), Some(false)] {
            let mut loaded = sandbox(limit);
            for (how, prefix) in [
                ("stringKeys", "k"),
                ("stringKeys", "key_"),
                ("stringKeys", "longer-prefix-"),
                ("sparse", ""),
                ("objects", ""),
            ] {
                let event = format!(r#"{{"how":"{how}","prefix":"{prefix}"}}"#);
                let error = loaded.handle_event("uncaught", &event, gc).unwrap_err();
                assert!(
                    matches!(
                        error,
                        Error::OutOfMemory {
                            poisoned: false,
                            ..
                        }
                    ),
                    "{how}/{prefix} at {limit}, gc {gc:?}: {error}"
                );
                echo_works(&mut loaded, gc);
            }
            // Whatever the calls left behind, a snapshot of it restores and
            // collects soundly.
            let snapshot = loaded.snapshot().unwrap();
            loaded.restore(&snapshot).unwrap();
            echo_works(&mut loaded, Some(true));
        }
    }
}

#[test]
fn filling_the_heap_from_promise_jobs_is_out_of_memory_not_a_pending_promise() {
    let mut loaded = sandbox(16 * MIB);
    for handler in ["jobs", "pending"] {
        let error = loaded.handle_event(handler, "{}", None).unwrap_err();
        assert!(
            matches!(
                error,
                Error::OutOfMemory {
                    poisoned: false,
                    ..
                }
            ),
            "{handler}: {error}"
        );
        echo_works(&mut loaded, None);
    }
}
