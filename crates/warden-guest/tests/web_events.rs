//! `Event`, `CustomEvent`, `EventTarget`, `AbortController` and
//! `AbortSignal`, exercised natively; cases after web-platform-tests'
//! `dom/events/` and `dom/abort/`.

mod common;

use common::{body, call, result, runtime_with};
use serde_json::json;
use warden_abi::LogLevel;

#[test]
fn an_event_has_its_type_and_init_and_defaults() {
    let out = result(&body(
        "const plain = new Event('x');
         const init = new Event('y', { bubbles: true, cancelable: true, composed: true });
         const fields = (e) => [e.type, e.bubbles, e.cancelable, e.composed, e.defaultPrevented,
                                e.eventPhase, e.target, e.currentTarget, e.isTrusted, typeof e.timeStamp];
         return [fields(plain), fields(init), new Event(undefined).type, new Event(null).type];",
    ));
    assert_eq!(
        out,
        json!([
            ["x", false, false, false, false, 0, null, null, false, "number"],
            ["y", true, true, true, false, 0, null, null, false, "number"],
            "undefined",
            "null"
        ])
    );
}

#[test]
fn an_event_needs_a_type_and_an_object_or_nothing_as_init() {
    let out = result(&body(
        "const error = (f) => { try { f(); return 'no error'; } catch (e) { return e.name; } };
         return [error(() => new Event()), error(() => new Event('x', 1)), error(() => Event('x')),
                 error(() => new Event(Symbol())), error(() => new CustomEvent()),
                 error(() => new Event('x', null)), error(() => new Event('x', undefined))];",
    ));
    assert_eq!(
        out,
        json!([
            "TypeError",
            "TypeError",
            "TypeError",
            "TypeError",
            "TypeError",
            "no error",
            "no error"
        ])
    );
}

#[test]
fn phase_constants_are_on_event_and_its_prototype() {
    let out = result(&body(
        "return [Event.NONE, Event.CAPTURING_PHASE, Event.AT_TARGET, Event.BUBBLING_PHASE,
                 new Event('x').AT_TARGET, Object.getOwnPropertyDescriptor(Event, 'AT_TARGET').writable];",
    ));
    assert_eq!(out, json!([0, 1, 2, 3, 2, false]));
}

#[test]
fn is_trusted_is_an_own_unforgeable_getter_shared_by_every_event() {
    let out = result(&body(
        "const a = Object.getOwnPropertyDescriptor(new Event('a'), 'isTrusted');
         const b = Object.getOwnPropertyDescriptor(new CustomEvent('b'), 'isTrusted');
         return [typeof a.get, a.get === b.get, a.configurable, a.enumerable];",
    ));
    assert_eq!(out, json!(["function", true, false, true]));
}

#[test]
fn prevent_default_needs_a_cancelable_event() {
    let out = result(&body(
        "const t = new EventTarget();
         t.addEventListener('x', (e) => e.preventDefault());
         const cancelable = new Event('x', { cancelable: true });
         const other = new Event('x');
         const legacy = new Event('y', { cancelable: true });
         legacy.returnValue = false;
         return [t.dispatchEvent(cancelable), cancelable.defaultPrevented, cancelable.returnValue,
                 t.dispatchEvent(other), other.defaultPrevented, legacy.defaultPrevented];",
    ));
    assert_eq!(out, json!([false, true, false, true, false, true]));
}

#[test]
fn prevent_default_is_ignored_in_passive_listeners() {
    let out = result(&body(
        "const t = new EventTarget();
         let inside;
         t.addEventListener('x', (e) => { e.preventDefault(); inside = e.defaultPrevented; }, { passive: true });
         const e = new Event('x', { cancelable: true });
         const passive = t.dispatchEvent(e);
         t.addEventListener('x', (e) => e.preventDefault());
         return [passive, inside, e.defaultPrevented, t.dispatchEvent(new Event('x', { cancelable: true }))];",
    ));
    assert_eq!(out, json!([true, false, false, false]));
}

#[test]
fn dispatch_sets_target_phase_and_this_then_resets_them() {
    let out = result(&body(
        "const t = new EventTarget();
         const seen = [];
         t.addEventListener('x', function (e) {
             seen.push(this === t, e.target === t, e.currentTarget === t, e.eventPhase,
                       e.composedPath().length, e.srcElement === t);
         });
         const e = new Event('x');
         t.dispatchEvent(e);
         return [seen, e.target === t, e.currentTarget, e.eventPhase, e.composedPath().length];",
    ));
    assert_eq!(
        out,
        json!([[true, true, true, 2, 1, true], true, null, 0, 0])
    );
}

#[test]
fn capture_listeners_run_first_then_the_others_in_order_added() {
    let out = result(&body(
        "const t = new EventTarget();
         const order = [];
         t.addEventListener('x', () => order.push('a'));
         t.addEventListener('x', () => order.push('capture'), { capture: true });
         t.addEventListener('x', () => order.push('b'), false);
         t.addEventListener('x', () => order.push('capture2'), true);
         t.addEventListener('y', () => order.push('other type'));
         t.dispatchEvent(new Event('x'));
         return order;",
    ));
    assert_eq!(out, json!(["capture", "capture2", "a", "b"]));
}

#[test]
fn the_same_listener_is_added_once_per_capture_flag() {
    let out = result(&body(
        "const t = new EventTarget();
         let n = 0;
         const f = () => n++;
         t.addEventListener('x', f);
         t.addEventListener('x', f);
         t.addEventListener('x', f, { once: true });
         t.addEventListener('x', f, true);
         t.dispatchEvent(new Event('x'));
         const both = n;
         t.removeEventListener('x', f);
         t.dispatchEvent(new Event('x'));
         const capture = n - both;
         t.removeEventListener('x', f, { capture: true });
         t.dispatchEvent(new Event('x'));
         return [both, capture, n - both - capture];",
    ));
    assert_eq!(out, json!([2, 1, 0]));
}

#[test]
fn once_listeners_are_removed_before_they_run() {
    let out = result(&body(
        "const t = new EventTarget();
         let n = 0;
         t.addEventListener('x', () => { n++; t.dispatchEvent(new Event('x')); }, { once: true });
         t.dispatchEvent(new Event('x'));
         t.dispatchEvent(new Event('x'));
         return n;",
    ));
    assert_eq!(out, json!(1));
}

#[test]
fn listeners_added_during_dispatch_wait_and_removed_ones_do_not_run() {
    let out = result(&body(
        "const t = new EventTarget();
         const order = [];
         const late = () => order.push('late');
         const removed = () => order.push('removed');
         t.addEventListener('x', () => {
             order.push('first');
             t.addEventListener('x', late);
             t.removeEventListener('x', removed);
         });
         t.addEventListener('x', removed);
         t.dispatchEvent(new Event('x'));
         t.dispatchEvent(new Event('x'));
         return order;",
    ));
    assert_eq!(out, json!(["first", "first", "late"]));
}

#[test]
fn stop_immediate_propagation_skips_the_rest_and_stop_propagation_does_not() {
    let out = result(&body(
        "const t = new EventTarget();
         const order = [];
         t.addEventListener('x', (e) => { order.push(1); e.stopPropagation(); });
         t.addEventListener('x', (e) => { order.push(2); e.stopImmediatePropagation(); });
         t.addEventListener('x', () => order.push(3));
         const e = new Event('x');
         t.dispatchEvent(e);
         const before = new Event('x');
         before.stopPropagation();
         t.dispatchEvent(before);
         return [order, e.cancelBubble, before.cancelBubble];",
    ));
    assert_eq!(out, json!([[1, 2], false, false]));
}

#[test]
fn a_listener_object_has_its_handle_event_looked_up_each_time() {
    let out = result(&body(
        "const t = new EventTarget();
         const seen = [];
         const listener = { handleEvent(e) { seen.push(this === listener, e.type); } };
         t.addEventListener('x', listener);
         t.dispatchEvent(new Event('x'));
         listener.handleEvent = function () { seen.push('replaced'); };
         t.dispatchEvent(new Event('x'));
         return seen;",
    ));
    assert_eq!(out, json!([true, "x", "replaced"]));
}

#[test]
fn a_throwing_listener_is_reported_and_the_others_still_run() {
    let (host, mut rt) = runtime_with(&[&body(
        "const t = new EventTarget();
         const order = [];
         t.addEventListener('x', () => { throw new RangeError('first listener failed'); });
         t.addEventListener('x', {});
         t.addEventListener('x', () => order.push('second'));
         return [t.dispatchEvent(new Event('x')), order];",
    )]);
    assert_eq!(call(&mut rt, "h0"), json!([true, ["second"]]));
    let printed = host.printed.borrow();
    let errors: Vec<_> = printed
        .iter()
        .filter(|(level, _)| *level == LogLevel::Error)
        .collect();
    assert_eq!(errors.len(), 2, "{printed:?}");
    assert!(
        errors[0]
            .1
            .starts_with("Uncaught RangeError: first listener failed"),
        "{errors:?}"
    );
    assert!(errors[1].1.contains("handleEvent"), "{errors:?}");
}

#[test]
fn dispatching_an_event_twice_at_once_is_an_invalid_state_error() {
    let out = result(&body(
        "const t = new EventTarget();
         let inner;
         t.addEventListener('x', (e) => {
             try { t.dispatchEvent(e); } catch (err) { inner = [err instanceof DOMException, err.name, err.code]; }
         });
         const e = new Event('x');
         t.dispatchEvent(e);
         let notEvent;
         try { t.dispatchEvent({ type: 'x' }); } catch (err) { notEvent = err.name; }
         return [inner, t.dispatchEvent(e), notEvent];",
    ));
    assert_eq!(
        out,
        json!([[true, "InvalidStateError", 11], true, "TypeError"])
    );
}

#[test]
fn add_event_listener_checks_its_arguments() {
    let out = result(&body(
        "const t = new EventTarget();
         const error = (f) => { try { f(); return 'no error'; } catch (e) { return e.name; } };
         return [error(() => t.addEventListener('x')), error(() => t.addEventListener('x', null)),
                 error(() => t.addEventListener('x', 5)), error(() => t.addEventListener('x', () => {}, { signal: {} })),
                 error(() => t.addEventListener('x', () => {}, { signal: null })),
                 error(() => EventTarget.prototype.addEventListener.call({}, 'x', () => {}))];",
    ));
    assert_eq!(
        out,
        json!([
            "TypeError",
            "no error",
            "TypeError",
            "TypeError",
            "TypeError",
            "TypeError"
        ])
    );
}

#[test]
fn event_target_can_be_subclassed() {
    let out = result(&body(
        "class Emitter extends EventTarget { fire(type) { return this.dispatchEvent(new CustomEvent(type, { detail: 42 })); } }
         const emitter = new Emitter();
         let detail;
         emitter.addEventListener('ping', (e) => { detail = [e.detail, e instanceof CustomEvent, e instanceof Event, e.target === emitter]; });
         emitter.fire('ping');
         return [detail, new CustomEvent('x').detail, Object.prototype.toString.call(emitter)];",
    ));
    assert_eq!(
        out,
        json!([[42, true, true, true], null, "[object EventTarget]"])
    );
}

#[test]
fn init_event_resets_an_event_but_not_while_it_is_dispatched() {
    let out = result(&body(
        "const t = new EventTarget();
         const e = new Event('x');
         let during;
         t.addEventListener('x', () => { e.initEvent('z', true, true); during = [e.type, e.bubbles]; });
         t.dispatchEvent(e);
         e.initEvent('y', true, true);
         return [during, e.type, e.bubbles, e.cancelable, e.target];",
    ));
    assert_eq!(out, json!([["x", false], "y", true, true, null]));
}

#[test]
fn an_abort_controller_aborts_its_signal_once() {
    let out = result(&body(
        "const controller = new AbortController();
         const signal = controller.signal;
         const seen = [];
         signal.addEventListener('abort', (e) => seen.push(e.type, e.target === signal, signal.aborted));
         signal.onabort = (e) => seen.push('onabort', this === undefined);
         const before = [signal.aborted, signal.reason];
         controller.abort();
         controller.abort('again');
         const reason = signal.reason;
         return [before, seen, controller.signal === signal, reason instanceof DOMException,
                 reason.name, reason.code];",
    ));
    assert_eq!(
        out,
        json!([
            [false, null],
            ["abort", true, true, "onabort", true],
            true,
            true,
            "AbortError",
            20
        ])
    );
}

#[test]
fn abort_keeps_the_reason_given_and_throw_if_aborted_throws_it() {
    let out = result(&body(
        "const controller = new AbortController();
         controller.signal.throwIfAborted();
         const reason = new Error('stop');
         controller.abort(reason);
         let thrown;
         try { controller.signal.throwIfAborted(); } catch (e) { thrown = e; }
         const nulled = new AbortController();
         nulled.abort(null);
         return [controller.signal.reason === reason, thrown === reason, nulled.signal.reason];",
    ));
    assert_eq!(out, json!([true, true, null]));
}

#[test]
fn abort_signal_abort_is_aborted_at_once_and_cannot_be_constructed() {
    let out = result(&body(
        "const plain = AbortSignal.abort();
         const given = AbortSignal.abort('why');
         let constructed;
         try { new AbortSignal(); } catch (e) { constructed = e.name; }
         return [plain.aborted, plain.reason.name, given.reason, constructed,
                 plain instanceof EventTarget, Object.prototype.toString.call(plain)];",
    ));
    assert_eq!(
        out,
        json!([
            true,
            "AbortError",
            "why",
            "TypeError",
            true,
            "[object AbortSignal]"
        ])
    );
}

#[test]
fn onabort_keeps_its_place_and_null_removes_it() {
    let out = result(&body(
        "const controller = new AbortController();
         const signal = controller.signal;
         const order = [];
         signal.onabort = () => order.push('first handler');
         signal.addEventListener('abort', () => order.push('listener'));
         signal.onabort = () => order.push('second handler');
         const other = new AbortController();
         other.signal.onabort = () => order.push('removed');
         other.signal.onabort = null;
         const cleared = other.signal.onabort;
         other.abort();
         controller.abort();
         return [order, cleared];",
    ));
    assert_eq!(out, json!([["second handler", "listener"], null]));
}

#[test]
fn a_listener_added_with_a_signal_goes_when_it_aborts() {
    let out = result(&body(
        "const t = new EventTarget();
         const controller = new AbortController();
         let n = 0;
         t.addEventListener('x', () => n++, { signal: controller.signal });
         t.dispatchEvent(new Event('x'));
         controller.abort();
         t.dispatchEvent(new Event('x'));
         t.addEventListener('x', () => n++, { signal: controller.signal });
         t.dispatchEvent(new Event('x'));
         return n;",
    ));
    assert_eq!(out, json!(1));
}

#[test]
fn abort_signal_any_follows_its_sources() {
    let out = result(&body(
        "const a = new AbortController();
         const b = new AbortController();
         const any = AbortSignal.any([a.signal, b.signal]);
         const nested = AbortSignal.any([any]);
         const order = [];
         b.signal.onabort = () => order.push('b', any.aborted, nested.aborted);
         any.onabort = () => order.push('any');
         nested.onabort = () => order.push('nested');
         const before = any.aborted;
         b.abort('b reason');
         a.abort('a reason');
         const early = AbortSignal.any([new AbortController().signal, AbortSignal.abort('done')]);
         let bad;
         try { AbortSignal.any([a.signal, {}]); } catch (e) { bad = e.name; }
         return [before, order, any.reason, nested.reason, early.aborted, early.reason, bad];",
    ));
    assert_eq!(
        out,
        json!([
            false,
            ["b", true, true, "any", "nested"],
            "b reason",
            "b reason",
            true,
            "done",
            "TypeError"
        ])
    );
}

#[test]
fn state_is_private_and_globals_are_not_enumerable() {
    let out = result(&body(
        "const e = new Event('x');
         const t = new EventTarget();
         t.addEventListener('x', () => {});
         return [Object.keys(e), Object.getOwnPropertyNames(t), Object.getOwnPropertyNames(new AbortController()),
                 Object.keys(globalThis).filter((k) => /Event|Abort|DOMException/.test(k))];",
    ));
    assert_eq!(out, json!([["isTrusted"], [], [], []]));
}

#[test]
fn a_handler_that_breaks_built_ins_does_not_break_dispatch_for_another() {
    let (host, mut rt) = runtime_with(&[
        "function handler() {
             Array.prototype.push = () => { throw new Error('push is broken'); };
             Function.prototype.call = () => { throw new Error('call is broken'); };
             Function.prototype.apply = () => { throw new Error('apply is broken'); };
             Array.prototype[Symbol.iterator] = function* () {};
             Object.defineProperty(Object.prototype, 'bubbles', { get() { throw new Error('bubbles'); } });
             AbortSignal.prototype.dispatchEvent = () => { throw new Error('dispatch is broken'); };
             AbortSignal.prototype.removeEventListener = () => { throw new Error('remove is broken'); };
             return 'broken';
         }",
        "function handler() {
             const t = new EventTarget();
             let seen = '';
             t.addEventListener('x', (e) => { seen += e.type; }, { once: true });
             t.addEventListener('x', { handleEvent: (e) => { seen += ' object'; } });
             t.addEventListener('x', (e) => { seen += ' capture'; }, true);
             const first = EventTarget.prototype.dispatchEvent.bind(t)(new Event('x'));
             EventTarget.prototype.dispatchEvent.bind(t)(new CustomEvent('x'));
             const controller = new AbortController();
             controller.signal.onabort = () => { seen += ' onabort'; };
             controller.signal.onabort = null;
             controller.signal.addEventListener('abort', () => { seen += ' aborted'; });
             t.addEventListener('x', () => { seen += ' never'; }, { signal: controller.signal });
             controller.abort();
             EventTarget.prototype.dispatchEvent.bind(t)(new Event('x'));
             return [seen, first, controller.signal.reason.name];
         }",
    ]);
    assert_eq!(call(&mut rt, "h0"), json!("broken"));
    assert_eq!(
        call(&mut rt, "h1"),
        json!([
            " capturex object capture object aborted capture object",
            true,
            "AbortError"
        ])
    );
    assert!(host.printed.borrow().is_empty(), "{:?}", host.printed);
}
