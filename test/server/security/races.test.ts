/**
 * Single use under concurrency (docs/security-model.md T8, T28): one public token exchanged 50 times at
 * once, one link token consented many times at once, one OTP verified many times at once,
 * one link token asked for a guest many times at once — in one process, and the exchange
 * race again across three processes sharing one database file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openDatabase } from '../../../server/db/database.ts';
import { createGroupCommit } from '../../../server/db/group-commit.ts';
import { createClient } from '../../../server/clients/clients.service.ts';
import { digest } from '../../../server/crypto.ts';
import {
  call,
  exchange,
  guestPublicToken,
  latestCode,
  linkToken,
  newClient,
  SANDBOX_ETH,
  startTestServer,
  widget,
  type Reply,
  type TestClient,
  type TestServer,
} from '../helpers.ts';
import { spawnServer, type ChildServer } from './support.ts';

const ROUNDS = 4;
const EXCHANGES = 50;

let server: TestServer;
let client: TestClient;

before(async () => {
  server = await startTestServer();
  client = await newClient(server);
});
after(() => server.stop());

const statuses = (rs: Reply[]) =>
  rs
    .map((r) => r.status)
    .sort()
    .join(',');

/** Asserts exactly one 200 and every other answer TOKEN_ALREADY_USED; checks the rows. */
async function checkExchangeRace(db: TestServer['ctx']['db'], publicToken: string, results: Reply[]) {
  const ok = results.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, statuses(results));
  for (const r of results.filter((x) => x.status !== 200)) {
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.code, 'TOKEN_ALREADY_USED');
  }
  const pt = await db.selectFrom('public_tokens').selectAll().where('digest', '=', digest(publicToken)).executeTakeFirstOrThrow();
  const grants = await db.selectFrom('grants').selectAll().where('link_token_id', '=', pt.link_token_id).execute();
  assert.equal(grants.length, 1, 'one grant');
  assert.equal(grants[0]!.id, ok[0]!.body.data.grant_id);
  assert.equal(pt.grant_id, grants[0]!.id);
  const tokens = await db.selectFrom('access_tokens').selectAll().where('grant_id', '=', grants[0]!.id).execute();
  assert.equal(tokens.length, 1, 'one access token');
  assert.equal(tokens[0]!.digest, digest(ok[0]!.body.data.access_token));
  // Decision 3: a reuse revokes the grant the first exchange produced.
  if (results.length > 1) assert.notEqual(grants[0]!.revoked_at, null, 'reuse revoked the grant');
  return grants[0]!;
}

describe('one process', () => {
  test(`${EXCHANGES} concurrent exchanges of one public token: exactly one succeeds (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { public_token } = await guestPublicToken(server, client);
      const results = await Promise.all(Array.from({ length: EXCHANGES }, () => exchange(server, client, public_token)));
      const grant = await checkExchangeRace(server.ctx.db, public_token, results);
      const data = await call(server, 'GET', '/api/v1/userinfo', {
        headers: { authorization: `Bearer ${results.find((r) => r.status === 200)!.body.data.access_token}` },
      });
      assert.equal(data.status, 401, `the revoked grant ${grant.id} no longer answers`);
    }
  });

  test('an exchange that is never replayed keeps its grant', async () => {
    const { public_token } = await guestPublicToken(server, client);
    const results = [await exchange(server, client, public_token)];
    const grant = await checkExchangeRace(server.ctx.db, public_token, results);
    assert.equal(grant.revoked_at, null);
  });

  test('concurrent consents on one link token mint one public token (rounds)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { link_token } = await linkToken(server, client);
      const w = widget(server, link_token);
      await w('POST', '/auth/guest', {});
      await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH });
      const results = await Promise.all(Array.from({ length: 20 }, () => w('POST', '/consent', { scopes: ['openid'] })));
      const ok = results.filter((r) => r.status === 200);
      assert.equal(ok.length, 1, statuses(results));
      assert.ok(
        results.every((r) => r.status === 200 || r.body.code === 'CONSENT_ALREADY_GIVEN'),
        statuses(results),
      );
      const link = await server.ctx.db.selectFrom('link_tokens').select('id').where('digest', '=', digest(link_token)).executeTakeFirstOrThrow();
      const minted = await server.ctx.db.selectFrom('public_tokens').select('digest').where('link_token_id', '=', link.id).execute();
      assert.deepEqual(
        minted.map((m) => m.digest),
        [digest(ok[0]!.body.data.public_token)],
      );
    }
  });

  test('concurrent verifications of the right code sign in exactly once (rounds)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const email = `race-${round}@example.com`;
      const { link_token } = await linkToken(server, client);
      const w = widget(server, link_token);
      await w('POST', '/auth/email/request', { email });
      const code = await latestCode(server, email);
      const results = await Promise.all(Array.from({ length: 20 }, () => w('POST', '/auth/email/verify', { email, code })));
      const ok = results.filter((r) => r.status === 200);
      assert.equal(ok.length, 1, statuses(results));
      for (const r of results.filter((x) => x.status !== 200)) {
        assert.ok(['ALREADY_SIGNED_IN', 'OTP_NOT_REQUESTED'].includes(r.body.code), JSON.stringify(r.body));
      }
      const users = await server.ctx.db.selectFrom('users').select('id').where('email', '=', email).execute();
      assert.equal(users.length, 1);
      const audit = await server.ctx.db
        .selectFrom('audit_events')
        .select('id')
        .where('event', '=', 'signin.succeeded')
        .where('details', 'like', `%${users[0]!.id}%`)
        .execute();
      assert.equal(audit.length, 1, 'one session');
    }
  });

  test('concurrent guest requests on one link token create one account (rounds)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const before = await server.ctx.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const { link_token } = await linkToken(server, client);
      const w = widget(server, link_token);
      const results = await Promise.all(Array.from({ length: 20 }, () => w('POST', '/auth/guest', {})));
      assert.ok(
        results.every((r) => r.status === 200),
        statuses(results),
      );
      assert.equal(new Set(results.map((r) => r.body.data.user.id)).size, 1);
      const afterCount = await server.ctx.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(afterCount.n) - Number(before.n), 1);
    }
  });
});

describe('opening one fresh database file from several connections at once', () => {
  test('every opener migrates or finds the migrations done (was: "table clients already exists")', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'kc-migrate-'));
      try {
        const opened = await Promise.allSettled([0, 1, 2].map(() => openDatabase(join(dir, 'connect.db'))));
        assert.deepEqual(
          opened.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason)),
          [],
        );
        for (const o of opened) if (o.status === 'fulfilled') await o.value.db.destroy();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

describe('three processes on one database file', () => {
  let dir: string;
  let dbFile: string;
  let children: ChildServer[] = [];
  let creds: { client_id: string; client_secret: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kc-race-'));
    dbFile = join(dir, 'connect.db');
    const { db } = await openDatabase(dbFile);
    creds = await createClient(createGroupCommit(db), Date.now(), { name: 'Multi' });
    await db.destroy();
    children = await Promise.all([0, 1, 2].map(() => spawnServer(dbFile)));
  });
  after(async () => {
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${EXCHANGES} exchanges of one public token spread over 3 processes: exactly one succeeds (${ROUNDS} rounds)`, async () => {
    const headers = { 'x-client-id': creds.client_id, 'x-client-secret': creds.client_secret };
    for (let round = 0; round < ROUNDS; round++) {
      const minted = await call(children[round % 3]!, 'POST', '/sandbox/public-token', { headers, body: { scopes: 'openid users:read' } });
      assert.equal(minted.status, 200, JSON.stringify(minted.body));
      const publicToken = minted.body.data.public_token as string;
      const results = await Promise.all(
        Array.from({ length: EXCHANGES }, (_, i) => call(children[i % 3]!, 'POST', '/token/exchange', { headers, body: { public_token: publicToken } })),
      );
      const unexpected = results.filter((r) => r.status !== 200 && r.status !== 409);
      assert.deepEqual(
        unexpected.map((r) => r.body),
        [],
        'no busy or server errors',
      );
      const sqlite = new SQLite(dbFile, { readonly: true });
      try {
        const ok = results.filter((r) => r.status === 200);
        assert.equal(ok.length, 1, statuses(results));
        const pt = sqlite.prepare('select * from public_tokens where digest = ?').get(digest(publicToken)) as { link_token_id: string; grant_id: string };
        const grants = sqlite.prepare('select * from grants where link_token_id = ?').all(pt.link_token_id) as { id: string; revoked_at: number | null }[];
        assert.equal(grants.length, 1);
        assert.equal(grants[0]!.id, ok[0]!.body.data.grant_id);
        assert.equal(pt.grant_id, grants[0]!.id);
        assert.equal(sqlite.prepare('select count(*) from access_tokens where grant_id = ?').pluck().get(grants[0]!.id), 1);
        assert.notEqual(grants[0]!.revoked_at, null, 'the replays revoked the grant');
      } finally {
        sqlite.close();
      }
    }
  });
});
