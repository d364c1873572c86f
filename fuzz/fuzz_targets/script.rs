//! Arbitrary source text as a handler script, then one monitored call.
//!
//! `add_handler_with_monitor` runs the script's top-level code under a 200 ms
//! wall-clock and CPU-time budget, with a watchdog far behind it; the call
//! itself runs under a 50 ms budget. Both must end in `Ok` or a clean typed
//! error, a script with a raw NUL byte must be a compile error, a load must
//! never leave the sandbox poisoned (it returns to its state before),
//! the poison flag must match the call's error, and the sandbox must be
//! usable afterwards: an echo handler added before the script answers its
//! event exactly, or fails cleanly.

#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use warden::{
    CpuTimeMonitor, Error, LoadedJSSandbox, SandboxBuilder, Script, Snapshot,
    WallClockMonitor,
};
use warden_fuzz::{check_error, Watchdog};

const ECHO: &str = "function handler(event) { return event; }";
const TOP_LEVEL_BUDGET: Duration = Duration::from_millis(200);
const CALL_BUDGET: Duration = Duration::from_millis(50);
/// Far beyond the call budget: a kill from here means the monitors failed.
const BACKSTOP: Duration = Duration::from_secs(20);

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);

    let mut proto = SandboxBuilder::new()
        .guest_memory_limit(32 << 20)
        .max_event_size(64 << 10)
        .print_fn(|_, _| {})
        .build()
        .unwrap();
    proto
        .host_module("probe")
        .unwrap()
        .register_raw("echo", |args| Ok(args.to_owned()))
        .unwrap()
        .register("add", |a: f64, b: f64| a + b)
        .unwrap()
        .register_fallible("fail", |message: String| Err::<(), _>(message))
        .unwrap();
    let mut sandbox = proto.load_runtime().unwrap();
    sandbox
        .add_handler("echo", Script::from_content(ECHO))
        .unwrap();

    let load_budget = (
        WallClockMonitor::new(TOP_LEVEL_BUDGET).unwrap(),
        CpuTimeMonitor::new(TOP_LEVEL_BUDGET).unwrap(),
    );
    let watchdog = Watchdog::arm(sandbox.interrupt_handle(), BACKSTOP);
    let added =
        sandbox.add_handler_with_monitor("h", Script::from_content(source.as_ref()), &load_budget);
    assert!(
        !watchdog.disarm(),
        "the monitors did not stop the top-level code: {added:?}"
    );
    if source.contains('\0') {
        // The engine reads source as a C string: a raw NUL is refused up
        // front as a compile error.
        assert!(
            matches!(&added, Err(Error::Compile { handler, .. }) if handler == "h"),
            "a script with a NUL byte gave {added:?}"
        );
    }
    if let Err(error) = &added {
        check_error(error);
        // A kill names one of the load's monitors.
        if let Some(killer) = error.killer() {
            assert!(
                matches!(killer.monitor_name(), Some("wall-clock" | "cpu-time")),
                "{error}"
            );
        }
        // A failed load returns the sandbox to its state before: never
        // left poisoned, and the handlers added before are still there.
        assert!(
            !sandbox.poisoned(),
            "add_handler left the sandbox poisoned: {error}"
        );
        assert_eq!(sandbox.handler_names().collect::<Vec<_>>(), ["echo"]);
    } else {
        assert_eq!(sandbox.handler_names().collect::<Vec<_>>(), ["echo", "h"]);
    }

    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    let snapshot = loaded.snapshot().unwrap();
    if added.is_ok() {
        // Any clean outcome: the script is arbitrary.
        let _ = monitored_call(&mut loaded, &snapshot, "h", r#"{"n":3,"s":"x"}"#);
    }
    // Still usable, and the runtime's plumbing untouched. The script (its
    // top-level code and its handler) shares the global scope with echo: it
    // may have changed any global or built-in, or kept most of the memory
    // limit, so echo may fail cleanly (out of memory, or killed while the
    // collector works through a full heap); but an answer must be the exact
    // event.
    let echoed = monitored_call(&mut loaded, &snapshot, "echo", "[1]");
    if let Ok(answer) = echoed {
        assert_eq!(
            answer, "[1]",
            "the script changed how echo's event or result is handled"
        );
    }
    assert!(!loaded.poisoned());
});

/// Calls `handler` under the call budget; checks the outcome is clean and
/// the poison flag matches it; restores `snapshot` when poisoned. Returns
/// the call's result.
fn monitored_call(
    loaded: &mut LoadedJSSandbox,
    snapshot: &Snapshot,
    handler: &str,
    event: &str,
) -> warden::Result<String> {
    let monitors = (
        WallClockMonitor::new(CALL_BUDGET).unwrap(),
        CpuTimeMonitor::new(CALL_BUDGET).unwrap(),
    );
    let backstop = Watchdog::arm(loaded.interrupt_handle(), BACKSTOP);
    let result = loaded.handle_event_with_monitor(handler, event, &monitors, None);
    assert!(
        !backstop.disarm(),
        "the monitors did not stop the call: {result:?}"
    );
    let poisons = match &result {
        Ok(_) => false,
        Err(error) => {
            check_error(error);
            if let Error::Killed(killer) = error {
                assert!(
                    matches!(killer.monitor_name(), Some("wall-clock" | "cpu-time")),
                    "{killer:?}"
                );
            }
            error.poisons()
        }
    };
    assert_eq!(loaded.poisoned(), poisons, "{result:?}");
    if poisons {
        loaded.restore(snapshot).unwrap();
        assert!(!loaded.poisoned());
    }
    result
}
