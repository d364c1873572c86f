'use strict';

// Events are serialized, and results parsed, by V8's JSON in index.js; what
// does not serialize goes to the native method. Both ways must behave alike.

const test = require('node:test');
const assert = require('node:assert/strict');
const { warden, loaded, throwsWith, rejectsLater, rejectsWith, ECHO } = require('./helpers');

const { ErrorCode } = warden;

/** Both ways of calling, as promises. */
const CALLS = {
  callHandler: (sandbox, ...args) => sandbox.callHandler(...args),
  callHandlerSync: async (sandbox, ...args) => sandbox.callHandlerSync(...args),
};

test('results parse as JSON.parse parses them, __proto__ keys included', async () => {
  const sandbox = await loaded({ proto: 'function handler() { return JSON.parse(\'{"__proto__":{"x":1},"a":[1.5,"é"]}\'); }' });
  for (const call of Object.values(CALLS)) {
    const result = await call(sandbox, 'proto', {});
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepEqual(Object.keys(result), ['__proto__', 'a']);
    assert.deepEqual(result.a, [1.5, 'é']);
  }
  sandbox.dispose();
});

test('an event is serialized once, with its toJSON and getters', async () => {
  const sandbox = await loaded({ echo: ECHO });
  for (const call of Object.values(CALLS)) {
    let reads = 0;
    const event = { get a() { reads++; return 1; }, b: { toJSON: (key) => `to ${key}` } };
    assert.deepEqual(await call(sandbox, 'echo', event), { a: 1, b: 'to b' });
    assert.equal(reads, 1);
  }
  sandbox.dispose();
});

test('events without a JSON form are refused as before, and names must be strings', async () => {
  const sandbox = await loaded({ echo: ECHO });
  const cyclic = {};
  cyclic.self = cyclic;
  for (const event of [undefined, () => 1, Symbol('s'), 10n, cyclic, { toJSON() { throw new Error('boom'); } }]) {
    const error = throwsWith(() => sandbox.callHandlerSync('echo', event), ErrorCode.INVALID_ARG);
    assert.match(error.message, /the event (cannot be serialized to JSON|has no JSON form)/);
    const rejected = await rejectsLater(() => sandbox.callHandler('echo', event), ErrorCode.INVALID_ARG);
    assert.equal(rejected.message, error.message);
  }
  // Serialized once, also when that fails: a toJSON that throws only the
  // first time still refuses the call.
  for (const call of Object.values(CALLS)) {
    let calls = 0;
    const once = { toJSON() { calls++; if (calls === 1) throw new Error('first time'); return 1; } };
    await rejectsWith(call(sandbox, 'echo', once), ErrorCode.INVALID_ARG);
    assert.equal(calls, 1);
  }
  assert.throws(() => sandbox.callHandlerSync(7, {}), /string/i);
  assert.throws(() => sandbox.callHandler(7, {}), /string/i);
  sandbox.dispose();
});

test('a program that replaces JSON does not change how calls serialize', async () => {
  const sandbox = await loaded({ echo: ECHO });
  const { parse, stringify } = JSON;
  JSON.parse = () => 'replaced';
  JSON.stringify = () => '"replaced"';
  try {
    for (const call of Object.values(CALLS)) assert.deepEqual(await call(sandbox, 'echo', { n: [1] }), { n: [1] });
  } finally {
    JSON.parse = parse;
    JSON.stringify = stringify;
  }
  sandbox.dispose();
});

test('options are read once each, in the order the native methods read them', async () => {
  const sandbox = await loaded({ echo: ECHO });
  for (const call of Object.values(CALLS)) {
    const reads = [];
    const options = {
      get gc() { reads.push('gc'); return false; },
      get wallClockTimeoutMs() { reads.push('wall'); return 1000; },
      get cpuTimeoutMs() { reads.push('cpu'); return 1000; },
    };
    assert.equal(await call(sandbox, 'echo', 5, options), 5);
    assert.deepEqual(reads, ['gc', 'wall', 'cpu']);
  }
  sandbox.dispose();
});
