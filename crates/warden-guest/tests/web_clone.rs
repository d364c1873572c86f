//! `structuredClone`, exercised natively; cases after web-platform-tests'
//! `html/webappapis/structured-clone/` and `html/infrastructure/safe-passing-of-structured-data/`.

mod common;

use common::{body, call, result, runtime_with};
use serde_json::json;

#[test]
fn primitives_come_back_as_they_are() {
    let out = result(&body(
        "const values = [undefined, null, true, 0, -0, NaN, 1.5, 'text', 10n ** 20n];
         return values.map((v) => Object.is(structuredClone(v), v));",
    ));
    assert_eq!(out, json!(vec![true; 9]));
}

#[test]
fn plain_objects_and_arrays_are_copied_deeply() {
    let out = result(&body(
        "const original = { a: 1, nested: { list: [1, [2, 3], { b: 'c' }] }, ['__proto__']: 5 };
         Object.defineProperty(original, 'hidden', { value: 1, enumerable: false });
         original[Symbol('s')] = 1;
         const copy = structuredClone(original);
         copy.nested.list[1].push(4);
         const holes = structuredClone([1, , 3]);
         return [copy !== original, copy.nested !== original.nested, original.nested.list[1].length,
                 Object.keys(copy), Object.hasOwn(copy, '__proto__'), Object.getPrototypeOf(copy) === Object.prototype,
                 Object.getOwnPropertySymbols(copy).length, holes.length, 1 in holes, Array.isArray(holes)];",
    ));
    assert_eq!(
        out,
        json!([
            true,
            true,
            2,
            ["a", "nested", "__proto__"],
            true,
            true,
            0,
            3,
            false,
            true
        ])
    );
}

#[test]
fn cycles_and_shared_references_are_kept() {
    let out = result(&body(
        "const shared = { n: 1 };
         const original = { left: shared, right: shared, list: [shared] };
         original.self = original;
         original.list.push(original.list);
         const copy = structuredClone(original);
         return [copy.self === copy, copy.left === copy.right, copy.list[0] === copy.left,
                 copy.list[1] === copy.list, copy.left !== shared];",
    ));
    assert_eq!(out, json!([true, true, true, true, true]));
}

#[test]
fn maps_sets_dates_and_regexps_keep_their_kind() {
    let out = result(&body(
        "const key = { k: 1 };
         const map = structuredClone(new Map([[key, 'v'], ['self', key]]));
         const set = structuredClone(new Set([1, 'two', key]));
         const date = structuredClone(new Date(86400000));
         const re = /a+b/gimsuy;
         re.lastIndex = 3;
         const copy = structuredClone(re);
         const [first] = map.keys();
         return [map instanceof Map, map.size, map.get(first), map.get('self') === first,
                 set instanceof Set, [...set].slice(0, 2), date instanceof Date, date.getTime(),
                 copy instanceof RegExp, copy.source, copy.flags, copy.lastIndex, structuredClone(/x/dv).flags];",
    ));
    assert_eq!(
        out,
        json!([
            true,
            2,
            "v",
            true,
            true,
            [1, "two"],
            true,
            86_400_000,
            true,
            "a+b",
            "gimsuy",
            0,
            "dv"
        ])
    );
}

#[test]
fn buffers_and_views_are_copied_and_views_share_a_cloned_buffer() {
    let out = result(&body(
        "const buffer = new ArrayBuffer(8);
         const bytes = new Uint8Array(buffer);
         bytes.set([1, 2, 3, 4, 5, 6, 7, 8]);
         const words = new Uint16Array(buffer, 2, 2);
         const view = new DataView(buffer, 4);
         const [b, w, v] = structuredClone([bytes, words, view]);
         b[2] = 99;
         return [b instanceof Uint8Array, b.buffer !== buffer, bytes[2], w[0] === 99 + (4 << 8),
                 w.byteOffset, w.length, v instanceof DataView, v.byteOffset, v.getUint8(0),
                 w.buffer === b.buffer, v.buffer === b.buffer, structuredClone(new Float64Array([0.5]))[0],
                 structuredClone(new BigInt64Array([-3n]))[0] === -3n, structuredClone(buffer).byteLength];",
    ));
    assert_eq!(
        out,
        json!([true, true, 3, true, 2, 2, true, 4, 5, true, true, 0.5, true, 8])
    );
}

#[test]
fn boxed_primitives_stay_boxed() {
    let out = result(&body(
        "const values = [new Boolean(false), new Number(4), new String('s'), Object(5n)];
         return values.map((v) => { const c = structuredClone(v); return [typeof c, c !== v, String(c.valueOf())]; });",
    ));
    assert_eq!(
        out,
        json!([
            ["object", true, "false"],
            ["object", true, "4"],
            ["object", true, "s"],
            ["object", true, "5"]
        ])
    );
}

#[test]
fn errors_keep_their_type_message_and_stack() {
    let out = result(&body(
        "const errors = [new Error('e'), new TypeError('t'), new RangeError('r'), new SyntaxError('s'),
                         new URIError('u'), new EvalError('v'), new ReferenceError('f')];
         const out = errors.map((e) => { const c = structuredClone(e);
             return [c.constructor.name, c.message, c.stack === e.stack, c !== e]; });
         class MyError extends Error { get name() { return 'MyError'; } }
         const mine = structuredClone(new MyError('m'));
         const dom = structuredClone(new DOMException('gone', 'AbortError'));
         const renamed = new TypeError('x');
         renamed.name = 'NotStandard';
         const given = new Error('g');
         Object.defineProperty(given, 'stack', { value: 'given stack' });
         return [out[1], out.every(([, , same, other]) => same && other), mine.constructor.name, mine.message,
                 dom instanceof DOMException, dom.name, dom.message, dom.code, structuredClone(renamed).name,
                 structuredClone(given).stack];",
    ));
    assert_eq!(
        out,
        json!([
            ["TypeError", "t", true, true],
            true,
            "Error",
            "m",
            true,
            "AbortError",
            "gone",
            20,
            "Error",
            "given stack"
        ])
    );
}

#[test]
fn class_instances_become_plain_objects() {
    let out = result(&body(
        "class Point { constructor() { this.x = 1; this.y = 2; } sum() { return this.x + this.y; } }
         const copy = structuredClone(new Point());
         class Table extends Map {}
         const table = structuredClone(new Table([[1, 2]]));
         return [Object.getPrototypeOf(copy) === Object.prototype, copy, typeof copy.sum,
                 Object.getPrototypeOf(table) === Map.prototype, table.get(1)];",
    ));
    assert_eq!(out, json!([true, { "x": 1, "y": 2 }, "undefined", true, 2]));
}

#[test]
fn what_cannot_be_cloned_is_a_data_clone_error() {
    let out = result(&body(
        "const values = [() => 1, Symbol('s'), new WeakMap(), new WeakSet(), Promise.resolve(1),
                         new Proxy({}, {}), { f() {} }, [Symbol.iterator], Object(Symbol('boxed')),
                         new Map([[1, () => 2]]), new WeakRef({}), [1, 2].values()];
         return values.map((v) => {
             try { structuredClone(v); return 'cloned'; }
             catch (e) { return e instanceof DOMException && e.name === 'DataCloneError' && e.code === 25; }
         });",
    ));
    assert_eq!(out, json!(vec![true; 12]));
}

#[test]
fn transfer_detaches_the_original_buffers_once_the_clone_succeeds() {
    let out = result(&body(
        "const buffer = new Uint8Array([1, 2, 3]).buffer;
         const copy = structuredClone({ buffer }, { transfer: [buffer] });
         const kept = new ArrayBuffer(4);
         let failed;
         try { structuredClone({ kept, f() {} }, { transfer: [kept] }); } catch (e) { failed = e.name; }
         const twice = (() => { try { structuredClone(1, { transfer: [kept, kept] }); } catch (e) { return e.name; } })();
         return [buffer.byteLength, buffer.detached, [...new Uint8Array(copy.buffer)], failed, kept.byteLength, twice];",
    ));
    assert_eq!(
        out,
        json!([0, true, [1, 2, 3], "DataCloneError", 4, "DataCloneError"])
    );
}

#[test]
fn a_handler_that_breaks_built_ins_does_not_break_cloning_for_another() {
    let (_, mut rt) = runtime_with(&[
        "function handler() {
             Map.prototype.forEach = () => { throw new Error('forEach is broken'); };
             Set.prototype.add = () => { throw new Error('add is broken'); };
             Map.prototype.get = () => { throw new Error('get is broken'); };
             Object.keys = () => [];
             Object.defineProperty(RegExp.prototype, 'global', { get: () => false });
             Date.prototype.getTime = () => 0;
             Reflect.apply = () => { throw new Error('apply is broken'); };
             globalThis.Object = function () { throw new Error('Object is broken'); };
             return 'broken';
         }",
        "function handler() {
             const shared = { n: 1 };
             const copy = structuredClone({ shared, again: shared, map: new Map([[1, shared]]),
                                            re: /x/g, when: new Date(5), boxed: new Number(3) });
             copy.re.exec('xx');
             return [copy.shared === copy.again, copy.map.size, copy.re.lastIndex, copy.when.valueOf(),
                     copy.boxed.valueOf(), copy.shared.n];
         }",
    ]);
    assert_eq!(call(&mut rt, "h0"), json!("broken"));
    assert_eq!(call(&mut rt, "h1"), json!([true, 1, 1, 5, 3, 1]));
}
