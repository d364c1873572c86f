//! The main-thread half of the lanes: the promises each lane's jobs will
//! settle, and the delivery of its messages.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use napi::Env;

use super::doorbell;
use super::outbox::{Message, Outbox};
use super::successor::Successor;
use crate::host::HostRequest;
use crate::promise::Deferred;
use crate::reply::Reply;

/// Turns one message into JavaScript effects, on the main thread.
pub(crate) trait Deliver {
    /// Handles a console line.
    fn print(&self, env: &Env, level: warden::LogLevel, line: String);
    /// Runs a host function.
    fn host_call(&self, env: &Env, request: HostRequest);
    /// Settles `deferred` with a job's reply.
    fn settle(&self, env: &Env, deferred: Deferred, reply: Reply);
}

thread_local! {
    /// This environment's lanes with something to deliver, by id.
    static LANES: RefCell<HashMap<u64, Rc<Waiting>>> = RefCell::default();
}

/// A promise waiting for its job.
pub(super) struct Pending {
    /// What settles the promise.
    pub(super) deferred: Deferred,
    /// Handed off to the event loop, which it keeps alive.
    pub(super) handed_off: bool,
    /// For a transition: what the promise resolves with when the job
    /// succeeds.
    pub(super) successor: Option<Successor>,
}

/// The main-thread half of a lane: promises waiting for jobs.
pub(super) struct Waiting {
    /// The lane's outbox.
    pub(super) outbox: Arc<Outbox>,
    /// What turns its messages into JavaScript effects.
    deliver: Rc<dyn Deliver>,
    /// Pending promises by ticket.
    pub(super) pending: RefCell<HashMap<u64, Pending>>,
    /// The lane is gone: forget it once nothing waits.
    closed: Cell<bool>,
}

/// Registers the main-thread half of a new lane, until it is closed and
/// nothing waits.
pub(super) fn register(outbox: Arc<Outbox>, deliver: Rc<dyn Deliver>) -> Rc<Waiting> {
    let waiting = Rc::new(Waiting {
        outbox,
        deliver,
        pending: RefCell::default(),
        closed: Cell::new(false),
    });
    LANES.with_borrow_mut(|lanes| lanes.insert(waiting.outbox.id, waiting.clone()));
    waiting
}

/// Delivers what lane `id` has queued, if it is still registered.
pub(super) fn deliver(env: &Env, id: u64) {
    let waiting = LANES.with_borrow(|lanes| lanes.get(&id).cloned());
    if let Some(waiting) = waiting {
        waiting.drain(env);
    }
}

impl Waiting {
    /// Delivers every queued message.
    pub(super) fn drain(&self, env: &Env) {
        self.outbox.rung.store(false, Ordering::SeqCst);
        while let Some(message) = self.outbox.pop() {
            match message {
                Message::Print(level, line) => self.deliver.print(env, level, line),
                Message::HostCall(request) => self.deliver.host_call(env, request),
                Message::Done(ticket, reply) => {
                    let entry = self.pending.borrow_mut().remove(&ticket);
                    if let Some(pending) = entry {
                        self.settle(env, pending, reply);
                    }
                }
            }
        }
        self.forget_if_done();
    }

    /// Settles a promise with its job's reply: a transition that succeeded
    /// resolves with its successor.
    pub(super) fn settle(&self, env: &Env, pending: Pending, reply: Reply) {
        if pending.handed_off {
            doorbell::hand_off(env, -1);
        }
        let reply = match (pending.successor.map(|next| next.release(env)), reply) {
            (Some(Ok(object)), Reply::Unit) => {
                // Ignored: it fails only when JavaScript cannot run (the
                // environment is closing) or an exception is pending (which
                // `js::call` never leaves); nothing could settle it then.
                let _ = pending.deferred.settle(env, true, object);
                return;
            }
            (Some(Err(error)), Reply::Unit) => Reply::Internal(error.to_string()),
            (_, reply) => reply,
        };
        self.deliver.settle(env, pending.deferred, reply);
    }

    /// Marks the lane gone: it is forgotten once no promise waits.
    pub(super) fn close(&self) {
        self.closed.set(true);
        self.forget_if_done();
    }

    /// Drops the registration once the lane is gone and no promise waits.
    fn forget_if_done(&self) {
        if self.closed.get() && self.pending.borrow().is_empty() {
            let id = self.outbox.id;
            // Removing may drop the last `Rc` of `self`: do it last.
            let removed = LANES.with_borrow_mut(|lanes| lanes.remove(&id));
            drop(removed);
        }
    }
}
