//! A lane's worker thread: runs the sandbox's jobs one at a time.
//!
//! Waking a sleeping thread costs tens of microseconds on some machines, so
//! the worker spins a moment for its next job before it sleeps.
//!
//! Starting a thread costs more than a whole small sandbox (its stack, and
//! the stack segment and signal stack of its first call into wasm). So a
//! worker whose lane has ended waits a while, [idle](IDLE), for the next
//! lane to start, and that lane takes it instead of starting a thread.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::outbox::{Message, Outbox};
use super::stage::{Job, Stage};
use crate::reply::Reply;

/// How long the worker waits for a next job before it sleeps (see
/// [`spin`](super::spin)).
const WORKER_SPIN: Duration = Duration::from_micros(200);
/// Native stack of worker threads: room for the largest wasm stack.
const WORKER_STACK: usize = 16 << 20;

/// The most workers that wait idle for a lane at once; a worker whose lane
/// ends when this many wait stops.
const MAX_IDLE: usize = 8;
/// How long an idle worker waits for a lane before it stops.
const IDLE_WAIT: Duration = Duration::from_secs(5);

/// A job and its ticket, as the worker receives them.
pub(super) type Ticketed = (u64, Job);

/// What a worker needs to work for a lane.
struct Assignment {
    stage: Arc<Mutex<Stage>>,
    inbox: mpsc::Receiver<Ticketed>,
    outbox: Arc<Outbox>,
    disposed: Arc<AtomicBool>,
}

/// An idle worker: its number and the way to hand it a lane.
type Idle = (u64, mpsc::Sender<Assignment>);

/// The idle workers. A lane is handed to one while this is locked, so a
/// worker that holds the lock and has received nothing is not being handed
/// one.
static IDLE: Mutex<Vec<Idle>> = Mutex::new(Vec::new());

/// Puts a worker to work for a lane, sharing `stage` with the main thread's
/// inline calls (see [`Lane::run_inline`](super::Lane::run_inline)): it
/// runs the jobs of `inbox`, posts their replies to `outbox`, and refuses
/// them once `disposed` is set. An idle worker takes it if there is one; a
/// new thread otherwise.
pub(super) fn spawn(
    stage: Arc<Mutex<Stage>>,
    inbox: mpsc::Receiver<Ticketed>,
    outbox: Arc<Outbox>,
    disposed: Arc<AtomicBool>,
) -> napi::Result<()> {
    let mut assignment = Assignment {
        stage,
        inbox,
        outbox,
        disposed,
    };
    {
        let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some((_, worker)) = idle.pop() {
            match worker.send(assignment) {
                Ok(()) => return Ok(()),
                Err(mpsc::SendError(back)) => assignment = back,
            }
        }
    }
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let number = NEXT.fetch_add(1, Ordering::Relaxed);
    let (handle, assignments) = mpsc::channel();
    std::thread::Builder::new()
        .name("warden-sandbox".into())
        .stack_size(WORKER_STACK)
        .spawn(move || {
            let mut next = Some(assignment);
            while let Some(assignment) = next {
                let stage = work(assignment);
                let idle = go_idle((number, handle.clone()));
                // Frees the sandbox, unless the lane still holds it; a next
                // lane may be waiting meanwhile.
                drop(stage);
                next = idle.then(|| next_lane(number, &assignments)).flatten();
            }
        })
        .map(drop)
        .map_err(|e| napi::Error::from_reason(format!("cannot start the sandbox thread: {e}")))
}

/// Makes `me` an idle worker, unless [`MAX_IDLE`] are already; whether it
/// is one.
fn go_idle(me: Idle) -> bool {
    let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
    let room = idle.len() < MAX_IDLE;
    if room {
        idle.push(me);
    }
    room
}

/// Waits, as idle worker `number`, for its next lane: `None` (the thread
/// stops) when none came within [`IDLE_WAIT`].
fn next_lane(number: u64, assignments: &mpsc::Receiver<Assignment>) -> Option<Assignment> {
    spin_then(assignments, |assignments| {
        if let Ok(assignment) = assignments.recv_timeout(IDLE_WAIT) {
            return Some(assignment);
        }
        let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
        // A lane handed over before the lock was taken has arrived by now.
        if let Ok(assignment) = assignments.try_recv() {
            return Some(assignment);
        }
        idle.retain(|(other, _)| *other != number);
        None
    })
}

/// Works for a lane: runs its jobs in order until every lane handle is
/// gone, refusing them once the lane is disposed. A failed transition ends
/// it at once: the sandbox is gone, and its successor is never handed out,
/// so no job can follow. Returns the stage, for the caller to free.
fn work(assignment: Assignment) -> Arc<Mutex<Stage>> {
    let Assignment {
        stage,
        inbox,
        outbox,
        disposed,
    } = assignment;
    while let Some((ticket, job)) = next_job(&inbox) {
        let refused = disposed.load(Ordering::SeqCst);
        let mut stage = stage.lock().unwrap_or_else(PoisonError::into_inner);
        let reply = if refused {
            // Free the sandbox at once, before the refusals are delivered.
            *stage = Stage::Empty;
            Reply::Disposed
        } else {
            job(&mut stage)
        };
        let ended = !refused && matches!(*stage, Stage::Empty);
        // Unlocked before the reply is out: once its promise settles, the
        // main thread may run an inline call.
        drop(stage);
        outbox.push(Message::Done(ticket, reply));
        if ended {
            break;
        }
    }
    stage
}

/// The next job: spins a moment before sleeping.
fn next_job(inbox: &mpsc::Receiver<Ticketed>) -> Option<Ticketed> {
    spin_then(inbox, |inbox| inbox.recv().ok())
}

/// The next message of `channel`: spins a moment for it (see
/// [`spin`](super::spin)), then leaves the wait to `block`; `None` once
/// every sender is gone.
fn spin_then<T>(
    channel: &mpsc::Receiver<T>,
    block: impl FnOnce(&mpsc::Receiver<T>) -> Option<T>,
) -> Option<T> {
    let start = Instant::now();
    loop {
        match channel.try_recv() {
            Ok(message) => return Some(message),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) if start.elapsed() < super::spin(WORKER_SPIN) => {
                std::hint::spin_loop()
            }
            Err(mpsc::TryRecvError::Empty) => return block(channel),
        }
    }
}
