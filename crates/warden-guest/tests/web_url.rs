//! `URL` and `URLSearchParams`, exercised natively with cases in the manner
//! of the web-platform-tests `url/` suite.

mod common;

use common::{call, result, runtime, runtime_with, runtime_with_limits};
use serde_json::{json, Value};
use warden_guest::Limits;

/// A module handler whose function's body is `body`.
fn module_body(body: &str) -> String {
    format!("export function handler() {{ {body} }}")
}

/// The JSON result of handler `source` called with `event`.
fn result_with(source: &str, event: &Value) -> Value {
    let (_, mut rt) = runtime_with(&[source]);
    let json = rt
        .call("h0", event.to_string().as_bytes(), true)
        .expect("the handler returns");
    serde_json::from_str(&json).expect("the result is JSON")
}

/// Parses `[input, base]` cases in one handler: each gives the parts of the
/// URL, or the name of the error when it is invalid.
fn parsed(cases: Value) -> Vec<Value> {
    let out = result_with(
        "const PARTS = ['href', 'origin', 'protocol', 'username', 'password', 'host',
                        'hostname', 'port', 'pathname', 'search', 'hash'];
         export function handler(cases) {
             return cases.map(([input, base]) => {
                 let url;
                 try { url = base === undefined ? new URL(input) : new URL(input, base); }
                 catch (e) { return e.name; }
                 const parts = {};
                 for (const part of PARTS) parts[part] = url[part];
                 return parts;
             });
         }",
        &cases,
    );
    out.as_array().unwrap().clone()
}

/// The href of each `[input, base]` case, or the error's name.
fn hrefs(cases: Value) -> Vec<String> {
    parsed(cases)
        .into_iter()
        .map(|v| match v {
            Value::String(name) => name,
            parts => parts["href"].as_str().unwrap().to_owned(),
        })
        .collect()
}

#[test]
fn absolute_urls_are_parsed_into_their_parts() {
    let parts = parsed(json!([
        ["https://user:pa ss@EXAMPLE.com:8080/a/./b/../c?q=1 2#frag ment"],
        ["mailto:Joe@Example.COM"],
        ["foo://Host/x?'"],
    ]));
    assert_eq!(
        parts[0],
        json!({
            "href": "https://user:pa%20ss@example.com:8080/a/c?q=1%202#frag%20ment",
            "origin": "https://example.com:8080", "protocol": "https:",
            "username": "user", "password": "pa%20ss", "host": "example.com:8080",
            "hostname": "example.com", "port": "8080", "pathname": "/a/c",
            "search": "?q=1%202", "hash": "#frag%20ment",
        })
    );
    assert_eq!(parts[1]["origin"], "null");
    assert_eq!(parts[1]["host"], "");
    assert_eq!(parts[1]["pathname"], "Joe@Example.COM");
    // A non-special URL keeps its host's case and `'` in its query.
    assert_eq!(parts[2]["host"], "Host");
    assert_eq!(parts[2]["search"], "?'");
}

#[test]
fn hosts_are_normalized_idna_ipv4_and_ipv6() {
    let parts = parsed(json!([
        ["http://münchen.de/"],
        ["http://0x7f.1/"],
        ["http://0300.0250.0.1/"],
        ["http://4294967295/"],
        ["http://[0:0:0:0:0:0:0:1]/"],
        ["http://[1:0:0:0:2:0:0:3]:80/"],
        ["http://ExAmPlE.CoM./"],
    ]));
    let hosts: Vec<_> = parts.iter().map(|p| p["host"].clone()).collect();
    assert_eq!(
        hosts,
        json!([
            "xn--mnchen-3ya.de",
            "127.0.0.1",
            "192.168.0.1",
            "255.255.255.255",
            "[::1]",
            "[1::2:0:0:3]",
            "example.com.",
        ])
        .as_array()
        .unwrap()
        .clone()
    );
}

#[test]
fn special_and_non_special_schemes_are_serialized_differently() {
    assert_eq!(
        hrefs(json!([
            ["HTTP://EXAMPLE.COM"],
            ["http:\\\\example.com\\a\\b"],
            ["\t http://exa\nmple.com/\r  "],
            ["https://example.com:443/"],
            ["http://example.com:80/"],
            ["ws://example.com:81/"],
            ["http://x/?'"],
            ["http://example.com/foo/%2e%2E/bar"],
            ["http://example.com/é?é#é"],
            ["data:text/plain,hi there"],
            ["file://localhost/etc/hosts"],
            ["file:///C:/x/../y"],
            ["non-special://host:443/p"],
        ])),
        [
            "http://example.com/",
            "http://example.com/a/b",
            "http://example.com/",
            "https://example.com/",
            "http://example.com/",
            "ws://example.com:81/",
            "http://x/?%27",
            "http://example.com/bar",
            "http://example.com/%C3%A9?%C3%A9#%C3%A9",
            "data:text/plain,hi there",
            "file:///etc/hosts",
            "file:///C:/y",
            "non-special://host:443/p",
        ]
    );
}

#[test]
fn relative_references_resolve_against_the_base() {
    let base = "http://a/b/c/d;p?q";
    let cases: Vec<_> = [
        "g",
        "../g",
        "../../../g",
        "./",
        "?y",
        "#s",
        "g;x?y#s",
        "//g",
        "",
    ]
    .iter()
    .map(|input| json!([input, base]))
    .collect();
    assert_eq!(
        hrefs(Value::Array(cases)),
        [
            "http://a/b/c/g",
            "http://a/b/g",
            "http://a/g",
            "http://a/b/c/",
            "http://a/b/c/d;p?y",
            "http://a/b/c/d;p?q#s",
            "http://a/b/c/g;x?y#s",
            "http://g/",
            "http://a/b/c/d;p?q",
        ]
    );
    assert_eq!(
        hrefs(json!([
            ["https:foo", "https://example.com/dir/"],
            ["/x", "file:///C:/a/b"],
            ["x", "mailto:a@b"],
        ])),
        ["https://example.com/dir/foo", "file:///C:/x", "TypeError"]
    );
}

#[test]
fn invalid_urls_throw_a_type_error() {
    let cases = json!([
        ["http://exa mple.com/"],
        ["http://[::1/"],
        ["http://192.168.0.257/"],
        ["https://x:65536/"],
        ["//x"],
        [""],
        ["x", "not a base"],
        ["http://a\u{0}b/"],
    ]);
    let len = cases.as_array().unwrap().len();
    assert_eq!(hrefs(cases), vec!["TypeError"; len]);
    let out = result(&module_body(
        "try { new URL('nope'); } catch (e) {
             return [e instanceof TypeError, e.message];
         }",
    ));
    assert_eq!(
        out,
        json!([true, "Invalid URL: relative URL without a base"])
    );
}

#[test]
fn can_parse_and_parse_report_failure_without_throwing() {
    let out = result(&module_body(
        "const u = URL.parse('/p?q', 'https://h.example');
         return [URL.canParse('https://x'), URL.canParse('x'), URL.canParse('x', 'https://y/'),
                 URL.parse('x'), u instanceof URL, u.href, URL.parse('https://z').searchParams.size];",
    ));
    assert_eq!(
        out,
        json!([true, false, true, null, true, "https://h.example/p?q", 0])
    );
}

#[test]
fn setters_follow_the_standard() {
    let out = result(&module_body(
        "const u = new URL('http://example.com/');
         const seen = [];
         const look = () => seen.push(u.href);
         u.protocol = 'https:'; look();
         u.protocol = 'foo'; look();                 // special to non-special: ignored
         u.port = '8080stuff'; look();
         u.port = '443'; look();                     // the default port is dropped
         u.port = 'abc'; look();                     // ignored
         u.hostname = 'EXAMPLE.org'; look();
         u.host = 'h:81'; look();
         u.username = 'a b'; u.password = 'p@ss'; look();
         u.pathname = 'x y/é'; look();
         u.search = 'q=1 2'; look();
         u.hash = 'f g'; look();
         u.search = ''; u.hash = ''; look();
         const file = new URL('file:///x');
         file.username = 'me'; file.port = '1'; seen.push(file.href);
         try { u.origin = 'x'; } catch (e) { seen.push(e.name); }
         try { u.href = 'not a url'; } catch (e) { seen.push(e.name); }
         u.href = 'ftp://f.example/dir'; look();
         seen.push(u.protocol, u.host, String(u), u.toJSON(), JSON.stringify({ u }));
         return seen;",
    ));
    assert_eq!(
        out,
        json!([
            "https://example.com/",
            "https://example.com/",
            "https://example.com:8080/",
            "https://example.com/",
            "https://example.com/",
            "https://example.org/",
            "https://h:81/",
            "https://a%20b:p%40ss@h:81/",
            "https://a%20b:p%40ss@h:81/x%20y/%C3%A9",
            "https://a%20b:p%40ss@h:81/x%20y/%C3%A9?q=1%202",
            "https://a%20b:p%40ss@h:81/x%20y/%C3%A9?q=1%202#f%20g",
            "https://a%20b:p%40ss@h:81/x%20y/%C3%A9",
            "file:///x",
            "TypeError",
            "TypeError",
            "ftp://f.example/dir",
            "ftp:",
            "f.example",
            "ftp://f.example/dir",
            "ftp://f.example/dir",
            "{\"u\":\"ftp://f.example/dir\"}",
        ])
    );
}

#[test]
fn search_params_are_live_both_ways() {
    let out = result(&module_body(
        "const u = new URL('http://x/p?a=1&b=2#h');
         const p = u.searchParams;
         const seen = [p === u.searchParams, p.get('a')];
         p.append('c', '3 4'); seen.push(u.href);
         u.search = '?z=9'; seen.push(p.get('z'), p.has('a'), p.size);
         p.set('z', 'é'); seen.push(u.search);
         p.delete('z'); seen.push(u.href);
         u.href = 'http://y/?q=1&b=0&a=1';
         p.sort(); seen.push(p.get('q'), u.search);
         u.hash = 'k'; seen.push(u.search);
         return seen;",
    ));
    assert_eq!(
        out,
        json!([
            true,
            "1",
            "http://x/p?a=1&b=2&c=3+4#h",
            "9",
            false,
            1,
            "?z=%C3%A9",
            "http://x/p#h",
            "1",
            "?a=1&b=0&q=1",
            "?a=1&b=0&q=1",
        ])
    );
}

#[test]
fn search_params_take_a_string_pairs_or_a_record() {
    let out = result(&module_body(
        "const s = new URLSearchParams('?a=1&a=2&b&c=x+y%20z&%zz=%41');
         const pairs = new URLSearchParams([['a', '1'], new Set(['b', '2'])]);
         const record = new URLSearchParams({ a: '1', b: 2 });
         const copy = new URLSearchParams(s);
         const errors = [];
         for (const init of [[['a']], [['a', 'b', 'c']], [1]]) {
             try { new URLSearchParams(init); } catch (e) { errors.push(e.name); }
         }
         return [s.getAll('a'), s.get('b'), s.get('c'), s.get('%zz'), s.get('nope'),
                 s.toString(), pairs.toString(), record.toString(), copy.toString(),
                 new URLSearchParams().toString(), new URLSearchParams('??x=1').toString(),
                 errors];",
    ));
    assert_eq!(
        out,
        json!([
            ["1", "2"],
            "",
            "x y z",
            "A",
            null,
            "a=1&a=2&b=&c=x+y+z&%25zz=A",
            "a=1&b=2",
            "a=1&b=2",
            "a=1&a=2&b=&c=x+y+z&%25zz=A",
            "",
            "%3Fx=1",
            ["TypeError", "TypeError", "TypeError"],
        ])
    );
}

#[test]
fn search_params_methods_follow_the_standard() {
    let out = result(&module_body(
        "const p = new URLSearchParams('a=1&b=2&a=3&c=4');
         const seen = [p.has('a'), p.has('a', '3'), p.has('a', '9'), p.size];
         p.delete('a', '1'); seen.push(p.toString());
         p.set('a', 'x'); p.set('d', 'y'); seen.push(p.toString());
         p.delete('a'); seen.push(p.toString());
         p.append('a b', 'é&=+'); seen.push(p.toString());
         p.append('\\uD800', 'lone'); seen.push(p.get('\\uFFFD'));
         const each = [];
         p.forEach(function (value, name, params) { each.push([name, value, params === p, this.t]); }, { t: 1 });
         seen.push(each.length, each[0]);
         seen.push([...p.keys()], [...p.values()].length, [...p][0], p.entries().next(),
                   Object.prototype.toString.call(p), Object.prototype.toString.call(p.keys()),
                   p[Symbol.iterator] === p.entries);
         return seen;",
    ));
    assert_eq!(
        out,
        json!([
            true,
            true,
            false,
            4,
            "b=2&a=3&c=4",
            "b=2&a=x&c=4&d=y",
            "b=2&c=4&d=y",
            "b=2&c=4&d=y&a+b=%C3%A9%26%3D%2B",
            "lone",
            5,
            ["b", "2", true, 1],
            ["b", "c", "d", "a b", "\u{FFFD}"],
            5,
            ["b", "2"],
            {"value": ["b", "2"], "done": false},
            "[object URLSearchParams]",
            "[object URLSearchParams Iterator]",
            true,
        ])
    );
}

#[test]
fn sort_is_stable_and_by_utf16_code_units() {
    let out = result(&module_body(
        "const p = new URLSearchParams('z=1&a=2&z=0&a=1&\\uFB03=x&\\u{1F308}=y');
         p.sort();
         return [...p.keys()].map((k) => [...k].map((c) => c.codePointAt(0).toString(16)).join(' '))
             .concat(p.getAll('z'), p.getAll('a'));",
    ));
    assert_eq!(
        out,
        json!(["61", "61", "7a", "7a", "1f308", "fb03", "1", "0", "2", "1"])
    );
}

#[test]
fn iterators_see_changes_to_the_list() {
    let out = result(&module_body(
        "const p = new URLSearchParams('a=1&b=2');
         const seen = [];
         for (const [name] of p) { seen.push(name); if (name === 'a') p.append('c', '3'); }
         p.forEach((value, name) => { if (name === 'b') p.delete('c'); seen.push(name); });
         return seen;",
    ));
    assert_eq!(out, json!(["a", "b", "c", "a", "b"]));
}

#[test]
fn tampering_with_built_ins_does_not_break_url_in_other_handlers() {
    let (_, mut rt) = runtime();
    rt.add_handler(
        "tamper",
        "export function handler() {
             URL.prototype.toString = () => 'tampered';
             Array.prototype.push = () => { throw new Error('push'); };
             String.prototype.split = () => { throw new Error('split'); };
             String.prototype.slice = () => 'sliced';
             Array.prototype.sort = () => { throw new Error('sort'); };
             Array.prototype[Symbol.iterator] = function* () {};
             globalThis.TypeError = function () { return {}; };
             return true;
         }",
    )
    .unwrap();
    rt.add_handler(
        "h",
        "export function handler() {
             const u = new URL('../x?b=2&a=1#h', 'https://münchen.de/p/q');
             const p = u.searchParams;
             p.sort();
             p.append('c', 'd e');
             let error;
             try { new URL('nope'); } catch (e) { error = e instanceof Error && e.message; }
             return { href: u.href, host: u.host, search: u.search, string: String(u),
                      json: JSON.stringify(u), all: p.getAll('a'), error,
                      parsed: URL.parse('x'), size: new URLSearchParams({ k: 'v' }).size };
         }",
    )
    .unwrap();
    assert_eq!(rt.call("tamper", b"{}", true).unwrap(), "true");
    let out: Value = serde_json::from_str(&rt.call("h", b"{}", true).unwrap()).unwrap();
    assert_eq!(
        out,
        json!({
            "href": "https://xn--mnchen-3ya.de/x?a=1&b=2&c=d+e#h",
            "host": "xn--mnchen-3ya.de",
            "search": "?a=1&b=2&c=d+e",
            // `String(url)` calls the replaced `toString`: as it should.
            "string": "tampered",
            "json": "\"https://xn--mnchen-3ya.de/x?a=1&b=2&c=d+e#h\"",
            "all": ["1"],
            "error": "Invalid URL: relative URL without a base",
            "parsed": null,
            "size": 1,
        })
    );
}

#[test]
fn huge_inputs_are_refused_with_catchable_errors() {
    let (_, mut rt) = runtime_with_limits(
        Limits {
            heap: 64 << 20,
            ..Limits::default()
        },
        &["export function handler() {
             const huge = 'http://x/' + 'a'.repeat(2 << 20);
             const seen = [URL.canParse(huge)];
             try { new URL(huge); } catch (e) { seen.push(e.name, e.message); }
             const u = new URL('http://x/');
             try { u.pathname = huge; } catch (e) { seen.push(e.name); }
             try { new URLSearchParams(huge); } catch (e) { seen.push(e.name); }
             seen.push(u.href);
             return seen;
         }"],
    );
    assert_eq!(
        call(&mut rt, "h0"),
        json!([
            false,
            "TypeError",
            "Invalid URL: the input is over 1048576 bytes",
            "RangeError",
            "RangeError",
            "http://x/",
        ])
    );
}

#[test]
fn url_globals_are_like_the_standard_ones_and_results_serialize_to_the_href() {
    let out = result(&module_body(
        "const d = Object.getOwnPropertyDescriptor(globalThis, 'URL');
         return [Object.keys(globalThis).filter((k) => k.startsWith('URL')),
                 d.writable, d.configurable, d.enumerable, typeof URLSearchParams];",
    ));
    assert_eq!(out, json!([[], true, true, false, "function"]));
    let (_, mut rt) = runtime();
    rt.add_handler(
        "h",
        "export function handler() { return { url: new URL('HTTP://X') }; }",
    )
    .unwrap();
    assert_eq!(rt.call("h", b"{}", true).unwrap(), r#"{"url":"http://x/"}"#);
    let error = result(&module_body(
        "try { URL.prototype.toJSON = () => 1; } catch (e) { return e.name; }",
    ));
    assert_eq!(error, "TypeError");
}
