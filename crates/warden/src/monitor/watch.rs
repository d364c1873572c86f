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
//!
//! A kill needs other threads to run (the timer, a runtime worker), and on
//! a loaded machine they may run late. So when a call ends after its
//! shortest budget, the calling thread looks at the race itself
//! ([`Watch::finish`]): a monitor that would fire now has fired, and the
//! call counts as killed by it even if the kill did not reach the guest in
//! time. Calls that end inside their budgets skip the look.

use std::mem;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::task::AbortHandle;

use super::runtime::monitor_runtime;
use super::set::Race;
use crate::engine::KillSwitch;
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
    /// When a monitor may first have fired: the call's start plus its
    /// shortest budget (`None` when no monitor states a budget).
    due: Option<Instant>,
}

/// A call's race, as the calling thread and the arming thread share it.
struct Slot(Mutex<Stage>);

enum Stage {
    /// Not yet handed to the runtime.
    Waiting {
        race: Race,
        gate: Arc<KillSwitch>,
        seq: u64,
    },
    /// Running on the runtime, which polls the race through `Shared`.
    Armed(AbortHandle, Arc<Shared>),
    /// The call ended.
    Ended,
}

/// A race on the runtime that the calling thread can still look at: taken
/// out (`None`) by whichever side finishes with it first.
struct Shared(Mutex<Option<Race>>);

impl Shared {
    /// Polls the race, if it is still here; `Ready` takes it out.
    fn poll(&self, cx: &mut Context<'_>) -> Poll<Option<Killer>> {
        let mut race = lock(&self.0);
        let Some(inner) = race.as_mut() else {
            return Poll::Ready(None);
        };
        match inner.future.as_mut().poll(cx) {
            Poll::Ready(fired) => {
                *race = None;
                Poll::Ready(Some(fired))
            }
            Poll::Pending => Poll::Pending,
        }
    }
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
                    *stage = self.spawn(race, gate, seq);
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                }
                false
            });
        }
    }

    fn spawn(&self, race: Race, gate: Arc<KillSwitch>, seq: u64) -> Stage {
        let shared = Arc::new(Shared(Mutex::new(Some(race))));
        let polled = shared.clone();
        let task = self.runtime.spawn(async move {
            if let Some(fired) = std::future::poll_fn(|cx| polled.poll(cx)).await {
                gate.kill_call(seq, fired);
            }
        });
        Stage::Armed(task.abort_handle(), shared)
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
        gate: Arc<KillSwitch>,
        seq: u64,
    ) -> Self {
        let budget = race.shortest_budget;
        let due = budget.and_then(|budget| Instant::now().checked_add(budget));
        if budget.is_some_and(|budget| budget <= ARM_AT_ONCE) {
            let slot = Arc::new(Slot(Mutex::new(arming.spawn(race, gate, seq))));
            return Self { slot, arming, due };
        }
        let slot = Arc::new(Slot(Mutex::new(Stage::Waiting { race, gate, seq })));
        arming.waiting.fetch_add(1, Ordering::SeqCst);
        lock(&arming.queue).push(slot.clone());
        if arming.parked.swap(false, Ordering::SeqCst) {
            arming.thread.unpark();
        }
        Self { slot, arming, due }
    }
}

impl Watch {
    /// Ends the watch as its call ends, and returns the monitor that fired
    /// if one would fire now but its kill has not reached the call. Past
    /// the shortest budget, the race is polled once on this thread, inside
    /// the monitor runtime (so that monitors built on its timers work).
    pub(crate) fn finish(self) -> Option<Killer> {
        if self.due.is_none_or(|due| Instant::now() < due) {
            return None;
        }
        let mut race = match mem::replace(&mut *self.slot.lock(), Stage::Ended) {
            Stage::Waiting { race, .. } => {
                self.arming.waiting.fetch_sub(1, Ordering::SeqCst);
                race
            }
            // Gone from `shared` when the runtime saw it fire (and killed).
            Stage::Armed(task, shared) => {
                task.abort();
                lock(&shared.0).take()?
            }
            Stage::Ended => return None,
        };
        let _runtime = self.arming.runtime.enter();
        match race
            .future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(fired) => Some(fired),
            Poll::Pending => None,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let stage = mem::replace(&mut *self.slot.lock(), Stage::Ended);
        match stage {
            Stage::Waiting { .. } => {
                self.arming.waiting.fetch_sub(1, Ordering::SeqCst);
            }
            Stage::Armed(task, _) => task.abort(),
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
