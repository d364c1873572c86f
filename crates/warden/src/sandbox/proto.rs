//! [`ProtoJSSandbox`]: a sandbox whose host functions are being declared.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::config::SandboxConfig;
use super::core::SandboxCore;
use super::js::JSSandbox;
use super::loaded::LoadedJSSandbox;
use super::snapshot::Snapshot;
use super::snapshot_file;
use crate::engine::SharedEngine;
use crate::error::{Error, Result};
use crate::fetch::FetchPolicy;
use crate::host_fn::{HostFn, HostFunction, HostFunctions, HostModule};
use crate::modules::{ModuleLoader, Modules};
use warden_abi::{FETCH_FUNCTION, FETCH_MODULE};

/// A sandbox before its JavaScript runtime starts: the place to register
/// host functions. Made by [`SandboxBuilder::build`](crate::SandboxBuilder::build).
pub struct ProtoJSSandbox {
    config: Arc<SandboxConfig>,
    engine: Arc<SharedEngine>,
    host: HostFunctions,
    modules: Modules,
}

impl ProtoJSSandbox {
    pub(crate) fn new(
        config: Arc<SandboxConfig>,
        engine: Arc<SharedEngine>,
        fetch: FetchPolicy,
    ) -> Self {
        let mut host = HostFunctions::default();
        let fetch = HostFn::Async {
            run: fetch.into_host_fn(),
            per_call: Some(config.fetch.max_per_call()),
        };
        host.insert_builtin((FETCH_MODULE, FETCH_FUNCTION), fetch);
        Self {
            config,
            engine,
            host,
            modules: Modules::default(),
        }
    }

    /// The host module `name`, which handlers import as
    /// `import * as m from "host:<name>"`. Module names use letters, digits,
    /// `_`, `-` and `.`.
    ///
    /// ```
    /// # fn main() -> warden::Result<()> {
    /// use warden::{SandboxBuilder, Script};
    ///
    /// let mut proto = SandboxBuilder::new().build()?;
    /// proto
    ///     .host_module("math")?
    ///     .register("add", |a: f64, b: f64| a + b)?
    ///     .register_fallible("sqrt", |x: f64| {
    ///         if x >= 0.0 { Ok(x.sqrt()) } else { Err("negative input") }
    ///     })?;
    /// let mut sandbox = proto.load_runtime()?;
    /// sandbox.add_handler(
    ///     "calc",
    ///     Script::from_content(
    ///         "import { add, sqrt } from 'host:math';
    ///          export function handler(e) { return sqrt(add(e.a, e.b)); }",
    ///     ),
    /// )?;
    /// let mut loaded = sandbox.get_loaded_sandbox()?;
    /// assert_eq!(loaded.handle_event("calc", r#"{"a": 7, "b": 9}"#, None)?, "4");
    /// # Ok(()) }
    /// ```
    pub fn host_module(&mut self, name: &str) -> Result<HostModule<'_>> {
        HostModule::new(&mut self.host, name)
    }

    /// Registers `function` as `name` in host module `module`: the same as
    /// `host_module(module)?.register(name, function)`, in the form
    /// hyperlight-js has.
    ///
    /// ```
    /// # fn main() -> warden::Result<()> {
    /// let mut proto = warden::SandboxBuilder::new().build()?;
    /// proto.register("math", "add", |a: i64, b: i64| a + b)?;
    /// # Ok(()) }
    /// ```
    pub fn register<Args>(
        &mut self,
        module: impl AsRef<str>,
        name: impl AsRef<str>,
        function: impl HostFunction<Args>,
    ) -> Result<()> {
        self.host_module(module.as_ref())?
            .register(name.as_ref(), function)?;
        Ok(())
    }

    /// Registers a function that receives its arguments as a JSON array and
    /// returns its result as JSON text, in the form hyperlight-js has: an
    /// `Err` (made with [`new_error!`](crate::new_error), say) is thrown in
    /// JavaScript as an `Error` with the error's message.
    ///
    /// ```
    /// # fn main() -> warden::Result<()> {
    /// let mut proto = warden::SandboxBuilder::new().build()?;
    /// proto.register_raw("text", "shout", |args: String| {
    ///     let args: Vec<String> = serde_json::from_str(&args)
    ///         .map_err(|e| warden::new_error!("bad arguments: {e}"))?;
    ///     Ok(serde_json::to_string(&args.concat().to_uppercase()).unwrap())
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn register_raw(
        &mut self,
        module: impl AsRef<str>,
        name: impl AsRef<str>,
        function: impl Fn(String) -> Result<String> + Send + Sync + 'static,
    ) -> Result<()> {
        self.host_module(module.as_ref())?
            .register_raw(name.as_ref(), move |args: &str| {
                function(args.to_owned()).map_err(|error| error.to_string())
            })?;
        Ok(())
    }

    /// Makes `loader` the source of the user modules handlers import (see
    /// [`ModuleLoader`] for how imports resolve), replacing any loader set
    /// before. Modules added with
    /// [`JSSandbox::add_module`](crate::JSSandbox::add_module) come first.
    ///
    /// ```
    /// # fn main() -> warden::Result<()> {
    /// use warden::{embed_modules, SandboxBuilder, Script};
    ///
    /// let proto = SandboxBuilder::new()
    ///     .build()?
    ///     .set_module_loader(embed_modules! { "math.js" => @inline "export const pi = 3;" })?;
    /// let mut sandbox = proto.load_runtime()?;
    /// sandbox.add_handler(
    ///     "h",
    ///     Script::from_content("import { pi } from './math.js'; function handler() { return pi; }"),
    /// )?;
    /// assert_eq!(sandbox.get_loaded_sandbox()?.handle_event("h", "{}", None)?, "3");
    /// # Ok(()) }
    /// ```
    pub fn set_module_loader(mut self, loader: impl ModuleLoader) -> Result<Self> {
        self.modules = Modules::with_loader(Arc::new(loader));
        Ok(self)
    }

    /// Starts the JavaScript runtime.
    pub fn load_runtime(self) -> Result<JSSandbox> {
        let _span = tracing::info_span!("warden.load_runtime").entered();
        Ok(JSSandbox::new(self.core()?))
    }

    /// Starts a sandbox in the state of `snapshot`: its handlers loaded,
    /// its globals and heap as they were, `Math.random` reseeded. The
    /// snapshot may come from another sandbox of this process or from a
    /// file ([`Snapshot::load`]); this sandbox must have been built with the
    /// same memory limits and max wasm stack, and register the same host
    /// functions, or the result is [`Error::SnapshotMismatch`] saying what
    /// differs.
    ///
    /// ```
    /// # fn main() -> warden::Result<()> {
    /// use warden::{SandboxBuilder, Script, Snapshot};
    ///
    /// let mut sandbox = SandboxBuilder::new().build()?.load_runtime()?;
    /// sandbox.add_handler(
    ///     "count",
    ///     Script::from_content("let n = 0; function handler() { return ++n; }"),
    /// )?;
    /// let mut loaded = sandbox.get_loaded_sandbox()?;
    /// loaded.handle_event("count", "{}", None)?;
    /// let path = std::env::temp_dir().join(format!("count-{}.snapshot", std::process::id()));
    /// loaded.snapshot()?.save(&path)?;
    ///
    /// // Later, in this process or another:
    /// let snapshot = Snapshot::load(&path)?;
    /// let mut again = SandboxBuilder::new().build()?.load_snapshot(&snapshot)?;
    /// assert_eq!(again.handle_event("count", "{}", None)?, "2");
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(()) }
    /// ```
    pub fn load_snapshot(self, snapshot: impl AsRef<Snapshot>) -> Result<LoadedJSSandbox> {
        let snapshot = snapshot.as_ref();
        let _span = tracing::info_span!("warden.load_snapshot").entered();
        if let Some(reason) = snapshot.compatibility.mismatch(&self.config, &self.host) {
            return Err(Error::SnapshotMismatch(reason));
        }
        let core = SandboxCore::from_image(
            self.config,
            self.engine,
            Arc::new(self.host),
            Arc::new(self.modules),
            &snapshot.image,
        )?;
        Ok(LoadedJSSandbox::new(core))
    }

    /// Starts a sandbox in the state of the snapshot file at `path`: the
    /// same as [`load_snapshot`](Self::load_snapshot) of
    /// [`Snapshot::load`]`(path)`, with the same errors, but the memory image
    /// is read from the file straight into the guest, where `Snapshot::load`
    /// reads it into memory of its own for `load_snapshot` to copy. For a
    /// sandbox started once from a file, as a command starting from a
    /// snapshot does; a snapshot that starts many sandboxes is loaded once.
    ///
    /// ```
    /// # fn main() -> warden::Result<()> {
    /// use warden::{SandboxBuilder, Script};
    ///
    /// let mut sandbox = SandboxBuilder::new().build()?.load_runtime()?;
    /// sandbox.add_handler(
    ///     "count",
    ///     Script::from_content("let n = 0; function handler() { return ++n; }"),
    /// )?;
    /// let mut loaded = sandbox.get_loaded_sandbox()?;
    /// loaded.handle_event("count", "{}", None)?;
    /// let path = std::env::temp_dir().join(format!("count-file-{}.snapshot", std::process::id()));
    /// loaded.snapshot()?.save(&path)?;
    ///
    /// let mut again = SandboxBuilder::new().build()?.load_snapshot_file(&path)?;
    /// assert_eq!(again.handle_event("count", "{}", None)?, "2");
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(()) }
    /// ```
    pub fn load_snapshot_file(self, path: impl AsRef<Path>) -> Result<LoadedJSSandbox> {
        let path = path.as_ref();
        let _span = tracing::info_span!("warden.load_snapshot").entered();
        let stream = snapshot_file::open(path).filter(|stream| {
            stream
                .compatibility
                .mismatch(&self.config, &self.host)
                .is_none()
        });
        let mut core = SandboxCore::bare(
            self.config,
            self.engine,
            Arc::new(self.host),
            Arc::new(self.modules),
        )?;
        if let Some(stream) = stream {
            let (size, stack_pointer) = (stream.size, stream.stack_pointer);
            if core.restore_with(size, stack_pointer, |dest| stream.read_image(dest))? {
                return Ok(LoadedJSSandbox::new(core));
            }
        }
        // Something is off with the file, or it does not fit: reading it
        // whole says what.
        let snapshot = Snapshot::load(path)?;
        if let Some(reason) = core.mismatch(&snapshot.compatibility) {
            return Err(Error::SnapshotMismatch(reason));
        }
        core.restore(&snapshot.image)?;
        Ok(LoadedJSSandbox::new(core))
    }

    /// A fresh guest with this sandbox's settings and host functions.
    fn core(self) -> Result<SandboxCore> {
        SandboxCore::create(
            self.config,
            self.engine,
            Arc::new(self.host),
            Arc::new(self.modules),
        )
    }
}

impl fmt::Debug for ProtoJSSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let functions: Vec<String> = self
            .host
            .names()
            .map(|(m, f, _)| format!("{m}.{f}"))
            .collect();
        f.debug_struct("ProtoJSSandbox")
            .field("host_functions", &functions)
            .finish_non_exhaustive()
    }
}
