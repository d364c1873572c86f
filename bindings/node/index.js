'use strict';

// Warden for Node.js: run untrusted JavaScript handlers in a WebAssembly
// sandbox, with wall-clock and CPU-time budgets. See README.md.

const path = require('node:path');

const native = require(process.env.WARDEN_NODE_ADDON || path.join(__dirname, 'warden.node'));

/** `name: message` of a thrown value, for the guest's error message. */
function describe(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return 'a value without a string form';
  }
}

/** The JSON text of a host function's result ('' for undefined). */
function toJson(value) {
  const json = JSON.stringify(value);
  return json === undefined ? '' : json;
}

/** The key of the object that stands for a binary argument (warden_abi::BYTES_MARKER). */
const BYTES_MARKER = '$warden.bytes';

/** The arguments of a host call: its JSON array, with each binary argument's marker replaced by its bytes. */
function decodeArgs(argsJson, blobs) {
  return JSON.parse(argsJson).map((arg) => {
    if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) return arg;
    const keys = Object.keys(arg);
    if (keys.length !== 1 || keys[0] !== BYTES_MARKER) return arg;
    return blobs[arg[BYTES_MARKER]] ?? arg;
  });
}

/** The bytes of a binary result (a Uint8Array, another view, or an ArrayBuffer), else undefined. */
function bytesOf(value) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return new Uint8Array(value);
  return undefined;
}

/**
 * Runs a host function for the guest. `settle(ok, payload)` answers with a
 * JSON result, bytes (a Uint8Array) or an error message; a returned promise
 * is awaited. Binary arguments arrive as Uint8Arrays.
 */
function dispatch(fn, argsJson, blobs, settle) {
  let result;
  try {
    result = fn(...decodeArgs(argsJson, blobs));
  } catch (error) {
    settle(false, describe(error));
    return;
  }
  const answer = (value) => {
    const bytes = bytesOf(value);
    if (bytes !== undefined) {
      settle(true, bytes);
      return;
    }
    let json;
    try {
      json = toJson(value);
    } catch (error) {
      settle(false, `the host function's result is not JSON: ${describe(error)}`);
      return;
    }
    settle(true, json);
  };
  if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
    Promise.resolve(result).then(answer, (error) => settle(false, describe(error)));
  } else {
    answer(result);
  }
}

// JSON as it was when this module loaded, whatever a program does to it later.
const { parse: JSON_PARSE, stringify: JSON_STRINGIFY } = JSON;

native.__init(JSON_PARSE, JSON_STRINGIFY, dispatch);

/** The `code` of every error Warden throws or rejects with (the native module's list). */
const ErrorCode = Object.freeze({ ...native.ErrorCode });

/** Promises of handler edits that someone awaited or called `then` on. */
const observed = new WeakSet();

/**
 * What addHandler, removeHandler, clearHandlers and the module edits return: a promise that
 * notes whether anyone observed it (awaited it, or called then, catch or
 * finally on it). A failure nobody observed is no unhandled rejection: the
 * next getLoadedSandbox() rejects with it instead.
 */
class HandlerPromise extends Promise {
  // then, catch and finally derive plain promises.
  static get [Symbol.species]() {
    return Promise;
  }

  then(onFulfilled, onRejected) {
    observed.add(this);
    return super.then(onFulfilled, onRejected);
  }
}

/** Per JSSandbox: a promise for the outcome of each edit queued on it, a failure or null. */
const edits = new WeakMap();

/** The HandlerPromise of an edit (`call(name)`, whose native promise is `done`) of `sandbox`. */
function track(sandbox, call, name, done) {
  const promise = new HandlerPromise((resolve) => resolve(done));
  // Not through HandlerPromise's then: this does not observe it, but handles it.
  const outcome = Promise.prototype.then.call(
    promise,
    () => null,
    (error) => ({ promise, call, name, error }),
  );
  const outcomes = edits.get(sandbox) ?? [];
  outcomes.push(outcome);
  edits.set(sandbox, outcomes);
  return promise;
}

/**
 * What each edit changes: `handler` edits fail getLoadedSandbox() with
 * ERR_HANDLER naming the handler; `module` edits with their own error's code,
 * naming the module.
 */
const EDITS = {
  addHandler: 'handler',
  removeHandler: 'handler',
  clearHandlers: 'handler',
  addModule: 'module',
  removeModule: 'module',
  clearModules: 'module',
};

/** The error getLoadedSandbox() rejects with for an edit that failed unobserved. */
function unobservedFailure({ call, name, error }) {
  const what = name === undefined ? `${call}()` : `${call}('${name}')`;
  const failure = new Error(`${what} failed, and nothing awaited it: ${error.message}`, { cause: error });
  const subject = EDITS[call];
  failure.code = subject === 'handler' ? ErrorCode.HANDLER : error.code;
  failure.kind = error.kind;
  if (name !== undefined) failure[subject] = name;
  if (error.guestError !== undefined) failure.guestError = error.guestError;
  return failure;
}

/** Replaces method `name` of `cls` with `wrap(native method)`. */
function wrapMethod(cls, name, wrap) {
  const method = cls.prototype[name];
  Object.defineProperty(cls.prototype, name, { value: wrap(method), configurable: true, writable: true });
}

for (const call of Object.keys(EDITS)) {
  wrapMethod(native.JSSandbox, call, (method) => ({
    [call](...args) {
      // Argument errors throw here, before anything is queued.
      return track(this, call, args[0], method.apply(this, args));
    },
  })[call]);
}

wrapMethod(native.JSSandbox, 'getLoadedSandbox', (method) =>
  async function getLoadedSandbox() {
    const outcomes = edits.get(this) ?? [];
    edits.delete(this);
    const loaded = await method.call(this);
    // Queued before the transition, the edits have all run by now.
    const failed = (await Promise.all(outcomes)).find((edit) => edit !== null && !observed.has(edit.promise));
    if (failed !== undefined) {
      loaded.dispose();
      throw unobservedFailure(failed);
    }
    return loaded;
  },
);

const { __callJson: callJson, __callJsonSync: callJsonSync } = native.LoadedJSSandbox.prototype;
const promiseThen = Promise.prototype.then;

/** The value of a result's JSON text. */
function parseResult(json) {
  try {
    return JSON_PARSE(json);
  } catch {
    throw Object.assign(new Error('the result is not JSON'), { code: ErrorCode.INTERNAL, kind: 'internal' });
  }
}

/**
 * The arguments of the native `__callJson` and `__callJsonSync` for a call:
 * the name, the event serialized (its JSON text; undefined when it has none;
 * `[exception]` when serializing it threw) and the options' values, read in
 * the order the native methods read them. Undefined when the name is not a
 * string, the options are neither an object nor null nor undefined, or
 * reading them threw: the native `callHandler` and `callHandlerSync` report
 * those (reading the options once more).
 */
function jsonCall(name, event, options) {
  if (typeof name !== 'string' || (options !== undefined && typeof options !== 'object')) return undefined;
  let gc, wall, cpu;
  try {
    gc = options?.gc;
    wall = options?.wallClockTimeoutMs;
    cpu = options?.cpuTimeoutMs;
  } catch {
    return undefined;
  }
  let json;
  try {
    json = JSON_STRINGIFY(event);
  } catch (exception) {
    json = [exception];
  }
  return [name, json, wall, cpu, gc];
}

// callHandler and callHandlerSync with the options read, the event
// serialized and the result parsed here, by V8 itself, instead of through
// N-API calls back into JavaScript. The event is serialized before the
// native side checks the sandbox and the options, so its toJSON and getters
// run even for a call refused for those (with the same error).
wrapMethod(native.LoadedJSSandbox, 'callHandler', (method) =>
  function callHandler(name, event, options) {
    const args = jsonCall(name, event, options);
    if (args === undefined) return method.call(this, name, event, options);
    return promiseThen.call(callJson.apply(this, args), parseResult);
  },
);

wrapMethod(native.LoadedJSSandbox, 'callHandlerSync', (method) =>
  function callHandlerSync(name, event, options) {
    const args = jsonCall(name, event, options);
    if (args === undefined) return method.call(this, name, event, options);
    return parseResult(callJsonSync.apply(this, args));
  },
);

/** `head` (a Uint8Array) and `body` packed as warden_abi::encode_blobs packs them. */
function frame(head, body) {
  const packed = Buffer.alloc(8 + head.length + body.length);
  packed.writeUInt32LE(head.length, 0);
  packed.set(head, 4);
  packed.writeUInt32LE(body.length, 4 + head.length);
  packed.set(body, 8 + head.length);
  return packed;
}

/**
 * The fetch handler the sandbox calls, around the embedder's `callback`: it
 * gets a `Request` and answers with a `Response` (or `{ status, statusText,
 * headers, body }`, body a string, bytes or null), which goes back packed.
 */
function fetchServer(callback) {
  return async function serveFetch(head, body) {
    const init = { method: head.method, headers: head.headers };
    if (body.length > 0) Object.assign(init, { body, duplex: 'half' });
    let response = await callback(new Request(head.url, init));
    if (!(response instanceof Response)) {
      const { status = 200, statusText, headers, body: content = null } = response ?? {};
      response = new Response(bytesOf(content) ?? content, { status, statusText, headers });
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const described = { status: response.status, statusText: response.statusText, headers: [...response.headers] };
    return frame(Buffer.from(JSON.stringify(described)), bytes);
  };
}

wrapMethod(native.SandboxBuilder, 'fetchHandler', (method) =>
  function fetchHandler(callback) {
    return method.call(this, typeof callback === 'function' ? fetchServer(callback) : callback);
  },
);

// `using sandbox = ...` frees a sandbox when its scope ends.
if (typeof Symbol.dispose === 'symbol') {
  for (const cls of [native.ProtoJSSandbox, native.JSSandbox, native.LoadedJSSandbox]) {
    Object.defineProperty(cls.prototype, Symbol.dispose, {
      value() {
        this.dispose();
      },
      configurable: true,
      writable: true,
    });
  }
}

module.exports = {
  SandboxBuilder: native.SandboxBuilder,
  ProtoJSSandbox: native.ProtoJSSandbox,
  HostModule: native.HostModule,
  JSSandbox: native.JSSandbox,
  LoadedJSSandbox: native.LoadedJSSandbox,
  InterruptHandle: native.InterruptHandle,
  Snapshot: native.Snapshot,
  ErrorCode,
};
