'use strict';

// Where the guest's console goes: the builder's print(level, line) callback,
// or the ProtoJSSandbox's host print function, hyperlight-js's form.

const test = require('node:test');
const assert = require('node:assert/strict');
const { warden, loaded, rejectsWith, throwsWith } = require('./helpers');

const { ErrorCode } = warden;
const PRINTS = `console.log("top level");
  function handler(e) { console.log("got", e.n); console.error({ e }); console.log(""); return e.n; }`;

test('console output reaches the print callback before the call settles', async () => {
  const lines = [];
  const sandbox = await loaded(
    { h: 'function handler(e) { console.log("got", e.n); console.warn({ w: 1 }); console.error("bad"); return e.n; }' },
    (builder) => builder.print((level, line) => lines.push([level, line])),
  );
  assert.equal(await sandbox.callHandler('h', { n: 7 }), 7);
  assert.deepEqual(lines, [
    ['log', 'got 7'],
    ['warn', '{ w: 1 }'],
    ['error', 'bad'],
  ]);
});

test('setHostPrintFn receives each line with its newline, before the promise settles', async () => {
  const lines = [];
  const proto = await new warden.SandboxBuilder().build();
  proto.setHostPrintFn((line) => {
    lines.push(line);
    return 'a value nobody reads';
  });
  const js = await proto.loadRuntime();
  js.addHandler('h', PRINTS);
  const sandbox = await js.getLoadedSandbox();
  assert.deepEqual(lines, ['top level\n']);
  assert.equal(await sandbox.callHandler('h', { n: 7 }), 7);
  assert.deepEqual(lines, ['top level\n', 'got 7\n', '{ e: { n: 7 } }\n', '\n']);
});

test('setHostPrintFn replaces the builder print callback, and the last one set wins', async () => {
  const seen = [];
  const proto = await new warden.SandboxBuilder().print((level, line) => seen.push(['builder', line])).build();
  proto.setHostPrintFn((line) => seen.push(['first', line]));
  proto.setHostPrintFn((line) => seen.push(['last', line]));
  const js = await proto.loadRuntime();
  await js.addHandler('h', 'function handler() { console.info("hi"); return 1; }');
  await (await js.getLoadedSandbox()).callHandler('h', {});
  assert.deepEqual(seen, [['last', 'hi\n']]);
});

test('a host print function that throws loses its line, and the call goes on', async () => {
  const proto = await new warden.SandboxBuilder().build();
  proto.setHostPrintFn(() => {
    throw new Error('printer on fire');
  });
  const js = await proto.loadRuntime();
  js.addHandler('h', PRINTS);
  assert.equal(await (await js.getLoadedSandbox()).callHandler('h', { n: 1 }), 1);
});

test('setHostPrintFn takes a function, before loadRuntime()', async () => {
  const proto = await new warden.SandboxBuilder().build();
  for (const bad of [undefined, null, 'console', {}, 1]) {
    throwsWith(() => proto.setHostPrintFn(bad), ErrorCode.INVALID_ARG);
  }
  await proto.loadRuntime();
  const error = throwsWith(() => proto.setHostPrintFn(() => {}), ErrorCode.CONSUMED);
  assert.match(error.message, /loadRuntime\(\)/);
  const disposed = await new warden.SandboxBuilder().build();
  disposed.dispose();
  throwsWith(() => disposed.setHostPrintFn(() => {}), ErrorCode.CONSUMED);
  await rejectsWith(disposed.loadRuntime(), ErrorCode.CONSUMED);
});
