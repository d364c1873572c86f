// A CPU-time budget inside a longer wall-clock budget: a handler that
// computes without end uses up its CPU budget first, and the CPU-time
// monitor is the one that kills it.
//   node examples/node/cpu-timeout.js

const assert = require('node:assert/strict');
const { SandboxBuilder, ErrorCode } = require('../../bindings/node');

async function main() {
  const sandbox = await (await new SandboxBuilder().build()).loadRuntime();
  await sandbox.addHandler('crunch', 'export function handler() { let x = 0; for (;;) x = (x * 31 + 7) % 1000003; }');
  await sandbox.addHandler('quick', 'export function handler(e) { return e.n * 2; }');
  const loaded = await sandbox.getLoadedSandbox();
  const snapshot = await loaded.snapshot();
  const budget = { wallClockTimeoutMs: 5_000, cpuTimeoutMs: 50 };

  console.log('quick call:', await loaded.callHandler('quick', { n: 21 }, budget));

  const started = Date.now();
  try {
    await loaded.callHandler('crunch', {}, budget);
    assert.fail('the handler should have been killed');
  } catch (error) {
    assert.equal(error.code, ErrorCode.CANCELLED);
    assert.equal(error.monitor, 'cpu-time');
    const stats = loaded.lastCallStats;
    console.log(`killed by the ${error.monitor} monitor after ${Date.now() - started} ms`);
    console.log(`guest CPU time ${stats.guestCpuTimeMs.toFixed(1)} ms, wall time ${stats.wallTimeMs.toFixed(1)} ms`);
  }

  await loaded.restore(snapshot);
  console.log('after restore:', await loaded.callHandler('quick', { n: 2 }, budget));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
