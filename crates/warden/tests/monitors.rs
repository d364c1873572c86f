//! Execution monitors: built-in budgets, custom monitors, tuples, and the
//! orchestration around them.

mod common;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use common::monitors::Never;
use common::process::thread_count;
use common::{loaded, ECHO, SPIN};
use warden::monitor::{active_monitors, sleep};
use warden::{
    CpuTimeMonitor, Error, ExecutionMonitor, Killer, SandboxBuilder, Script, WallClockMonitor,
};

const MS: Duration = Duration::from_millis(1);

/// Fires after `delay`.
struct After(&'static str, Duration);

impl ExecutionMonitor for After {
    fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
        Ok(sleep(self.1))
    }
    fn name(&self) -> &'static str {
        self.0
    }
}

/// Refuses to start.
struct Refuse;

impl ExecutionMonitor for Refuse {
    fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
        Err::<std::future::Pending<()>, _>(Error::Internal("this monitor refuses to start".into()))
    }
    fn name(&self) -> &'static str {
        "refuse"
    }
}

fn spin_sandbox() -> (warden::LoadedJSSandbox, warden::Snapshot) {
    let mut loaded = loaded(&[("spin", SPIN), ("echo", ECHO)]);
    let snapshot = loaded.snapshot().unwrap();
    (loaded, snapshot)
}

fn killer_of(result: warden::Result<String>) -> Killer {
    match result {
        Err(Error::Killed(killer)) => killer,
        other => panic!("expected a kill, got {other:?}"),
    }
}

#[test]
fn zero_budgets_are_rejected() {
    assert!(matches!(
        WallClockMonitor::new(Duration::ZERO),
        Err(Error::InvalidConfig(_))
    ));
    assert!(matches!(
        CpuTimeMonitor::new(Duration::ZERO),
        Err(Error::InvalidConfig(_))
    ));
}

#[test]
fn the_wall_clock_monitor_kills_a_runaway_handler_and_names_itself() {
    let (mut loaded, _) = spin_sandbox();
    let monitor = WallClockMonitor::new(50 * MS).unwrap();
    let err = loaded
        .handle_event_with_monitor("spin", "{}", &monitor, None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the call was killed by the wall-clock monitor (budget 50ms); the sandbox is poisoned"
    );
    assert_eq!(
        err.killer(),
        Some(&Killer::Monitor {
            name: "wall-clock",
            budget: Some(50 * MS)
        })
    );
    assert!(loaded.poisoned());
    let stats = loaded.last_call_stats().unwrap();
    assert_eq!(
        stats.terminated_by,
        Some(Killer::Monitor {
            name: "wall-clock",
            budget: Some(50 * MS)
        })
    );
    assert!(
        stats.wall_time >= 50 * MS && stats.wall_time < Duration::from_secs(20),
        "{stats:?}"
    );
}

#[test]
fn the_cpu_time_monitor_kills_a_runaway_handler_after_its_cpu_budget() {
    let (mut loaded, _) = spin_sandbox();
    let monitor = CpuTimeMonitor::new(50 * MS).unwrap();
    let killer = killer_of(loaded.handle_event_with_monitor("spin", "{}", &monitor, None));
    assert_eq!(killer.monitor_name(), Some("cpu-time"));
    let stats = loaded.last_call_stats().unwrap();
    assert_eq!(
        stats.terminated_by,
        Some(Killer::Monitor {
            name: "cpu-time",
            budget: Some(50 * MS)
        })
    );
    let cpu = stats.guest_cpu_time.unwrap();
    assert!(cpu >= 50 * MS && cpu < Duration::from_secs(20), "{stats:?}");
}

#[test]
fn cpu_time_ignores_waiting_but_wall_clock_does_not() {
    let mut proto = SandboxBuilder::new().build().unwrap();
    proto
        .host_module("io")
        .unwrap()
        .register("wait", |ms: u64| thread::sleep(Duration::from_millis(ms)))
        .unwrap();
    let mut sandbox = proto.load_runtime().unwrap();
    sandbox
        .add_handler(
            "slow_io",
            Script::from_content("import { wait } from 'host:io'; export function handler() { wait(300); return 'done'; }"),
        )
        .unwrap();
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    let snapshot = loaded.snapshot().unwrap();
    // Waiting on the host uses no guest CPU: a 100 ms CPU budget holds.
    let cpu = CpuTimeMonitor::new(100 * MS).unwrap();
    assert_eq!(
        loaded
            .handle_event_with_monitor("slow_io", "{}", &cpu, None)
            .unwrap(),
        "\"done\""
    );
    let stats = loaded.last_call_stats().unwrap();
    assert!(
        stats.guest_cpu_time.unwrap() < stats.wall_time / 2,
        "{stats:?}"
    );
    // A wall-clock budget catches the held call.
    let both = (WallClockMonitor::new(100 * MS).unwrap(), cpu);
    let killer = killer_of(loaded.handle_event_with_monitor("slow_io", "{}", &both, None));
    assert_eq!(killer.monitor_name(), Some("wall-clock"));
    loaded.restore(&snapshot).unwrap();
}

/// Runs the spinning handler under `monitors`, checks `expected` killed
/// it, and restores.
fn expect_winner<M: warden::MonitorSet>(
    loaded: &mut warden::LoadedJSSandbox,
    snapshot: &warden::Snapshot,
    monitors: &M,
    expected: &str,
) {
    let killer = killer_of(loaded_call(loaded, monitors));
    assert_eq!(killer.monitor_name(), Some(expected));
    loaded.restore(snapshot).unwrap();
}

#[test]
fn any_member_of_a_tuple_can_win() {
    let (mut loaded, snapshot) = spin_sandbox();
    let (l, s) = (&mut loaded, &snapshot);
    let (fast, slow) = (20 * MS, Duration::from_secs(60));
    expect_winner(l, s, &(After("first", fast),), "first");
    expect_winner(
        l,
        s,
        &(After("first", fast), After("second", slow)),
        "first",
    );
    expect_winner(
        l,
        s,
        &(After("first", slow), After("second", fast)),
        "second",
    );
    expect_winner(
        l,
        s,
        &(After("a", slow), After("b", slow), After("c", fast)),
        "c",
    );
    let four = (
        After("a", slow),
        After("b", slow),
        After("c", slow),
        After("d", fast),
    );
    expect_winner(l, s, &four, "d");
    let names = ["p0", "p1", "p2", "p3", "p4"];
    for winner in 0..5 {
        let at = |i: usize| After(names[i], if i == winner { fast } else { slow });
        expect_winner(l, s, &(at(0), at(1), at(2), at(3), at(4)), names[winner]);
    }
    // Built-in and custom monitors mix.
    let mixed = (
        WallClockMonitor::new(Duration::from_secs(60)).unwrap(),
        Never,
        CpuTimeMonitor::new(20 * MS).unwrap(),
    );
    expect_winner(l, s, &mixed, "cpu-time");
}

fn loaded_call<M: warden::MonitorSet>(
    loaded: &mut warden::LoadedJSSandbox,
    monitors: &M,
) -> warden::Result<String> {
    loaded.handle_event_with_monitor("spin", "{}", monitors, None)
}

#[test]
fn a_one_tuple_acts_like_the_bare_monitor() {
    let (mut loaded, snapshot) = spin_sandbox();
    let bare = killer_of(loaded_call(
        &mut loaded,
        &WallClockMonitor::new(20 * MS).unwrap(),
    ));
    loaded.restore(&snapshot).unwrap();
    let tuple = killer_of(loaded_call(
        &mut loaded,
        &(WallClockMonitor::new(20 * MS).unwrap(),),
    ));
    assert_eq!(bare, tuple);
}

#[test]
fn one_monitor_value_serves_many_calls() {
    let (mut loaded, snapshot) = spin_sandbox();
    let monitors = (
        WallClockMonitor::new(100 * MS).unwrap(),
        CpuTimeMonitor::new(100 * MS).unwrap(),
    );
    for round in 0..5 {
        let event = format!("[{round}]");
        assert_eq!(
            loaded
                .handle_event_with_monitor("echo", &event, &monitors, None)
                .unwrap(),
            event
        );
        let result = loaded_call(&mut loaded, &monitors);
        assert!(
            matches!(result, Err(Error::Killed(Killer::Monitor { .. }))),
            "round {round}: {result:?}"
        );
        assert!(loaded.poisoned());
        assert!(matches!(
            loaded.handle_event_with_monitor("echo", "1", &monitors, None),
            Err(Error::Poisoned)
        ));
        loaded.restore(&snapshot).unwrap();
    }
}

#[test]
fn a_monitor_that_fails_to_start_means_the_handler_never_runs() {
    let mut proto = SandboxBuilder::new().build().unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    proto
        .host_module("probe")
        .unwrap()
        .register("ran", move || counter.fetch_add(1, Ordering::SeqCst))
        .unwrap();
    let mut sandbox = proto.load_runtime().unwrap();
    sandbox
        .add_handler(
            "effect",
            Script::from_content(
                "import { ran } from 'host:probe'; export function handler() { ran(); return 1; }",
            ),
        )
        .unwrap();
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    let wall = WallClockMonitor::new(Duration::from_secs(5)).unwrap();
    for result in [
        loaded.handle_event_with_monitor("effect", "{}", &Refuse, None),
        loaded.handle_event_with_monitor("effect", "{}", &(wall, Refuse), None),
        loaded.handle_event_with_monitor("effect", "{}", &(Refuse, wall), None),
        loaded.handle_event_with_monitor("effect", "{}", &(wall, Never, wall, wall, Refuse), None),
    ] {
        let err = result.unwrap_err();
        assert!(
            matches!(&err, Error::MonitorFailed { name: "refuse", reason } if reason.contains("refuses")),
            "{err}"
        );
        assert!(!err.poisons());
    }
    assert_eq!(runs.load(Ordering::SeqCst), 0, "the handler ran");
    assert!(!loaded.poisoned());
    assert_eq!(
        loaded
            .handle_event_with_monitor("effect", "{}", &wall, None)
            .unwrap(),
        "1"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn fast_handlers_are_never_killed() {
    let (mut loaded, _) = spin_sandbox();
    let monitors = (
        WallClockMonitor::new(Duration::from_secs(10)).unwrap(),
        CpuTimeMonitor::new(Duration::from_secs(10)).unwrap(),
    );
    for i in 0..500 {
        let event = format!("{{\"i\":{i}}}");
        assert_eq!(
            loaded
                .handle_event_with_monitor("echo", &event, &monitors, Some(i % 2 == 0))
                .unwrap(),
            event
        );
        assert_eq!(loaded.last_call_stats().unwrap().terminated_by, None);
    }
}

/// Fires only after blocking its runtime thread for a while, so aborting it
/// cannot stop it: only the per-call kill target keeps it off later calls.
struct StubbornLate(Duration);

impl ExecutionMonitor for StubbornLate {
    fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
        let delay = self.0;
        Ok(async move { thread::sleep(delay) })
    }
    fn name(&self) -> &'static str {
        "stubborn"
    }
}

#[test]
fn a_monitor_never_kills_a_later_call() {
    let mut loaded = loaded(&[
        ("echo", ECHO),
        ("busy", "function handler(e) { const end = Date.now() + e.ms; while (Date.now() < end) {} return e.ms; }"),
    ]);
    for _ in 0..10 {
        // The monitored call lasts long enough for its monitor to reach the
        // runtime, and ends long before the monitor fires...
        assert_eq!(
            loaded
                .handle_event_with_monitor("busy", r#"{"ms":5}"#, &StubbornLate(30 * MS), None)
                .unwrap(),
            "5"
        );
        // ...and the next call, running when it does, is untouched.
        assert_eq!(
            loaded.handle_event("busy", r#"{"ms":80}"#, None).unwrap(),
            "80"
        );
        let monitors = (
            WallClockMonitor::new(25 * MS).unwrap(),
            CpuTimeMonitor::new(25 * MS).unwrap(),
        );
        loaded
            .handle_event_with_monitor("busy", r#"{"ms":1}"#, &monitors, None)
            .unwrap();
        assert_eq!(
            loaded.handle_event("busy", r#"{"ms":60}"#, None).unwrap(),
            "60"
        );
    }
    assert!(!loaded.poisoned());
}

#[test]
fn a_monitor_that_fires_before_the_guest_is_entered_still_stops_the_call() {
    let (mut loaded, snapshot) = spin_sandbox();
    let wall = WallClockMonitor::new(MS).unwrap();
    let cpu = CpuTimeMonitor::new(MS).unwrap();
    let instant = After("instant", Duration::from_nanos(1));
    for i in 0..3000 {
        let result = match i % 3 {
            0 => loaded.handle_event_with_monitor("spin", "{}", &wall, None),
            1 => loaded.handle_event_with_monitor("spin", "{}", &cpu, None),
            _ => loaded.handle_event_with_monitor("spin", "{}", &instant, None),
        };
        assert!(
            matches!(result, Err(Error::Killed(Killer::Monitor { .. }))),
            "call {i}: {result:?}"
        );
        loaded.restore(&snapshot).unwrap();
    }
}

/// Records where each half of the monitor runs.
struct ThreadProbe {
    calling: Arc<Mutex<Option<ThreadId>>>,
    running: Arc<Mutex<Option<String>>>,
}

impl ExecutionMonitor for ThreadProbe {
    fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
        *self.calling.lock().unwrap() = Some(thread::current().id());
        let running = self.running.clone();
        Ok(async move {
            *running.lock().unwrap() = thread::current().name().map(str::to_owned);
        })
    }
    fn name(&self) -> &'static str {
        "thread-probe"
    }
}

#[test]
fn get_monitor_runs_on_the_calling_thread_and_the_future_on_the_runtime() {
    let (mut loaded, _) = spin_sandbox();
    let probe = ThreadProbe {
        calling: Arc::default(),
        running: Arc::default(),
    };
    let killer = killer_of(loaded_call(&mut loaded, &probe));
    assert_eq!(killer.monitor_name(), Some("thread-probe"));
    assert_eq!(*probe.calling.lock().unwrap(), Some(thread::current().id()));
    assert_eq!(
        probe.running.lock().unwrap().as_deref(),
        Some("warden-monitor")
    );
}

#[test]
fn manual_kills_are_reported_in_the_stats() {
    let (mut loaded, _) = spin_sandbox();
    let handle = loaded.interrupt_handle();
    let killer = thread::spawn(move || {
        while !handle.is_running() {
            thread::yield_now();
        }
        handle.kill()
    });
    let never = Never;
    let err = loaded
        .handle_event_with_monitor("spin", "{}", &never, None)
        .unwrap_err();
    killer.join().unwrap();
    assert!(matches!(err, Error::Killed(Killer::Handle)));
    assert_eq!(
        loaded.last_call_stats().unwrap().terminated_by,
        Some(Killer::Handle)
    );
}

/// Counts how often its future is first polled.
struct CountPolls(Arc<AtomicUsize>);

impl ExecutionMonitor for CountPolls {
    fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
        let polls = self.0.clone();
        Ok(async move {
            polls.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<()>().await;
        })
    }
    fn name(&self) -> &'static str {
        "count-polls"
    }
}

#[test]
fn short_calls_never_reach_the_monitor_runtime_but_long_ones_do() {
    let mut loaded = loaded(&[
        ("echo", ECHO),
        ("busy", "function handler(e) { const end = Date.now() + e.ms; while (Date.now() < end) {} return e.ms; }"),
    ]);
    let polls = Arc::new(AtomicUsize::new(0));
    let monitor = CountPolls(polls.clone());
    for _ in 0..200 {
        loaded
            .handle_event_with_monitor("echo", "{}", &monitor, None)
            .unwrap();
    }
    // Each echo lasts microseconds; only one preempted for a millisecond or
    // more (a loaded machine) reaches the runtime.
    let short = polls.swap(0, Ordering::SeqCst);
    assert!(
        short < 20,
        "{short} of 200 short calls started their monitor"
    );
    for _ in 0..5 {
        loaded
            .handle_event_with_monitor("busy", r#"{"ms":100}"#, &monitor, None)
            .unwrap();
    }
    assert_eq!(
        polls.load(Ordering::SeqCst),
        5,
        "every long call is watched"
    );
    // None outlives its call.
    let deadline = Instant::now() + Duration::from_secs(30);
    while active_monitors() > 0 && Instant::now() < deadline {
        thread::sleep(MS);
    }
    assert_eq!(active_monitors(), 0);
}

#[test]
fn a_thousand_monitored_calls_leave_no_threads_or_tasks_behind() {
    let (mut loaded, snapshot) = spin_sandbox();
    let monitors = (
        WallClockMonitor::new(Duration::from_secs(5)).unwrap(),
        CpuTimeMonitor::new(Duration::from_secs(5)).unwrap(),
    );
    // Start the runtime first; it is created once.
    loaded
        .handle_event_with_monitor("echo", "{}", &monitors, None)
        .unwrap();
    let threads = thread_count();
    for i in 0..1000 {
        if i % 100 == 99 {
            let kill = (
                WallClockMonitor::new(2 * MS).unwrap(),
                CpuTimeMonitor::new(2 * MS).unwrap(),
            );
            let result = loaded.handle_event_with_monitor("spin", "{}", &kill, None);
            assert!(
                matches!(result, Err(Error::Killed(Killer::Monitor { .. }))),
                "call {i}: {result:?}"
            );
            loaded.restore(&snapshot).unwrap();
        } else {
            loaded
                .handle_event_with_monitor("echo", "{}", &monitors, None)
                .unwrap();
        }
    }
    // Where threads cannot be counted (not Linux), both counts are `None`.
    let after = thread_count();
    assert!(
        after <= threads,
        "threads grew from {threads:?} to {after:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while active_monitors() > 0 && Instant::now() < deadline {
        thread::sleep(MS);
    }
    assert_eq!(active_monitors(), 0);
}

#[test]
fn budgets_past_the_clock_range_are_refused() {
    for budget in [
        Duration::MAX,
        warden::monitor::MAX_BUDGET + Duration::from_nanos(1),
        Duration::ZERO,
    ] {
        assert!(matches!(
            WallClockMonitor::new(budget),
            Err(Error::InvalidConfig(_))
        ));
        assert!(matches!(
            CpuTimeMonitor::new(budget),
            Err(Error::InvalidConfig(_))
        ));
    }
    let mut sandbox = loaded(&[("echo", ECHO)]);
    let longest = (
        WallClockMonitor::new(warden::monitor::MAX_BUDGET).unwrap(),
        CpuTimeMonitor::new(warden::monitor::MAX_BUDGET).unwrap(),
    );
    for _ in 0..2 {
        let result = sandbox.handle_event_with_monitor("echo", "[1]", &longest, None);
        assert_eq!(result.unwrap(), "[1]");
    }
}

/// A monitor whose kill never arrives on its own, as when the threads that
/// deliver kills run late on a loaded machine: its future is ready once its
/// deadline has passed, but never wakes anyone.
struct Late(Duration);

impl ExecutionMonitor for Late {
    fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
        let deadline = Instant::now() + self.0;
        Ok(std::future::poll_fn(move |_| {
            if Instant::now() >= deadline {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        }))
    }
    fn name(&self) -> &'static str {
        "late"
    }
    fn budget(&self) -> Option<Duration> {
        Some(self.0)
    }
}

#[test]
fn a_call_that_outlasts_its_budget_is_killed_even_when_the_kill_comes_late() {
    let mut loaded = loaded(&[
        ("echo", ECHO),
        ("busy", "function handler(e) { const end = Date.now() + e.ms; while (Date.now() < end) {} return e.ms; }"),
    ]);
    let snapshot = loaded.snapshot().unwrap();
    // Inside its budget, a call is untouched.
    let roomy = Late(Duration::from_secs(60));
    assert_eq!(
        loaded
            .handle_event_with_monitor("busy", r#"{"ms":20}"#, &roomy, None)
            .unwrap(),
        "20"
    );
    // Past it, the call counts as killed, for short and armed-late budgets.
    for budget in [Duration::from_millis(2), Duration::from_millis(11)] {
        let result = loaded.handle_event_with_monitor("busy", r#"{"ms":40}"#, &Late(budget), None);
        match result {
            Err(Error::Killed(killer)) => assert_eq!(
                killer,
                Killer::Monitor {
                    name: "late",
                    budget: Some(budget)
                }
            ),
            other => panic!("expected a kill by `late`, got {other:?}"),
        }
        assert!(loaded.poisoned());
        loaded.restore(&snapshot).unwrap();
        assert_eq!(loaded.handle_event("echo", "[4]", None).unwrap(), "[4]");
    }
}
