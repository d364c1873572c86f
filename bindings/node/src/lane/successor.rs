//! The object a transition's promise resolves with.

use std::ptr;

use napi::{sys, Env};

/// The object a transition's promise resolves with: made when the
/// transition is asked for, and held by a strong reference until its job
/// has run. A reference never released (its environment closed first) is
/// freed by Node.js with the environment.
#[derive(Debug)]
pub(crate) struct Successor(sys::napi_ref);

impl Successor {
    /// Holds `object` until the transition's job has run.
    pub(crate) fn new(env: &Env, object: sys::napi_value) -> napi::Result<Self> {
        let mut reference = ptr::null_mut();
        // SAFETY: `env` is this thread's live environment, `object` a value
        // of it, and the out-pointer points at a local.
        let status = unsafe { sys::napi_create_reference(env.raw(), object, 1, &mut reference) };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::from_reason("cannot create a reference"));
        }
        Ok(Self(reference))
    }

    /// Lets go of the object, returning it.
    pub(super) fn release(self, env: &Env) -> napi::Result<sys::napi_value> {
        let mut object = ptr::null_mut();
        // SAFETY: `env` is the reference's environment, on its thread, and
        // the reference is live: only this call, which consumes `self`,
        // deletes it.
        let (read, deleted) = unsafe {
            (
                sys::napi_get_reference_value(env.raw(), self.0, &mut object),
                sys::napi_delete_reference(env.raw(), self.0),
            )
        };
        let ok = sys::Status::napi_ok;
        if read != ok || deleted != ok || object.is_null() {
            return Err(napi::Error::from_reason("cannot read a reference"));
        }
        Ok(object)
    }
}
