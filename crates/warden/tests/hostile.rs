//! Hostile handlers: every attack a handler can mount from inside the
//! sandbox, one JavaScript fixture per attack (`tests/hostile/*.js`).
//!
//! Each test asserts the exact outcome of its attack (the error variant,
//! whether the sandbox is poisoned, that a monitored call ends within its
//! budget plus a generous slack) and then that
//!
//! - the same sandbox answers again (after a restore when it was poisoned),
//! - the host can still make a fresh sandbox and call it, and
//! - a *bystander* — another sandbox answering echo calls on another thread
//!   for the whole length of the attack — never saw a single failure.
//!
//! Time bounds are deliberately loose: this runs on loaded 2-core machines,
//! so a 100 ms budget may end seconds later; only "it ended, and not absurdly
//! late" is asserted.

mod common;
#[path = "common/hostile/mod.rs"]
mod harness;

use std::collections::BTreeMap;
use std::thread;
use std::time::Duration;

use common::js_sandbox;
use harness::{
    beside_victims, budget, generous, not_killed, tamper_in_modes, threw, victims_unaffected,
    Arena, Outcome, BUDGET, SAFETY_NET, SLACK, WATCHDOG,
};
use serde_json::Value;
use warden::{CpuTimeMonitor, Error, Killer, SandboxBuilder, Script, WallClockMonitor};

/// The fixture `tests/hostile/<name>.js`.
macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("hostile/", $name, ".js"))
    };
}

const MIB: usize = 1024 * 1024;

/// Asserts `outcome` is a kill by the CPU-time monitor at [`BUDGET`], ended
/// within the budget plus [`SLACK`], and that the sandbox is poisoned.
fn assert_killed_within_budget(arena: &Arena, outcome: Outcome, what: &str) {
    let error = outcome.result.expect_err(what);
    assert_eq!(
        error.killer(),
        Some(&Killer::Monitor {
            name: "cpu-time",
            budget: Some(BUDGET)
        }),
        "{what}: expected a cpu-time kill, got {error:?}"
    );
    assert!(error.poisons() && arena.loaded.poisoned(), "{what}");
    assert!(
        outcome.elapsed <= BUDGET + SLACK,
        "{what}: killed after {:?}, budget {BUDGET:?} + slack {SLACK:?}",
        outcome.elapsed
    );
    let stats = arena.loaded.last_call_stats().unwrap();
    assert_eq!(
        stats.terminated_by.and_then(|k| k.monitor_name()),
        Some("cpu-time"),
        "{what}"
    );
    let cpu = stats.guest_cpu_time.unwrap();
    assert!(cpu >= BUDGET, "{what}: killed after only {cpu:?} of CPU");
    println!(
        "    {what}: killed by cpu-time after {:?} wall, {cpu:?} cpu",
        outcome.elapsed
    );
}

// ---------------------------------------------------------------------------
// Runaway computation.
// ---------------------------------------------------------------------------

#[test]
fn tight_loop_is_killed_within_budget() {
    let mut arena = Arena::new(&[("tight_loop", fixture!("tight_loop"))]);
    let outcome = arena.call("tight_loop", "{}", &budget());
    assert_killed_within_budget(&arena, outcome, "tight_loop");
    arena.poisoned_then_restored();
    arena.finish();
}

#[test]
fn a_loop_cannot_swallow_its_kill_with_try_catch_finally() {
    let mut arena = Arena::new(&[("swallow_kill", fixture!("swallow_kill"))]);
    let outcome = arena.call("swallow_kill", "{}", &budget());
    assert_killed_within_budget(&arena, outcome, "swallow_kill (monitor)");
    arena.poisoned_then_restored();

    // Nor a kill through an interrupt handle from another thread.
    let handle = arena.loaded.interrupt_handle();
    let killer = thread::spawn(move || {
        while !handle.is_running() {
            thread::yield_now();
        }
        thread::sleep(Duration::from_millis(50));
        handle.kill()
    });
    let (outcome, hung) = arena.call_unmonitored("swallow_kill", "{}");
    assert!(killer.join().unwrap());
    assert!(!hung);
    assert!(
        matches!(outcome.result, Err(Error::Killed(Killer::Handle))),
        "{:?}",
        outcome.result
    );
    arena.poisoned_then_restored();
    arena.finish();
}

#[test]
fn catastrophic_regex_is_killed_inside_the_matcher() {
    let mut arena = Arena::new(&[("catastrophic_regex", fixture!("catastrophic_regex"))]);
    let outcome = arena.call("catastrophic_regex", "{}", &budget());
    assert_killed_within_budget(&arena, outcome, "catastrophic_regex");
    arena.poisoned_then_restored();
    arena.finish();
}

#[test]
fn an_endless_microtask_chain_is_killed_within_budget() {
    let mut arena = Arena::new(&[("microtask_chain", fixture!("microtask_chain"))]);
    let outcome = arena.call("microtask_chain", "{}", &budget());
    assert_killed_within_budget(&arena, outcome, "microtask_chain");
    arena.poisoned_then_restored();
    arena.finish();
}

#[test]
fn an_error_whose_message_getter_spins_is_still_killed() {
    let mut arena = Arena::new(&[("throw_spinning_getter", fixture!("throw_spinning_getter"))]);
    let outcome = arena.call("throw_spinning_getter", "{}", &budget());
    assert_killed_within_budget(&arena, outcome, "throw_spinning_getter");
    arena.poisoned_then_restored();
    arena.finish();
}

// ---------------------------------------------------------------------------
// Memory.
// ---------------------------------------------------------------------------

const SMALL_LIMIT: usize = 32 * MIB;

/// Runs a growth attack uncaught and caught. Uncaught, it must end as
/// `OutOfMemory` (not poisoned) or as a thrown `RangeError`/`InternalError`;
/// caught, JavaScript sees an ordinary error. Memory never passes the limit.
fn growth_attack(name: &str, source: &str) {
    let builder = SandboxBuilder::new()
        .guest_memory_limit(SMALL_LIMIT)
        .max_event_size(64 * 1024);
    let mut arena = Arena::with(builder, SMALL_LIMIT, &[(name, source)]);
    for round in 0..2 {
        let outcome = arena.call(name, r#"{"catch":false}"#, &generous());
        not_killed(&outcome, name);
        match &outcome.result {
            Err(Error::OutOfMemory { limit, poisoned }) => {
                assert_eq!(*limit, SMALL_LIMIT);
                assert!(!poisoned, "{name}: out of memory poisoned the sandbox");
            }
            Err(Error::HandlerThrew { error, .. })
                if ["RangeError", "InternalError"].contains(&error.name.as_str()) => {}
            other => panic!("{name}: expected OutOfMemory or a RangeError, got {other:?}"),
        }
        println!(
            "    {name} round {round}: {:?} after {:?}, guest memory {} bytes",
            outcome.result.as_ref().unwrap_err(),
            outcome.elapsed,
            arena.loaded.status().guest_memory_bytes
        );
        arena.usable();

        let outcome = arena.call(name, r#"{"catch":true}"#, &generous());
        let caught: Value = serde_json::from_str(&outcome.result.unwrap()).unwrap();
        let caught_name = caught["caught"].as_str().unwrap();
        assert!(
            ["RangeError", "InternalError"].contains(&caught_name),
            "{name}: caught {caught}"
        );
        arena.usable();
    }
    arena.finish();
}

#[test]
fn exponential_string_growth_stays_within_the_memory_limit() {
    growth_attack("string_growth", fixture!("string_growth"));
}

#[test]
fn exponential_array_growth_stays_within_the_memory_limit() {
    growth_attack("array_growth", fixture!("array_growth"));
}

// ---------------------------------------------------------------------------
// Stack.
// ---------------------------------------------------------------------------

/// Recursion without end is a `RangeError` the handler could catch, thrown
/// at the engine's stack limit: uncaught, the call reports it, and the
/// sandbox stays usable.
fn stack_attack(name: &str, source: &str) {
    let mut arena = Arena::new(&[(name, source)]);
    for _ in 0..2 {
        let outcome = arena.call(name, "{}", &generous());
        let error = threw(outcome.result, name);
        assert_eq!(
            (error.name.as_str(), error.message.as_str()),
            ("RangeError", "Maximum call stack size exceeded"),
            "{name}"
        );
        println!("    {name}: RangeError after {:?}", outcome.elapsed);
        arena.usable();
    }
    arena.finish();
}

#[test]
fn recursion_that_catches_the_overflow_and_recurses_again_is_killed_within_budget() {
    // Every level catches the RangeError and tries again, so the retries
    // multiply: it is a runaway computation, and the CPU budget ends it.
    let mut arena = Arena::new(&[("deep_recursion", fixture!("deep_recursion"))]);
    let outcome = arena.call("deep_recursion", "{}", &budget());
    assert_killed_within_budget(&arena, outcome, "deep_recursion");
    arena.poisoned_then_restored();
    arena.finish();
}

#[test]
fn mutual_recursion_is_a_range_error() {
    stack_attack("mutual_recursion", fixture!("mutual_recursion"));
}

#[test]
fn recursion_through_a_proxy_trap_is_a_range_error() {
    stack_attack("proxy_recursion", fixture!("proxy_recursion"));
}

#[test]
fn a_deeply_nested_result_is_refused_without_harm() {
    let mut arena = Arena::new(&[("deep_result", fixture!("deep_result"))]);
    // Moderate nesting serializes normally.
    let outcome = arena.call("deep_result", r#"{"depth":100}"#, &generous());
    let expected = format!("{}{}", "[".repeat(101), "]".repeat(101));
    assert_eq!(outcome.result.unwrap(), expected);
    // 200,000 levels are past the serializer's stack limit: the result has
    // no JSON form, and the sandbox is unharmed.
    for _ in 0..2 {
        let outcome = arena.call("deep_result", r#"{"depth":200000}"#, &generous());
        match outcome.result {
            Err(Error::InvalidResult { reason, .. }) => assert_eq!(
                reason, "RangeError: Maximum call stack size exceeded",
                "deep_result"
            ),
            other => panic!("deep_result: expected InvalidResult, got {other:?}"),
        }
        arena.usable();
    }
    arena.finish();
}

// ---------------------------------------------------------------------------
// Oversized output.
// ---------------------------------------------------------------------------

#[test]
fn giant_results_are_refused() {
    let mut arena = Arena::new(&[("giant_result", fixture!("giant_result"))]);
    for shape in ["string", "array", "escapes"] {
        let event = format!(r#"{{"shape":"{shape}"}}"#);
        let outcome = arena.call("giant_result", &event, &generous());
        match outcome.result {
            Err(Error::ResultTooLarge { size, limit }) => {
                assert_eq!(limit, warden::DEFAULT_MAX_RESULT_SIZE, "{shape}");
                assert!(size > limit, "{shape}: {size}");
            }
            other => panic!("{shape}: expected ResultTooLarge, got {other:?}"),
        }
        arena.usable();
    }
    arena.finish();
}

#[test]
fn a_giant_error_message_is_reported_without_harm() {
    let mut arena = Arena::new(&[("giant_error", fixture!("giant_error"))]);
    let outcome = arena.call("giant_error", "{}", &generous());
    not_killed(&outcome, "giant_error");
    // The error comes back as thrown, its message cut to the error text
    // limit with a note of its full length.
    let error = threw(outcome.result, "giant_error");
    assert_eq!(error.name, "Error");
    assert!(error.message.len() <= warden::MAX_ERROR_TEXT);
    let (kept, note) = error.message.split_once('…').expect("a cut note");
    assert!(!kept.is_empty() && kept.chars().all(|c| c == 'E'));
    assert_eq!(note, format!(" [cut from {} bytes]", 8 * MIB));
    assert!(error
        .stack
        .is_some_and(|stack| stack.len() <= warden::MAX_ERROR_TEXT));
    println!(
        "    giant_error: HandlerThrew with a {}-byte message",
        error.message.len()
    );
    arena.finish();
}

// ---------------------------------------------------------------------------
// Promises that never settle, with no monitor at all.
// ---------------------------------------------------------------------------

#[test]
fn promises_that_never_settle_are_reported_without_any_monitor() {
    let mut arena = Arena::new(&[("never_settles", fixture!("never_settles"))]);
    for shape in ["executor", "await", "kept-resolver", "chain", "all"] {
        let event = format!(r#"{{"shape":"{shape}"}}"#);
        let (outcome, hung) = arena.call_unmonitored("never_settles", &event);
        assert!(!hung, "{shape}: the call hung until the watchdog killed it");
        assert!(
            matches!(&outcome.result, Err(Error::PromiseNeverSettled { handler }) if handler == "never_settles"),
            "{shape}: {:?}",
            outcome.result
        );
        assert!(outcome.elapsed < WATCHDOG);
        arena.usable();
    }
    arena.finish();
}

// ---------------------------------------------------------------------------
// Tampering with shared built-ins.
// ---------------------------------------------------------------------------

#[test]
fn tampering_with_built_ins_does_not_reach_the_runtimes_plumbing() {
    let (mut arena, lines) = beside_victims("tamper_builtins", fixture!("tamper_builtins"));
    let canary = |arena: &mut Arena| arena.call("canary", "{}", &generous()).result.unwrap();
    let pristine = r#"{"promise":true,"json":true,"then":true,"console":true}"#;
    assert_eq!(canary(&mut arena), pristine);
    victims_unaffected(&mut arena, &lines, "before tampering");
    let outcome = arena.call("tamper_builtins", "{}", &generous());
    assert_eq!(outcome.result.unwrap(), r#""tampered""#);
    // The vandalism is visible to other handlers' JavaScript...
    assert_eq!(
        canary(&mut arena),
        r#"{"promise":false,"json":false,"then":false,"console":false}"#
    );
    // ...but not to the runtime's plumbing.
    victims_unaffected(&mut arena, &lines, "after tamper_builtins");
    // Twice, to be sure nothing degrades over calls.
    victims_unaffected(&mut arena, &lines, "after tamper_builtins, again");
    arena.reset();
    assert_eq!(canary(&mut arena), pristine);
    victims_unaffected(&mut arena, &lines, "after restore");
    arena.finish();
}

/// Results are serialized with the engine's own `JSON.stringify`, which asks
/// every object for a `toJSON` through the prototypes all handlers of a
/// sandbox share. The runtime fixes `toJSON` on every built-in prototype
/// (and gives dates one that uses the original date methods), so no handler
/// can change, or break, how another handler's result is serialized.
#[test]
fn tojson_on_shared_prototypes_does_not_change_later_results() {
    let (mut arena, lines) = beside_victims("tamper_tojson", fixture!("tamper_tojson"));
    victims_unaffected(&mut arena, &lines, "before tampering");
    // The tampering handler's own result may be affected by its own toJSON;
    // that is JavaScript, not plumbing. Only later calls count.
    let failures = tamper_in_modes(
        &mut arena,
        &lines,
        "tamper_tojson",
        &["method", "array", "getter-throws", "date"],
        |_, _| None,
    );
    assert!(
        failures.is_empty(),
        "toJSON tampering changed later calls of other handlers:\n{}",
        failures.join("\n")
    );
    arena.finish();
}

/// Boxed numbers and strings in a result are serialized through the
/// `Symbol.toPrimitive`, `valueOf` and `toString` their shared prototypes
/// provide. The runtime fixes those on `Number.prototype` and
/// `String.prototype`, so no handler can change, or spin inside, another
/// handler's serialization.
#[test]
fn boxed_primitives_serialize_the_same_after_tampering() {
    let (mut arena, lines) = beside_victims("tamper_boxed", fixture!("tamper_boxed"));
    // Defining `Symbol.toPrimitive` on `Object.prototype` is allowed; every
    // other mode is refused with a TypeError.
    let failures = tamper_in_modes(
        &mut arena,
        &lines,
        "tamper_boxed",
        &[
            "valueOf",
            "toString",
            "toPrimitive",
            "inherited-toPrimitive",
        ],
        |how, own| match (how, own) {
            ("inherited-toPrimitive", Ok(_)) => None,
            (_, Err(Error::HandlerThrew { error, .. })) if error.name == "TypeError" => None,
            (_, other) => Some(format!("{how}: the tampering gave {other:?}")),
        },
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    arena.finish();
}

/// QuickJS-ng calls `Error.prepareStackTrace` whenever any error object is
/// created, and converts `Error.stackTraceLimit` to a number, including for
/// the errors the runtime's own JSON parser and serializer create for an
/// invalid event or a result with no JSON form. The runtime holds the hook
/// off while it works, and makes the limit a number when it is set, so
/// neither can rewrite those errors or spin inside them.
#[test]
fn error_prepare_stack_trace_does_not_change_later_plumbing() {
    let (mut arena, _) = beside_victims(
        "tamper_prepare_stack_trace",
        fixture!("tamper_prepare_stack_trace"),
    );
    let mut failures = Vec::new();
    for how in ["rewrite", "spin", "limit"] {
        let event = format!(r#"{{"how":"{how}"}}"#);
        if how == "limit" {
            let quick = (
                CpuTimeMonitor::new(Duration::from_millis(200)).unwrap(),
                WallClockMonitor::new(SAFETY_NET).unwrap(),
            );
            let outcome = arena.call("tamper_prepare_stack_trace", &event, &quick);
            // The limit is made a number when it is set: the hostile
            // valueOf spins in the tampering call itself, which is killed.
            assert!(
                matches!(outcome.result, Err(Error::Killed(_))),
                "{:?}",
                outcome.result
            );
            arena.reset();
            continue;
        }
        let outcome = arena.call("tamper_prepare_stack_trace", &event, &generous());
        assert_eq!(outcome.result.unwrap(), r#""tampered""#);
        // Later plumbing errors are checked under a 500 ms CPU budget (a
        // normal one takes microseconds), so a spinning hook shows up as a
        // kill rather than hanging the run.
        let tight = (
            CpuTimeMonitor::new(Duration::from_millis(500)).unwrap(),
            WallClockMonitor::new(SAFETY_NET).unwrap(),
        );
        let invalid = arena.call("echo", r#"{"not json"#, &tight);
        println!(
            "    prepareStackTrace {how}: invalid event -> {:?} after {:?}",
            invalid.result, invalid.elapsed
        );
        match &invalid.result {
            Err(Error::InvalidEvent(message)) if !message.contains("rewritten") => {}
            other => failures.push(format!(
                "{how}: an invalid event sent to another handler gave {other:?} instead of InvalidEvent"
            )),
        }
        if arena.loaded.poisoned() {
            arena.reset();
            arena
                .call("tamper_prepare_stack_trace", &event, &generous())
                .result
                .unwrap();
        }
        let cycle = arena.call("cycle", "{}", &tight);
        println!(
            "    prepareStackTrace {how}: cyclic result -> {:?} after {:?}",
            cycle.result, cycle.elapsed
        );
        match &cycle.result {
            Err(Error::InvalidResult { reason, .. }) if !reason.contains("rewritten") => {}
            other => failures.push(format!(
                "{how}: a cyclic result of another handler gave {other:?} instead of InvalidResult"
            )),
        }
        arena.reset();
    }
    assert!(
        failures.is_empty(),
        "Error.prepareStackTrace changed later calls:\n{}",
        failures.join("\n")
    );
    arena.finish();
}

// ---------------------------------------------------------------------------
// Hostile thrown values.
// ---------------------------------------------------------------------------

#[test]
fn errors_with_hostile_fields_are_reported_best_effort() {
    let mut arena = Arena::new(&[("throw_hostile_error", fixture!("throw_hostile_error"))]);
    // (mode, name, message, stack is present)
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        (
            "message-getter-throws",
            "RangeError",
            "",
            Some("at handler"),
        ),
        (
            "name-getter-throws",
            "",
            "original message",
            Some("at handler"),
        ),
        (
            "stack-getter-throws",
            "RangeError",
            "original message",
            None,
        ),
        ("all-getters-throw", "", "", None),
        ("non-strings", "42", "from toString", Some("not,a,string")),
        ("conversion-throws", "", "", None),
    ];
    for (how, name, message, stack) in cases {
        let event = format!(r#"{{"how":"{how}"}}"#);
        let outcome = arena.call("throw_hostile_error", &event, &generous());
        not_killed(&outcome, how);
        let error = threw(outcome.result, "throw_hostile_error");
        println!("    throw_hostile_error {how}: {error:?}");
        assert_eq!(error.name, *name, "{how}");
        assert_eq!(error.message, *message, "{how}");
        match stack {
            Some(needle) => assert!(
                error.stack.as_deref().is_some_and(|s| s.contains(needle)),
                "{how}: {:?}",
                error.stack
            ),
            None => assert_eq!(error.stack, None, "{how}"),
        }
        arena.usable();
    }
    arena.finish();
}

#[test]
fn hostile_thrown_values_are_reported_best_effort() {
    let mut arena = Arena::new(&[("throw_hostile_value", fixture!("throw_hostile_value"))]);
    let cases = [
        "proxy",
        "proxy-of-error",
        "revoked-proxy",
        "symbol",
        "resisting-object",
        "cycle",
        "null-prototype",
    ];
    let mut seen = BTreeMap::new();
    for how in cases {
        for asynchronous in [false, true] {
            let event = format!(r#"{{"how":"{how}","async":{asynchronous}}}"#);
            let outcome = arena.call("throw_hostile_value", &event, &generous());
            not_killed(&outcome, how);
            let error = threw(outcome.result, "throw_hostile_value");
            assert!(!error.message.is_empty(), "{how}: {error:?}");
            assert_eq!(error.name, "", "{how}: not an Error, so no name");
            seen.insert((how, asynchronous), error.message.clone());
            arena.usable();
        }
        // Thrown and rejected values are described the same way.
        assert_eq!(seen[&(how, false)], seen[&(how, true)], "{how}");
        println!(
            "    throw_hostile_value {how}: message {:?}",
            seen[&(how, false)]
        );
    }
    assert_eq!(seen[&("cycle", false)], "[object Object]");
    assert_eq!(seen[&("null-prototype", false)], "{}");
    arena.finish();
}

// ---------------------------------------------------------------------------
// Reaching for capabilities.
// ---------------------------------------------------------------------------

/// Globals that would give I/O, the environment, processes or the host.
const FORBIDDEN_GLOBALS: &[&str] = &[
    "process",
    "module",
    "exports",
    "__dirname",
    "__filename",
    "Buffer",
    "global",
    "Deno",
    "Bun",
    "std",
    "os",
    "bjson",
    "scriptArgs",
    "load",
    "read",
    "readFile",
    "write",
    "quit",
    "exit",
    "XMLHttpRequest",
    "WebSocket",
    "EventSource",
    "location",
    "document",
    "window",
    "importScripts",
    "Worker",
    "WebAssembly",
    "os_exec",
    "system",
    "__wasi",
    "wasi",
    "WASI",
    "env",
    "host",
    "warden",
    "__warden",
];

/// The global names a standard ECMAScript engine has, `console` and `print`
/// (which Warden installs and routes to `print_fn`), `require` (which
/// reaches only what `import` reaches), and QuickJS-ng's own pure
/// extras (`InternalError`, `DOMException`, `atob`/`btoa`, `performance.now`,
/// `queueMicrotask`), none of which does I/O, and Warden's web globals
/// (`crypto`, whose random values come from the host's WASI `random_get`,
/// with `crypto.subtle` and the classes `SubtleCrypto` and `CryptoKey`,
/// which compute inside the sandbox, events, abort, `structuredClone`, timers, whose waits sleep on the host
/// and reach nothing else, `self`, and a `navigator` with nothing but
/// `userAgent`). Anything else on the global object fails the test, so a
/// new global has to be looked at.
const ALLOWED_GLOBALS: &[&str] = &[
    "AggregateError",
    "Array",
    "ArrayBuffer",
    "Atomics",
    "BigInt",
    "BigInt64Array",
    "BigUint64Array",
    "Boolean",
    "DataView",
    "Date",
    "DisposableStack",
    "AsyncDisposableStack",
    "Error",
    "EvalError",
    "FinalizationRegistry",
    "Float16Array",
    "Float32Array",
    "Float64Array",
    "Function",
    "Infinity",
    "Int16Array",
    "Int32Array",
    "Int8Array",
    "Iterator",
    "JSON",
    "Map",
    "Math",
    "NaN",
    "Number",
    "Object",
    "Promise",
    "Proxy",
    "RangeError",
    "ReferenceError",
    "Reflect",
    "RegExp",
    "Set",
    "SharedArrayBuffer",
    "String",
    "SuppressedError",
    "Symbol",
    "SyntaxError",
    "TypeError",
    "URIError",
    "Uint16Array",
    "Uint32Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "WeakMap",
    "WeakRef",
    "WeakSet",
    "decodeURI",
    "decodeURIComponent",
    "encodeURI",
    "encodeURIComponent",
    "escape",
    "eval",
    "globalThis",
    "isFinite",
    "isNaN",
    "parseFloat",
    "parseInt",
    "undefined",
    "unescape",
    "console",
    "print",
    "require",
    "queueMicrotask",
    "performance",
    "InternalError",
    "DOMException",
    "atob",
    "btoa",
    "TextEncoder",
    "TextDecoder",
    "URL",
    "URLSearchParams",
    // Warden's web globals (crates/warden-guest/src/web).
    "crypto",
    "CryptoKey",
    "SubtleCrypto",
    "Event",
    "CustomEvent",
    "EventTarget",
    "AbortController",
    "AbortSignal",
    "structuredClone",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "clearImmediate",
    "self",
    "navigator",
    // `fetch` reaches only what the embedder allows, and nothing by default.
    "fetch",
    "Headers",
    "Request",
    "Response",
];

#[test]
fn no_global_gives_io_or_host_access() {
    let mut arena = Arena::new(&[("capability_probe", fixture!("capability_probe"))]);
    let outcome = arena.call("capability_probe", "{}", &generous());
    let report: Value = serde_json::from_str(&outcome.result.unwrap()).unwrap();
    let own: Vec<&str> = report["own"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let inherited: Vec<&str> = report["inherited"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    println!("    global names: {own:?}");
    println!("    inherited by the global object: {inherited:?}");
    println!("    global symbols: {}", report["symbols"]);
    // Browsers hang device and network access off `navigator`; Warden's has
    // only its name.
    assert_eq!(report["navigator"], serde_json::json!(["userAgent"]));
    // `fetch` is there, and a sandbox whose embedder allows nothing refuses
    // every request.
    let fetched = report["fetched"].as_str().unwrap();
    assert!(
        fetched.starts_with("TypeError: fetch failed") && fetched.contains("may not fetch"),
        "{fetched}"
    );
    for name in FORBIDDEN_GLOBALS {
        assert_eq!(
            report["probes"][name], "undefined",
            "typeof {name} inside the sandbox"
        );
        assert!(!own.contains(name), "global {name}");
        assert!(!inherited.contains(name), "inherited global {name}");
    }
    let unexpected: Vec<&&str> = own
        .iter()
        .filter(|name| !ALLOWED_GLOBALS.contains(name))
        .collect();
    assert!(
        unexpected.is_empty(),
        "globals beyond standard ECMAScript and Warden's console, print and require: {unexpected:?}"
    );
    // The global object inherits only from Object.prototype.
    for name in &inherited {
        assert!(
            [
                "__defineGetter__",
                "__defineSetter__",
                "__lookupGetter__",
                "__lookupSetter__",
                "__proto__",
                "constructor",
                "hasOwnProperty",
                "isPrototypeOf",
                "propertyIsEnumerable",
                "toLocaleString",
                "toString",
                "valueOf",
                // The runtime's fixed (and empty) toJSON.
                "toJSON",
            ]
            .contains(name),
            "the global object inherits {name}"
        );
    }
    // console has Node's methods and nothing else.
    assert_eq!(
        report["console"],
        serde_json::json!([
            "assert",
            "clear",
            "count",
            "countReset",
            "debug",
            "dir",
            "dirxml",
            "error",
            "group",
            "groupCollapsed",
            "groupEnd",
            "info",
            "log",
            "table",
            "time",
            "timeEnd",
            "timeLog",
            "trace",
            "warn"
        ])
    );
    arena.finish();
}

#[test]
fn atomics_wait_cannot_block_the_guest_thread() {
    let mut arena = Arena::new(&[("atomics_wait", fixture!("atomics_wait"))]);
    for event in ["{}", r#"{"timeout":1e12}"#, r#"{"timeout":50}"#] {
        let outcome = arena.call("atomics_wait", event, &budget());
        not_killed(&outcome, "atomics_wait");
        // This engine build has no Atomics at all; one that has them must
        // refuse to block (QuickJS only blocks when the embedder allows it).
        match outcome.result {
            Ok(result) => assert_eq!(result, r#""no Atomics""#, "{event}"),
            Err(Error::HandlerThrew { error, .. }) => assert_eq!(
                (error.name.as_str(), error.message.as_str()),
                ("TypeError", "cannot block in this thread"),
                "{event}"
            ),
            Err(other) => panic!("{event}: {other:?}"),
        }
        arena.usable();
    }
    arena.finish();
}

#[test]
fn dynamic_import_of_anything_but_declared_host_modules_is_refused() {
    let mut arena = Arena::new(&[
        ("dynamic_import", fixture!("dynamic_import")),
        ("secret", fixture!("secret")),
    ]);
    let outcome = arena.call("dynamic_import", "{}", &generous());
    let report: Value = serde_json::from_str(&outcome.result.unwrap()).unwrap();
    println!("    dynamic import: {report}");
    let report = report.as_object().unwrap();
    assert!(report.len() >= 20);
    for (specifier, result) in report {
        assert!(
            result.as_str().unwrap().starts_with("rejected"),
            "import({specifier:?}) gave {result}"
        );
    }
    arena.usable();
    // Uncaught, a refused import is an ordinary thrown error.
    for specifier in ["fs", "std", "os", "secret", "host:fs"] {
        let event = format!(r#"{{"uncaught":"{specifier}"}}"#);
        let outcome = arena.call("dynamic_import", &event, &generous());
        let error = threw(outcome.result, "dynamic_import");
        assert!(
            error.message.contains(specifier) || error.message.contains("host"),
            "{specifier}: {error:?}"
        );
        arena.usable();
    }
    // And so is a static import, at load time.
    let mut sandbox = js_sandbox();
    sandbox
        .add_handler("secret", Script::from_content(fixture!("secret")))
        .unwrap();
    for source in [
        "import * as std from 'std'; export function handler() {}",
        "import * as os from 'os'; export function handler() {}",
        "import { leaked } from 'secret'; export function handler() { return leaked; }",
    ] {
        let error = sandbox
            .add_handler("static", Script::from_content(source))
            .unwrap_err();
        assert!(matches!(error, Error::Compile { .. }), "{source}: {error}");
    }
    arena.finish();
}

#[test]
fn eval_and_function_constructors_lead_nowhere_new() {
    let mut arena = Arena::new(&[
        ("eval_escape", fixture!("eval_escape")),
        ("secret", fixture!("secret")),
    ]);
    let outcome = arena.call("eval_escape", "{}", &generous());
    let report: Value = serde_json::from_str(&outcome.result.unwrap()).unwrap();
    println!("    eval escapes: {report}");
    assert_eq!(
        report,
        serde_json::json!({
            "indirectEval": true,
            "functionCtor": true,
            "constructorChain": true,
            "asyncFunctionCtor": "function",
            "generatorCtor": "function",
            "evalRequiresFs": "ReferenceError",
            "functionSeesProcess": "undefined",
            "functionSeesStd": "undefinedundefined",
            "processEnv": "ReferenceError",
            "secretVisible": "undefined",
            "evalSecret": "undefined",
            "importMetaKeys": report["importMetaKeys"].clone(),
        })
    );
    // import.meta carries no more than the module's own name.
    for key in report["importMetaKeys"].as_array().unwrap() {
        assert!(["url", "main"].contains(&key.as_str().unwrap()), "{key}");
    }
    arena.finish();
}
