// Vandalises every built-in the runtime's plumbing could conceivably lean on:
// JSON, console, Promise, Object/Array/String prototypes, Symbol.toPrimitive,
// reflection helpers, and setters on Object.prototype for common keys. Later
// calls of other handlers must still get their events parsed and their
// results serialized exactly as before.
function handler() {
  const spin = function () {
    for (;;) {}
  };
  const boom = function () {
    throw new Error("tampered built-in was used");
  };

  // JSON: replaced outright, and the original object's methods vandalised.
  const json = JSON;
  json.parse = boom;
  json.stringify = boom;
  globalThis.JSON = { parse: spin, stringify: spin };

  // console.
  globalThis.console = { log: boom, error: boom, warn: boom, info: boom, debug: boom };

  // Promise: then/resolve/constructor species, and the global itself.
  const P = Promise;
  P.prototype.then = function () {
    return this;
  };
  P.prototype.catch = boom;
  P.prototype.finally = boom;
  P.resolve = boom;
  P.reject = boom;
  P.all = boom;
  // Descriptors have no prototype: Object.prototype is about to get getters
  // for "value" and "get" (and `defineProperty` reads those from descriptors).
  Object.defineProperty(P, Symbol.species, { __proto__: null, get: boom });
  Object.defineProperty(P.prototype, "constructor", { __proto__: null, get: boom, configurable: true });
  globalThis.Promise = boom;

  // Object.prototype: setters and getters for keys events and results use.
  // (Not "then": that would make every object a thenable that throws, which
  // changes what `await` and async returns mean in JavaScript itself.)
  const keys = ["a", "b", "n", "ok", "id", "name", "value", "get", "set", "0", "1", "length", "s", "list"];
  for (const key of keys) {
    Object.defineProperty(Object.prototype, key, {
      __proto__: null,
      get: boom,
      set: boom,
      configurable: true,
    });
  }
  Object.prototype[Symbol.toPrimitive] = boom;
  Object.prototype.toString = boom;
  Object.prototype.valueOf = boom;
  Object.prototype.hasOwnProperty = boom;
  Object.prototype[Symbol.iterator] = boom;

  // Array.prototype.
  for (const key of ["push", "map", "join", "forEach", "concat", "slice", "toString", Symbol.iterator]) {
    Array.prototype[key] = boom;
  }
  Object.defineProperty(Array.prototype, "constructor", { __proto__: null, get: boom, configurable: true });

  // Strings, numbers, booleans.
  String.prototype[Symbol.iterator] = boom;
  Boolean.prototype.valueOf = boom;
  // The runtime fixes these (each assignment throws a TypeError); try anyway.
  // (No for-of here: array iteration is already vandalised.)
  const fixedByRuntime = [String.prototype, Number.prototype];
  for (let i = 0; i < fixedByRuntime.length; i++) {
    try {
      fixedByRuntime[i].toString = boom;
    } catch {}
    try {
      fixedByRuntime[i].valueOf = boom;
    } catch {}
  }
  // Read-only but configurable: redefined rather than assigned.
  Object.defineProperty(Symbol.prototype, Symbol.toPrimitive, { __proto__: null, value: boom });

  // Reflection and construction helpers.
  Object.keys = boom;
  Object.entries = boom;
  Object.defineProperty = boom;
  Object.getOwnPropertyNames = boom;
  Object.assign = boom;
  Array.isArray = boom;
  Array.from = boom;
  Reflect.ownKeys = boom;
  Reflect.get = boom;
  Reflect.apply = boom;
  Function.prototype.call = boom;
  Function.prototype.apply = boom;
  Function.prototype.bind = boom;
  globalThis.Object = boom;
  globalThis.Array = boom;
  globalThis.String = boom;
  globalThis.Error = boom;
  globalThis.Proxy = boom;
  globalThis.Reflect = boom;
  globalThis.Symbol = boom;
  globalThis.globalThis = boom;

  return "tampered";
}
