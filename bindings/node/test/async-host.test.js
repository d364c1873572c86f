'use strict';

// Asynchronous host functions (`registerAsync`): the guest gets a promise at
// once, many calls run together, failures reject, and budgets end waits.
// Time bounds are generous: they tell concurrency from one-after-another.

const test = require('node:test');
const assert = require('node:assert/strict');
const { warden, loaded, rejectsWith } = require('./helpers');

const { ErrorCode } = warden;

const sleep = (ms, value) => new Promise((resolve) => setTimeout(() => resolve(value), ms));

function withDb(handlers, extra = () => {}) {
  return loaded(handlers, undefined, (proto) => {
    const db = proto
      .hostModule('db')
      .registerAsync('get', (id) => sleep(50, { id }))
      .registerAsync('fail', async (message) => {
        throw new TypeError(message);
      })
      .registerAsync('now', () => 'at once')
      .registerAsync('never', () => new Promise(() => {}))
      .register('add', (a, b) => a + b);
    extra(db);
  });
}

test('ten calls of 50 ms run together and settle their own promises', async () => {
  const sandbox = await withDb({
    fan: `import { get, add } from "host:db";
          export async function handler() {
            const pending = [];
            for (let i = 0; i < 10; i++) pending.push(get(i));
            const isPromise = pending[0] instanceof Promise;
            return { isPromise, sum: add(2, 3), rows: await Promise.all(pending) };
          }`,
  });
  await sandbox.callHandler('fan', {});
  const started = Date.now();
  const result = await sandbox.callHandler('fan', {});
  const took = Date.now() - started;
  assert.equal(result.isPromise, true);
  assert.equal(result.sum, 5);
  assert.deepEqual(
    result.rows.map((row) => row.id),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  // One after another they would take 500 ms.
  assert.ok(took < 400, `took ${took} ms`);
});

test('throws and rejections reject with catchable errors; plain values resolve', async () => {
  const sandbox = await withDb({
    h: `import { fail, now } from "host:db";
        export async function handler() {
          let message;
          try { await fail("no such row"); } catch (e) { message = e instanceof Error && e.message; }
          return { message, now: await now() };
        }`,
  });
  const result = await sandbox.callHandler('h', {});
  assert.match(result.message, /TypeError: no such row/);
  assert.equal(result.now, 'at once');
});

test('a wall-clock timeout ends a wait on a call that never settles', async () => {
  let settleLate;
  const sandbox = await withDb(
    {
      hang: 'import { never } from "host:db"; export async function handler() { await never(); }',
      late: 'import { late } from "host:db"; export async function handler() { return await late(); }',
      echo: 'function handler(e) { return e; }',
    },
    (db) => db.registerAsync('late', () => new Promise((resolve) => (settleLate = resolve))),
  );
  const snapshot = await sandbox.snapshot();
  const started = Date.now();
  const error = await rejectsWith(sandbox.callHandler('hang', {}, { wallClockTimeoutMs: 100 }), ErrorCode.CANCELLED);
  assert.equal(error.monitor, 'wall-clock');
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  await sandbox.restore(snapshot);
  await rejectsWith(sandbox.callHandler('late', {}, { wallClockTimeoutMs: 100 }), ErrorCode.CANCELLED);
  // A settlement after the call was killed is ignored.
  settleLate('too late');
  await sleep(20);
  await sandbox.restore(snapshot);
  assert.deepEqual(await sandbox.callHandler('echo', [1]), [1]);
});

test('a cpu-time timeout does not count time spent waiting on async calls', async () => {
  const sandbox = await withDb({
    wait: `import { get } from "host:db";
           export async function handler() { const rows = []; for (let i = 0; i < 6; i++) rows.push(await get(i)); return rows.length; }`,
  });
  assert.equal(await sandbox.callHandler('wait', {}, { cpuTimeoutMs: 100 }), 6);
  assert.ok(sandbox.lastCallStats.guestCpuTimeMs < 100);
  const { wallTimeMs, hostWaitTimeMs } = sandbox.lastCallStats;
  assert.ok(wallTimeMs >= 290, `${wallTimeMs} ms`);
  assert.ok(hostWaitTimeMs >= 250 && hostWaitTimeMs <= wallTimeMs, `${hostWaitTimeMs} of ${wallTimeMs} ms`);
});

test('bytes cross both ways, without base64, sync and async', async () => {
  const seen = [];
  const sandbox = await loaded(
    {
      h: `import { reverse, concat, big } from "host:codec";
          export async function handler() {
            const bytes = new Uint8Array([1, 2, 3, 255]);
            const reversed = reverse(bytes, "label");
            const joined = await concat(bytes.buffer, new DataView(bytes.buffer, 2));
            let tooBig;
            try { big(5000); } catch (e) { tooBig = e.message; }
            return {
              typed: reversed instanceof Uint8Array && joined instanceof Uint8Array,
              reversed: Array.from(reversed),
              joined: Array.from(joined),
              tooBig,
            };
          }`,
    },
    (builder) => builder.maxResultSize(4096),
    (proto) =>
      proto
        .hostModule('codec')
        .register('reverse', (bytes, label) => {
          seen.push([bytes instanceof Uint8Array, label]);
          return Uint8Array.from(bytes).reverse();
        })
        .registerAsync('concat', async (a, b) => Buffer.concat([a, b]))
        .register('big', (n) => new ArrayBuffer(n)),
  );
  const result = await sandbox.callHandler('h', {});
  assert.deepEqual(seen, [[true, 'label']]);
  assert.equal(result.typed, true);
  assert.deepEqual(result.reversed, [255, 3, 2, 1]);
  assert.deepEqual(result.joined, [1, 2, 3, 255, 3, 255]);
  assert.match(result.tooBig, /its result is 5000 bytes, over the limit of 4096/);
});
