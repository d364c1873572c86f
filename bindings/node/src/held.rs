//! How a sandbox object reaches its sandbox: the lane it holds (until a
//! call consumes it) and the sandbox's interrupt handle, and the methods
//! every sandbox object has because of them.

use std::rc::Rc;

use napi::bindgen_prelude::ToNapiValue;
use napi::Env;

use crate::errors;
use crate::handle::InterruptHandle;
use crate::js;
use crate::lane::{Job, Lane, Stage, Successor};
use crate::promise::{self, Promise};
use crate::reply::Reply;

/// The job of a transition, which nothing can undo: `step` turns the
/// sandbox that `take` takes out of its stage into the next stage. When it
/// fails, the sandbox is gone (and the lane's thread ends).
pub(crate) fn transition_job<T: 'static>(
    take: fn(&mut Stage) -> Option<T>,
    step: fn(T) -> warden::Result<Stage>,
) -> Job {
    Box::new(move |stage| match take(stage).map(step) {
        Some(Ok(next)) => {
            *stage = next;
            Reply::Unit
        }
        Some(Err(error)) => Reply::Warden(error),
        None => unexpected(),
    })
}

/// The reply of a job that found the sandbox at another stage (a bug).
fn unexpected() -> Reply {
    Reply::Internal("the sandbox is not in the expected state".into())
}

/// What a JavaScript sandbox object (a `what`) holds: its lane, or which
/// call consumed it, and the sandbox's interrupt handle.
#[derive(Debug)]
pub(crate) struct Held {
    /// The lane, until a call consumes the object.
    lane: Option<Rc<Lane>>,
    /// Kills the code running in the sandbox.
    interrupt: warden::InterruptHandle,
    /// The class of the object, for errors.
    what: &'static str,
    /// The call that consumed the object.
    consumed_by: &'static str,
}

impl Held {
    /// What a new `what` of `lane` holds.
    pub(crate) fn new(
        lane: Rc<Lane>,
        interrupt: warden::InterruptHandle,
        what: &'static str,
    ) -> Self {
        Self {
            lane: Some(lane),
            interrupt,
            what,
            consumed_by: "",
        }
    }

    /// The lane, or the `ERR_CONSUMED` error to throw.
    pub(crate) fn lane(&self, env: &Env) -> napi::Result<&Rc<Lane>> {
        self.lane.as_ref().ok_or_else(|| self.consumed(env))
    }

    /// The sandbox's interrupt handle, for the object of the next stage.
    pub(crate) fn interrupt(&self) -> warden::InterruptHandle {
        self.interrupt.clone()
    }

    /// `dispose()`: kills the code running in the sandbox and lets go of
    /// the lane: the jobs not yet started are refused, and the sandbox and
    /// its thread are freed once the running one ends. When the object was
    /// already consumed, it only kills.
    pub(crate) fn dispose(&mut self) {
        self.interrupt.kill();
        if let Some(lane) = self.lane.take() {
            lane.dispose();
            self.consumed_by = "dispose";
        }
    }

    /// The `interruptHandle` getter.
    pub(crate) fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle::new(self.interrupt.clone())
    }

    /// The `poisoned` getter.
    pub(crate) fn poisoned(&self) -> bool {
        self.interrupt.is_poisoned()
    }

    /// The error for using the consumed object.
    fn consumed(&self, env: &Env) -> napi::Error {
        errors::consumed(env, self.what, self.consumed_by)
    }

    /// Runs `job` on the sandbox at the stage `pick` selects; rejects with
    /// `ERR_CONSUMED` when the object was consumed.
    pub(crate) fn submit<T: 'static>(
        &self,
        env: &Env,
        pick: fn(&mut Stage) -> Option<&mut T>,
        job: impl FnOnce(&mut T) -> Reply + Send + 'static,
    ) -> napi::Result<Promise> {
        let Some(lane) = &self.lane else {
            return promise::settled::<()>(env, Err(self.consumed(env)));
        };
        let job: Job = Box::new(move |stage| pick(stage).map_or_else(unexpected, job));
        lane.submit(env, job, None)
    }

    /// Consumes the object for `by()`: runs `job`, which takes the sandbox
    /// to its next stage, and returns a promise of `next`, the object of
    /// that stage (made now, on the same lane). The promise rejects with
    /// the job's error, or with `ERR_CONSUMED` when the object was already
    /// consumed.
    pub(crate) fn transition<T: ToNapiValue>(
        &mut self,
        env: &Env,
        by: &'static str,
        job: Job,
        next: impl FnOnce(Rc<Lane>) -> T,
    ) -> napi::Result<Promise> {
        let Some(lane) = self.lane.take() else {
            return promise::settled::<()>(env, Err(self.consumed(env)));
        };
        self.consumed_by = by;
        let object = js::value(env, next(lane.clone()))?;
        let successor = Successor::new(env, object)?;
        lane.submit(env, job, Some(successor))
    }
}

/// The methods every sandbox class (a struct with a `held: Held` field)
/// exports: `dispose()` and the `interruptHandle` and `poisoned` getters.
macro_rules! held_methods {
    ($class:ident) => {
        #[napi_derive::napi]
        impl $class {
            /// Frees the sandbox and its thread now: kills the code running
            /// in it, refuses the jobs not yet started (their promises
            /// reject with `ERR_CONSUMED`), and makes every later use throw
            /// or reject with `ERR_CONSUMED`. Calling it again does nothing.
            #[napi]
            pub fn dispose(&mut self) {
                self.held.dispose();
            }

            /// Kills the code running in this sandbox, from anywhere.
            #[napi(getter)]
            pub fn interrupt_handle(&self) -> $crate::handle::InterruptHandle {
                self.held.interrupt_handle()
            }

            /// Whether a killed or trapped call left the sandbox poisoned.
            /// Answers at once, even while a call runs.
            #[napi(getter)]
            pub fn poisoned(&self) -> bool {
                self.held.poisoned()
            }
        }
    };
}
pub(crate) use held_methods;
