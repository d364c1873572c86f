'use strict';

// addHandler, removeHandler and clearHandlers: called with or without
// await, they change the sandbox in order; argument errors throw at once,
// and a failure nobody awaited is reported by getLoadedSandbox().

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { warden, runtime, rejectsWith, rejectsLater, throwsWith, ECHO } = require('./helpers');

const { ErrorCode } = warden;
const BROKEN = 'function handler(e) {';
const WRAP = 'function handler(e) { return [e]; }';

test('handlers can be added, removed and cleared without await', async () => {
  const js = await runtime();
  js.addHandler('a', ECHO);
  js.addHandler('b', WRAP);
  js.clearHandlers();
  js.addHandler('a', WRAP);
  js.addHandler('b', ECHO);
  js.removeHandler('a');
  const sandbox = await js.getLoadedSandbox();
  assert.deepEqual(await sandbox.callHandler('b', 1), 1);
  await rejectsWith(sandbox.callHandler('a', 1), ErrorCode.INVALID_ARG);
});

test('argument errors throw at once, with their code, and change nothing', async () => {
  const js = await runtime();
  for (const name of ['', 7, null, undefined, {}]) throwsWith(() => js.addHandler(name, ECHO), ErrorCode.INVALID_ARG);
  for (const source of [7, null, undefined, ['x']]) throwsWith(() => js.addHandler('h', source), ErrorCode.INVALID_ARG);
  for (const options of ['fast', { cpuTimeoutMs: 0 }, { wallClockTimeoutMs: 1.5 }, { gc: true }]) {
    throwsWith(() => js.addHandler('h', ECHO, options), ErrorCode.INVALID_ARG);
  }
  for (const name of ['', 7, undefined]) throwsWith(() => js.removeHandler(name), ErrorCode.INVALID_ARG);
  const sandbox = await js.getLoadedSandbox();
  await rejectsWith(sandbox.callHandler('h', {}), ErrorCode.INVALID_ARG);
  for (const edit of [() => js.addHandler('h', ECHO), () => js.removeHandler('h'), () => js.clearHandlers()]) {
    assert.match(throwsWith(edit, ErrorCode.CONSUMED).message, /getLoadedSandbox\(\)/);
  }
  const disposed = await runtime();
  disposed.dispose();
  throwsWith(() => disposed.addHandler('h', ECHO), ErrorCode.CONSUMED);
});

test('awaited edits reject with their error, and the sandbox stays as it was', async () => {
  const js = await runtime();
  const added = js.addHandler('echo', ECHO);
  assert.ok(added instanceof Promise);
  assert.equal(await added, undefined);
  const error = await rejectsWith(js.addHandler('bad', BROKEN), ErrorCode.HANDLER);
  assert.equal(error.handler, 'bad');
  assert.equal(error.kind, 'compile');
  await rejectsWith(js.addHandler('echo', WRAP), ErrorCode.INVALID_ARG);
  await rejectsWith(js.removeHandler('missing'), ErrorCode.INVALID_ARG);
  // Observed through then, catch or a combinator, a failure is the caller's.
  js.addHandler('bad', BROKEN).catch(() => {});
  js.addHandler('bad', BROKEN).then(undefined, () => {});
  await Promise.allSettled([js.removeHandler('missing')]);
  const sandbox = await js.getLoadedSandbox();
  assert.deepEqual(await sandbox.callHandler('echo', 2), 2);
  await rejectsWith(sandbox.callHandler('bad', 2), ErrorCode.INVALID_ARG);
});

test('a failure nobody awaited makes getLoadedSandbox() reject with ERR_HANDLER naming the handler', async () => {
  for (const [fail, handler, kind] of [
    [(js) => js.addHandler('bad', BROKEN), 'bad', 'compile'],
    [(js) => js.addHandler('echo', ECHO), 'echo', 'duplicate_handler'],
    [(js) => js.removeHandler('missing'), 'missing', 'unknown_handler'],
  ]) {
    const js = await runtime();
    js.addHandler('echo', ECHO);
    fail(js);
    js.addHandler('after', WRAP);
    const error = await rejectsWith(js.getLoadedSandbox(), ErrorCode.HANDLER);
    assert.equal(error.handler, handler);
    assert.equal(error.kind, kind);
    assert.ok(error.message.includes(`'${handler}'`), error.message);
    assert.equal(error.cause.kind, kind);
    await rejectsLater(() => js.getLoadedSandbox(), ErrorCode.CONSUMED);
  }
});

test('a failure nobody awaited never becomes an unhandled rejection', () => {
  const source = `
    const warden = require(${JSON.stringify(path.join(__dirname, '..'))});
    const runtime = async () => (await new warden.SandboxBuilder().build()).loadRuntime();
    (async () => {
      const js = await runtime();
      js.addHandler('bad', ${JSON.stringify(BROKEN)});
      js.removeHandler('missing');
      js.addHandler('echo', ${JSON.stringify(ECHO)});
      await js.getLoadedSandbox().catch((e) => console.log(e.code, e.handler));
      // Never loaded: the failure is nobody's.
      const dropped = await runtime();
      dropped.addHandler('bad', ${JSON.stringify(BROKEN)});
      // Refused by dispose().
      const disposed = await runtime();
      disposed.addHandler('slow', 'const end = Date.now() + 100; while (Date.now() < end) {} function handler() {}');
      disposed.addHandler('queued', ${JSON.stringify(ECHO)});
      disposed.dispose();
      await new Promise((resolve) => setTimeout(resolve, 300));
      console.log('done');
    })();`;
  const child = spawnSync(process.execPath, ['--unhandled-rejections=strict', '-e', source], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, 'ERR_HANDLER bad\ndone\n');
});
