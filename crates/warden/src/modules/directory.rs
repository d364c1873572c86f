//! [`DirectoryModules`]: module sources read from a directory.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::ModuleLoader;
use crate::error::{Error, Result};

/// The largest module file a [`DirectoryModules`] reads, in bytes.
pub const MAX_MODULE_FILE: u64 = 16 << 20;

/// A loader that reads modules from the files under one directory, the
/// root of the module tree: `import "./lib/util.js"` reads
/// `<root>/lib/util.js`. Nothing outside the directory is ever read, even
/// through symbolic links; files larger than [`MAX_MODULE_FILE`] are
/// refused.
#[derive(Clone, Debug)]
pub struct DirectoryModules {
    root: PathBuf,
}

impl DirectoryModules {
    /// Modules under `root`, which must be a directory.
    pub fn new(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref();
        let io = |source| Error::ScriptIo {
            path: root.to_owned(),
            source,
        };
        let root = root.canonicalize().map_err(io)?;
        if !root.is_dir() {
            return Err(Error::InvalidModule(format!(
                "{} is not a directory",
                root.display()
            )));
        }
        Ok(Self { root })
    }
}

impl ModuleLoader for DirectoryModules {
    fn load(&self, path: &str) -> Result<Option<String>> {
        let file = match self.root.join(path).canonicalize() {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::Host(format!("cannot read module {path}: {e}"))),
        };
        if !file.starts_with(&self.root) {
            return Err(Error::Host(format!(
                "module {path} leads outside {}",
                self.root.display()
            )));
        }
        if !file.is_file() {
            return Ok(None);
        }
        let read = |file: &Path| -> std::io::Result<String> {
            let mut text = String::new();
            std::fs::File::open(file)?
                .take(MAX_MODULE_FILE + 1)
                .read_to_string(&mut text)?;
            Ok(text)
        };
        let text =
            read(&file).map_err(|e| Error::Host(format!("cannot read module {path}: {e}")))?;
        if text.len() as u64 > MAX_MODULE_FILE {
            return Err(Error::Host(format!(
                "module {path} is larger than {MAX_MODULE_FILE} bytes"
            )));
        }
        Ok(Some(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_files_under_the_root_and_nothing_outside() {
        let dir = std::env::temp_dir().join(format!("warden-modules-{}", std::process::id()));
        let root = dir.join("root");
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::write(root.join("lib/a.js"), "export const a = 1;").unwrap();
        std::fs::write(dir.join("secret.js"), "secret").unwrap();
        let modules = DirectoryModules::new(&root).unwrap();
        assert_eq!(
            modules.load("lib/a.js").unwrap().as_deref(),
            Some("export const a = 1;")
        );
        assert_eq!(modules.load("lib/missing.js").unwrap(), None);
        assert_eq!(modules.load("lib").unwrap(), None);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.join("secret.js"), root.join("link.js")).unwrap();
            let error = modules.load("link.js").unwrap_err();
            assert!(error.to_string().contains("leads outside"), "{error}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
