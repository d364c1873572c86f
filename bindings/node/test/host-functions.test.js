'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { warden, loaded, rejectsWith } = require('./helpers');

const { ErrorCode } = warden;

test('sync and async host functions: the guest waits for the result', async () => {
  const sandbox = await loaded(
    {
      h: `import * as kv from "host:kv";
          export function handler(e) {
            let failed, rejected;
            try { kv.fail(); } catch (x) { failed = x.message; }
            try { kv.reject(); } catch (x) { rejected = x.message; }
            return { now: kv.get(e.key), later: kv.getLater(e.key), none: kv.nothing(), failed, rejected };
          }`,
    },
    undefined,
    (proto) =>
      proto
        .hostModule('kv')
        .register('get', (key) => `value of ${key}`)
        .register('getLater', (key) => new Promise((resolve) => setTimeout(() => resolve({ key, late: true }), 20)))
        .register('nothing', () => undefined)
        .register('fail', () => {
          throw new RangeError('sync failure');
        })
        .register('reject', async () => {
          throw new Error('async failure');
        }),
  );
  const result = await sandbox.callHandler('h', { key: 'k' });
  assert.equal(result.now, 'value of k');
  assert.deepEqual(result.later, { key: 'k', late: true });
  assert.equal(result.none, undefined);
  assert.match(result.failed, /RangeError: sync failure/);
  assert.match(result.rejected, /async failure/);
});

test('a wall-clock timeout ends a call whose host function never settles', async () => {
  let settleLate;
  const sandbox = await loaded(
    {
      hang: 'import { never } from "host:io"; export function handler() { never(); return "unreachable"; }',
      late: 'import { late } from "host:io"; export function handler() { return late(); }',
      echo: 'function handler(e) { return e; }',
    },
    undefined,
    (proto) =>
      proto
        .hostModule('io')
        .register('never', () => new Promise(() => {}))
        .register('late', () => new Promise((resolve) => (settleLate = resolve))),
  );
  const snapshot = await sandbox.snapshot();
  const started = Date.now();
  const error = await rejectsWith(sandbox.callHandler('hang', {}, { wallClockTimeoutMs: 100 }), ErrorCode.CANCELLED);
  assert.equal(error.monitor, 'wall-clock');
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  await sandbox.restore(snapshot);
  // A settlement that comes after the call was killed is ignored.
  await rejectsWith(sandbox.callHandler('late', {}, { wallClockTimeoutMs: 100 }), ErrorCode.CANCELLED);
  settleLate('too late');
  await new Promise((resolve) => setTimeout(resolve, 20));
  await sandbox.restore(snapshot);
  assert.deepEqual(await sandbox.callHandler('echo', [1]), [1]);
});

test('a cpu-time timeout does not count time spent waiting for the host', async () => {
  const sandbox = await loaded(
    { wait: 'import { sleep } from "host:io"; export function handler() { return sleep(300); }' },
    undefined,
    (proto) => proto.hostModule('io').register('sleep', (ms) => new Promise((resolve) => setTimeout(() => resolve(ms), ms))),
  );
  assert.equal(await sandbox.callHandler('wait', {}, { cpuTimeoutMs: 100 }), 300);
  assert.ok(sandbox.lastCallStats.guestCpuTimeMs < 100);
});

test('host function names are validated when registered', async () => {
  const proto = await new warden.SandboxBuilder().build();
  const module = proto.hostModule('m');
  module.register('ok', () => 1);
  for (const bad of ['', 'line\nbreak', 'ok']) {
    assert.throws(() => module.register(bad, () => 1), (e) => e.code === ErrorCode.INVALID_ARG);
  }
  // A module name is checked when the module is asked for.
  for (const bad of ['', 'bad/name']) {
    assert.throws(() => proto.hostModule(bad), (e) => e.code === ErrorCode.INVALID_ARG);
  }
});

test('hyperlight-js names: buffer and heap setters, proto.register', async () => {
  const { throwsWith } = require('./helpers');
  const builder = new warden.SandboxBuilder();
  assert.equal(builder.setHeapSize(8 * 1024 * 1024), builder);
  builder.setScratchSize(1024 * 1024).setInputBufferSize(4096).setOutputBufferSize(64);
  for (const setter of ['setHeapSize', 'setScratchSize', 'setInputBufferSize', 'setOutputBufferSize']) {
    for (const bad of [0, -1, 1.5]) throwsWith(() => new warden.SandboxBuilder()[setter](bad), ErrorCode.INVALID_ARG);
  }
  const proto = await builder.build();
  proto.register('math', 'add', (a, b) => a + b);
  throwsWith(() => proto.register('', 'f', () => 1), ErrorCode.INVALID_ARG);
  throwsWith(() => proto.register('m', '', () => 1), ErrorCode.INVALID_ARG);
  const js = await proto.loadRuntime();
  await js.addHandler(
    'h',
    `import { add } from "host:math";
     function f(n) { return n === 0 ? 0 : 1 + f(n - 1); }
     export function handler(e) { return e.big ? "x".repeat(100) : [add(e.a, e.b), f(5000)]; }`,
  );
  const sandbox = await js.getLoadedSandbox();
  assert.deepEqual(await sandbox.callHandler('h', { a: 2, b: 3 }), [5, 5000]);
  // The input and output buffer sizes bound events and results.
  await rejectsWith(sandbox.callHandler('h', { pad: 'x'.repeat(5000) }), ErrorCode.INVALID_ARG);
  await rejectsWith(sandbox.callHandler('h', { big: true }), ErrorCode.HANDLER);
});
