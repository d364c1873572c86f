'use strict';

// callHandler round trip against Rust-level handle_event, measured in the
// same run. Build the addon optimized first: `npm run build` (or
// `node scripts/build.js --release`), then `node bench/callhandler.js`.

const warden = require('..');
const native = require(process.env.WARDEN_NODE_ADDON || require('node:path').join(__dirname, '..', 'warden.node'));

const EVENT = { id: 12345, user: 'alice', action: 'login', ok: true, tags: ['a', 'b'] };
const EVENT_JSON = JSON.stringify(EVENT);
const ROUNDS = 31;
const PER_ROUND = 5000;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function perCall(sandbox, options) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) await sandbox.callHandler('echo', EVENT, options);
  return Number(process.hrtime.bigint() - start) / PER_ROUND / 1000;
}

function perSyncCall(sandbox, options) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) sandbox.callHandlerSync('echo', EVENT, options);
  return Number(process.hrtime.bigint() - start) / PER_ROUND / 1000;
}

async function main() {
  const js = await (await new warden.SandboxBuilder().build()).loadRuntime();
  await js.addHandler('echo', 'function handler(e) { return e; }');
  const sandbox = await js.getLoadedSandbox();
  const both = { wallClockTimeoutMs: 10_000, cpuTimeoutMs: 10_000 };
  for (let i = 0; i < 5000; i++) {
    await sandbox.callHandler('echo', EVENT);
    await sandbox.callHandler('echo', EVENT, both);
  }
  const plain = [];
  const monitored = [];
  const rust = [];
  const rustMonitored = [];
  const sync = [];
  const syncMonitored = [];
  // Interleave, so machine noise hits every series alike.
  for (let round = 0; round < ROUNDS; round++) {
    plain.push(await perCall(sandbox, undefined));
    monitored.push(await perCall(sandbox, both));
    rust.push(native.__rustEchoMedianNs(EVENT_JSON, PER_ROUND, false) / 1000);
    rustMonitored.push(native.__rustEchoMedianNs(EVENT_JSON, PER_ROUND, true) / 1000);
    sync.push(perSyncCall(sandbox, undefined));
    syncMonitored.push(perSyncCall(sandbox, both));
  }
  const [p, m, r, rm] = [median(plain), median(monitored), median(rust), median(rustMonitored)];
  // The cost of the timeouts: the median of each round's difference, so a
  // noisy stretch of the run affects both sides of a difference alike.
  const added = median(monitored.map((value, round) => value - plain[round]));
  console.log(`Rust handle_event (echo, ${EVENT_JSON.length}-byte event):       ${r.toFixed(2)} µs`);
  console.log(`callHandler round trip, no timeout:            ${p.toFixed(2)} µs  = ${(p / r).toFixed(2)}x Rust (target <= 3x)`);
  console.log(`callHandler round trip, both timeouts:         ${m.toFixed(2)} µs  = +${added.toFixed(2)} µs (target <= 5 µs more)`);
  console.log(`Rust handle_event_with_monitor, both monitors: ${rm.toFixed(2)} µs`);
  const [s, sm] = [median(sync), median(syncMonitored)];
  console.log(`callHandlerSync, no timeout:                   ${s.toFixed(2)} µs  = ${(s / r).toFixed(2)}x Rust`);
  console.log(`callHandlerSync, both timeouts:                ${sm.toFixed(2)} µs  = ${(sm / rm).toFixed(2)}x Rust with both monitors`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
