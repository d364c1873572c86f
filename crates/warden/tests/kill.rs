//! Killing calls from other threads.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{js_sandbox, loaded, loaded_from, ECHO, SPIN};
use warden::{Error, InterruptHandle, Killer, SandboxBuilder, Script};

/// Kills through `handle` once a call is running and `delay` has passed.
fn kill_after(handle: InterruptHandle, delay: Duration) -> thread::JoinHandle<bool> {
    thread::spawn(move || {
        while !handle.is_running() {
            thread::yield_now();
        }
        thread::sleep(delay);
        handle.kill()
    })
}

#[test]
fn a_tight_loop_is_killed_from_another_thread() {
    let mut loaded = loaded(&[("echo", ECHO), ("spin", SPIN)]);
    let snapshot = loaded.snapshot().unwrap();
    let killer = kill_after(loaded.interrupt_handle(), Duration::from_millis(20));
    let start = Instant::now();
    let err = loaded.handle_event("spin", "{}", None).unwrap_err();
    assert!(killer.join().unwrap());
    assert!(matches!(err, Error::Killed(Killer::Handle)), "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(loaded.poisoned());
    assert!(matches!(
        loaded.handle_event("echo", "{}", None),
        Err(Error::Poisoned)
    ));
    loaded.restore(&snapshot).unwrap();
    assert!(!loaded.poisoned());
    assert_eq!(loaded.handle_event("echo", "[1]", None).unwrap(), "[1]");
}

#[test]
fn kills_reach_into_the_engines_c_code() {
    let mut loaded = loaded(&[
        // Catastrophic backtracking: all the time is spent in the regex engine.
        ("regex", "function handler() { return /(a+)+b/.test('a'.repeat(40)); }"),
        // One huge sort, inside the engine's own sort.
        (
            "sort",
            "function handler() {
                const a = [];
                for (let i = 0; i < 3000000; i++) a.push((i * 7919) % 1000003);
                for (;;) a.slice().sort((x, y) => x - y);
            }",
        ),
        (
            "json",
            "function handler() {
                const big = JSON.stringify(Array.from({ length: 200000 }, (_, i) => ({ i, s: 'x'.repeat(20) })));
                for (;;) JSON.parse(big);
            }",
        ),
    ]);
    let snapshot = loaded.snapshot().unwrap();
    for name in ["regex", "sort", "json"] {
        let killer = kill_after(loaded.interrupt_handle(), Duration::from_millis(50));
        let err = loaded.handle_event(name, "{}", None).unwrap_err();
        killer.join().unwrap();
        assert!(
            matches!(err, Error::Killed(Killer::Handle)),
            "{name}: {err}"
        );
        loaded.restore(&snapshot).unwrap();
    }
}

#[test]
fn a_kill_racing_the_start_of_a_call_is_never_lost() {
    // The killer fires the moment the call is marked running, which is
    // before the guest is entered. Every one of these calls must end killed;
    // a lost kill would hang the test.
    let mut loaded = loaded(&[("spin", SPIN)]);
    let snapshot = loaded.snapshot().unwrap();
    let handle = loaded.interrupt_handle();
    let done = Arc::new(AtomicBool::new(false));
    let stop = done.clone();
    let killer = thread::spawn(move || {
        let mut kills = 0;
        while !stop.load(Ordering::Relaxed) {
            if handle.kill() {
                kills += 1;
            }
        }
        kills
    });
    for _ in 0..2000 {
        let err = loaded.handle_event("spin", "{}", None).unwrap_err();
        assert!(matches!(err, Error::Killed(Killer::Handle)), "{err}");
        loaded.restore(&snapshot).unwrap();
    }
    done.store(true, Ordering::Relaxed);
    assert_eq!(killer.join().unwrap(), 2000);
}

#[test]
fn a_waiting_host_function_sees_the_kill_and_gives_up() {
    let mut proto = SandboxBuilder::new().build().unwrap();
    let slot: Arc<std::sync::Mutex<Option<InterruptHandle>>> = Arc::default();
    let own = slot.clone();
    proto
        .host_module("net")
        .unwrap()
        .register_fallible("wait_forever", move || -> Result<(), String> {
            let handle = own.lock().unwrap().clone().unwrap();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(60) {
                if handle.kill_requested() {
                    return Err("cancelled".into());
                }
                thread::sleep(Duration::from_millis(1));
            }
            Ok(())
        })
        .unwrap();
    let mut sandbox = proto.load_runtime().unwrap();
    sandbox
        .add_handler(
            "h",
            Script::from_content("import { wait_forever } from 'host:net'; export function handler() { wait_forever(); }"),
        )
        .unwrap();
    let handle = sandbox.interrupt_handle();
    *slot.lock().unwrap() = Some(handle.clone());
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    assert!(!handle.kill_requested());
    let killer = kill_after(handle.clone(), Duration::from_millis(30));
    let start = Instant::now();
    let err = loaded.handle_event("h", "{}", None).unwrap_err();
    assert!(killer.join().unwrap());
    assert!(matches!(err, Error::Killed(Killer::Handle)), "{err}");
    assert!(start.elapsed() < Duration::from_secs(30));
    assert!(!handle.kill_requested(), "the request ends with the call");
}

#[test]
fn a_kill_while_idle_does_nothing_to_later_calls() {
    let mut loaded = loaded(&[("echo", ECHO)]);
    let handle = loaded.interrupt_handle();
    assert!(!handle.kill());
    assert!(!handle.is_running());
    assert_eq!(loaded.handle_event("echo", "1", None).unwrap(), "1");
    assert!(!loaded.poisoned());
}

#[test]
fn kills_racing_call_completion_are_safe() {
    let mut loaded = loaded(&[("echo", ECHO)]);
    let snapshot = loaded.snapshot().unwrap();
    let handle = loaded.interrupt_handle();
    let done = Arc::new(AtomicBool::new(false));
    let stop = done.clone();
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    let killer = thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            handle.kill();
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let (mut ok, mut killed) = (0, 0);
    for i in 0..3000 {
        let event = format!("{{\"i\":{i}}}");
        match loaded.handle_event("echo", &event, Some(false)) {
            Ok(result) => {
                assert_eq!(result, event);
                ok += 1;
            }
            Err(Error::Killed(Killer::Handle)) => {
                killed += 1;
                loaded.restore(&snapshot).unwrap();
            }
            Err(other) => panic!("call {i}: unexpected {other}"),
        }
    }
    done.store(true, Ordering::Relaxed);
    killer.join().unwrap();
    assert_eq!(ok + killed, 3000);
    assert!(attempts.load(Ordering::Relaxed) > 0);
}

#[test]
fn a_kill_lands_while_a_host_function_runs() {
    let mut proto = SandboxBuilder::new().build().unwrap();
    let slot: Arc<std::sync::Mutex<Option<InterruptHandle>>> = Arc::default();
    let own = slot.clone();
    proto
        .host_module("self")
        .unwrap()
        .register("kill", move || own.lock().unwrap().as_ref().unwrap().kill())
        .unwrap();
    let mut loaded = loaded_from(
        proto,
        &[(
            "h",
            "import { kill } from 'host:self';
             export function handler() { kill(); for (;;) {} }",
        )],
    );
    *slot.lock().unwrap() = Some(loaded.interrupt_handle());
    let err = loaded.handle_event("h", "{}", None).unwrap_err();
    assert!(matches!(err, Error::Killed(Killer::Handle)), "{err}");
}

#[test]
fn an_endless_top_level_loop_can_be_killed_while_adding_and_the_sandbox_recovers() {
    let mut sandbox = js_sandbox();
    sandbox
        .add_handler("echo", Script::from_content(ECHO))
        .unwrap();
    let killer = kill_after(sandbox.interrupt_handle(), Duration::from_millis(20));
    let err = sandbox
        .add_handler(
            "stuck",
            Script::from_content("for (;;) {} function handler() {}"),
        )
        .unwrap_err();
    killer.join().unwrap();
    assert!(
        matches!(&err, Error::LoadAborted { handler, cause }
            if handler == "stuck" && matches!(**cause, Error::Killed(Killer::Handle))),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "handler \"stuck\" was not added: the call was killed by InterruptHandle::kill; \
         the sandbox is as it was before"
    );
    assert_eq!(err.killer(), Some(&Killer::Handle));
    assert!(!err.poisons() && !sandbox.poisoned());
    assert_eq!(sandbox.handler_names().collect::<Vec<_>>(), ["echo"]);
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    assert_eq!(loaded.handle_event("echo", "2", None).unwrap(), "2");
}
