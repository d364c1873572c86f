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

/// A handler whose load runs `load` and then makes a cycle, and whose
/// calls let that cycle go and make one of their own (`let go`), set
/// `globalThis.grown` to `grow` (`grow`), or say which cycles were freed.
fn generations(load: &str, grow: &str) -> String {
    format!(
        r#"{CYCLE_HELPERS}
    {load}
    globalThis.loaded = cycle("loaded");
    export function handler(event) {{
        switch (event.step) {{
            case "let go":
                delete globalThis.loaded;
                cycle("made by a call");
                return "let go";
            case "grow":
                globalThis.grown = {grow};
                return "grown";
            default:
                return Promise.resolve().then(() => freed.slice().sort());
        }}
    }}"#
    )
}

/// With the handler of `source` (see [`generations`]): what loading built
/// is pinned by `get_loaded_sandbox`, so the collection after a call frees
/// what the call made while the loaded cycle the call let go waits; once
/// the heap has doubled, the collection is a full one again.
fn a_loaded_cycle_waits_for_a_full_collection(source: &str) {
    let mut loaded = loaded(&[("gen", source)]);
    let mut call = |step: &str| {
        loaded
            .handle_event("gen", format!(r#"{{"step":"{step}"}}"#), Some(true))
            .unwrap()
    };
    assert_eq!(call("let go"), "\"let go\"");
    assert_eq!(call("report"), r#"["made by a call"]"#);
    assert_eq!(call("grow"), "\"grown\"");
    assert_eq!(call("report"), r#"["loaded","made by a call"]"#);
}

#[test]
fn loaded_objects_are_collected_again_once_the_heap_has_doubled() {
    // A library's worth of objects: `get_loaded_sandbox` runs a full
    // collection, which leaves them pinned.
    a_loaded_cycle_waits_for_a_full_collection(&generations(
        "const table = Array.from({ length: 60000 }, (_, i) => ({ i, name: 'entry ' + i }));",
        "[table, table, table].flat().map((row) => ({ ...row }))",
    ));
}

#[test]
fn what_a_small_load_built_is_skipped_too() {
    // A load that grows the heap too little for a full collection: what it
    // built survives a collection of the young objects alone, which pins it.
    a_loaded_cycle_waits_for_a_full_collection(&generations(
        "",
        "Array.from({ length: 20000 }, (_, i) => ({ i }))",
    ));
}
