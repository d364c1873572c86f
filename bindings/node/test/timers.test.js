'use strict';

// Timers inside the sandbox, seen from Node.js: a handler that awaits one
// really waits, without CPU, and a wall-clock budget ends the wait at the
// budget.

const test = require('node:test');
const assert = require('node:assert/strict');
const { warden, loaded, rejectsWith } = require('./helpers');

const { ErrorCode } = warden;

const SLEEP = `export function handler(event) {
  const t0 = performance.now();
  return new Promise((resolve) => setTimeout(() => resolve(performance.now() - t0), event.ms));
}`;
const TICK_FOREVER = 'export function handler() { return new Promise(() => setInterval(() => {}, 5)); }';

test('a handler awaiting a timer waits for it, and waiting is not CPU time', async () => {
  const sandbox = await loaded({ sleep: SLEEP });
  const started = Date.now();
  const waited = await sandbox.callHandler('sleep', { ms: 200 }, { cpuTimeoutMs: 100 });
  assert.ok(waited >= 199, `waited ${waited} ms`);
  assert.ok(Date.now() - started >= 199);
  const stats = sandbox.lastCallStats;
  assert.ok(stats.guestCpuTimeMs < stats.wallTimeMs / 2, JSON.stringify(stats));
});

test('a wall-clock budget ends a wait on a timer at the budget, and restore clears it', async () => {
  const sandbox = await loaded({ sleep: SLEEP, tick: TICK_FOREVER });
  const snapshot = await sandbox.snapshot();
  for (const [name, event] of [['sleep', { ms: 60_000 }], ['tick', {}]]) {
    const started = Date.now();
    const error = await rejectsWith(
      sandbox.callHandler(name, event, { wallClockTimeoutMs: 100, cpuTimeoutMs: 10_000 }),
      ErrorCode.CANCELLED,
    );
    const took = Date.now() - started;
    assert.equal(error.monitor, 'wall-clock');
    assert.ok(took >= 99 && took < 5_000, `${name} took ${took} ms`);
    assert.equal(sandbox.poisoned, true);
    await sandbox.restore(snapshot);
    assert.ok((await sandbox.callHandler('sleep', { ms: 1 })) >= 0);
  }
});
