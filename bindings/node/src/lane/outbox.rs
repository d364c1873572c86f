//! A lane's outbox: everything the worker has for JavaScript, in order.
//!
//! Console lines, host-function calls and finished jobs all go through one
//! queue, so a call's console lines always arrive before its promise
//! settles.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::doorbell::{self, Doorbell};
use crate::host::HostRequest;
use crate::reply::Reply;

/// Something the worker hands to JavaScript.
pub(crate) enum Message {
    /// A `console` line.
    Print(warden::LogLevel, String),
    /// A call to a JavaScript host function.
    HostCall(HostRequest),
    /// Job `ticket` finished.
    Done(u64, Reply),
}

/// The id of the next lane.
static NEXT_LANE: AtomicU64 = AtomicU64::new(1);

/// The worker's way to JavaScript, shared by the worker, host functions
/// and the print function.
pub(crate) struct Outbox {
    /// The lane's id, which its doorbell rings name.
    pub(super) id: u64,
    /// The doorbell of the environment that made the lane.
    bell: Arc<Doorbell>,
    /// Messages not yet delivered.
    queue: Mutex<VecDeque<Message>>,
    /// The main thread is spinning on this outbox and will see new messages.
    pub(super) attended: AtomicBool,
    /// The doorbell has been rung and not yet answered.
    pub(super) rung: AtomicBool,
}

impl Outbox {
    /// A new outbox, ringing the calling environment's doorbell.
    pub(crate) fn new() -> napi::Result<Arc<Self>> {
        Ok(Arc::new(Self {
            id: NEXT_LANE.fetch_add(1, Ordering::Relaxed),
            bell: doorbell::current()?,
            queue: Mutex::new(VecDeque::new()),
            attended: AtomicBool::new(false),
            rung: AtomicBool::new(false),
        }))
    }

    /// Queues a message, waking the event loop unless the main thread is
    /// already watching.
    pub(crate) fn push(&self, message: Message) {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(message);
        if !self.attended.load(Ordering::SeqCst) && !self.rung.swap(true, Ordering::SeqCst) {
            self.bell.ring(self.id);
        }
    }

    /// The oldest message not yet delivered.
    pub(super) fn pop(&self) -> Option<Message> {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }
}
