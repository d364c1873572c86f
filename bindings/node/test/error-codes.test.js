'use strict';

// ErrorCode has one source, the native module's list: index.js passes it
// on, and index.d.ts must declare exactly those codes.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');
const { warden } = require('./helpers');

/** The `readonly KEY: 'VALUE'` entries of `ErrorCode` in index.d.ts. */
function declaredCodes() {
  const types = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');
  const block = types.match(/export declare const ErrorCode: \{([^}]*)\};/);
  assert.ok(block, 'index.d.ts declares no ErrorCode');
  const entries = [...block[1].matchAll(/^\s*readonly (\w+): '([^']*)';/gm)];
  return Object.fromEntries(entries.map(([, key, value]) => [key, value]));
}

test('index.d.ts declares exactly the error codes the native module exports', () => {
  const exported = { ...warden.ErrorCode };
  assert.ok(Object.keys(exported).length > 0, 'the native module exports no ErrorCode');
  assert.deepEqual(declaredCodes(), exported);
});

test('every error code is ERR_ followed by its key, and ErrorCode is frozen', () => {
  for (const [key, value] of Object.entries(warden.ErrorCode)) assert.equal(value, `ERR_${key}`);
  assert.ok(Object.isFrozen(warden.ErrorCode));
});
