'use strict';

// callHandlerSync: the call on the calling thread.

const test = require('node:test');
const assert = require('node:assert/strict');
const { warden, loaded, throwsWith, ECHO, SPIN } = require('./helpers');

const { ErrorCode } = warden;

test('a synchronous call returns what callHandler resolves with, and throws what it rejects with', async () => {
  const lines = [];
  const sandbox = await loaded(
    {
      echo: ECHO,
      logs: 'function handler(e) { console.log("saw", e.n); return e.n * 2; }',
      throws: 'function handler() { throw new TypeError("nope"); }',
    },
    (builder) => builder.print((level, line) => lines.push([level, line])),
  );
  assert.deepEqual(sandbox.callHandlerSync('echo', { a: [1, 'x'] }), { a: [1, 'x'] });
  assert.deepEqual(sandbox.callHandlerSync('echo', { a: 1 }, { wallClockTimeoutMs: 1000, cpuTimeoutMs: 1000 }), { a: 1 });
  // Console lines are delivered before it returns.
  assert.equal(sandbox.callHandlerSync('logs', { n: 21 }), 42);
  assert.deepEqual(lines, [['log', 'saw 21']]);
  const error = throwsWith(() => sandbox.callHandlerSync('throws', {}), ErrorCode.HANDLER);
  assert.equal(error.guestError.name, 'TypeError');
  throwsWith(() => sandbox.callHandlerSync('missing', {}), ErrorCode.INVALID_ARG);
  throwsWith(() => sandbox.callHandlerSync('echo', {}, { wallClockTimeoutMs: 0 }), ErrorCode.INVALID_ARG);
  throwsWith(() => sandbox.callHandlerSync('echo', () => 1), ErrorCode.INVALID_ARG);
  assert.equal(sandbox.lastCallStats.wallClockMs >= 0, true);
  assert.deepEqual(await sandbox.callHandler('echo', 5), 5);
});

test('a synchronous call is killed at its budget, and the sandbox restores', async () => {
  const sandbox = await loaded({ spin: SPIN, echo: ECHO });
  const snapshot = await sandbox.snapshot();
  const start = Date.now();
  const error = throwsWith(() => sandbox.callHandlerSync('spin', {}, { wallClockTimeoutMs: 100 }), ErrorCode.CANCELLED);
  assert.equal(error.monitor, 'wall-clock');
  assert.ok(Date.now() - start < 5000);
  throwsWith(() => sandbox.callHandlerSync('spin', {}, { cpuTimeoutMs: 100 }), ErrorCode.POISONED);
  await sandbox.restore(snapshot);
  throwsWith(() => sandbox.callHandlerSync('spin', {}, { cpuTimeoutMs: 100 }), ErrorCode.CANCELLED);
});

test('JavaScript host functions refuse to run inside a synchronous call', async () => {
  let calls = 0;
  const sandbox = await loaded(
    {
      sync: 'import { f } from "host:m"; export function handler() { try { return f(); } catch (e) { return String(e.message); } }',
      async: 'import { g } from "host:m"; export async function handler() { try { return await g(); } catch (e) { return String(e.message); } }',
    },
    undefined,
    (proto) => {
      proto.hostModule('m').register('f', () => ++calls);
      proto.hostModule('m').registerAsync('g', async () => ++calls);
    },
  );
  assert.match(sandbox.callHandlerSync('sync', {}), /cannot run inside callHandlerSync/);
  assert.match(sandbox.callHandlerSync('async', {}), /cannot run inside callHandlerSync/);
  assert.equal(calls, 0);
  // The same handlers reach them through callHandler.
  assert.equal(await sandbox.callHandler('sync', {}), 1);
  assert.equal(await sandbox.callHandler('async', {}), 2);
});

test('a synchronous call waits for nothing: with a job in flight it throws ERR_BUSY', async () => {
  const sandbox = await loaded({ echo: ECHO, slow: 'function handler() { const end = Date.now() + 50; while (Date.now() < end); return 1; }' });
  const inFlight = sandbox.callHandler('slow', {});
  throwsWith(() => sandbox.callHandlerSync('echo', 1), ErrorCode.BUSY);
  assert.equal(await inFlight, 1);
  assert.equal(sandbox.callHandlerSync('echo', 2), 2);
  sandbox.dispose();
  throwsWith(() => sandbox.callHandlerSync('echo', 3), ErrorCode.CONSUMED);
});
