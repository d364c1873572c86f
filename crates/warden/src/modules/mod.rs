//! User modules: JavaScript that handlers `import` by path.
//!
//! Handlers may import modules the embedder provides, as they would import
//! files: `import { add } from "./math.js"`. A module comes from the
//! sandbox's [`ModuleLoader`] (set with
//! [`ProtoJSSandbox::set_module_loader`](crate::ProtoJSSandbox::set_module_loader)),
//! or from the modules added to a [`JSSandbox`](crate::JSSandbox) with
//! [`add_module`](crate::JSSandbox::add_module), which come first.
//!
//! All modules live in one tree rooted at `/`. A handler's relative imports
//! start from its script's directory
//! ([`Script::with_virtual_base`](crate::Script::with_virtual_base); the
//! root by default), a module's from its own directory, and a bare
//! specifier (`"lodash"`) from the root. No import can leave the tree. For
//! the path `/a/b`, Warden looks for `a/b`, then `a/b.js`, `a/b.mjs`,
//! `a/b/index.js` and `a/b/index.mjs`. The engine evaluates each module
//! once per sandbox (until it is unloaded): handlers that import it share
//! one instance. Removing an added module stops later imports of it, but
//! handlers that imported it keep it, and an import that still finds the
//! path elsewhere (in the loader) gets the instance already loaded.

mod directory;
mod embedded;
mod set;

pub use directory::{DirectoryModules, MAX_MODULE_FILE};
pub use embedded::{EmbeddedModules, FileSystemEmbedded};
pub(crate) use set::Modules;

use std::collections::{BTreeMap, HashMap};

use crate::error::Result;

/// Provides the sources of user modules, by path.
///
/// `path` is relative to the root of the module tree, without a leading
/// `/`, and never holds `.` or `..` segments: `"math.js"`,
/// `"galaxy/index.js"`. Return `Ok(None)` when there is no module there
/// (Warden then tries the next candidate path); an `Err` (made with
/// [`new_error!`](crate::new_error), say) fails the import with its
/// message. Maps, [`EmbeddedModules`] (see [`embed_modules!`](crate::embed_modules)),
/// [`DirectoryModules`] and closures are loaders:
///
/// ```
/// # fn main() -> warden::Result<()> {
/// use warden::{SandboxBuilder, Script};
///
/// let proto = SandboxBuilder::new().build()?.set_module_loader(|path: &str| {
///     Ok((path == "answer.js").then(|| "export const answer = 42;".to_owned()))
/// })?;
/// let mut sandbox = proto.load_runtime()?;
/// sandbox.add_handler(
///     "h",
///     Script::from_content("import { answer } from './answer.js'; function handler() { return answer; }"),
/// )?;
/// let mut loaded = sandbox.get_loaded_sandbox()?;
/// assert_eq!(loaded.handle_event("h", "{}", None)?, "42");
/// # Ok(()) }
/// ```
pub trait ModuleLoader: Send + Sync + 'static {
    /// The source of the module at `path`, if there is one.
    fn load(&self, path: &str) -> Result<Option<String>>;
}

impl<F> ModuleLoader for F
where
    F: Fn(&str) -> Result<Option<String>> + Send + Sync + 'static,
{
    fn load(&self, path: &str) -> Result<Option<String>> {
        self(path)
    }
}

impl ModuleLoader for HashMap<String, String> {
    fn load(&self, path: &str) -> Result<Option<String>> {
        Ok(self.get(path).cloned())
    }
}

impl ModuleLoader for BTreeMap<String, String> {
    fn load(&self, path: &str) -> Result<Option<String>> {
        Ok(self.get(path).cloned())
    }
}
