// `Event`, `CustomEvent` and `EventTarget` as the DOM standard defines them
// for targets outside a document tree, and `AbortController` and
// `AbortSignal` over them. Returns the globals it defines.
//
// Handlers of a sandbox share these classes, so they use only what this
// script kept when it ran, before any handler: `Reflect.apply` rather than
// `call`, indexed loops over lists of their own (objects without a
// prototype) rather than arrays and their iterators. A handler that replaces
// `Array.prototype.push` or `Function.prototype.call` breaks only itself.
// State is kept in private fields, which no handler can read or change.
(function () {
  const { apply } = Reflect;
  const { defineProperty } = Object;
  const DOMExceptionOf = DOMException;
  const now = performance.now;
  const clock = performance;
  const consoleError = console.error;
  const setTimeoutOf = setTimeout;
  const logger = console;

  // A list of our own: `{ length, 0: ..., 1: ... }` without a prototype.
  const list = () => ({ __proto__: null, length: 0 });
  const append = (items, item) => {
    items[items.length] = item;
    items.length += 1;
  };
  const copy = (items) => {
    const copied = list();
    for (let i = 0; i < items.length; i++) append(copied, items[i]);
    return copied;
  };

  const isObject = (value) => (typeof value === "object" && value !== null) || typeof value === "function";
  const required = (given, count, what) => {
    if (given < count) throw new TypeError(`${what}: ${count} argument${count > 1 ? "s" : ""} required, ${given} given`);
  };
  const dictionary = (value, what) => {
    if (value === undefined || value === null) return { __proto__: null };
    if (!isObject(value)) throw new TypeError(`${what}: the options are not an object`);
    return value;
  };
  const constant = (value) => ({ __proto__: null, value, writable: false, enumerable: true, configurable: false });
  const tag = (klass, name) =>
    defineProperty(klass.prototype, Symbol.toStringTag, { __proto__: null, value: name, configurable: true });

  // Reports an error a listener threw, as browsers do, and goes on.
  const report = (error) => {
    try {
      apply(consoleError, logger, ["Uncaught", error]);
    } catch {
      // Nothing more can be done: the next listener still runs.
    }
  };

  const phases = ["NONE", "CAPTURING_PHASE", "AT_TARGET", "BUBBLING_PHASE"];
  const [NONE, , AT_TARGET] = [0, 1, 2];
  // `isTrusted` is an own property of every event, with one getter.
  const isTrusted = { __proto__: null, get: () => false, enumerable: true, configurable: false };

  // The state of an event, for `EventTarget` (or a `TypeError`).
  let stateOf;

  // What `preventDefault` does: cancels, unless that is not allowed.
  const cancel = (state) => {
    if (state.cancelable && !state.passive) state.canceled = true;
  };

  // What `initEvent` does.
  const initialize = (state, type, bubbles, cancelable) => {
    state.type = type;
    state.bubbles = bubbles;
    state.cancelable = cancelable;
    state.canceled = state.stop = state.stopImmediate = false;
    state.target = null;
  };

  class Event {
    #state;

    constructor(type, eventInitDict = undefined) {
      required(arguments.length, 1, "Event");
      type = `${type}`;
      const init = dictionary(eventInitDict, "Event");
      this.#state = {
        __proto__: null,
        type,
        bubbles: !!init.bubbles,
        cancelable: !!init.cancelable,
        composed: !!init.composed,
        target: null,
        currentTarget: null,
        phase: NONE,
        canceled: false,
        stop: false,
        stopImmediate: false,
        passive: false,
        dispatching: false,
        timeStamp: apply(now, clock, []),
      };
      defineProperty(this, "isTrusted", isTrusted);
    }

    get type() {
      return this.#state.type;
    }
    get target() {
      return this.#state.target;
    }
    get srcElement() {
      return this.#state.target;
    }
    get currentTarget() {
      return this.#state.currentTarget;
    }
    get eventPhase() {
      return this.#state.phase;
    }
    get bubbles() {
      return this.#state.bubbles;
    }
    get cancelable() {
      return this.#state.cancelable;
    }
    get composed() {
      return this.#state.composed;
    }
    get defaultPrevented() {
      return this.#state.canceled;
    }
    get timeStamp() {
      return this.#state.timeStamp;
    }
    get returnValue() {
      return !this.#state.canceled;
    }
    set returnValue(value) {
      if (!value) cancel(this.#state);
    }
    get cancelBubble() {
      return this.#state.stop;
    }
    set cancelBubble(value) {
      if (value) this.#state.stop = true;
    }

    // Only a target outside a tree: the path is the target alone.
    composedPath() {
      const state = this.#state;
      return state.currentTarget === null ? [] : [state.currentTarget];
    }

    preventDefault() {
      cancel(this.#state);
    }

    stopPropagation() {
      this.#state.stop = true;
    }

    stopImmediatePropagation() {
      const state = this.#state;
      state.stop = true;
      state.stopImmediate = true;
    }

    initEvent(type, bubbles = false, cancelable = false) {
      required(arguments.length, 1, "Event.initEvent");
      type = `${type}`;
      const state = this.#state;
      if (!state.dispatching) initialize(state, type, !!bubbles, !!cancelable);
    }

    static {
      stateOf = (event, what) => {
        if (!isObject(event) || !(#state in event)) throw new TypeError(`${what}: the argument is not an Event`);
        return event.#state;
      };
    }
  }
  for (let phase = 0; phase < phases.length; phase++) {
    defineProperty(Event, phases[phase], constant(phase));
    defineProperty(Event.prototype, phases[phase], constant(phase));
  }
  tag(Event, "Event");

  class CustomEvent extends Event {
    #detail;

    constructor(type, eventInitDict = undefined) {
      required(arguments.length, 1, "CustomEvent");
      const init = dictionary(eventInitDict, "CustomEvent");
      super(type, init);
      this.#detail = init.detail === undefined ? null : init.detail;
    }

    get detail() {
      return this.#detail;
    }

    initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
      required(arguments.length, 1, "CustomEvent.initCustomEvent");
      type = `${type}`;
      if (!(#detail in this)) throw new TypeError("CustomEvent.initCustomEvent: this is not a CustomEvent");
      const state = stateOf(this, "CustomEvent.initCustomEvent");
      if (state.dispatching) return;
      initialize(state, type, !!bubbles, !!cancelable);
      this.#detail = detail;
    }
  }
  tag(CustomEvent, "CustomEvent");

  // What a listener option of `capture` alone means.
  const flatten = (options) => (isObject(options) ? !!options.capture : !!options);
  const checkCallback = (callback, what) => {
    if (callback !== null && callback !== undefined && !isObject(callback)) {
      throw new TypeError(`${what}: the listener is neither a function nor an object`);
    }
    return callback ?? null;
  };

  // The listener records of a target, by event type (or a `TypeError`).
  let listenersOf;

  // What `addEventListener` does once its arguments are converted.
  const addListener = (target, type, callback, capture, once, passive, signal) => {
    const all = listenersOf(target);
    if (callback === null || (signal !== null && signalAborted(signal))) return;
    const listeners = (all[type] ??= list());
    for (let i = 0; i < listeners.length; i++) {
      const other = listeners[i];
      if (other.callback === callback && other.capture === capture) return;
    }
    const record = { __proto__: null, callback, capture, once, passive, removed: false };
    append(listeners, record);
    if (signal !== null) onAbort(signal, () => removeRecord(all, type, record));
  };

  // What `removeEventListener` does once its arguments are converted.
  const removeListener = (target, type, callback, capture) => {
    const all = listenersOf(target);
    const listeners = all[type];
    if (listeners === undefined) return;
    for (let i = 0; i < listeners.length; i++) {
      const record = listeners[i];
      if (record.callback === callback && record.capture === capture) return removeRecord(all, type, record);
    }
  };

  // Takes `record` out of the listeners of `type`, also from a dispatch
  // under way.
  const removeRecord = (all, type, record) => {
    record.removed = true;
    const listeners = all[type];
    if (listeners === undefined) return;
    const kept = list();
    for (let i = 0; i < listeners.length; i++) {
      if (listeners[i] !== record) append(kept, listeners[i]);
    }
    all[type] = kept;
  };

  // What `dispatchEvent` does: the path is the target alone, so its
  // capture listeners run, then the others, all at the target.
  const dispatch = (target, event, what) => {
    const state = stateOf(event, what);
    if (state.dispatching) {
      throw new DOMExceptionOf(`${what}: the event is already being dispatched`, "InvalidStateError");
    }
    const all = listenersOf(target);
    state.dispatching = true;
    state.target = target;
    state.currentTarget = target;
    state.phase = AT_TARGET;
    // Listeners added from here on are not called; removed ones are not.
    const listeners = all[state.type];
    if (listeners !== undefined && !state.stop) {
      const snapshot = copy(listeners);
      invoke(all, snapshot, event, state, true);
      if (!state.stop) invoke(all, snapshot, event, state, false);
    }
    state.phase = NONE;
    state.currentTarget = null;
    state.dispatching = false;
    state.stop = false;
    state.stopImmediate = false;
    return !state.canceled;
  };

  // Calls the capture (or else the other) listeners of `snapshot`; one
  // that throws is reported, and the next is called.
  const invoke = (all, snapshot, event, state, capture) => {
    for (let i = 0; i < snapshot.length; i++) {
      const record = snapshot[i];
      if (record.removed || record.capture !== capture) continue;
      if (record.once) removeRecord(all, state.type, record);
      state.passive = record.passive;
      try {
        const callback = record.callback;
        if (typeof callback === "function") {
          apply(callback, state.currentTarget, [event]);
        } else {
          const handleEvent = callback.handleEvent;
          if (typeof handleEvent !== "function") throw new TypeError("the listener's handleEvent is not a function");
          apply(handleEvent, callback, [event]);
        }
      } catch (error) {
        report(error);
      }
      state.passive = false;
      if (state.stopImmediate) return;
    }
  };

  class EventTarget {
    #listeners = { __proto__: null };

    addEventListener(type, callback, options = undefined) {
      const what = "EventTarget.addEventListener";
      required(arguments.length, 2, what);
      type = `${type}`;
      callback = checkCallback(callback, what);
      const capture = flatten(options);
      let once = false;
      let passive = false;
      let signal = null;
      if (isObject(options)) {
        once = !!options.once;
        passive = !!options.passive;
        const given = options.signal;
        if (given !== undefined) {
          if (!(isObject(given) && signalAborted(given) !== undefined)) {
            throw new TypeError(`${what}: the signal is not an AbortSignal`);
          }
          signal = given;
        }
      }
      addListener(this, type, callback, capture, once, passive, signal);
    }

    removeEventListener(type, callback, options = undefined) {
      const what = "EventTarget.removeEventListener";
      required(arguments.length, 2, what);
      type = `${type}`;
      callback = checkCallback(callback, what);
      removeListener(this, type, callback, flatten(options));
    }

    dispatchEvent(event) {
      required(arguments.length, 1, "EventTarget.dispatchEvent");
      return dispatch(this, event, "EventTarget.dispatchEvent");
    }

    static {
      listenersOf = (target) => {
        if (!isObject(target) || !(#listeners in target)) throw new TypeError("this is not an EventTarget");
        return target.#listeners;
      };
    }
  }
  tag(EventTarget, "EventTarget");

  // Only this script makes signals.
  const token = {};
  const noReason = () => new DOMExceptionOf("signal is aborted without reason", "AbortError");

  // Whether a signal is aborted (undefined for other values); adding an
  // abort step; aborting.
  let signalAborted, onAbort, abortSignal;

  class AbortSignal extends EventTarget {
    #aborted = false;
    #reason = undefined;
    // What to do on abort, such as removing a listener added with this
    // signal.
    #steps = list();
    // The signals `any` made to follow this one.
    #dependents = list();
    // For a signal `any` made: the signals it follows (none of them made
    // by `any`).
    #sources = null;
    #onabort = null;
    #onabortListener = null;

    constructor(key) {
      if (key !== token) throw new TypeError("AbortSignal: illegal constructor (use AbortController or AbortSignal.abort)");
      super();
    }

    get aborted() {
      return this.#aborted;
    }

    get reason() {
      return this.#reason;
    }

    throwIfAborted() {
      if (this.#aborted) throw this.#reason;
    }

    get onabort() {
      return this.#onabort;
    }

    // An event handler attribute: its listener keeps the place it had when
    // the first handler was set, until it is set to null.
    set onabort(value) {
      this.#onabort = isObject(value) ? value : null;
      if (this.#onabort === null && this.#onabortListener !== null) {
        removeListener(this, "abort", this.#onabortListener, false);
        this.#onabortListener = null;
      } else if (this.#onabort !== null && this.#onabortListener === null) {
        this.#onabortListener = (event) => {
          const handler = this.#onabort;
          if (handler !== null) apply(handler, this, [event]);
        };
        addListener(this, "abort", this.#onabortListener, false, false, false, null);
      }
    }

    // Aborts this signal and those following it: all are aborted before
    // the first "abort" event fires, this signal's first.
    #abort(reason) {
      if (this.#aborted) return;
      this.#aborted = true;
      this.#reason = reason === undefined ? noReason() : reason;
      const dependents = this.#dependents;
      const aborted = list();
      for (let i = 0; i < dependents.length; i++) {
        const dependent = dependents[i];
        if (dependent.#aborted) continue;
        dependent.#aborted = true;
        dependent.#reason = this.#reason;
        append(aborted, dependent);
      }
      this.#dependents = list();
      this.#runSteps();
      for (let i = 0; i < aborted.length; i++) aborted[i].#runSteps();
    }

    #runSteps() {
      const steps = this.#steps;
      this.#steps = list();
      for (let i = 0; i < steps.length; i++) steps[i]();
      dispatch(this, new Event("abort"), "AbortSignal");
    }

    static abort(reason = undefined) {
      const signal = new AbortSignal(token);
      signal.#aborted = true;
      signal.#reason = reason === undefined ? noReason() : reason;
      return signal;
    }

    // A signal that aborts with a "TimeoutError" after `milliseconds`. Its
    // timer is a timer of the call, so a call that ends first cancels it.
    static timeout(milliseconds) {
      required(arguments.length, 1, "AbortSignal.timeout");
      const ms = +milliseconds;
      if (!(ms >= 0 && ms <= 9007199254740991)) {
        throw new TypeError("AbortSignal.timeout: the delay is not a number of milliseconds from 0 to 2^53 - 1");
      }
      const signal = new AbortSignal(token);
      setTimeoutOf(() => signal.#abort(new DOMExceptionOf("The operation timed out.", "TimeoutError")), ms);
      return signal;
    }

    static any(signals) {
      required(arguments.length, 1, "AbortSignal.any");
      if (!isObject(signals)) throw new TypeError("AbortSignal.any: the argument is not a sequence of AbortSignals");
      const given = list();
      for (const signal of signals) {
        if (!(isObject(signal) && #aborted in signal)) {
          throw new TypeError("AbortSignal.any: an element is not an AbortSignal");
        }
        append(given, signal);
      }
      const result = new AbortSignal(token);
      for (let i = 0; i < given.length; i++) {
        if (given[i].#aborted) {
          result.#aborted = true;
          result.#reason = given[i].#reason;
          return result;
        }
      }
      result.#sources = list();
      const follow = (source) => {
        for (let i = 0; i < result.#sources.length; i++) {
          if (result.#sources[i] === source) return;
        }
        append(result.#sources, source);
        append(source.#dependents, result);
      };
      for (let i = 0; i < given.length; i++) {
        const sources = given[i].#sources;
        if (sources === null) {
          follow(given[i]);
        } else {
          for (let j = 0; j < sources.length; j++) follow(sources[j]);
        }
      }
      return result;
    }

    static {
      signalAborted = (value) => (#aborted in value ? value.#aborted : undefined);
      onAbort = (signal, step) => append(signal.#steps, step);
      abortSignal = (signal, reason) => signal.#abort(reason);
    }
  }
  tag(AbortSignal, "AbortSignal");

  class AbortController {
    #signal = new AbortSignal(token);

    get signal() {
      return this.#signal;
    }

    abort(reason = undefined) {
      abortSignal(this.#signal, reason);
    }
  }
  tag(AbortController, "AbortController");

  return { Event, CustomEvent, EventTarget, AbortSignal, AbortController };
})
