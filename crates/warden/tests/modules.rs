//! User modules: handlers import JavaScript the embedder provides.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::js_sandbox;
use warden::{embed_modules, new_error, Error, JSSandbox, SandboxBuilder, Script};

fn with_loader(loader: impl warden::ModuleLoader) -> JSSandbox {
    SandboxBuilder::new()
        .build()
        .unwrap()
        .set_module_loader(loader)
        .unwrap()
        .load_runtime()
        .unwrap()
}

fn call(sandbox: JSSandbox, handler: &str, event: &str) -> String {
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    loaded.handle_event(handler, event, None).unwrap()
}

/// The message of a failed load.
fn load_error(sandbox: &mut JSSandbox, script: Script) -> String {
    match sandbox.add_handler("h", script).unwrap_err() {
        error @ Error::Compile { .. } => error.to_string(),
        other => panic!("not a compile error: {other:?}"),
    }
}

#[test]
fn embedded_files_import_each_other_by_relative_path() {
    let modules = embed_modules! {
        "units.js" => "fixtures/modules/units.js",
        "geometry/index.js" => "fixtures/modules/geometry/index.js",
        "geometry/square.js" => "fixtures/modules/geometry/square.js",
    };
    let mut sandbox = with_loader(modules);
    let script = Script::from_content(
        "import { area } from './units.js'; function handler(e) { return area(e.side); }",
    )
    .with_virtual_base("/");
    sandbox.add_handler("area", script).unwrap();
    assert_eq!(call(sandbox, "area", r#"{"side": 3}"#), r#""9 m2""#);
}

#[test]
fn a_virtual_base_sets_where_relative_imports_start() {
    let modules = embed_modules! {
        "app/lib.js" => @inline "export const name = 'app lib';",
        "lib.js" => @inline "export const name = 'top lib';",
    };
    let mut sandbox = with_loader(modules);
    let source = "import { name } from './lib.js'; function handler() { return name; }";
    sandbox
        .add_handler(
            "app",
            Script::from_content(source).with_virtual_base("/app"),
        )
        .unwrap();
    sandbox
        .add_handler("top", Script::from_content(source))
        .unwrap();
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    assert_eq!(
        loaded.handle_event("app", "{}", None).unwrap(),
        r#""app lib""#
    );
    assert_eq!(
        loaded.handle_event("top", "{}", None).unwrap(),
        r#""top lib""#
    );
}

#[test]
fn extensions_and_index_files_are_found() {
    let mut modules = HashMap::new();
    modules.insert("plain".to_owned(), "export default 'plain';".to_owned());
    modules.insert("ext.js".to_owned(), "export default 'ext';".to_owned());
    modules.insert("esm.mjs".to_owned(), "export default 'esm';".to_owned());
    modules.insert(
        "dir/index.js".to_owned(),
        "export default 'dir';".to_owned(),
    );
    let mut sandbox = with_loader(modules);
    sandbox
        .add_handler(
            "h",
            Script::from_content(
                "import a from 'plain'; import b from './ext'; import c from '/esm'; import d from './dir';
                 function handler() { return [a, b, c, d]; }",
            ),
        )
        .unwrap();
    assert_eq!(call(sandbox, "h", "{}"), r#"["plain","ext","esm","dir"]"#);
}

#[test]
fn imports_cannot_leave_the_module_tree() {
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = asked.clone();
    let mut sandbox = with_loader(move |path: &str| {
        seen.lock().unwrap().push(path.to_owned());
        Ok(None)
    });
    for specifier in ["../secret.js", "./a/../../secret.js", "/../secret.js"] {
        let script = Script::from_content(format!("import '{specifier}'; function handler() {{}}"));
        let message = load_error(&mut sandbox, script);
        assert!(
            message.contains("leads out of the root"),
            "{specifier}: {message}"
        );
    }
    let error = sandbox
        .add_handler(
            "h",
            Script::from_content("import './secret.js'; function handler() {}")
                .with_virtual_base("/.."),
        )
        .unwrap_err();
    assert!(matches!(error, Error::InvalidModule(_)), "{error:?}");
    assert!(
        error.to_string().contains("leads out of the root"),
        "{error}"
    );
    assert!(
        asked.lock().unwrap().is_empty(),
        "{:?}",
        asked.lock().unwrap()
    );
}

#[test]
fn a_missing_module_fails_the_load_and_names_the_module() {
    let mut sandbox = js_sandbox();
    let message = load_error(
        &mut sandbox,
        Script::from_content("import { x } from './strings.js'; function handler() { return x; }"),
    );
    assert!(message.contains("./strings.js"), "{message}");
    assert!(message.contains("no module loader"), "{message}");
    // The sandbox is as it was: a handler without imports still loads.
    sandbox
        .add_handler("ok", Script::from_content(common::ECHO))
        .unwrap();
    assert_eq!(call(sandbox, "ok", "1"), "1");
}

#[test]
fn loader_errors_and_panics_fail_the_import_with_a_message() {
    let mut failing = with_loader(|path: &str| Err(new_error!("disk on fire reading {path}")));
    let message = load_error(
        &mut failing,
        Script::from_content("import './x.js'; function handler() {}"),
    );
    assert!(message.contains("disk on fire reading x.js"), "{message}");

    let mut panicking =
        with_loader(|_: &str| -> warden::Result<Option<String>> { panic!("loader bug") });
    let message = load_error(
        &mut panicking,
        Script::from_content("import './x.js'; function handler() {}"),
    );
    assert!(message.contains("panicked"), "{message}");
    panicking
        .add_handler("ok", Script::from_content(common::ECHO))
        .unwrap();
}

#[test]
fn added_modules_come_before_the_loader_and_can_be_removed() {
    let mut sandbox =
        with_loader(embed_modules! { "greet" => @inline "export default 'from the loader';" });
    sandbox
        .add_module("greet", "export default 'added';")
        .unwrap();
    let source = "import greet from 'greet'; function handler() { return greet; }";
    sandbox
        .add_handler("added", Script::from_content(source))
        .unwrap();
    sandbox.remove_module("greet").unwrap();
    // Removing does not unload what a handler imported.
    let again = sandbox.add_handler("again", Script::from_content(source));
    again.unwrap();
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    assert_eq!(
        loaded.handle_event("added", "{}", None).unwrap(),
        r#""added""#
    );
    assert_eq!(
        loaded.handle_event("again", "{}", None).unwrap(),
        r#""added""#
    );
}

#[test]
fn module_names_and_sources_are_checked() {
    let mut sandbox = js_sandbox();
    for name in ["", "../x", "a\0b", "/"] {
        let error = sandbox.add_module(name, "export {}").unwrap_err();
        assert!(
            matches!(error, Error::InvalidModule(_)),
            "{name:?}: {error:?}"
        );
    }
    let error = sandbox
        .add_module("nul.js", "export const a = '\0';")
        .unwrap_err();
    assert!(error.to_string().contains("NUL"), "{error}");
    let error = sandbox.remove_module("never-added").unwrap_err();
    assert!(matches!(error, Error::InvalidModule(_)), "{error:?}");
    sandbox.add_module("a", "export default 1;").unwrap();
    sandbox.add_module("b", "export default 2;").unwrap();
    sandbox.clear_modules();
    let message = load_error(
        &mut sandbox,
        Script::from_content("import a from 'a'; function handler() { return a; }"),
    );
    assert!(message.contains("no module"), "{message}");
    let error = sandbox
        .add_handler("/a.js", Script::from_content(common::ECHO))
        .unwrap_err();
    assert!(
        matches!(error, Error::InvalidHandlerName { .. }),
        "{error:?}"
    );
}

#[test]
fn handlers_share_one_instance_of_a_module_and_snapshots_keep_it() {
    let loads = Arc::new(AtomicUsize::new(0));
    let counted = loads.clone();
    let mut sandbox = with_loader(move |path: &str| {
        counted.fetch_add(1, Ordering::SeqCst);
        Ok((path == "counter.js").then(|| "let n = 0; export const next = () => ++n;".to_owned()))
    });
    let source = "import { next } from './counter.js'; function handler() { return next(); }";
    sandbox
        .add_handler("a", Script::from_content(source))
        .unwrap();
    sandbox
        .add_handler("b", Script::from_content(source))
        .unwrap();
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    assert_eq!(loaded.handle_event("a", "{}", None).unwrap(), "1");
    let snapshot = loaded.snapshot().unwrap();
    assert_eq!(loaded.handle_event("b", "{}", None).unwrap(), "2");
    loaded.restore(&snapshot).unwrap();
    assert_eq!(loaded.handle_event("b", "{}", None).unwrap(), "2");
    assert!(loads.load(Ordering::SeqCst) >= 1);
}

#[test]
fn dynamic_imports_load_modules_during_a_call() {
    let mut sandbox = js_sandbox();
    sandbox
        .add_module("lazy.js", "export const value = 'lazy';")
        .unwrap();
    sandbox
        .add_handler(
            "h",
            Script::from_content(
                "export async function handler() { const m = await import('./lazy.js'); return m.value; }",
            ),
        )
        .unwrap();
    assert_eq!(call(sandbox, "h", "{}"), r#""lazy""#);
}

#[test]
fn a_failed_load_undoes_the_modules_it_evaluated() {
    let mut sandbox = js_sandbox();
    sandbox
        .add_module("state.js", "export const log = []; log.push('evaluated');")
        .unwrap();
    sandbox
        .add_handler("first", Script::from_content(common::ECHO))
        .unwrap();
    let error = sandbox
        .add_handler(
            "broken",
            Script::from_content(
                "import { log } from './state.js'; log.push('broken'); throw new Error('no');",
            ),
        )
        .unwrap_err();
    assert!(
        matches!(&error, Error::Compile { handler, .. } if handler == "broken"),
        "{error}"
    );
    sandbox
        .add_handler(
            "h",
            Script::from_content(
                "import { log } from './state.js'; function handler() { return log; }",
            ),
        )
        .unwrap();
    assert_eq!(call(sandbox, "h", "{}"), r#"["evaluated"]"#);
}
