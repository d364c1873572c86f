//! Arbitrary handler names and host module/function names through
//! `host_module().register`, `add_handler`, `remove_handler`, `handle_event`
//! and `unload`.
//!
//! A model predicts every outcome from the documented rules: host module
//! names are 1 to 128 of `[A-Za-z0-9_.-]`, function names 1 to 128 of
//! `[A-Za-z0-9_$]` not starting with a digit and unique in their module;
//! handler names are 1 to 256 bytes without control characters and not
//! starting with `host:`, unique in the sandbox; an import loads only when
//! its specifier is exactly `host:` and a module with a registered function,
//! or the name of a built-in module (whatever handler has that name).
//! Handlers return their own name or call a host function that reports its
//! own module and name, so a call that reaches the wrong handler or function
//! is caught.

#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use warden::{Error, JSSandbox, LoadedJSSandbox, SandboxBuilder, Script};
use warden_fuzz::{check_error, js_string};

#[derive(Arbitrary, Debug)]
struct Input {
    modules: Vec<(String, Vec<String>)>,
    ops: Vec<Op>,
    calls: Vec<Call>,
}

#[derive(Arbitrary, Debug)]
enum Body {
    /// Returns the handler's own name.
    ReturnName,
    /// Calls the `function`-th registered host function (modulo).
    CallHost(u8),
    /// Imports `host:<module>` with an arbitrary module name.
    ImportHost(String),
    /// Imports an arbitrary specifier (another handler's name, say).
    Import(String),
    /// Imports the `handler`-th added handler's name as a module.
    ImportHandler(u8),
}

#[derive(Arbitrary, Debug)]
enum Name {
    /// The name of the `n`-th handler added so far (modulo), if any.
    Existing(u8),
    /// An arbitrary name.
    Fresh(String),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Add(Name, Body),
    Remove(Name),
}

#[derive(Arbitrary, Debug)]
enum Call {
    Handler(Name),
    Unload,
}

fn valid_module(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn valid_function(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$'))
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

fn valid_handler(name: &str) -> bool {
    (1..=256).contains(&name.len())
        && !name.chars().any(char::is_control)
        && !name.starts_with("host:")
}

/// The built-in modules, importable by these names.
const BUILTINS: [&str; 4] = ["console", "crypto", "io", "require"];

/// Whether importing `specifier` loads: it names a built-in module, or a
/// host module with a registered function. QuickJS hands specifiers to the
/// resolver as C strings, so one holding U+0000 is cut there (a known
/// limitation, see `docs/security.md`): `"host:m\u0000x"` loads `host:m`.
fn imports(functions: &[(String, String)], specifier: &str) -> bool {
    let resolved = specifier.split('\0').next().unwrap_or_default();
    BUILTINS.contains(&resolved)
        || resolved
            .strip_prefix("host:")
            .is_some_and(|module| functions.iter().any(|(m, _)| m == module))
}

/// What a handler returns when called with [`EVENT`].
#[derive(Clone, Debug)]
enum Expect {
    Name(String),
    Host(String, String),
    /// A handler that imports a module returns `null`.
    Null,
}

const EVENT: &str = r#"{"k":[1,"two"]}"#;

/// The handlers of the model, in the order they were added.
#[derive(Default)]
struct Model {
    handlers: Vec<(String, Expect)>,
    /// Every name ever added (for `Name::Existing`), removed ones included.
    seen: Vec<String>,
}

impl Model {
    fn pick(&self, name: &Name) -> String {
        match name {
            Name::Existing(i) if !self.seen.is_empty() => {
                self.seen[usize::from(*i) % self.seen.len()].clone()
            }
            Name::Existing(i) => format!("handler-{i}"),
            Name::Fresh(name) => name.clone(),
        }
    }

    fn find(&self, name: &str) -> Option<&Expect> {
        self.handlers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, expect)| expect)
    }
}

fn check_call(loaded: &mut LoadedJSSandbox, model: &Model, name: &str) {
    let result = loaded.handle_event(name, EVENT, None);
    if let Err(error) = &result {
        check_error(error);
        assert!(!error.poisons(), "{name:?}: {error}");
    }
    match (model.find(name), &result) {
        (Some(Expect::Name(expected)), Ok(out)) => {
            let got: String = serde_json::from_str(out).unwrap();
            assert_eq!(&got, expected, "handler {name:?} answered for another");
        }
        (Some(Expect::Host(module, function)), Ok(out)) => {
            let got: Value = serde_json::from_str(out).unwrap();
            let want = json!({"m": module, "f": function, "a": [serde_json::from_str::<Value>(EVENT).unwrap()]});
            assert_eq!(
                got, want,
                "handler {name:?} reached the wrong host function"
            );
        }
        (Some(Expect::Null), Ok(out)) => assert_eq!(out, "null"),
        (None, Err(Error::UnknownHandler(n))) => assert_eq!(n, name),
        (None, Err(Error::InvalidHandlerName { name: n, .. })) => {
            assert_eq!(n, name);
            assert!(!valid_handler(name));
        }
        (expect, result) => panic!("calling {name:?} (expected {expect:?}) gave {result:?}"),
    }
}

fn add(
    sandbox: &mut JSSandbox,
    model: &mut Model,
    functions: &[(String, String)],
    name: String,
    body: &Body,
) {
    let (source, expect, loads) = match body {
        Body::ReturnName => (
            format!(
                "export function handler(e) {{ return {}; }}",
                js_string(&name)
            ),
            Expect::Name(name.clone()),
            true,
        ),
        Body::CallHost(i) if !functions.is_empty() => {
            let (module, function) = &functions[usize::from(*i) % functions.len()];
            (
                format!(
                    "import * as m from {}; export function handler(e) {{ return m[{}](e); }}",
                    js_string(&format!("host:{module}")),
                    js_string(function)
                ),
                Expect::Host(module.clone(), function.clone()),
                true,
            )
        }
        Body::CallHost(_) => (
            "function handler(e) { return null; }".to_owned(),
            Expect::Null,
            true,
        ),
        Body::ImportHost(module) => {
            let specifier = format!("host:{module}");
            (
                format!(
                    "import * as m from {}; export function handler(e) {{ return null; }}",
                    js_string(&specifier)
                ),
                Expect::Null,
                imports(functions, &specifier),
            )
        }
        Body::Import(specifier) => (
            format!(
                "import * as m from {}; export function handler(e) {{ return null; }}",
                js_string(specifier)
            ),
            Expect::Null,
            imports(functions, specifier),
        ),
        Body::ImportHandler(i) => {
            let target = model.pick(&Name::Existing(*i));
            (
                format!(
                    "import * as m from {}; export function handler(e) {{ return null; }}",
                    js_string(&target)
                ),
                Expect::Null,
                // Another handler never loads; the name of a built-in
                // module loads the built-in, whatever handler has it.
                imports(functions, &target),
            )
        }
    };
    let result = sandbox.add_handler(&name, Script::from_content(source.as_str()));
    if let Err(error) = &result {
        check_error(error);
    }
    assert!(!sandbox.poisoned());
    if !valid_handler(&name) {
        assert!(
            matches!(&result, Err(Error::InvalidHandlerName { name: n, .. }) if *n == name),
            "{name:?}: {result:?}"
        );
    } else if model.find(&name).is_some() {
        assert!(
            matches!(&result, Err(Error::DuplicateHandler(n)) if *n == name),
            "{name:?}: {result:?}"
        );
    } else if loads {
        assert!(result.is_ok(), "{name:?} ({source}): {result:?}");
        model.handlers.push((name.clone(), expect));
    } else {
        assert!(
            matches!(&result, Err(Error::Compile { handler, .. }) if *handler == name),
            "{name:?} ({source}) must not load: {result:?}"
        );
    }
    if valid_handler(&name) && !model.seen.contains(&name) {
        model.seen.push(name);
    }
}

fuzz_target!(|input: Input| {
    let mut proto = SandboxBuilder::new().build().unwrap();
    // Registered (module, function) pairs, in order.
    let mut functions: Vec<(String, String)> = Vec::new();
    let mut registered: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (module, names) in input.modules.iter().take(6) {
        let host = proto.host_module(module);
        assert_eq!(
            host.is_ok(),
            valid_module(module),
            "module {module:?}: {:?}",
            host.err()
        );
        let Ok(mut host) = host else {
            assert!(matches!(
                proto.host_module(module),
                Err(Error::InvalidHostFunction(_))
            ));
            continue;
        };
        for function in names.iter().take(6) {
            let duplicate = registered
                .get(module)
                .is_some_and(|fs| fs.contains(function));
            let (m, f) = (module.clone(), function.clone());
            let result = host
                .register_raw(function, move |args| {
                    let args: Value = serde_json::from_str(args).map_err(|e| e.to_string())?;
                    Ok(json!({"m": m, "f": f, "a": args}).to_string())
                })
                .map(|_| ());
            if valid_function(function) && !duplicate {
                assert!(result.is_ok(), "{module:?}.{function:?}: {result:?}");
                registered
                    .entry(module.clone())
                    .or_default()
                    .push(function.clone());
                functions.push((module.clone(), function.clone()));
            } else {
                assert!(
                    matches!(result, Err(Error::InvalidHostFunction(_))),
                    "{module:?}.{function:?} must be refused: {result:?}"
                );
            }
        }
    }
    let mut sandbox = proto.load_runtime().unwrap();
    let mut model = Model::default();
    for op in input.ops.iter().take(24) {
        match op {
            Op::Add(name, body) => {
                let name = model.pick(name);
                add(&mut sandbox, &mut model, &functions, name, body);
            }
            Op::Remove(name) => {
                let name = model.pick(name);
                let result = sandbox.remove_handler(&name);
                if let Some(index) = model.handlers.iter().position(|(n, _)| *n == name) {
                    assert!(result.is_ok(), "removing {name:?}: {result:?}");
                    model.handlers.remove(index);
                } else {
                    assert!(
                        matches!(&result, Err(Error::UnknownHandler(n)) if *n == name),
                        "removing {name:?}: {result:?}"
                    );
                }
            }
        }
        let names: Vec<&str> = sandbox.handler_names().collect();
        let want: Vec<&str> = model.handlers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, want);
    }
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    for call in input.calls.iter().take(24) {
        match call {
            Call::Handler(name) => {
                let name = model.pick(name);
                check_call(&mut loaded, &model, &name);
            }
            Call::Unload => {
                let sandbox = loaded.unload().unwrap();
                assert_eq!(sandbox.handler_names().count(), 0);
                model.handlers.clear();
                loaded = sandbox.get_loaded_sandbox().unwrap();
            }
        }
    }
});
