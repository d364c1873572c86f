//! [`Modules`]: the user modules one sandbox can import.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use warden_abi::join_module_path;

use super::ModuleLoader;
use crate::error::{Error, Result};

/// What `/a/b` may name, in the order tried.
const CANDIDATES: [&str; 5] = ["", ".js", ".mjs", "/index.js", "/index.mjs"];

/// A sandbox's user modules: the loader it was built with and the modules
/// added to it, which come first.
#[derive(Default)]
pub(crate) struct Modules {
    loader: Option<Arc<dyn ModuleLoader>>,
    added: Mutex<BTreeMap<String, String>>,
}

impl Modules {
    /// Modules from `loader`.
    pub(crate) fn with_loader(loader: Arc<dyn ModuleLoader>) -> Self {
        Self {
            loader: Some(loader),
            added: Mutex::default(),
        }
    }

    /// Adds (or replaces) module `name` (a path in the module tree:
    /// `"math"`, `"lib/util.js"`).
    pub(crate) fn add(&self, name: &str, source: String) -> Result<()> {
        let path = module_path(name)?;
        check_source(&path, &source).map_err(Error::InvalidModule)?;
        self.lock().insert(path, source);
        Ok(())
    }

    /// Removes module `name`, which must have been added.
    pub(crate) fn remove(&self, name: &str) -> Result<()> {
        let path = module_path(name)?;
        match self.lock().remove(&path) {
            Some(_) => Ok(()),
            None => Err(Error::InvalidModule(format!(
                "no module {name:?} was added"
            ))),
        }
    }

    /// Removes every added module.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// The module an import of `path` (from the guest: checked here again)
    /// names: its resolved path and source, or why there is none.
    pub(crate) fn find(&self, path: &str) -> std::result::Result<(String, String), String> {
        if join_module_path("/", path).as_deref() != Ok(path) {
            return Err(format!("{path:?} is not a module path"));
        }
        for suffix in CANDIDATES {
            let candidate = format!("{path}{suffix}");
            if let Some(source) = self.source(&candidate)? {
                check_source(&candidate, &source)?;
                return Ok((candidate, source));
            }
        }
        let none = self.loader.is_none() && self.lock().is_empty();
        Err(match none {
            true => format!(
                "there is no module at {path} (the sandbox has no module loader and no added modules)"
            ),
            false => format!("there is no module at {path}"),
        })
    }

    /// The source at `path`: an added module's, else the loader's.
    fn source(&self, path: &str) -> std::result::Result<Option<String>, String> {
        if let Some(source) = self.lock().get(path) {
            return Ok(Some(source.clone()));
        }
        let Some(loader) = &self.loader else {
            return Ok(None);
        };
        let relative = &path[1..];
        match catch_unwind(AssertUnwindSafe(|| loader.load(relative))) {
            Ok(Ok(source)) => Ok(source),
            Ok(Err(error)) => Err(format!("the module loader failed on {path}: {error}")),
            Err(_) => Err(format!("the module loader panicked on {path}")),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.added.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The module path of an added module's name.
fn module_path(name: &str) -> Result<String> {
    if name.is_empty() {
        return Err(Error::InvalidModule("the module name is empty".into()));
    }
    join_module_path("/", name).map_err(|reason| {
        Error::InvalidModule(format!("module name {name:?} is unusable: {reason}"))
    })
}

/// Refuses sources the engine cannot take.
fn check_source(path: &str, source: &str) -> std::result::Result<(), String> {
    match source.find('\0') {
        Some(at) => Err(format!(
            "the source of module {path} holds a NUL byte at offset {at}"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_from_the_guest_are_checked_again() {
        let modules = Modules::with_loader(Arc::new(|path: &str| Ok(Some(format!("// {path}")))));
        for path in [
            "../etc/passwd",
            "/a/../../b",
            "a.js",
            "/a//b",
            "/./a",
            "/a\\b",
            "",
        ] {
            let error = modules.find(path).unwrap_err();
            assert!(error.contains("is not a module path"), "{path:?}: {error}");
        }
        assert_eq!(
            modules.find("/a/b.js"),
            Ok(("/a/b.js".to_owned(), "// a/b.js".to_owned()))
        );
    }
}
