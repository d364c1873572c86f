// The `console` namespace, printing the way Node's does: `%` directives in
// a first string argument, then every value rendered as `util.inspect`
// renders it (quoted strings, `{ a: 1 }`, `Map(1) { 'a' => 1 }`, cycles as
// `[Circular *1]`, lines broken past 80 columns...).
//
// Evaluated once, as strict code, before any handler runs: every built-in
// it uses is kept now and called with `apply`, and its lists and tables
// have no prototype, so a handler that replaces `Array.prototype.join` or
// puts a setter on `Object.prototype` changes nothing here. Rendering runs
// no handler code: properties are read through their descriptors (a getter
// shows as `[Getter]`), a proxy shows its target without running a trap,
// and the natives tell the kind of an object by its internal class. What
// runs handler code is what Node runs too: `%s` of an object with its own
// `toString`, `%d` and `%i` of objects, `%j` (`toJSON`), a label's string
// form. Rendering stops once a line is longer than the natives print, so a
// huge value costs no more than one line.
//
// Takes the natives: `print(level, indent, cut, ...parts)` joins the parts
// and prints them (cut tells that rendering stopped early), `kind(value)`,
// `proxyTarget(proxy)`, `promiseState(promise)`, `promiseResult(promise)`,
// the levels' numbers and `limit`, the longest line in bytes. Returns the
// methods of `console`.
(function (natives) {
  const { print, kind, proxyTarget, promiseState, promiseResult, limit } = natives;
  const levels = { __proto__: null, ...natives.levels };
  const { apply, ownKeys, getOwnPropertyDescriptor, getPrototypeOf, setPrototypeOf } = Reflect;
  // The own property descriptor of `key`, without a prototype, so reading
  // `value` or `get` of it never reaches a getter a handler put on
  // `Object.prototype`.
  const describe = (object, key) => {
    const descriptor = getOwnPropertyDescriptor(object, key);
    if (descriptor !== undefined) setPrototypeOf(descriptor, null);
    return descriptor;
  };
  const { isArray } = Array;
  const { is: same } = Object;
  const StringOf = String;
  const NumberOf = Number;
  const { parseInt: toInt, parseFloat: toFloat } = globalThis;
  const { floor, round, sqrt, min, max } = Math;
  const ErrorOf = Error;
  const stringify = JSON.stringify;
  const now = performance.now;
  const clock = performance;
  const S = String.prototype;
  const { slice, indexOf, charCodeAt, repeat, padStart, padEnd, startsWith } = S;
  const toFixed = Number.prototype.toFixed;
  const numberToString = Number.prototype.toString;
  const toStringTag = Symbol.toStringTag;
  const getter = (object, key) => describe(object, key).get;
  const stackOf = getter(Error.prototype, "stack");
  const typedLength = getter(getPrototypeOf(Uint8Array.prototype), "length");
  const typedName = getter(getPrototypeOf(Uint8Array.prototype), toStringTag);
  const bufferLength = getter(ArrayBuffer.prototype, "byteLength");
  const Bytes = Uint8Array;
  const mapSize = getter(Map.prototype, "size");
  const setSize = getter(Set.prototype, "size");
  const mapEntries = Map.prototype.entries;
  const setValues = Set.prototype.values;
  const mapNext = getPrototypeOf(new Map().entries()).next;
  const setNext = getPrototypeOf(new Set().values()).next;
  const getTime = Date.prototype.getTime;
  const toISOString = Date.prototype.toISOString;
  const regexpSource = getter(RegExp.prototype, "source");
  // The flag getters, each a brand check that runs no handler code (the
  // generic `flags` getter reads properties).
  const regexpFlags = [];
  for (const [flag, name] of [
    ["d", "hasIndices"], ["g", "global"], ["i", "ignoreCase"], ["m", "multiline"],
    ["s", "dotAll"], ["u", "unicode"], ["v", "unicodeSets"], ["y", "sticky"],
  ]) {
    const own = describe(RegExp.prototype, name);
    if (own !== undefined) regexpFlags[regexpFlags.length] = { __proto__: null, flag, get: own.get };
  }
  const boxed = {
    __proto__: null,
    number: Number.prototype.valueOf,
    string: String.prototype.valueOf,
    boolean: Boolean.prototype.valueOf,
    symbol: Symbol.prototype.valueOf,
    bigint: BigInt.prototype.valueOf,
  };
  const boxedNames = { __proto__: null, number: "Number", string: "String", boolean: "Boolean", symbol: "Symbol", bigint: "BigInt" };
  const symbolToString = Symbol.prototype.toString;
  const functionToString = Function.prototype.toString;
  const FunctionPrototype = Function.prototype;
  const GeneratorFunction = getPrototypeOf(function* () {});
  const AsyncGeneratorFunction = getPrototypeOf(async function* () {});
  const AsyncFunction = getPrototypeOf(async () => {});
  // The built-in `toString` methods: `%s` renders an object that has one of
  // these, rather than calling it.
  const builtInToStrings = [
    Object.prototype.toString, Array.prototype.toString, Error.prototype.toString,
    Function.prototype.toString, Date.prototype.toString, RegExp.prototype.toString,
    Number.prototype.toString, String.prototype.toString, Boolean.prototype.toString,
    Symbol.prototype.toString, BigInt.prototype.toString,
  ];

  // Node's `util.inspect` defaults, and what `%o` changes.
  const BREAK = 80;
  const COMPACT = 3;
  const DEFAULTS = { __proto__: null, depth: 2, hidden: false, items: 100, breakAt: BREAK };
  // The deepest any rendering goes, whatever `console.dir` is asked.
  const MAX_DEPTH = 64;
  const MAX_STRING = 10000;
  // Holes past this many in a row are not counted one by one.
  const MAX_HOLES = 1 << 20;
  const HEX = "0123456789ABCDEF";

  const list = () => ({ __proto__: null, length: 0 });
  const push = (items, item) => {
    items[items.length] = item;
    items.length += 1;
  };
  const join = (items, separator) => {
    let out = "";
    for (let i = 0; i < items.length; i++) out = i === 0 ? items[0] : `${out}${separator}${items[i]}`;
    return out;
  };
  const has = (items, item) => {
    for (let i = 0; i < items.length; i++) if (items[i] === item) return true;
    return false;
  };
  const spaces = (n) => (n > 0 ? apply(repeat, " ", [n]) : "");
  const contains = (text, part) => apply(indexOf, text, [part]) !== -1;
  const isObject = (value) => value !== null && (typeof value === "object" || typeof value === "function");

  // A rendering's state: its options, the objects being rendered (to find
  // cycles), the references given to cycles' targets, and how much text it
  // produced, so that it stops past the limit.
  const context = (options) => ({
    __proto__: null,
    ...DEFAULTS,
    ...options,
    seen: list(),
    refs: list(),
    indent: 0,
    current: 0,
    used: 0,
    cut: false,
  });

  // Counts `text` as produced; whether the rendering is past the limit.
  const spend = (ctx, text) => {
    ctx.used += text.length;
    if (ctx.used > limit) ctx.cut = true;
    return text;
  };

  // The value of data property `key`, found along the prototype chain of
  // `object` without running a getter or a proxy trap; undefined otherwise.
  const dataOf = (object, key) => {
    for (let at = object, steps = 0; at !== null && steps < 1000; at = getPrototypeOf(at), steps++) {
      if (kind(at) === "proxy") return undefined;
      const own = describe(at, key);
      if (own !== undefined) return "value" in own ? own.value : undefined;
    }
    return undefined;
  };

  // The built-in prototypes, each with the name of its constructor as it was
  // before any handler ran, so replacing `Array.prototype.constructor`
  // changes nothing here.
  const builtInNames = new WeakMap();
  const weakGet = WeakMap.prototype.get;
  const weakSet = WeakMap.prototype.set;
  const builtIns = ["Object", "Array", "Function", "Error", "EvalError", "RangeError", "ReferenceError",
    "SyntaxError", "TypeError", "URIError", "AggregateError", "Map", "Set", "WeakMap", "WeakSet", "WeakRef",
    "Date", "RegExp", "Promise", "ArrayBuffer", "SharedArrayBuffer", "DataView", "Number", "String",
    "Boolean", "Symbol", "BigInt", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array",
    "Uint16Array", "Int32Array", "Uint32Array", "Float16Array", "Float32Array", "Float64Array",
    "BigInt64Array", "BigUint64Array"];
  for (let i = 0; i < builtIns.length; i++) {
    const constructor = globalThis[builtIns[i]];
    if (typeof constructor === "function") apply(weakSet, builtInNames, [constructor.prototype, builtIns[i]]);
  }

  // The name of the first constructor along the prototype chain, or null
  // when there is none (a null-prototype object).
  const constructorName = (object) => {
    for (let at = object, steps = 0; at !== null && steps < 1000; at = getPrototypeOf(at), steps++) {
      if (kind(at) === "proxy") return null;
      const builtIn = apply(weakGet, builtInNames, [at]);
      if (builtIn !== undefined) return builtIn;
      const own = describe(at, "constructor");
      if (own !== undefined && typeof own.value === "function") {
        const name = describe(own.value, "name");
        if (name !== undefined && typeof name.value === "string" && name.value !== "") return name.value;
      }
    }
    return null;
  };

  // Whether `key` is an identifier Node prints unquoted: [A-Za-z_][A-Za-z0-9_]*.
  const isPlainKey = (key) => {
    if (key.length === 0) return false;
    for (let i = 0; i < key.length; i++) {
      const c = apply(charCodeAt, key, [i]);
      const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
      if (!letter && !(i > 0 && c >= 48 && c <= 57)) return false;
    }
    return true;
  };

  // Whether `key` is an array index: a canonical number below 2^32 - 1.
  const isIndex = (key) => {
    if (typeof key !== "string" || key.length === 0 || key.length > 10) return false;
    if (key.length > 1 && apply(charCodeAt, key, [0]) === 48) return false;
    for (let i = 0; i < key.length; i++) {
      const c = apply(charCodeAt, key, [i]);
      if (c < 48 || c > 57) return false;
    }
    return NumberOf(key) < 4294967295;
  };

  const hex = (code, digits) => {
    let out = "";
    for (let i = digits - 1; i >= 0; i--) out += HEX[(code >> (4 * i)) & 15];
    return out;
  };

  // `text` quoted as Node quotes it: single quotes, unless it has some and
  // no double quotes (then double), or both and no backquote (then
  // backquotes); control characters and lone surrogates escaped.
  const quote = (text) => {
    let q = 39;
    if (contains(text, "'")) {
      if (!contains(text, '"')) q = 34;
      else if (!contains(text, "`") && !contains(text, "${")) q = 96;
    }
    let out = "";
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = apply(charCodeAt, text, [i]);
      let escaped;
      if (c === q || c === 92) escaped = `\\${text[i]}`;
      else if (c === 10) escaped = "\\n";
      else if (c === 9) escaped = "\\t";
      else if (c === 13) escaped = "\\r";
      else if (c === 8) escaped = "\\b";
      else if (c === 12) escaped = "\\f";
      else if (c < 32 || (c >= 127 && c <= 159)) escaped = `\\x${hex(c, 2)}`;
      else if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < text.length ? apply(charCodeAt, text, [i + 1]) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          i += 1;
          continue;
        }
        escaped = `\\u${apply(numberToString, c, [16])}`;
      } else continue;
      out += apply(slice, text, [from, i]) + escaped;
      from = i + 1;
    }
    const mark = q === 39 ? "'" : q === 34 ? '"' : "`";
    return `${mark}${out}${apply(slice, text, [from])}${mark}`;
  };

  // A string inside a rendering: quoted, cut at 10000 characters, and a
  // long one with newlines split into lines joined by `+`.
  const formatString = (ctx, text) => {
    let trailer = "";
    let body = text;
    const room = max(limit - ctx.used, 0) + 1;
    const keep = min(MAX_STRING, room);
    if (body.length > keep) {
      const rest = body.length - keep;
      body = apply(slice, body, [0, keep]);
      if (keep === MAX_STRING) trailer = `... ${rest} more character${rest > 1 ? "s" : ""}`;
      else ctx.cut = true;
    }
    if (body.length > 16 && body.length > ctx.breakAt - ctx.indent - 4 && contains(body, "\n")) {
      const lines = list();
      let from = 0;
      for (let at = apply(indexOf, body, ["\n"]); at !== -1; at = apply(indexOf, body, ["\n", from])) {
        push(lines, quote(apply(slice, body, [from, at + 1])));
        from = at + 1;
      }
      if (from < body.length) push(lines, quote(apply(slice, body, [from])));
      return spend(ctx, join(lines, ` +\n${spaces(ctx.indent + 2)}`) + trailer);
    }
    return spend(ctx, quote(body) + trailer);
  };

  // A primitive, as it shows inside a rendering.
  const formatPrimitive = (ctx, value) => {
    switch (typeof value) {
      case "string":
        return formatString(ctx, value);
      case "number":
        return spend(ctx, same(value, -0) ? "-0" : StringOf(value));
      case "bigint":
        return spend(ctx, `${StringOf(value)}n`);
      case "symbol":
        return spend(ctx, apply(symbolToString, value, []));
      default:
        return spend(ctx, StringOf(value));
    }
  };

  // `value` rendered at nesting `level` (0 at the top).
  const formatValue = (ctx, value, level) => {
    if (ctx.cut) return "";
    if (!isObject(value)) return formatPrimitive(ctx, value);
    let target = value;
    let k = kind(target);
    while (k === "proxy") {
      target = proxyTarget(target);
      if (target === null) return spend(ctx, "<Revoked Proxy>");
      k = kind(target);
    }
    if (has(ctx.seen, target)) {
      let ref = 0;
      for (let i = 0; i < ctx.refs.length; i++) if (ctx.refs[i] === target) ref = i + 1;
      if (ref === 0) {
        push(ctx.refs, target);
        ref = ctx.refs.length;
      }
      return spend(ctx, `[Circular *${ref}]`);
    }
    push(ctx.seen, target);
    let out;
    try {
      out = formatObject(ctx, target, k, level);
    } finally {
      ctx.seen.length -= 1;
      delete ctx.seen[ctx.seen.length];
    }
    for (let i = 0; i < ctx.refs.length; i++) {
      if (ctx.refs[i] === target) return spend(ctx, `<ref *${i + 1}> `) + out;
    }
    return out;
  };

  // The prefix Node puts before braces: the constructor's name (or that
  // the prototype is null), the size, the `Symbol.toStringTag` when it
  // says something else.
  const prefixOf = (name, tag, fallback, size) => {
    if (name === null) {
      return `[${fallback}${size}: null prototype] ${tag !== "" && tag !== fallback ? `[${tag}] ` : ""}`;
    }
    return `${name}${size} ${tag !== "" && tag !== name ? `[${tag}] ` : ""}`;
  };

  // The own keys of `value` it shows: enumerable ones (all with `hidden`)
  // but those `skip` says. Arrays longer than 1000 items show only their
  // items: listing their keys would cost as much as their length.
  const shownKeys = (ctx, value, skip) => {
    const shown = list();
    if (isArray(value) && value.length > 1000) return shown;
    const keys = ownKeys(value);
    const isFunction = typeof value === "function";
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (skip !== null && skip(key)) continue;
      const own = describe(value, key);
      if (own === undefined) continue;
      // QuickJS functions have no own `arguments` or `caller`; some do.
      if (!own.enumerable && (!ctx.hidden || (isFunction && (key === "arguments" || key === "caller")))) continue;
      push(shown, key);
    }
    return shown;
  };

  // The keys a kind of object does not show as properties.
  const skipOf = (k) => {
    if (k === "array" || k === "typedarray") return isIndex;
    if (k === "string") return isStringKey;
    if (k === "error") return isErrorKey;
    return null;
  };
  const isStringKey = (key) => key === "length" || isIndex(key);
  const isErrorKey = (key) => key === "stack" || key === "message" || key === "cause" || key === "errors";

  // Whether an object of kind `k` shows nothing but its braces or its base
  // form when it has no keys to show; those show so beyond the depth too.
  const isBare = (value, k) => {
    switch (k) {
      case "array":
        return value.length === 0;
      case "typedarray":
        return apply(typedLength, value, []) === 0;
      case "map":
        return apply(mapSize, value, []) === 0;
      case "set":
        return apply(setSize, value, []) === 0;
      case "error":
        return describe(value, "cause") === undefined && describe(value, "errors") === undefined;
      case "promise":
      case "weakmap":
      case "weakset":
      case "arraybuffer":
        return false;
      default:
        return true;
    }
  };

  // An object at nesting `level`; `k` is its kind (see `kind`).
  const formatObject = (ctx, value, k, level) => {
    const name = constructorName(value);
    let tag = "";
    const tagged = dataOf(value, toStringTag);
    if (typeof tagged === "string" && tagged !== "") {
      const own = describe(value, toStringTag);
      if (own === undefined || !(ctx.hidden || own.enumerable)) tag = tagged;
    }
    const isFunction = typeof value === "function";
    const keys = shownKeys(ctx, value, skipOf(k));
    if (keys.length > 0 || !isBare(value, k)) {
      if (level > ctx.depth) {
        if (isFunction) return spend(ctx, functionBase(value, name));
        const fallback = k === "array" ? "Array" : "Object";
        return spend(ctx, `[${name === null ? `${fallback}: null prototype` : tag !== "" && tag !== name ? `${name} [${tag}]` : name}]`);
      }
      ctx.current = level;
    }
    const output = list();
    let braces = "{";
    let close = "}";
    let base = "";
    let arrayLike = false;
    let numeric = false;
    ctx.indent += 2;
    try {
      switch (k) {
        case "array": {
          arrayLike = keys.length === 0;
          braces = name === "Array" && tag === "" ? "[" : `${prefixOf(name, tag, "Array", `(${value.length})`)}[`;
          close = "]";
          numeric = formatArray(ctx, value, level, output);
          break;
        }
        case "typedarray": {
          arrayLike = keys.length === 0;
          numeric = true;
          const length = apply(typedLength, value, []);
          const type = apply(typedName, value, []);
          braces = `${prefixOf(name, tag === type ? "" : tag, type, `(${length})`)}[`;
          close = "]";
          const shown = min(length, ctx.items);
          for (let i = 0; i < shown && !ctx.cut; i++) push(output, formatPrimitive(ctx, value[i]));
          if (length > shown) push(output, more(length - shown));
          break;
        }
        case "map":
        case "set":
          braces = formatEntries(ctx, value, k === "map", name, tag, level, output);
          break;
        case "error":
          base = formatError(ctx, value);
          break;
        case "promise": {
          braces = `${prefixOf(name, tag, "Promise", "")}{`;
          const state = promiseState(value);
          if (state === 0) push(output, spend(ctx, "<pending>"));
          else {
            const shown = formatValue(ctx, promiseResult(value), level + 1);
            push(output, state === 2 ? `<rejected> ${shown}` : shown);
          }
          break;
        }
        case "weakmap":
        case "weakset":
          braces = `${prefixOf(name, tag, k === "weakmap" ? "WeakMap" : "WeakSet", "")}{`;
          push(output, spend(ctx, "<items unknown>"));
          break;
        case "arraybuffer":
          braces = `${prefixOf(name, tag, "ArrayBuffer", "")}{`;
          formatBuffer(ctx, value, output);
          break;
        case "date": {
          const time = apply(getTime, value, []);
          base = spend(ctx, time === time ? apply(toISOString, value, []) : "Invalid Date");
          break;
        }
        case "regexp": {
          let flags = "";
          for (let i = 0; i < regexpFlags.length; i++) {
            if (apply(regexpFlags[i].get, value, [])) flags += regexpFlags[i].flag;
          }
          base = spend(ctx, `/${apply(regexpSource, value, [])}/${flags}`);
          break;
        }
        case "number":
        case "string":
        case "boolean":
        case "symbol":
        case "bigint": {
          const saved = ctx.indent;
          ctx.indent = 0;
          const primitive = formatPrimitive(ctx, apply(boxed[k], value, []));
          ctx.indent = saved;
          base = `[${boxedNames[k]}: ${primitive}]`;
          break;
        }
        default:
          if (isFunction) base = spend(ctx, functionBase(value, name));
          else if (name !== "Object" || tag !== "") braces = `${prefixOf(name, tag, "Object", "")}{`;
      }
      for (let i = 0; i < keys.length && !ctx.cut; i++) {
        const key = keys[i];
        const own = describe(value, key);
        let label = typeof key === "symbol" ? `[${apply(symbolToString, key, [])}]` : isPlainKey(key) ? key : quote(key);
        if (!own.enumerable) label = `[${label}]`;
        push(output, `${spend(ctx, label)}: ${formatProperty(ctx, own, level)}`);
      }
      if (k === "error") {
        // Node shows an error's own cause and inner errors, though hidden.
        formatHidden(ctx, value, "cause", level, output);
        formatHidden(ctx, value, "errors", level, output);
      }
    } finally {
      ctx.indent -= 2;
    }
    if (output.length === 0) return base !== "" ? base : `${braces}${close}`;
    return combine(ctx, output, base, braces, close, arrayLike, numeric, level);
  };

  // Pushes `[key]: value` for own property `key`, when it is not enumerable.
  const formatHidden = (ctx, value, key, level, output) => {
    const own = describe(value, key);
    if (own !== undefined && !own.enumerable) push(output, `[${key}]: ${formatProperty(ctx, own, level)}`);
  };

  // Pushes the entries of a Map (`key => value`) or Set, up to the most
  // shown; returns the opening brace with its prefix.
  const formatEntries = (ctx, value, isMap, name, tag, level, output) => {
    const size = apply(isMap ? mapSize : setSize, value, []);
    const entries = apply(isMap ? mapEntries : setValues, value, []);
    const next = isMap ? mapNext : setNext;
    let shown = 0;
    for (let step = apply(next, entries, []); !step.done && !ctx.cut; step = apply(next, entries, [])) {
      if (shown === ctx.items) {
        push(output, more(size - shown));
        break;
      }
      shown += 1;
      const entry = step.value;
      push(output, isMap
        ? `${formatValue(ctx, entry[0], level + 1)} => ${formatValue(ctx, entry[1], level + 1)}`
        : formatValue(ctx, entry, level + 1));
    }
    return `${prefixOf(name, tag, isMap ? "Map" : "Set", `(${size})`)}{`;
  };

  // Pushes an ArrayBuffer's first bytes (as many as items are shown) in
  // hexadecimal, and its length.
  const formatBuffer = (ctx, value, output) => {
    const length = apply(bufferLength, value, []);
    let shown = "";
    try {
      const bytes = new Bytes(value, 0, min(length, ctx.items));
      for (let i = 0; i < bytes.length; i++) shown += `${i === 0 ? "" : " "}${hex(bytes[i], 2)}`;
    } catch {
      shown = "(detached)";
    }
    const rest = length - ctx.items;
    if (rest > 0) shown += ` ... ${rest} more byte${rest > 1 ? "s" : ""}`;
    push(output, spend(ctx, `[Uint8Contents]: <${shown}>`));
    push(output, spend(ctx, `byteLength: ${length}`));
  };

  const more = (count) => `... ${count} more item${count > 1 ? "s" : ""}`;

  // Pushes the items of array `value` (holes as `<N empty items>`), up to
  // the most shown; whether every one shown is a number or a bigint.
  const formatArray = (ctx, value, level, output) => {
    const length = value.length;
    let numeric = true;
    let i = 0;
    let holesCounted = 0;
    while (i < length && output.length < ctx.items && !ctx.cut) {
      const own = describe(value, i);
      if (own === undefined) {
        let end = i + 1;
        while (end < length && describe(value, end) === undefined && holesCounted < MAX_HOLES) {
          end += 1;
          holesCounted += 1;
        }
        const holes = end - i;
        push(output, spend(ctx, `<${holes} empty item${holes > 1 ? "s" : ""}>`));
        numeric = false;
        i = end;
        if (holesCounted >= MAX_HOLES) break;
        continue;
      }
      if (typeof own.value !== "number" && typeof own.value !== "bigint") numeric = false;
      push(output, formatProperty(ctx, own, level));
      i += 1;
    }
    if (i < length) push(output, more(length - i));
    return numeric;
  };

  // The value of a property (from its descriptor), or what its accessors are.
  const formatProperty = (ctx, own, level) => {
    if ("value" in own) return formatValue(ctx, own.value, level + 1);
    if (own.get !== undefined) return spend(ctx, own.set !== undefined ? "[Getter/Setter]" : "[Getter]");
    return spend(ctx, own.set !== undefined ? "[Setter]" : "undefined");
  };

  // How a function shows: `[Function: name]`, `[class X extends Y]`...
  const functionBase = (fn, ctorName) => {
    const own = describe(fn, "name");
    const name = own !== undefined && typeof own.value === "string" ? own.value : "";
    let source = "";
    try {
      source = apply(functionToString, fn, []);
    } catch {
      // Not a function QuickJS prints.
    }
    if (apply(startsWith, source, ["class"]) && !isPlainKey(apply(slice, source, [0, 6]))) {
      let out = `[class ${name === "" ? "(anonymous)" : name}`;
      const parent = getPrototypeOf(fn);
      if (parent !== FunctionPrototype && typeof parent === "function" && kind(parent) !== "proxy") {
        const parentName = describe(parent, "name");
        if (parentName !== undefined && typeof parentName.value === "string" && parentName.value !== "") {
          out += ` extends ${parentName.value}`;
        }
      }
      return `${out}]`;
    }
    const proto = getPrototypeOf(fn);
    let type = "Function";
    if (proto === GeneratorFunction) type = "GeneratorFunction";
    else if (proto === AsyncGeneratorFunction) type = "AsyncGeneratorFunction";
    else if (proto === AsyncFunction) type = "AsyncFunction";
    if (ctorName === null) type += " (null prototype)";
    return `[${type}${name === "" ? " (anonymous)" : `: ${name}`}]`;
  };

  // An error's stack, headed by its name and message (QuickJS keeps only
  // the frames), its lines indented to the rendering's level; `[Name:
  // message]` when it has no stack.
  const formatError = (ctx, error) => {
    const own = describe(error, "stack");
    let stack;
    if (own !== undefined) stack = own.value;
    else {
      try {
        stack = apply(stackOf, error, []);
      } catch {
        stack = undefined;
      }
    }
    const name = dataOf(error, "name");
    const message = describe(error, "message");
    const head = `${typeof name === "string" ? name : "Error"}${
      message !== undefined && typeof message.value === "string" && message.value !== "" ? `: ${message.value}` : ""
    }`;
    let text;
    if (typeof stack !== "string" || stack === "") text = `[${head}]`;
    else if (own !== undefined) text = stack;
    else text = `${head}\n${stack}`;
    while (text.length > 0 && apply(charCodeAt, text, [text.length - 1]) === 10) text = apply(slice, text, [0, -1]);
    if (text.length > limit) {
      text = apply(slice, text, [0, limit]);
      ctx.cut = true;
    }
    const indent = ctx.indent - 2;
    if (indent > 0 && contains(text, "\n")) {
      let out = "";
      let from = 0;
      const pad = `\n${spaces(indent)}`;
      for (let at = apply(indexOf, text, ["\n"]); at !== -1; at = apply(indexOf, text, ["\n", from])) {
        out += apply(slice, text, [from, at]) + pad;
        from = at + 1;
      }
      text = out + apply(slice, text, [from]);
    }
    return spend(ctx, text);
  };

  // The entries of an object on one line when they fit within 80 columns
  // and it holds at most three levels of objects, else one entry a line;
  // many short array items are laid out in columns first.
  const combine = (ctx, output, base, braces, close, arrayLike, numeric, level) => {
    let entries = output;
    if (arrayLike && output.length > 6) entries = columns(ctx, output, numeric);
    const head = base === "" ? "" : `${base} `;
    if (ctx.current - level < COMPACT && entries === output) {
      const start = output.length + ctx.indent + braces.length + base.length + 10;
      if (fits(ctx, output, start, base)) {
        const joined = join(output, ", ");
        if (!contains(joined, "\n")) return `${head}${braces} ${joined} ${close}`;
      }
    }
    const indentation = `\n${spaces(ctx.indent)}`;
    spend(ctx, spaces((ctx.indent + 2) * entries.length));
    return `${head}${braces}${indentation}  ${join(entries, `,${indentation}  `)}${indentation}${close}`;
  };

  // Whether the entries, starting `start` columns in, fit on one line.
  const fits = (ctx, output, start, base) => {
    let total = output.length + start;
    if (total + output.length > ctx.breakAt) return false;
    for (let i = 0; i < output.length; i++) {
      total += output[i].length;
      if (total > ctx.breakAt) return false;
    }
    return base === "" || !contains(base, "\n");
  };

  // Array items laid out in aligned columns, about as wide as they are
  // tall, when they are short; numbers aligned right, others left. A
  // trailing `... N more items` stays on a line of its own.
  const columns = (ctx, output, numeric) => {
    const hasMore = output.length > ctx.items;
    const count = hasMore ? output.length - 1 : output.length;
    let total = 0;
    let widest = 0;
    for (let i = 0; i < count; i++) {
      const width = output[i].length;
      total += width + 2;
      if (width > widest) widest = width;
    }
    const cell = widest + 2;
    if (!(cell * 3 + ctx.indent < ctx.breakAt && (total / cell > 5 || widest <= 6))) return output;
    const bias = sqrt(cell - total / output.length);
    const biased = max(cell - 3 - bias, 1);
    const across = min(
      round(sqrt(2.5 * biased * count) / biased),
      floor((ctx.breakAt - ctx.indent) / cell),
      COMPACT * 4,
      15,
    );
    if (across <= 1) return output;
    const widths = list();
    for (let c = 0; c < across; c++) {
      let width = 0;
      for (let j = c; j < count; j += across) if (output[j].length > width) width = output[j].length;
      push(widths, width + 2);
    }
    const pad = numeric ? padStart : padEnd;
    const rows = list();
    for (let i = 0; i < count; i += across) {
      const end = min(i + across, count);
      let row = "";
      for (let j = i; j < end - 1; j++) row += apply(pad, `${output[j]}, `, [widths[j - i], " "]);
      row += numeric ? apply(padStart, output[end - 1], [widths[end - 1 - i] - 2, " "]) : output[end - 1];
      push(rows, row);
    }
    if (hasMore) push(rows, output[count]);
    return rows;
  };

  // `value` rendered in `ctx`; a rendering that runs out of memory or stack
  // gives a placeholder rather than losing the line.
  const inspect = (ctx, value) => {
    try {
      return formatValue(ctx, value, 0);
    } catch {
      // Out of memory or of stack: the line still prints.
      return "[value that could not be rendered]";
    }
  };

  // A `%s` substitution: strings whole, numbers and bigints as Node prints
  // them, objects with their own `toString` through it, other objects
  // rendered two levels less deep.
  const formatS = (ctx, value, parts) => {
    if (typeof value === "string") return push(parts, value);
    if (typeof value === "bigint") return push(parts, spend(ctx, `${StringOf(value)}n`));
    if (typeof value === "number") return push(parts, formatPrimitive(ctx, value));
    if (!isObject(value)) return push(parts, spend(ctx, StringOf(value)));
    const toString = kind(value) === "error" ? undefined : dataOf(value, "toString");
    if (typeof toString === "function" && !has(builtInToStrings, toString)) {
      try {
        return push(parts, spend(ctx, StringOf(value)));
      } catch {
        // Rendered instead.
      }
    }
    const saved = ctx.depth;
    ctx.depth = 0;
    push(parts, inspect(ctx, value));
    ctx.depth = saved;
  };

  // A number from a `%d`, `%i` or `%f` conversion; NaN when it throws.
  const numberFrom = (convert, value) => {
    if (typeof value === "symbol") return NaN;
    try {
      return convert(value);
    } catch {
      return NaN;
    }
  };

  // The parts of the line that `args` make, the way Node's `util.format`
  // makes it: `%` directives in a first string, then the other arguments,
  // strings as they are and other values rendered, separated by spaces.
  // Strings the arguments give whole stay whole parts: the natives read
  // them bounded.
  const format = (ctx, args) => {
    const parts = list();
    let next = 0;
    const first = args[0];
    if (typeof first === "string" && args.length > 1) {
      next = 1;
      let text = first;
      if (text.length > limit) {
        text = apply(slice, text, [0, limit]);
        if (!contains(text, "%")) text = first;
      }
      if (text !== first) ctx.cut = true;
      let from = 0;
      let piece = "";
      for (let at = apply(indexOf, text, ["%"]); at !== -1 && at + 1 < text.length; at = apply(indexOf, text, ["%", from])) {
        const c = text[at + 1];
        let done = true;
        if (next < args.length) {
          const arg = args[next];
          piece += apply(slice, text, [from, at]);
          switch (c) {
            case "s":
              push(parts, spend(ctx, piece));
              piece = "";
              formatS(ctx, arg, parts);
              break;
            case "d":
              piece += typeof arg === "bigint" ? `${StringOf(arg)}n` : formatPrimitive(ctx, numberFrom(NumberOf, arg));
              break;
            case "i":
              piece += typeof arg === "bigint" ? `${StringOf(arg)}n` : formatPrimitive(ctx, numberFrom(toInt, arg));
              break;
            case "f":
              piece += formatPrimitive(ctx, numberFrom(toFloat, arg));
              break;
            case "j":
              try {
                piece += spend(ctx, `${apply(stringify, undefined, [arg])}`);
              } catch (error) {
                const cyclic = kind(error) === "error" && contains(`${describe(error, "message")?.value}`, "ircular");
                piece += cyclic ? "[Circular]" : inspect(ctx, arg);
              }
              break;
            case "o":
            case "O": {
              const saved = ctx.depth;
              const hidden = ctx.hidden;
              if (c === "o") {
                ctx.depth = 4;
                ctx.hidden = true;
              }
              piece += inspect(ctx, arg);
              ctx.depth = saved;
              ctx.hidden = hidden;
              break;
            }
            case "c":
              break;
            case "%":
              piece += "%";
              next -= 1;
              break;
            default:
              piece += "%";
              next -= 1;
              done = false;
          }
          next += 1;
        } else if (c === "%") {
          piece += `${apply(slice, text, [from, at])}%`;
        } else {
          piece += apply(slice, text, [from, at + 1]);
          done = false;
        }
        from = done ? at + 2 : at + 1;
      }
      if (from === 0 && piece === "") {
        push(parts, text);
        ctx.used += min(text.length, limit + 1);
      } else push(parts, spend(ctx, piece + apply(slice, text, [from])));
    }
    for (; next < args.length; next++) {
      if (parts.length > 0) push(parts, " ");
      const arg = args[next];
      push(parts, typeof arg === "string" ? arg : inspect(ctx, arg));
      if (typeof arg === "string") ctx.used += min(arg.length, limit + 1);
    }
    return parts;
  };

  // The groups' indentation, in spaces.
  let indent = 0;

  // Prints the parts at `level`, indented by the groups.
  const emit = (level, ctx, parts) => {
    const call = list();
    push(call, level);
    push(call, indent);
    push(call, ctx.cut);
    for (let i = 0; i < parts.length; i++) push(call, parts[i]);
    apply(print, undefined, call);
  };

  // Prints `args` formatted, at `level`.
  const log = (level, args, options) => {
    const ctx = context(options);
    emit(level, ctx, format(ctx, args));
  };

  // `args` without its first `skip`, with `head` first when given.
  const rest = (args, skip, head) => {
    const out = list();
    if (head !== undefined) push(out, head);
    for (let i = skip; i < args.length; i++) push(out, args[i]);
    return out;
  };

  const labelOf = (label) => (label === undefined ? "default" : StringOf(label));

  // A duration as Node prints it: `1.234ms`, `1.500s`, `1:02.345 (m:ss.mmm)`.
  const duration = (ms) => {
    const fixed = (n, digits) => apply(toFixed, n, [digits]);
    if (ms < 1000) return `${NumberOf(fixed(ms, 3))}ms`;
    if (ms < 60000) return `${fixed(ms / 1000, 3)}s`;
    const two = (n) => apply(padStart, `${n}`, [2, "0"]);
    const seconds = fixed((ms % 60000) / 1000, 3);
    const secs = apply(padStart, seconds, [6, "0"]);
    if (ms < 3600000) return `${floor(ms / 60000)}:${secs} (m:ss.mmm)`;
    return `${floor(ms / 3600000)}:${two(floor((ms % 3600000) / 60000))}:${secs} (h:mm:ss.mmm)`;
  };

  const counts = { __proto__: null };
  const timers = { __proto__: null };
  const warn = (text) => log(levels.warn, rest([text], 0));

  // Prints the time since `time(label)` with `data`, at the log level.
  const timeLog = (label, data, method) => {
    const name = labelOf(label);
    const started = timers[name];
    if (started === undefined) return warn(`Warning: No such label '${name}' for console.${method}()`);
    const taken = duration(apply(now, clock, []) - started);
    const args = rest(data, 0, `${name}: ${taken}`);
    log(levels.log, args);
    return true;
  };

  // `rows` (an array or object of rows) as a box table, as Node's
  // `console.table` draws it: a column for the rows' keys, one for each key
  // of the rows that are objects, one of values for the other rows.
  const table = (rows, columns) => {
    const cellOf = (value) => {
      const shallow = isObject(value) && kind(value) !== "proxy" && !isArray(value) && ownKeys(value).length > 2;
      const ctx = context({ depth: shallow ? -1 : 0, items: 3, breakAt: Infinity });
      return typeof value === "string" ? formatString(ctx, value) : inspect(ctx, value);
    };
    const header = list();
    const cells = { __proto__: null };
    const addColumn = (key) => {
      if (cells[key] === undefined) {
        cells[key] = { __proto__: null };
        push(header, key);
      }
    };
    const index = list();
    const values = { __proto__: null };
    let hasValues = false;
    let keys;
    let arrayRows = isArray(rows);
    if (arrayRows) {
      keys = list();
      for (let i = 0; i < rows.length && i < 1000; i++) push(keys, `${i}`);
    } else keys = ownKeys(rows);
    const wanted = columns === undefined ? null : columns;
    if (wanted !== null) for (let i = 0; i < wanted.length; i++) addColumn(`${wanted[i]}`);
    for (let r = 0; r < keys.length; r++) {
      const key = keys[r];
      if (typeof key === "symbol") continue;
      const own = describe(rows, key);
      if (own === undefined || !own.enumerable) continue;
      push(index, key);
      const row = own.value;
      if (isObject(row) && kind(row) !== "proxy") {
        const rowKeys = ownKeys(row);
        for (let c = 0; c < rowKeys.length; c++) {
          const column = rowKeys[c];
          if (typeof column === "symbol") continue;
          const cell = describe(row, column);
          if (cell === undefined || !cell.enumerable) continue;
          if (wanted === null) addColumn(column);
          if (cells[column] !== undefined) cells[column][key] = "value" in cell ? cellOf(cell.value) : "[Getter]";
        }
      } else {
        hasValues = true;
        values[key] = cellOf(row);
      }
    }
    const table = list();
    const heading = list();
    push(heading, "(index)");
    for (let c = 0; c < header.length; c++) push(heading, header[c]);
    if (hasValues) push(heading, "Values");
    for (let r = 0; r < index.length; r++) {
      const line = list();
      push(line, index[r]);
      for (let c = 0; c < header.length; c++) push(line, cells[header[c]][index[r]] ?? "");
      if (hasValues) push(line, values[index[r]] ?? "");
      push(table, line);
    }
    const widths = list();
    for (let c = 0; c < heading.length; c++) {
      let width = heading[c].length;
      for (let r = 0; r < table.length; r++) if (table[r][c].length > width) width = table[r][c].length;
      push(widths, width + 2);
    }
    const rule = (left, middle, right) => {
      let out = left;
      for (let c = 0; c < widths.length; c++) out += `${c === 0 ? "" : middle}${apply(repeat, "─", [widths[c]])}`;
      return out + right;
    };
    const row = (line) => {
      let out = "│";
      for (let c = 0; c < line.length; c++) {
        out += ` ${line[c]}${spaces(widths[c] - 1 - line[c].length)}│`;
      }
      return out;
    };
    let out = `${rule("┌", "┬", "┐")}\n${row(heading)}\n${rule("├", "┼", "┤")}\n`;
    for (let r = 0; r < table.length; r++) out += `${row(table[r])}\n`;
    return out + rule("└", "┴", "┘");
  };

  // The methods, in the order of `METHODS` in `console.rs`. None uses
  // `this`, so each works detached from `console`.
  return {
    log(...data) {
      log(levels.log, data);
    },
    debug(...data) {
      log(levels.debug, data);
    },
    info(...data) {
      log(levels.info, data);
    },
    warn(...data) {
      log(levels.warn, data);
    },
    error(...data) {
      log(levels.error, data);
    },
    // Debug level: a trace is for finding where a call came from.
    trace(...data) {
      const thrown = new ErrorOf();
      const own = describe(thrown, "stack");
      let stack = "";
      try {
        stack = own !== undefined ? own.value : apply(stackOf, thrown, []);
      } catch {
        // No stack then.
      }
      stack = typeof stack === "string" ? stack : "";
      // Drops this method's own frame.
      const first = apply(indexOf, stack, ["\n"]);
      stack = first === -1 ? "" : apply(slice, stack, [first + 1]);
      while (stack.length > 0 && apply(charCodeAt, stack, [stack.length - 1]) === 10) stack = apply(slice, stack, [0, -1]);
      const ctx = context();
      const parts = data.length === 0 ? list() : format(ctx, data);
      const call = rest(parts, 0, data.length === 0 ? "Trace" : "Trace: ");
      if (stack !== "") push(call, `\n${stack}`);
      emit(levels.debug, ctx, call);
    },
    assert(condition, ...data) {
      if (condition) return;
      if (data.length === 0) return log(levels.error, rest(["Assertion failed"], 0));
      let first = data[0];
      if (typeof first !== "string") {
        try {
          first = StringOf(first);
        } catch {
          first = inspect(context(), first);
        }
      }
      log(levels.error, rest(data, 1, `Assertion failed: ${first}`));
    },
    dir(item, options) {
      const given = isObject(options) ? options : undefined;
      let depth = given === undefined ? undefined : given.depth;
      if (depth === null || depth === Infinity) depth = MAX_DEPTH;
      const ctx = context({
        depth: typeof depth === "number" ? min(depth, MAX_DEPTH) : DEFAULTS.depth,
        hidden: given !== undefined && !!given.showHidden,
      });
      const parts = list();
      push(parts, typeof item === "string" ? formatString(ctx, item) : inspect(ctx, item));
      emit(levels.log, ctx, parts);
    },
    dirxml(...data) {
      log(levels.log, data);
    },
    table(data, properties) {
      if (!isObject(data) || kind(data) === "proxy") return log(levels.log, rest([data], 0));
      let drawn;
      try {
        drawn = table(data, isArray(properties) ? properties : undefined);
      } catch {
        return log(levels.log, rest([data], 0));
      }
      log(levels.log, rest([drawn], 0));
    },
    time(label) {
      const name = labelOf(label);
      if (timers[name] !== undefined) return warn(`Warning: Label '${name}' already exists for console.time()`);
      timers[name] = apply(now, clock, []);
    },
    timeLog(label, ...data) {
      timeLog(label, data, "timeLog");
    },
    timeEnd(label) {
      if (timeLog(label, list(), "timeEnd") === true) delete timers[labelOf(label)];
    },
    count(label) {
      const name = labelOf(label);
      counts[name] = (counts[name] ?? 0) + 1;
      log(levels.log, rest([`${name}: ${counts[name]}`], 0));
    },
    countReset(label) {
      const name = labelOf(label);
      if (counts[name] === undefined) return warn(`Warning: Count for '${name}' does not exist`);
      counts[name] = 0;
    },
    group(...label) {
      if (label.length > 0) log(levels.log, label);
      indent = min(indent + 2, limit);
    },
    groupCollapsed(...label) {
      if (label.length > 0) log(levels.log, label);
      indent = min(indent + 2, limit);
    },
    groupEnd() {
      indent = max(indent - 2, 0);
    },
    // Does nothing: there is no screen to clear.
    clear() {},
  };
})
