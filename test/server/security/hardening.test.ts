/**
 * Issue 9, items 6, 7 and 9: a grant without offline_access is short-lived, limits and
 * routes are bound to one spelling of each route, database files are private.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, exchange, guestPublicToken, linkToken, newClient, startTestServer, widget } from '../helpers.ts';
import { startHarness } from '../../bff/helpers.ts';
import { expectError } from './support.ts';

test('item 6: unticking offline_access yields a 24-hour grant (expires_in 86400), which then stops working', async () => {
  const s = await startTestServer();
  try {
    const c = await newClient(s);
    const { link_token } = await linkToken(s, c);
    const w = widget(s, link_token);
    await w('POST', '/auth/guest', {});
    await w('POST', '/integrations', { provider: 'ethereum', address: '0x47c2e31e9ce22437bcf6313d2b9e98245a7bfcfa' });
    const consent = await w('POST', '/consent', { scopes: ['openid', 'portfolios:read'] });
    const ex = await exchange(s, c, consent.body.data.public_token);
    assert.equal(ex.body.data.expires_in, 86_400);
    const bearer = { authorization: `Bearer ${ex.body.data.access_token}` };
    assert.equal((await call(s, 'GET', '/api/v1/holdings', { headers: bearer })).status, 200);
    s.clock.advance(86_400_000 + 1000);
    assert.equal((await call(s, 'GET', '/api/v1/holdings', { headers: bearer })).status, 401, 'a day later');
    const withOffline = await guestPublicToken(s, c);
    assert.equal((await exchange(s, c, withOffline.public_token)).body.data.expires_in, 473_040_000, 'with offline_access: 15 years');
  } finally {
    await s.stop();
  }
});

test('item 7: /LINK-TOKEN/ is not another budget: routing is strict and case-sensitive, limits keyed by route', async () => {
  const s = await startTestServer({ rateLimits: { perClientPerMinute: 3 } });
  try {
    const c = await newClient(s);
    for (const path of ['/LINK-TOKEN', '/link-token/', '/Link-Token/']) {
      expectError(await call(s, 'POST', path, { headers: c.headers, body: { scopes: 'openid' } }), 'NOT_FOUND', path);
    }
    for (let i = 0; i < 3; i++) assert.equal((await call(s, 'POST', '/link-token', { headers: c.headers, body: { scopes: 'openid' } })).status, 200);
    expectError(await call(s, 'POST', '/link-token', { headers: c.headers, body: { scopes: 'openid' } }), 'RATE_LIMITED');
  } finally {
    await s.stop();
  }
});

test('item 9: the server and BFF databases, their WAL and SHM and new folders are private (0600, 0700)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-perm-'));
  const previous = process.umask(0o022);
  try {
    const s = await startTestServer({ dbFile: join(dir, 'nested', 'connect.db') });
    const c = await newClient(s);
    await linkToken(s, c);
    for (const f of ['connect.db', 'connect.db-wal', 'connect.db-shm']) {
      assert.equal(statSync(join(dir, 'nested', f)).mode & 0o777, 0o600, f);
    }
    assert.equal(statSync(join(dir, 'nested')).mode & 0o777, 0o700, 'the folder');
    await s.stop();
    const h = await startHarness();
    try {
      for (const f of ['bff.db', 'bff.db-wal', 'bff.db-shm']) assert.equal(statSync(join(h.dir, f)).mode & 0o777, 0o600, `BFF ${f}`);
    } finally {
      await h.close();
    }
  } finally {
    process.umask(previous);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('item 5: admin failures are limited per IP (429), aggregated in the audit trail; old audit events are pruned', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-admin-'));
  try {
    const s = await startTestServer({ dir });
    const bad = { authorization: 'Bearer not-the-admin-token-at-all-0123456789' };
    for (let i = 0; i < 10; i++) expectError(await call(s, 'GET', '/admin/clients', { headers: bad }), 'UNAUTHORIZED', `failure ${i + 1}`);
    for (let i = 0; i < 20; i++) expectError(await call(s, 'GET', '/admin/clients', { headers: bad }), 'RATE_LIMITED', 'past the limit');
    expectError(
      await call(s, 'GET', '/admin/clients', { headers: { authorization: 'Bearer test-admin-token-0123456789abcdef0123456789' } }),
      'RATE_LIMITED',
      'the IP is locked out',
    );
    const rows = await s.ctx.db.selectFrom('audit_events').select(['event', 'details']).where('event', 'like', 'admin.%').execute();
    assert.deepEqual(
      rows.map((r) => r.event),
      ['admin.auth_failed', 'admin.auth_locked'],
      '30 attempts, 2 rows',
    );
    assert.equal(JSON.parse(rows[1]!.details).failures, 10);
    const old = s.clock.now() - 400 * 86_400_000;
    await s.ctx.db
      .insertInto('audit_events')
      .values({ client_id: null, event: 'client.created', outcome: 'success', ip: null, request_id: null, details: '{}', created_at: old })
      .execute();
    await s.stop();
    const again = await startTestServer({ dir, clock: s.clock });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await again.ctx.db.selectFrom('audit_events').select('id').where('created_at', '=', old).execute()).length > 0)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal((await again.ctx.db.selectFrom('audit_events').select('id').where('created_at', '=', old).execute()).length, 0, 'older than 365 days: pruned');
    assert.ok((await again.ctx.db.selectFrom('audit_events').select('id').execute()).length >= 2, 'recent events kept');
    await again.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
