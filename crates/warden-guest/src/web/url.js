// The classes `URL` and `URLSearchParams` of the WHATWG URL standard. The
// parsing, the setters and the form encoding are native (`url.rs`); a URL
// keeps its parts, and a URLSearchParams its name-value list, in private
// fields. What the classes use is taken here, before any handler runs, so
// a handler that replaces a built-in method changes nothing in them.
// Evaluated as strict code; takes the native functions, returns the classes.
(function ({ parse, set, formParse, formEncode }) {
  const { apply, ownKeys, getOwnPropertyDescriptor } = Reflect;
  const { defineProperty, getPrototypeOf, setPrototypeOf } = Object;
  const sort = Array.prototype.sort;
  const toWellFormed = String.prototype.toWellFormed;
  const TypeErrorOf = TypeError;
  const iteratorKey = Symbol.iterator;
  const tagKey = Symbol.toStringTag;
  const iteratorPrototype = getPrototypeOf(getPrototypeOf([][iteratorKey]()));

  // An argument as a USVString: a lone surrogate becomes U+FFFD.
  const usv = (value) => apply(toWellFormed, `${value}`, []);
  // An optional argument as a string (the native side makes it a USVString).
  const optional = (value) => (value === undefined ? undefined : `${value}`);
  const isObject = (value) => value !== null && (typeof value === "object" || typeof value === "function");

  // Set by the classes' static blocks: what one class needs of the other's
  // private state.
  let setQuery; // (url, query): sets url's query, leaving its params alone
  let linkedParams; // (url, search): new params for url, with search's pairs
  let refill; // (params, search): params' list parsed from search anew
  let listOf; // (params): params' list

  // The parts of a URL a native function returned, or the TypeError it gave.
  const parsed = (result) => {
    if (typeof result === "string") throw new TypeErrorOf(result);
    return result;
  };

  // Parts known already (by `URL.parse`), waiting for the constructor. It
  // runs no handler code before it takes them.
  let known = null;

  class URL {
    #parts;
    #params = null;

    constructor(url, base = undefined) {
      if (known !== null) {
        this.#parts = known;
        known = null;
        return;
      }
      this.#parts = parsed(parse(`${url}`, optional(base)));
    }

    static canParse(url, base = undefined) {
      return typeof parse(`${url}`, optional(base)) !== "string";
    }

    static parse(url, base = undefined) {
      const result = parse(`${url}`, optional(base));
      if (typeof result === "string") return null;
      known = result;
      return new URL();
    }

    static {
      setQuery = (url, query) => {
        url.#parts = set(url.#parts.href, "search", query);
      };
    }

    get href() {
      return this.#parts.href;
    }
    set href(value) {
      this.#update(parsed(parse(`${value}`, undefined)));
    }
    get origin() {
      return this.#parts.origin;
    }
    get protocol() {
      return this.#parts.protocol;
    }
    set protocol(value) {
      this.#set("protocol", value);
    }
    get username() {
      return this.#parts.username;
    }
    set username(value) {
      this.#set("username", value);
    }
    get password() {
      return this.#parts.password;
    }
    set password(value) {
      this.#set("password", value);
    }
    get host() {
      return this.#parts.host;
    }
    set host(value) {
      this.#set("host", value);
    }
    get hostname() {
      return this.#parts.hostname;
    }
    set hostname(value) {
      this.#set("hostname", value);
    }
    get port() {
      return this.#parts.port;
    }
    set port(value) {
      this.#set("port", value);
    }
    get pathname() {
      return this.#parts.pathname;
    }
    set pathname(value) {
      this.#set("pathname", value);
    }
    get search() {
      return this.#parts.search;
    }
    set search(value) {
      this.#set("search", value);
    }
    get hash() {
      return this.#parts.hash;
    }
    set hash(value) {
      this.#set("hash", value);
    }
    get searchParams() {
      if (this.#params === null) this.#params = linkedParams(this, this.#parts.search);
      return this.#params;
    }

    toString() {
      return this.#parts.href;
    }
    toJSON() {
      return this.#parts.href;
    }

    #set(part, value) {
      this.#update(set(this.#parts.href, part, `${value}`));
    }

    // Takes new parts; a changed query is parsed again into the params.
    #update(parts) {
      const before = this.#parts.search;
      this.#parts = parts;
      if (this.#params !== null && parts.search !== before) refill(this.#params, parts.search);
    }
}

  // The values an iterable gives, through its iterator method `method`.
  const collect = (iterable, method) => {
    const iterator = apply(method, iterable, []);
    if (!isObject(iterator)) throw new TypeErrorOf("URLSearchParams: the iterator is not an object");
    const next = iterator.next;
    const values = [];
    for (;;) {
      const step = apply(next, iterator, []);
      if (!isObject(step)) throw new TypeErrorOf("URLSearchParams: an iterator result is not an object");
      if (step.done) return values;
      values[values.length] = step.value;
    }
  };

  // The name-value pairs of the init argument that is an object: a
  // sequence of pairs, or a record.
  const pairsOf = (init) => {
    const list = [];
    const method = init[iteratorKey];
    if (method !== undefined && method !== null) {
      if (typeof method !== "function") throw new TypeErrorOf("URLSearchParams: Symbol.iterator is not a function");
      const pairs = collect(init, method);
      for (let i = 0; i < pairs.length; i++) {
        const pair = pairs[i];
        const inner = isObject(pair) ? pair[iteratorKey] : undefined;
        if (typeof inner !== "function") throw new TypeErrorOf("URLSearchParams: each pair must be iterable");
        const items = collect(pair, inner);
        if (items.length !== 2) throw new TypeErrorOf("URLSearchParams: each pair must have exactly two items");
        list[list.length] = [usv(items[0]), usv(items[1])];
      }
      return list;
    }
    const keys = ownKeys(init);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const descriptor = getOwnPropertyDescriptor(init, key);
      if (descriptor !== undefined && descriptor.enumerable) {
        list[list.length] = [usv(key), usv(init[key])];
      }
    }
    return list;
  };

  // A list as application/x-www-form-urlencoded text.
  const serialize = (list) => {
    let text = "";
    for (let i = 0; i < list.length; i++) {
      const pair = list[i];
      text += `${i === 0 ? "" : "&"}${formEncode(pair[0])}=${formEncode(pair[1])}`;
    }
    return text;
  };

  // Orders pairs by name, in UTF-16 code units; the sort is stable.
  const byName = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

  class URLSearchParams {
    #list = [];
    #url = null;

    constructor(init = "") {
      this.#list = isObject(init) ? pairsOf(init) : formParse(usv(init));
    }

    static {
      linkedParams = (url, search) => {
        const params = new URLSearchParams();
        params.#list = formParse(search);
        params.#url = url;
        return params;
      };
      refill = (params, search) => {
        params.#list = formParse(search);
      };
      listOf = (params) => params.#list;
    }

    get size() {
      return this.#list.length;
    }

    append(name, value) {
      const list = this.#list;
      list[list.length] = [usv(name), usv(value)];
      this.#updated();
    }

    delete(name, value = undefined) {
      this.#list = this.#without(usv(name), value === undefined ? undefined : usv(value));
      this.#updated();
    }

    get(name) {
      name = usv(name);
      const list = this.#list;
      for (let i = 0; i < list.length; i++) {
        if (list[i][0] === name) return list[i][1];
      }
      return null;
    }

    getAll(name) {
      name = usv(name);
      const list = this.#list;
      const values = [];
      for (let i = 0; i < list.length; i++) {
        if (list[i][0] === name) values[values.length] = list[i][1];
      }
      return values;
    }

    has(name, value = undefined) {
      name = usv(name);
      value = value === undefined ? undefined : usv(value);
      const list = this.#list;
      for (let i = 0; i < list.length; i++) {
        if (list[i][0] === name && (value === undefined || list[i][1] === value)) return true;
      }
      return false;
    }

    set(name, value) {
      name = usv(name);
      value = usv(value);
      const list = this.#list;
      const kept = [];
      let found = false;
      for (let i = 0; i < list.length; i++) {
        if (list[i][0] !== name) {
          kept[kept.length] = list[i];
        } else if (!found) {
          found = true;
          kept[kept.length] = [name, value];
        }
      }
      if (!found) kept[kept.length] = [name, value];
      this.#list = kept;
      this.#updated();
    }

    sort() {
      apply(sort, this.#list, [byName]);
      this.#updated();
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== "function") throw new TypeErrorOf("URLSearchParams.forEach: the callback is not a function");
      // The list is read anew each time: the callback may change it.
      for (let i = 0; i < this.#list.length; i++) {
        const pair = this.#list[i];
        apply(callback, thisArg, [pair[1], pair[0], this]);
      }
    }

    keys() {
      return new ParamsIterator(this, 0);
    }

    values() {
      return new ParamsIterator(this, 1);
    }

    entries() {
      return new ParamsIterator(this, 2);
    }

    toString() {
      return serialize(this.#list);
    }

    // The list without the pairs named `name` (whose value is `value`,
    // unless it is undefined).
    #without(name, value) {
      const list = this.#list;
      const kept = [];
      for (let i = 0; i < list.length; i++) {
        const pair = list[i];
        if (pair[0] !== name || (value !== undefined && pair[1] !== value)) kept[kept.length] = pair;
      }
      return kept;
    }

    // Tells the URL the params belong to, if any, that its query changed.
    #updated() {
      if (this.#url !== null) setQuery(this.#url, serialize(this.#list));
    }
  }

  // Iterates over a URLSearchParams' live list: names (kind 0), values (1)
  // or [name, value] pairs (2).
  class ParamsIterator {
    #params;
    #kind;
    #index = 0;

    constructor(params, kind) {
      listOf(params);
      this.#params = params;
      this.#kind = kind;
    }

    next() {
      const list = listOf(this.#params);
      if (this.#index >= list.length) return { value: undefined, done: true };
      const pair = list[this.#index++];
      const kind = this.#kind;
      return { value: kind === 2 ? [pair[0], pair[1]] : pair[kind], done: false };
    }
  }
  setPrototypeOf(ParamsIterator.prototype, iteratorPrototype);

  const tag = (prototype, name) =>
    defineProperty(prototype, tagKey, { __proto__: null, value: name, configurable: true });
  tag(URL.prototype, "URL");
  tag(URLSearchParams.prototype, "URLSearchParams");
  tag(ParamsIterator.prototype, "URLSearchParams Iterator");
  defineProperty(URLSearchParams.prototype, iteratorKey, {
    __proto__: null,
    value: URLSearchParams.prototype.entries,
    writable: true,
    configurable: true,
  });

  return { URL, URLSearchParams };
})
