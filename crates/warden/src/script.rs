//! [`Script`]: handler source code.

use std::path::Path;

use crate::error::{Error, Result};

/// The source of a handler: an ES module that declares
/// `function handler(event)` (no `export` needed) or exports `handler`.
///
/// Handlers are evaluated as modules, so they are in strict mode and may
/// import host modules: `import * as math from "host:math"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    source: String,
}

impl Script {
    /// A script from source text.
    pub fn from_content(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
        }
    }

    /// A script read from a file.
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
