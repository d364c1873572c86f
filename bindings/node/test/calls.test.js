'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { warden, loaded, rejectsWith, ECHO, SPIN } = require('./helpers');

const { ErrorCode } = warden;

/** A sandbox whose `probe` handler counts its runs through a host function. */
async function probed() {
  let runs = 0;
  const sandbox = await loaded(
    { probe: 'import { ran } from "host:probe"; export function handler() { ran(); return 1; }', spin: SPIN, echo: ECHO },
    undefined,
    (proto) => proto.hostModule('probe').register('ran', () => void runs++),
  );
  return { sandbox, runs: () => runs };
}

test('invalid timeouts are rejected before anything runs', async () => {
  const { sandbox, runs } = await probed();
  const invalid = [0, -1, 1.5, 3_600_001, NaN, Infinity, '10', null, true, {}];
  for (const value of invalid) {
    for (const key of ['wallClockTimeoutMs', 'cpuTimeoutMs']) {
      const error = await rejectsWith(sandbox.callHandler('probe', {}, { [key]: value }), ErrorCode.INVALID_ARG);
      assert.match(error.message, new RegExp(key));
    }
  }
  await rejectsWith(sandbox.callHandler('probe', {}, 'fast'), ErrorCode.INVALID_ARG);
  await rejectsWith(sandbox.callHandler('probe', {}, { gc: 'yes' }), ErrorCode.INVALID_ARG);
  assert.equal(runs(), 0, 'the handler ran');
  // The extremes are accepted.
  assert.equal(await sandbox.callHandler('probe', {}, { wallClockTimeoutMs: 3_600_000, cpuTimeoutMs: 1000 }), 1);
  assert.equal(runs(), 1);
});

test('events must have a JSON form', async () => {
  const { sandbox, runs } = await probed();
  const cyclic = {};
  cyclic.self = cyclic;
  for (const event of [undefined, () => 1, Symbol('s'), 10n, cyclic]) {
    await rejectsWith(sandbox.callHandler('probe', event), ErrorCode.INVALID_ARG);
  }
  assert.equal(runs(), 0);
});

test('guest failures are ERR_HANDLER with the guest error', async () => {
  const sandbox = await loaded({
    throws: 'function check(e) { throw new TypeError("bad " + e.x); }\nfunction handler(e) { check(e); }',
    undefined: 'function handler() {}',
    deep: 'function f() { return f() + 1; } function handler() { return f(); }',
  });
  const error = await rejectsWith(sandbox.callHandler('throws', { x: 1 }), ErrorCode.HANDLER);
  assert.equal(error.kind, 'handler_threw');
  assert.equal(error.guestError.name, 'TypeError');
  assert.equal(error.guestError.message, 'bad 1');
  assert.match(error.guestError.stack, /check/);
  assert.equal((await rejectsWith(sandbox.callHandler('undefined', {}), ErrorCode.HANDLER)).kind, 'invalid_result');
  await rejectsWith(sandbox.callHandler('nope', {}), ErrorCode.INVALID_ARG);
  const deep = await rejectsWith(sandbox.callHandler('deep', {}), ErrorCode.HANDLER);
  assert.equal(deep.kind, 'handler_threw');
  assert.equal(deep.guestError.name, 'RangeError');
  assert.equal(sandbox.poisoned, false);
  // An event nested past what can be serialized is refused before it runs.
  let nested = [];
  for (let i = 0; i < 100_000; i++) nested = [nested];
  await rejectsWith(sandbox.callHandler('throws', nested), ErrorCode.INVALID_ARG);
  assert.equal(sandbox.poisoned, false);
});

test('timeouts kill runaway handlers, and the error names the monitor', async () => {
  const sandbox = await loaded({ spin: SPIN, echo: ECHO });
  const snapshot = await sandbox.snapshot();
  const cases = [
    [{ wallClockTimeoutMs: 50 }, 'wall-clock'],
    [{ cpuTimeoutMs: 50 }, 'cpu-time'],
    // Both: the CPU budget is spent long before the wall-clock one.
    [{ wallClockTimeoutMs: 20_000, cpuTimeoutMs: 50 }, 'cpu-time'],
  ];
  for (const [options, monitor] of cases) {
    const started = Date.now();
    const error = await rejectsWith(sandbox.callHandler('spin', {}, options), ErrorCode.CANCELLED);
    assert.equal(error.monitor, monitor);
    assert.equal(error.budgetMs, 50);
    assert.ok(Date.now() - started < 10_000);
    assert.equal(sandbox.lastCallStats.terminatedBy, monitor);
    assert.equal(sandbox.poisoned, true);
    await rejectsWith(sandbox.callHandler('echo', {}), ErrorCode.POISONED);
    await sandbox.restore(snapshot);
    assert.equal(sandbox.poisoned, false);
    assert.deepEqual(await sandbox.callHandler('echo', { ok: 1 }, options), { ok: 1 });
  }
});

test('interruptHandle.kill() cancels a running call at once, and says so', async () => {
  const sandbox = await loaded({ spin: SPIN, echo: ECHO });
  const handle = sandbox.interruptHandle;
  assert.equal(handle.kill(), false, 'nothing to kill');
  const call = sandbox.callHandler('spin', {});
  while (!handle.running) await new Promise((resolve) => setImmediate(resolve));
  // poisoned and kill() answer while the handler runs.
  const started = process.hrtime.bigint();
  assert.equal(sandbox.poisoned, false);
  assert.equal(handle.kill(), true);
  assert.ok(Number(process.hrtime.bigint() - started) < 50e6, 'kill() blocked');
  const error = await rejectsWith(call, ErrorCode.CANCELLED);
  assert.equal(error.monitor, 'interrupt-handle');
  assert.equal(handle.poisoned, true);
});

test('the event loop keeps running while a handler spins', async () => {
  const sandbox = await loaded({ spin: SPIN });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  await rejectsWith(sandbox.callHandler('spin', {}, { wallClockTimeoutMs: 500 }), ErrorCode.CANCELLED);
  clearInterval(timer);
  assert.ok(ticks >= 10, `only ${ticks} timer ticks in 500 ms`);
});

test('calls on one sandbox run one at a time, in order', async () => {
  const sandbox = await loaded({
    count: 'let n = 0; function handler(e) { const end = Date.now() + e.ms; while (Date.now() < end) {} return ++n; }',
  });
  const results = await Promise.all([5, 1, 3, 0, 2, 1].map((ms) => sandbox.callHandler('count', { ms })));
  assert.deepEqual(results, [1, 2, 3, 4, 5, 6]);
});

test('sandboxes run in parallel, each on its own thread', async () => {
  const busy = 'function handler() { const end = Date.now() + 300; while (Date.now() < end) {} return 1; }';
  const a = await loaded({ busy });
  const b = await loaded({ busy });
  const started = Date.now();
  assert.deepEqual(await Promise.all([a.callHandler('busy', {}), b.callHandler('busy', {})]), [1, 1]);
  // Serialized, this would take at least 600 ms; allow for a loaded machine.
  assert.ok(Date.now() - started < 2_000 || require('node:os').cpus().length < 2);
});
