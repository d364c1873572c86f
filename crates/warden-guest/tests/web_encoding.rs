//! `TextEncoder` and `TextDecoder`, exercised natively; the cases follow
//! the web-platform-tests of `encoding/`.

mod common;

use common::{call, result, runtime, runtime_with_limits, thrown};
use serde_json::{json, Value};
use warden_guest::Limits;

/// A handler whose body is `body`, after a helper `bytes` that lists the
/// bytes of a view.
fn with_bytes(body: &str) -> String {
    format!(
        "const bytes = (a) => Array.from(a);\n{}",
        common::body(body)
    )
}

#[test]
fn the_globals_have_the_standard_shape() {
    let out = result(&with_bytes(
        "const d = new TextDecoder();
         return [typeof TextEncoder, typeof TextDecoder, new TextEncoder().encoding,
                 d.encoding, d.fatal, d.ignoreBOM, TextDecoder.length, TextEncoder.prototype.encodeInto.length,
                 Object.prototype.toString.call(d), Object.keys(globalThis).includes('TextDecoder'),
                 typeof TextEncoder.prototype.encode, bytes(new TextEncoder().encode()),
                 d.decode(), d.decode(undefined)];",
    ));
    assert_eq!(
        out,
        json!([
            "function",
            "function",
            "utf-8",
            "utf-8",
            false,
            false,
            0,
            2,
            "[object TextDecoder]",
            false,
            "function",
            [],
            "",
            ""
        ])
    );
}

#[test]
fn text_round_trips_through_utf_8() {
    let out = result(&with_bytes(
        r#"const sample = "z\xA2\u6C34\u{1D11E}\uDBFF\uDFFD";
           const encoded = new TextEncoder().encode(sample);
           return [bytes(encoded), new TextDecoder().decode(encoded) === sample,
                   encoded instanceof Uint8Array, bytes(new TextEncoder().encode(null)),
                   bytes(new TextEncoder().encode(12))];"#,
    ));
    assert_eq!(
        out,
        json!([
            [0x7A, 0xC2, 0xA2, 0xE6, 0xB0, 0xB4, 0xF0, 0x9D, 0x84, 0x9E, 0xF4, 0x8F, 0xBF, 0xBD],
            true,
            true,
            [0x6E, 0x75, 0x6C, 0x6C],
            [0x31, 0x32]
        ])
    );
}

#[test]
fn lone_surrogates_are_encoded_as_replacement_characters() {
    // textencoder-utf16-surrogates.any.js
    let out = result(&with_bytes(
        r#"const enc = new TextEncoder();
           return ["\uD800", "\uDC00", "\uDC00\uD800", "a\uD834b", "\uD834\uDD1E"]
               .map((s) => new TextDecoder().decode(enc.encode(s)));"#,
    ));
    assert_eq!(
        out,
        json!([
            "\u{FFFD}",
            "\u{FFFD}",
            "\u{FFFD}\u{FFFD}",
            "a\u{FFFD}b",
            "\u{1D11E}"
        ])
    );
    let raw = result(&with_bytes(
        r#"return bytes(new TextEncoder().encode("\uD800x"));"#,
    ));
    assert_eq!(raw, json!([0xEF, 0xBF, 0xBD, 0x78]));
}

#[test]
fn encode_into_writes_whole_characters_and_counts_utf_16_units() {
    // encodeInto.any.js: a few of its table's rows.
    let out = result(&with_bytes(
        r#"const enc = new TextEncoder();
           const into = (s, size, offset = 0) => {
               const buffer = new Uint8Array(size + offset).fill(0x80);
               const view = new Uint8Array(buffer.buffer, offset, size);
               const r = enc.encodeInto(s, view);
               return [r.read, r.written, bytes(buffer)];
           };
           return [into("Hi", 0), into("A", 10, 4), into("\u{1D306}", 3), into("\u{1D306}A", 4),
                   into("\uD834A\uDF06A\xA5Hi", 10), into("A\uDF06", 4), into("\xA5\xA5", 3),
                   into("\uD834", 2), into("\uD834", 3)];"#,
    ));
    let filler = |n: usize| vec![json!(0x80); n];
    assert_eq!(out[0], json!([0, 0, []]));
    assert_eq!(
        out[1],
        json!([
            1,
            1,
            [0x80, 0x80, 0x80, 0x80, 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]
        ])
    );
    assert_eq!(out[2], json!([0, 0, filler(3)]));
    assert_eq!(out[3], json!([2, 4, [0xF0, 0x9D, 0x8C, 0x86]]));
    assert_eq!(
        out[4],
        json!([
            5,
            10,
            [0xEF, 0xBF, 0xBD, 0x41, 0xEF, 0xBF, 0xBD, 0x41, 0xC2, 0xA5]
        ])
    );
    assert_eq!(out[5], json!([2, 4, [0x41, 0xEF, 0xBF, 0xBD]]));
    assert_eq!(out[6], json!([1, 2, [0xC2, 0xA5, 0x80]]));
    assert_eq!(out[7], json!([0, 0, filler(2)]));
    assert_eq!(out[8], json!([1, 3, [0xEF, 0xBF, 0xBD]]));
}

#[test]
fn encode_into_checks_its_destination() {
    let out = result(&with_bytes(
        "const enc = new TextEncoder();
         const buffer = new ArrayBuffer(10);
         const view = new Uint8Array(buffer);
         const before = enc.encodeInto('', view);
         buffer.transfer();
         const after = enc.encodeInto('test', view);
         const shared = new Uint8Array(new SharedArrayBuffer(4));
         const r = enc.encodeInto('ab', shared);
         return [before, after, r, bytes(shared), Object.getPrototypeOf(r) === Object.prototype];",
    ));
    assert_eq!(
        out,
        json!([
            {"read": 0, "written": 0},
            {"read": 0, "written": 0},
            {"read": 2, "written": 2},
            [0x61, 0x62, 0, 0],
            true
        ])
    );
    for destination in [
        "new Uint8ClampedArray(4)",
        "new Int8Array(4)",
        "new ArrayBuffer(4)",
        "new DataView(new ArrayBuffer(4))",
        "[0, 0]",
        "undefined",
    ] {
        let (name, message) = thrown(&with_bytes(&format!(
            "new TextEncoder().encodeInto('x', {destination});"
        )));
        assert_eq!(name, "TypeError", "{destination}");
        assert!(message.contains("Uint8Array"), "{destination}: {message}");
    }
}

#[test]
fn invalid_sequences_become_one_replacement_per_maximal_subpart() {
    let out = result(&with_bytes(
        "const d = new TextDecoder();
         const dec = (...b) => d.decode(new Uint8Array(b));
         return [dec(0xC0), dec(0xE0, 0x80), dec(0xF0, 0x90, 0x80), dec(0xF0, 0x90, 0x80, 0x41),
                 dec(0xED, 0xA0, 0x80), dec(0xF4, 0x90, 0x80, 0x80), dec(0xFF, 0x41, 0xC3),
                 dec(0xE2, 0x82, 0xAC), dec(0xEF, 0xBF, 0xBD)];",
    ));
    let r = "\u{FFFD}";
    assert_eq!(
        out,
        json!([
            r,
            format!("{r}{r}"),
            r,
            format!("{r}A"),
            format!("{r}{r}{r}"),
            r.repeat(4),
            format!("{r}A{r}"),
            "€",
            r
        ])
    );
}

#[test]
fn a_fatal_decoder_throws_a_type_error_on_invalid_data() {
    // textdecoder-fatal.any.js
    for sequence in [
        "0xFF",
        "0xC0",
        "0xE0",
        "0xC0, 0x00",
        "0xC0, 0xC0",
        "0xE0, 0x00",
        "0xE0, 0xC0",
        "0xE0, 0x80, 0x00",
        "0xE0, 0x80, 0xC0",
        "0xFC, 0x80, 0x80, 0x80, 0x80, 0x80",
        "0xFE, 0x80, 0x80, 0x80, 0x80, 0x80",
        "0xC0, 0x80",
        "0xE0, 0x80, 0x80",
        "0xED, 0xA0, 0x80",
        "0xED, 0xBF, 0xBF",
        "0xF4, 0x90, 0x80, 0x80",
        "0xF8, 0x88, 0x80, 0x80, 0x80",
    ] {
        let (name, message) = thrown(&with_bytes(&format!(
            "new TextDecoder('utf-8', {{ fatal: true }}).decode(new Uint8Array([{sequence}]));"
        )));
        assert_eq!(name, "TypeError", "{sequence}");
        assert!(message.contains("not valid utf-8"), "{sequence}: {message}");
    }
    let out = result(&with_bytes(
        "const d = new TextDecoder('utf-8', { fatal: true });
         let threw = false;
         try { d.decode(new Uint8Array([0xFF])); } catch (e) { threw = e instanceof TypeError; }
         return [d.fatal, threw, d.decode(new Uint8Array([0xEF, 0xBF, 0xBD, 0x41]))];",
    ));
    assert_eq!(out, json!([true, true, "\u{FFFD}A"]));
}

#[test]
fn a_fatal_stream_throws_only_when_it_ends_incomplete() {
    // textdecoder-fatal-streaming.any.js
    let out = result(&with_bytes(
        "const d = new TextDecoder('utf-8', { fatal: true });
         const first = d.decode(new Uint8Array([0xE2, 0x82]), { stream: true });
         let name = null;
         try { d.decode(); } catch (e) { name = e.name; }
         const split = d.decode(new Uint8Array([0xF0, 0x9F]), { stream: true })
             + d.decode(new Uint8Array([0x98, 0x80]));
         let midway = null;
         try { d.decode(new Uint8Array([0xE2, 0x41]), { stream: true }); } catch (e) { midway = e.name; }
         return [first, name, split, midway, d.decode(new Uint8Array([0x41]))];",
    ));
    assert_eq!(out, json!(["", "TypeError", "😀", "TypeError", "A"]));
}

#[test]
fn streaming_decodes_every_split_of_the_input_the_same_way() {
    // textdecoder-streaming.any.js, with each chunk size from 1 to 5 and
    // each kind of input.
    let out = result(&with_bytes(
        r#"const string = "\x00123ABCabc\x80\xFF\u0100\u1000\uFFFD\uD800\uDC00\uDBFF\uDFFF";
           const encoded = new TextEncoder().encode(string);
           const results = [];
           for (const kind of ["ArrayBuffer", "Uint8Array", "Uint16Array", "DataView"]) {
               for (let size = 1; size <= 5; size++) {
                   if (kind === "Uint16Array" && size % 2) continue;
                   const d = new TextDecoder();
                   let out = "";
                   for (let i = 0; i < encoded.length; i += size) {
                       const piece = encoded.slice(i, i + size).buffer;
                       const input = kind === "ArrayBuffer" ? piece
                           : kind === "DataView" ? new DataView(piece)
                           : new globalThis[kind](piece);
                       out += d.decode(input, { stream: true });
                   }
                   out += d.decode();
                   results.push(out === string);
               }
           }
           return results;"#,
    ));
    assert_eq!(out, json!(vec![true; 17]));
    let incomplete = result(&with_bytes(
        "const d = new TextDecoder();
         const a = d.decode(new Uint8Array([0xF0, 0x9F, 0x98]), { stream: true });
         return [a, d.decode(), d.decode(new Uint8Array([0xE2]), { stream: true }) + d.decode(new Uint8Array([0x41]))];",
    ));
    assert_eq!(incomplete, json!(["", "\u{FFFD}", "\u{FFFD}A"]));
}

#[test]
fn the_bom_is_stripped_once_unless_ignore_bom() {
    // textdecoder-ignorebom.any.js and textdecoder-byte-order-marks.any.js
    let out = result(&with_bytes(
        "const bom = [0xEF, 0xBB, 0xBF];
         const abc = [0x61, 0x62, 0x63];
         const data = new Uint8Array([...bom, ...abc]);
         const keep = new TextDecoder('utf-8', { ignoreBOM: true });
         const strip = new TextDecoder('utf-8');
         const stream = new TextDecoder();
         const streamed = stream.decode(new Uint8Array([0xEF]), { stream: true })
             + stream.decode(new Uint8Array([0xBB, 0xBF, 0x61]), { stream: true })
             + stream.decode(data, { stream: true }) + stream.decode();
         return [keep.decode(data), keep.ignoreBOM, keep.decode(data), strip.decode(data), strip.decode(data),
                 strip.decode(new Uint8Array([...bom, ...bom])), streamed, strip.decode(new Uint8Array(bom))];",
    ));
    assert_eq!(
        out,
        json!([
            "\u{FEFF}abc",
            true,
            "\u{FEFF}abc",
            "abc",
            "abc",
            "\u{FEFF}",
            "a\u{FEFF}abc",
            ""
        ])
    );
}

#[test]
fn labels_are_trimmed_and_case_insensitive_and_others_are_range_errors() {
    // textdecoder-labels.any.js, for UTF-8's labels.
    let out = result(&with_bytes(
        r#"return ["utf-8", "UTF8", " unicode-1-1-utf-8\n", "\tUnicode20UTF8\f", "x-unicode20utf8", "unicode11utf8"]
               .map((label) => new TextDecoder(label).encoding);"#,
    ));
    assert_eq!(out, json!(vec!["utf-8"; 6]));
    for label in [
        "'utf-16le'",
        "'latin1'",
        "'\\u00A0utf-8'",
        "'utf-8\\v'",
        "null",
        "''",
        "'utf-8'.padEnd(300)",
        "'x'.repeat(1 << 20)",
    ] {
        let (name, message) = thrown(&with_bytes(&format!("new TextDecoder({label});")));
        assert_eq!(name, "RangeError", "{label}");
        assert!(message.contains("not supported"), "{label}: {message}");
    }
    let (name, _) = thrown(&with_bytes("new TextDecoder(Symbol());"));
    assert_eq!(name, "TypeError");
}

#[test]
fn decode_reads_buffers_and_every_kind_of_view() {
    let out = result(&with_bytes(
        "const bytes8 = new Uint8Array([0x78, 0x41, 0xC3, 0xA9, 0x7A, 0x79]);
         const d = new TextDecoder();
         const shared = new SharedArrayBuffer(2);
         new Uint8Array(shared).set([0x68, 0x69]);
         const detached = new ArrayBuffer(4);
         const view = new DataView(detached);
         detached.transfer();
         return [d.decode(bytes8.buffer), d.decode(new Uint8Array(bytes8.buffer, 1, 4)),
                 d.decode(new DataView(bytes8.buffer, 1, 3)), d.decode(new Uint16Array(bytes8.buffer, 2, 1)),
                 d.decode(new Float32Array(4)).length, d.decode(shared), d.decode(new Uint8Array(shared)),
                 d.decode(detached), d.decode(view), d.decode(new Uint8Array(0))];",
    ));
    assert_eq!(
        out,
        json!(["xAézy", "Aéz", "Aé", "é", 16, "hi", "hi", "", "", ""])
    );
    for input in ["'abc'", "[0x41]", "null", "{}", "7"] {
        let (name, message) = thrown(&with_bytes(&format!("new TextDecoder().decode({input});")));
        assert_eq!(name, "TypeError", "{input}");
        assert!(message.contains("ArrayBuffer"), "{input}: {message}");
    }
}

#[test]
fn options_must_be_objects_and_members_are_read() {
    let out = result(&with_bytes(
        "let read = [];
         const options = { get fatal() { read.push('fatal'); return 1; }, get ignoreBOM() { read.push('ignoreBOM'); return ''; } };
         const d = new TextDecoder('utf-8', options);
         return [d.fatal, d.ignoreBOM, read, new TextDecoder('utf-8', null).fatal,
                 d.decode(new Uint8Array([0x41]), null)];",
    ));
    assert_eq!(
        out,
        json!([true, false, ["fatal", "ignoreBOM"], false, "A"])
    );
    for source in [
        "new TextDecoder('utf-8', 5)",
        "new TextDecoder().decode(undefined, 'stream')",
    ] {
        assert_eq!(
            thrown(&with_bytes(&format!("{source};"))).0,
            "TypeError",
            "{source}"
        );
    }
}

#[test]
fn members_called_on_other_values_are_type_errors() {
    for source in [
        "TextDecoder.prototype.decode.call({}, new Uint8Array(1))",
        "Object.getOwnPropertyDescriptor(TextDecoder.prototype, 'fatal').get.call(new TextEncoder())",
        "Object.getOwnPropertyDescriptor(TextDecoder.prototype, 'encoding').get.call(null)",
        "TextEncoder.prototype.encode.call(new TextDecoder(), 'x')",
        "TextEncoder.prototype.encodeInto.call(7, 'x', new Uint8Array(1))",
        "TextEncoder()",
        "TextDecoder()",
    ] {
        let (name, message) = thrown(&with_bytes(&format!("{source};")));
        assert_eq!(name, "TypeError", "{source}: {message}");
    }
    let (_, message) = thrown(&with_bytes("TextDecoder.prototype.decode.call({});"));
    assert!(message.contains("not a TextDecoder"), "{message}");
}

#[test]
fn tampering_with_built_ins_changes_nothing() {
    let (_, mut rt) = runtime();
    rt.add_handler(
        "tamper",
        "function handler() {
             TextDecoder.prototype.decode = () => 'tampered';
             Uint8Array.prototype.set = () => { throw new Error('set'); };
             Object.defineProperty(Object.prototype, 'read', { set() { throw new Error('read'); }, configurable: true });
             Object.defineProperty(Object.prototype, 'text', { get() { return 'text'; }, configurable: true });
             Object.defineProperty(DataView.prototype, 'byteLength', { get() { return 1; } });
             globalThis.TypeError = function () { return { name: 'fake' }; };
             String.prototype.slice = () => '';
             return 'done';
         }",
    )
    .unwrap();
    rt.add_handler(
        "use",
        r#"const decode = TextDecoder.prototype.decode;
         function handler() {
             const encoded = new TextEncoder().encode('h\u00E9llo \u{1F600}');
             const into = new TextEncoder().encodeInto('h\u00E9llo', new Uint8Array(3));
             let fatal = null;
             try { Reflect.apply(decode, new TextDecoder('utf-8', { fatal: true }), [new Uint8Array([0xFF])]); }
             catch (e) { fatal = e.name; }
             return [Reflect.apply(decode, new TextDecoder(), [encoded]), into,
                     Reflect.apply(decode, new TextDecoder(), [new DataView(encoded.buffer, 1)]), fatal,
                     new TextDecoder().decode(encoded)];
         }"#,
    )
    .unwrap();
    assert_eq!(rt.call("tamper", b"{}", false).unwrap(), r#""done""#);
    let out: Value = serde_json::from_str(&rt.call("use", b"{}", false).unwrap()).unwrap();
    assert_eq!(
        out,
        json!([
            "h\u{E9}llo \u{1F600}",
            {"read": 2, "written": 3},
            "\u{E9}llo \u{1F600}",
            "TypeError",
            "tampered"
        ])
    );
}

#[test]
fn inputs_past_the_heap_limit_are_catchable_out_of_memory_errors() {
    let (_, mut rt) = runtime_with_limits(
        Limits {
            heap: 32 << 20,
            ..Limits::default()
        },
        &["function handler(e) {
             const caught = (f) => { try { f(); return null; } catch (err) { return err.name; } };
             const big = new Uint8Array(12 << 20).fill(0xFF);
             const text = 'é'.repeat(10 << 20);
             return [caught(() => new TextDecoder().decode(big)),
                     caught(() => new TextEncoder().encode(text)),
                     new TextDecoder().decode(new Uint8Array([0x6F, 0x6B]))];
         }"],
    );
    assert_eq!(
        call(&mut rt, "h0"),
        json!(["InternalError", "InternalError", "ok"])
    );
}
