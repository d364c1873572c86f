// `setTimeout`, `setInterval`, `setImmediate` and their `clear*`, and the
// three controls the runtime's event loop drives them with. Returns
// `{ globals, next, fire, cancelAll }`.
//
// The loop asks `next` how long until the earliest timer is due, waits that
// long (the host sleeps: waiting costs no CPU), then calls `fire`, which
// runs that one timer; the loop runs the microtasks it queued before the
// next. Timers are kept in a binary heap ordered by due time, then by the
// order they were set, so timers due at the same time run in that order.
//
// Like the event classes, this uses only what it kept before any handler
// ran: objects without a prototype for its lists, `Reflect.apply` for calls.
(function (natives) {
  const { apply } = Reflect;
  // Tells the runtime a timer was set, so that calls which set none skip
  // the timer work.
  const noteSet = natives.noteSet;
  const now = performance.now;
  const clock = performance;
  const global = globalThis;

  // The longest delay, in milliseconds, as browsers and Node have it: 2^31 - 1.
  const MAX_DELAY = 2147483647;
  // Cancelled timers stay in the heap until they reach its top, unless they
  // are most of it; then it is rebuilt without them.
  const COMPACT_AT = 64;

  const table = () => ({ __proto__: null });
  const list = () => ({ __proto__: null, length: 0 });

  // id -> timer, for the timers still to run.
  let live = table();
  let heap = list();
  let dead = 0;
  let lastId = 0;
  let lastOrder = 0;

  const before = (a, b) => a.at < b.at || (a.at === b.at && a.order < b.order);

  const siftUp = (timer, at) => {
    let i = at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = timer;
  };

  const siftDown = (timer, at) => {
    const length = heap.length;
    let i = at;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= length) break;
      if (child + 1 < length && before(heap[child + 1], heap[child])) child += 1;
      if (!before(heap[child], timer)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = timer;
  };

  const push = (timer) => {
    heap.length += 1;
    siftUp(timer, heap.length - 1);
  };

  const popTop = () => {
    const top = heap[0];
    const last = heap[heap.length - 1];
    delete heap[heap.length - 1];
    heap.length -= 1;
    if (heap.length > 0) siftDown(last, 0);
    if (top.cancelled) dead -= 1;
    return top;
  };

  // Rebuilds the heap from the timers still live.
  const compact = () => {
    const kept = list();
    for (let i = 0; i < heap.length; i++) {
      if (!heap[i].cancelled) {
        kept[kept.length] = heap[i];
        kept.length += 1;
      }
    }
    heap = kept;
    dead = 0;
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap[i], i);
  };

  // The delay as a number of milliseconds within [0, MAX_DELAY]; what is
  // not a number (or NaN) is 0.
  const delayOf = (timeout) => {
    const ms = +timeout;
    if (!(ms > 0)) return 0;
    return ms > MAX_DELAY ? MAX_DELAY : ms;
  };

  const schedule = (what, callback, delay, args, repeat) => {
    if (typeof callback !== "function") {
      throw new TypeError(`${what}: the callback is not a function (a string of code is not run)`);
    }
    lastId += 1;
    lastOrder += 1;
    const timer = {
      __proto__: null,
      id: lastId,
      at: apply(now, clock, []) + delay,
      order: lastOrder,
      callback,
      args,
      interval: repeat ? delay : -1,
      cancelled: false,
    };
    live[timer.id] = timer;
    push(timer);
    noteSet();
    return timer.id;
  };

  const clear = (id) => {
    if (typeof id !== "number") return;
    const timer = live[id];
    if (timer === undefined) return;
    delete live[id];
    timer.cancelled = true;
    dead += 1;
    if (dead > COMPACT_AT && dead * 2 > heap.length) compact();
  };

  // The arguments after the first `skip`, as a list `apply` takes.
  const rest = (given, skip) => {
    const args = list();
    for (let i = skip; i < given.length; i++) {
      args[args.length] = given[i];
      args.length += 1;
    }
    return args;
  };

  function setTimeout(callback, timeout = 0) {
    return schedule("setTimeout", callback, delayOf(timeout), rest(arguments, 2), false);
  }
  function setInterval(callback, timeout = 0) {
    return schedule("setInterval", callback, delayOf(timeout), rest(arguments, 2), true);
  }
  function setImmediate(callback) {
    return schedule("setImmediate", callback, 0, rest(arguments, 1), false);
  }
  function clearTimeout(id = undefined) {
    clear(id);
  }
  function clearInterval(id = undefined) {
    clear(id);
  }
  function clearImmediate(id = undefined) {
    clear(id);
  }

  // Milliseconds until the earliest timer is due (0 when it is), or -1
  // when no timer is set.
  const next = () => {
    while (heap.length > 0 && heap[0].cancelled) popTop();
    if (heap.length === 0) return -1;
    const wait = heap[0].at - apply(now, clock, []);
    return wait > 0 ? wait : 0;
  };

  // Runs the earliest timer if it is due; whether one ran. What its
  // callback throws is thrown on, and fails the call.
  const fire = () => {
    if (next() !== 0) return false;
    const timer = popTop();
    if (timer.interval < 0) {
      delete live[timer.id];
    } else {
      // Set again before its callback runs, which may clear it.
      lastOrder += 1;
      timer.order = lastOrder;
      timer.at = apply(now, clock, []) + timer.interval;
      push(timer);
    }
    apply(timer.callback, global, timer.args);
    return true;
  };

  // Forgets every timer: what a call leaves set does not outlive it. It
  // allocates nothing, so it works when the heap is full. Every live timer
  // is in the heap.
  const cancelAll = () => {
    for (let i = 0; i < heap.length; i++) {
      delete live[heap[i].id];
      delete heap[i];
    }
    heap.length = 0;
    dead = 0;
  };

  return {
    globals: { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate },
    next,
    fire,
    cancelAll,
  };
})
