//! `JSON.stringify(value)`, the way every result is serialized, has a
//! direct path of its own in the guest's engine; with a replacer it goes
//! the engine's general way. An identity replacer changes nothing a
//! serialization shows, so the two must agree on every value: output,
//! errors, and every side effect (toJSON calls and the keys they get,
//! getters, proxy traps), in the same order.

mod common;

use common::loaded;

/// Value factories, each given `log` to record its side effects.
const CASES: &str = r#"
const cases = {
    numbers: () => [0, -0, 1, -1, 1.5, -2.75, 1e21, 1e-7, 123456789012, 2 ** 31, -(2 ** 31),
        2 ** 53 + 2, 5e-324, Number.MAX_VALUE, NaN, Infinity, -Infinity, 0.1 + 0.2],
    literals: () => [true, false, null, undefined, "", [], {}],
    strings: () => ["plain", "quote\" back\\ slash /", "\u0000\u0001\u001f\b\t\n\f\r", "\u007f\u0080\u00ff é",
        "中文", "😀", "\ud800", "x\udc00", "a\ud800\udc00b", "\udbff", "\u2028\u2029", "x".repeat(5000) + "\n"],
    wide: () => ({ ["k\u00e9\u4e2d\n\"" + "\ud83d"]: "\u4e2d\u0000" + "y".repeat(3000) + "\ud83d\ude00\udead" }),
    skipped: () => ({ a: undefined, b: () => 1, c: Symbol("s"), d: 1, [Symbol("k")]: 2, e: null }),
    in_arrays: () => [undefined, () => 1, Symbol("s"), 1, , 3],
    top_undefined: () => undefined,
    top_function: () => function () {},
    top_symbol: () => Symbol("top"),
    bigint: () => ({ a: 1, b: 10n }),
    bigint_object: () => [Object(10n)],
    bigint_tojson: () => { BigInt.prototype.toJSON = function () { return `${this}n`; };
        try { return JSON.parse(JSON.stringify({ v: 5n })); } finally { delete BigInt.prototype.toJSON; } },
    boxed: () => [new Number(3.5), new String("s\n"), new Boolean(false), Object(Symbol("s"))],
    order: () => ({ b: 1, 2: "two", a: 2, 1: "one", "-1": "minus", "01": "zero one", 4294967294: "max index",
        4294967295: "not an index", 1.5: "float" }),
    nested: () => ({ a: [1, { b: [2, [3, { c: "d" }]] }], e: { f: { g: {} } } }),
    shared_not_circular: () => { const o = { x: 1 }; return { a: o, b: [o, o] }; },
    circular: () => { const o = { a: [1] }; o.a.push({ back: o }); return o; },
    circular_array: () => { const a = [1]; a.push(a); return a; },
    null_prototype: () => Object.assign(Object.create(null), { z: 1, y: [2] }),
    non_enumerable: () => Object.defineProperties({ a: 1 }, { hidden: { value: 2, enumerable: false },
        shown: { value: 3, enumerable: true } }),
    inherited: () => Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true } }),
    getters: (log) => ({ get a() { log("get a"); return 1; }, b: 2, get c() { log("get c"); return [3]; } }),
    getter_deletes_later: (log) => { const o = { get a() { log("a"); delete this.b; this.z = 9; return 1; }, b: 2, c: 3 }; return o; },
    getter_throws: () => ({ a: 1, get b() { throw new RangeError("from getter"); } }),
    tojson: (log) => ({ a: { toJSON(key) { log(`toJSON ${JSON.stringify(key)} ${typeof key}`); return "A"; } },
        list: [{ toJSON(key) { log(`element ${JSON.stringify(key)} ${typeof key}`); return undefined; } }, 7],
        toJSON: undefined }),
    tojson_top: (log) => ({ toJSON(key) { log(`top ${JSON.stringify(key)}`); return { wrapped: [this === undefined] }; } }),
    tojson_undefined_member: () => ({ a: 1, b: { toJSON() { return undefined; } }, c: 3 }),
    tojson_returns_object: () => ({ a: { toJSON() { return { toJSON() { return "not called"; }, b: 1 }; } } }),
    tojson_throws: () => ({ a: { toJSON() { throw new TypeError("from toJSON"); } } }),
    tojson_getter: (log) => ({ get toJSON() { log("get toJSON"); return () => "via getter"; } }),
    tojson_mutates_array: (log) => { const a = [1, { toJSON() { log("grow"); a.push(4); a.length = 2; return "x"; } }, 3]; return a; },
    tojson_makes_holes: () => { const a = [{ toJSON() { delete a[2]; a[5] = 5; return 0; } }, 1, 2]; return a; },
    dates: () => [new Date(0), new Date(NaN), { d: new Date(86400000) }],
    builtins: () => [/re/g, new Map([[1, 2]]), new Set([1]), new Error("e"), Math, new ArrayBuffer(2), Promise.resolve()],
    typed: () => ({ u8: new Uint8Array([1, 2, 250]), f64: new Float64Array([0.5, NaN]) }),
    sparse: () => { const a = []; a[3] = "x"; a.extra = "not shown"; return a; },
    long_sparse: () => { const a = [1]; a.length = 20; return a; },
    array_subclass: () => { class L extends Array {} const l = L.from([1, 2]); return { l }; },
    arguments_object: () => (function () { return arguments; })(1, "a"),
    class_instance: () => { class P { #secret = 1; constructor() { this.x = 1; } get y() { return 2; } } return new P(); },
    proxy: (log) => new Proxy({ a: 1, b: 2, hidden: 3 }, {
        ownKeys(t) { log("ownKeys"); return ["b", "a", "hidden", "missing"]; },
        getOwnPropertyDescriptor(t, k) { log(`gopd ${String(k)}`);
            return k === "hidden" ? { value: 3, enumerable: false, configurable: true } : Reflect.getOwnPropertyDescriptor(t, k); },
        get(t, k, r) { log(`get ${String(k)}`); return Reflect.get(t, k, r); } }),
    proxy_array: (log) => new Proxy([1, [2]], { get(t, k, r) { log(`get ${String(k)}`); return Reflect.get(t, k, r); } }),
    revoked: () => { const r = Proxy.revocable({}, {}); r.revoke(); return { p: r.proxy }; },
    frozen: () => Object.freeze({ a: Object.freeze([1, 2]), b: "c" }),
    raw_json: () => ({ r: JSON.rawJSON("1e1000"), s: JSON.rawJSON('"raw"'), list: [JSON.rawJSON("null")] }),
    deep_arrays: () => { let v = []; for (let i = 0; i < 2000; i++) v = [v, i]; return v; },
    deep_objects: () => { let v = {}; for (let i = 0; i < 2000; i++) v = { v, i }; return v; },
    many_keys: () => { const o = {}; for (let i = 0; i < 300; i++) o["k" + i] = i % 3 ? i : "v" + i; return o; },
    large_list: () => Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item-${i}`, price: i * 1.25, tags: ["x", "y"] })),
    rope: () => { let s = ""; for (let i = 0; i < 200; i++) s += "part" + i + "\t"; return { s, t: [s + s] }; },
    global_props: () => ({ g: typeof globalThis, keys: Object.keys({ ...{ a: 1 } }) }),
};

function run(name, replacer) {
    const log = [];
    try {
        return { text: JSON.stringify(cases[name]((line) => log.push(line)), replacer), log };
    } catch (error) {
        return { error: `${error.constructor.name}: ${error.message}`, log };
    }
}
"#;

/// Compares both serializations of every case; returns the differences.
const COMPARE: &str = r#"
function handler() {
    const differences = [];
    for (const name of Object.keys(cases)) {
        const direct = JSON.stringify(run(name, undefined));
        const general = JSON.stringify(run(name, (key, value) => value));
        if (direct !== general) differences.push(`${name}:\n  direct:  ${direct}\n  general: ${general}`);
    }
    return differences;
}"#;

/// One case's value as the handler's result, or its serialization the
/// general way (`e.general`).
const RESULT: &str = r#"
function handler(e) {
    if (e.general) return run(e.name, (key, value) => value);
    return cases[e.name](() => {});
}"#;

#[test]
fn json_stringify_agrees_with_the_general_serializer_on_every_value() {
    let compare = format!("{CASES}{COMPARE}");
    let mut loaded = loaded(&[("compare", compare.as_str())]);
    let differences = loaded.handle_event("compare", "{}", None).unwrap();
    let differences: Vec<String> = serde_json::from_str(&differences).unwrap();
    assert!(
        differences.is_empty(),
        "the direct serializer differs:\n{}",
        differences.join("\n")
    );
}

#[test]
fn results_are_the_text_the_general_serializer_makes() {
    let result = format!("{CASES}{RESULT}");
    let mut loaded = loaded(&[("result", result.as_str())]);
    for name in [
        "numbers",
        "strings",
        "wide",
        "order",
        "nested",
        "skipped",
        "in_arrays",
        "tojson",
        "proxy",
        "raw_json",
        "large_list",
        "deep_objects",
    ] {
        let general = loaded
            .handle_event(
                "result",
                format!(r#"{{"name":"{name}","general":true}}"#),
                None,
            )
            .unwrap();
        let general: serde_json::Value = serde_json::from_str(&general).unwrap();
        let expected = general["text"].as_str().unwrap();
        let direct = loaded
            .handle_event("result", format!(r#"{{"name":"{name}"}}"#), None)
            .unwrap();
        assert_eq!(direct, expected, "case {name}");
    }
}

#[test]
fn known_texts() {
    let mut loaded = loaded(&[(
        "known",
        r#"function handler() {
            return [
                JSON.stringify({ b: 1, 2: "two", a: [1.5, -0, NaN, "\n\u0001\ud800"], 1: null }),
                JSON.stringify("\u2028é😀"),
                JSON.stringify(undefined),
            ];
        }"#,
    )]);
    let texts = loaded.handle_event("known", "{}", None).unwrap();
    let texts: Vec<Option<String>> = serde_json::from_str(&texts).unwrap();
    assert_eq!(
        texts,
        [
            Some(r#"{"1":null,"2":"two","b":1,"a":[1.5,0,null,"\n\u0001\ud800"]}"#.to_owned()),
            Some("\"\u{2028}é😀\"".to_owned()),
            None,
        ]
    );
}

/// JSON texts against the engine's own reading of the same text as a
/// JavaScript literal, which does not go through the JSON parser: the same
/// values, keys in the same order, the last of a repeated key winning.
/// Random texts (from a fixed seed) mix keys the engine has names for
/// (`length`, `constructor`...), indices, escapes and non-ASCII text.
const PARSE: &str = r#"
const fixed = [
    '{"id":12345,"user":"alice","action":"login","ok":true,"tags":["a","b"]}',
    '{"length":"length","name":"constructor","prototype":{"toString":"valueOf"},"":"","a":""}',
    '{"b":1,"2":"two","a":2,"1":"one","-1":"m","01":"z","4294967294":"i","4294967295":"n","1.5":"f"}',
    '{"a":1,"b":2,"a":3,"c":{"x":1,"x":[2]},"b":null}',
    '{"k\\u00e9":"\\u4e2d","\\n":"\\"","é":"ü","😀":"\\ud83d\\ude00","\\ud800":"\\udc00","tab\\t":"x\\/y"}',
    '["length","constructor","toString","__defineGetter__","x".repeat(3)]'.replace('"x".repeat(3)', '"xxx"'),
    '{"' + "k".repeat(64) + '":1,"' + "k".repeat(65) + '":2,"' + "toString".repeat(9) + '":3}',
    '[' + Array.from({ length: 300 }, (_, i) => `{"id":${i},"name":"item-${i}","price":${i * 1.25},"tags":["x","y"]}`).join(',') + ']',
];
let seed = 12345;
function next(n) { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; }
const keys = ["id", "length", "name", "constructor", "__defineSetter__", "toString", "a", "b", "", "0", "7",
    "01", "-1", "4294967295", "k\\u00e9", "é", "\\n", "x y", "valueOf", "hasOwnProperty", "then", "user"];
const strings = ["", "alice", "length", "constructor", "a", "é", "\\u0041", "\\\\", "line\\nbreak", "😀",
    "123", "toString", "x".repeat(70)];
function value(depth) {
    switch (depth > 4 ? next(4) : next(7)) {
        case 0: return String(next(100000) - 50000);
        case 1: return ["true", "false", "null", "1.5e3", "-0", "0.1"][next(6)];
        case 2: case 3: return '"' + strings[next(strings.length)] + '"';
        case 4: { const n = next(6); const members = [];
            for (let i = 0; i < n; i++) members.push('"' + keys[next(keys.length)] + '":' + value(depth + 1));
            return "{" + members.join(",") + "}"; }
        default: { const n = next(5); const items = [];
            for (let i = 0; i < n; i++) items.push(value(depth + 1));
            return "[" + items.join(",") + "]"; }
    }
}
function shape(v) {
    if (v === null || typeof v !== "object") return [typeof v, Object.is(v, -0) ? "-0" : v];
    if (Array.isArray(v)) return ["array", v.map(shape)];
    return ["object", Object.getPrototypeOf(v) === Object.prototype,
        Object.getOwnPropertyNames(v).map((k) => [k, Object.getOwnPropertyDescriptor(v, k).enumerable, shape(v[k])])];
}
function handler() {
    const differences = [];
    const texts = fixed.slice();
    for (let i = 0; i < 3000; i++) texts.push(value(0));
    for (const text of texts) {
        const parsed = JSON.stringify(shape(JSON.parse(text)));
        const literal = JSON.stringify(shape(eval("(" + text + ")")));
        if (parsed !== literal) differences.push(`${text}\n  parsed:  ${parsed}\n  literal: ${literal}`);
    }
    return { texts: texts.length, differences };
}"#;

#[test]
fn json_parse_reads_texts_as_the_engine_reads_literals() {
    let mut loaded = loaded(&[("parse", PARSE)]);
    let outcome = loaded.handle_event("parse", "{}", None).unwrap();
    let outcome: serde_json::Value = serde_json::from_str(&outcome).unwrap();
    assert_eq!(outcome["texts"], 3008);
    let differences = outcome["differences"].as_array().unwrap();
    assert!(
        differences.is_empty(),
        "JSON.parse differs from the literal:\n{}",
        differences
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Strings parsed from JSON may share the engine's own property names;
/// dropping them, over and over, must leave those names intact.
#[test]
fn parsed_strings_that_are_property_names_leave_the_names_intact() {
    let mut loaded = loaded(&[(
        "names",
        r#"function handler(e) {
            for (let i = 0; i < 2000; i++) JSON.parse(e.text);
            const o = JSON.parse(e.text);
            return [o.length, o.constructor, typeof [].length, [1, 2].length,
                    ({}).constructor === Object, "length" in [], Object.keys({ length: 1, name: 2 })];
        }"#,
    )]);
    let event = serde_json::json!({
        "text": r#"{"length":"length","constructor":"constructor","name":"name","prototype":"toString","id":"id"}"#
    })
    .to_string();
    for gc in [Some(true), Some(false), Some(true)] {
        assert_eq!(
            loaded.handle_event("names", &event, gc).unwrap(),
            r#"["length","constructor","number",2,true,true,["length","name"]]"#
        );
    }
}

/// A string that is a property name's own string (as `Object.keys` and now
/// `JSON.parse` return them) must not be appended to in place: the name
/// would change under its atom.
#[test]
fn appending_to_a_property_name_makes_a_new_string() {
    let mut loaded = loaded(&[(
        "append",
        r#"function key(n) { const o = {}; o["key" + n] = 1; return Object.keys(o)[0]; }
        function parsed(n) { return JSON.parse('{"' + "name" + n + '":0,"v":"' + "name" + n + '"}').v; }
        function handler() {
            const seen = [];
            for (const [make, prefix] of [[key, "key"], [parsed, "name"]]) {
                for (let n = 10; n < 40; n++) {
                    let s = make(n);
                    s += "x";
                    const p = {};
                    p[s] = 1;
                    const name = prefix + n + "x";
                    if (p[name] !== 1 || Object.keys(p)[0] !== name) seen.push(name);
                }
            }
            return seen;
        }"#,
    )]);
    assert_eq!(loaded.handle_event("append", "{}", None).unwrap(), "[]");
}
