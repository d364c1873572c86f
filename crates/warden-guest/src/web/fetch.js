// `fetch`, `Headers`, `Request` and `Response` of the WHATWG Fetch standard.
// A request goes to the host through the one native, `start(request, body)`
// (`fetch.rs`): `request` is `{ method, url, headers, redirect }`, `body` a
// Uint8Array or null; it returns a promise of the response's parts
// `{ status, statusText, headers, url, redirected, body }` or rejects with
// the host's `TypeError`.
//
// There are no streams in this runtime: a body is the bytes it holds, read
// whole and at most once, and the `body` attribute is always null (see
// `bodyMembers`). Headers are kept with lower-case names, so what is sent
// and what is read are the names browsers show. No header is forbidden
// here: what the host lets through is the embedder's choice.
//
// Handlers of a sandbox share these classes, so everything used is taken
// here, before any handler runs, and called through `Reflect.apply`; lists
// grow by defining elements, objects are literals (most without a
// prototype), and no array is iterated with its iterator. A handler that
// replaces `Array.prototype.push`, `JSON.parse`, a string method, a setter
// on `Object.prototype` or `Promise.prototype.then` breaks only itself.
// State is kept in private fields. Evaluated as strict code; takes the
// natives, returns the globals.
(function ({ start }) {
  const { apply, ownKeys } = Reflect;
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, setPrototypeOf } = Object;
  const { isArray } = Array;
  const { isFinite: isFiniteNumber, isInteger } = Number;
  const { trunc } = Math;
  const { isView } = ArrayBuffer;
  const TypeErrorOf = TypeError;
  const RangeErrorOf = RangeError;
  const PromiseOf = Promise;
  const Uint8ArrayOf = Uint8Array;
  const URLOf = URL;
  const URLSearchParamsOf = URLSearchParams;
  const AbortControllerOf = AbortController;
  const parseURL = URL.parse;
  const stringify = JSON.stringify;
  const parseJSON = JSON.parse;
  const hasInstance = Function.prototype[Symbol.hasInstance];
  const sort = Array.prototype.sort;
  const { charCodeAt, indexOf, slice, toLowerCase, toUpperCase } = String.prototype;
  const paramsToString = URLSearchParams.prototype.toString;
  const encoder = new TextEncoder();
  const encode = TextEncoder.prototype.encode;
  const decoder = new TextDecoder();
  const decode = TextDecoder.prototype.decode;
  const { addEventListener, removeEventListener } = EventTarget.prototype;
  const iteratorKey = Symbol.iterator;
  const tagKey = Symbol.toStringTag;
  const iteratorPrototype = getPrototypeOf(getPrototypeOf([][iteratorKey]()));

  const getter = (prototype, key) => getOwnPropertyDescriptor(prototype, key).get;
  const typedArray = getPrototypeOf(Uint8Array.prototype);
  const typedTag = getter(typedArray, tagKey);
  const typedBuffer = getter(typedArray, "buffer");
  const typedOffset = getter(typedArray, "byteOffset");
  const typedLength = getter(typedArray, "byteLength");
  const setBytes = typedArray.set;
  const viewBuffer = getter(DataView.prototype, "buffer");
  const viewOffset = getter(DataView.prototype, "byteOffset");
  const viewLength = getter(DataView.prototype, "byteLength");
  const bufferLength = getter(ArrayBuffer.prototype, "byteLength");
  const hrefOf = getter(URL.prototype, "href");
  const protocolOf = getter(URL.prototype, "protocol");
  const usernameOf = getter(URL.prototype, "username");
  const passwordOf = getter(URL.prototype, "password");
  const signalOf = getter(AbortController.prototype, "signal");
  const abortedOf = getter(AbortSignal.prototype, "aborted");
  const reasonOf = getter(AbortSignal.prototype, "reason");

  // ---- Helpers ----

  const isObject = (value) => value !== null && (typeof value === "object" || typeof value === "function");
  const call = (method, self, ...args) => apply(method, self, args);
  // Appends by defining the element, so no setter on a prototype runs.
  const add = (array, item) => {
    defineProperty(array, array.length, { __proto__: null, value: item, writable: true, enumerable: true, configurable: true });
  };
  // A string for a message, shortened.
  const quote = (text) => `"${text.length > 60 ? `${call(slice, text, 0, 60)}...` : text}"`;
  const required = (given, count, what) => {
    if (given < count) throw new TypeErrorOf(`${what}: ${count} argument${count > 1 ? "s" : ""} required, ${given} given`);
  };
  // A dictionary argument: undefined and null are empty, other primitives
  // a TypeError.
  const dictionary = (value, what) => {
    if (value === undefined || value === null) return { __proto__: null };
    if (!isObject(value)) throw new TypeErrorOf(`${what}: the init argument is not an object`);
    return value;
  };
  // Web IDL's ByteString: a string of code units up to U+00FF.
  const byteString = (value, what) => {
    const text = `${value}`;
    for (let i = 0; i < text.length; i++) {
      if (call(charCodeAt, text, i) > 0xff) throw new TypeErrorOf(`${what}: ${quote(text)} has a character above U+00FF`);
    }
    return text;
  };
  // Web IDL's unsigned short: modulo 2^16, NaN and infinities 0.
  const unsignedShort = (value) => {
    const number = +value;
    return isFiniteNumber(number) ? ((trunc(number) % 65536) + 65536) % 65536 : 0;
  };

  // HTTP tokens (method and header names): visible ASCII but separators.
  const TOKEN = new Uint8ArrayOf(128);
  for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = TOKEN[c + 0x20] = 1;
  const punctuation = "!#$%&'*+-.^_`|~";
  for (let i = 0; i < punctuation.length; i++) TOKEN[call(charCodeAt, punctuation, i)] = 1;
  const isToken = (text) => {
    if (text.length === 0) return false;
    for (let i = 0; i < text.length; i++) {
      const c = call(charCodeAt, text, i);
      if (c >= 128 || TOKEN[c] === 0) return false;
    }
    return true;
  };
  const isWhitespace = (c) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

  // A header name, checked and lower-cased.
  const headerName = (name, what) => {
    const text = byteString(name, what);
    if (!isToken(text)) throw new TypeErrorOf(`${what}: ${quote(text)} is not a valid header name`);
    return call(toLowerCase, text);
  };
  // A header value without its leading and trailing HTTP whitespace,
  // checked to have no NUL, CR or LF.
  const headerValue = (value, what) => {
    const text = byteString(value, what);
    let from = 0;
    let to = text.length;
    while (from < to && isWhitespace(call(charCodeAt, text, from))) from++;
    while (to > from && isWhitespace(call(charCodeAt, text, to - 1))) to--;
    for (let i = from; i < to; i++) {
      const c = call(charCodeAt, text, i);
      if (c === 0 || c === 0x0a || c === 0x0d) throw new TypeErrorOf(`${what}: a header value contains NUL, CR or LF`);
    }
    return call(slice, text, from, to);
  };

  // The values an iterable gives through its iterator method, at most
  // `limit` of them (more is a TypeError `tooMany` gives).
  const collect = (iterable, method, limit, tooMany, what) => {
    const iterator = apply(method, iterable, []);
    if (!isObject(iterator)) throw new TypeErrorOf(`${what}: the iterator is not an object`);
    const next = iterator.next;
    const items = [];
    for (;;) {
      const step = apply(next, iterator, []);
      if (!isObject(step)) throw new TypeErrorOf(`${what}: an iterator result is not an object`);
      if (step.done) return items;
      if (items.length === limit) throw new TypeErrorOf(tooMany);
      add(items, step.value);
    }
  };

  // ---- Bodies ----

  const TEXT = "text/plain;charset=UTF-8";
  const FORM = "application/x-www-form-urlencoded;charset=UTF-8";
  const encodeText = (text) => apply(encode, encoder, [text]);
  const decodeText = (bytes) => apply(decode, decoder, [bytes]);
  // A copy of the bytes a Uint8Array views.
  const copyOf = (view) => {
    const copy = new Uint8ArrayOf(call(typedLength, view));
    call(setBytes, copy, view);
    return copy;
  };
  const isArrayBuffer = (value) => {
    try {
      call(bufferLength, value);
      return true;
    } catch {
      return false;
    }
  };
  // A copy of the bytes of a BufferSource; undefined for anything else.
  const bufferBytes = (value) => {
    if (isView(value)) {
      const typed = call(typedTag, value) !== undefined;
      const buffer = call(typed ? typedBuffer : viewBuffer, value);
      const offset = call(typed ? typedOffset : viewOffset, value);
      return copyOf(new Uint8ArrayOf(buffer, offset, call(typed ? typedLength : viewLength, value)));
    }
    return isArrayBuffer(value) ? copyOf(new Uint8ArrayOf(value)) : undefined;
  };
  // A body init as its bytes and content type (null if it implies none);
  // null for no body. Other objects are strings, as Web IDL has it.
  const extract = (value) => {
    if (value === undefined || value === null) return null;
    if (isObject(value)) {
      const bytes = bufferBytes(value);
      if (bytes !== undefined) return { __proto__: null, bytes, type: null };
      if (call(hasInstance, URLSearchParamsOf, value)) {
        return { __proto__: null, bytes: encodeText(call(paramsToString, value)), type: FORM };
      }
    }
    return { __proto__: null, bytes: encodeText(`${value}`), type: TEXT };
  };
  // A body's bytes for reading; a body is read at most once, and a null
  // body reads as empty (and is never used).
  const consume = (state, what) => {
    if (state.used) throw new TypeErrorOf(`${what}: the body has already been read`);
    if (state.body === null) return new Uint8ArrayOf(0);
    state.used = true;
    return state.body;
  };
  // The Body members of Request and Response, on `Class.prototype`;
  // `stateOf(self, what)` gives an instance's state or throws. `body` is
  // always null: there is no ReadableStream to give, and a stream that
  // is not one would mislead more than none.
  const bodyMembers = (Class, stateOf) => {
    const name = Class.name;
    const members = {
      get body() {
        stateOf(this, `${name}.body`);
        return null;
      },
      get bodyUsed() {
        return stateOf(this, `${name}.bodyUsed`).used;
      },
      async arrayBuffer() {
        const what = `${name}.arrayBuffer`;
        return call(typedBuffer, copyOf(consume(stateOf(this, what), what)));
      },
      async bytes() {
        const what = `${name}.bytes`;
        return copyOf(consume(stateOf(this, what), what));
      },
      async json() {
        const what = `${name}.json`;
        return parseJSON(decodeText(consume(stateOf(this, what), what)));
      },
      async text() {
        const what = `${name}.text`;
        return decodeText(consume(stateOf(this, what), what));
      },
    };
    const keys = ownKeys(members);
    for (let i = 0; i < keys.length; i++) {
      const descriptor = getOwnPropertyDescriptor(members, keys[i]);
      descriptor.enumerable = false;
      defineProperty(Class.prototype, keys[i], descriptor);
    }
  };

  // ---- Headers ----

  const MAX_HEADERS = 1024;
  // Set by the Headers class: a new one with the entries of a Headers
  // init; one copied; its sorted pairs; whether it has a header; appending
  // without checks; making it immutable.
  let headersFrom, copyHeaders, pairsOf, hasHeader, appendHeader, makeImmutable;

  // A header list's pairs for reading: sorted by name, the values of one
  // name joined by ", ", except `set-cookie`'s, each its own pair.
  const sortAndCombine = (list) => {
    const names = [];
    const values = { __proto__: null };
    for (let i = 0; i < list.length; i++) {
      const { name, value } = list[i];
      if (values[name] === undefined) {
        values[name] = [];
        add(names, name);
      }
      add(values[name], value);
    }
    call(sort, names, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const pairs = [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const all = values[name];
      if (name === "set-cookie") {
        for (let j = 0; j < all.length; j++) add(pairs, [name, all[j]]);
      } else {
        let joined = all[0];
        for (let j = 1; j < all.length; j++) joined += `, ${all[j]}`;
        add(pairs, [name, joined]);
      }
    }
    return pairs;
  };

  class Headers {
    // Entries `{ name, value }`, in the order they came, names lower-case.
    #list = [];
    #immutable = false;
    // `sortAndCombine` of the list, until the list changes.
    #sorted = null;

    constructor(init = undefined) {
      if (init !== undefined) this.#fill(init, "Headers");
    }

    append(name, value) {
      const what = "Headers.append";
      required(arguments.length, 2, what);
      this.#writable(what);
      this.#add(headerName(name, what), headerValue(value, what), what);
    }

    delete(name) {
      const what = "Headers.delete";
      required(arguments.length, 1, what);
      this.#writable(what);
      name = headerName(name, what);
      const kept = [];
      for (let i = 0; i < this.#list.length; i++) if (this.#list[i].name !== name) add(kept, this.#list[i]);
      this.#update(kept);
    }

    get(name) {
      const what = "Headers.get";
      required(arguments.length, 1, what);
      Headers.#check(this, what);
      name = headerName(name, what);
      let value = null;
      for (let i = 0; i < this.#list.length; i++) {
        const entry = this.#list[i];
        if (entry.name === name) value = value === null ? entry.value : `${value}, ${entry.value}`;
      }
      return value;
    }

    getSetCookie() {
      Headers.#check(this, "Headers.getSetCookie");
      const values = [];
      for (let i = 0; i < this.#list.length; i++) if (this.#list[i].name === "set-cookie") add(values, this.#list[i].value);
      return values;
    }

    has(name) {
      const what = "Headers.has";
      required(arguments.length, 1, what);
      Headers.#check(this, what);
      name = headerName(name, what);
      for (let i = 0; i < this.#list.length; i++) if (this.#list[i].name === name) return true;
      return false;
    }

    // Replaces the first header of the name and removes the others, or
    // appends.
    set(name, value) {
      const what = "Headers.set";
      required(arguments.length, 2, what);
      this.#writable(what);
      name = headerName(name, what);
      value = headerValue(value, what);
      const kept = [];
      let found = false;
      for (let i = 0; i < this.#list.length; i++) {
        const entry = this.#list[i];
        if (entry.name !== name) {
          add(kept, entry);
        } else if (!found) {
          found = true;
          add(kept, { __proto__: null, name, value });
        }
      }
      if (found) this.#update(kept);
      else this.#add(name, value, what);
    }

    forEach(callback, thisArg = undefined) {
      const what = "Headers.forEach";
      Headers.#check(this, what);
      if (typeof callback !== "function") throw new TypeErrorOf(`${what}: the callback is not a function`);
      // Sorted anew at each step: the callback may change the headers.
      for (let i = 0; i < this.#pairs().length; i++) {
        const pair = this.#pairs()[i];
        apply(callback, thisArg, [pair[1], pair[0], this]);
      }
    }

    keys() {
      Headers.#check(this, "Headers.keys");
      return new HeadersIterator(this, 0);
    }

    values() {
      Headers.#check(this, "Headers.values");
      return new HeadersIterator(this, 1);
    }

    entries() {
      Headers.#check(this, "Headers.entries");
      return new HeadersIterator(this, 2);
    }

    static #check(self, what) {
      if (!isObject(self) || !(#list in self)) throw new TypeErrorOf(`${what}: this is not a Headers object`);
    }

    #writable(what) {
      Headers.#check(this, what);
      if (this.#immutable) throw new TypeErrorOf(`${what}: these headers are immutable`);
    }

    #add(name, value, what) {
      if (this.#list.length >= MAX_HEADERS) throw new TypeErrorOf(`${what}: there are more than ${MAX_HEADERS} headers`);
      add(this.#list, { __proto__: null, name, value });
      this.#sorted = null;
    }

    #update(list) {
      this.#list = list;
      this.#sorted = null;
    }

    #pairs() {
      return (this.#sorted ??= sortAndCombine(this.#list));
    }

    // Appends the headers of a HeadersInit: another Headers, a sequence of
    // name-value pairs, or a record.
    #fill(init, what) {
      if (!isObject(init)) throw new TypeErrorOf(`${what}: the headers are neither pairs nor a record`);
      if (#list in init) {
        for (let i = 0; i < init.#list.length; i++) this.#add(init.#list[i].name, init.#list[i].value, what);
        return;
      }
      const method = init[iteratorKey];
      if (method !== undefined && method !== null) {
        if (typeof method !== "function") throw new TypeErrorOf(`${what}: the headers' Symbol.iterator is not a function`);
        const pairs = collect(init, method, MAX_HEADERS, `${what}: there are more than ${MAX_HEADERS} headers`, what);
        for (let i = 0; i < pairs.length; i++) {
          const pair = pairs[i];
          const inner = isObject(pair) ? pair[iteratorKey] : undefined;
          const notPair = `${what}: each header must be a pair of a name and a value`;
          if (typeof inner !== "function") throw new TypeErrorOf(notPair);
          const items = collect(pair, inner, 2, notPair, what);
          if (items.length !== 2) throw new TypeErrorOf(notPair);
          this.#add(headerName(items[0], what), headerValue(items[1], what), what);
        }
        return;
      }
      const keys = ownKeys(init);
      for (let i = 0; i < keys.length; i++) {
        const descriptor = getOwnPropertyDescriptor(init, keys[i]);
        if (descriptor !== undefined && descriptor.enumerable) {
          this.#add(headerName(keys[i], what), headerValue(init[keys[i]], what), what);
        }
      }
    }

    static {
      headersFrom = (init, what) => {
        const headers = new Headers();
        if (init !== undefined) headers.#fill(init, what);
        return headers;
      };
      copyHeaders = (headers) => {
        const copy = new Headers();
        // Entries are never changed in place, so the copy may share them.
        for (let i = 0; i < headers.#list.length; i++) add(copy.#list, headers.#list[i]);
        copy.#immutable = headers.#immutable;
        return copy;
      };
      pairsOf = (headers) => headers.#pairs();
      hasHeader = (headers, name) => {
        for (let i = 0; i < headers.#list.length; i++) if (headers.#list[i].name === name) return true;
        return false;
      };
      appendHeader = (headers, name, value, what) => headers.#add(name, value, what);
      makeImmutable = (headers) => {
        headers.#immutable = true;
        return headers;
      };
    }
  }

  // Iterates over a Headers' sorted pairs, read anew at each step: names
  // (kind 0), values (1) or [name, value] pairs (2).
  class HeadersIterator {
    #headers;
    #kind;
    #index = 0;

    constructor(headers, kind) {
      this.#headers = headers;
      this.#kind = kind;
    }

    next() {
      const pairs = pairsOf(this.#headers);
      if (this.#index >= pairs.length) return { value: undefined, done: true };
      const pair = pairs[this.#index++];
      return { value: this.#kind === 2 ? [pair[0], pair[1]] : pair[this.#kind], done: false };
    }
  }
  setPrototypeOf(HeadersIterator.prototype, iteratorPrototype);

  // ---- Requests and responses ----

  const includes = (list, item) => {
    for (let i = 0; i < list.length; i++) if (list[i] === item) return true;
    return false;
  };
  // PATCH is upper-cased too, unlike in the standard: servers expect it so.
  const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];
  const FORBIDDEN_METHODS = ["CONNECT", "TRACE", "TRACK"];
  const REDIRECT_MODES = ["follow", "error", "manual"];
  const NULL_BODY_STATUSES = [101, 103, 204, 205, 304];
  const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

  // A method, checked; the standard ones upper-cased.
  const normalizeMethod = (value, what) => {
    const method = byteString(value, what);
    if (!isToken(method)) throw new TypeErrorOf(`${what}: ${quote(method)} is not a valid HTTP method`);
    const upper = call(toUpperCase, method);
    if (includes(FORBIDDEN_METHODS, upper)) throw new TypeErrorOf(`${what}: the method ${upper} is forbidden`);
    return includes(METHODS, upper) ? upper : method;
  };

  // An absolute URL (there is no base URL to resolve against) as a URL
  // object; one given is read through the original getter.
  const absoluteURL = (input, what) => {
    const text = call(hasInstance, URLOf, input) ? call(hrefOf, input) : `${input}`;
    const url = call(parseURL, URLOf, text);
    if (url === null) throw new TypeErrorOf(`${what}: ${quote(text)} is not a valid absolute URL`);
    return url;
  };

  const checkSignal = (value, what) => {
    if (isObject(value)) {
      try {
        call(abortedOf, value);
        return value;
      } catch {
        // Not an AbortSignal.
      }
    }
    throw new TypeErrorOf(`${what}: the signal is not an AbortSignal`);
  };
  const freshSignal = () => call(signalOf, new AbortControllerOf());

  // The state the next Request or Response constructed takes as it is
  // (for `clone`, the statics and `fetch`), set right before `new`.
  let adopted = null;
  const adopt = (Class, state) => {
    adopted = state;
    return new Class();
  };

  // A Request's state, or a TypeError.
  let requestOf;

  class Request {
    // { method, url: { href, protocol }, headers, redirect, signal, body, used }
    #state;

    constructor(input, init = undefined) {
      if (adopted !== null) {
        this.#state = adopted;
        adopted = null;
        return;
      }
      const what = "Request";
      required(arguments.length, 1, what);
      let source = null;
      let url;
      if (isObject(input) && #state in input) {
        source = input.#state;
        url = source.url;
      } else {
        const parsed = absoluteURL(input, what);
        if (call(usernameOf, parsed) !== "" || call(passwordOf, parsed) !== "") {
          throw new TypeErrorOf(`${what}: the URL includes credentials`);
        }
        url = { __proto__: null, href: call(hrefOf, parsed), protocol: call(protocolOf, parsed) };
      }
      // The members in Web IDL's order, which is alphabetical.
      const options = dictionary(init, what);
      const body = extract(options.body);
      const headersInit = options.headers;
      let headers;
      if (headersInit !== undefined) headers = headersFrom(headersInit, what);
      else headers = source !== null ? copyHeaders(source.headers) : headersFrom(undefined, what);
      const methodInit = options.method;
      let method = source !== null ? source.method : "GET";
      if (methodInit !== undefined) method = normalizeMethod(methodInit, what);
      const redirectInit = options.redirect;
      let redirect = source !== null ? source.redirect : "follow";
      if (redirectInit !== undefined) {
        redirect = `${redirectInit}`;
        if (!includes(REDIRECT_MODES, redirect)) {
          throw new TypeErrorOf(`${what}: ${quote(redirect)} is not a redirect mode ("follow", "error" or "manual")`);
        }
      }
      // The signal given is the request's own (not one following it); null
      // or none gives a fresh one, which never aborts.
      const signalInit = options.signal;
      let signal = source !== null ? source.signal : null;
      if (signalInit !== undefined) signal = signalInit === null ? null : checkSignal(signalInit, what);
      signal ??= freshSignal();

      const inputBody = source !== null ? source.body : null;
      if ((body !== null || inputBody !== null) && (method === "GET" || method === "HEAD")) {
        throw new TypeErrorOf(`${what}: a ${method} request cannot have a body`);
      }
      if (body !== null && body.type !== null && !hasHeader(headers, "content-type")) {
        appendHeader(headers, "content-type", body.type, what);
      }
      if (body === null && inputBody !== null) {
        if (source.used) throw new TypeErrorOf(`${what}: the input request's body has already been read`);
        // The body moves to the new request: the input's counts as read.
        source.used = true;
      }
      this.#state = {
        __proto__: null,
        method,
        url,
        headers,
        redirect,
        signal,
        body: body !== null ? body.bytes : inputBody,
        used: false,
      };
    }

    get method() {
      return requestOf(this, "Request.method").method;
    }
    get url() {
      return requestOf(this, "Request.url").url.href;
    }
    get headers() {
      return requestOf(this, "Request.headers").headers;
    }
    get redirect() {
      return requestOf(this, "Request.redirect").redirect;
    }
    get signal() {
      return requestOf(this, "Request.signal").signal;
    }

    clone() {
      const state = requestOf(this, "Request.clone");
      if (state.used) throw new TypeErrorOf("Request.clone: the body has already been read");
      return adopt(Request, { __proto__: null, ...state, headers: copyHeaders(state.headers) });
    }

    static {
      requestOf = (self, what) => {
        if (!isObject(self) || !(#state in self)) throw new TypeErrorOf(`${what}: this is not a Request`);
        return self.#state;
      };
    }
  }
  bodyMembers(Request, requestOf);

  // A Response's state, or a TypeError.
  let responseOf;

  const responseState = (type, status, statusText, headers, body) => ({
    __proto__: null,
    type,
    url: "",
    redirected: false,
    status,
    statusText,
    headers,
    body,
    used: false,
  });
  const isReasonPhrase = (text) => {
    for (let i = 0; i < text.length; i++) {
      const c = call(charCodeAt, text, i);
      if (c !== 0x09 && (c < 0x20 || c === 0x7f)) return false;
    }
    return true;
  };

  // The state of a Response made from a body (as `extract` gives it) and
  // a ResponseInit.
  const initialize = (body, init, what) => {
    const options = dictionary(init, what);
    const headers = headersFrom(options.headers, what);
    const statusInit = options.status;
    const status = statusInit === undefined ? 200 : unsignedShort(statusInit);
    const textInit = options.statusText;
    const statusText = textInit === undefined ? "" : byteString(textInit, what);
    if (status < 200 || status > 599) throw new RangeErrorOf(`${what}: the status ${status} is not in the range 200 to 599`);
    if (!isReasonPhrase(statusText)) throw new TypeErrorOf(`${what}: ${quote(statusText)} is not a valid status text`);
    if (body === null) return responseState("default", status, statusText, headers, null);
    if (includes(NULL_BODY_STATUSES, status)) throw new TypeErrorOf(`${what}: a response with status ${status} cannot have a body`);
    if (body.type !== null && !hasHeader(headers, "content-type")) appendHeader(headers, "content-type", body.type, what);
    return responseState("default", status, statusText, headers, body.bytes);
  };

  class Response {
    // { type, url, redirected, status, statusText, headers, body, used }
    #state;

    constructor(body = null, init = undefined) {
      if (adopted !== null) {
        this.#state = adopted;
        adopted = null;
        return;
      }
      this.#state = initialize(extract(body), init, "Response");
    }

    static error() {
      return adopt(Response, responseState("error", 0, "", makeImmutable(headersFrom(undefined, "Response.error")), null));
    }

    static redirect(url, status = 302) {
      const what = "Response.redirect";
      required(arguments.length, 1, what);
      const href = call(hrefOf, absoluteURL(url, what));
      const code = unsignedShort(status);
      if (!includes(REDIRECT_STATUSES, code)) {
        throw new RangeErrorOf(`${what}: ${code} is not a redirect status (301, 302, 303, 307 or 308)`);
      }
      const headers = headersFrom(undefined, what);
      appendHeader(headers, "location", href, what);
      return adopt(Response, responseState("default", code, "", makeImmutable(headers), null));
    }

    static json(data, init = undefined) {
      const what = "Response.json";
      required(arguments.length, 1, what);
      const text = stringify(data);
      if (text === undefined) throw new TypeErrorOf(`${what}: the data cannot be serialized as JSON`);
      const body = { __proto__: null, bytes: encodeText(text), type: "application/json" };
      return adopt(Response, initialize(body, init, what));
    }

    get type() {
      return responseOf(this, "Response.type").type;
    }
    get url() {
      return responseOf(this, "Response.url").url;
    }
    get redirected() {
      return responseOf(this, "Response.redirected").redirected;
    }
    get status() {
      return responseOf(this, "Response.status").status;
    }
    get ok() {
      const { status } = responseOf(this, "Response.ok");
      return status >= 200 && status <= 299;
    }
    get statusText() {
      return responseOf(this, "Response.statusText").statusText;
    }
    get headers() {
      return responseOf(this, "Response.headers").headers;
    }

    clone() {
      const state = responseOf(this, "Response.clone");
      if (state.used) throw new TypeErrorOf("Response.clone: the body has already been read");
      return adopt(Response, { __proto__: null, ...state, headers: copyHeaders(state.headers) });
    }

    static {
      responseOf = (self, what) => {
        if (!isObject(self) || !(#state in self)) throw new TypeErrorOf(`${what}: this is not a Response`);
        return self.#state;
      };
    }
  }
  bodyMembers(Response, responseOf);

  // ---- fetch ----

  const ownValue = (object, key) => {
    const descriptor = getOwnPropertyDescriptor(object, key);
    return descriptor === undefined ? undefined : descriptor.value;
  };
  const malformed = (part) => new TypeErrorOf(`fetch failed: the host's response is malformed (${part})`);

  // The Response of the parts the host answered with: of type "basic",
  // with immutable headers; no body for HEAD or a null-body status.
  const fetched = (parts, method) => {
    if (!isObject(parts)) throw malformed("not an object");
    const status = ownValue(parts, "status");
    const statusText = ownValue(parts, "statusText");
    const list = ownValue(parts, "headers");
    const url = ownValue(parts, "url");
    const redirected = ownValue(parts, "redirected");
    const body = ownValue(parts, "body");
    if (!isInteger(status) || status < 0 || status > 999) throw malformed("status");
    if (typeof statusText !== "string") throw malformed("statusText");
    if (typeof url !== "string") throw malformed("url");
    if (typeof redirected !== "boolean") throw malformed("redirected");
    if (!isArray(list)) throw malformed("headers");
    if (call(typedTag, body) !== "Uint8Array") throw malformed("body");
    const what = "fetch failed";
    const headers = headersFrom(undefined, what);
    for (let i = 0; i < list.length; i++) {
      const pair = list[i];
      if (!isArray(pair) || pair.length !== 2) throw malformed("headers");
      appendHeader(headers, headerName(pair[0], what), headerValue(pair[1], what), what);
    }
    const empty = method === "HEAD" || includes(NULL_BODY_STATUSES, status);
    return adopt(Response, {
      __proto__: null,
      type: "basic",
      url,
      redirected,
      status,
      statusText,
      headers: makeImmutable(headers),
      body: empty ? null : body,
      used: false,
    });
  };

  // The header pairs the host gets, in fresh arrays.
  const hostHeaders = (headers) => {
    const pairs = pairsOf(headers);
    const copies = [];
    for (let i = 0; i < pairs.length; i++) add(copies, [pairs[i][0], pairs[i][1]]);
    return copies;
  };
  // The URL the host gets: without its fragment, which is not sent.
  const withoutFragment = (href) => {
    const hash = call(indexOf, href, "#");
    return hash < 0 ? href : call(slice, href, 0, hash);
  };
  // What fetch rejects with when the host call fails: the host's
  // TypeError as it is; anything else (arguments the host bridge refused)
  // wrapped in one.
  const asTypeError = (error) => {
    if (call(hasInstance, TypeErrorOf, error)) return error;
    const message = isObject(error) ? ownValue(error, "message") : error;
    return new TypeErrorOf(`fetch failed: ${message}`, { cause: error });
  };

  // Waits for the host's answer. Its promise gets an own `constructor`,
  // so `await` takes it as it is: no `then` or `Symbol.species` a handler
  // replaced runs.
  const answered = async (answer, method, succeed, fail) => {
    let parts;
    try {
      defineProperty(answer, "constructor", { __proto__: null, value: PromiseOf });
      parts = await answer;
    } catch (error) {
      fail(asTypeError(error));
      return;
    }
    try {
      succeed(fetched(parts, method));
    } catch (error) {
      fail(error);
    }
  };

  // Starts the request at once; its promise settles with the host's
  // answer or the signal's abort, whichever comes first. An abort does not
  // stop the host's request: its answer is dropped.
  function fetch(input, init = undefined) {
    const given = arguments.length;
    return new PromiseOf((resolve, reject) => {
      required(given, 1, "fetch");
      const state = requestOf(new Request(input, init), "fetch");
      const signal = state.signal;
      if (call(abortedOf, signal)) {
        reject(call(reasonOf, signal));
        return;
      }
      const { href, protocol } = state.url;
      if (protocol !== "http:" && protocol !== "https:") {
        throw new TypeErrorOf(`fetch: ${protocol} URLs cannot be fetched, only http: and https: ones`);
      }
      const request = {
        __proto__: null,
        method: state.method,
        url: withoutFragment(href),
        headers: hostHeaders(state.headers),
        redirect: state.redirect,
      };
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        call(removeEventListener, signal, "abort", onAbort);
        return true;
      };
      const succeed = (response) => settle() && resolve(response);
      const fail = (error) => settle() && reject(error);
      const onAbort = () => fail(call(reasonOf, signal));
      call(addEventListener, signal, "abort", onAbort);
      let answer;
      try {
        answer = start(request, state.body);
      } catch (error) {
        fail(asTypeError(error));
        return;
      }
      answered(answer, state.method, succeed, fail);
    });
  }

  const tag = (prototype, name) =>
    defineProperty(prototype, tagKey, { __proto__: null, value: name, configurable: true });
  tag(Headers.prototype, "Headers");
  tag(HeadersIterator.prototype, "Headers Iterator");
  tag(Request.prototype, "Request");
  tag(Response.prototype, "Response");
  defineProperty(Headers.prototype, iteratorKey, {
    __proto__: null,
    value: Headers.prototype.entries,
    writable: true,
    configurable: true,
  });

  return { __proto__: null, fetch, Headers, Request, Response };
})
