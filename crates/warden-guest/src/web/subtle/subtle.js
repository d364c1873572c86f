// Web Crypto's `SubtleCrypto` and `CryptoKey`, and `crypto.subtle`.
// Evaluated once, as strict code, before any handler runs: what it uses is
// captured now, so a handler that changes built-ins changes nothing here.
// This file normalizes algorithms, checks keys, usages and formats, and
// keeps each key's material in a private field; the natives do the
// cryptography. Takes the natives, `crypto`, and structuredClone's list of
// `serializable` classes, which it adds `CryptoKey` to; returns the classes.
(function (natives) {
  "use strict";
  const { crypto, serializable } = natives;
  const DOMExceptionOf = DOMException;
  const TypeErrorOf = TypeError;
  const { defineProperty, freeze } = Object;
  const { isArray } = Array;
  const { apply } = Reflect;
  const { toUpperCase } = String.prototype;
  const { isInteger } = Number;
  const { stringify } = JSON;
  const Bytes = Uint8Array;
  const TypedArray = Object.getPrototypeOf(Uint8Array.prototype);
  const kindOf = Object.getOwnPropertyDescriptor(TypedArray, Symbol.toStringTag).get;
  const toStringTag = Symbol.toStringTag;
  const encoder = new TextEncoder();
  const encodeText = TextEncoder.prototype.encode;
  const encode = (text) => apply(encodeText, encoder, [text]);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const decodeText = TextDecoder.prototype.decode;
  const decode = (bytes) => apply(decodeText, decoder, [bytes]);
  const parse = JSON.parse;

  const fail = (name, message) => new DOMExceptionOf(message, name);
  const upper = (text) => apply(toUpperCase, text, []);
  const copy = (list) => {
    const out = [];
    for (let i = 0; i < list.length; i++) out[i] = list[i];
    return out;
  };
  // Defines `key` on `target` the way an object literal would, without
  // running setters inherited from `Object.prototype`.
  const put = (target, key, value) =>
    defineProperty(target, key, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  const has = (list, item) => {
    for (let i = 0; i < list.length; i++) if (list[i] === item) return true;
    return false;
  };

  // The algorithms, by name: the key family (as JWK names it), the
  // operations each is registered for, the usages of its keys (secret, or
  // private then public), and its JWK `use`.
  const SIGN = ["sign", "verify"];
  const CIPHER = ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
  const DERIVE = ["deriveKey", "deriveBits"];
  const PAIR = { __proto__: null, private: ["sign"], public: ["verify"] };
  const ALGORITHMS = { __proto__: null };
  const define = (name, family, ops, usages, use) => {
    const all = usages === undefined ? [] : usages.secret ?? [...usages.private, ...usages.public];
    ALGORITHMS[upper(name)] = { __proto__: null, name, family, ops, usages, all, use };
  };
  // Per hash: the digits of JWK `alg` names, and the block size in bits
  // (the length of an HMAC key made without one).
  const HASH_DIGITS = { __proto__: null, "SHA-1": "1", "SHA-256": "256", "SHA-384": "384", "SHA-512": "512" };
  const BLOCK_BITS = { __proto__: null, "SHA-1": 512, "SHA-256": 512, "SHA-384": 1024, "SHA-512": 1024 };
  for (const name of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) define(name, null, ["digest"]);
  const KEYS = ["importKey", "exportKey"];
  const SIGNER = ["sign", "verify", "generateKey", ...KEYS];
  define("HMAC", "oct", [...SIGNER, "getKeyLength"], { __proto__: null, secret: SIGN }, "sig");
  define("ECDSA", "EC", SIGNER, PAIR, "sig");
  define("RSASSA-PKCS1-v1_5", "RSA", SIGNER, PAIR, "sig");
  define("RSA-PSS", "RSA", SIGNER, PAIR, "sig");
  define("Ed25519", "OKP", SIGNER, PAIR, "sig");
  for (const name of ["AES-GCM", "AES-CBC"]) {
    define(name, "oct", ["encrypt", "decrypt", "generateKey", "getKeyLength", ...KEYS], { __proto__: null, secret: CIPHER }, "enc");
  }
  for (const name of ["PBKDF2", "HKDF"]) define(name, "oct", ["deriveBits", "importKey"], { __proto__: null, secret: DERIVE });
  const USAGES = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];

  // Web IDL conversions.
  const object = (value, what) => {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) {
      throw new TypeErrorOf(`crypto.subtle: ${what} must be an object`);
    }
    return value;
  };
  const unsigned = (value, what, max = 0xffffffff) => {
    const number = +value;
    if (!isInteger(number) || number < 0 || number > max) {
      throw new TypeErrorOf(`crypto.subtle: ${what} must be an integer from 0 to ${max}, not ${value}`);
    }
    return number;
  };
  const bufferSource = (value, what) => {
    if (value === undefined) throw new TypeErrorOf(`crypto.subtle: ${what} is required`);
    return value;
  };
  const required = (dictionary, member) => {
    const value = dictionary[member];
    if (value === undefined) throw new TypeErrorOf(`crypto.subtle: the algorithm's ${member} is required`);
    return value;
  };

  // The normalized form of `algorithm` for operation `op`: its registered
  // name and the parameters the operation reads, in an object of our own.
  const normalize = (op, algorithm) => {
    const dictionary = typeof algorithm === "string" ? { name: algorithm } : object(algorithm, "the algorithm");
    const given = `${required(dictionary, "name")}`;
    const entry = ALGORITHMS[upper(given)];
    if (entry === undefined || !has(entry.ops, op)) {
      throw fail("NotSupportedError", `crypto.subtle: ${given} is not supported for ${op}`);
    }
    const name = entry.name;
    const out = { __proto__: null, name, entry };
    const hash = () => normalize("digest", required(dictionary, "hash")).name;
    switch (name) {
      case "HMAC":
        if (op === "importKey" || op === "generateKey" || op === "getKeyLength") {
          out.hash = hash();
          if (dictionary.length !== undefined) out.length = unsigned(dictionary.length, "length");
        }
        break;
      case "ECDSA":
        if (op === "sign" || op === "verify") out.hash = hash();
        else if (op !== "exportKey") out.namedCurve = `${required(dictionary, "namedCurve")}`;
        break;
      case "RSASSA-PKCS1-v1_5":
      case "RSA-PSS":
        if (op === "sign" || op === "verify") {
          if (name === "RSA-PSS") out.saltLength = unsigned(required(dictionary, "saltLength"), "saltLength");
        } else if (op === "importKey") {
          out.hash = hash();
        } else if (op === "generateKey") {
          out.hash = hash();
          out.modulusLength = unsigned(required(dictionary, "modulusLength"), "modulusLength");
          const exponent = required(dictionary, "publicExponent");
          if (apply(kindOf, exponent, []) !== "Uint8Array") {
            throw new TypeErrorOf("crypto.subtle: publicExponent must be a Uint8Array");
          }
          out.publicExponent = new Bytes(exponent);
        }
        break;
      case "AES-GCM":
      case "AES-CBC":
        if (op === "encrypt" || op === "decrypt") {
          out.iv = bufferSource(dictionary.iv, "the iv");
          if (name === "AES-GCM") {
            const { additionalData, tagLength } = dictionary;
            out.additionalData = additionalData === undefined ? new Bytes(0) : additionalData;
            out.tagLength = tagLength === undefined ? 128 : unsigned(tagLength, "tagLength", 255);
          }
        } else if (op === "generateKey" || op === "getKeyLength") {
          out.length = unsigned(required(dictionary, "length"), "length", 0xffff);
        }
        break;
      case "PBKDF2":
        if (op === "deriveBits") {
          out.hash = hash();
          out.salt = bufferSource(dictionary.salt, "the salt");
          out.iterations = unsigned(required(dictionary, "iterations"), "iterations");
        }
        break;
      case "HKDF":
        if (op === "deriveBits") {
          out.hash = hash();
          out.salt = bufferSource(dictionary.salt, "the salt");
          out.info = bufferSource(dictionary.info, "the info");
        }
        break;
    }
    return out;
  };

  // Usages as a list of known names, in the order given, each once.
  const usageList = (usages) => {
    if (!isArray(usages)) throw new TypeErrorOf("crypto.subtle: keyUsages must be an array");
    const list = [];
    for (let i = 0; i < usages.length; i++) {
      const usage = `${usages[i]}`;
      if (!has(USAGES, usage)) throw new TypeErrorOf(`crypto.subtle: ${usage} is not a key usage`);
      if (!has(list, usage)) list[list.length] = usage;
    }
    return list;
  };

  // The usages in `given` that `allowed` has, in `allowed`'s order; any
  // other is a SyntaxError.
  const intersect = (given, allowed, name) => {
    for (let i = 0; i < given.length; i++) {
      if (!has(allowed, given[i])) {
        throw fail("SyntaxError", `crypto.subtle: a ${name} key cannot be used to ${given[i]}`);
      }
    }
    const out = [];
    for (let i = 0; i < allowed.length; i++) if (has(given, allowed[i])) out[out.length] = allowed[i];
    return out;
  };

  // What `key.algorithm` shows, made once per key.
  const view = (algorithm) => {
    const out = { name: algorithm.name };
    if (algorithm.namedCurve !== undefined) put(out, "namedCurve", algorithm.namedCurve);
    if (algorithm.length !== undefined) put(out, "length", algorithm.length);
    if (algorithm.modulusLength !== undefined) {
      put(out, "modulusLength", algorithm.modulusLength);
      put(out, "publicExponent", new Bytes(algorithm.publicExponent));
    }
    if (algorithm.hash !== undefined) put(out, "hash", { name: algorithm.hash });
    return out;
  };

  let makeKey;
  let stateOf;
  const token = {};

  class CryptoKey {
    #type;
    #extractable;
    #algorithm;
    #usages;
    #material;
    #algorithmView;
    #usagesView;

    constructor(secret, type, extractable, algorithm, usages, material) {
      if (secret !== token) throw new TypeErrorOf("Illegal constructor");
      this.#type = type;
      this.#extractable = extractable;
      this.#algorithm = algorithm;
      this.#usages = usages;
      this.#material = material;
      this.#algorithmView = view(algorithm);
      this.#usagesView = copy(usages);
    }

    static {
      makeKey = (type, extractable, algorithm, usages, material) =>
        new CryptoKey(token, type, extractable, algorithm, usages, material);
      stateOf = (key, what) => {
        if (key === null || typeof key !== "object" || !(#material in key)) {
          throw new TypeErrorOf(`crypto.subtle: ${what} is not a CryptoKey`);
        }
        return {
          __proto__: null,
          type: key.#type,
          extractable: key.#extractable,
          algorithm: key.#algorithm,
          usages: key.#usages,
          material: key.#material,
        };
      };
    }

    get type() {
      return stateOf(this, "this").type;
    }

    get extractable() {
      return stateOf(this, "this").extractable;
    }

    get algorithm() {
      stateOf(this, "this");
      return this.#algorithmView;
    }

    get usages() {
      stateOf(this, "this");
      return this.#usagesView;
    }
  }
  defineProperty(CryptoKey.prototype, toStringTag, { __proto__: null, value: "CryptoKey", configurable: true });
  // A clone of a key is a key with the same state (which never changes).
  const isKey = (value) => {
    try {
      stateOf(value, "");
      return true;
    } catch {
      return false;
    }
  };
  const cloneKey = (key) => {
    const { type, extractable, algorithm, usages, material } = stateOf(key, "the key");
    return makeKey(type, extractable, algorithm, usages, material);
  };
  defineProperty(serializable, serializable.length, { __proto__: null, value: [isKey, cloneKey], enumerable: true });

  // The state of `key`, checked to be a key of `algorithm` with `usage`.
  const usable = (key, algorithm, usage) => {
    const state = stateOf(key, "the key");
    if (state.algorithm.name !== algorithm.name) {
      throw fail("InvalidAccessError", `crypto.subtle: the key is for ${state.algorithm.name}, not ${algorithm.name}`);
    }
    if (!has(state.usages, usage)) {
      throw fail("InvalidAccessError", `crypto.subtle: the key's usages do not include ${usage}`);
    }
    return state;
  };

  // The signing parameters of `algorithm` with a key in `state`.
  const signing = (algorithm, state, data) => ({
    __proto__: null,
    name: algorithm.name,
    hash: algorithm.hash ?? state.algorithm.hash,
    curve: state.algorithm.namedCurve,
    saltLength: algorithm.saltLength,
    material: state.material,
    data: bufferSource(data, "the data"),
  });

  // The JWK `alg` of a key, for the algorithms whose keys have one.
  const jwkAlg = (algorithm) => {
    const bits = HASH_DIGITS[algorithm.hash];
    switch (algorithm.name) {
      case "HMAC":
        return `HS${bits}`;
      case "RSASSA-PKCS1-v1_5":
        return `RS${bits}`;
      case "RSA-PSS":
        return `PS${bits}`;
      case "AES-GCM":
        return `A${algorithm.length}GCM`;
      case "AES-CBC":
        return `A${algorithm.length}CBC`;
    }
    return undefined;
  };

  // The JWK members the natives read, as strings, in an object of our own.
  const JWK_MEMBERS = ["kty", "k", "crv", "x", "y", "d", "n", "e", "p", "q"];
  const jwkFields = (jwk) => {
    const fields = { __proto__: null };
    for (let i = 0; i < JWK_MEMBERS.length; i++) {
      const value = jwk[JWK_MEMBERS[i]];
      if (value !== undefined) fields[JWK_MEMBERS[i]] = `${value}`;
    }
    return fields;
  };

  // Checks a JWK's kty, use, key_ops, ext and alg against the import.
  const checkJwk = (jwk, fields, algorithm, extractable, usages) => {
    const { entry } = algorithm;
    if (fields.kty !== entry.family) {
      throw fail("DataError", `crypto.subtle: the JWK's kty is ${fields.kty}, not ${entry.family}`);
    }
    const use = jwk.use;
    if (use !== undefined && usages.length > 0 && `${use}` !== entry.use) {
      throw fail("DataError", `crypto.subtle: the JWK's use is ${use}, not ${entry.use}`);
    }
    const ops = jwk.key_ops;
    if (ops !== undefined) {
      const list = usageList(ops);
      for (let i = 0; i < usages.length; i++) {
        if (!has(list, usages[i])) throw fail("DataError", `crypto.subtle: the JWK's key_ops do not include ${usages[i]}`);
      }
    }
    if (jwk.ext === false && extractable) {
      throw fail("DataError", "crypto.subtle: the JWK is not extractable (ext is false)");
    }
    const expected = jwkAlg(algorithm);
    if (jwk.alg !== undefined && expected !== undefined && algorithm.name !== "AES-GCM" && algorithm.name !== "AES-CBC") {
      if (`${jwk.alg}` !== expected) {
        throw fail("DataError", `crypto.subtle: the JWK's alg is ${jwk.alg}, not ${expected}`);
      }
    }
  };

  // The key that importing `data` in `format` as `algorithm` makes.
  const importAs = (format, data, algorithm, extractable, usages) => {
    const { entry } = algorithm;
    const family = entry.family;
    const formats = family === "oct" ? (entry.usages.secret === DERIVE ? ["raw"] : ["raw", "jwk"]) : family === "RSA" ? ["spki", "pkcs8", "jwk"] : ["raw", "spki", "pkcs8", "jwk"];
    if (!has(formats, format)) {
      throw fail("NotSupportedError", `crypto.subtle: ${algorithm.name} keys cannot be imported from ${format}`);
    }
    if (entry.usages.secret === DERIVE && extractable) {
      throw fail("SyntaxError", `crypto.subtle: ${algorithm.name} keys cannot be extractable`);
    }
    let input = data;
    if (format === "jwk") {
      object(data, "a JWK");
      input = jwkFields(data);
      checkJwk(data, input, algorithm, extractable, usages);
    } else {
      bufferSource(data, "the key data");
    }
    const made = natives.importKey({ __proto__: null, family, format, data: input, curve: algorithm.namedCurve });
    const type = made.type;
    const allowed = entry.usages.secret ?? entry.usages[type];
    const kept = intersect(usages, allowed, `${algorithm.name} ${type}`);
    if (kept.length === 0 && type !== "public") {
      throw fail("SyntaxError", `crypto.subtle: a ${type} key needs at least one usage`);
    }
    const keyAlgorithm = { __proto__: null, name: algorithm.name, hash: algorithm.hash };
    if (family === "EC") keyAlgorithm.namedCurve = made.curve;
    if (family === "RSA") {
      keyAlgorithm.modulusLength = made.modulusLength;
      keyAlgorithm.publicExponent = made.publicExponent;
    }
    const bits = made.bits;
    if (algorithm.name === "HMAC") {
      if (bits === 0) throw fail("DataError", "crypto.subtle: an HMAC key cannot be empty");
      if (algorithm.length !== undefined && algorithm.length !== bits) {
        throw fail("DataError", `crypto.subtle: the HMAC key has ${bits} bits, not ${algorithm.length}`);
      }
      keyAlgorithm.length = bits;
    } else if (algorithm.name === "AES-GCM" || algorithm.name === "AES-CBC") {
      if (bits !== 128 && bits !== 192 && bits !== 256) {
        throw fail("DataError", `crypto.subtle: an AES key has 128, 192 or 256 bits, not ${bits}`);
      }
      keyAlgorithm.length = bits;
    }
    return makeKey(type, type === "public" ? true : !!extractable, keyAlgorithm, kept, made.material);
  };

  // What exporting a key in `state` to `format` gives.
  const exportAs = (format, state) => {
    if (!state.extractable) throw fail("InvalidAccessError", "crypto.subtle: the key is not extractable");
    const { algorithm, type } = state;
    const family = ALGORITHMS[upper(algorithm.name)].family;
    const allowed = type === "secret" ? ["raw", "jwk"] : family === "RSA" ? ["spki", "pkcs8", "jwk"] : ["raw", "spki", "pkcs8", "jwk"];
    if (!has(allowed, format) && !has(["raw", "spki", "pkcs8", "jwk"], format)) {
      throw new TypeErrorOf(`crypto.subtle: ${format} is not a key format`);
    }
    const wrongType = (format === "pkcs8" && type !== "private") || (format === "spki" && type !== "public") ||
      (format === "raw" && type === "private");
    if (!has(allowed, format) || wrongType) {
      throw fail("InvalidAccessError", `crypto.subtle: a ${type} ${algorithm.name} key cannot be exported as ${format}`);
    }
    const out = natives.exportKey({
      __proto__: null,
      family,
      format,
      type,
      material: state.material,
      curve: algorithm.namedCurve,
    });
    if (format !== "jwk") return out;
    const alg = jwkAlg(algorithm);
    if (alg !== undefined) put(out, "alg", alg);
    put(out, "key_ops", copy(state.usages));
    put(out, "ext", true);
    return out;
  };

  // The number of bits of key `algorithm` (normalized for getKeyLength)
  // describes, for deriveKey.
  const keyLength = (algorithm) => {
    if (algorithm.name === "HMAC") {
      if (algorithm.length === 0) throw new TypeErrorOf("crypto.subtle: an HMAC key cannot be empty");
      return algorithm.length ?? BLOCK_BITS[algorithm.hash];
    }
    const { length } = algorithm;
    if (length !== 128 && length !== 192 && length !== 256) {
      throw fail("OperationError", `crypto.subtle: an AES key has 128, 192 or 256 bits, not ${length}`);
    }
    return length;
  };

  // The bits `algorithm` derives from the key in `state`.
  const deriveWith = (algorithm, state, length) => {
    if (length === null || length === undefined) {
      throw fail("OperationError", `crypto.subtle: ${algorithm.name} needs a length`);
    }
    return natives.derive({
      __proto__: null,
      name: algorithm.name,
      hash: algorithm.hash,
      key: state.material,
      salt: algorithm.salt,
      iterations: algorithm.iterations,
      info: algorithm.info,
      length: unsigned(length, "length"),
    });
  };

  // Encrypts (or decrypts) `data` with `algorithm` and a key in `state`.
  const cipherWith = (algorithm, state, data, encrypt) =>
    natives.cipher({
      __proto__: null,
      name: algorithm.name,
      encrypt,
      key: state.material,
      iv: algorithm.iv,
      additionalData: algorithm.additionalData,
      tagLength: algorithm.tagLength,
      data: bufferSource(data, "the data"),
    });

  let isSubtle;

  class SubtleCrypto {
    #subtle = true;

    constructor(secret) {
      if (secret !== token) throw new TypeErrorOf("Illegal constructor");
    }

    static {
      isSubtle = (self) => self !== null && typeof self === "object" && #subtle in self;
    }

    async digest(algorithm, data) {
      check(this);
      const { name } = normalize("digest", algorithm);
      return natives.digest({ __proto__: null, hash: name, data: bufferSource(data, "the data") });
    }

    async sign(algorithm, key, data) {
      check(this);
      const normalized = normalize("sign", algorithm);
      const state = usable(key, normalized, "sign");
      return natives.sign(signing(normalized, state, data));
    }

    async verify(algorithm, key, signature, data) {
      check(this);
      const normalized = normalize("verify", algorithm);
      const state = usable(key, normalized, "verify");
      const params = signing(normalized, state, data);
      params.signature = bufferSource(signature, "the signature");
      return natives.verify(params);
    }

    async encrypt(algorithm, key, data) {
      check(this);
      const normalized = normalize("encrypt", algorithm);
      return cipherWith(normalized, usable(key, normalized, "encrypt"), data, true);
    }

    async decrypt(algorithm, key, data) {
      check(this);
      const normalized = normalize("decrypt", algorithm);
      return cipherWith(normalized, usable(key, normalized, "decrypt"), data, false);
    }

    async generateKey(algorithm, extractable, keyUsages) {
      check(this);
      const normalized = normalize("generateKey", algorithm);
      const usages = usageList(keyUsages);
      const { name, entry } = normalized;
      if (entry.usages.secret !== undefined) {
        const kept = intersect(usages, entry.usages.secret, name);
        if (kept.length === 0) throw fail("SyntaxError", "crypto.subtle: a secret key needs at least one usage");
        if (name === "HMAC" && normalized.length === 0) throw fail("OperationError", "crypto.subtle: an HMAC key cannot be empty");
        const length = keyLength(normalized);
        const material = natives.secret({ __proto__: null, length });
        const keyAlgorithm = { __proto__: null, name, hash: normalized.hash, length };
        return makeKey("secret", !!extractable, keyAlgorithm, kept, material);
      }
      const given = intersect(usages, entry.all, name);
      const { private: privateMade, public: publicMade } = natives.generateKey({
        __proto__: null,
        family: entry.family,
        curve: normalized.namedCurve,
        modulusLength: normalized.modulusLength,
        publicExponent: normalized.publicExponent,
      });
      const kept = (type) => {
        const out = [];
        for (let i = 0; i < given.length; i++) {
          if (has(entry.usages[type], given[i])) out[out.length] = given[i];
        }
        return out;
      };
      if (kept("private").length === 0) {
        throw fail("SyntaxError", "crypto.subtle: a private key needs at least one usage");
      }
      const keyAlgorithm = (made) => ({
        __proto__: null,
        name,
        hash: normalized.hash,
        namedCurve: made.curve,
        modulusLength: made.modulusLength,
        publicExponent: made.publicExponent,
      });
      return {
        publicKey: makeKey("public", true, keyAlgorithm(publicMade), kept("public"), publicMade.material),
        privateKey: makeKey("private", !!extractable, keyAlgorithm(privateMade), kept("private"), privateMade.material),
      };
    }

    async importKey(format, keyData, algorithm, extractable, keyUsages) {
      check(this);
      const normalized = normalize("importKey", algorithm);
      return importAs(`${format}`, keyData, normalized, !!extractable, usageList(keyUsages));
    }

    async exportKey(format, key) {
      check(this);
      return exportAs(`${format}`, stateOf(key, "the key"));
    }

    async deriveBits(algorithm, baseKey, length = null) {
      check(this);
      const normalized = normalize("deriveBits", algorithm);
      return deriveWith(normalized, usable(baseKey, normalized, "deriveBits"), length);
    }

    async deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
      check(this);
      const normalized = normalize("deriveBits", algorithm);
      const imported = normalize("importKey", derivedKeyType);
      const length = keyLength(normalize("getKeyLength", derivedKeyType));
      const usages = usageList(keyUsages);
      const bits = deriveWith(normalized, usable(baseKey, normalized, "deriveKey"), length);
      return importAs("raw", bits, imported, !!extractable, usages);
    }

    async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
      check(this);
      const normalized = normalize("encrypt", wrapAlgorithm);
      const wrapping = usable(wrappingKey, normalized, "wrapKey");
      const exported = exportAs(`${format}`, stateOf(key, "the key"));
      const bytes = format === "jwk" ? encode(stringify(exported)) : exported;
      return cipherWith(normalized, wrapping, bytes, true);
    }

    async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
      check(this);
      const normalized = normalize("decrypt", unwrapAlgorithm);
      const imported = normalize("importKey", unwrappedKeyAlgorithm);
      const usages = usageList(keyUsages);
      const bytes = cipherWith(normalized, usable(unwrappingKey, normalized, "unwrapKey"), wrappedKey, false);
      let data = bytes;
      if (`${format}` === "jwk") {
        try {
          data = parse(decode(bytes));
        } catch {
          throw fail("DataError", "crypto.subtle: the unwrapped key is not a JWK");
        }
      }
      return importAs(`${format}`, data, imported, !!extractable, usages);
    }
  }
  defineProperty(SubtleCrypto.prototype, toStringTag, { __proto__: null, value: "SubtleCrypto", configurable: true });

  // `this` is a SubtleCrypto; otherwise a TypeError.
  const check = (self) => {
    if (!isSubtle(self)) throw new TypeErrorOf("SubtleCrypto method called on a value that is not a SubtleCrypto");
  };

  defineProperty(crypto, "subtle", {
    __proto__: null,
    value: new SubtleCrypto(token),
    enumerable: true,
    configurable: true,
  });
  freeze(USAGES);
  return { CryptoKey, SubtleCrypto };
})
