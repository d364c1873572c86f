'use strict';

// Shared helpers of the Node.js tests.

const assert = require('node:assert/strict');
const warden = require('..');

/** A loaded sandbox with the given handlers ({ name: source }). */
async function loaded(handlers, configure = (builder) => builder, hosts = () => {}) {
  const proto = configure(new warden.SandboxBuilder()).build();
  hosts(proto);
  const js = proto.loadRuntime();
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

module.exports = { warden, loaded, rejectsWith, throwsWith, ECHO, SPIN };
