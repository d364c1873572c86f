// The classes `TextEncoder` and `TextDecoder`. Evaluated once, as strict
// code, before any handler runs: what it uses is captured now, so a handler
// that changes built-ins changes nothing here. The natives do the encoding
// and decoding; a decoder's state between streaming calls is a number kept
// in a private field. Takes the natives, returns the classes.
(function (natives) {
  "use strict";
  const { encode, encodeInto, decode, label } = natives;
  const TypeErrorOf = TypeError;
  const { defineProperty } = Object;
  const toStringTag = Symbol.toStringTag;
  const FATAL = 1;
  const IGNORE_BOM = 2;
  const STREAM = 4;

  // An options dictionary as Web IDL converts it: undefined and null are
  // empty, other primitives a TypeError.
  const dictionary = (value, what) => {
    if (value === undefined || value === null) return { __proto__: null };
    if (typeof value !== "object" && typeof value !== "function") {
      throw new TypeErrorOf(`${what} must be an object`);
    }
    return value;
  };

  // `this` is an instance of `Class`, which tells with `has`; otherwise a
  // TypeError.
  const check = (self, has, Class, member) => {
    if (self === null || (typeof self !== "object" && typeof self !== "function") || !has(self)) {
      throw new TypeErrorOf(`${Class}.prototype.${member} called on a value that is not a ${Class}`);
    }
  };

  class TextEncoder {
    #encoder = true;

    static #has(self) {
      return #encoder in self;
    }

    get encoding() {
      check(this, TextEncoder.#has, "TextEncoder", "encoding");
      return "utf-8";
    }

    encode(input = "") {
      check(this, TextEncoder.#has, "TextEncoder", "encode");
      return encode(`${input}`);
    }

    encodeInto(source, destination) {
      check(this, TextEncoder.#has, "TextEncoder", "encodeInto");
      return encodeInto(`${source}`, destination);
    }
  }

  class TextDecoder {
    #encoding;
    #fatal;
    #ignoreBOM;
    #state = 0;

    constructor(name = "utf-8", options = undefined) {
      const text = `${name}`;
      const dict = dictionary(options, "TextDecoder: the options");
      const fatal = !!dict.fatal;
      const ignoreBOM = !!dict.ignoreBOM;
      this.#encoding = label(text);
      this.#fatal = fatal;
      this.#ignoreBOM = ignoreBOM;
    }

    static #has(self) {
      return #state in self;
    }

    get encoding() {
      check(this, TextDecoder.#has, "TextDecoder", "encoding");
      return this.#encoding;
    }

    get fatal() {
      check(this, TextDecoder.#has, "TextDecoder", "fatal");
      return this.#fatal;
    }

    get ignoreBOM() {
      check(this, TextDecoder.#has, "TextDecoder", "ignoreBOM");
      return this.#ignoreBOM;
    }

    decode(input = undefined, options = undefined) {
      check(this, TextDecoder.#has, "TextDecoder", "decode");
      const stream = !!dictionary(options, "TextDecoder.decode: the options").stream;
      const flags = (this.#fatal ? FATAL : 0) | (this.#ignoreBOM ? IGNORE_BOM : 0) | (stream ? STREAM : 0);
      // A call that throws leaves a fresh decoder.
      const state = this.#state;
      this.#state = 0;
      const out = decode(input, state, flags);
      this.#state = out.state;
      return out.text;
    }
  }

  for (const Class of [TextEncoder, TextDecoder]) {
    defineProperty(Class.prototype, toStringTag, { __proto__: null, value: Class.name, configurable: true });
  }
  return { __proto__: null, TextEncoder, TextDecoder };
})
