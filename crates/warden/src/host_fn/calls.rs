//! [`HostCalls`]: one sandbox's asynchronous host calls in flight, and the
//! answers of those that finished.
//!
//! Each call's future is spawned on the host runtime; when it finishes, its
//! answer joins the finished queue and the sandbox's guest is woken from
//! its wait. Ending a call to the guest aborts every future still running
//! (the runtime drops it) and empties the queue; a generation number,
//! bumped at that moment, keeps an answer that races the abort out of the
//! next call.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::task::AbortHandle;

use super::asynchronous::{AnswerFuture, RawAsyncHostFn};
use super::runtime;
use super::{Answer, HostArgs};
use crate::metrics;

/// Ends the guest's wait, once an answer is queued.
pub(crate) type Wake = Arc<dyn Fn() + Send + Sync>;

/// The finished answers, shared with the running futures.
struct Finished {
    /// Bumped by every [`HostCalls::cancel_all`].
    generation: u64,
    answers: VecDeque<(u32, Answer)>,
}

struct Shared {
    finished: Mutex<Finished>,
    /// Ends the guest's wait when a call finishes.
    wake: Wake,
}

impl Shared {
    fn finished(&self) -> std::sync::MutexGuard<'_, Finished> {
        self.finished.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One sandbox's asynchronous host calls.
pub(crate) struct HostCalls {
    next_id: u32,
    running: HashMap<u32, AbortHandle>,
    /// Calls started since the last `cancel_all` of each function that has
    /// a per-call limit.
    started: HashMap<(String, String), u32>,
    shared: Arc<Shared>,
}

/// The largest call id; ids wrap around to 1 after it (0 means none).
const MAX_ID: u32 = warden_abi::MAX_CALL_ID;

impl HostCalls {
    /// No calls; `wake` is called whenever one finishes.
    pub(crate) fn new(wake: Wake) -> Self {
        Self {
            next_id: 0,
            running: HashMap::new(),
            started: HashMap::new(),
            shared: Arc::new(Shared {
                finished: Mutex::new(Finished {
                    generation: 0,
                    answers: VecDeque::new(),
                }),
                wake,
            }),
        }
    }

    /// Starts `function` with `args` (a JSON array); the call's id. A
    /// function with a per-call limit that many calls started already is
    /// refused.
    ///
    /// The future is polled once on the calling thread (inside the host
    /// runtime's context): one that is ready at once, such as a cache hit,
    /// answers without a thread hand-off. One that is not is spawned on the
    /// host runtime, which polls it again with its own waker.
    pub(crate) fn start(
        &mut self,
        (module, name): (&str, &str),
        (function, per_call): (&RawAsyncHostFn, Option<u32>),
        args: HostArgs,
    ) -> Result<u32, String> {
        if let Some(limit) = per_call {
            let started = self
                .started
                .entry((module.to_owned(), name.to_owned()))
                .or_default();
            if *started >= limit {
                return Err(format!(
                    "the call already made {limit} of these requests, the most one call may make"
                ));
            }
            *started += 1;
        }
        let handle = runtime::handle()?;
        let began = Instant::now();
        let record = {
            let (module, name) = (module.to_owned(), name.to_owned());
            move |answer: &Answer| {
                metrics::record_host_call(&module, &name, began.elapsed(), answer.is_ok())
            }
        };
        self.next_id = if self.next_id >= MAX_ID {
            1
        } else {
            self.next_id + 1
        };
        let id = self.next_id;
        let future = {
            let _context = handle.enter();
            let mut future = CatchUnwind(function(args));
            let mut context = Context::from_waker(std::task::Waker::noop());
            match Pin::new(&mut future).poll(&mut context) {
                Poll::Ready(answer) => {
                    record(&answer);
                    self.shared.finished().answers.push_back((id, answer));
                    return Ok(id);
                }
                Poll::Pending => future,
            }
        };
        let shared = self.shared.clone();
        let generation = shared.finished().generation;
        let in_flight = metrics::InFlightGauge::new();
        let task = handle.spawn(async move {
            let answer = future.await;
            // Counted as done before the guest can see the answer (an aborted
            // call drops the gauge with the task).
            drop(in_flight);
            record(&answer);
            let mut finished = shared.finished();
            if finished.generation == generation {
                finished.answers.push_back((id, answer));
                drop(finished);
                (shared.wake)();
            }
        });
        self.running.insert(id, task.abort_handle());
        Ok(id)
    }

    /// Takes the next finished call's answer.
    pub(crate) fn take(&mut self) -> Option<(u32, Answer)> {
        let (id, answer) = self.shared.finished().answers.pop_front()?;
        self.running.remove(&id);
        Some((id, answer))
    }

    /// A predicate that holds once a call has finished, for waiting on.
    pub(crate) fn any_finished(&self) -> impl Fn() -> bool + use<> {
        let shared = self.shared.clone();
        move || !shared.finished().answers.is_empty()
    }

    /// Drops every call in flight and every answer not taken.
    pub(crate) fn cancel_all(&mut self) {
        for (_, task) in self.running.drain() {
            task.abort();
        }
        self.started.clear();
        let mut finished = self.shared.finished();
        finished.generation += 1;
        finished.answers.clear();
    }
}

impl Drop for HostCalls {
    fn drop(&mut self) {
        self.cancel_all();
    }
}

/// A host future whose panic becomes an error answer.
struct CatchUnwind(AnswerFuture);

impl Future for CatchUnwind {
    type Output = Answer;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Answer> {
        let future = &mut self.0;
        catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx)))
            .unwrap_or_else(|_| Poll::Ready(Err("the host function panicked".to_owned())))
    }
}
