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

/**
 * Runs a host function for the guest. `settle(ok, payload)` answers with a
 * JSON result or an error message; a returned promise is awaited.
 */
function dispatch(fn, argsJson, settle) {
  let result;
  try {
    result = fn(...JSON.parse(argsJson));
  } catch (error) {
    settle(false, describe(error));
    return;
  }
  const answer = (value) => {
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

native.__init(JSON.parse, JSON.stringify, dispatch);

/** The `code` of every error Warden throws or rejects with. */
const ErrorCode = Object.freeze({
  CANCELLED: 'ERR_CANCELLED',
  POISONED: 'ERR_POISONED',
  HANDLER: 'ERR_HANDLER',
  GUEST_ABORT: 'ERR_GUEST_ABORT',
  INVALID_ARG: 'ERR_INVALID_ARG',
  CONSUMED: 'ERR_CONSUMED',
  INTERNAL: 'ERR_INTERNAL',
});

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
