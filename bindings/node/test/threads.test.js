'use strict';

// Sandboxes outlive their JavaScript: a process that exits, or a worker
// thread that ends, while a sandbox thread is still busy must end cleanly.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const MODULE = JSON.stringify(path.join(__dirname, '..'));
const SLOW = 'function handler(e) { const end = Date.now() + e.ms; while (Date.now() < end) {} return e; }';

/** Runs `source` in a fresh Node.js process; returns its status and output. */
function run(source) {
  const child = spawnSync(process.execPath, ['-e', source], { encoding: 'utf8', timeout: 30_000 });
  return { status: child.status, signal: child.signal, stdout: child.stdout, stderr: child.stderr };
}

function assertClean(outcome, stdout) {
  assert.equal(outcome.signal, null, `killed by ${outcome.signal}: ${outcome.stderr}`);
  assert.equal(outcome.status, 0, outcome.stderr);
  assert.equal(outcome.stdout, stdout);
}

test('a process exits cleanly while a sandbox thread is still busy', () => {
  const prelude = `
    const warden = require(${MODULE});
    async function loaded() {
      const js = await (await new warden.SandboxBuilder().build()).loadRuntime();
      await js.addHandler('slow', ${JSON.stringify(SLOW)});
      return js.getLoadedSandbox();
    }`;
  // Nobody awaits unload(): its promise keeps the event loop alive until the
  // sandbox thread has built the fresh runtime.
  const unawaited = `${prelude}
    (async () => {
      for (let i = 0; i < 3; i++) {
        const sandbox = await loaded();
        await sandbox.callHandler('slow', { ms: 1 });
        sandbox.unload().then((js) => console.log(js.constructor.name));
      }
    })();`;
  // process.exit() in the middle of a call: the sandbox thread reports back
  // after Node.js has begun tearing the environment down.
  const exited = `${prelude}
    loaded().then((sandbox) => {
      sandbox.callHandler('slow', { ms: 50 });
      setTimeout(() => process.exit(0), 10);
    });`;
  for (let round = 0; round < 5; round++) {
    assertClean(run(unawaited), 'JSSandbox\n'.repeat(3));
    assertClean(run(exited), '');
  }
});

test('sandboxes work in worker threads, and a terminated worker takes nothing down', () => {
  // The worker's call outlasts the spin in `callHandler`, so its promise is
  // settled through the worker's own event loop. Then a second worker is
  // terminated in the middle of a call; the process and the main thread's
  // sandboxes go on.
  const slow = `
    const warden = require(${MODULE});
    async function slow(ms) {
      const js = await (await new warden.SandboxBuilder().build()).loadRuntime();
      await js.addHandler('slow', ${JSON.stringify(SLOW)});
      return (await js.getLoadedSandbox()).callHandler('slow', { ms });
    }`;
  const worker = `${slow}
    const { parentPort, workerData } = require('node:worker_threads');
    if (workerData === 'busy') parentPort.postMessage('started');
    slow(workerData === 'busy' ? 300 : 30).then((r) => parentPort.postMessage(r));`;
  const main = `${slow}
    const { Worker } = require('node:worker_threads');
    const start = (data) => new Worker(${JSON.stringify(worker)}, { eval: true, workerData: data });
    const first = (w) => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    (async () => {
      console.log(JSON.stringify(await first(start('quick'))));
      const busy = start('busy');
      await first(busy);
      await sleep(100);
      await busy.terminate();
      await sleep(400);
      console.log(JSON.stringify(await slow(30)));
    })();`;
  assertClean(run(main), '{"ms":30}\n{"ms":30}\n');
});
