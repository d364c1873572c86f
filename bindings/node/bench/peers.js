'use strict';

// Warden against the sandboxes a Node.js user would pick instead, on the
// same workloads, in one run: quickjs-emscripten (QuickJS compiled to wasm,
// run by V8) and isolated-vm (V8 isolates). Each workload of each peer runs
// in a child process of its own, so one cannot warm or fill memory for
// another, and the peers of one workload run back to back.
//
//   (cd bindings/node && npm ci && node scripts/build.js --release)
//   node bindings/node/bench/peers.js [--only fresh,echo,...] [--rounds N]
//
// Prints medians and each figure's ratio to quickjs-emscripten's; with
// --rounds N, the median of N runs of each figure, the peers taking turns.
// Warden runs with its defaults (a collection after every call);
// WARDEN_GC=false leaves it out.
// `taskset -c 0 node bench/peers.js` measures the process on one core.

const { execFileSync } = require('node:child_process');
const path = require('node:path');

const PEERS = ['warden', 'warden-sync', 'quickjs-emscripten', 'isolated-vm'];
const SMALL = { id: 12345, user: 'alice', action: 'login', ok: true, tags: ['a', 'b'] };
const LARGE = { items: Array.from({ length: 120 }, (_, i) => ({ id: i, name: `item-${i}`, price: i * 1.25, tags: ['x', 'y'] })) };
const ECHO = 'function handler(e) { return e; }';
const FIB = 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); } function handler() { return fib(25); }';
const SPIN = 'function handler() { for (;;) {} }';
const LIMIT_MS = 100;
// Warden collects garbage after each call unless told not to; the peers do
// not. WARDEN_GC=false measures Warden without it.
const GC = process.env.WARDEN_GC !== 'false';

// --- adapters: each loads `source` and returns { call(event, limitMs), dispose() } ---

// A killed Warden sandbox is poisoned until it is restored: `restore`
// returns it to the snapshot taken when it was loaded. `warden` calls
// through `callHandler` (a promise, the call on the sandbox's thread),
// `warden-sync` through `callHandlerSync` (on the calling thread, as the
// peers call).
async function wardenSandbox(source, sync = false) {
  const { SandboxBuilder } = require('..');
  const js = await (await new SandboxBuilder().build()).loadRuntime();
  await js.addHandler('h', source);
  const sandbox = await js.getLoadedSandbox();
  let snapshot;
  return {
    call: sync
      ? async (event, limitMs) => sandbox.callHandlerSync('h', event, { wallClockTimeoutMs: limitMs, gc: GC })
      : (event, limitMs) => sandbox.callHandler('h', event, { wallClockTimeoutMs: limitMs, gc: GC }),
    restore: async () => {
      snapshot ??= await sandbox.snapshot();
      if (sandbox.poisoned) await sandbox.restore(snapshot);
    },
    dispose: () => sandbox.dispose(),
  };
}

let quickjs;
async function quickjsSandbox(source) {
  const { getQuickJS, shouldInterruptAfterDeadline } = require('quickjs-emscripten');
  quickjs ??= await getQuickJS();
  const runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(64 << 20);
  const vm = runtime.newContext();
  vm.unwrapResult(vm.evalCode(`${source}\nglobalThis.__call = (s) => JSON.stringify(handler(JSON.parse(s)));`)).dispose();
  const call = vm.getProp(vm.global, '__call');
  return {
    call: async (event, limitMs) => {
      runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + limitMs));
      const arg = vm.newString(JSON.stringify(event));
      const result = vm.callFunction(call, vm.undefined, arg);
      arg.dispose();
      const handle = vm.unwrapResult(result);
      const out = JSON.parse(vm.getString(handle));
      handle.dispose();
      return out;
    },
    dispose: () => {
      call.dispose();
      vm.dispose();
      runtime.dispose();
    },
  };
}

async function isolatedSandbox(source) {
  const ivm = require('isolated-vm');
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  const context = isolate.createContextSync();
  isolate.compileScriptSync(`${source}\nglobalThis.__call = (s) => JSON.stringify(handler(JSON.parse(s)));`).runSync(context);
  const call = context.global.getSync('__call', { reference: true });
  return {
    call: async (event, limitMs) => JSON.parse(call.applySync(undefined, [JSON.stringify(event)], { timeout: limitMs })),
    dispose: () => isolate.dispose(),
  };
}

const ADAPTERS = {
  warden: (source) => wardenSandbox(source),
  'warden-sync': (source) => wardenSandbox(source, true),
  'quickjs-emscripten': quickjsSandbox,
  'isolated-vm': isolatedSandbox,
};

// --- workloads: each returns { label: value } for one peer ---

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** This process's proportional set size in KB, where Linux tells it. */
function pss() {
  try {
    const rollup = require('node:fs').readFileSync('/proc/self/smaps_rollup', 'utf8');
    return Number(rollup.match(/^Pss:\s+(\d+) kB/m)[1]);
  } catch {
    return null;
  }
}

async function latency(make, event, calls) {
  const sandbox = await make(ECHO);
  for (let i = 0; i < 2000; i++) await sandbox.call(event, 1000);
  const samples = [];
  for (let i = 0; i < calls; i++) {
    const start = now();
    await sandbox.call(event, 1000);
    samples.push(now() - start);
  }
  sandbox.dispose();
  return median(samples);
}

const WORKLOADS = {
  async fresh(make) {
    const samples = [];
    for (let i = 0; i < 200; i++) {
      const start = now();
      const sandbox = await make(ECHO);
      await sandbox.call(SMALL, 1000);
      samples.push(now() - start);
      sandbox.dispose();
    }
    return { 'fresh sandbox + load + first call (ms)': median(samples.slice(20)) };
  },
  async echo(make) {
    return {
      'echo 70 B, limit armed (us)': (await latency(make, SMALL, 20000)) * 1000,
      'echo 11 KB, limit armed (us)': (await latency(make, LARGE, 3000)) * 1000,
    };
  },
  async throughput(make) {
    const sandbox = await make(ECHO);
    for (let i = 0; i < 2000; i++) await sandbox.call(SMALL, 1000);
    const rates = [];
    for (let round = 0; round < 5; round++) {
      const start = now();
      let calls = 0;
      while (now() - start < 400) {
        await sandbox.call(SMALL, 1000);
        calls++;
      }
      rates.push(calls / ((now() - start) / 1000));
    }
    sandbox.dispose();
    return { 'echo calls/s, limit armed, one caller': median(rates) };
  },
  async fib(make) {
    const sandbox = await make(FIB);
    let fastest = Infinity;
    for (let i = 0; i < 15; i++) {
      const start = now();
      await sandbox.call({}, 10000);
      fastest = Math.min(fastest, now() - start);
    }
    sandbox.dispose();
    return { 'fib(25), fastest call (ms)': fastest };
  },
  async kill(make) {
    const sandbox = await make(SPIN);
    await sandbox.restore?.();
    const overshoot = [];
    for (let i = 0; i < 25; i++) {
      const start = now();
      try {
        await sandbox.call({}, LIMIT_MS);
      } catch {
        overshoot.push(now() - start - LIMIT_MS);
      }
      if (sandbox.restore) await sandbox.restore();
    }
    sandbox.dispose();
    return {
      'kill overshoot past 100 ms, median (ms)': median(overshoot),
      'kill overshoot past 100 ms, p99 (ms)': percentile(overshoot, 0.99),
    };
  },
  async memory(make) {
    const live = [];
    for (let i = 0; i < 5; i++) (await make(ECHO)).dispose();
    global.gc?.();
    const before = { rss: process.memoryUsage().rss, pss: pss() };
    for (let i = 0; i < 100; i++) {
      const sandbox = await make(ECHO);
      await sandbox.call(SMALL, 1000);
      live.push(sandbox);
    }
    global.gc?.();
    const after = { rss: process.memoryUsage().rss, pss: pss() };
    for (const sandbox of live) sandbox.dispose();
    const rows = { 'resident memory per live sandbox, 100 live (KB)': (after.rss - before.rss) / 100 / 1024 };
    // Resident memory counts a page shared copy-on-write once per mapping
    // of it; the proportional share counts what the machine really spends.
    if (before.pss !== null) rows['  proportional share (PSS) of it (KB)'] = (after.pss - before.pss) / 100;
    return rows;
  },
};

async function child(peer, workload) {
  const result = await WORKLOADS[workload](ADAPTERS[peer]);
  process.stdout.write(JSON.stringify(result));
}

function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args[2]);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : Object.keys(WORKLOADS);
  const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 1;
  if (!(rounds >= 1)) throw new Error('--rounds takes a count of at least 1');
  // Every round runs each peer once, back to back, so that a slow stretch
  // of the machine falls on all of them; each figure is the median of its
  // rounds.
  const samples = new Map();
  for (const workload of only) {
    if (!WORKLOADS[workload]) throw new Error(`no workload ${workload}: ${Object.keys(WORKLOADS).join(', ')}`);
    for (let round = 0; round < rounds; round++) {
      for (const peer of PEERS) {
        const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--child', peer, workload], {
          cwd: path.join(__dirname, '..'),
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        for (const [label, value] of Object.entries(JSON.parse(out))) {
          if (!samples.has(label)) samples.set(label, {});
          (samples.get(label)[peer] ??= []).push(value);
        }
      }
    }
  }
  const rows = new Map(
    [...samples].map(([label, values]) => [
      label,
      Object.fromEntries(Object.entries(values).map(([peer, list]) => [peer, median(list)])),
    ]),
  );
  const format = (v) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
  const ratios = ['warden', 'warden-sync'];
  console.log(
    ['workload (median)'.padEnd(50), ...PEERS.map((p) => p.padStart(20)), ...ratios.map((r) => `${r} / qjs-em`.padStart(22))].join(''),
  );
  for (const [label, values] of rows) {
    const ratio = (peer) => `${(values[peer] / values['quickjs-emscripten']).toFixed(2)}x`;
    console.log([label.padEnd(50), ...PEERS.map((p) => format(values[p]).padStart(20)), ...ratios.map((r) => ratio(r).padStart(22))].join(''));
  }
}

main();
