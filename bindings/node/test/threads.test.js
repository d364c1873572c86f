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

test('a disposed sandbox leaves its thread for the next one, and idle threads end', { skip: process.platform !== 'linux' }, () => {
  // Counts the process's sandbox threads by name, from /proc.
  const source = `
    const fs = require('node:fs');
    const warden = require(${MODULE});
    const threads = () => fs.readdirSync('/proc/self/task')
      .filter((task) => { try { return fs.readFileSync('/proc/self/task/' + task + '/comm', 'utf8').trim() === 'warden-sandbox'; } catch { return false; } })
      .length;
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    async function loaded() {
      const js = await (await new warden.SandboxBuilder().build()).loadRuntime();
      await js.addHandler('echo', 'function handler(e) { return e; }');
      return js.getLoadedSandbox();
    }
    (async () => {
      let most = 0;
      for (let i = 0; i < 20; i++) {
        const sandbox = await loaded();
        await sandbox.callHandler('echo', { i });
        most = Math.max(most, threads());
        sandbox.dispose();
        await sleep(5);
      }
      await sleep(200);
      console.log('one after another', most, threads());
      const many = await Promise.all(Array.from({ length: 12 }, loaded));
      for (const sandbox of many) await sandbox.callHandler('echo', {});
      console.log('twelve alive', threads());
      for (const sandbox of many) sandbox.dispose();
      await sleep(500);
      console.log('twelve disposed', threads());
      const deadline = Date.now() + 20_000;
      while (threads() > 0 && Date.now() < deadline) await sleep(100);
      console.log('later', threads());
    })();`;
  // One thread serves all twenty sandboxes in turn and stays idle after;
  // of twelve, at most eight stay idle; idle threads end within seconds.
  assertClean(
    run(source),
    'one after another 1 1\ntwelve alive 12\ntwelve disposed 8\nlater 0\n',
  );
});

test('on one processor, where no thread spins, calls, host functions and kills still work', {
  skip: process.platform !== 'linux' || spawnSync('taskset', ['-c', '0', 'true']).status !== 0,
}, () => {
  const source = `
    const warden = require(${MODULE});
    (async () => {
      const proto = await new warden.SandboxBuilder().build();
      proto.hostModule('host')
        .register('add', (a, b) => a + b)
        .registerAsync('later', (x) => new Promise((resolve) => setTimeout(() => resolve(x * 2), 5)));
      const js = await proto.loadRuntime();
      await js.addHandler('sum', 'import { add, later } from "host:host"; export async function handler(e) { return add(e.n, await later(e.n)); }');
      await js.addHandler('spin', 'function handler() { for (;;) {} }');
      await js.addHandler('echo', 'function handler(e) { return e.n; }');
      const sandbox = await js.getLoadedSandbox();
      let total = 0;
      for (let n = 0; n < 200; n++) total += await sandbox.callHandler('sum', { n });
      const sync = sandbox.callHandlerSync('echo', { n: 3 });
      const killed = await sandbox.callHandler('spin', {}, { wallClockTimeoutMs: 50 }).catch((e) => e.code);
      console.log(require('node:os').availableParallelism(), total, sync, killed, sandbox.poisoned);
    })();`;
  const child = spawnSync('taskset', ['-c', '0', process.execPath, '-e', source], { encoding: 'utf8', timeout: 60_000 });
  assertClean({ status: child.status, signal: child.signal, stdout: child.stdout, stderr: child.stderr },
    '1 59700 3 ERR_CANCELLED true\n');
});
