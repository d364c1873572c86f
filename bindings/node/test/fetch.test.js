'use strict';

// `fetch` in handlers through the Node bindings: denied by default, allowed
// origins only, redirects within the list, names that resolve to loopback
// refused. The servers are ones the tests start on 127.0.0.1.

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { warden, loaded, rejectsWith } = require('./helpers');

const { ErrorCode } = warden;

/** Starts a server answering with `route(request, body)`; resolves with it and its origin. */
async function serve(route) {
  const received = [];
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      received.push({ method: request.method, url: request.url, headers: request.headers, body });
      route(request, body, response);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { server, port, origin: `http://127.0.0.1:${port}`, received };
}

const route = (request, body, response) => {
  if (request.url.startsWith('/to?')) {
    response.writeHead(302, { location: decodeURIComponent(request.url.slice(4)) });
    response.end();
  } else {
    response.writeHead(200, { 'content-type': 'text/plain', 'x-test': 'yes' });
    response.end(`${request.method} ${request.url} ${body}`);
  }
};

const DESCRIBE = `export async function handler({ url, init }) {
  try {
    const response = await fetch(url, init);
    return { status: response.status, redirected: response.redirected, url: response.url,
             test: response.headers.get("x-test"), text: await response.text() };
  } catch (error) {
    return { error: error.name, message: error.message };
  }
}`;

/**
 * Stops `server` and ends its connections, those the sandboxes' HTTP client
 * keeps open for later requests included (it may open one it never uses),
 * which would otherwise keep this process alive until they time out.
 */
function stop(server) {
  server.close();
  server.closeAllConnections();
}

async function withServers(t, count) {
  const servers = [];
  for (let i = 0; i < count; i++) servers.push(await serve(route));
  t.after(() => servers.forEach(({ server }) => stop(server)));
  return servers;
}

test('fetch is denied unless the origin is allowed', async (t) => {
  const [a, b] = await withServers(t, 2);
  const denied = await loaded({ f: DESCRIBE });
  const got = await denied.callHandler('f', { url: `${a.origin}/x` });
  assert.equal(got.error, 'TypeError');
  assert.match(got.message, /may not fetch/);

  const allowed = await loaded({ f: DESCRIBE }, (builder) => builder.allowFetch([a.origin]));
  const ok = await allowed.callHandler('f', {
    url: `${a.origin}/echo`,
    init: { method: 'POST', body: 'ping' },
  });
  assert.deepEqual(ok, {
    status: 200,
    redirected: false,
    url: `${a.origin}/echo`,
    test: 'yes',
    text: 'POST /echo ping',
  });
  const other = await allowed.callHandler('f', { url: `${b.origin}/x` });
  assert.equal(other.error, 'TypeError');
  assert.match(other.message, /is not among the origins/);
  assert.equal(b.received.length, 0);
});

test('redirects are followed within the allow-list only', async (t) => {
  const [a, b] = await withServers(t, 2);
  const sandbox = await loaded({ f: DESCRIBE }, (builder) => builder.allowFetch([a.origin]));
  const to = (target) => `${a.origin}/to?${encodeURIComponent(target)}`;
  const followed = await sandbox.callHandler('f', { url: to(`${a.origin}/there`) });
  assert.equal(followed.redirected, true);
  assert.equal(followed.text, 'GET /there ');
  const refused = await sandbox.callHandler('f', { url: to(`${b.origin}/there`) });
  assert.equal(refused.error, 'TypeError');
  assert.equal(b.received.length, 0);
});

test('a name that resolves to loopback is refused even when listed', async (t) => {
  const [a] = await withServers(t, 1);
  const origin = `http://localhost:${a.port}`;
  const sandbox = await loaded({ f: DESCRIBE }, (builder) => builder.allowFetch([origin]));
  const got = await sandbox.callHandler('f', { url: `${origin}/x` });
  assert.equal(got.error, 'TypeError');
  assert.match(got.message, /not a public address/);
  assert.equal(a.received.length, 0);
});

test('the fetch count of a call is bounded, and bad origins fail the build', async (t) => {
  const [a] = await withServers(t, 1);
  const sandbox = await loaded(
    {
      f: `export async function handler(origin) {
            const all = await Promise.allSettled([1, 2, 3].map(() => fetch(origin)));
            return all.map((r) => r.status);
          }`,
    },
    (builder) => builder.allowFetch([a.origin]).maxFetchesPerCall(2),
  );
  assert.deepEqual(await sandbox.callHandler('f', a.origin), ['fulfilled', 'fulfilled', 'rejected']);
  await rejectsWith(new warden.SandboxBuilder().allowFetch(['example.com']).build(), ErrorCode.INVALID_ARG);
});

test('a fetch handler serves requests as Request and Response objects', async (t) => {
  const [a] = await withServers(t, 1);
  const seen = [];
  const sandbox = await loaded({ f: DESCRIBE }, (builder) =>
    builder.allowFetch(['https://api.example.com', a.origin]).fetchHandler(async (request) => {
      seen.push(request);
      if (request.url.startsWith(a.origin)) return fetch(request);
      if (request.url.endsWith('/fail')) throw new Error('the service is down');
      const body = await request.text();
      return { status: 201, headers: { 'x-test': 'handled' }, body: `${request.method} ${body}` };
    }),
  );
  const got = await sandbox.callHandler('f', {
    url: 'https://api.example.com/a',
    init: { method: 'PUT', body: 'z', headers: { 'x-mine': '1' } },
  });
  assert.deepEqual(got, {
    status: 201,
    redirected: false,
    url: 'https://api.example.com/a',
    test: 'handled',
    text: 'PUT z',
  });
  assert.ok(seen[0] instanceof Request);
  assert.equal(seen[0].headers.get('x-mine'), '1');
  const proxied = await sandbox.callHandler('f', { url: `${a.origin}/through` });
  assert.equal(proxied.text, 'GET /through ');
  const failed = await sandbox.callHandler('f', { url: 'https://api.example.com/fail' });
  assert.equal(failed.error, 'TypeError');
  assert.match(failed.message, /the service is down/);
  const denied = await sandbox.callHandler('f', { url: 'https://other.example.com/' });
  assert.equal(denied.error, 'TypeError');
  assert.equal(seen.length, 3);
});

test('responses over the size limit fail, and a timeout ends a fetch that hangs', async (t) => {
  const hanging = [];
  const { server, origin } = await serve((request, body, response) => {
    if (request.url === '/big') response.end('x'.repeat(100 * 1024));
    else hanging.push(response); // never answered
  });
  t.after(() => {
    hanging.forEach((response) => response.destroy());
    stop(server);
  });
  const sandbox = await loaded({ f: DESCRIBE }, (builder) => builder.allowFetch([origin]).maxResultSize(64 * 1024));
  const big = await sandbox.callHandler('f', { url: `${origin}/big` });
  assert.equal(big.error, 'TypeError');
  assert.match(big.message, /over 65536 bytes/);
  const began = Date.now();
  const error = await rejectsWith(
    sandbox.callHandler('f', { url: `${origin}/hang` }, { wallClockTimeoutMs: 100 }),
    ErrorCode.CANCELLED,
  );
  assert.equal(error.monitor, 'wall-clock');
  assert.ok(Date.now() - began < 5000, `${Date.now() - began} ms`);
});
