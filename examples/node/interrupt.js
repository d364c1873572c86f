// A wall-clock budget: a short loop finishes within it, a long one is
// killed, the sandbox is poisoned, and restoring a snapshot brings it back.
//   node examples/node/interrupt.js

const assert = require('node:assert/strict');
const { SandboxBuilder, ErrorCode } = require('../../bindings/node');

const LOOP = `
export function handler(event) {
  let sum = 0;
  for (let i = 0; i < event.iterations; i++) sum += i % 7;
  return { sum };
}`;

async function main() {
  const sandbox = await (await new SandboxBuilder().build()).loadRuntime();
  await sandbox.addHandler('loop', LOOP);
  const loaded = await sandbox.getLoadedSandbox();
  const snapshot = await loaded.snapshot();
  const budget = { wallClockTimeoutMs: 100 };

  const short = await loaded.callHandler('loop', { iterations: 1_000 }, budget);
  console.log('short loop:', short);

  try {
    await loaded.callHandler('loop', { iterations: 1e12 }, budget);
    assert.fail('the long loop should have been killed');
  } catch (error) {
    assert.equal(error.code, ErrorCode.CANCELLED);
    console.log(`long loop: ${error.code} by the ${error.monitor} monitor: ${error.message}`);
  }
  console.log('poisoned:', loaded.poisoned);
  assert.equal(loaded.poisoned, true);

  try {
    await loaded.callHandler('loop', { iterations: 1 });
  } catch (error) {
    console.log(`while poisoned: ${error.code}`);
    assert.equal(error.code, ErrorCode.POISONED);
  }

  await loaded.restore(snapshot);
  console.log('after restore, poisoned:', loaded.poisoned);
  console.log('short loop again:', await loaded.callHandler('loop', { iterations: 1_000 }, budget));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
