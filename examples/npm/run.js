'use strict';

// Bundles handler.js (which imports the npm libraries jose and uuid) with
// esbuild, runs it in a Warden sandbox, and checks what it returns against
// Node.js running the same libraries. Run from anywhere, after building the
// addon (see README):
//   node examples/npm/run.js [--in-node]
//
// It installs the pinned dependencies with `npm ci` when node_modules is
// missing or does not match package-lock.json. It exits 1, listing what
// failed, when any check fails. jose signs, verifies and encrypts with
// Web Crypto (`crypto.subtle`). --in-node runs the bundle in Node.js itself instead of the sandbox, which checks
// the checks: every one of them passes there.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const HERE = __dirname;
const BUNDLE = path.join(HERE, 'dist', 'handler.mjs');
const ALGORITHMS = ['HS256', 'RS256', 'ES256', 'EdDSA'];
// The signatures of these are deterministic: the sandbox must make the very
// token Node.js makes from the same key, header and claims.
const DETERMINISTIC = new Set(['HS256', 'RS256', 'EdDSA']);
const UUID_COUNT = 8;

/** Whether every package of package-lock.json (for this platform) is in node_modules at its locked version. */
function dependenciesInstalled() {
  const lock = JSON.parse(fs.readFileSync(path.join(HERE, 'package-lock.json'), 'utf8'));
  for (const [where, entry] of Object.entries(lock.packages)) {
    if (where === '') continue;
    if (entry.os && !entry.os.includes(process.platform)) continue;
    if (entry.cpu && !entry.cpu.includes(process.arch)) continue;
    try {
      const installed = JSON.parse(fs.readFileSync(path.join(HERE, where, 'package.json'), 'utf8'));
      if (installed.version !== entry.version) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function installDependencies() {
  if (dependenciesInstalled()) return;
  console.error('npm-example: installing the pinned dependencies (npm ci)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: HERE, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!dependenciesInstalled()) throw new Error('npm ci did not install what package-lock.json pins');
}

/** The same as `npx esbuild handler.js --bundle --format=esm --platform=neutral --main-fields=module,main --outfile=dist/handler.mjs`. */
async function bundle() {
  const esbuild = require('esbuild');
  await esbuild.build({
    absWorkingDir: HERE,
    entryPoints: ['handler.js'],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    outfile: BUNDLE,
    logLevel: 'warning',
  });
  return fs.readFileSync(BUNDLE, 'utf8');
}

/** Keys, claims and tokens made by Node.js, for the event and for checking the results. */
async function nodeSide(jose, uuid) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'urn:warden:npm-example',
    aud: 'urn:warden:tests',
    sub: 'ada',
    iat: now,
    exp: now + 600,
    jti: uuid.v4(),
    name: 'Ada Lovelace ✓',
    roles: ['admin', 'reader'],
  };
  const event = {
    count: UUID_COUNT,
    name: 'warden.example',
    claims,
    algorithms: ALGORITHMS,
    hsSecret: jose.base64url.encode(crypto.getRandomValues(new Uint8Array(32))),
    privateJwks: {},
    publicJwks: {},
    pem: {},
    nodeTokens: {},
    jwe: { key: jose.base64url.encode(crypto.getRandomValues(new Uint8Array(32))), reply: 'sealed in the sandbox ✓' },
  };
  const signingKeys = { HS256: jose.base64url.decode(event.hsSecret) };
  const verifyingKeys = { HS256: signingKeys.HS256 };
  for (const alg of ['RS256', 'ES256', 'EdDSA']) {
    const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
    signingKeys[alg] = privateKey;
    verifyingKeys[alg] = publicKey;
    event.privateJwks[alg] = await jose.exportJWK(privateKey);
    event.publicJwks[alg] = await jose.exportJWK(publicKey);
    event.pem[alg] = { pkcs8: await jose.exportPKCS8(privateKey), spki: await jose.exportSPKI(publicKey) };
  }
  for (const alg of ALGORITHMS) {
    event.nodeTokens[alg] = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg, kid: `warden-${alg}` })
      .sign(signingKeys[alg]);
  }
  event.jwe.plaintext = 'sealed by Node.js ✓';
  event.jwe.token = await new jose.CompactEncrypt(new TextEncoder().encode(event.jwe.plaintext))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .encrypt(jose.base64url.decode(event.jwe.key));
  return { event, verifyingKeys };
}

async function runInNode(event) {
  const { handler } = await import(require('node:url').pathToFileURL(BUNDLE).href);
  const start = performance.now();
  const result = JSON.parse(JSON.stringify(await handler(JSON.parse(JSON.stringify(event)))));
  return { result, loadMs: 0, callMs: performance.now() - start };
}

async function runInSandbox(source, event) {
  const { SandboxBuilder } = require('../../bindings/node');
  const builder = new SandboxBuilder().print((level, line) => console.error(`[guest ${level}] ${line}`));
  const js = await (await builder.build()).loadRuntime();
  const loadStart = performance.now();
  await js.addHandler('npm', source, { wallClockTimeoutMs: 10_000 });
  const sandbox = await js.getLoadedSandbox();
  const loadMs = performance.now() - loadStart;
  try {
    const result = await sandbox.callHandler('npm', event, { wallClockTimeoutMs: 30_000, cpuTimeoutMs: 20_000 });
    return { result, loadMs, callMs: sandbox.lastCallStats.wallTimeMs };
  } finally {
    sandbox.dispose();
  }
}

/** Runs the checks; each is [group, name, fn], where fn throws (or returns a message) on a mismatch. */
async function check(checks) {
  const outcomes = [];
  for (const [group, name, fn] of checks) {
    try {
      const message = await fn();
      outcomes.push({ group, name, failure: typeof message === 'string' ? message : null });
    } catch (error) {
      outcomes.push({ group, name, failure: error && error.message ? error.message : String(error) });
    }
  }
  return outcomes;
}

function ok(value) {
  if ('error' in value) throw new Error(`threw in the sandbox: ${value.error}`);
  return value.ok;
}

function uuidChecks(uuid, event, got) {
  const u = got.uuid;
  const expectVersion = (id, version) => {
    if (!uuid.validate(id)) throw new Error(`${JSON.stringify(id)} is not a valid UUID`);
    if (uuid.version(id) !== version) throw new Error(`${id} is version ${uuid.version(id)}, not ${version}`);
  };
  return [
    ['uuid', `v4 x${UUID_COUNT}: valid, version 4, distinct`, () => {
      u.v4.forEach((id) => expectVersion(id, 4));
      if (new Set(u.v4).size !== u.v4.length) throw new Error('repeated v4 UUIDs');
    }],
    ['uuid', `v7 x${UUID_COUNT}: valid, version 7, increasing, near Node's clock`, () => {
      u.v7.forEach((id) => expectVersion(id, 7));
      if (u.v7.some((id, i) => i > 0 && id <= u.v7[i - 1])) throw new Error(`not increasing: ${u.v7.join(' ')}`);
      const ms = parseInt(u.v7[0].replace(/-/g, '').slice(0, 12), 16);
      if (Math.abs(ms - Date.now()) > 60_000) throw new Error(`its time is ${new Date(ms).toISOString()}`);
    }],
    ['uuid', 'v1 and v6: valid, of their versions', () => {
      expectVersion(u.v1, 1);
      expectVersion(u.v6, 6);
    }],
    ['uuid', 'v5 and v3 (name-based): the same as Node', () => {
      const v5 = uuid.v5(event.name, uuid.v5.URL);
      const v3 = uuid.v3(event.name, uuid.v3.DNS);
      if (u.v5 !== v5) throw new Error(`v5 ${u.v5}, Node ${v5}`);
      if (u.v3 !== v3) throw new Error(`v3 ${u.v3}, Node ${v3}`);
    }],
    ['uuid', 'validate, version, parse/stringify, NIL/MAX in the sandbox', () => {
      if (!u.allValid || !u.invalidRejected || !u.roundTrip) throw new Error(JSON.stringify(u));
      if (u.versions.join() !== [...u.v4.map(() => 4), ...u.v7.map(() => 7)].join()) throw new Error(`versions ${u.versions}`);
      if (u.nilAndMax.join() !== [uuid.NIL, uuid.MAX].join()) throw new Error(`${u.nilAndMax}`);
    }],
  ];
}

function joseChecks(jose, event, verifyingKeys, got) {
  const same = (what, a, b) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: ${JSON.stringify(a)}, Node ${JSON.stringify(b)}`);
  };
  const checks = [
    ['jose', 'decodeJwt, decodeProtectedHeader, UnsecuredJWT, base64url (no WebCrypto needed)', () => {
      const j = got.jose;
      same('decoded claims', j.decodedClaims, jose.decodeJwt(event.nodeTokens.HS256));
      same('decoded header', j.decodedHeader, jose.decodeProtectedHeader(event.nodeTokens.ES256));
      same('unsecured JWT', j.unsecured, new jose.UnsecuredJWT(event.claims).encode());
      same('unsecured claims', j.unsecuredClaims, event.claims);
      same('base64url', j.base64url, 'warden ✓');
    }],
  ];
  const subtle = [];
  for (const alg of ALGORITHMS) {
    subtle.push([`jose+subtle`, `${alg}: the sandbox's token verifies in Node${DETERMINISTIC.has(alg) ? ' and is the same as Node\'s' : ''}`, async () => {
      const token = ok(got.sign[alg]);
      const { payload, protectedHeader } = await jose.jwtVerify(token, verifyingKeys[alg], { algorithms: [alg] });
      same('claims', payload, event.claims);
      same('header', protectedHeader, { alg, kid: `warden-${alg}` });
      if (DETERMINISTIC.has(alg) && token !== event.nodeTokens[alg]) throw new Error(`token ${token}, Node ${event.nodeTokens[alg]}`);
    }]);
    subtle.push([`jose+subtle`, `${alg}: Node's token verifies in the sandbox`, () => {
      const { payload, protectedHeader } = ok(got.verify[alg]);
      same('claims', payload, event.claims);
      same('header', protectedHeader, { alg, kid: `warden-${alg}` });
    }]);
  }
  subtle.push(['jose+subtle', 'a tampered HS256 token fails to verify in the sandbox', () => {
    if (!('error' in got.tampered)) throw new Error('it verified');
    if (!got.tampered.error.startsWith('JWSSignatureVerificationFailed')) throw new Error(`wrong error: ${got.tampered.error}`);
  }]);
  subtle.push(['jose+subtle', 'ES256 key pair generated in the sandbox: its token verifies in Node', async () => {
    const { token, publicJwk } = ok(got.generated);
    const { payload } = await jose.jwtVerify(token, await jose.importJWK(publicJwk, 'ES256'));
    same('claims', payload, event.claims);
  }]);
  subtle.push(['jose+subtle', 'JWE dir/A256GCM: decrypts Node\'s, Node decrypts the sandbox\'s', async () => {
    const { plaintext, token } = ok(got.jwe);
    same('plaintext', plaintext, event.jwe.plaintext);
    const opened = await jose.compactDecrypt(token, jose.base64url.decode(event.jwe.key));
    same('reply', new TextDecoder().decode(opened.plaintext), event.jwe.reply);
  }]);
  return [...checks, ...subtle];
}

async function main() {
  installDependencies();
  const source = await bundle();
  const jose = await import('jose');
  const uuid = await import('uuid');
  const { event, verifyingKeys } = await nodeSide(jose, uuid);
  const inNode = process.argv.includes('--in-node');
  const { result: got, loadMs, callMs } = await (inNode ? runInNode(event) : runInSandbox(source, event));

  const outcomes = await check([...uuidChecks(uuid, event, got), ...joseChecks(jose, event, verifyingKeys, got)]);
  const failed = outcomes.filter((o) => o.failure);

  const size = (Buffer.byteLength(source) / 1024).toFixed(0);
  const where = inNode ? 'in Node.js itself (--in-node)' : `in a Warden sandbox, loaded in ${loadMs.toFixed(1)} ms`;
  console.log(`bundle: examples/npm/dist/handler.mjs, ${size} KiB (jose, uuid); run ${where}, called in ${callMs.toFixed(1)} ms`);
  for (const o of outcomes) {
    console.log(`${o.failure ? 'FAIL' : 'ok  '} ${o.group}: ${o.name}${o.failure ? `\n       ${o.failure}` : ''}`);
  }
  if (failed.length > 0) {
    console.error(`npm-example: ${failed.length} of ${outcomes.length} checks failed`);
    process.exit(1);
  }
  console.log(`npm-example: ${outcomes.length} of ${outcomes.length} checks passed`);
}

main().catch((error) => {
  console.error('npm-example:', error);
  process.exit(1);
});
