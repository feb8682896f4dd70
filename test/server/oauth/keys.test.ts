/**
 * id_token signing keys: made on first use, private halves sealed at rest, rotated after
 * CONNECT_OIDC_KEY_ROTATION_DAYS, the retired key still published for 7 days so tokens it
 * signed keep verifying, then dropped from the JWKS. Verified with jose, not our code.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { TEST_KEY, call, runningClock, type TestClient, type TestServer, startTestServer } from '../helpers.ts';
import { CALLBACK, authorizeToCallback, oauthClient, relyingParty, tokenRequest } from './helpers.ts';

const DAY = 86_400_000;
let server: TestServer;
let client: TestClient;

before(async () => {
  server = await startTestServer({ clock: runningClock(), sync: false, webhooks: false, env: { CONNECT_OIDC_KEY_ROTATION_DAYS: '30' } });
  client = await oauthClient(server);
});
after(() => server.stop());

async function idToken() {
  const config = await relyingParty(server, client);
  const { callback, verifier, nonce } = await authorizeToCallback(server, config);
  const r = await tokenRequest(server, client, {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code')!,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { token: r.body.id_token as string, nonce, userId: r.body.user_id as string };
}

const jwks = async () => (await call(server, 'GET', '/oauth/jwks')).body as { keys: { kid: string }[] };

test('keys rotate after the configured days; the retired key stays published 7 days, then leaves the JWKS', async () => {
  const first = await idToken();
  const k1 = decodeProtectedHeader(first.token).kid!;
  assert.deepEqual(
    (await jwks()).keys.map((k) => k.kid),
    [k1],
  );
  const verified = await jwtVerify(first.token, createLocalJWKSet(await jwks()), {
    issuer: server.url,
    audience: client.client_id,
    currentDate: new Date(server.clock.now()),
  });
  assert.equal(verified.payload.sub, first.userId);
  assert.equal(verified.payload.nonce, first.nonce);
  assert.equal(verified.protectedHeader.alg, 'RS256');

  const stored = await server.ctx.db.selectFrom('oauth_keys').select(['private_jwk']).execute();
  for (const row of stored) assert.doesNotMatch(row.private_jwk, /"d"|"p"|"q"/, 'the private key is sealed at rest');

  server.clock.advance(29 * DAY);
  assert.equal(decodeProtectedHeader((await idToken()).token).kid, k1, 'not due yet');
  server.clock.advance(1 * DAY + 1);
  const second = await idToken();
  const k2 = decodeProtectedHeader(second.token).kid!;
  assert.notEqual(k2, k1);
  const both = await jwks();
  assert.deepEqual(
    both.keys.map((k) => k.kid),
    [k2, k1],
  );
  // A token signed before the rotation still verifies against the published set.
  await jwtVerify(first.token, createLocalJWKSet(both), {
    issuer: server.url,
    audience: client.client_id,
    currentDate: new Date(verified.payload.iat! * 1000),
  });

  server.clock.advance(7 * DAY + 1);
  assert.deepEqual(
    (await jwks()).keys.map((k) => k.kid),
    [k2],
  );
});

test('the CLI lists the keys and rotates them at once; the running server signs with the new key', async () => {
  const { runCli } = await import('../../../server/cli.ts');
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const code = await runCli(args, {
      env: { CONNECT_DB: server.dbFile, CONNECT_ENCRYPTION_KEY: TEST_KEY, NODE_ENV: 'test' },
      cwd: process.cwd(),
      stdout: (l) => out.push(l),
      stderr: (l) => out.push(l),
    });
    return { code, text: out.join('\n') };
  };
  server.clock.set(Date.now()); // the CLI stamps keys with the real time: the server's clock back to it
  const before = decodeProtectedHeader((await idToken()).token).kid!;
  const rotated = await run('oauth', 'rotate-keys', '--json');
  assert.equal(rotated.code, 0, rotated.text);
  const kid = JSON.parse(rotated.text).kid as string;
  assert.notEqual(kid, before);
  assert.equal(decodeProtectedHeader((await idToken()).token).kid, kid);
  const listed = await run('oauth', 'keys', '--json');
  assert.equal(listed.code, 0, listed.text);
  const keys = JSON.parse(listed.text) as { kid: string; state: string }[];
  assert.equal(keys.find((k) => k.kid === kid)?.state, 'signing');
  assert.ok(keys.every((k) => !('private_jwk' in k)));
});
