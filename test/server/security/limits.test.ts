/**
 * Rate limits (docs/security-model.md T2, T29, T34) with small limits: per client on /link-token,
 * /token/exchange and /token/revoke; failed client authentications per IP; OTP requests
 * per email and per link token; guest creation per IP. Every refusal is 429 RATE_LIMITED
 * with `retry_after` in the body and a Retry-After header. A rotating X-Forwarded-For does
 * not escape a limit unless trust proxy says so.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from '../../../server/config.ts';
import { call, linkToken, newClient, startTestServer, widget, type Reply, type TestServer } from '../helpers.ts';
import { expectError } from './support.ts';

async function withServer(options: { rateLimits?: Partial<Config['rateLimits']>; config?: Partial<Config> }, fn: (s: TestServer) => Promise<void>) {
  const s = await startTestServer(options);
  try {
    await fn(s);
  } finally {
    await s.stop();
  }
}

function expectLimited(r: Reply, note: string) {
  expectError(r, 'RATE_LIMITED', note);
  assert.ok(Number.isInteger(r.body.retry_after) && r.body.retry_after >= 1, `${note}: retry_after ${r.body.retry_after}`);
  assert.equal(r.headers.get('retry-after'), String(r.body.retry_after), `${note}: Retry-After header`);
}

describe('per client', () => {
  for (const [path, body] of [
    ['/link-token', { scopes: 'openid' }],
    ['/token/exchange', { public_token: 'public_unknown' }],
    ['/token/revoke', { grant_id: 'cgrant_unknown' }],
  ] as const) {
    test(`${path}: the fourth call in a minute with a limit of 3 is refused; another client is not affected`, async () => {
      await withServer({ rateLimits: { perClientPerMinute: 3 } }, async (s) => {
        const a = await newClient(s, { name: 'A' });
        const b = await newClient(s, { name: 'B' });
        for (let i = 0; i < 3; i++) assert.notEqual((await call(s, 'POST', path, { headers: a.headers, body })).status, 429, `call ${i + 1}`);
        expectLimited(await call(s, 'POST', path, { headers: a.headers, body }), path);
        assert.notEqual((await call(s, 'POST', path, { headers: b.headers, body })).status, 429, 'client B has its own budget');
      });
    });
  }
});

describe('per IP', () => {
  test('failed client authentications: the limit counts failures only and then locks the IP out', async () => {
    await withServer({ rateLimits: { authFailuresPer15Minutes: 3 } }, async (s) => {
      const c = await newClient(s);
      const bad = { 'x-client-id': c.client_id, 'x-client-secret': 'cs_guess' };
      for (let i = 0; i < 5; i++)
        assert.equal((await call(s, 'POST', '/link-token', { headers: c.headers, body: { scopes: 'openid' } })).status, 200, 'successes are not counted');
      for (let i = 0; i < 3; i++) expectError(await call(s, 'POST', '/link-token', { headers: bad, body: { scopes: 'openid' } }), 'INVALID_CLIENT');
      expectLimited(await call(s, 'POST', '/link-token', { headers: bad, body: { scopes: 'openid' } }), 'fourth failure');
      expectLimited(
        await call(s, 'POST', '/token/exchange', { headers: c.headers, body: { public_token: 'public_x' } }),
        'locked out even with the right secret',
      );
    });
  });

  test('guest creation per IP, for browsers calling directly (with an Origin)', async () => {
    await withServer({ rateLimits: { guestsPerIpPerHour: 2 } }, async (s) => {
      const c = await newClient(s);
      const direct = { origin: 'http://localhost:3000' };
      for (let i = 0; i < 2; i++) assert.equal((await widget(s, (await linkToken(s, c)).link_token)('POST', '/auth/guest', {}, direct)).status, 200);
      expectLimited(await widget(s, (await linkToken(s, c)).link_token)('POST', '/auth/guest', {}, direct), 'third guest');
    });
  });

  test('leaving out Origin does not skip the per-IP guest limit (issue 9, item 4)', async () => {
    await withServer({ rateLimits: { guestsPerIpPerHour: 2 } }, async (s) => {
      const c = await newClient(s);
      for (let i = 0; i < 2; i++) assert.equal((await widget(s, (await linkToken(s, c)).link_token)('POST', '/auth/guest', {})).status, 200);
      expectLimited(await widget(s, (await linkToken(s, c)).link_token)('POST', '/auth/guest', {}), 'third guest without Origin');
      const wrong = { 'x-client-id': c.client_id, 'x-client-secret': 'cs_notTheSecret' };
      expectError(await widget(s, (await linkToken(s, c)).link_token)('POST', '/auth/guest', {}, wrong), 'INVALID_CLIENT', 'a forged BFF claim');
      const other = await newClient(s, { name: 'Other' });
      expectError(
        await widget(s, (await linkToken(s, c)).link_token)('POST', '/auth/guest', {}, other.headers),
        'INVALID_CLIENT',
        "another client's credentials",
      );
    });
  });

  test('the per-IP widget limit binds callers without Origin too', async () => {
    await withServer({ rateLimits: { perIpPerMinute: 5 } }, async (s) => {
      const c = await newClient(s);
      const { link_token } = await linkToken(s, c);
      const w = widget(s, link_token);
      let limited = 0;
      for (let i = 0; i < 8; i++) if ((await w('GET', '/providers')).status === 429) limited++;
      assert.ok(limited >= 1, 'refused past the per-IP limit');
      const bff = widget(s, link_token);
      assert.equal((await bff('GET', '/providers', undefined, c.headers)).status, 200, 'a proven BFF is keyed per link token');
    });
  });

  test('through a proven BFF (client credentials) all users share one address: guests are bounded per link token and per client', async () => {
    await withServer({ rateLimits: { guestsPerIpPerHour: 2, guestsPerClientPerHour: 6 } }, async (s) => {
      const c = await newClient(s);
      for (let i = 0; i < 4; i++) assert.equal((await widget(s, (await linkToken(s, c)).link_token)('POST', '/auth/guest', {}, c.headers)).status, 200);
      const { link_token } = await linkToken(s, c);
      const w = widget(s, link_token);
      const first = await w('POST', '/auth/guest', {}, c.headers);
      const again = await w('POST', '/auth/guest', {}, c.headers);
      assert.equal(again.body.data.user.id, first.body.data.user.id, 'one guest per link token');
      expectLimited(await widget(s, (await linkToken(s, c)).link_token)('POST', '/auth/guest', {}, c.headers), 'the per-client guest quota');
    });
  });
});

describe('one-time codes', () => {
  test('OTP requests per email, across link tokens', async () => {
    await withServer({ rateLimits: { otpRequestsPerHour: 2 } }, async (s) => {
      const c = await newClient(s);
      for (let i = 0; i < 2; i++)
        assert.equal((await widget(s, (await linkToken(s, c)).link_token)('POST', '/auth/email/request', { email: 'victim@example.com' })).status, 200);
      const r = await widget(s, (await linkToken(s, c)).link_token)('POST', '/auth/email/request', { email: 'VICTIM@example.com' });
      expectLimited(r, 'third code for one email (case-insensitive)');
      assert.match(r.body.error, /email/);
      assert.equal((await widget(s, (await linkToken(s, c)).link_token)('POST', '/auth/email/request', { email: 'someone-else@example.com' })).status, 200);
    });
  });

  test('OTP requests per link token, across emails', async () => {
    await withServer({ rateLimits: { otpRequestsPerHour: 2 } }, async (s) => {
      const c = await newClient(s);
      const w = widget(s, (await linkToken(s, c)).link_token);
      for (let i = 0; i < 2; i++) {
        assert.equal((await w('POST', '/auth/email/request', { email: `spray-${i}@example.com` })).status, 200);
        s.clock.advance(31_000); // past the 30 s resend wait, which the server clock decides
      }
      const r = await w('POST', '/auth/email/request', { email: 'spray-2@example.com' });
      expectLimited(r, 'third code in one session');
      assert.match(r.body.error, /session/);
    });
  });
});

describe('X-Forwarded-For', () => {
  const failing = (s: TestServer, id: string, xff: string) =>
    call(s, 'POST', '/link-token', { headers: { 'x-client-id': id, 'x-client-secret': 'cs_guess', 'x-forwarded-for': xff }, body: { scopes: 'openid' } });

  test('trust proxy off: a rotating X-Forwarded-For does not escape the limit', async () => {
    await withServer({ rateLimits: { authFailuresPer15Minutes: 3 } }, async (s) => {
      const c = await newClient(s);
      for (let i = 0; i < 3; i++) expectError(await failing(s, c.client_id, `203.0.113.${i + 1}`), 'INVALID_CLIENT');
      expectLimited(await failing(s, c.client_id, '203.0.113.99'), 'new forged address');
    });
  });

  test('trust proxy 1: each forwarded address has its own budget, and a repeated one is limited', async () => {
    await withServer({ rateLimits: { authFailuresPer15Minutes: 3 }, config: { trustProxy: 1 } }, async (s) => {
      const c = await newClient(s);
      for (let i = 0; i < 6; i++) expectError(await failing(s, c.client_id, `198.51.100.${i + 1}`), 'INVALID_CLIENT', `address ${i + 1}`);
      for (let i = 0; i < 2; i++) expectError(await failing(s, c.client_id, '198.51.100.1'), 'INVALID_CLIENT');
      expectLimited(await failing(s, c.client_id, '198.51.100.1'), 'fourth failure from one forwarded address');
      const rows = await s.ctx.db.selectFrom('audit_events').select('ip').where('event', '=', 'client.auth_failed').execute();
      assert.ok(
        rows.some((r) => r.ip === '198.51.100.6'),
        'the audit trail records the forwarded address',
      );
    });
  });
});
