'use strict';

// addModule, removeModule and clearModules: user modules that handlers import.

const test = require('node:test');
const assert = require('node:assert/strict');
const { warden, runtime, rejectsWith, throwsWith } = require('./helpers');

const { ErrorCode } = warden;

test('handlers import added modules, which import each other by relative path', async () => {
  const js = await runtime();
  js.addModule('lib/square.js', 'export const square = (x) => x * x;');
  js.addModule('lib/index.js', "export { square } from './square.js';");
  js.addModule('units', "import { square } from './lib'; export const area = (s) => `${square(s)} m2`;");
  js.addHandler('area', "import { area } from 'units'; function handler(e) { return area(e.side); }");
  const sandbox = await js.getLoadedSandbox();
  assert.equal(await sandbox.callHandler('area', { side: 3 }), '9 m2');
});

test('modules can be replaced, removed and cleared; a handler keeps what it imported', async () => {
  const js = await runtime();
  const source = "import greet from 'greet'; function handler() { return greet; }";
  await js.addModule('greet', "export default 'first';");
  await js.addModule('greet', "export default 'second';");
  await js.addHandler('a', source);
  await js.removeModule('greet');
  await rejectsWith(js.removeModule('greet'), ErrorCode.INVALID_ARG);
  await rejectsWith(js.addHandler('b', source), ErrorCode.HANDLER);
  await js.addModule('other', 'export default 1;');
  await js.clearModules();
  const error = await rejectsWith(
    js.addHandler('c', "import other from 'other'; function handler() { return other; }"),
    ErrorCode.HANDLER,
  );
  assert.match(error.message, /other/);
  const sandbox = await js.getLoadedSandbox();
  assert.equal(await sandbox.callHandler('a', {}), 'second');
});

test('bad module arguments throw at once; bad names reject; unawaited failures reach getLoadedSandbox', async () => {
  const js = await runtime();
  for (const name of ['', 7, null]) throwsWith(() => js.addModule(name, 'export {}'), ErrorCode.INVALID_ARG);
  throwsWith(() => js.addModule('m', 7), ErrorCode.INVALID_ARG);
  throwsWith(() => js.removeModule(''), ErrorCode.INVALID_ARG);
  await rejectsWith(js.addModule('../escape.js', 'export {}'), ErrorCode.INVALID_ARG);
  await rejectsWith(js.addModule('nul.js', "export const a = '\0';"), ErrorCode.INVALID_ARG);
  js.addModule('../unawaited.js', 'export {}');
  const error = await rejectsWith(js.getLoadedSandbox(), ErrorCode.INVALID_ARG);
  assert.equal(error.module, '../unawaited.js');
  assert.match(error.message, /addModule\('\.\.\/unawaited\.js'\) failed/);
});

test('imports cannot leave the module tree', async () => {
  const js = await runtime();
  await js.addModule('ok.js', 'export default 1;');
  const error = await rejectsWith(
    js.addHandler('h', "import x from '../ok.js'; function handler() { return x; }"),
    ErrorCode.HANDLER,
  );
  assert.match(error.message, /leads out of the root/);
});
