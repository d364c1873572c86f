//! The `console` namespace: its methods, their levels, and formatting that
//! matches what Node 20's `console.log` prints (each expectation is Node's
//! own output for the same code), kept when a handler tampers with the
//! built-ins, and bounded for huge or hostile values.

mod common;

use common::{body, run};
use warden_abi::{LogLevel, MAX_PRINT_LINE};

/// What running `code` (a handler's body, which returns nothing) printed.
fn printed(code: &str) -> Vec<(LogLevel, String)> {
    let (host, result) = run(&body(&format!("{code}\nreturn 0;")));
    result.unwrap_or_else(|e| panic!("the handler failed: {e:?}\n{code}"));
    let printed = host.printed.borrow().clone();
    printed
}

/// The lines `code` printed, whatever their levels.
fn lines(code: &str) -> Vec<String> {
    printed(code).into_iter().map(|(_, line)| line).collect()
}

/// Asserts that `code` printed `expected`, line by line.
fn assert_lines(code: &str, expected: &[&str]) {
    assert_eq!(lines(code), expected, "{code}");
}

#[test]
fn format_s() {
    assert_lines(
        r#"console.log('%s and %s', 'a', 42);
         console.log('%s', -0, 5n);
         console.log('%s', Symbol('q'));
         console.log('%s|%s', {a:{b:1}}, [1,[2]]);
         console.log('%s', {toString() { return 'custom'; }});"#,
        &[
            r#"a and 42"#,
            r#"-0 5n"#,
            r#"Symbol(q)"#,
            r#"{ a: [Object] }|[ 1, [Array] ]"#,
            r#"custom"#,
        ],
    );
}

#[test]
fn format_numbers() {
    assert_lines(
        r#"console.log('%d %i %f', '42.5', '42.5', '1.5x');
         console.log('%d|%i', 5n, 7n);
         console.log('%d', {});
         console.log('%f', Symbol('x'));
         console.log('%d', -0);"#,
        &[r#"42.5 42 1.5"#, r#"5n|7n"#, r#"NaN"#, r#"NaN"#, r#"-0"#],
    );
}

#[test]
fn format_json() {
    assert_lines(
        r#"console.log('%j', {a:[1,'x']});
         const c = {};
         c.c = c;
         console.log('%j', c);
         console.log('%j', undefined);"#,
        &[r#"{"a":[1,"x"]}"#, r#"[Circular]"#, r#"undefined"#],
    );
}

#[test]
fn format_o() {
    assert_lines(
        r#"console.log('%o', [1, 2]);
         console.log('%O', {a:{b:{c:{d:1}}}});
         console.log('%o', {a:{b:{c:{d:{e:1}}}}});"#,
        &[
            r#"[ 1, 2, [length]: 2 ]"#,
            r#"{ a: { b: { c: [Object] } } }"#,
            r#"{
  a: {
    b: { c: { d: { e: 1 } } }
  }
}"#,
        ],
    );
}

#[test]
fn format_c_and_percent() {
    assert_lines(
        r#"console.log('a%cb', 'color: red');
         console.log('100%%', 1);
         console.log('100%%');
         console.log('%s %s', 'only');
         console.log('%x', 1);
         console.log('%', 1);
         console.log('', 1);"#,
        &[
            r#"ab"#,
            r#"100% 1"#,
            r#"100%%"#,
            r#"only %s"#,
            r#"%x 1"#,
            r#"% 1"#,
            r#" 1"#,
        ],
    );
}

#[test]
fn objects() {
    assert_lines(
        r#"console.log({ a: 1, b: 'x' });
         console.log({});
         console.log({ a: { b: { c: { d: 1 } } } });
         console.log({ a: { b: { c: {} } } });
         console.log({ 'key with space': 1, $a: 2, _x: 3, 1: 4, '': 5, [Symbol('s')]: 6 });"#,
        &[
            r#"{ a: 1, b: 'x' }"#,
            r#"{}"#,
            r#"{ a: { b: { c: [Object] } } }"#,
            r#"{ a: { b: { c: {} } } }"#,
            r#"{ '1': 4, 'key with space': 1, '$a': 2, _x: 3, '': 5, [Symbol(s)]: 6 }"#,
        ],
    );
}

#[test]
fn arrays() {
    assert_lines(
        r#"console.log([1, 2, 3]);
         console.log([]);
         console.log([[1, [2, [3, [4]]]]]);
         console.log([undefined, , , 3, , ]);
         console.log([null, undefined, -0, 1n, Symbol('x')]);
         const a = [1, 2];
         a.extra = true;
         console.log(a);"#,
        &[
            r#"[ 1, 2, 3 ]"#,
            r#"[]"#,
            r#"[ [ 1, [ 2, [Array] ] ] ]"#,
            r#"[ undefined, <2 empty items>, 3, <1 empty item> ]"#,
            r#"[ null, undefined, -0, 1n, Symbol(x) ]"#,
            r#"[ 1, 2, extra: true ]"#,
        ],
    );
}

#[test]
fn strings_inside() {
    assert_lines(
        r#"console.log(['a\nb', "it's", 'say "hi" it\'s', '\x01\x7f\x9f\ud83d', 'tab\there', 'back\\slash']);"#,
        &[r#"[
  'a\nb',
  "it's",
  `say "hi" it's`,
  '\x01\x7F\x9F\ud83d',
  'tab\there',
  'back\\slash'
]"#],
    );
}

#[test]
fn long_strings_inside() {
    assert_lines(
        r#"console.log({ a: 'x'.repeat(100) + '\n' + 'y'.repeat(10) });
         console.log(['z'.repeat(10005)]);"#,
        &[
            r#"{
  a: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n' +
    'yyyyyyyyyy'
}"#,
            r#"[
  'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'... 5 more characters
]"#,
        ],
    );
}

#[test]
fn long_arrays() {
    assert_lines(
        r#"console.log(Array.from({ length: 101 }, (_, i) => i));
         console.log(Array.from({ length: 7 }, (_, i) => 's' + i));
         console.log(Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i).repeat(i % 4 + 1)));"#,
        &[
            r#"[
   0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11,
  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
  24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
  36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
  48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59,
  60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,
  72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83,
  84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,
  96, 97, 98, 99,
  ... 1 more item
]"#,
            r#"[
  's0', 's1',
  's2', 's3',
  's4', 's5',
  's6'
]"#,
            r#"[
  'a', 'bb', 'ccc', 'dddd',
  'e', 'ff', 'ggg', 'hhhh',
  'i', 'jj', 'kkk', 'llll',
  'm', 'nn', 'ooo', 'pppp',
  'q', 'rr', 'sss', 'tttt',
  'u', 'vv', 'www', 'xxxx',
  'y', 'zz'
]"#,
        ],
    );
}

#[test]
fn line_breaking() {
    assert_lines(
        r#"console.log({ aaaaaaaaaaaa: 'bbbbbbbbbbbbbbbb', cccccccccccccc: 'dddddddddddddddd', eeeeeeeeeeeee: 'ffffffffffffffff' });
         console.log(Array.from({ length: 3 }, () => ({ name: 'item', value: 12345, tags: ['a', 'b'] })));
         console.log({ a: 'x'.repeat(54), b: 'y' });
         console.log({ a: 'x'.repeat(56), b: 'y' });"#,
        &[
            r#"{
  aaaaaaaaaaaa: 'bbbbbbbbbbbbbbbb',
  cccccccccccccc: 'dddddddddddddddd',
  eeeeeeeeeeeee: 'ffffffffffffffff'
}"#,
            r#"[
  { name: 'item', value: 12345, tags: [ 'a', 'b' ] },
  { name: 'item', value: 12345, tags: [ 'a', 'b' ] },
  { name: 'item', value: 12345, tags: [ 'a', 'b' ] }
]"#,
            r#"{ a: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', b: 'y' }"#,
            r#"{
  a: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  b: 'y'
}"#,
        ],
    );
}

#[test]
fn maps_and_sets() {
    assert_lines(
        r#"console.log(new Map([['a', 1], ['b', { c: 2 }]]));
         console.log(new Set([1, 'x']));
         console.log(new Map(), new Set());
         console.log(new Set(Array.from({ length: 102 }, (_, i) => i)).size);
         console.log([new Map([[{ k: 1 }, [1]]])]);
         console.log(new WeakMap(), new WeakSet());"#,
        &[
            r#"Map(2) { 'a' => 1, 'b' => { c: 2 } }"#,
            r#"Set(2) { 1, 'x' }"#,
            r#"Map(0) {} Set(0) {}"#,
            r#"102"#,
            r#"[ Map(1) { { k: 1 } => [ 1 ] } ]"#,
            r#"WeakMap { <items unknown> } WeakSet { <items unknown> }"#,
        ],
    );
}

#[test]
fn errors() {
    assert_lines(
        r#"const e = new Error('bad');
         e.code = 'E1';
         e.stack = 'Error: bad\n    at here';
         console.log(e);
         console.log({ e });
         const c = new Error('c', { cause: 'why' });
         c.stack = 'Error: c\n    at x';
         console.log(c);
         const n = new TypeError('no stack');
         n.stack = '';
         console.log(n);"#,
        &[
            r#"Error: bad
    at here {
  code: 'E1'
}"#,
            r#"{
  e: Error: bad
      at here {
    code: 'E1'
  }
}"#,
            r#"Error: c
    at x {
  [cause]: 'why'
}"#,
            r#"[TypeError: no stack]"#,
        ],
    );
}

#[test]
fn typed_arrays_and_buffers() {
    assert_lines(
        r#"console.log(new Uint8Array([1, 2, 3]));
         console.log(new Float64Array(2), new BigInt64Array(1));
         console.log(new ArrayBuffer(3));
         console.log(new Uint8Array(0));
         console.log(new Uint8Array(102).buffer);"#,
        &[
            r#"Uint8Array(3) [ 1, 2, 3 ]"#,
            r#"Float64Array(2) [ 0, 0 ] BigInt64Array(1) [ 0n ]"#,
            r#"ArrayBuffer { [Uint8Contents]: <00 00 00>, byteLength: 3 }"#,
            r#"Uint8Array(0) []"#,
            r#"ArrayBuffer {
  [Uint8Contents]: <00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 ... 2 more bytes>,
  byteLength: 102
}"#,
        ],
    );
}

#[test]
fn cycles() {
    assert_lines(
        r#"const c = { name: 'c' };
         c.self = c;
         c.list = [c];
         console.log(c);
         const a = [];
         a.push(a);
         console.log(a);
         const x = { y: { } }; x.y.x = x; x.y.y = x.y;
         console.log(x);"#,
        &[
            r#"<ref *1> { name: 'c', self: [Circular *1], list: [ [Circular *1] ] }"#,
            r#"<ref *1> [ [Circular *1] ]"#,
            r#"<ref *1> { y: <ref *2> { x: [Circular *1], y: [Circular *2] } }"#,
        ],
    );
}

#[test]
fn classes_and_prototypes() {
    assert_lines(
        r#"class Foo { constructor() { this.x = 1; } } console.log(new Foo(), [new Foo()]);
         class Empty {} console.log(new Empty());
         console.log(Object.create(null));
         const np = Object.create(null); np.x = 1;
         console.log(np);
         class Arr extends Array {} console.log(Arr.from([1, 2]));
         const t = { a: 1 }; Object.defineProperty(t, Symbol.toStringTag, { value: 'Tagged' });
         console.log(t);"#,
        &[
            r#"Foo { x: 1 } [ Foo { x: 1 } ]"#,
            r#"Empty {}"#,
            r#"[Object: null prototype] {}"#,
            r#"[Object: null prototype] { x: 1 }"#,
            r#"Arr(2) [ 1, 2 ]"#,
            r#"Object [Tagged] { a: 1 }"#,
        ],
    );
}

#[test]
fn functions() {
    assert_lines(
        r#"class Foo {} console.log(Foo, class extends Foo {}, class {}, function () {}, () => 1, async function af() {}, function* g() {}, async function* ag() {});
         console.log(Object.assign(function named() {}, { x: 1 }));
         console.log({ f() {}, g: () => 1 });"#,
        &[
            r#"[class Foo] [class (anonymous) extends Foo] [class (anonymous)] [Function (anonymous)] [Function (anonymous)] [AsyncFunction: af] [GeneratorFunction: g] [AsyncGeneratorFunction: ag]"#,
            r#"[Function: named] { x: 1 }"#,
            r#"{ f: [Function: f], g: [Function: g] }"#,
        ],
    );
}

#[test]
fn primitives() {
    assert_lines(
        r#"console.log(Symbol('x'), 123n, -0, 0, NaN, Infinity, true, null, undefined);
         console.log('top level', 'strings', 'raw');
         console.log([Symbol(), Symbol.iterator]);"#,
        &[
            r#"Symbol(x) 123n -0 0 NaN Infinity true null undefined"#,
            r#"top level strings raw"#,
            r#"[ Symbol(), Symbol(Symbol.iterator) ]"#,
        ],
    );
}

#[test]
fn dates_regexps_boxes_promises() {
    assert_lines(
        r#"console.log(new Date(0), [new Date(0)], new Date(NaN));
         console.log(/ab+c/gi, [/x/y]);
         console.log(Object(1), Object('ab'), Object(true), Object(Symbol('s')), Object(2n));
         console.log(Promise.resolve(1), new Promise(() => {}), [Promise.resolve({ a: 1 })]);
         const r = Promise.reject(3);
         r.catch(() => {});
         console.log(r);"#,
        &[
            r#"1970-01-01T00:00:00.000Z [ 1970-01-01T00:00:00.000Z ] Invalid Date"#,
            r#"/ab+c/gi [ /x/y ]"#,
            r#"[Number: 1] [String: 'ab'] [Boolean: true] [Symbol: Symbol(s)] [BigInt: 2n]"#,
            r#"Promise { 1 } Promise { <pending> } [ Promise { { a: 1 } } ]"#,
            r#"Promise { <rejected> 3 }"#,
        ],
    );
}

#[test]
fn accessors() {
    assert_lines(
        r#"console.log({ get a() { return 1; }, set b(v) {}, get c() { return 1; }, set c(v) {} });"#,
        &[r#"{ a: [Getter], b: [Setter], c: [Getter/Setter] }"#],
    );
}

#[test]
fn proxies() {
    assert_lines(
        r#"console.log(new Proxy({ a: 1 }, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); } }), new Proxy([1], {}));
         const r = Proxy.revocable({}, {});
         r.revoke();
         console.log(r.proxy);"#,
        &[r#"{ a: 1 } [ 1 ]"#, r#"<Revoked Proxy>"#],
    );
}

#[test]
fn groups() {
    assert_lines(
        r#"console.group('G');
         console.log('in');
         console.log({ a: 1, b: 'x'.repeat(80) });
         console.group();
         console.info('deep\nlines');
         console.groupEnd();
         console.groupEnd();
         console.groupEnd();
         console.log('out');
         console.groupCollapsed();
         console.log('c');
         console.groupEnd();"#,
        &[
            r#"G"#,
            r#"  in"#,
            r#"  {
    a: 1,
    b: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
  }"#,
            r#"    deep
    lines"#,
            r#"out"#,
            r#"  c"#,
        ],
    );
}

#[test]
fn counts() {
    assert_lines(
        r#"console.count();
         console.count();
         console.count('x');
         console.countReset();
         console.count();
         console.count(undefined);"#,
        &[
            r#"default: 1"#,
            r#"default: 2"#,
            r#"x: 1"#,
            r#"default: 1"#,
            r#"default: 2"#,
        ],
    );
}

#[test]
fn tables() {
    assert_lines(
        r#"console.table([{ a: 1, b: 'Y' }, { a: 'Z', b: 2 }]);
         console.table([1, 'two', { c: 3 }]);
         console.table({ r1: { x: 1 }, r2: { y: [1, 2, 3, 4] } });
         console.table([{ a: 1, b: 2 }], ['b']);
         console.table(5);
         console.table('text');"#,
        &[
            r#"┌─────────┬─────┬─────┐
│ (index) │ a   │ b   │
├─────────┼─────┼─────┤
│ 0       │ 1   │ 'Y' │
│ 1       │ 'Z' │ 2   │
└─────────┴─────┴─────┘"#,
            r#"┌─────────┬───┬────────┐
│ (index) │ c │ Values │
├─────────┼───┼────────┤
│ 0       │   │ 1      │
│ 1       │   │ 'two'  │
│ 2       │ 3 │        │
└─────────┴───┴────────┘"#,
            r#"┌─────────┬───┬──────────────────────────────┐
│ (index) │ x │ y                            │
├─────────┼───┼──────────────────────────────┤
│ r1      │ 1 │                              │
│ r2      │   │ [ 1, 2, 3, ... 1 more item ] │
└─────────┴───┴──────────────────────────────┘"#,
            r#"┌─────────┬───┐
│ (index) │ b │
├─────────┼───┤
│ 0       │ 2 │
└─────────┴───┘"#,
            r#"5"#,
            r#"text"#,
        ],
    );
}

#[test]
fn dir() {
    assert_lines(
        r#"console.dir({ a: { b: { c: { d: { e: 1 } } } } }, { depth: 0 });
         console.dir({ a: { b: { c: { d: { e: 1 } } } } }, { depth: null });
         console.dir('str');
         console.dir([1, { a: [2] }]);
         console.dirxml({ a: 1 }, 'x');"#,
        &[
            r#"{ a: [Object] }"#,
            r#"{
  a: {
    b: { c: { d: { e: 1 } } }
  }
}"#,
            r#"'str'"#,
            r#"[ 1, { a: [ 2 ] } ]"#,
            r#"{ a: 1 } x"#,
        ],
    );
}

#[test]
fn asserts() {
    assert_lines(
        r#"console.assert(true, 'no');
         console.assert(false);
         console.assert(false, 'bad %s', 'x');
         console.assert(false, { a: 1 });
         console.assert(0, 'zero', 1);"#,
        &[
            r#"Assertion failed"#,
            r#"Assertion failed: bad x"#,
            r#"Assertion failed: [object Object]"#,
            r#"Assertion failed: zero 1"#,
        ],
    );
}

#[test]
fn each_method_prints_at_its_level() {
    use LogLevel::{Debug, Error, Info, Log, Warn};
    let out = printed(
        "console.log('l'); console.debug('d'); console.info('i'); console.warn('w');
         console.error('e'); console.assert(false); console.dir(1); console.dirxml(2);
         console.table(3); console.count(); console.countReset('none'); console.time();
         console.time(); console.timeEnd('none'); console.timeLog('none'); console.group('g');
         console.groupEnd(); console.trace(); console.clear();",
    );
    let levels: Vec<LogLevel> = out.iter().map(|(level, _)| *level).collect();
    assert_eq!(
        levels,
        [
            Log, Debug, Info, Warn, Error, Error, Log, Log, Log, Log, Warn, Warn, Warn, Warn, Log,
            Debug
        ],
        "{out:?}"
    );
    let warnings: Vec<&str> = out[10..14].iter().map(|(_, line)| line.as_str()).collect();
    assert_eq!(
        warnings,
        [
            "Warning: Count for 'none' does not exist",
            "Warning: Label 'default' already exists for console.time()",
            "Warning: No such label 'none' for console.timeEnd()",
            "Warning: No such label 'none' for console.timeLog()",
        ]
    );
}

#[test]
fn console_has_every_method_and_the_module_exports_them() {
    let (host, result) = run(
        "import console, * as all from 'console';
         import { log, table, timeEnd } from 'console';
         export function handler() {
             const names = Object.keys(globalThis.console);
             const exported = Object.keys(all).filter((n) => n !== 'default').sort();
             globalThis.console = { log() {} };
             log(names.join());
             log(exported.join() === [...names].sort().join(), Object.keys(console).join() === names.join());
             log(typeof table, typeof timeEnd, Object.getOwnPropertyDescriptor(globalThis, 'console').enumerable);
             return 0;
         }",
    );
    result.unwrap();
    let lines: Vec<String> = host
        .printed
        .borrow()
        .iter()
        .map(|(_, l)| l.clone())
        .collect();
    assert_eq!(
        lines,
        [
            "log,debug,info,warn,error,trace,assert,dir,dirxml,table,time,timeLog,timeEnd,count,\
             countReset,group,groupCollapsed,groupEnd,clear",
            "true true",
            "function function false",
        ]
    );
}

#[test]
fn detached_methods_work() {
    assert_lines(
        "const { log, count, group, groupEnd, table, assert, dir } = console;
         log({ a: 1 }); count('c'); group(); log('in'); groupEnd(); assert(false, 'x');
         dir([1], { depth: 0 }); table([[1]]);",
        &[
            "{ a: 1 }",
            "c: 1",
            "  in",
            "Assertion failed: x",
            "[ 1 ]",
            "┌─────────┬───┐\n│ (index) │ 0 │\n├─────────┼───┤\n│ 0       │ 1 │\n└─────────┴───┘",
        ],
    );
}

#[test]
fn time_logs_and_ends() {
    let out = lines(
        "console.time('t'); console.timeLog('t', 'extra', { a: 1 }); console.timeEnd('t');
         console.timeEnd('t'); console.time(); console.timeEnd();",
    );
    assert_eq!(out.len(), 4, "{out:?}");
    let is_ms = |text: &str| {
        text.strip_suffix("ms")
            .is_some_and(|n| n.parse::<f64>().is_ok_and(|ms| (0.0..1000.0).contains(&ms)))
    };
    let (label, rest) = out[0].split_once(": ").unwrap();
    let (taken, extra) = rest.split_once(' ').unwrap();
    assert!(
        label == "t" && is_ms(taken) && extra == "extra { a: 1 }",
        "{out:?}"
    );
    assert!(is_ms(out[1].strip_prefix("t: ").unwrap()), "{out:?}");
    assert_eq!(out[2], "Warning: No such label 't' for console.timeEnd()");
    assert!(is_ms(out[3].strip_prefix("default: ").unwrap()), "{out:?}");
}

#[test]
fn trace_prints_its_message_and_the_callers_stack() {
    let out = printed(
        "function outer() { inner(); }
         function inner() { console.trace('here %d', 1); }
         outer(); console.trace();",
    );
    assert_eq!(out[0].0, LogLevel::Debug);
    let trace: Vec<&str> = out[0].1.lines().collect();
    assert_eq!(trace[0], "Trace: here 1");
    assert!(trace[1].starts_with("    at inner (h0:"), "{trace:?}");
    assert!(trace[2].starts_with("    at outer (h0:"), "{trace:?}");
    assert!(
        out[1].1.starts_with("Trace\n    at handler (h0:"),
        "{out:?}"
    );
}

#[test]
fn tampered_built_ins_change_nothing() {
    assert_lines(
        "const value = { a: [1, 'two', new Map([['k', new Date(0)]])] };
         const numbers = Array.from({ length: 8 }, (_, i) => i * 1000);
         Array.prototype.join = () => 'joined';
         Array.prototype.push = () => { throw new Error('push'); };
         Array.prototype[Symbol.iterator] = function* () { yield 'tampered'; };
         Object.keys = () => ['tampered'];
         Reflect.ownKeys = () => ['tampered'];
         Object.getOwnPropertyDescriptor = () => undefined;
         JSON.stringify = () => 'tampered';
         for (const name of ['replace', 'slice', 'indexOf', 'repeat', 'padStart', 'padEnd',
             'charCodeAt', 'startsWith']) {
             String.prototype[name] = () => { throw new Error(name); };
         }
         Map.prototype.entries = () => { throw new Error('entries'); };
         Function.prototype.toString = () => 'class Fake {}';
         Date.prototype.toISOString = () => 'tampered';
         Number.prototype.toFixed = () => 'tampered';
         Math.max = Math.min = () => 0;
         for (const key of ['0', '1', 'length', 'value', 'done', 'depth', 'cut']) {
             Object.defineProperty(Object.prototype, key, {
                 set() { throw new Error('setter ' + key); },
                 get() { return 'inherited'; },
             });
         }
         globalThis.Symbol = null;
         console.log(value, function f() {});
         console.log('%j %s %d', { j: 1 }, 'x'.repeat(3), '7', ['\\ud800']);
         console.log(numbers);",
        &[
            "{ a: [ 1, 'two', Map(1) { 'k' => 1970-01-01T00:00:00.000Z } ] } [Function: f]",
            "{\"j\":1} xxx 7 [ '\\ud800' ]",
            "[\n     0, 1000, 2000,\n  3000, 4000, 5000,\n  6000, 7000\n]",
        ],
    );
}

#[test]
fn throwing_getters_on_shared_prototypes_change_nothing() {
    // Descriptors inherit from `Object.prototype`, and the constructor
    // names come from the prototypes: neither may reach handler code.
    assert_lines(
        "const value = { k: [1], m: new Map([[1, 2]]), get g() { return 1; } };
         const boom = () => { throw new Error('boom'); };
         for (const key of ['value', 'get', 'set', 'writable', 'constructor', 'name']) {
             Object.defineProperty(Object.prototype, key, { __proto__: null, get: boom, set: boom });
         }
         Object.defineProperty(Array.prototype, 'constructor', { __proto__: null, get: boom });
         Object.defineProperty(Map.prototype, 'constructor', { __proto__: null, value: class Fake {} });
         console.log('event', value);",
        &["event { k: [ 1 ], m: Map(1) { 1 => 2 }, g: [Getter] }"],
    );
}

#[test]
fn getters_and_hooks_are_not_run() {
    // Node would run the `inspect.custom` hook and the tag getter; here no
    // handler code runs but conversions `%s` and `%d` ask for, and those
    // that throw fall back to the rendering and NaN.
    assert_lines(
        "const hostile = {
             get boom() { throw new Error('getter ran'); },
             toString() { throw new Error('toString ran'); },
             valueOf() { throw new Error('valueOf ran'); },
             [Symbol.for('nodejs.util.inspect.custom')]() { throw new Error('inspect ran'); },
         };
         class Sneaky {
             get [Symbol.toStringTag]() { throw new Error('tag ran'); }
             get x() { throw new Error('x ran'); }
         }
         console.log(hostile);
         console.log(new Sneaky(), [new Sneaky()]);
         console.log('%s|%d|%i|%f', hostile, hostile, hostile, hostile);
         console.table([hostile]);",
        &[
            "{\n  boom: [Getter],\n  toString: [Function: toString],\n  valueOf: [Function: valueOf],\n  \
             [Symbol(nodejs.util.inspect.custom)]: [Function: [nodejs.util.inspect.custom]]\n}",
            "Sneaky {} [ Sneaky {} ]",
            "{\n  boom: [Getter],\n  toString: [Function: toString],\n  valueOf: [Function: valueOf],\n  \
             [Symbol(nodejs.util.inspect.custom)]: [Function: [nodejs.util.inspect.custom]]\n}|NaN|NaN|NaN",
            "┌─────────┬──────────┬──────────────────────┬─────────────────────┐\n\
             │ (index) │ boom     │ toString             │ valueOf             │\n\
             ├─────────┼──────────┼──────────────────────┼─────────────────────┤\n\
             │ 0       │ [Getter] │ [Function: toString] │ [Function: valueOf] │\n\
             └─────────┴──────────┴──────────────────────┴─────────────────────┘",
        ],
    );
}

#[test]
fn deep_and_large_values_stay_bounded() {
    let out = lines(
        "let deep = {}; for (let i = 0; i < 10000; i++) deep = { deep };
         console.dir(deep, { depth: Infinity });
         let nested = []; for (let i = 0; i < 10000; i++) nested = [nested];
         console.log(nested);
         console.log(new Map(Array.from({ length: 100000 }, (_, i) => [i, i])));
         console.log(Object.fromEntries(Array.from({ length: 200000 }, (_, i) => ['k' + i, i])));",
    );
    assert_eq!(out[0].matches("deep:").count(), 65, "{}", out[0]);
    assert!(out[0].contains("deep: [Object]"), "{}", out[0]);
    assert_eq!(out[1], "[ [ [ [Array] ] ] ]");
    assert!(
        out[2].starts_with("Map(100000) {\n  0 => 0,\n"),
        "{}",
        &out[2][..40]
    );
    assert!(
        out[2].ends_with("  99 => 99,\n  ... 99900 more items\n}"),
        "{}",
        out[2]
    );
    assert!(out[3].len() <= MAX_PRINT_LINE, "{}", out[3].len());
    assert!(
        out[3].starts_with("{\n  k0: 0,\n  k1: 1,\n"),
        "{}",
        &out[3][..40]
    );
    assert!(
        out[3].contains("… [cut from over "),
        "{}",
        &out[3][out[3].len() - 60..]
    );
}

#[test]
fn a_huge_string_is_cut_to_the_line_limit_without_being_copied() {
    let n = 100 << 20;
    let out = lines(&format!(
        "const s = 'x'.repeat({n});
         console.log(s); console.log('%s!', s); console.log({{ s }}); console.warn(s, 1);
         console.log('%s' + s, 1);"
    ));
    for line in &out {
        assert!(line.len() <= MAX_PRINT_LINE, "{}", line.len());
    }
    assert!(out[0].starts_with("xxx"));
    assert!(
        out[0].ends_with(&format!("… [cut from {n} bytes]")),
        "{}",
        &out[0][65000..]
    );
    assert!(out[1].ends_with(&format!("… [cut from {} bytes]", n + 1)));
    let more = n - 10000;
    assert_eq!(
        out[2],
        format!(
            "{{\n  s: '{}'... {more} more characters\n}}",
            "x".repeat(10000)
        )
    );
    assert!(out[3].contains("… [cut from over "), "{}", &out[3][65000..]);
    assert!(out[4].starts_with("1xxx") && out[4].contains("… [cut from over "));
}
