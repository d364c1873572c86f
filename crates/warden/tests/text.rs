//! Guest text is bounded and faithful: huge strings never reach memory the
//! heap limit does not count, cut text says how long it was, and lone
//! surrogates become U+FFFD instead of blanking the text.

mod common;

use common::{collecting, loaded, loaded_from, loaded_with, ECHO};
use warden::{Error, SandboxBuilder, Script, MAX_ERROR_TEXT, MAX_PRINT_LINE};

const MIB: usize = 1024 * 1024;

/// Prints what `e.what` names.
const PRINTER: &str = r#"
    const lines = {
        huge: () => console.log("x".repeat(24 << 20)),
        four: () => { const s = "y".repeat(8 << 20); console.log(s, s, s, s); },
        latin1: () => console.log("\xe9".repeat(16 << 20)),
        surrogates: () => console.log("a\ud800b", "\udc00", "pair \ud83d\ude00 ok"),
        astral: () => console.log("\u{1F600}".repeat(1 << 20)),
    };
    function handler(e) { lines[e.what](); return e.what; }"#;

/// Throws an error whose fields are what `e.what` names.
const THROWER: &str = r#"
    function handler(e) {
        if (e.what === "huge") {
            const error = new Error("m".repeat(8 << 20));
            error.name = "N".repeat(8 << 20);
            Object.defineProperty(error, "stack", { value: "S".repeat(8 << 20) });
            throw error;
        }
        if (e.what === "surrogates") {
            const error = new Error("bad \ud800 surrogate");
            error.name = "Odd\udfffName";
            throw error;
        }
        if (e.what === "astral") throw new Error("\u{1F600}".repeat(1 << 20));
        throw "\ud800".repeat(4);
    }"#;

fn cut_note(line: &str) -> Option<usize> {
    let (_, note) = line.rsplit_once("… [cut from ")?;
    note.strip_suffix(" bytes]")?.parse().ok()
}

#[test]
fn huge_console_lines_are_cut_while_they_are_read() {
    let (builder, lines) = collecting();
    let mut loaded = loaded_with(builder, &[("echo", ECHO), ("print", PRINTER)]);
    for (what, char, full) in [
        ("huge", 'x', 24 * MIB),
        ("four", 'y', 32 * MIB + 3),
        ("latin1", 'é', 32 * MIB),
        ("astral", '😀', 4 * MIB),
    ] {
        lines.lock().unwrap().clear();
        let event = format!(r#"{{"what":"{what}"}}"#);
        assert_eq!(
            loaded.handle_event("print", &event, None).unwrap(),
            format!("\"{what}\"")
        );
        let printed = lines.lock().unwrap().clone();
        assert_eq!(printed.len(), 1, "{what}");
        let line = &printed[0];
        assert!(line.len() <= MAX_PRINT_LINE, "{what}: {}", line.len());
        assert!(line.len() > MAX_PRINT_LINE - 64, "{what}: {}", line.len());
        assert_eq!(cut_note(line), Some(full), "{what}");
        assert!(line.starts_with(char), "{what}");
        assert_eq!(loaded.handle_event("echo", "[1]", None).unwrap(), "[1]");
    }
}

#[test]
fn lone_surrogates_print_as_replacement_characters() {
    let (builder, lines) = collecting();
    let mut loaded = loaded_with(builder, &[("print", PRINTER)]);
    loaded
        .handle_event("print", r#"{"what":"surrogates"}"#, None)
        .unwrap();
    assert_eq!(
        lines.lock().unwrap().clone(),
        ["a\u{FFFD}b \u{FFFD} pair \u{1F600} ok"]
    );
}

#[test]
fn huge_and_malformed_error_fields_are_cut_never_emptied() {
    let mut loaded = loaded(&[("throw", THROWER)]);
    let thrown = |loaded: &mut warden::LoadedJSSandbox, what: &str| match loaded.handle_event(
        "throw",
        format!(r#"{{"what":"{what}"}}"#),
        None,
    ) {
        Err(Error::HandlerThrew { error, .. }) => error,
        other => panic!("{what}: expected HandlerThrew, got {other:?}"),
    };
    let huge = thrown(&mut loaded, "huge");
    for (field, char) in [(&huge.name, 'N'), (&huge.message, 'm')] {
        assert!(field.len() <= MAX_ERROR_TEXT && field.starts_with(char));
        assert_eq!(cut_note(field), Some(8 * MIB));
    }
    let stack = huge.stack.unwrap();
    assert!(stack.len() <= MAX_ERROR_TEXT && stack.starts_with('S'));
    assert_eq!(cut_note(&stack), Some(8 * MIB));

    let odd = thrown(&mut loaded, "surrogates");
    assert_eq!(odd.name, "Odd\u{FFFD}Name");
    assert_eq!(odd.message, "bad \u{FFFD} surrogate");

    let astral = thrown(&mut loaded, "astral");
    assert!(astral.message.starts_with('😀') && astral.message.len() <= MAX_ERROR_TEXT);
    assert_eq!(cut_note(&astral.message), Some(4 * MIB));

    let value = thrown(&mut loaded, "value");
    assert_eq!(value.message, "\u{FFFD}".repeat(4));
}

#[test]
fn results_over_the_limit_are_refused_before_they_are_copied() {
    let mut loaded = loaded(&[
        ("echo", ECHO),
        ("big", "function handler(e) { return 'r'.repeat(e.n); }"),
    ]);
    // The JSON of a string is two bytes of quotes longer than it.
    let limit = warden::DEFAULT_MAX_RESULT_SIZE;
    let fits = format!(r#"{{"n":{}}}"#, limit - 2);
    assert_eq!(
        loaded.handle_event("big", &fits, None).unwrap().len(),
        limit
    );
    for n in [limit - 1, 8 * MIB] {
        match loaded.handle_event("big", format!(r#"{{"n":{n}}}"#), None) {
            Err(Error::ResultTooLarge { size, limit: l }) => {
                assert_eq!((size, l), (n + 2, limit));
            }
            other => panic!("{n}: expected ResultTooLarge, got {other:?}"),
        }
        assert_eq!(loaded.handle_event("echo", "[1]", None).unwrap(), "[1]");
    }
}

#[test]
fn a_script_too_large_for_memory_is_out_of_memory_and_a_large_one_loads() {
    let large = format!(
        "function handler() {{ return 1 }}\n//{}",
        "x".repeat(16 * MIB)
    );
    let mut sandbox = common::js_sandbox();
    sandbox
        .add_handler("large", Script::from_content(large))
        .unwrap();
    let too_large = format!(
        "function handler() {{ return 1 }}\n//{}",
        "x".repeat(40 * MIB)
    );
    let error = sandbox
        .add_handler("too_large", Script::from_content(too_large))
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::OutOfMemory {
                poisoned: false,
                ..
            }
        ),
        "{error}"
    );
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    assert_eq!(loaded.handle_event("large", "{}", None).unwrap(), "1");
}

#[test]
fn host_function_results_are_bounded_like_their_arguments() {
    let limit = 64 * 1024;
    let mut proto = SandboxBuilder::new()
        .max_result_size(limit)
        .build()
        .unwrap();
    proto
        .host_module("source")
        .unwrap()
        .register("give", |n: usize| "g".repeat(n))
        .unwrap();
    let mut loaded = loaded_from(
        proto,
        &[(
            "h",
            "import { give } from 'host:source';
             export function handler(e) {
                 try { return give(e.n).length; } catch (x) { return x.message; }
             }",
        )],
    );
    let fits = format!(r#"{{"n":{}}}"#, limit - 2);
    assert_eq!(
        loaded.handle_event("h", &fits, None).unwrap(),
        (limit - 2).to_string()
    );
    let over = format!(r#"{{"n":{}}}"#, limit - 1);
    assert_eq!(
        loaded.handle_event("h", &over, None).unwrap(),
        format!(
            "\"host function source.give failed: its result is {} bytes, over the \
             limit of {limit} (the sandbox's result size limit)\"",
            limit + 1
        )
    );
}

#[test]
fn a_calls_console_output_is_bounded_and_the_drop_is_reported() {
    let (builder, lines) = collecting();
    let builder = builder.max_console_output(64 * 1024);
    let mut loaded = loaded_with(
        builder,
        &[(
            "chatty",
            "function handler(e) { for (let i = 0; i < e.n; i++) console.log('x'.repeat(1023)); return e.n; }",
        )],
    );
    assert_eq!(
        loaded
            .handle_event("chatty", r#"{"n":5000}"#, None)
            .unwrap(),
        "5000"
    );
    let printed = lines.lock().unwrap().clone();
    let (note, kept) = printed.split_last().unwrap();
    assert_eq!(kept.len(), 64);
    assert!(kept.iter().all(|line| line.len() == 1023));
    assert_eq!(
        note,
        "[warden] 4936 console line(s), 5049528 bytes, were dropped: over this call's budget \
         of 65536 bytes of console output"
    );
    // The next call has its whole budget again.
    lines.lock().unwrap().clear();
    assert_eq!(
        loaded.handle_event("chatty", r#"{"n":3}"#, None).unwrap(),
        "3"
    );
    assert_eq!(lines.lock().unwrap().len(), 3);
}

#[test]
fn a_huge_module_name_is_refused_without_being_copied() {
    let mut loaded = loaded(&[
        ("echo", ECHO),
        (
            "import",
            "async function handler(e) {
                 const name = 'x'.repeat(e.n);
                 try { e.require ? require(name) : await import(name); return 'loaded'; }
                 catch (err) { return [err.name, err.message.slice(0, 40)]; }
             }",
        ),
    ]);
    for how in ["import", "require"] {
        let event = format!(r#"{{"n":{},"require":{}}}"#, 20 * MIB, how == "require");
        let out = loaded.handle_event("import", event, None).unwrap();
        let (name, message): (String, String) = serde_json::from_str(&out).unwrap();
        assert!(
            name.ends_with("Error") && !message.is_empty(),
            "{how}: {out}"
        );
        assert_eq!(loaded.handle_event("echo", "[1]", None).unwrap(), "[1]");
    }
}
