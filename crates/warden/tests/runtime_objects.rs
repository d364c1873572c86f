//! The objects the runtime makes for itself before any handler runs, and
//! those that survived a full collection: the cycle collector no longer
//! visits them, yet garbage a call makes is still freed (also cycles that
//! went through built-ins), what a built-in still holds stays alive, what
//! loading built is skipped as well, and a full collection comes once the
//! heap has doubled; and the runtime's functions keep no copy of their
//! source.

mod common;

use common::loaded;

/// `cycle(name)` builds a cycle of two objects; `freed` lists the names of
/// those the collector freed, once the finalizers (jobs) have run.
const CYCLE_HELPERS: &str = r#"
    const freed = [];
    const registry = new FinalizationRegistry((name) => freed.push(name));
    function cycle(name) {
        const a = { name }, b = { a };
        a.b = b;
        registry.register(a, name);
        return a;
    }
"#;

/// `make` builds cycles and registers them; `report` says which were freed.
const CYCLES: &str = r#"
    export function handler(event) {
        switch (event.step) {
            case "make":
                cycle("plain");
                // Held by a built-in's prototype, then let go.
                URL.prototype.held = cycle("through a built-in");
                delete URL.prototype.held;
                // Referencing built-ins from inside the cycle.
                const c = cycle("referencing built-ins");
                c.b.url = URL; c.b.proto = Object.prototype; c.b.timers = setTimeout;
                // Still held by a built-in: must stay.
                EventTarget.prototype.kept = cycle("kept by a built-in");
                return "made";
            case "let go":
                delete EventTarget.prototype.kept;
                return "let go";
            default:
                // The finalizers are jobs the collector queued after the
                // last call: they run before this one.
                return Promise.resolve().then(() => freed.slice().sort());
        }
    }"#;

#[test]
fn cycles_are_freed_unless_a_built_in_holds_them() {
    let mut loaded = loaded(&[("cycles", &format!("{CYCLE_HELPERS}{CYCLES}"))]);
    let call = |loaded: &mut warden::LoadedJSSandbox, step: &str| {
        loaded
            .handle_event("cycles", format!(r#"{{"step":"{step}"}}"#), Some(true))
            .unwrap()
    };
    assert_eq!(call(&mut loaded, "make"), "\"made\"");
    assert_eq!(
        call(&mut loaded, "report"),
        r#"["plain","referencing built-ins","through a built-in"]"#
    );
    assert_eq!(call(&mut loaded, "let go"), "\"let go\"");
    assert_eq!(
        call(&mut loaded, "report"),
        r#"["kept by a built-in","plain","referencing built-ins","through a built-in"]"#
    );
}

#[test]
fn the_runtimes_own_functions_show_as_native_code_and_handlers_keep_their_source() {
    let mut loaded = loaded(&[(
        "sources",
        "function mine(a) { return a + 1; }
         export function handler() {
             return [mine.toString(), URL.prototype.toString.toString(), setTimeout.toString(),
                     EventTarget.toString(), String(structuredClone)];
         }",
    )]);
    let out: serde_json::Value =
        serde_json::from_str(&loaded.handle_event("sources", "{}", None).unwrap()).unwrap();
    let native = "function () { [native code] }";
    assert_eq!(
        out,
        serde_json::json!([
            "function mine(a) { return a + 1; }",
            native,
            native,
            native,
            native
        ])
    );
}

/// A handler that loads a library's worth of objects, holding a cycle.
const GENERATIONS: &str = r#"
    const table = Array.from({ length: 60000 }, (_, i) => ({ i, name: 'entry ' + i }));
    globalThis.loaded = cycle("loaded");
    export function handler(event) {
        switch (event.step) {
            case "let go":
                delete globalThis.loaded;
                cycle("made by a call");
                return "let go";
            case "grow":
                globalThis.grown = [table, table, table].flat().map((row) => ({ ...row }));
                return "grown";
            default:
                return Promise.resolve().then(() => freed.slice().sort());
        }
    }"#;

#[test]
fn loaded_objects_are_collected_again_once_the_heap_has_doubled() {
    let mut loaded = loaded(&[("gen", &format!("{CYCLE_HELPERS}{GENERATIONS}"))]);
    let mut call = |step: &str| {
        loaded
            .handle_event("gen", format!(r#"{{"step":"{step}"}}"#), Some(true))
            .unwrap()
    };
    // Loading built a library's worth of objects: `get_loaded_sandbox` ran
    // a full collection, which left them pinned. Garbage a call makes is
    // freed by the collection after it, which skips the loaded objects: a
    // cycle among them that the call let go waits.
    assert_eq!(call("let go"), "\"let go\"");
    assert_eq!(call("report"), r#"["made by a call"]"#);
    // Once the heap has doubled, the collection is a full one again.
    assert_eq!(call("grow"), "\"grown\"");
    assert_eq!(call("report"), r#"["loaded","made by a call"]"#);
}

/// A handler whose load builds little: a cycle, and one object per call.
const SMALL_LOAD: &str = r#"
    globalThis.loaded = cycle("loaded");
    export function handler(event) {
        switch (event.step) {
            case "let go":
                delete globalThis.loaded;
                cycle("made by a call");
                return "let go";
            case "grow":
                globalThis.grown = Array.from({ length: 20000 }, (_, i) => ({ i }));
                return "grown";
            default:
                return Promise.resolve().then(() => freed.slice().sort());
        }
    }"#;

#[test]
fn what_a_small_load_built_is_skipped_too() {
    let mut loaded = loaded(&[("small", &format!("{CYCLE_HELPERS}{SMALL_LOAD}"))]);
    let mut call = |step: &str| {
        loaded
            .handle_event("small", format!(r#"{{"step":"{step}"}}"#), Some(true))
            .unwrap()
    };
    // The load grew the heap too little for a full collection, yet what it
    // built survived one collection (at `get_loaded_sandbox`) and is not
    // visited again: the collection after a call frees what the call made,
    // while the loaded cycle the call let go waits.
    assert_eq!(call("let go"), "\"let go\"");
    assert_eq!(call("report"), r#"["made by a call"]"#);
    // Once the heap has doubled, the collection is a full one again.
    assert_eq!(call("grow"), "\"grown\"");
    assert_eq!(call("report"), r#"["loaded","made by a call"]"#);
}
