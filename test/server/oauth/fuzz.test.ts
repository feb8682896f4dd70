/**
 * Random and hostile input to the OAuth endpoints (form bodies, query strings, headers): never a
 * 5xx, never a stack trace, every refusal an OAuth error or (authorize, before a trusted
 * redirect_uri) a page, and no error logged.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomToken } from '../../../server/crypto.ts';
import { runningClock, type TestClient, type TestServer, startTestServer } from '../helpers.ts';
import { CALLBACK, oauthClient } from './helpers.ts';

let server: TestServer;
let client: TestClient;
before(async () => {
  server = await startTestServer({ clock: runningClock(), sync: false, webhooks: false });
  client = await oauthClient(server);
});
after(() => server.stop());

const RUNS = 60;
const keys = [
  'grant_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'client_id',
  'client_secret',
  'token',
  'token_type_hint',
  'response_type',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'response_mode',
  'request',
];
const value = () =>
  fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('authorization_code', 'refresh_token', 'S256', 'plain', 'code', 'openid', 'openid profile', CALLBACK, 'x'.repeat(600)),
    fc.constant(0).map(() => randomToken('ccode_')),
    fc.constant(0).map(() => randomToken('cat_')),
  );
const form = () => fc.array(fc.tuple(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 12 })), value()), { maxLength: 8 });
const encode = (pairs: [string, string][]) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

function assertSane(status: number, text: string, where: string) {
  assert.ok(status < 500, `${where}: ${status} ${text.slice(0, 300)}`);
  assert.doesNotMatch(text, /\bat [\w.<>]+ \(|node_modules/, `${where}: a stack trace`);
}

for (const path of ['/oauth/token', '/oauth/introspect', '/oauth/revoke'] as const) {
  test(`${path}: random form bodies, with and without client authentication`, async () => {
    await fc.assert(
      fc.asyncProperty(
        form(),
        fc.constantFrom('none', 'basic', 'post', 'junk'),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain'),
        async (pairs, auth, type) => {
          const headers: Record<string, string> = { 'content-type': type };
          if (auth === 'basic') headers.authorization = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
          if (auth === 'junk') headers.authorization = 'Basic %%%';
          if (auth === 'post') pairs = [['client_id', client.client_id], ['client_secret', client.client_secret], ...pairs];
          const res = await fetch(server.url + path, { method: 'POST', headers, body: encode(pairs), signal: AbortSignal.timeout(30_000) });
          const text = await res.text();
          assertSane(res.status, text, path);
          if (res.status >= 400) assert.match(JSON.parse(text).error, /^[a-z_]+$/, text);
        },
      ),
      { numRuns: RUNS },
    );
  });
}

test('/oauth/authorize: random query strings and form posts', async () => {
  await fc.assert(
    fc.asyncProperty(form(), fc.boolean(), fc.boolean(), async (pairs, withClient, post) => {
      if (withClient) pairs = [['client_id', client.client_id], ['redirect_uri', CALLBACK], ...pairs];
      const init: RequestInit = post ? { method: 'POST', body: encode(pairs), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {};
      const res = await fetch(`${server.url}/oauth/authorize${post ? '' : `?${encode(pairs)}`}`, {
        redirect: 'manual',
        ...init,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      assertSane(res.status, text, 'authorize');
      if (res.status === 303) {
        const location = res.headers.get('location')!;
        assert.ok(location.startsWith('/connect?request=creq_') || location.startsWith(CALLBACK + '?'), location);
      } else assert.equal(res.status, 400, text.slice(0, 200));
    }),
    { numRuns: RUNS * 2 },
  );
});

test('no error was logged while fuzzing', () => {
  assert.deepEqual(
    server.logs.filter((l) => /"level":(50|60)/.test(l)),
    [],
  );
});
