//! How a JavaScript object reaches its sandbox: the lane it holds (until a
//! call consumes it), and the promises its jobs return.

use std::rc::Rc;

use napi::bindgen_prelude::{JsValue, Object, ToNapiValue};
use napi::{sys, Env};

use crate::errors;
use crate::lane::{Lane, Stage};
use crate::reply::Reply;

/// A promise made by the lane, returned to JavaScript as is.
pub struct Promise(sys::napi_value);

impl ToNapiValue for Promise {
    unsafe fn to_napi_value(_env: sys::napi_env, value: Self) -> napi::Result<sys::napi_value> {
        Ok(value.0)
    }
}

/// A promise already rejected with `error`.
pub(crate) fn rejected(env: &Env, error: napi::Result<Object<'_>>) -> napi::Result<Promise> {
    let error = error?;
    let (mut deferred, mut promise) = (std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: main thread.
    unsafe {
        sys::napi_create_promise(env.raw(), &mut deferred, &mut promise);
        sys::napi_reject_deferred(env.raw(), deferred, error.raw());
    }
    Ok(Promise(promise))
}

/// A promise already rejected with `ERR_INVALID_ARG` and `message`.
pub(crate) fn invalid(env: &Env, message: &str) -> napi::Result<Promise> {
    rejected(
        env,
        errors::plain(env, errors::INVALID_ARG, "invalid_arg", message),
    )
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

    /// Takes the lane for `by()`, which consumes the object.
    pub(crate) fn take(&mut self, env: &Env, by: &'static str) -> napi::Result<Rc<Lane>> {
        let lane = self.lane.take().ok_or_else(|| self.consumed(env))?;
        self.consumed_by = by;
        Ok(lane)
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
            return rejected(
                env,
                Ok(errors::consumed_object(env, self.what, self.consumed_by)?),
            );
        };
        lane.submit(
            env,
            Box::new(move |stage| match pick(stage) {
                Some(sandbox) => job(sandbox),
                None => Reply::Internal("the sandbox is not in the expected state".into()),
            }),
        )
        .map(Promise)
    }
}
