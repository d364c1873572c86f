//! [`Script`]: handler source code.

use std::path::Path;

use crate::error::{Error, Result};

/// The source of a handler: an ES module that declares
/// `function handler(event)` (no `export` needed) or exports `handler`.
///
/// Handlers are evaluated as modules, so they are in strict mode and may
/// import host modules (`import * as math from "host:math"`, or `"math"`
/// alone) and user
/// modules (`import { add } from "./math.js"`, see [`ModuleLoader`](crate::ModuleLoader)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    source: String,
    /// Where relative imports start, as given.
    base: Option<String>,
}

impl Script {
    /// A script from source text.
    pub fn from_content(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            base: None,
        }
    }

    /// Sets the directory of the module tree the script's relative imports
    /// start from (`"/"`, `"/handlers"`; the root when never set). The
    /// tree is the sandbox's user modules, not the file system.
    pub fn with_virtual_base(mut self, path: impl AsRef<str>) -> Self {
        self.base = Some(path.as_ref().to_owned());
        self
    }

    /// The module path of the directory relative imports start from.
    pub(crate) fn directory(&self) -> Result<String> {
        let Some(base) = &self.base else {
            return Ok("/".into());
        };
        if base
            .split('/')
            .all(|segment| segment.is_empty() || segment == ".")
        {
            return Ok("/".into());
        }
        warden_abi::join_module_path("/", base).map_err(|reason| {
            Error::InvalidModule(format!(
                "the script's virtual base {base:?} is unusable: {reason}"
            ))
        })
    }

    /// A script read from a file. Its relative imports still start from the
    /// root of the module tree unless [`with_virtual_base`](Self::with_virtual_base)
    /// says otherwise.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        std::fs::read_to_string(path)
            .map(Self::from_content)
            .map_err(|source| Error::ScriptIo {
                path: path.to_owned(),
                source,
            })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl From<&str> for Script {
    fn from(source: &str) -> Self {
        Self::from_content(source)
    }
}

impl From<String> for Script {
    fn from(source: String) -> Self {
        Self::from_content(source)
    }
}
