//! `JSSandbox`: a sandbox whose handlers are being added.

use std::rc::Rc;

use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;

use crate::args;
use crate::errors;
use crate::held::{self, Held};
use crate::lane::{Lane, Stage};
use crate::loaded::LoadedJSSandbox;
use crate::options::{self, Takes};
use crate::promise::Promise;

/// A sandbox with its JavaScript runtime started: add handlers, then call
/// `getLoadedSandbox()`.
#[napi(js_name = "JSSandbox")]
#[derive(Debug)]
pub struct JSSandbox {
    /// Its lane and interrupt handle.
    held: Held,
}

impl JSSandbox {
    /// The object of a sandbox, on `lane`, whose handlers are being added.
    pub(crate) fn new(lane: Rc<Lane>, interrupt: warden::InterruptHandle) -> Self {
        Self {
            held: Held::new(lane, interrupt, "JSSandbox"),
        }
    }

    /// Queues a change of the handlers; throws `ERR_CONSUMED` when this
    /// object was consumed.
    fn edit(
        &self,
        env: &Env,
        job: impl FnOnce(&mut warden::JSSandbox) -> warden::Result<()> + Send + 'static,
    ) -> napi::Result<Promise> {
        self.held.lane(env)?;
        self.held
            .submit(env, Stage::js, move |sandbox| job(sandbox).into())
    }
}

#[napi]
impl JSSandbox {
    /// Compiles `source`, runs its top-level code and registers its handler
    /// under `name`, after the changes queued before. `wallClockTimeoutMs`
    /// and `cpuTimeoutMs` watch the top-level code as they watch a call; a
    /// load that fails leaves the sandbox as it was. Throws on a wrong
    /// argument; the promise settles when the script has been evaluated.
    #[napi]
    pub fn add_handler(
        &self,
        env: &Env,
        name: Unknown<'_>,
        source: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> napi::Result<Promise> {
        let name = args::handler_name(env, name)?;
        let source = args::string(env, "the handler source", source)?;
        let options = options::read(options, Takes::Load)
            .map_err(|message| errors::invalid(env, &message))?;
        self.edit(env, move |sandbox| {
            let script = warden::Script::from_content(source);
            sandbox.add_handler_with_monitor(&name, script, &options.budget)
        })
    }

    /// Unregisters handler `name`, after the changes queued before. Throws
    /// on a wrong argument.
    #[napi]
    pub fn remove_handler(&self, env: &Env, name: Unknown<'_>) -> napi::Result<Promise> {
        let name = args::handler_name(env, name)?;
        self.edit(env, move |sandbox| sandbox.remove_handler(&name))
    }

    /// Unregisters every handler, after the changes queued before.
    #[napi]
    pub fn clear_handlers(&self, env: &Env) -> napi::Result<Promise> {
        self.edit(env, warden::JSSandbox::clear_handlers)
    }

    /// Adds user module `name` (a path in the module tree: `math`,
    /// `lib/util.js`), which handlers added later import
    /// (`import { f } from 'math'`), after the changes queued before. It
    /// comes before modules of other sources and replaces one added under
    /// the same name. Throws on a wrong argument; the promise rejects with
    /// `ERR_INVALID_ARG` for an unusable name or source.
    #[napi]
    pub fn add_module(
        &self,
        env: &Env,
        name: Unknown<'_>,
        source: Unknown<'_>,
    ) -> napi::Result<Promise> {
        let name = args::module_name(env, name)?;
        let source = args::string(env, "the module source", source)?;
        self.edit(env, move |sandbox| sandbox.add_module(&name, source))
    }

    /// Removes user module `name`, after the changes queued before; a
    /// handler that already imported it keeps it. Throws on a wrong
    /// argument; the promise rejects when no such module was added.
    #[napi]
    pub fn remove_module(&self, env: &Env, name: Unknown<'_>) -> napi::Result<Promise> {
        let name = args::module_name(env, name)?;
        self.edit(env, move |sandbox| sandbox.remove_module(&name))
    }

    /// Removes every added user module, after the changes queued before.
    #[napi]
    pub fn clear_modules(&self, env: &Env) -> napi::Result<Promise> {
        self.edit(env, |sandbox| {
            sandbox.clear_modules();
            Ok(())
        })
    }

    /// Finishes loading, once the handlers added before have been; resolves
    /// with the LoadedJSSandbox. Consumes this object.
    #[napi]
    pub fn get_loaded_sandbox(&mut self, env: &Env) -> napi::Result<Promise> {
        let interrupt = self.held.interrupt();
        let job = held::transition_job(Stage::take_js, |sandbox| {
            sandbox.get_loaded_sandbox().map(Stage::Loaded)
        });
        self.held.transition(env, "getLoadedSandbox", job, |lane| {
            LoadedJSSandbox::new(lane, interrupt)
        })
    }
}

held::held_methods!(JSSandbox);
