// The global `crypto` of Web Crypto, without `subtle`: `getRandomValues`
// and `randomUUID`. Takes the native `bytes(n)` (a new `Uint8Array` of n
// random bytes), `uuid()` and `maxBytes`; returns the globals it defines.
(function ({ bytes, uuid, maxBytes }) {
  const { apply } = Reflect;
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf } = Object;
  const { isView } = ArrayBuffer;
  const Bytes = Uint8Array;
  const DOMExceptionOf = DOMException;
  const TypedArray = getPrototypeOf(Uint8Array.prototype);
  const getter = (key) => getOwnPropertyDescriptor(TypedArray, key).get;
  const [kindOf, bufferOf, offsetOf, lengthOf] = [Symbol.toStringTag, "buffer", "byteOffset", "byteLength"].map(getter);
  const set = TypedArray.set;
  const integer = {
    __proto__: null,
    Int8Array: true,
    Uint8Array: true,
    Uint8ClampedArray: true,
    Int16Array: true,
    Uint16Array: true,
    Int32Array: true,
    Uint32Array: true,
    BigInt64Array: true,
    BigUint64Array: true,
  };

  const crypto = {
    // Fills an integer typed array with random values, in place.
    getRandomValues(array) {
      if (!isView(array)) {
        throw new TypeError("crypto.getRandomValues: the argument is not a typed array or DataView");
      }
      const kind = apply(kindOf, array, []);
      if (integer[kind] !== true) {
        throw new DOMExceptionOf(
          `crypto.getRandomValues: a ${kind ?? "DataView"} cannot be filled, only integer typed arrays`,
          "TypeMismatchError",
        );
      }
      const length = apply(lengthOf, array, []);
      if (length > maxBytes) {
        throw new DOMExceptionOf(
          `crypto.getRandomValues: the array has ${length} bytes, over the ${maxBytes} one call fills`,
          "QuotaExceededError",
        );
      }
      const view = new Bytes(apply(bufferOf, array, []), apply(offsetOf, array, []), length);
      apply(set, view, [bytes(length)]);
      return array;
    },

    // A random (version 4) UUID, such as "3b241101-e2bb-4255-8caf-4136c566a962".
    randomUUID() {
      return uuid();
    },
  };
  defineProperty(crypto, Symbol.toStringTag, { __proto__: null, value: "Crypto", configurable: true });
  return { crypto };
})
