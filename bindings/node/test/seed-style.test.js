'use strict';

// The whole lifecycle as a program written for @hyperlight-dev/js-host-api
// drives it: only the require path differs. No Warden-only names here.

const test = require('node:test');
const assert = require('node:assert/strict');
const { SandboxBuilder } = require('..');

const COUNTER = `
  import * as math from "host:math";
  import { lookup } from "host:users";
  let calls = 0;
  function handler(event) {
    calls += 1;
    console.log("call " + calls);
    return { calls, sum: math.add(event.a, event.b), user: lookup(event.id) };
  }`;
const RUNAWAY = 'function handler() { let x = 0; for (;;) { x = (x + 1) % 7; } }';

/** The sandbox every test starts from, and what its host side saw. */
async function setUp() {
  const printed = [];
  const looked = [];
  const builder = new SandboxBuilder()
    .setHeapSize(16 * 1024 * 1024)
    .setScratchSize(1024 * 1024)
    .setInputBufferSize(64 * 1024)
    .setOutputBufferSize(64 * 1024);
  const proto = await builder.build();
  proto.register('math', 'add', (a, b) => a + b);
  proto.hostModule('users').register('lookup', async (id) => {
    looked.push(id);
    return { id, name: `user ${id}` };
  });
  proto.setHostPrintFn((line) => {
    printed.push(line);
    return 0;
  });
  const sandbox = await proto.loadRuntime();
  sandbox.addHandler('counter', COUNTER);
  sandbox.addHandler('runaway', RUNAWAY);
  const loaded = await sandbox.getLoadedSandbox();
  return { loaded, printed, looked };
}

/** Calls `handler` and returns the error code it failed with. */
async function failure(loaded, handler, options) {
  try {
    await loaded.callHandler(handler, {}, options);
  } catch (error) {
    return error.code;
  }
  assert.fail(`${handler} did not fail`);
}

test('handlers call host functions and print through the host print function', async () => {
  const { loaded, printed, looked } = await setUp();
  const result = await loaded.callHandler('counter', { a: 2, b: 40, id: 7 }, { wallClockTimeoutMs: 5_000 });
  assert.deepEqual(result, { calls: 1, sum: 42, user: { id: 7, name: 'user 7' } });
  assert.deepEqual(looked, [7]);
  assert.deepEqual(printed, ['call 1\n']);
  const stats = loaded.lastCallStats;
  assert.equal(typeof stats.wallClockMs, 'number');
  assert.equal(typeof stats.cpuTimeMs, 'number');
  assert.equal(stats.terminatedBy, null);
  assert.equal(loaded.poisoned, false);
});

test('a CPU-time budget kills a runaway handler; restoring a snapshot cures the poison', async () => {
  const { loaded } = await setUp();
  const snapshot = await loaded.snapshot();
  assert.equal((await loaded.callHandler('counter', { a: 1, b: 1, id: 1 })).calls, 1);
  const code = await failure(loaded, 'runaway', { cpuTimeoutMs: 200, wallClockTimeoutMs: 30_000 });
  assert.equal(code, 'ERR_CANCELLED');
  assert.equal(loaded.poisoned, true);
  assert.equal(loaded.lastCallStats.terminatedBy, 'cpu-time');
  assert.ok(loaded.lastCallStats.cpuTimeMs >= 100, `${loaded.lastCallStats.cpuTimeMs} ms of CPU`);
  assert.equal(await failure(loaded, 'counter'), 'ERR_POISONED');
  await loaded.restore(snapshot);
  assert.equal(loaded.poisoned, false);
  // The state is the snapshot's: the call made after it is forgotten.
  assert.equal((await loaded.callHandler('counter', { a: 1, b: 1, id: 1 })).calls, 1);
});

test('a wall-clock budget and the interrupt handle kill runaway handlers too', async () => {
  const { loaded } = await setUp();
  const snapshot = await loaded.snapshot();
  assert.equal(await failure(loaded, 'runaway', { wallClockTimeoutMs: 200 }), 'ERR_CANCELLED');
  assert.equal(loaded.lastCallStats.terminatedBy, 'wall-clock');
  assert.ok(loaded.lastCallStats.wallClockMs >= 150, `${loaded.lastCallStats.wallClockMs} ms`);
  await loaded.restore(snapshot);
  const handle = loaded.interruptHandle;
  const timer = setTimeout(() => handle.kill(), 200);
  const code = await failure(loaded, 'runaway');
  clearTimeout(timer);
  assert.equal(code, 'ERR_CANCELLED');
  assert.equal(loaded.poisoned, true);
  await loaded.restore(snapshot);
  assert.equal((await loaded.callHandler('counter', { a: 0, b: 0, id: 0 })).sum, 0);
});

test('unload returns to a sandbox without handlers, ready for new ones', async () => {
  const { loaded, printed } = await setUp();
  await loaded.callHandler('counter', { a: 1, b: 2, id: 3 });
  const sandbox = await loaded.unload();
  sandbox.addHandler('greet', 'function handler(e) { console.log("hello " + e.name); return "hi " + e.name; }');
  const reloaded = await sandbox.getLoadedSandbox();
  assert.equal(await reloaded.callHandler('greet', { name: 'Ada' }), 'hi Ada');
  assert.deepEqual(printed, ['call 1\n', 'hello Ada\n']);
  try {
    await reloaded.callHandler('counter', {});
    assert.fail('counter survived unload()');
  } catch (error) {
    assert.equal(error.code, 'ERR_INVALID_ARG');
  }
});

test('consumed objects reject with ERR_CONSUMED', async () => {
  const builder = new SandboxBuilder();
  const proto = await builder.build();
  const sandbox = await proto.loadRuntime();
  sandbox.addHandler('echo', 'function handler(e) { return e; }');
  const loaded = await sandbox.getLoadedSandbox();
  for (const consumed of [() => builder.build(), () => proto.loadRuntime(), () => sandbox.getLoadedSandbox()]) {
    await assert.rejects(consumed(), { code: 'ERR_CONSUMED' });
  }
  await loaded.unload();
  await assert.rejects(loaded.callHandler('echo', {}), { code: 'ERR_CONSUMED' });
});
