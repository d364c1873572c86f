'use strict';

// Snapshots saved to files and bytes, and sandboxes started from them.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { warden, loaded, rejectsWith, throwsWith } = require('./helpers');

const { ErrorCode, SandboxBuilder, Snapshot } = warden;

const COUNTER = 'let n = 0; const made = Math.random(); function handler(e) { return { n: ++n, made, e }; }';

function tempFile(name) {
  return path.join(os.tmpdir(), `warden-node-snapshot-${process.pid}-${name}`);
}

test('a saved snapshot starts a sandbox where the first left off', async () => {
  const first = await loaded({ count: COUNTER });
  const before = await first.callHandler('count', 'a');
  const file = tempFile('counter');
  (await first.snapshot()).save(file);
  try {
    const snapshot = Snapshot.load(file);
    assert.ok(snapshot.size > 0);
    const second = await (await new SandboxBuilder().build()).loadSnapshot(snapshot);
    assert.deepEqual(await second.callHandler('count', 'b'), { n: 2, made: before.made, e: 'b' });
    // Bytes work as files do, and a loaded snapshot restores a running sandbox.
    const again = Snapshot.fromBytes(snapshot.toBytes());
    await first.restore(again);
    assert.deepEqual(await first.callHandler('count', 'c'), { n: 2, made: before.made, e: 'c' });
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test('a snapshot file starts a sandbox read straight from disk, and is refused as Snapshot.load refuses it', async () => {
  const first = await loaded({ count: COUNTER });
  const before = await first.callHandler('count', 'a');
  const file = tempFile('direct');
  (await first.snapshot()).save(file);
  try {
    const second = await (await new SandboxBuilder().build()).loadSnapshotFile(file);
    assert.deepEqual(await second.callHandler('count', 'b'), { n: 2, made: before.made, e: 'b' });
    const bigger = await new SandboxBuilder().guestMemoryLimit(96 << 20).build();
    const mismatch = await rejectsWith(bigger.loadSnapshotFile(file), ErrorCode.INVALID_ARG);
    assert.equal(mismatch.kind, 'snapshot_mismatch');
    const damaged = fs.readFileSync(file);
    damaged[damaged.length - 100] ^= 1;
    fs.writeFileSync(file, damaged);
    const refused = await rejectsWith((await new SandboxBuilder().build()).loadSnapshotFile(file), ErrorCode.INVALID_ARG);
    assert.equal(refused.kind, 'invalid_snapshot');
    assert.equal(refused.message, throwsWith(() => Snapshot.load(file), ErrorCode.INVALID_ARG).message);
  } finally {
    fs.rmSync(file, { force: true });
  }
  const missing = await rejectsWith((await new SandboxBuilder().build()).loadSnapshotFile(tempFile('missing')), ErrorCode.INVALID_ARG);
  assert.equal(missing.kind, 'snapshot_io');
});

test('a snapshot needs the host functions it was made with', async () => {
  const withHost = await loaded(
    { add: 'import { add } from "host:math"; export function handler(e) { return add(e.a, e.b); }' },
    undefined,
    (proto) => proto.hostModule('math').register('add', (a, b) => a + b),
  );
  const snapshot = await withHost.snapshot();
  const bare = await new SandboxBuilder().build();
  const error = await rejectsWith(bare.loadSnapshot(snapshot), ErrorCode.INVALID_ARG);
  assert.equal(error.kind, 'snapshot_mismatch');
  assert.match(error.message, /needs host function `math\.add`/);
  // The prototype was consumed by the attempt.
  await rejectsWith(bare.loadSnapshot(snapshot), ErrorCode.CONSUMED);

  const same = await new SandboxBuilder().build();
  same.hostModule('math').register('add', (a, b) => a * b);
  const started = await same.loadSnapshot(snapshot);
  assert.equal(await started.callHandler('add', { a: 3, b: 4 }), 12);
});

test('files that are not snapshots, damaged ones and missing ones throw', async () => {
  const bytes = (await (await loaded({ count: COUNTER })).snapshot()).toBytes();
  const notOne = throwsWith(() => Snapshot.fromBytes(Buffer.from('{"not":"a snapshot"}')), ErrorCode.INVALID_ARG);
  assert.equal(notOne.kind, 'invalid_snapshot');
  const damaged = Buffer.from(bytes);
  damaged[damaged.length >> 1] ^= 1;
  assert.match(throwsWith(() => Snapshot.fromBytes(damaged), ErrorCode.INVALID_ARG).message, /damaged/);
  const missing = throwsWith(() => Snapshot.load(tempFile('missing')), ErrorCode.INVALID_ARG);
  assert.equal(missing.kind, 'snapshot_io');
  const snapshot = Snapshot.fromBytes(bytes);
  assert.equal(throwsWith(() => snapshot.save(path.join(tempFile('no-dir'), 's')), ErrorCode.INVALID_ARG).kind, 'snapshot_io');
  assert.throws(() => Snapshot.fromBytes('text'));
});
