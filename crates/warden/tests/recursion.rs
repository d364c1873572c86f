//! Recursion: deep enough for real code, and past the limit a `RangeError`
//! the handler can catch, never a poisoned sandbox.

mod common;

use common::{loaded, loaded_with, ECHO};
use warden::{Error, SandboxBuilder};

const MIB: usize = 1024 * 1024;

/// Plain recursion to `e.n` levels.
const DEEP: &str = "function f(n) { return n === 0 ? 0 : 1 + f(n - 1); }
    function handler(e) { return f(e.n); }";

/// Returns what `e.what` throws, or `"no error"`.
const CATCHING: &str = r#"
    function recurse() { return recurse() + 1; }
    const attacks = {
        recursion: () => recurse(),
        mutual: () => { const a = { get x() { return b.y(); } }, b = { y() { return a.x; } }; return b.y(); },
        proxy: () => { const p = new Proxy({}, { get(t, k) { return p[k]; } }); return p.x; },
        toString: () => { const o = { toString() { return String(o); } }; return String(o); },
        getter: () => { const o = { get x() { return this.x; } }; return o.x; },
        parse: () => JSON.parse("[".repeat(500000) + "]".repeat(500000)),
        stringify: () => { let v = []; for (let i = 0; i < 500000; i++) v = [v]; return JSON.stringify(v); },
        join: () => { let v = []; for (let i = 0; i < 500000; i++) v = [v]; return String(v); },
        source: () => eval("(".repeat(500000) + "1" + ")".repeat(500000)),
        regexp: () => new RegExp("(?:".repeat(100000) + "a" + ")".repeat(100000)),
        generator: () => { function* g() { yield* g(); } return [...g()]; },
        apply: () => { function f() { return f.apply(null, []); } return f(); },
        arrays: () => eval("[".repeat(500000) + "]".repeat(500000)),
        objects: () => eval("(" + "{a:".repeat(200000) + "1" + "}".repeat(200000) + ")"),
        unary: () => eval("!".repeat(500000) + "1"),
        assignment: () => eval("var a; " + "a = ".repeat(500000) + "1"),
        calls: () => eval("f(".repeat(200000) + ")".repeat(200000)),
        classes: () => eval("(class extends ".repeat(50000) + "Object" + "{})".repeat(50000)),
        templates: () => eval("`${".repeat(200000) + "1" + "}`".repeat(200000)),
        blocks: () => eval("{".repeat(500000) + "}".repeat(500000)),
        ifs: () => eval("if (1) ".repeat(500000) + ";"),
        flat: () => { let v = []; for (let i = 0; i < 500000; i++) v = [v]; return v.flat(Infinity); },
        proxyChain: () => { let p = {}; for (let i = 0; i < 200000; i++) p = new Proxy(p, {}); return p.x; },
    };
    function handler(e) {
        try { attacks[e.what](); return "no error"; }
        catch (error) { return error.name + ": " + error.message; }
    }"#;

/// A recursive-descent parser of nested parentheses, the shape of the
/// expression parsers in libraries such as mathjs.
const PARSER: &str = r#"
    function parse(text) {
        let at = 0;
        function expression() {
            if (text[at] === "(") { at++; const inner = expression(); at++; return inner + 1; }
            at++;
            return 0;
        }
        return expression();
    }
    function handler(e) { return parse("(".repeat(e.n) + "x" + ")".repeat(e.n)); }"#;

/// Compiles deeply nested source from many stack depths, a JavaScript
/// frame of 16 bytes more or less at a time, so the parser runs out of
/// stack at every point of its work: also while it looks ahead (for an
/// arrow function or a destructuring assignment) and seeks back. Returns
/// each distinct outcome.
const NESTED_FROM_EVERY_DEPTH: &str = r#"
    const sources = [
        "(" + "{a:".repeat(200000) + "1" + "}".repeat(200000) + ")",
        "[".repeat(200000) + "]".repeat(200000),
        "(".repeat(200000) + "a" + ")".repeat(200000),
        "x = " + "[{a:".repeat(100000) + "1" + "}]".repeat(100000),
    ];
    // `pads[k]` calls its argument from a frame with k more locals.
    const pads = [];
    for (let k = 0; k < 24; k++) {
        let locals = "";
        for (let i = 0; i < k; i++) locals += "var v" + i + " = " + i + "; ";
        pads.push(new Function("next", locals + "return next();"));
    }
    function down(depth, next) { return depth === 0 ? next() : down(depth - 1, next); }
    function handler() {
        const outcomes = {};
        for (const source of sources) {
            for (let depth = 0; depth < 6; depth++) {
                for (const pad of pads) {
                    let outcome;
                    try { down(depth, () => pad(() => eval(source))); outcome = "parsed"; }
                    catch (e) { outcome = e.name + ": " + e.message; }
                    outcomes[outcome] = (outcomes[outcome] || 0) + 1;
                }
            }
        }
        return outcomes;
    }"#;

#[test]
fn a_parse_out_of_stack_is_a_range_error_wherever_the_stack_runs_out() {
    let mut loaded = loaded(&[("nested", NESTED_FROM_EVERY_DEPTH)]);
    let outcomes: serde_json::Value =
        serde_json::from_str(&loaded.handle_event("nested", "{}", None).unwrap()).unwrap();
    assert_eq!(
        outcomes,
        serde_json::json!({ "RangeError: Maximum call stack size exceeded": 4 * 6 * 24 })
    );
}

#[test]
fn plain_recursion_reaches_ten_thousand_frames_by_default_whatever_the_calling_thread() {
    // A thread with a small stack: the guest's stack does not come from it.
    let depth = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let mut loaded = loaded(&[("deep", DEEP), ("parser", PARSER)]);
            let deep = loaded.handle_event("deep", r#"{"n":10000}"#, None);
            let parser = loaded.handle_event("parser", r#"{"n":5000}"#, None);
            (deep.unwrap(), parser.unwrap())
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(depth, ("10000".to_owned(), "5000".to_owned()));
}

#[test]
fn json_reaches_ten_thousand_levels_by_default() {
    let mut loaded = loaded(&[(
        "json",
        r#"function handler(e) {
            const text = "[".repeat(e.n) + "]".repeat(e.n);
            return JSON.stringify(JSON.parse(text)) === text;
        }"#,
    )]);
    assert_eq!(
        loaded.handle_event("json", r#"{"n":10000}"#, None).unwrap(),
        "true"
    );
}

#[test]
fn every_way_to_overflow_the_stack_is_a_catchable_error() {
    let mut loaded = loaded(&[("echo", ECHO), ("catching", CATCHING)]);
    for what in [
        "recursion",
        "mutual",
        "proxy",
        "toString",
        "getter",
        "parse",
        "stringify",
        "join",
        "source",
        "generator",
        "apply",
        "arrays",
        "objects",
        "unary",
        "assignment",
        "calls",
        "classes",
        "templates",
        "blocks",
        "ifs",
        "flat",
        "proxyChain",
    ] {
        let event = format!(r#"{{"what":"{what}"}}"#);
        let caught = loaded.handle_event("catching", &event, None).unwrap();
        assert_eq!(
            caught, "\"RangeError: Maximum call stack size exceeded\"",
            "{what}"
        );
        assert!(!loaded.poisoned(), "{what}");
        assert_eq!(loaded.handle_event("echo", "[1]", None).unwrap(), "[1]");
    }
    // The regular-expression compiler reports its own overflow as QuickJS
    // does, as a SyntaxError.
    let caught = loaded
        .handle_event("catching", r#"{"what":"regexp"}"#, None)
        .unwrap();
    assert_eq!(caught, "\"SyntaxError: stack overflow\"");
}

#[test]
fn uncaught_stack_overflow_is_reported_as_a_range_error_and_does_not_poison() {
    let mut loaded = loaded(&[("echo", ECHO), ("deep", DEEP)]);
    match loaded.handle_event("deep", r#"{"n":100000000}"#, None) {
        Err(Error::HandlerThrew { handler, error }) => {
            assert_eq!(handler, "deep");
            assert_eq!(error.name, "RangeError");
            assert_eq!(error.message, "Maximum call stack size exceeded");
        }
        other => panic!("expected HandlerThrew, got {other:?}"),
    }
    assert!(!loaded.poisoned());
    assert_eq!(loaded.handle_event("echo", "[2]", None).unwrap(), "[2]");
}

#[test]
fn an_event_nested_past_the_parser_limit_is_an_invalid_event() {
    let mut loaded = loaded(&[("echo", ECHO)]);
    // 3,850 levels in 7.7 KB parse; 400,000 levels (800 KB, under the size
    // limit) are past the parser's stack limit.
    let moderate = format!("{}{}", "[".repeat(3850), "]".repeat(3850));
    assert_eq!(
        loaded.handle_event("echo", &moderate, None).unwrap(),
        moderate
    );
    for deep in [
        format!("{}{}", "[".repeat(400_000), "]".repeat(400_000)),
        format!("{}1{}", r#"{"a":"#.repeat(150_000), "}".repeat(150_000)),
    ] {
        match loaded.handle_event("echo", &deep, None) {
            Err(Error::InvalidEvent(message)) => {
                assert!(message.contains("nested too deeply"), "{message}")
            }
            other => panic!("expected InvalidEvent, got {other:?}"),
        }
        assert!(!loaded.poisoned());
        assert_eq!(loaded.handle_event("echo", "[3]", None).unwrap(), "[3]");
    }
}

#[test]
fn every_accepted_native_stack_size_works() {
    for stack in [MIB, 8 * MIB, 256 * MIB] {
        let builder = SandboxBuilder::new().max_wasm_stack(stack);
        let mut loaded = loaded_with(builder, &[("deep", DEEP), ("catching", CATCHING)]);
        assert_eq!(
            loaded.handle_event("deep", r#"{"n":100}"#, None).unwrap(),
            "100",
            "{stack}"
        );
        let caught = loaded
            .handle_event("catching", r#"{"what":"recursion"}"#, None)
            .unwrap();
        assert_eq!(
            caught, "\"RangeError: Maximum call stack size exceeded\"",
            "{stack}"
        );
    }
    let too_big = SandboxBuilder::new().max_wasm_stack(256 * MIB + 1).build();
    assert!(matches!(too_big, Err(Error::InvalidConfig(_))));
}
