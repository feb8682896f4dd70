/**
 * Crash loop (docs/security-model.md T10, T36, T38): a connect server in a child process under a load of
 * consent + exchange + revoke (+ an occasional replay), `kill -9` at a random moment,
 * then — with the server down — the database must pass `PRAGMA integrity_check`, hold
 * every answer acknowledged before the kill, and pair every grant with its consumed public
 * token (and the reverse); after the restart, acknowledged revokes still refuse data calls.
 * Used by crash.test.ts (a few rounds) and `npm run crash-loop` (twenty by default).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openDatabase } from '../../../server/db/database.ts';
import { createGroupCommit } from '../../../server/db/group-commit.ts';
import { createClient } from '../../../server/clients/clients.service.ts';
import { digest } from '../../../server/crypto.ts';
import { call } from '../helpers.ts';
import { spawnServer, type ChildServer } from './support.ts';

const SANDBOX_ETH = '0x47c2e31e9ce22437bcf6313d2b9e98245a7bfcfa';
const WORKERS = 6;

export type CrashSummary = {
  iterations: number;
  publicTokens: number;
  grants: number;
  revoked: number;
  replays: number;
  lastRevokeBeforeKillMs: number[];
};

type Acked = {
  publicTokens: Set<string>; // digests
  grants: Map<string, string>; // grant id → access token
  revoked: Set<string>;
  replayRevoked: Set<string>;
  /** Revokes and replays sent but maybe not answered before a kill: they may or may not have committed. */
  attempted: Set<string>;
};

class Killed extends Error {}

async function post(server: ChildServer, path: string, headers: Record<string, string>, body: unknown) {
  try {
    return await call(server, 'POST', path, { headers, body });
  } catch {
    throw new Killed();
  }
}

/** One worker: consent through the widget API, exchange, then revoke or replay some of the time. */
async function work(server: ChildServer, creds: Record<string, string>, acked: Acked, stopped: () => boolean, lastRevoke: { at: number }) {
  const expect = (r: { status: number; body: unknown }, status: number, what: string) => {
    if (stopped()) throw new Killed();
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  };
  while (!stopped()) {
    const lt = await post(server, '/link-token', creds, { scopes: 'openid users:read' });
    expect(lt, 200, 'link-token');
    const link = { 'x-link-token': (lt.body as { data: { link_token: string } }).data.link_token };
    expect(await post(server, '/widget/auth/guest', link, {}), 200, 'guest');
    expect(await post(server, '/widget/integrations', link, { provider: 'ethereum', address: SANDBOX_ETH }), 201, 'integration');
    const consent = await post(server, '/widget/consent', link, { scopes: ['openid', 'users:read'] });
    expect(consent, 200, 'consent');
    const publicToken = consent.body.data.public_token as string;
    acked.publicTokens.add(digest(publicToken));
    if (Math.random() < 0.15) continue; // leave some public tokens unexchanged
    const ex = await post(server, '/token/exchange', creds, { public_token: publicToken });
    expect(ex, 200, 'exchange');
    acked.grants.set(ex.body.data.grant_id, ex.body.data.access_token);
    const roll = Math.random();
    if (roll < 0.6) acked.attempted.add(ex.body.data.grant_id);
    if (roll < 0.5) {
      const rv = await post(server, '/token/revoke', creds, { grant_id: ex.body.data.grant_id });
      expect(rv, 200, 'revoke');
      acked.revoked.add(ex.body.data.grant_id);
      lastRevoke.at = Date.now();
    } else if (roll < 0.6) {
      const again = await post(server, '/token/exchange', creds, { public_token: publicToken });
      expect(again, 409, 'replay');
      acked.replayRevoked.add(ex.body.data.grant_id);
    }
  }
}

/** Checks the file with the server down. */
function checkDatabase(dbFile: string, acked: Acked): void {
  const db = new SQLite(dbFile);
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check');
    const publicToken = db.prepare('select digest, consumed_at, grant_id from public_tokens where digest = ?');
    for (const d of acked.publicTokens) assert.ok(publicToken.get(d), `acknowledged public token ${d.slice(0, 8)} lost`);
    const grant = db.prepare('select id, revoked_at from grants where id = ?');
    const token = db.prepare('select grant_id from access_tokens where digest = ?');
    const consumedFor = db.prepare('select count(*) from public_tokens where grant_id = ? and consumed_at is not null').pluck();
    for (const [id, accessToken] of acked.grants) {
      assert.ok(grant.get(id), `acknowledged grant ${id} lost`);
      assert.deepEqual(token.get(digest(accessToken)), { grant_id: id }, `access token of ${id} lost`);
      assert.equal(consumedFor.get(id), 1, `public token of ${id} not consumed`);
    }
    for (const id of acked.grants.keys()) {
      if (!acked.attempted.has(id)) assert.equal((grant.get(id) as { revoked_at: number | null }).revoked_at, null, `grant ${id} revoked though nobody asked`);
    }
    for (const id of [...acked.revoked, ...acked.replayRevoked]) {
      assert.notEqual((grant.get(id) as { revoked_at: number | null }).revoked_at, null, `acknowledged revoke of ${id} undone`);
    }
    const count = (q: string) => db.prepare(q).pluck().get() as number;
    assert.equal(
      count(`select count(*) from grants g where not exists
      (select 1 from public_tokens p where p.grant_id = g.id and p.consumed_at is not null)`),
      0,
      'a grant without its consumed public token',
    );
    assert.equal(
      count(`select count(*) from public_tokens p where p.consumed_at is not null and
      (p.grant_id is null or not exists (select 1 from grants g where g.id = p.grant_id))`),
      0,
      'a consumed public token without its grant',
    );
    assert.equal(
      count('select count(*) from grants g where (select count(*) from access_tokens t where t.grant_id = g.id) != 1'),
      0,
      'a grant without exactly one access token',
    );
    assert.equal(
      count(`select count(*) from link_tokens l where l.consented_at is not null and l.grant_id is null and
      not exists (select 1 from public_tokens p where p.link_token_id = l.id)`),
      0,
      'a consent without its public token',
    );
  } finally {
    db.close();
  }
}

/** After a restart, acknowledged state answers over HTTP too (a sample, to stay quick). */
async function checkAfterRestart(server: ChildServer, acked: Acked) {
  const revoked = new Set([...acked.revoked, ...acked.replayRevoked]);
  const sample = (ids: string[]) => ids.sort(() => Math.random() - 0.5).slice(0, 5);
  for (const id of sample([...revoked])) {
    const r = await call(server, 'GET', '/api/v1/userinfo', { headers: { authorization: `Bearer ${acked.grants.get(id)}` } });
    assert.equal(r.status, 401, `revoked grant ${id} answers after restart`);
  }
  for (const id of sample([...acked.grants.keys()].filter((g) => !revoked.has(g) && !acked.attempted.has(g)))) {
    const r = await call(server, 'GET', '/api/v1/userinfo', { headers: { authorization: `Bearer ${acked.grants.get(id)}` } });
    assert.equal(r.status, 200, `live grant ${id} lost after restart`);
  }
}

export async function runCrashLoop(options: { iterations: number; log?: (line: string) => void }): Promise<CrashSummary> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'kc-crash-'));
  const dbFile = join(dir, 'connect.db');
  const acked: Acked = { publicTokens: new Set(), grants: new Map(), revoked: new Set(), replayRevoked: new Set(), attempted: new Set() };
  const summary: CrashSummary = { iterations: 0, publicTokens: 0, grants: 0, revoked: 0, replays: 0, lastRevokeBeforeKillMs: [] };
  let server: ChildServer | undefined;
  try {
    const { db } = await openDatabase(dbFile);
    const created = await createClient(createGroupCommit(db), Date.now(), { name: 'Crash loop' });
    await db.destroy();
    const creds = { 'x-client-id': created.client_id, 'x-client-secret': created.client_secret };
    for (let i = 0; i < options.iterations; i++) {
      server = await spawnServer(dbFile);
      await checkAfterRestart(server, acked);
      let stopped = false;
      const lastRevoke = { at: 0 };
      const s = server;
      const workers = Array.from({ length: WORKERS }, () =>
        work(s, creds, acked, () => stopped, lastRevoke).catch((error: unknown) => {
          if (!(error instanceof Killed)) throw error;
        }),
      );
      const before = acked.grants.size;
      // Let the load get going (bounded: a worker that failed ends the wait with its error), then kill at a random moment.
      let failure: unknown;
      const watched = workers.map((w) =>
        w.catch((error: unknown) => {
          failure = error;
        }),
      );
      const deadline = Date.now() + 60_000;
      while (acked.grants.size === before && failure === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      if (failure !== undefined || acked.grants.size === before) {
        stopped = true;
        await server.kill9();
        await Promise.all(watched);
        throw failure ?? new Error('no grant was acknowledged within 60 s of load');
      }
      const delay = 100 + Math.floor(Math.random() * 900);
      await new Promise((r) => setTimeout(r, delay));
      await server.kill9();
      const killedAt = Date.now();
      stopped = true;
      await Promise.all(workers);
      server = undefined;
      checkDatabase(dbFile, acked);
      summary.iterations++;
      if (lastRevoke.at) summary.lastRevokeBeforeKillMs.push(killedAt - lastRevoke.at);
      log(
        `round ${i + 1}: killed ${delay} ms into the load; acknowledged so far: ${acked.publicTokens.size} public tokens, ${acked.grants.size} grants, ${acked.revoked.size} revokes, ${acked.replayRevoked.size} replays`,
      );
    }
    server = await spawnServer(dbFile);
    await checkAfterRestart(server, acked);
    await server.stop();
    server = undefined;
    checkDatabase(dbFile, acked);
    Object.assign(summary, {
      publicTokens: acked.publicTokens.size,
      grants: acked.grants.size,
      revoked: acked.revoked.size,
      replays: acked.replayRevoked.size,
    });
    return summary;
  } finally {
    await server?.kill9();
    rmSync(dir, { recursive: true, force: true });
  }
}
