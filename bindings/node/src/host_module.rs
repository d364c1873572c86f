//! `HostModule`: the JavaScript host functions of one module.

use std::fmt;
use std::rc::Rc;

use napi::bindgen_prelude::{Function, This, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::errors;
use crate::host;
use crate::proto::ProtoShared;

/// The functions of one host module.
#[napi]
pub struct HostModule {
    /// What it shares with its ProtoJSSandbox.
    shared: Rc<ProtoShared>,
    /// The module's name.
    name: String,
}

impl HostModule {
    /// Host module `name` of the prototype `shared` belongs to.
    pub(crate) fn new(shared: Rc<ProtoShared>, name: String) -> Self {
        Self { shared, name }
    }

    /// Registers `callback` as function `name` of this module, which the
    /// guest waits for, or when `is_async` which gives the guest a promise.
    pub(crate) fn add(
        &self,
        env: &Env,
        name: &str,
        callback: Function<'_, Unknown<'static>, Unknown<'static>>,
        is_async: bool,
    ) -> napi::Result<()> {
        let mut proto = self.shared.proto.borrow_mut();
        let proto = proto.as_mut().ok_or_else(|| self.shared.consumed(env))?;
        let index = self.shared.functions.borrow().len();
        let outbox = self.shared.outbox.clone();
        proto
            .host_module(&self.name)
            .and_then(|mut module| {
                if is_async {
                    let forward = host::async_forwarder(index, outbox);
                    module.register_async_raw_args(name, forward).map(|_| ())
                } else {
                    let forward = host::forwarder(index, outbox, self.shared.interrupt.clone());
                    module.register_raw_args(name, forward).map(|_| ())
                }
            })
            .map_err(|e| errors::throw_warden(env, &e))?;
        self.shared
            .functions
            .borrow_mut()
            .push(callback.create_ref()?);
        Ok(())
    }
}

impl fmt::Debug for HostModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostModule")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[napi]
impl HostModule {
    /// Registers `callback` as function `name` of this module. It receives
    /// the JSON-decoded arguments and may return a value or a promise; the
    /// guest waits for the result. A throw or a rejection becomes an
    /// `Error` in the guest.
    #[napi]
    pub fn register<'env>(
        &self,
        env: &Env,
        this: This<'env>,
        name: String,
        callback: Function<'_, Unknown<'static>, Unknown<'static>>,
    ) -> napi::Result<This<'env>> {
        self.add(env, &name, callback, false)?;
        Ok(this)
    }

    /// Registers `callback` as asynchronous function `name` of this
    /// module: in the guest it returns a promise at once, which the
    /// callback's value (or the value its promise resolves to) resolves, and
    /// a throw or a rejection rejects with an `Error`. Many calls can be in
    /// flight together; waiting for them counts toward wall-clock budgets,
    /// not CPU-time ones, and when the call ends or is killed they are
    /// forgotten (a late settlement is ignored).
    #[napi]
    pub fn register_async<'env>(
        &self,
        env: &Env,
        this: This<'env>,
        name: String,
        callback: Function<'_, Unknown<'static>, Unknown<'static>>,
    ) -> napi::Result<This<'env>> {
        self.add(env, &name, callback, true)?;
        Ok(this)
    }
}
