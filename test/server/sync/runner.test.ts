/**
 * The job runner: restart during a sync resumes from the stored cursor without duplicates,
 * a crashed process's job is taken over only when its lease ran out, two processes never
 * run one job, failures retry with backoff and end FAILED with the reason, unconfigured
 * sources fail at once, and re-syncs are incremental (`latest`) or rebuild (`from_start`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermanentSourceError } from '../../../server/sync/source.ts';
import { addControlledIntegration, controlledSource, guestWorkspace, startSyncServer, testTransaction, type SyncTestServer } from './helpers.ts';

const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => testTransaction(from + i));

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

const job = (s: SyncTestServer, id: string) => s.ctx.db.selectFrom('sync_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const integration = (s: SyncTestServer, id: string) => s.ctx.db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const externalIds = async (s: SyncTestServer, id: string) =>
  (await s.ctx.db.selectFrom('transactions').select('external_id').where('integration_id', '=', id).orderBy('external_id').execute()).map((r) => r.external_id);

describe('restart and crash recovery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-sync-restart-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('stopping the server mid-sync and starting a new one on the same file resumes the job; no duplicates', async () => {
    const first = controlledSource();
    first.state.transactions = range(35);
    first.state.block();
    const s1 = await startSyncServer({ dir, sync: { sources: first.registry } });
    const ws = await guestWorkspace(s1);
    const id = await addControlledIntegration(s1, ws);
    const [jobId] = await s1.ctx.sync!.queue([id], 'latest');
    await first.state.blocked;
    assert.equal((await job(s1, jobId!)).status, 'running');
    assert.equal((await integration(s1, id)).status, 'ONGOING');
    await until(async () => (await externalIds(s1, id)).length === 10, 'the first page');
    await s1.stop();

    const stopped = await (async () => {
      const s = await startSyncServer({ dir, sync: false });
      try {
        return { job: await job(s, jobId!), row: await integration(s, id) };
      } finally {
        await s.stop();
      }
    })();
    assert.equal(stopped.job.status, 'queued', 'a graceful stop puts the job back');
    assert.equal(stopped.job.attempts, 0, 'an interrupted attempt does not count');
    assert.equal(stopped.row.sync_cursor, '10');

    const second = controlledSource();
    second.state.transactions = range(35);
    const s2 = await startSyncServer({ dir, sync: { sources: second.registry } });
    try {
      await s2.ctx.sync!.waitIdle();
      const done = await job(s2, jobId!);
      assert.equal(done.status, 'completed');
      assert.equal(done.attempts, 1);
      assert.deepEqual(second.state.cursors, ['10'], 'resumed from the stored cursor');
      const ids = await externalIds(s2, id);
      assert.equal(ids.length, 35);
      assert.equal(new Set(ids).size, 35);
      const row = await integration(s2, id);
      assert.equal(row.status, 'COMPLETED');
      assert.equal(row.total_transactions, 35);
    } finally {
      await s2.stop();
    }
  });

  test('a job left running by a crashed process is taken over only once its lease has run out', async () => {
    const src = controlledSource();
    src.state.transactions = range(5);
    const s = await startSyncServer({ dir, sync: { sources: src.registry, leaseMs: 300 } });
    try {
      const ws = await guestWorkspace(s);
      const id = await addControlledIntegration(s, ws, 2);
      const now = s.clock.now();
      // What a process that died mid-sync leaves behind: running, lease still valid.
      await s.ctx.db
        .insertInto('sync_jobs')
        .values({
          id: 'sync_crashed0000000000000000',
          integration_id: id,
          mode: 'latest',
          status: 'running',
          attempts: 1,
          run_after: now + 60_000,
          started_at: now,
          finished_at: null,
          last_error: null,
          created_at: now,
        })
        .execute();
      await new Promise((r) => setTimeout(r, 400));
      assert.equal((await job(s, 'sync_crashed0000000000000000')).status, 'running', 'a live lease is respected');
      assert.equal(src.state.calls, 0);
      await s.ctx.db
        .updateTable('sync_jobs')
        .set({ run_after: now - 1 })
        .where('id', '=', 'sync_crashed0000000000000000')
        .execute();
      await s.ctx.sync!.waitIdle();
      const done = await job(s, 'sync_crashed0000000000000000');
      assert.equal(done.status, 'completed');
      assert.equal(done.attempts, 2);
      assert.equal((await externalIds(s, id)).length, 5);
    } finally {
      await s.stop();
    }
  });

  test('two servers on one database never run the same job', async () => {
    const a = controlledSource();
    const b = controlledSource();
    a.state.transactions = range(12);
    b.state.transactions = range(12);
    const s1 = await startSyncServer({ dir, sync: { sources: a.registry } });
    const s2 = await startSyncServer({ dir, sync: { sources: b.registry } });
    try {
      const ws = await guestWorkspace(s1);
      const ids: string[] = [];
      for (let n = 10; n < 18; n++) ids.push(await addControlledIntegration(s1, ws, n));
      await s1.ctx.sync!.queue(ids, 'latest');
      s2.ctx.sync!.kick();
      await s1.ctx.sync!.waitIdle();
      await s2.ctx.sync!.waitIdle();
      const ran = [...a.state.synced, ...b.state.synced].sort();
      assert.deepEqual(ran, [...ids].sort(), 'each integration synced exactly once');
      const jobs = await s1.ctx.db.selectFrom('sync_jobs').select(['status', 'attempts']).where('integration_id', 'in', ids).execute();
      assert.ok(jobs.every((j) => j.status === 'completed' && j.attempts === 1));
    } finally {
      await s1.stop();
      await s2.stop();
    }
  });
});

describe('failures', () => {
  let s: SyncTestServer;
  const src = controlledSource();
  const backoffs: number[] = [];
  before(async () => {
    s = await startSyncServer({
      sync: { sources: src.registry, maxAttempts: 3, backoffMs: (attempt) => (backoffs.push(attempt), attempt === 1 ? 300 : 20 * 2 ** attempt) },
    });
  });
  after(() => s.stop());

  test('a failing source is retried with backoff, then the job ends FAILED with the reason', async () => {
    src.state.failWith = new Error('RPC timeout (upstream 503)');
    const ws = await guestWorkspace(s);
    const id = await addControlledIntegration(s, ws, 1);
    const [jobId] = await s.ctx.sync!.queue([id], 'latest');
    await until(async () => (await job(s, jobId!)).attempts === 1 && (await job(s, jobId!)).status === 'queued', 'the first failure');
    const waiting = await job(s, jobId!);
    assert.ok(waiting.run_after > s.clock.now(), 'the retry waits for its backoff');
    assert.equal(waiting.last_error, 'RPC timeout (upstream 503)');
    const during = await integration(s, id);
    assert.equal(during.status, 'ONGOING');
    assert.match(during.message!, /attempt 1 of 3 failed, retrying: RPC timeout/);

    await s.ctx.sync!.waitIdle();
    const done = await job(s, jobId!);
    assert.equal(done.status, 'failed');
    assert.equal(done.attempts, 3);
    assert.match(done.last_error!, /RPC timeout \(upstream 503\)/);
    assert.deepEqual(backoffs, [1, 2]);
    assert.equal(src.state.calls, 3);
    const row = await integration(s, id);
    assert.equal(row.status, 'FAILED');
    assert.equal(row.message, 'RPC timeout (upstream 503)');
    assert.equal(row.last_synced_at, null);
    const log = JSON.parse(row.sync_log!);
    assert.deepEqual(log.Balances, { status: 'FAILED', message: 'RPC timeout (upstream 503)' });
    assert.equal(log.Transactions.status, 'FAILED');
  });

  test('a transient failure followed by success completes on the next attempt', async () => {
    src.state.failWith = new Error('connection reset');
    src.state.transactions = range(3);
    const ws = await guestWorkspace(s);
    const id = await addControlledIntegration(s, ws, 2);
    const [jobId] = await s.ctx.sync!.queue([id], 'latest');
    await until(async () => (await job(s, jobId!)).attempts === 1 && (await job(s, jobId!)).status === 'queued', 'the first failure');
    src.state.failWith = null;
    await s.ctx.sync!.waitIdle();
    assert.equal((await job(s, jobId!)).status, 'completed');
    assert.equal((await job(s, jobId!)).attempts, 2);
    const row = await integration(s, id);
    assert.equal(row.status, 'COMPLETED');
    assert.equal(row.message, null);
  });

  test('one function failing for good leaves the integration PARTIALLY SYNCED', async () => {
    src.state.balancesError = new PermanentSourceError('balances endpoint not supported');
    src.state.transactions = range(4);
    const ws = await guestWorkspace(s);
    const id = await addControlledIntegration(s, ws, 3);
    const [jobId] = await s.ctx.sync!.queue([id], 'latest');
    await s.ctx.sync!.waitIdle();
    src.state.balancesError = null;
    assert.equal((await job(s, jobId!)).status, 'partially_synced');
    const row = await integration(s, id);
    assert.equal(row.status, 'PARTIALLY SYNCED');
    assert.equal(row.message, 'Balances: balances endpoint not supported');
    assert.deepEqual(JSON.parse(row.sync_log!), {
      Balances: { status: 'FAILED', message: 'balances endpoint not supported' },
      Transactions: { status: 'COMPLETED' },
    });
    assert.equal(row.total_transactions, 4);
  });

  test('without a configured source a chain or exchange fails at once, saying what is missing', async () => {
    const ws = await guestWorkspace(s);
    const chain = await addControlledIntegration(s, ws, 4, { controlled: false });
    const exchange = await addControlledIntegration(s, ws, 5, { provider: 'binance' });
    const jobIds = await s.ctx.sync!.queue([chain, exchange], 'latest');
    await s.ctx.sync!.waitIdle();
    for (const j of jobIds) assert.deepEqual([(await job(s, j)).status, (await job(s, j)).attempts], ['failed', 1]);
    assert.deepEqual([(await integration(s, chain)).status, (await integration(s, chain)).message], ['FAILED', 'No RPC configured for polygon']);
    assert.deepEqual(
      [(await integration(s, exchange)).status, (await integration(s, exchange)).message],
      ['FAILED', 'Exchange sync is not configured for Binance'],
    );
  });
});

describe('re-syncs', () => {
  let s: SyncTestServer;
  const src = controlledSource();
  before(async () => {
    s = await startSyncServer({ sync: { sources: src.registry } });
  });
  after(() => s.stop());

  test('latest is incremental: only new transactions are read and appended; from_start rebuilds', async () => {
    src.state.transactions = range(25);
    const ws = await guestWorkspace(s);
    const id = await addControlledIntegration(s, ws, 1);
    await s.ctx.sync!.queue([id], 'latest');
    await s.ctx.sync!.waitIdle();
    const before = await s.ctx.db
      .selectFrom('transactions')
      .select(['id', 'external_id', 'created_at'])
      .where('integration_id', '=', id)
      .orderBy('external_id')
      .execute();
    assert.equal(before.length, 25);

    s.clock.advance(60_000);
    src.state.transactions = range(30);
    await s.ctx.sync!.queue([id], 'latest');
    await s.ctx.sync!.waitIdle();
    const afterLatest = await s.ctx.db
      .selectFrom('transactions')
      .select(['id', 'external_id', 'created_at'])
      .where('integration_id', '=', id)
      .orderBy('external_id')
      .execute();
    assert.equal(afterLatest.length, 30);
    assert.deepEqual(afterLatest.slice(0, 25), before, 'existing rows untouched');
    assert.deepEqual(src.state.cursors, [null, '25']);

    await s.ctx.sync!.queue([id], 'latest');
    await s.ctx.sync!.waitIdle();
    assert.equal((await externalIds(s, id)).length, 30);
    assert.equal((await integration(s, id)).sync_cursor, '30');

    src.state.transactions = range(20, 101);
    await s.ctx.sync!.queue([id], 'from_start');
    await s.ctx.sync!.waitIdle();
    const rebuilt = await externalIds(s, id);
    assert.deepEqual(
      rebuilt,
      range(20, 101).map((t) => t.externalId),
    );
    assert.equal(src.state.cursors.at(-1), null);
    const row = await integration(s, id);
    assert.equal(row.total_transactions, 20);
    assert.equal(row.status, 'COMPLETED');
    const assets = await s.ctx.db
      .selectFrom('transaction_assets as a')
      .innerJoin('transactions as t', 't.id', 'a.transaction_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('t.integration_id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(assets.n), 20);
  });

  test('a from_start request folds into a waiting latest sync of the same integration', async () => {
    const ws = await guestWorkspace(s);
    const id = await addControlledIntegration(s, ws, 2);
    const now = s.clock.now();
    const later = await s.ctx.write(async (trx) => {
      const { queueSync } = await import('../../../server/sync/jobs.repository.ts');
      const a = await queueSync(trx, now + 3_600_000, id, 'latest');
      await trx
        .updateTable('sync_jobs')
        .set({ run_after: now + 3_600_000 })
        .where('id', '=', a)
        .execute();
      const b = await queueSync(trx, now + 3_600_000, id, 'from_start');
      return [a, b];
    });
    assert.equal(later[0], later[1]);
    assert.equal((await job(s, later[0]!)).mode, 'from_start');
    await s.ctx.db.updateTable('sync_jobs').set({ run_after: now }).where('id', '=', later[0]!).execute();
    s.ctx.sync!.kick();
    await s.ctx.sync!.waitIdle();
    assert.equal((await job(s, later[0]!)).status, 'completed');
  });
});
