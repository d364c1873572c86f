//! [`ProtoJSSandbox`]: a sandbox whose host functions are being declared.

use std::fmt;
use std::sync::Arc;

use super::config::SandboxConfig;
use super::core::SandboxCore;
use super::js::JSSandbox;
use crate::engine::SharedEngine;
use crate::error::Result;
use crate::host_fn::{HostFunctions, HostModule};

/// A sandbox before its JavaScript runtime starts: the place to register
/// host functions. Made by [`SandboxBuilder::build`](crate::SandboxBuilder::build).
pub struct ProtoJSSandbox {
    config: Arc<SandboxConfig>,
    engine: Arc<SharedEngine>,
    host: HostFunctions,
}

impl ProtoJSSandbox {
    pub(crate) fn new(config: Arc<SandboxConfig>, engine: Arc<SharedEngine>) -> Self {
        Self {
            config,
            engine,
            host: HostFunctions::default(),
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

    /// Starts the JavaScript runtime.
    pub fn load_runtime(self) -> Result<JSSandbox> {
        let _span = tracing::info_span!("warden.load_runtime").entered();
        let core = SandboxCore::create(self.config, self.engine, Arc::new(self.host))?;
        Ok(JSSandbox::new(core))
    }
}

impl fmt::Debug for ProtoJSSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let functions: Vec<String> = self.host.names().map(|(m, f)| format!("{m}.{f}")).collect();
        f.debug_struct("ProtoJSSandbox")
            .field("host_functions", &functions)
            .finish_non_exhaustive()
    }
}
