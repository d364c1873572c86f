'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { warden, runtime, loaded, rejectsWith, rejectsLater, throwsWith, ECHO } = require('./helpers');

const { ErrorCode } = warden;

test('the classes mirror the Rust lifecycle, each step a promise of the next', async () => {
  const builder = new warden.SandboxBuilder();
  assert.equal(builder.guestMemoryLimit(32 * 1024 * 1024).maxWasmStack(1024 * 1024), builder, 'setters chain');
  const building = builder.maxEventSize(4096).maxResultSize(4096).build();
  assert.ok(building instanceof Promise);
  const proto = await building;
  assert.ok(proto instanceof warden.ProtoJSSandbox);
  const starting = proto.loadRuntime();
  assert.ok(starting instanceof Promise);
  const js = await starting;
  assert.ok(js instanceof warden.JSSandbox);
  await js.addHandler('echo', ECHO);
  const loading = js.getLoadedSandbox();
  assert.ok(loading instanceof Promise);
  const sandbox = await loading;
  assert.ok(sandbox instanceof warden.LoadedJSSandbox);
  for (const event of [{ a: [1, 'x', null], b: { c: true } }, 42, 'text', [1, 2], null, false]) {
    assert.deepEqual(await sandbox.callHandler('echo', event), event);
  }
  const unloading = sandbox.unload();
  assert.ok(unloading instanceof Promise);
  const again = await unloading;
  assert.ok(again instanceof warden.JSSandbox);
  // The JSSandbox from unload() has a fresh runtime without handlers.
  await again.addHandler('echo', 'function handler(e) { return [e]; }');
  assert.deepEqual(await (await again.getLoadedSandbox()).callHandler('echo', 1), [1]);
});

test('using an object after a call consumed it rejects or throws ERR_CONSUMED', async () => {
  const builder = new warden.SandboxBuilder();
  const proto = await builder.build();
  const error = await rejectsLater(() => builder.build(), ErrorCode.CONSUMED);
  assert.match(error.message, /build\(\)/);
  throwsWith(() => builder.guestMemoryLimit(1 << 25), ErrorCode.CONSUMED);
  const module = proto.hostModule('m');
  const js = await proto.loadRuntime();
  await rejectsLater(() => proto.loadRuntime(), ErrorCode.CONSUMED);
  throwsWith(() => proto.hostModule('other'), ErrorCode.CONSUMED);
  throwsWith(() => module.register('f', () => 1), ErrorCode.CONSUMED);
  await js.addHandler('echo', ECHO);
  const sandbox = await js.getLoadedSandbox();
  assert.match((await rejectsLater(() => js.getLoadedSandbox(), ErrorCode.CONSUMED)).message, /getLoadedSandbox\(\)/);
  const snapshot = await sandbox.snapshot();
  await sandbox.unload();
  await rejectsLater(() => sandbox.unload(), ErrorCode.CONSUMED);
  await rejectsLater(() => sandbox.callHandler('echo', {}), ErrorCode.CONSUMED);
  await rejectsLater(() => sandbox.snapshot(), ErrorCode.CONSUMED);
  await rejectsLater(() => sandbox.restore(snapshot), ErrorCode.CONSUMED);
});

test('a transition settles only once the sandbox has reached the next stage', async () => {
  // The handler's top-level code runs for a while on the sandbox thread;
  // getLoadedSandbox() is queued behind it and resolves after it, so the
  // line it prints last has arrived by then.
  const lines = [];
  const js = await runtime((builder) => builder.print((level, line) => lines.push(line)));
  const slow = 'const end = Date.now() + 200; while (Date.now() < end) {} console.log("evaluated"); function handler(e) { return e; }';
  const adding = js.addHandler('slow', slow);
  const sandbox = await js.getLoadedSandbox();
  assert.deepEqual(lines, ['evaluated']);
  await adding;
  assert.deepEqual(await sandbox.callHandler('slow', 3), 3);
});

test('builder settings are validated', async () => {
  for (const bad of [-1, 0, 1.5, NaN]) {
    throwsWith(() => new warden.SandboxBuilder().guestMemoryLimit(bad), ErrorCode.INVALID_ARG);
  }
  await rejectsLater(() => new warden.SandboxBuilder().guestMemoryLimit(1024).build(), ErrorCode.INVALID_ARG);
  await rejectsLater(() => new warden.SandboxBuilder().maxWasmStack(512 * 1024 * 1024).build(), ErrorCode.INVALID_ARG);
});

test('compile errors reject addHandler with the position', async () => {
  const js = await runtime();
  const error = await rejectsWith(js.addHandler('bad', 'function handler(e) {\n  let x = ;\n}'), ErrorCode.HANDLER);
  assert.equal(error.kind, 'compile');
  assert.equal(error.handler, 'bad');
  assert.equal(error.guestError.name, 'SyntaxError');
  assert.equal(error.guestError.line, 2);
  assert.equal(error.guestError.column, 11);
  throwsWith(() => js.addHandler('', ECHO), ErrorCode.INVALID_ARG);
  await js.addHandler('echo', ECHO);
  await rejectsWith(js.addHandler('echo', ECHO), ErrorCode.INVALID_ARG);
  await js.removeHandler('echo');
  await rejectsWith(js.removeHandler('echo'), ErrorCode.INVALID_ARG);
  await js.addHandler('echo', ECHO);
  await js.clearHandlers();
  await rejectsWith((await js.getLoadedSandbox()).callHandler('echo', {}), ErrorCode.INVALID_ARG);
});

test('snapshots restore state and statistics describe the last call', async () => {
  const sandbox = await loaded({ count: 'let n = 0; function handler() { return ++n; }' });
  assert.equal(sandbox.lastCallStats, null);
  const snapshot = await sandbox.snapshot();
  assert.ok(snapshot instanceof warden.Snapshot);
  assert.ok(snapshot.size > 0);
  assert.equal(await sandbox.callHandler('count', {}), 1);
  assert.equal(await sandbox.callHandler('count', {}), 2);
  await sandbox.restore(snapshot);
  assert.equal(await sandbox.callHandler('count', {}), 1);
  const stats = sandbox.lastCallStats;
  assert.equal(typeof stats.wallTimeMs, 'number');
  assert.equal(stats.guestCpuTimeMs, null);
  assert.equal(stats.terminatedBy, null);
  await sandbox.callHandler('count', {}, { cpuTimeoutMs: 10_000 });
  assert.equal(typeof sandbox.lastCallStats.guestCpuTimeMs, 'number');
  // hyperlight-js's names for the same figures.
  const { wallTimeMs, wallClockMs, guestCpuTimeMs, cpuTimeMs } = sandbox.lastCallStats;
  assert.deepEqual([wallClockMs, cpuTimeMs], [wallTimeMs, guestCpuTimeMs]);
});

test('addHandler timeouts stop runaway top-level code, and the sandbox stays as it was', async () => {
  const js = await runtime();
  await js.addHandler('echo', ECHO, { cpuTimeoutMs: 1000 });
  for (const [options, monitor] of [
    [{ cpuTimeoutMs: 50 }, 'cpu-time'],
    [{ wallClockTimeoutMs: 50 }, 'wall-clock'],
  ]) {
    const error = await rejectsWith(js.addHandler('spin', 'for (;;) {} function handler() {}', options), ErrorCode.CANCELLED);
    assert.equal(error.monitor, monitor);
    assert.equal(error.handler, 'spin');
    assert.match(error.message, /as it was before/);
    assert.equal(js.poisoned, false);
  }
  throwsWith(() => js.addHandler('x', ECHO, { cpuTimeoutMs: 0 }), ErrorCode.INVALID_ARG);
  throwsWith(() => js.addHandler('x', ECHO, { gc: true }), ErrorCode.INVALID_ARG);
  const sandbox = await js.getLoadedSandbox();
  assert.deepEqual(await sandbox.callHandler('echo', [1]), [1]);
});

/** Threads of this process (Linux). */
function threads() {
  const status = require('node:fs').readFileSync('/proc/self/status', 'utf8');
  return Number(/^Threads:\s+(\d+)/m.exec(status)[1]);
}

test('dispose frees sandboxes at once: threads and memory stay flat', async () => {
  const cycle = async () => {
    const sandbox = await loaded({ echo: ECHO });
    assert.deepEqual(await sandbox.callHandler('echo', { n: 1 }), { n: 1 });
    sandbox.dispose();
    sandbox.dispose();
    await rejectsWith(sandbox.callHandler('echo', {}), ErrorCode.CONSUMED);
    await rejectsWith(sandbox.unload(), ErrorCode.CONSUMED);
  };
  for (let i = 0; i < 50; i++) await cycle();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = { threads: threads(), rss: process.memoryUsage().rss };
  for (let i = 0; i < 1000; i++) await cycle();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = { threads: threads(), rss: process.memoryUsage().rss };
  assert.ok(after.threads <= before.threads + 2, `threads ${before.threads} -> ${after.threads}`);
  assert.ok(after.rss < before.rss + 64 * 1024 * 1024, `rss ${before.rss} -> ${after.rss}`);
});

test('dispose refuses queued calls, and works on every stage', async () => {
  const proto = await new warden.SandboxBuilder().build();
  proto.dispose();
  await rejectsLater(() => proto.loadRuntime(), ErrorCode.CONSUMED);
  const js = await runtime();
  const spinning = js.addHandler('spin', 'for (;;) {} function handler() {}');
  const adding = js.addHandler('echo', ECHO);
  while (!js.interruptHandle.running) await new Promise((resolve) => setImmediate(resolve));
  js.dispose();
  await rejectsWith(spinning, ErrorCode.CANCELLED);
  await rejectsWith(adding, ErrorCode.CONSUMED);
  throwsWith(() => js.addHandler('echo', ECHO), ErrorCode.CONSUMED);
  const sandbox = await loaded({ spin: 'function handler() { for (;;) {} }', echo: ECHO });
  const running = sandbox.callHandler('spin', {});
  while (!sandbox.interruptHandle.running) await new Promise((resolve) => setImmediate(resolve));
  const queued = sandbox.callHandler('echo', {});
  sandbox.dispose();
  await rejectsWith(running, ErrorCode.CANCELLED);
  await rejectsWith(queued, ErrorCode.CONSUMED);
  if (typeof Symbol.dispose === 'symbol') {
    const other = await loaded({ echo: ECHO });
    other[Symbol.dispose]();
    await rejectsWith(other.callHandler('echo', {}), ErrorCode.CONSUMED);
  }
});

test('ErrorCode has every code hyperlight-js has, under the same values', () => {
  const hyperlight = ['ERR_POISONED', 'ERR_CANCELLED', 'ERR_GUEST_ABORT', 'ERR_INVALID_ARG', 'ERR_CONSUMED', 'ERR_INTERNAL'];
  for (const code of hyperlight) assert.ok(Object.values(ErrorCode).includes(code), code);
  assert.equal(ErrorCode.GUEST_ABORT, 'ERR_GUEST_ABORT');
  assert.ok(Object.isFrozen(ErrorCode));
});
