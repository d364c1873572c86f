// `structuredClone(value, { transfer })` of the HTML standard, within one
// sandbox. Takes the native `classOf(value)` and `serializable`, a list
// the shims of serializable platform classes (`CryptoKey`) add
// `[has(value), clone(value)]` pairs to; returns the globals it defines. Like the events shim, it uses only built-ins it kept before any
// handler ran, and tells objects apart by their engine class, not by their
// prototype or `Symbol.toStringTag`, which scripts can change.
(function ({ classOf, serializable }) {
  const { apply } = Reflect;
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, hasOwn, keys } = Object;
  const box = Object;
  const DOMExceptionOf = DOMException;
  const [MapOf, SetOf, DateOf, RegExpOf, ArrayOf, Buffer, View, Bytes] = [Map, Set, Date, RegExp, Array, ArrayBuffer, DataView, Uint8Array];
  const getter = (object, key) => getOwnPropertyDescriptor(object, key).get;
  const [mapGet, mapSet, mapForEach] = [Map.prototype.get, Map.prototype.set, Map.prototype.forEach];
  const [setAdd, setForEach] = [Set.prototype.add, Set.prototype.forEach];
  const getTime = Date.prototype.getTime;
  const TypedArray = getPrototypeOf(Uint8Array.prototype);
  const [typedBuffer, typedOffset, typedLength] = ["buffer", "byteOffset", "length"].map((key) => getter(TypedArray, key));
  const [viewBuffer, viewOffset, viewLength] = ["buffer", "byteOffset", "byteLength"].map((key) => getter(DataView.prototype, key));
  const bufferLength = getter(ArrayBuffer.prototype, "byteLength");
  const resizable = getter(ArrayBuffer.prototype, "resizable");
  const maxByteLength = getter(ArrayBuffer.prototype, "maxByteLength");
  const detached = getter(ArrayBuffer.prototype, "detached");
  const transfer = ArrayBuffer.prototype.transfer;
  const copyInto = TypedArray.set;
  const domExceptionName = getter(DOMException.prototype, "name");
  const domExceptionMessage = getter(DOMException.prototype, "message");
  // The flags of a regular expression, each read from its own slot.
  const flags = [
    ["d", "hasIndices"],
    ["g", "global"],
    ["i", "ignoreCase"],
    ["m", "multiline"],
    ["s", "dotAll"],
    ["u", "unicode"],
    ["v", "unicodeSets"],
    ["y", "sticky"],
  ].map(([letter, key]) => [letter, getter(RegExp.prototype, key)]);
  const stackOf = getOwnPropertyDescriptor(Error.prototype, "stack");
  const regExpSource = getter(RegExp.prototype, "source");

  // Each kind of object, by engine class.
  const kinds = { __proto__: null };
  const kind = (example, name) => (kinds[classOf(example)] = name);
  kind({}, "object");
  kind([], "array");
  kind(new Error(), "error");
  kind(new Boolean(false), "Boolean");
  kind(new Number(0), "Number");
  kind(new String(""), "String");
  kind(Object(0n), "BigInt");
  kind(new Date(0), "Date");
  kind(/x/, "RegExp");
  kind(new ArrayBuffer(0), "ArrayBuffer");
  kind(new DataView(new ArrayBuffer(0)), "DataView");
  kind(new Map(), "Map");
  kind(new Set(), "Set");
  // Typed arrays, by the name of their constructor.
  const typedArrays = { __proto__: null };
  for (const name of ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
    "Uint32Array", "Float16Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"]) {
    const Kind = globalThis[name];
    if (typeof Kind !== "function") continue;
    kind(new Kind(0), name);
    typedArrays[name] = Kind;
  }
  // The values that boxed primitives hold.
  const unbox = {
    __proto__: null,
    Boolean: Boolean.prototype.valueOf,
    Number: Number.prototype.valueOf,
    String: String.prototype.valueOf,
    BigInt: BigInt.prototype.valueOf,
  };
  const errors = { __proto__: null, Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };

  const uncloneable = (what) => new DOMExceptionOf(`structuredClone: ${what} cannot be cloned`, "DataCloneError");
  const data = (value) => ({ __proto__: null, value, writable: true, enumerable: true, configurable: true });

  // A copy of an array buffer's bytes, resizable if it is.
  const copyBuffer = (buffer) => {
    if (detached !== undefined && apply(detached, buffer, [])) throw uncloneable("a detached ArrayBuffer");
    const length = apply(bufferLength, buffer, []);
    const copy = resizable !== undefined && apply(resizable, buffer, [])
      ? new Buffer(length, { __proto__: null, maxByteLength: apply(maxByteLength, buffer, []) })
      : new Buffer(length);
    apply(copyInto, new Bytes(copy), [new Bytes(buffer)]);
    return copy;
  };

  // Clones `value`; `memory` maps each object already cloned to its clone,
  // so cycles and shared references come out the same.
  const clone = (value, memory) => {
    if (typeof value === "symbol") throw uncloneable("a symbol");
    if (typeof value === "function") throw uncloneable("a function");
    if (typeof value !== "object" || value === null) return value;
    const known = apply(mapGet, memory, [value]);
    if (known !== undefined) return known;
    const name = kinds[classOf(value)];
    const remember = (copy) => {
      apply(mapSet, memory, [value, copy]);
      return copy;
    };
    switch (name) {
      case "Boolean":
      case "Number":
      case "String":
      case "BigInt":
        return remember(box(apply(unbox[name], value, [])));
      case "Date":
        return remember(new DateOf(apply(getTime, value, [])));
      case "RegExp": {
        let letters = "";
        for (let i = 0; i < flags.length; i++) {
          if (flags[i][1] !== undefined && apply(flags[i][1], value, [])) letters += flags[i][0];
        }
        return remember(new RegExpOf(apply(regExpSource, value, []), letters));
      }
      case "ArrayBuffer":
        return remember(copyBuffer(value));
      case "DataView": {
        const buffer = clone(apply(viewBuffer, value, []), memory);
        return remember(new View(buffer, apply(viewOffset, value, []), apply(viewLength, value, [])));
      }
      case "Map": {
        const copy = remember(new MapOf());
        const entries = [];
        apply(mapForEach, value, [(v, k) => defineProperty(entries, entries.length, data([k, v]))]);
        for (let i = 0; i < entries.length; i++) {
          apply(mapSet, copy, [clone(entries[i][0], memory), clone(entries[i][1], memory)]);
        }
        return copy;
      }
      case "Set": {
        const copy = remember(new SetOf());
        const items = [];
        apply(setForEach, value, [(v) => defineProperty(items, items.length, data(v))]);
        for (let i = 0; i < items.length; i++) apply(setAdd, copy, [clone(items[i], memory)]);
        return copy;
      }
      case "error":
        return remember(cloneError(value));
      case "array":
        return properties(value, remember(new ArrayOf(value.length)), memory);
      case "object":
        for (let i = 0; i < serializable.length; i++) {
          const entry = serializable[i];
          if (entry[0](value)) return remember(entry[1](value));
        }
        return properties(value, remember({}), memory);
    }
    const Kind = name === undefined ? undefined : typedArrays[name];
    if (Kind !== undefined) {
      const buffer = clone(apply(typedBuffer, value, []), memory);
      return remember(new Kind(buffer, apply(typedOffset, value, []), apply(typedLength, value, [])));
    }
    throw uncloneable("an object of this kind (such as a WeakMap, a Promise, a Proxy or a class instance with internal state)");
  };

  // Copies the own enumerable string-keyed properties of `value`.
  const properties = (value, copy, memory) => {
    const names = keys(value);
    for (let i = 0; i < names.length; i++) {
      const key = names[i];
      if (getOwnPropertyDescriptor(value, key) === undefined) continue;
      defineProperty(copy, key, data(clone(value[key], memory)));
    }
    return copy;
  };

  // An error of the same standard type (or `Error`), with its message and
  // stack; a `DOMException` stays one.
  const cloneError = (value) => {
    try {
      const name = apply(domExceptionName, value, []);
      return new DOMExceptionOf(apply(domExceptionMessage, value, []), name);
    } catch {
      // Not a DOMException.
    }
    const name = value.name;
    const Kind = (typeof name === "string" && errors[name]) || errors.Error;
    const message = getOwnPropertyDescriptor(value, "message");
    const copy = message !== undefined && hasOwn(message, "value") ? new Kind(`${message.value}`) : new Kind();
    // The engine keeps a stack behind an accessor of `Error.prototype`; a
    // script may have given the error one of its own instead.
    const own = getOwnPropertyDescriptor(value, "stack");
    const stack = own !== undefined && hasOwn(own, "value") ? own.value : apply(stackOf.get, value, []);
    if (typeof stack === "string") apply(stackOf.set, copy, [stack]);
    return copy;
  };

  // The array buffers of `transfer`, checked.
  const transferred = (options) => {
    const list = [];
    if (options === undefined || options === null) return list;
    if (typeof options !== "object" && typeof options !== "function") {
      throw new TypeError("structuredClone: the options are not an object");
    }
    const given = options.transfer;
    if (given === undefined) return list;
    for (const buffer of given) {
      if (kinds[classOf(buffer)] !== "ArrayBuffer") throw uncloneable("a transferred value other than an ArrayBuffer");
      for (let i = 0; i < list.length; i++) {
        if (list[i] === buffer) throw uncloneable("an ArrayBuffer transferred twice");
      }
      if (detached !== undefined && apply(detached, buffer, [])) throw uncloneable("a detached ArrayBuffer");
      defineProperty(list, list.length, data(buffer));
    }
    return list;
  };

  function structuredClone(value, options = undefined) {
    if (arguments.length < 1) throw new TypeError("structuredClone: 1 argument required, 0 given");
    const buffers = transferred(options);
    const memory = new MapOf();
    const copy = clone(value, memory);
    // Transferred buffers were copied like the others; the originals are
    // detached once the whole clone has succeeded.
    for (let i = 0; i < buffers.length; i++) apply(transfer, buffers[i], []);
    return copy;
  }

  return { structuredClone };
})
