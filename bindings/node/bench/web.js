'use strict';

// Web platform operations in Warden against Node.js doing the same, in the
// same run. Build the addon optimized first: `npm run build` (or
// `node scripts/build.js --release`), then `node bench/web.js`.
//
// Both sides run the same source (OPERATIONS below) and time themselves
// with performance.now() over `iterations` back-to-back operations, so the
// figures are the cost of one operation inside each runtime: Warden's leave
// out the callHandler round trip (bench/callhandler.js measures that). A
// round is one call per side, sides alternating, so machine noise hits both
// alike; the figure is the median of the rounds. An operation that throws in
// either runtime prints `unavailable: <error>` and is skipped.

const warden = require('..');

const ROUNDS = Number(process.env.WARDEN_BENCH_ROUNDS || 15);

// Runs in both runtimes: `measure(name, iterations)` resolves with the
// microseconds one operation took, averaged over `iterations`.
const OPERATIONS = String.raw`
function cloneInput() {
  const users = [];
  for (let i = 0; i < 46; i++) {
    users.push({
      id: i,
      name: 'user-' + i,
      email: 'user' + i + '@example.com',
      active: i % 3 !== 0,
      tags: ['alpha', 'beta', 'gamma'].slice(0, 1 + (i % 3)),
      profile: { age: 20 + i, address: { street: i + ' Main Street', city: 'Springfield', zip: String(10000 + i) }, scores: [i * 1.5, i * 2.25, i / 3] },
    });
  }
  return { version: 3, generated: '2025-01-01T00:00:00Z', users, meta: { count: users.length, source: 'bench', nested: { a: [1, 2, [3, 4, { b: 'c' }]] } } };
}

const SETUP = {
  digest() {
    const data = new Uint8Array(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 255;
    return { async: true, run: () => crypto.subtle.digest('SHA-256', data) };
  },
  getRandomValues() {
    const array = new Uint8Array(65536);
    return { run: () => crypto.getRandomValues(array) };
  },
  url() {
    return { run: () => new URL('https://user:pw@example.com:8080/a/b/../c?x=1&y=2#frag') };
  },
  structuredClone() {
    const value = cloneInput();
    return { run: () => structuredClone(value) };
  },
};

async function measure(name, iterations) {
  const op = SETUP[name]();
  let sink = 0;
  // Once untimed: a first use may set things up.
  sink += op.async ? (await op.run()) ? 1 : 0 : op.run() ? 1 : 0;
  const start = performance.now();
  if (op.async) {
    for (let i = 0; i < iterations; i++) if (await op.run()) sink++;
  } else {
    for (let i = 0; i < iterations; i++) if (op.run()) sink++;
  }
  const elapsed = performance.now() - start;
  if (sink !== iterations + 1) throw new Error('an operation returned nothing');
  return (elapsed * 1000) / iterations;
}
`;

const CASES = [
  { name: 'digest', label: "crypto.subtle.digest('SHA-256', 1 MiB)", iterations: 20 },
  { name: 'getRandomValues', label: 'crypto.getRandomValues(new Uint8Array(65536))', iterations: 200 },
  { name: 'url', label: "new URL('https://user:pw@example.com:8080/a/b/../c?x=1&y=2#frag')", iterations: 5000 },
  { name: 'structuredClone', label: null, iterations: 100 },
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function describe(error) {
  const guest = error && error.guestError;
  if (guest) return `${guest.name}: ${guest.message}`;
  return error && error.name && error.message ? `${error.name}: ${error.message}` : String(error);
}

async function main() {
  const node = new Function(`${OPERATIONS}; return { measure, cloneInput };`)();
  const js = await (await new warden.SandboxBuilder().build()).loadRuntime();
  await js.addHandler('measure', `${OPERATIONS}
    export function handler(event) { return measure(event.name, event.iterations); }`);
  const sandbox = await js.getLoadedSandbox();
  const options = { wallClockTimeoutMs: 60_000 };
  const inWarden = (name, iterations) => sandbox.callHandler('measure', { name, iterations }, options);

  const cloneBytes = JSON.stringify(node.cloneInput()).length;
  CASES[3].label = `structuredClone(${(cloneBytes / 1024).toFixed(1)} KB object: nested objects, arrays, strings)`;

  console.log(`Timed inside each runtime with performance.now(); median of ${ROUNDS} rounds, µs per operation.`);
  console.log(`Warden's figure leaves out the callHandler round trip. Node.js ${process.version}.\n`);
  const width = Math.max(...CASES.map((c) => c.label.length));
  console.log(`${'operation'.padEnd(width)}  ${'Warden'.padStart(10)}  ${'Node.js'.padStart(10)}  Warden/Node`);
  for (const { name, label, iterations } of CASES) {
    // A first round of each, untimed: it also tells whether the operation exists.
    try {
      await inWarden(name, 1);
      await node.measure(name, 1);
    } catch (error) {
      console.log(`${label.padEnd(width)}  unavailable: ${describe(error)}`);
      continue;
    }
    const ours = [];
    const theirs = [];
    for (let round = 0; round < ROUNDS; round++) {
      ours.push(await inWarden(name, iterations));
      theirs.push(await node.measure(name, iterations));
    }
    const [w, n] = [median(ours), median(theirs)];
    console.log(`${label.padEnd(width)}  ${w.toFixed(2).padStart(10)}  ${n.toFixed(2).padStart(10)}  ${(w / n).toFixed(2)}x   (x${iterations} a round)`);
  }
  sandbox.dispose();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
