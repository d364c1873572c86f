//! [`Watch`]: the monitor race of one call, handed to the runtime only if
//! the call lasts.
//!
//! Spawning a task per call would wake a runtime thread twice per call (to
//! start the race, then to abort it), which costs more than a short call
//! itself when cores are scarce. Instead a call's race waits in a queue.
//! One arming thread looks at the queue every [`TICK`] while calls are
//! monitored, and spawns the race of every call it finds still running on
//! two consecutive looks (so after one to two ticks). A call that ends
//! sooner never reaches the runtime: its race is dropped unpolled. The
//! arming thread parks when no monitored call is left.
//!
//! Budgets are unaffected because monitors take their start in
//! `get_monitor`, on the calling thread: a race armed late fires at once if
//! its deadline has passed. A budget too short to wait for the arming
//! thread ([`ARM_AT_ONCE`] or less) is armed when the call starts.

use std::mem;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::{self, Thread};
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::task::AbortHandle;

use super::runtime::monitor_runtime;
use super::set::Race;
use crate::engine::CallGate;
use crate::error::{Error, Killer, Result};

/// How often the arming thread looks at the queue while calls are watched.
const TICK: Duration = Duration::from_micros(500);

/// Races with a budget this short are armed when the call starts: waiting
/// one to two ticks, plus the runtime's millisecond timer, would let a call
/// run several times its budget.
const ARM_AT_ONCE: Duration = Duration::from_millis(10);

/// Watches call `seq` of a sandbox: kills that call (and no other) when its
/// race completes. Dropping the watch drops or aborts the race, so it never
/// outlives its call.
pub(crate) struct Watch {
    slot: Arc<Slot>,
    arming: &'static Arming,
}

/// A call's race, as the calling thread and the arming thread share it.
struct Slot(Mutex<Stage>);

enum Stage {
    /// Not yet handed to the runtime.
    Waiting {
        race: Race,
        gate: Arc<CallGate>,
        seq: u64,
    },
    /// Running on the runtime.
    Armed(AbortHandle),
    /// The call ended.
    Ended,
}

/// The queue of new races and the thread that arms them.
pub(crate) struct Arming {
    runtime: &'static Runtime,
    queue: Mutex<Vec<Arc<Slot>>>,
    /// Set while the arming thread is parked with nothing to watch.
    parked: AtomicBool,
    /// Races alive but not yet on the runtime.
    waiting: AtomicUsize,
    thread: Thread,
}

static ARMING: OnceLock<std::result::Result<Arming, String>> = OnceLock::new();

impl Arming {
    /// The arming thread, started on first use along with the runtime.
    pub(crate) fn get() -> Result<&'static Self> {
        ARMING
            .get_or_init(|| {
                let runtime = monitor_runtime()?;
                let thread = thread::Builder::new()
                    .name("warden-arming".into())
                    .spawn(|| {
                        if let Ok(arming) = ARMING.wait() {
                            arming.run();
                        }
                    })
                    .map_err(|e| format!("cannot start the monitor arming thread: {e}"))?;
                Ok(Arming {
                    runtime,
                    queue: Mutex::new(Vec::new()),
                    parked: AtomicBool::new(false),
                    waiting: AtomicUsize::new(0),
                    thread: thread.thread().clone(),
                })
            })
            .as_ref()
            .map_err(|e| Error::MonitorRuntime(e.clone()))
    }

    fn run(&self) {
        // Every race not yet armed or ended, with whether the last look
        // already saw it.
        let mut watched: Vec<(Arc<Slot>, bool)> = Vec::new();
        loop {
            watched.extend(lock(&self.queue).drain(..).map(|slot| (slot, false)));
            if watched.is_empty() {
                self.parked.store(true, Ordering::SeqCst);
                if lock(&self.queue).is_empty() {
                    thread::park();
                }
                self.parked.store(false, Ordering::SeqCst);
                continue;
            }
            thread::sleep(TICK);
            watched.retain_mut(|(slot, seen)| {
                let mut stage = slot.lock();
                if !matches!(*stage, Stage::Waiting { .. }) {
                    return false;
                }
                if !*seen {
                    *seen = true;
                    return true;
                }
                if let Stage::Waiting { race, gate, seq } = mem::replace(&mut *stage, Stage::Ended)
                {
                    *stage = Stage::Armed(self.spawn(race, gate, seq));
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                }
                false
            });
        }
    }

    fn spawn(&self, race: Race, gate: Arc<CallGate>, seq: u64) -> AbortHandle {
        self.runtime
            .spawn(async move {
                let fired = race.future.await;
                gate.kill_call(
                    seq,
                    Killer::Monitor {
                        name: fired.name,
                        budget: fired.budget,
                    },
                );
            })
            .abort_handle()
    }
}

/// How many monitor futures are alive right now, across all sandboxes
/// (0 before the first monitored call): each monitored call holds one while
/// it runs, waiting to be armed or running on the runtime. None outlives
/// its call for longer than it takes the runtime to drop it.
pub fn active_monitors() -> usize {
    match ARMING.get() {
        Some(Ok(arming)) => {
            arming.waiting.load(Ordering::SeqCst) + arming.runtime.metrics().num_alive_tasks()
        }
        _ => 0,
    }
}

impl Watch {
    /// Queues `race` to watch call `seq` of the sandbox behind `gate`.
    pub(crate) fn start(
        arming: &'static Arming,
        race: Race,
        gate: Arc<CallGate>,
        seq: u64,
    ) -> Self {
        if race
            .shortest_budget
            .is_some_and(|budget| budget <= ARM_AT_ONCE)
        {
            let slot = Arc::new(Slot(Mutex::new(Stage::Armed(
                arming.spawn(race, gate, seq),
            ))));
            return Self { slot, arming };
        }
        let slot = Arc::new(Slot(Mutex::new(Stage::Waiting { race, gate, seq })));
        arming.waiting.fetch_add(1, Ordering::SeqCst);
        lock(&arming.queue).push(slot.clone());
        if arming.parked.swap(false, Ordering::SeqCst) {
            arming.thread.unpark();
        }
        Self { slot, arming }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let stage = mem::replace(&mut *self.slot.lock(), Stage::Ended);
        match stage {
            Stage::Waiting { .. } => {
                self.arming.waiting.fetch_sub(1, Ordering::SeqCst);
            }
            Stage::Armed(task) => task.abort(),
            Stage::Ended => {}
        }
    }
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, Stage> {
        lock(&self.0)
    }
}

/// Locks a mutex whose data stays consistent even if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
