'use strict';

// Shared helpers of the Node.js tests.

const assert = require('node:assert/strict');
const warden = require('..');

/** A JSSandbox from a builder set up by `configure`, with host functions from `hosts(proto)`. */
async function runtime(configure = (builder) => builder, hosts = () => {}) {
  const proto = await configure(new warden.SandboxBuilder()).build();
  hosts(proto);
  return proto.loadRuntime();
}

/** A loaded sandbox with the given handlers ({ name: source }). */
async function loaded(handlers, configure, hosts) {
  const js = await runtime(configure, hosts);
  for (const [name, source] of Object.entries(handlers)) await js.addHandler(name, source);
  return js.getLoadedSandbox();
}

/** Asserts that `promise` rejects with a Warden error with `code`; returns the error. */
async function rejectsWith(promise, code) {
  let error;
  await assert.rejects(promise, (e) => {
    error = e;
    return true;
  });
  assert.ok(error instanceof Error, `not an Error: ${error}`);
  assert.equal(error.code, code, `${error.code}: ${error.message}`);
  assert.equal(typeof error.kind, 'string');
  return error;
}

/** Asserts that `fn()` does not throw but returns a promise that rejects with `code`; returns the error. */
async function rejectsLater(fn, code) {
  let promise;
  assert.doesNotThrow(() => {
    promise = fn();
  });
  assert.ok(promise instanceof Promise, `not a promise: ${promise}`);
  return rejectsWith(promise, code);
}

/** Asserts that `fn` throws a Warden error with `code`; returns the error. */
function throwsWith(fn, code) {
  let error;
  assert.throws(fn, (e) => {
    error = e;
    return true;
  });
  assert.equal(error.code, code, `${error.code}: ${error.message}`);
  return error;
}

const ECHO = 'function handler(event) { return event; }';
const SPIN = 'function handler() { for (;;) {} }';

module.exports = { warden, runtime, loaded, rejectsWith, rejectsLater, throwsWith, ECHO, SPIN };
