//! [`EmbeddedModules`] and [`embed_modules!`](crate::embed_modules): module
//! sources compiled into the program.

use super::ModuleLoader;
use crate::error::Result;

/// Module sources compiled into the program, by path: a loader that reads
/// nothing at run time. Made by [`embed_modules!`](crate::embed_modules).
#[derive(Clone, Copy, Debug)]
pub struct EmbeddedModules {
    modules: &'static [(&'static str, &'static str)],
}

/// hyperlight-js's name for [`EmbeddedModules`].
pub type FileSystemEmbedded = EmbeddedModules;

impl EmbeddedModules {
    /// Modules from `(path, source)` pairs. Paths are relative to the root
    /// of the module tree (`"math.js"`, `"lib/util.js"`); a leading `/` or
    /// `./` is ignored.
    pub const fn new(modules: &'static [(&'static str, &'static str)]) -> Self {
        Self { modules }
    }
}

impl ModuleLoader for EmbeddedModules {
    fn load(&self, path: &str) -> Result<Option<String>> {
        let found = self.modules.iter().find(|(key, _)| {
            let key = key.trim_start_matches("./").trim_start_matches('/');
            key == path
        });
        Ok(found.map(|(_, source)| (*source).to_owned()))
    }
}

/// Embeds module sources in the program, for
/// [`ProtoJSSandbox::set_module_loader`](crate::ProtoJSSandbox::set_module_loader):
/// `path => file` includes `file` (relative to the invoking source file, as
/// `include_str!` does), `path => @inline source` takes the text itself.
///
/// ```
/// # fn main() -> warden::Result<()> {
/// use warden::{embed_modules, SandboxBuilder, Script};
///
/// let modules = embed_modules! {
///     "math.js" => @inline "export const add = (a, b) => a + b;",
///     "lib/twice.js" => @inline "import { add } from '../math.js'; export const twice = (x) => add(x, x);",
/// };
/// let mut sandbox = SandboxBuilder::new().build()?.set_module_loader(modules)?.load_runtime()?;
/// sandbox.add_handler(
///     "h",
///     Script::from_content("import { twice } from './lib/twice.js'; function handler(e) { return twice(e); }")
///         .with_virtual_base("/"),
/// )?;
/// assert_eq!(sandbox.get_loaded_sandbox()?.handle_event("h", "21", None)?, "42");
/// # Ok(()) }
/// ```
#[macro_export]
macro_rules! embed_modules {
    ($($path:expr => @inline $source:expr),* $(,)?) => {
        $crate::EmbeddedModules::new(&[$(($path, $source)),*])
    };
    ($($path:expr => $file:expr),* $(,)?) => {
        $crate::EmbeddedModules::new(&[$(($path, include_str!($file))),*])
    };
}
