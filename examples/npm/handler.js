// A Warden handler written against two npm libraries, jose and uuid. It is
// not run as it is: run.js bundles it with esbuild into one ES module
// (dist/handler.mjs) and loads that into a sandbox.
//
// The event carries keys, claims and tokens made by Node.js with the same
// libraries; the handler signs and verifies with them inside the sandbox and
// returns what it got. Each step is run on its own, so one that throws is
// reported as `{ error }` and the others still run.

import * as jose from 'jose';
import * as uuid from 'uuid';

async function step(fn) {
  try {
    return { ok: await fn() };
  } catch (error) {
    return { error: `${error && error.name}: ${error && error.message}` };
  }
}

function uuids(event) {
  const v4 = Array.from({ length: event.count }, () => uuid.v4());
  const v7 = Array.from({ length: event.count }, () => uuid.v7());
  // Name-based UUIDs are deterministic: run.js compares them with Node's.
  const v5 = uuid.v5(event.name, uuid.v5.URL);
  const v3 = uuid.v3(event.name, uuid.v3.DNS);
  const bytes = Array.from(uuid.parse(v4[0]));
  return {
    v1: uuid.v1(),
    v4,
    v6: uuid.v6(),
    v7,
    v5,
    v3,
    versions: [...v4, ...v7].map((id) => uuid.version(id)),
    allValid: [...v4, ...v7, v5, v3].every((id) => uuid.validate(id)),
    invalidRejected: !uuid.validate('not-a-uuid'),
    roundTrip: uuid.stringify(Uint8Array.from(bytes)) === v4[0],
    nilAndMax: [uuid.NIL, uuid.MAX],
  };
}

// What jose does without WebCrypto: base64url and decoding, unsecured JWTs.
function joseWithoutCrypto(event) {
  const unsecured = new jose.UnsecuredJWT(event.claims).encode();
  return {
    decodedClaims: jose.decodeJwt(event.nodeTokens.HS256),
    decodedHeader: jose.decodeProtectedHeader(event.nodeTokens.ES256),
    unsecured,
    unsecuredClaims: jose.UnsecuredJWT.decode(unsecured).payload,
    base64url: new TextDecoder().decode(jose.base64url.decode(jose.base64url.encode('warden ✓'))),
  };
}

async function privateKey(event, alg) {
  if (alg === 'HS256') return jose.base64url.decode(event.hsSecret);
  // One key of each kind is imported from PEM, the others from JWK.
  if (alg === 'ES256') return jose.importPKCS8(event.pem.ES256.pkcs8, alg);
  return jose.importJWK(event.privateJwks[alg], alg);
}

async function publicKey(event, alg) {
  if (alg === 'HS256') return jose.base64url.decode(event.hsSecret);
  if (alg === 'RS256') return jose.importSPKI(event.pem.RS256.spki, alg);
  return jose.importJWK(event.publicJwks[alg], alg);
}

export async function handler(event) {
  const result = {
    subtle: typeof crypto === 'object' && typeof crypto.subtle === 'object',
    uuid: uuids(event),
    jose: joseWithoutCrypto(event),
    sign: {},
    verify: {},
  };
  for (const alg of event.algorithms) {
    result.sign[alg] = await step(async () =>
      new jose.SignJWT(event.claims)
        .setProtectedHeader({ alg, kid: `warden-${alg}` })
        .sign(await privateKey(event, alg)),
    );
    result.verify[alg] = await step(async () => {
      const { payload, protectedHeader } = await jose.jwtVerify(event.nodeTokens[alg], await publicKey(event, alg), {
        issuer: event.claims.iss,
        audience: event.claims.aud,
        algorithms: [alg],
      });
      return { payload, protectedHeader };
    });
  }
  // A token that must not verify: the first character of its signature
  // changed (the last may carry only padding bits).
  result.tampered = await step(async () => {
    const token = event.nodeTokens.HS256;
    const at = token.lastIndexOf('.') + 1;
    const changed = token[at] === 'A' ? 'B' : 'A';
    await jose.jwtVerify(token.slice(0, at) + changed + token.slice(at + 1), await publicKey(event, 'HS256'));
    return 'verified';
  });
  // A key pair made inside the sandbox: run.js verifies the token with its public JWK.
  result.generated = await step(async () => {
    const { publicKey: pub, privateKey: priv } = await jose.generateKeyPair('ES256', { extractable: true });
    const token = await new jose.SignJWT(event.claims).setProtectedHeader({ alg: 'ES256' }).sign(priv);
    return { token, publicJwk: await jose.exportJWK(pub) };
  });
  // JWE with a shared key (dir, A256GCM): decrypt Node's, encrypt one for Node.
  result.jwe = await step(async () => {
    const key = jose.base64url.decode(event.jwe.key);
    const { plaintext } = await jose.compactDecrypt(event.jwe.token, key);
    const token = await new jose.CompactEncrypt(new TextEncoder().encode(event.jwe.reply))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(key);
    return { plaintext: new TextDecoder().decode(plaintext), token };
  });
  return result;
}
