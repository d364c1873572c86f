// The classes of the built-in `crypto` module. What a hash has been given is
// kept in private fields, in the JavaScript heap, where the heap limit counts
// it and handler code cannot reach it; the native functions convert data and
// do the hashing. Evaluated as strict code; takes the native functions,
// returns the module's exports.
(function ({ algorithm, chunk, hash, encode }) {
  // A hash in the manner of Node.js: `update` any number of times, then
  // `digest` once.
  class Hash {
    #algorithm;
    #chunks = [];

    constructor(name) {
      this.#algorithm = algorithm(name);
    }

    update(data, inputEncoding) {
      const chunks = this.#open();
      chunks[chunks.length] = chunk(data, "data", inputEncoding);
      return this;
    }

    digest(encoding) {
      // Encoded before the hash is used up, so a bad encoding leaves it
      // usable.
      const result = encode(hash(this.#algorithm, undefined, this.#open()), encoding);
      this.#chunks = null;
      return result;
    }

    #open() {
      if (this.#chunks === null) throw new Error("Digest already called");
      return this.#chunks;
    }
  }

  // An HMAC as hyperlight-js has it: `digest` may be called again (in any
  // encoding) for the same result, and `update` after a digest starts a new
  // message with the same key. `finalize` ends the message without encoding.
  class Hmac {
    #algorithm;
    #key;
    #chunks = [];
    #digest = null;

    constructor(name, key) {
      this.#algorithm = algorithm(name);
      this.#key = chunk(key, "key");
    }

    update(data, inputEncoding) {
      const piece = chunk(data, "data", inputEncoding);
      if (this.#digest !== null) {
        this.#digest = null;
        this.#chunks = [];
      }
      const chunks = this.#chunks;
      chunks[chunks.length] = piece;
      return this;
    }

    finalize() {
      this.#finish();
      return this;
    }

    digest(encoding) {
      return encode(this.#finish(), encoding);
    }

    #finish() {
      if (this.#digest === null) {
        this.#digest = hash(this.#algorithm, this.#key, this.#chunks);
        this.#chunks = [];
      }
      return this.#digest;
    }
  }

  return {
    Hash,
    Hmac,
    createHash: (name) => new Hash(name),
    createHmac: (name, key) => new Hmac(name, key),
  };
})
