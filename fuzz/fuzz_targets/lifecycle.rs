//! An arbitrary sequence of operations on one sandbox: quick calls, a
//! spinning handler under a tiny monitor budget, kills from another thread
//! at a random moment, kills while idle, snapshots, restores (of the latest
//! or an older snapshot), unload + reload, and calls while poisoned.
//!
//! A model tracks what must hold after each step: the sandbox is poisoned
//! exactly when a call was killed and nothing restored or unloaded it since;
//! restore always clears poison and returns the handler state of its
//! snapshot; calls on a healthy sandbox succeed; calls on a poisoned one
//! return `Error::Poisoned` without running; kills while idle do nothing;
//! an interrupt handle taken at the start keeps reaching the sandbox across
//! unloads.

#![no_main]

// The test monitors of the library's integration tests (`Never`).
#[path = "../../crates/warden/tests/common/monitors.rs"]
mod monitors;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use monitors::Never;
use warden::{
    CpuTimeMonitor, Error, ExecutionMonitor, InterruptHandle, JSSandbox, Killer, LoadedJSSandbox,
    SandboxBuilder, Script, Snapshot, WallClockMonitor,
};
use warden_fuzz::{check_error, Watchdog};

const HANDLERS: [(&str, &str); 3] = [
    (
        "count",
        "let n = 0; export function handler(e) { n += 1; return n; }",
    ),
    ("spin", "function handler() { for (;;) {} }"),
    ("echo", "function handler(event) { return event; }"),
];

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Budget {
    Wall,
    Cpu,
    Both,
    Custom,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Op {
    /// Calls the counting handler.
    Count,
    /// Calls echo.
    Echo(u8),
    /// Runs the spinning handler under a budget of 1 to 4 ms.
    SpinMonitored(Budget, u8),
    /// Runs the spinning handler and kills it from another thread, `delay`
    /// microseconds after it started.
    KillSpin(u16),
    /// Calls the counting handler while another thread kills at a random
    /// moment, maybe before, during or after the call.
    KillRacingCount(u8),
    /// Kills while no call runs.
    KillIdle,
    Snapshot,
    /// Restores the snapshot `back` places from the latest.
    Restore(u8),
    /// Unloads and adds the handlers again.
    UnloadReload,
}

/// Fires after a delay: a custom monitor in the mix.
struct After(Duration);

impl ExecutionMonitor for After {
    fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
        Ok(warden::monitor::sleep(self.0))
    }
    fn name(&self) -> &'static str {
        "after"
    }
}

fn load(mut sandbox: JSSandbox) -> LoadedJSSandbox {
    for (name, source) in HANDLERS {
        sandbox
            .add_handler(name, Script::from_content(source))
            .unwrap();
    }
    sandbox.get_loaded_sandbox().unwrap()
}

struct State {
    /// `None` only while it is being unloaded.
    loaded: Option<LoadedJSSandbox>,
    handle: InterruptHandle,
    poisoned: bool,
    /// The counter's value, when known (unknown after a racing kill).
    n: Option<u64>,
    calls: u64,
    snapshots: Vec<(Snapshot, u64)>,
}

impl State {
    fn sb(&mut self) -> &mut LoadedJSSandbox {
        self.loaded.as_mut().unwrap()
    }

    /// Checks the outcome of a call on a poisoned sandbox; returns whether
    /// the sandbox was poisoned.
    fn refused_when_poisoned(&mut self, result: &warden::Result<String>) -> bool {
        if self.poisoned {
            assert!(matches!(result, Err(Error::Poisoned)), "{result:?}");
            assert_eq!(self.sb().last_call_stats().unwrap().terminated_by, None);
        }
        self.poisoned
    }

    fn killed(&mut self, result: &warden::Result<String>) -> Killer {
        let Err(error @ Error::Killed(killer)) = result else {
            panic!("expected a kill, got {result:?}");
        };
        check_error(error);
        assert_eq!(
            self.sb().last_call_stats().unwrap().terminated_by,
            Some(*killer)
        );
        self.poisoned = true;
        killer.clone()
    }

    fn counted(&mut self, result: &warden::Result<String>) {
        let value: u64 = result.as_ref().unwrap().parse().unwrap();
        if let Some(n) = self.n {
            assert_eq!(value, n + 1, "the counter skipped");
        }
        self.n = Some(value);
    }

    fn check(&mut self) {
        assert_eq!(self.sb().poisoned(), self.poisoned);
        assert_eq!(self.handle.is_poisoned(), self.poisoned);
        assert!(!self.handle.is_running());
        let status = self.sb().status();
        assert_eq!(status.poisoned, self.poisoned);
        assert_eq!(status.calls, self.calls);
    }

    fn step(&mut self, op: Op) {
        match op {
            Op::Count => {
                self.calls += 1;
                let result = self.sb().handle_event("count", "{}", None);
                if !self.refused_when_poisoned(&result) {
                    self.counted(&result);
                }
            }
            Op::Echo(i) => {
                self.calls += 1;
                let event = format!("[{i}]");
                let result = self.sb().handle_event("echo", &event, Some(i % 2 == 0));
                if !self.refused_when_poisoned(&result) {
                    assert_eq!(result.unwrap(), event);
                }
            }
            Op::SpinMonitored(budget, ms) => {
                self.calls += 1;
                let ms = Duration::from_millis(u64::from(ms % 4) + 1);
                let (wall, cpu) = (
                    WallClockMonitor::new(ms).unwrap(),
                    CpuTimeMonitor::new(ms).unwrap(),
                );
                let backstop = Watchdog::arm(self.handle.clone(), Duration::from_secs(20));
                let result = match budget {
                    Budget::Wall => self
                        .sb()
                        .handle_event_with_monitor("spin", "{}", &wall, None),
                    Budget::Cpu => self
                        .sb()
                        .handle_event_with_monitor("spin", "{}", &cpu, None),
                    Budget::Both => {
                        self.sb()
                            .handle_event_with_monitor("spin", "{}", &(wall, cpu), None)
                    }
                    Budget::Custom => {
                        self.sb()
                            .handle_event_with_monitor("spin", "{}", &(After(ms), Never), None)
                    }
                };
                assert!(!backstop.disarm(), "the monitor did not stop the call");
                if !self.refused_when_poisoned(&result) {
                    let killer = self.killed(&result);
                    let name = killer.monitor_name().expect("killed by a monitor");
                    let allowed: &[&str] = match budget {
                        Budget::Wall => &["wall-clock"],
                        Budget::Cpu => &["cpu-time"],
                        Budget::Both => &["wall-clock", "cpu-time"],
                        Budget::Custom => &["after"],
                    };
                    assert!(allowed.contains(&name), "{budget:?} killed by {name}");
                }
            }
            Op::KillSpin(delay) => {
                self.calls += 1;
                let stop = Arc::new(AtomicBool::new(false));
                let killer = {
                    let (handle, stop) = (self.handle.clone(), stop.clone());
                    thread::spawn(move || {
                        while !handle.is_running() {
                            if stop.load(Ordering::SeqCst) {
                                return false;
                            }
                            thread::yield_now();
                        }
                        thread::sleep(Duration::from_micros(u64::from(delay % 2000)));
                        handle.kill()
                    })
                };
                let result = self.sb().handle_event("spin", "{}", None);
                stop.store(true, Ordering::SeqCst);
                let kill_landed = killer.join().unwrap();
                if !self.refused_when_poisoned(&result) {
                    assert!(kill_landed);
                    assert_eq!(self.killed(&result), Killer::Handle);
                } else {
                    assert!(!kill_landed, "a kill landed on a poisoned sandbox");
                }
            }
            Op::KillRacingCount(spins) => {
                self.calls += 1;
                let handle = self.handle.clone();
                let killer = thread::spawn(move || {
                    for _ in 0..u32::from(spins) * 50 {
                        std::hint::spin_loop();
                    }
                    handle.kill()
                });
                let result = self.sb().handle_event("count", "{}", None);
                let kill_landed = killer.join().unwrap();
                if self.refused_when_poisoned(&result) {
                    assert!(!kill_landed, "a kill landed on a poisoned sandbox");
                } else {
                    match &result {
                        Ok(_) => self.counted(&result),
                        Err(_) => {
                            assert_eq!(self.killed(&result), Killer::Handle);
                            assert!(kill_landed, "killed without a kill landing");
                            // The count may or may not have happened.
                            self.n = None;
                        }
                    }
                }
            }
            Op::KillIdle => {
                assert!(!self.handle.kill(), "a kill while idle hit something");
            }
            Op::Snapshot => match self.sb().snapshot() {
                Ok(snapshot) => {
                    assert!(!self.poisoned);
                    let n = self.n.expect("a healthy sandbox knows its count");
                    self.snapshots.push((snapshot, n));
                    if self.snapshots.len() > 8 {
                        self.snapshots.remove(1);
                    }
                }
                Err(error) => {
                    assert!(self.poisoned && matches!(error, Error::Poisoned), "{error}");
                }
            },
            Op::Restore(back) => {
                let index = self.snapshots.len() - 1 - usize::from(back) % self.snapshots.len();
                let (snapshot, n) = self.snapshots[index].clone();
                self.sb().restore(&snapshot).unwrap();
                self.poisoned = false;
                self.n = Some(n);
            }
            Op::UnloadReload => {
                let sandbox = self.loaded.take().unwrap().unload().unwrap();
                assert!(!sandbox.poisoned());
                assert_eq!(sandbox.handler_names().count(), 0);
                self.loaded = Some(load(sandbox));
                self.poisoned = false;
                self.n = Some(0);
                self.calls = 0;
            }
        }
        self.check();
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let mut loaded = load(
        SandboxBuilder::new()
            .build()
            .unwrap()
            .load_runtime()
            .unwrap(),
    );
    let handle = loaded.interrupt_handle();
    let initial = loaded.snapshot().unwrap();
    let mut state = State {
        loaded: Some(loaded),
        handle,
        poisoned: false,
        n: Some(0),
        calls: 0,
        snapshots: vec![(initial, 0)],
    };
    state.check();
    for op in ops.into_iter().take(48) {
        state.step(op);
    }
    // Whatever happened, a restore makes the sandbox usable.
    state.step(Op::Restore(0));
    state.step(Op::Count);
    state.step(Op::Echo(0));
});
