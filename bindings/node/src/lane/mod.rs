//! A lane: the thread a sandbox runs on, and the way back to JavaScript.
//!
//! Every sandbox lineage (JSSandbox → LoadedJSSandbox → JSSandbox ...) owns
//! one worker thread ([`worker`]) that runs its jobs one at a time, so
//! calls on one sandbox are serialized and the Node.js event loop runs no
//! guest code, except in an inline call ([`Lane::run_inline`], for
//! `callHandlerSync`), which the main thread runs itself while no job is in
//! flight: the sandbox is shared under a lock the worker takes for each job,
//! uncontended since the jobs are over. Everything the worker has for JavaScript goes through
//! one ordered [`outbox`]; the main thread's [`registry`] delivers it.
//!
//! Waking a sleeping thread costs tens of microseconds on some machines,
//! more than a whole small call. So both sides spin briefly before they
//! sleep: the worker for its next job, and the main thread, inside an async
//! method, for the job it just queued ([`Lane::submit`]). A call that
//! finishes within that spin settles its promise without any thread being
//! woken; a longer one is handed off, and the worker wakes the event loop
//! through the environment's [`doorbell`] when it is done.

mod doorbell;
mod outbox;
mod registry;
mod stage;
mod successor;
mod worker;

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use napi::Env;

pub(crate) use doorbell::install as install_doorbell;
pub(crate) use outbox::{Message, Outbox};
pub(crate) use registry::Deliver;
pub(crate) use stage::{Job, Stage};
pub(crate) use successor::Successor;

use crate::promise::{self, Promise};
use crate::reply::Reply;
use registry::{Pending, Waiting};

/// How long the main thread waits for a job it queued before handing it
/// off to the event loop (see [`spin`]).
const MAIN_SPIN: Duration = Duration::from_micros(50);

/// How long a thread may spin for what another thread does: `limit`, or no
/// time at all when this process runs on one processor, where the thread
/// it waits for cannot run until the spinning one stops.
fn spin(limit: Duration) -> Duration {
    static PARALLEL: OnceLock<bool> = OnceLock::new();
    let parallel = *PARALLEL
        .get_or_init(|| std::thread::available_parallelism().map_or(true, |cpus| cpus.get() > 1));
    if parallel {
        limit
    } else {
        Duration::ZERO
    }
}

/// A sandbox's worker thread and everything needed to talk to it.
pub(crate) struct Lane {
    /// The worker's job queue.
    jobs: mpsc::Sender<worker::Ticketed>,
    /// The lane's main-thread half.
    waiting: Rc<Waiting>,
    /// The ticket of the last job queued.
    next_ticket: Cell<u64>,
    /// Set by `dispose`: the worker refuses the jobs it has not started.
    disposed: Arc<AtomicBool>,
    /// The sandbox, which the worker locks for each job and an inline call
    /// for its own run.
    stage: Arc<Mutex<Stage>>,
}

thread_local! {
    /// Whether this thread is running an inline call, in which JavaScript
    /// host functions cannot run: the thread they would run on is busy
    /// with the call.
    static INLINE: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is inside [`Lane::run_inline`].
pub(crate) fn inline() -> bool {
    INLINE.with(Cell::get)
}

impl Lane {
    /// Starts the worker thread, owning `stage`.
    pub(crate) fn start(
        stage: Stage,
        outbox: Arc<Outbox>,
        deliver: Rc<dyn Deliver>,
    ) -> napi::Result<Self> {
        let waiting = registry::register(outbox.clone(), deliver);
        let (jobs, inbox) = mpsc::channel();
        let disposed = Arc::new(AtomicBool::new(false));
        let stage = Arc::new(Mutex::new(stage));
        worker::spawn(stage.clone(), inbox, outbox, disposed.clone())?;
        Ok(Self {
            jobs,
            waiting,
            next_ticket: Cell::new(0),
            disposed,
            stage,
        })
    }

    /// Runs `job` on this (the main) thread, blocking it, when no job of
    /// the lane is in flight; `None` when one is. Messages the job leaves
    /// (console lines) are delivered before this returns.
    pub(crate) fn run_inline(
        &self,
        env: &Env,
        job: impl FnOnce(&mut Stage) -> Reply,
    ) -> Option<Reply> {
        self.waiting.drain(env);
        if !self.waiting.pending.borrow().is_empty() || self.disposed.load(Ordering::SeqCst) {
            return None;
        }
        // Uncontended: the worker holds the lock only while it runs a job,
        // and every job's reply has been delivered.
        let mut stage = self.stage.lock().unwrap_or_else(PoisonError::into_inner);
        INLINE.with(|inline| inline.set(true));
        let reply = job(&mut stage);
        INLINE.with(|inline| inline.set(false));
        drop(stage);
        self.waiting.drain(env);
        Some(reply)
    }

    /// Queues `job` and returns a promise for its reply, or, for a
    /// transition, of its `successor` once the job succeeded. Waits a
    /// moment for the job to finish, delivering messages meanwhile, so
    /// short jobs settle without waking any thread.
    pub(crate) fn submit(
        &self,
        env: &Env,
        job: Job,
        successor: Option<Successor>,
    ) -> napi::Result<Promise> {
        let (deferred, promise) = promise::create(env)?;
        let ticket = self.next_ticket.get() + 1;
        self.next_ticket.set(ticket);
        let waiting = &self.waiting;
        let pending = Pending {
            deferred,
            handed_off: false,
            successor,
        };
        waiting.pending.borrow_mut().insert(ticket, pending);
        if self.jobs.send((ticket, job)).is_err() {
            if let Some(pending) = waiting.pending.borrow_mut().remove(&ticket) {
                let reply = Reply::Internal("the sandbox thread has stopped".into());
                waiting.settle(env, pending, reply);
            }
            return Ok(promise);
        }
        let outbox = &waiting.outbox;
        outbox.attended.store(true, Ordering::SeqCst);
        let start = Instant::now();
        loop {
            waiting.drain(env);
            let pending = waiting.pending.borrow().contains_key(&ticket);
            if !pending || start.elapsed() > spin(MAIN_SPIN) {
                break;
            }
            std::hint::spin_loop();
        }
        outbox.attended.store(false, Ordering::SeqCst);
        // A message pushed while the flag was still set rang no bell.
        waiting.drain(env);
        if let Some(pending) = waiting.pending.borrow_mut().get_mut(&ticket) {
            pending.handed_off = true;
            doorbell::hand_off(env, 1);
        }
        Ok(promise)
    }

    /// Makes the worker refuse every job it has not started; it stops, and
    /// frees the sandbox, once the lane is dropped.
    pub(crate) fn dispose(&self) {
        self.disposed.store(true, Ordering::SeqCst);
    }
}

impl fmt::Debug for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lane")
            .field("id", &self.waiting.outbox.id)
            .field("next_ticket", &self.next_ticket)
            .finish_non_exhaustive()
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        // The job channel closes with `self.jobs`: the worker finishes the
        // queued jobs and stops. Their promises still settle: the lane stays
        // registered until then. No N-API call here, so dropping is safe
        // at any time, including while Node.js shuts down.
        self.waiting.close();
    }
}
