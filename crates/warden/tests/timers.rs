//! Timers in the sandbox: a handler that awaits one really waits, without
//! CPU, and a budget or a kill ends the wait at once.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{js_sandbox, load, loaded, ECHO};
use warden::{CpuTimeMonitor, Error, Killer, Script, WallClockMonitor};

const MS: Duration = Duration::from_millis(1);

/// Waits `event.ms` on a timer, then answers how long it waited.
const SLEEP: &str = "export function handler(event) {
    const t0 = performance.now();
    return new Promise((resolve) => setTimeout(() => resolve(performance.now() - t0), event.ms));
}";

/// Ticks forever and never settles: only a budget ends it.
const TICK_FOREVER: &str = "export function handler() {
    return new Promise(() => setInterval(() => {}, 5));
}";

/// Counts the timers that ever ran in this sandbox, after waiting a little.
const COUNT: &str = "let fired = 0;
export function handler(event) {
    if (event.leave) { setInterval(() => { fired += 1; }, 0); return 'left one set'; }
    return new Promise((resolve) => setTimeout(() => resolve(fired), 20));
}";

fn killer_of(result: warden::Result<String>) -> Killer {
    match result {
        Err(Error::Killed(killer)) => killer,
        other => panic!("expected a kill, got {other:?}"),
    }
}

#[test]
fn a_handler_awaiting_a_timer_waits_for_it_without_cpu() {
    let mut loaded = loaded(&[("sleep", SLEEP)]);
    let start = Instant::now();
    let waited: f64 = loaded
        .handle_event("sleep", r#"{"ms":200}"#, None)
        .unwrap()
        .parse()
        .unwrap();
    assert!(start.elapsed() >= 200 * MS);
    assert!(waited >= 199.0, "{waited}");
    // Waiting is not CPU: a 100 ms CPU budget holds a 300 ms wait.
    let cpu = CpuTimeMonitor::new(100 * MS).unwrap();
    let waited: f64 = loaded
        .handle_event_with_monitor("sleep", r#"{"ms":300}"#, &cpu, None)
        .unwrap()
        .parse()
        .unwrap();
    assert!(waited >= 299.0, "{waited}");
    let stats = loaded.last_call_stats().unwrap();
    assert!(
        stats.guest_cpu_time.unwrap() < stats.wall_time / 2,
        "{stats:?}"
    );
}

#[test]
fn a_wall_clock_budget_ends_a_wait_on_a_timer_at_the_budget() {
    let mut loaded = loaded(&[("sleep", SLEEP), ("echo", ECHO)]);
    let snapshot = loaded.snapshot().unwrap();
    let budget = WallClockMonitor::new(100 * MS).unwrap();
    let start = Instant::now();
    let killer =
        killer_of(loaded.handle_event_with_monitor("sleep", r#"{"ms":60000}"#, &budget, None));
    let took = start.elapsed();
    assert_eq!(killer.monitor_name(), Some("wall-clock"));
    // The kill lands at the budget, not when the timer would fire; the
    // bound is generous for a loaded machine.
    assert!(took >= 100 * MS, "{took:?}");
    assert!(took < 5_000 * MS, "{took:?}");
    assert!(loaded.poisoned());
    loaded.restore(&snapshot).unwrap();
    assert_eq!(loaded.handle_event("echo", "{}", None).unwrap(), "{}");
}

#[test]
fn an_interval_that_never_settles_ends_by_its_budget_under_either_tuple_member() {
    let mut loaded = loaded(&[("tick", TICK_FOREVER)]);
    let snapshot = loaded.snapshot().unwrap();
    // Ticking every 5 ms costs little CPU: the wall-clock member fires.
    let both = (
        WallClockMonitor::new(150 * MS).unwrap(),
        CpuTimeMonitor::new(10_000 * MS).unwrap(),
    );
    let killer = killer_of(loaded.handle_event_with_monitor("tick", "{}", &both, None));
    assert_eq!(killer.monitor_name(), Some("wall-clock"));
    loaded.restore(&snapshot).unwrap();
    let killer = killer_of(loaded.handle_event_with_monitor(
        "tick",
        "{}",
        &WallClockMonitor::new(50 * MS).unwrap(),
        None,
    ));
    assert_eq!(killer.monitor_name(), Some("wall-clock"));
}

#[test]
fn a_kill_from_another_thread_ends_a_wait_on_a_timer() {
    let mut loaded = loaded(&[("sleep", SLEEP)]);
    let handle = loaded.interrupt_handle();
    let killer = thread::spawn(move || {
        thread::sleep(100 * MS);
        handle.kill()
    });
    let start = Instant::now();
    let outcome = loaded.handle_event("sleep", r#"{"ms":60000}"#, None);
    let took = start.elapsed();
    assert!(killer.join().unwrap(), "the kill found no call running");
    assert!(
        matches!(outcome, Err(Error::Killed(Killer::Handle))),
        "{outcome:?}"
    );
    assert!(took < 5_000 * MS, "{took:?}");
}

#[test]
fn timers_left_set_do_not_outlive_their_call_or_a_restore() {
    let mut loaded = loaded(&[("count", COUNT), ("tick", TICK_FOREVER)]);
    let snapshot = loaded.snapshot().unwrap();
    assert_eq!(
        loaded
            .handle_event("count", r#"{"leave":true}"#, None)
            .unwrap(),
        "\"left one set\""
    );
    assert_eq!(loaded.handle_event("count", "{}", None).unwrap(), "0");
    // A call killed while its timers are set: the restored sandbox has none.
    let budget = WallClockMonitor::new(50 * MS).unwrap();
    killer_of(loaded.handle_event_with_monitor("tick", "{}", &budget, None));
    loaded.restore(&snapshot).unwrap();
    assert_eq!(loaded.handle_event("count", "{}", None).unwrap(), "0");
}

#[test]
fn a_load_awaiting_a_timer_waits_and_a_budget_ends_one_that_never_settles() {
    let loaded_late = "const value = await new Promise((resolve) => setTimeout(() => resolve('loaded late'), 50));
        export function handler() { return value; }";
    let mut late = load(js_sandbox(), &[("late", loaded_late)]);
    assert_eq!(
        late.handle_event("late", "{}", None).unwrap(),
        "\"loaded late\""
    );

    let mut sandbox = js_sandbox();
    let budget = WallClockMonitor::new(100 * MS).unwrap();
    let start = Instant::now();
    let outcome = sandbox.add_handler_with_monitor(
        "never",
        Script::from_content(
            "await new Promise(() => setInterval(() => {}, 5));
             export function handler() { return 1; }",
        ),
        &budget,
    );
    let killer = outcome.expect_err("the load is killed");
    assert_eq!(
        killer.killer().and_then(Killer::monitor_name),
        Some("wall-clock"),
        "{killer:?}"
    );
    assert!(start.elapsed() < 5_000 * MS);
}
