//! How a JavaScript object reaches its sandbox: the lane it holds (until a
//! call consumes it), and the promises its jobs return.

use std::rc::Rc;

use napi::bindgen_prelude::ToNapiValue;
use napi::Env;

use crate::errors;
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

/// The lane a JavaScript object (a `what`) holds, or which call consumed
/// it.
pub(crate) struct Held {
    lane: Option<Rc<Lane>>,
    what: &'static str,
    consumed_by: &'static str,
}

impl Held {
    pub(crate) fn new(lane: Rc<Lane>, what: &'static str) -> Self {
        Self {
            lane: Some(lane),
            what,
            consumed_by: "",
        }
    }

    /// The lane, or the `ERR_CONSUMED` error to throw.
    pub(crate) fn lane(&self, env: &Env) -> napi::Result<&Rc<Lane>> {
        self.lane.as_ref().ok_or_else(|| self.consumed(env))
    }

    /// Lets go of the lane for `dispose()`: the jobs not yet started are
    /// refused, and the sandbox and its thread are freed once the running
    /// one ends. Does nothing when already consumed.
    pub(crate) fn dispose(&mut self) {
        if let Some(lane) = self.lane.take() {
            lane.dispose();
            self.consumed_by = "dispose";
        }
    }

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
        // SAFETY: main thread.
        let object = unsafe { T::to_napi_value(env.raw(), next(lane.clone()))? };
        let successor = Successor::new(env, object)?;
        lane.submit(env, job, Some(successor))
    }
}
