//! A lane's worker thread: runs the sandbox's jobs one at a time.
//!
//! Waking a sleeping thread costs tens of microseconds on some machines, so
//! the worker spins a moment for its next job before it sleeps.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::outbox::{Message, Outbox};
use super::stage::{Job, Stage};
use crate::reply::Reply;

/// How long the worker waits for a next job before it sleeps.
const WORKER_SPIN: Duration = Duration::from_micros(200);
/// Native stack of worker threads: room for the largest wasm stack.
const WORKER_STACK: usize = 16 << 20;

/// A job and its ticket, as the worker receives them.
pub(super) type Ticketed = (u64, Job);

/// Starts the worker thread, sharing `stage` with the main thread's inline
/// calls (see [`Lane::run_inline`](super::Lane::run_inline)): it runs the
/// jobs of `inbox`, posts their replies to `outbox`, and refuses them once
/// `disposed` is set.
pub(super) fn spawn(
    stage: Arc<Mutex<Stage>>,
    inbox: mpsc::Receiver<Ticketed>,
    outbox: Arc<Outbox>,
    disposed: Arc<AtomicBool>,
) -> napi::Result<()> {
    std::thread::Builder::new()
        .name("warden-sandbox".into())
        .stack_size(WORKER_STACK)
        .spawn(move || work(stage, inbox, outbox, disposed))
        .map(drop)
        .map_err(|e| napi::Error::from_reason(format!("cannot start the sandbox thread: {e}")))
}

/// The worker thread: runs jobs in order until every lane handle is gone,
/// refusing them once the lane is disposed. A failed transition ends it at
/// once: the sandbox is gone, and its successor is never handed out, so no
/// job can follow.
fn work(
    stage: Arc<Mutex<Stage>>,
    inbox: mpsc::Receiver<Ticketed>,
    outbox: Arc<Outbox>,
    disposed: Arc<AtomicBool>,
) {
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
            return;
        }
    }
}

/// The next job: spins a moment before sleeping.
fn next_job(inbox: &mpsc::Receiver<Ticketed>) -> Option<Ticketed> {
    let start = Instant::now();
    loop {
        match inbox.try_recv() {
            Ok(job) => return Some(job),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) if start.elapsed() < WORKER_SPIN => {
                std::hint::spin_loop()
            }
            Err(mpsc::TryRecvError::Empty) => return inbox.recv().ok(),
        }
    }
}
