//! Timers and the event loop, exercised natively (the host's wait is a
//! sleep); cases after web-platform-tests' `html/webappapis/timers/`.

mod common;

use std::time::{Duration, Instant};

use common::{body, call, result, run, runtime_with, thrown};
use serde_json::json;
use warden_abi::Status;

#[test]
fn the_globals_have_the_standard_shape() {
    let out = result(&body(
        "return ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate',
                 'clearImmediate'].map((name) => [typeof globalThis[name], globalThis[name].length,
                 Object.keys(globalThis).includes(name)]);",
    ));
    let shape = json!([
        ["function", 1, false],
        ["function", 0, false],
        ["function", 1, false],
        ["function", 0, false],
        ["function", 1, false],
        ["function", 0, false]
    ]);
    assert_eq!(out, shape);
}

#[test]
fn an_awaited_timer_really_waits() {
    let start = Instant::now();
    let out = result(&body(
        "const t0 = performance.now();
         return new Promise((resolve) => setTimeout(() => resolve(performance.now() - t0), 50));",
    ));
    assert!(start.elapsed() >= Duration::from_millis(50));
    assert!(out.as_f64().unwrap() >= 49.0, "{out}");
}

#[test]
fn timers_run_by_due_time_then_in_the_order_set() {
    let out = result(&body(
        "const order = [];
         return new Promise((resolve) => {
             setTimeout(() => order.push('30'), 30);
             setTimeout(() => order.push('0a'), 0);
             setTimeout(() => order.push('10'), 10);
             setTimeout(() => order.push('0b'));
             setImmediate(() => order.push('immediate'));
             setTimeout(() => order.push('0c'), -5);
             setTimeout(() => order.push('0d'), NaN);
             setTimeout(() => resolve(order), 40);
         });",
    ));
    assert_eq!(
        out,
        json!(["0a", "0b", "immediate", "0c", "0d", "10", "30"])
    );
}

#[test]
fn microtasks_run_between_timers() {
    let out = result(&body(
        "const order = [];
         return new Promise((resolve) => {
             setTimeout(() => { order.push('t1'); Promise.resolve().then(() => order.push('m1')); });
             setTimeout(() => { order.push('t2'); queueMicrotask(() => order.push('m2')); });
             setTimeout(() => resolve(order), 5);
         });",
    ));
    assert_eq!(out, json!(["t1", "m1", "t2", "m2"]));
}

#[test]
fn a_timer_gets_its_arguments_and_the_global_as_this() {
    let out = result(&body(
        "return new Promise((resolve) => setTimeout(function (a, b) {
             resolve([a, b, arguments.length, this === globalThis]);
         }, 1, 'x', 2));",
    ));
    assert_eq!(out, json!(["x", 2, 2, true]));
}

#[test]
fn cleared_timers_do_not_run_and_clearing_anything_else_is_ignored() {
    let out = result(&body(
        "const ran = [];
         return new Promise((resolve) => {
             const a = setTimeout(() => ran.push('a'), 5);
             const b = setInterval(() => ran.push('b'), 5);
             const c = setImmediate(() => ran.push('c'));
             clearTimeout(a); clearInterval(b); clearImmediate(c);
             clearTimeout(); clearTimeout(null); clearTimeout('1'); clearTimeout({}); clearTimeout(12345);
             // Timers share one pool of ids, as in browsers.
             const d = setTimeout(() => ran.push('d'), 5);
             clearInterval(d);
             setTimeout(() => resolve([ran, typeof a, a !== b && b !== c]), 20);
         });",
    ));
    assert_eq!(out, json!([[], "number", true]));
}

#[test]
fn a_timer_may_clear_another_due_at_the_same_time() {
    let out = result(&body(
        "const ran = [];
         return new Promise((resolve) => {
             let second;
             setTimeout(() => { ran.push('first'); clearTimeout(second); }, 5);
             second = setTimeout(() => ran.push('second'), 5);
             setTimeout(() => resolve(ran), 15);
         });",
    ));
    assert_eq!(out, json!(["first"]));
}

#[test]
fn an_interval_repeats_until_cleared_even_from_its_own_callback() {
    let out = result(&body(
        "let n = 0;
         return new Promise((resolve) => {
             const id = setInterval(() => {
                 n += 1;
                 if (n === 3) { clearInterval(id); setTimeout(() => resolve(n), 20); }
             }, 2);
         });",
    ));
    assert_eq!(out, json!(3));
}

#[test]
fn many_set_and_cleared_timers_leave_the_live_ones_in_order() {
    let out = result(&body(
        "const ran = [];
         for (let i = 0; i < 5000; i++) clearTimeout(setTimeout(() => ran.push('dead'), 1));
         return new Promise((resolve) => {
             // 10 ms apart, so that a slow loop on a loaded machine
             // cannot reorder them.
             for (let i = 0; i < 20; i++) setTimeout(() => ran.push(i), 200 - 10 * i);
             setTimeout(() => resolve(ran), 250);
         });",
    ));
    let expected: Vec<u32> = (0..20).rev().collect();
    assert_eq!(out, json!(expected));
}

#[test]
fn what_is_not_a_function_is_a_type_error_and_no_code_string_runs() {
    let (name, message) = thrown(&body(
        "globalThis.ran = false; setTimeout('globalThis.ran = true', 0); return 1;",
    ));
    assert_eq!(name, "TypeError");
    assert!(message.contains("not a function"), "{message}");
    for call in ["setInterval({})", "setImmediate()", "setTimeout(null, 1)"] {
        let (name, _) = thrown(&body(&format!("{call}; return 1;")));
        assert_eq!(name, "TypeError", "{call}");
    }
}

#[test]
fn a_callback_that_throws_fails_the_call_with_its_error() {
    let (name, message) = thrown(&body(
        "return new Promise(() => setTimeout(() => { throw new RangeError('late'); }, 1));",
    ));
    assert_eq!((name.as_str(), message.as_str()), ("RangeError", "late"));
}

#[test]
fn timers_left_set_when_the_call_ends_are_cancelled() {
    let (host, mut rt) = runtime_with(&["let fired = 0;
         export function handler(event) {
             if (event.set) {
                 setTimeout(() => { fired += 1; console.log('stale timer'); }, 0);
                 setInterval(() => { fired += 1; }, 0);
                 return 'set';
             }
             return new Promise((resolve) => setTimeout(() => resolve(fired), 5));
         }"]);
    for _ in 0..3 {
        assert_eq!(rt.call("h0", br#"{"set":true}"#, true).unwrap(), "\"set\"");
    }
    assert_eq!(rt.call("h0", b"{}", true).unwrap(), "0");
    assert!(host.printed.borrow().is_empty(), "{:?}", host.printed);
}

#[test]
fn a_call_that_fails_while_timers_are_set_leaves_none_for_the_next() {
    let (_, mut rt) = runtime_with(&["let fired = 0;
         export function handler(event) {
             if (event.fail) {
                 setTimeout(() => { fired += 1; }, 0);
                 throw new Error('failed with a timer set');
             }
             return new Promise((resolve) => setTimeout(() => resolve(fired), 5));
         }"]);
    let error = rt.call("h0", br#"{"fail":true}"#, true).unwrap_err();
    assert_eq!(error.status, Status::Threw);
    assert_eq!(rt.call("h0", b"{}", true).unwrap(), "0");
}

#[test]
fn a_pending_promise_with_no_timer_set_still_cannot_settle() {
    let (_, outcome) = run(&body(
        "const id = setTimeout(() => {}, 10); clearTimeout(id); return new Promise(() => {});",
    ));
    assert_eq!(outcome.unwrap_err().status, Status::PromisePending);
}

#[test]
fn an_interval_keeps_a_call_waiting_until_its_promise_settles() {
    // The promise settles on the fifth tick; the interval alone would
    // never end the call (only a budget does, which the host tests show).
    let out = result(&body(
        "let ticks = 0;
         return new Promise((resolve) => {
             setInterval(() => { ticks += 1; }, 1);
             setTimeout(function check() { if (ticks >= 5) resolve(ticks); else setTimeout(check, 1); }, 1);
         });",
    ));
    assert!(out.as_u64().unwrap() >= 5, "{out}");
}

#[test]
fn top_level_code_may_await_timers_and_what_it_leaves_set_is_cancelled() {
    let (host, mut rt) = runtime_with(&[
        "const waited = await new Promise((resolve) => setTimeout(() => resolve('waited'), 5));
         setTimeout(() => console.log('left over from the load'), 0);
         export function handler() {
             return new Promise((resolve) => setTimeout(() => resolve(waited), 5));
         }",
    ]);
    assert_eq!(call(&mut rt, "h0"), json!("waited"));
    assert!(host.printed.borrow().is_empty(), "{:?}", host.printed);
}

#[test]
fn a_handler_that_changes_shared_built_ins_does_not_break_timers_for_others() {
    let (_, mut rt) = runtime_with(&[
        "export function handler() {
             Array.prototype.push = () => { throw new Error('push replaced'); };
             Reflect.apply = () => { throw new Error('apply replaced'); };
             Object.defineProperty(Array.prototype, 0, { set() { throw new Error('setter'); } });
             return 'tampered';
         }",
        "export function handler() {
             return new Promise((resolve) => {
                 const id = setInterval(() => {}, 1);
                 clearInterval(id);
                 setTimeout((a) => resolve(a), 2, 'still works');
             });
         }",
    ]);
    assert_eq!(call(&mut rt, "h0"), json!("tampered"));
    assert_eq!(call(&mut rt, "h1"), json!("still works"));
}

#[test]
fn abort_signal_timeout_aborts_with_a_timeout_error() {
    let out = result(&body(
        "const signal = AbortSignal.timeout(5);
         const before = signal.aborted;
         return new Promise((resolve) => signal.addEventListener('abort', () =>
             resolve([before, signal.aborted, signal.reason.name, signal.reason.code,
                      signal.reason instanceof DOMException])));",
    ));
    assert_eq!(out, json!([false, true, "TimeoutError", 23, true]));
    for bad in ["-1", "NaN", "Infinity", "2 ** 53"] {
        let (name, _) = thrown(&body(&format!("AbortSignal.timeout({bad}); return 1;")));
        assert_eq!(name, "TypeError", "{bad}");
    }
    let (name, _) = thrown(&body("AbortSignal.timeout(); return 1;"));
    assert_eq!(name, "TypeError");
}
