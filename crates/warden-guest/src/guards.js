// Runs once, before any handler, while every built-in is pristine. Handlers
// of a sandbox share one realm and may change its built-ins, which the
// other handlers' JavaScript then sees. This script keeps those changes out
// of the runtime's own work: parsing events, serializing results and
// creating the errors that report them.
//
// `arm` tells the runtime that an `Error.prepareStackTrace` hook may be set.
// Returns the original getter and setter of that hook, for the runtime to
// hold it off while it works.
(arm) => {
  "use strict";
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf } = Object;
  const { apply, ownKeys } = Reflect;
  const toNumber = Number;
  const captureStackTrace = Error.captureStackTrace;

  // Every built-in prototype: along the prototype chains of the global
  // object's values and of their `prototype` properties, and of objects
  // reachable only through instances (iterators, generators...). Methods
  // are not visited: QuickJS creates them on first use, and creating them
  // all would make every garbage collection slower.
  const prototypes = new Set();
  const addChain = (object) => {
    for (let proto = object; proto !== null && !prototypes.has(proto); proto = getPrototypeOf(proto)) {
      prototypes.add(proto);
    }
  };
  const visit = (value) => {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return;
    addChain(getPrototypeOf(value));
    if (typeof value === "function") {
      const own = getOwnPropertyDescriptor(value, "prototype");
      if (own !== undefined && own.value !== null && typeof own.value === "object") addChain(own.value);
    }
  };
  for (const key of ownKeys(globalThis)) {
    // Data properties only: no getter runs here.
    const descriptor = getOwnPropertyDescriptor(globalThis, key);
    if (descriptor !== undefined && "value" in descriptor) visit(descriptor.value);
  }
  function* generator() {}
  async function* asyncGenerator() {}
  for (const instance of [
    [].values(),
    new Map().values(),
    new Set().values(),
    ""[Symbol.iterator](),
    /x/g[Symbol.matchAll](""),
    generator,
    generator(),
    async () => {},
    asyncGenerator,
    asyncGenerator(),
  ]) {
    visit(instance);
  }
  if (typeof Iterator === "function" && typeof Iterator.from === "function") {
    visit([].values().map((x) => x));
    visit(Iterator.from({ next: () => ({ done: true }) }));
  }

  // `toJSON` on a built-in prototype would change how every object that
  // inherits from it is serialized, in every handler. So each built-in
  // prototype gets a fixed `toJSON`: nothing, or for dates one that uses
  // the original date methods. Assigning `toJSON` to an ordinary object
  // still works (the setter gives the object its own property); on a
  // built-in prototype it throws.
  const dateToJSON = Date.prototype.toJSON;
  const getTime = Date.prototype.getTime;
  const toISOString = Date.prototype.toISOString;
  const isFiniteNumber = Number.isFinite;
  const toJSONOfDates = {
    toJSON(key) {
      let time;
      try {
        time = apply(getTime, this, []);
      } catch {
        // Not a date: the generic algorithm.
        return apply(dateToJSON, this, [key]);
      }
      return isFiniteNumber(time) ? apply(toISOString, this, []) : null;
    },
  }.toJSON;
  // One getter and one setter serve every prototype, so the guard adds
  // few objects for the garbage collector to visit. The getter runs for
  // every object serialized: `Function.prototype`, a native function that
  // returns undefined, costs less than any function written here.
  const none = getPrototypeOf(Function);
  const dates = () => toJSONOfDates;
  function setToJSON(value) {
    // A built-in prototype holds this very setter.
    const own = getOwnPropertyDescriptor(this, "toJSON");
    if (own !== undefined && own.set === setToJSON) {
      const error = new TypeError(
        "toJSON of a built-in prototype is fixed in Warden, so that no handler changes " +
          "how others' results are serialized; give your own objects or classes a toJSON instead",
      );
      // The stack starts at the assignment, in the handler.
      captureStackTrace(error, setToJSON);
      throw error;
    }
    defineProperty(this, "toJSON", {
      __proto__: null,
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  // A web API's own `toJSON` (`URL.prototype.toJSON`) is kept as it is:
  // it uses nothing a handler can change.
  const kept = (proto) => {
    const own = getOwnPropertyDescriptor(proto, "toJSON");
    if (own === undefined || typeof own.value !== "function") return none;
    const toJSON = own.value;
    return () => toJSON;
  };
  for (const proto of prototypes) {
    defineProperty(proto, "toJSON", {
      __proto__: null,
      get: proto === Date.prototype ? dates : kept(proto),
      set: setToJSON,
      enumerable: false,
      configurable: false,
    });
  }

  // A boxed number or string in a result (`new Number(1)`, `new String("x")`)
  // is serialized through its prototype's `Symbol.toPrimitive`, then
  // `valueOf` or `toString`. Those are fixed on `Number.prototype` and
  // `String.prototype`; the own `Symbol.toPrimitive` (undefined, as the
  // engine's default) hides any one put on `Object.prototype`. Booleans
  // and big integers are read from their internal value.
  const fixed = (value) => ({ __proto__: null, value, writable: false, enumerable: false, configurable: false });
  for (const proto of [Number.prototype, String.prototype]) {
    defineProperty(proto, "valueOf", fixed(proto.valueOf));
    defineProperty(proto, "toString", fixed(proto.toString));
    defineProperty(proto, Symbol.toPrimitive, fixed(undefined));
  }

  // QuickJS calls the `Error.prepareStackTrace` hook whenever an error is
  // created, and converts `Error.stackTraceLimit` to a number each time.
  // Both stay available to handlers, but only through these accessors: the
  // hook's setter arms the runtime's guard, and the limit is made a number
  // when it is set, so no `valueOf` runs when the runtime creates an error.
  const hook = getOwnPropertyDescriptor(Error, "prepareStackTrace");
  defineProperty(Error, "prepareStackTrace", {
    __proto__: null,
    get: hook.get,
    set(value) {
      arm();
      apply(hook.set, this, [value]);
    },
    enumerable: false,
    configurable: false,
  });
  const limit = getOwnPropertyDescriptor(Error, "stackTraceLimit");
  defineProperty(Error, "stackTraceLimit", {
    __proto__: null,
    get: limit.get,
    set(value) {
      apply(limit.set, this, [toNumber(value)]);
    },
    enumerable: false,
    configurable: false,
  });
  return [hook.get, hook.set];
};
