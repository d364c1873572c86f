//! Module paths: how an `import` of a user module names what it wants.
//!
//! User modules live in one tree whose root is `/`. A module path is
//! absolute and normal: `/`, then segments separated by `/`, none of them
//! empty, `.` or `..`, and none holding a NUL or a backslash. The guest
//! resolves a specifier against the importing module's directory with
//! [`join_module_path`]; the host checks what it receives the same way, so
//! no import can name anything outside the tree.

/// Separates the resolved path from the source in a `module_source` answer.
pub const MODULE_SEPARATOR: char = '\n';

/// Resolves `specifier` against the directory `directory` (a module path,
/// or `/`): `./x` and `../x` are relative to it, `/x` is absolute, and a
/// bare name `x` starts at the root. Fails when the result would leave the
/// root, names the root itself, or holds a character no path may hold.
pub fn join_module_path(directory: &str, specifier: &str) -> Result<String, &'static str> {
    let relative = specifier == "."
        || specifier == ".."
        || specifier.starts_with("./")
        || specifier.starts_with("../");
    let mut segments: Vec<&str> = Vec::new();
    if relative {
        push_segments(&mut segments, directory)?;
    }
    push_segments(&mut segments, specifier)?;
    if segments.is_empty() {
        return Err("it names the root of the module tree, not a module");
    }
    Ok(segments.iter().fold(String::new(), |mut path, segment| {
        path.push('/');
        path.push_str(segment);
        path
    }))
}

/// The directory of module path `path`: everything before its last `/`
/// (the root for a module at the top).
pub fn module_directory(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(end) => &path[..end],
    }
}

fn push_segments<'a>(segments: &mut Vec<&'a str>, path: &'a str) -> Result<(), &'static str> {
    if path.contains(['\0', '\\', MODULE_SEPARATOR]) {
        return Err("it holds a NUL, a backslash or a line break");
    }
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Err("it leads out of the root of the module tree");
                }
            }
            segment => segments.push(segment),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specifiers_resolve_against_the_directory() {
        assert_eq!(join_module_path("/", "./math.js"), Ok("/math.js".into()));
        assert_eq!(
            join_module_path("/lib", "./math.js"),
            Ok("/lib/math.js".into())
        );
        assert_eq!(
            join_module_path("/lib/a", "../b/c.js"),
            Ok("/lib/b/c.js".into())
        );
        assert_eq!(join_module_path("/lib", "/top.js"), Ok("/top.js".into()));
        assert_eq!(join_module_path("/lib", "math"), Ok("/math".into()));
        assert_eq!(join_module_path("/", "a//b/./c"), Ok("/a/b/c".into()));
    }

    #[test]
    fn nothing_leaves_the_root() {
        assert!(join_module_path("/", "../x.js").is_err());
        assert!(join_module_path("/a", "../../x.js").is_err());
        assert!(join_module_path("/a", "/../x.js").is_err());
        assert!(join_module_path("/", "./").is_err());
        assert!(join_module_path("/", "a\\b").is_err());
        assert!(join_module_path("/", "a\0b").is_err());
        assert!(join_module_path("/", "a\nb").is_err());
    }

    #[test]
    fn directories_of_paths() {
        assert_eq!(module_directory("/math.js"), "/");
        assert_eq!(module_directory("/galaxy/index.js"), "/galaxy");
        assert_eq!(module_directory("/"), "/");
    }
}
