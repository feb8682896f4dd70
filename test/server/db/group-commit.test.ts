/**
 * Group commit (server/db/group-commit.ts) on a real SQLite file: writes issued in one
 * event-loop turn share one COMMIT, a failing write rolls back alone, a caller is answered
 * only once its write is durable, and single-use conditional updates keep their meaning
 * inside a batch. Commits are counted as the COMMIT statements that reach SQLite (Kysely's log).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { migrate, openSqlite, type Db } from '../../../server/db/database.ts';
import type { Database } from '../../../server/db/tables.ts';
import { createGroupCommit, type Writer } from '../../../server/db/group-commit.ts';

let dir: string;
let db: Db;
let close: () => void;
let observer: SQLite.Database;
let write: Writer;
let committed = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kc-group-commit-'));
  const file = join(dir, 'connect.db');
  const sqlite = openSqlite(file);
  db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (event) => {
      if (event.level === 'query' && /^commit$/i.test(event.query.sql.trim())) committed++;
    },
  });
  await migrate(db);
  close = () => sqlite.close();
  await sql`create table gc_rows (k text primary key, v integer not null)`.execute(db);
  await sql`create table gc_once (id integer primary key, used integer not null)`.execute(db);
  observer = new SQLite(file, { readonly: true });
  write = createGroupCommit(db);
});
after(() => {
  observer?.close();
  close?.();
  rmSync(dir, { recursive: true, force: true });
});

const commits = () => committed;
const rows = (prefix: string) => observer.prepare('select k from gc_rows where k like ? order by k').pluck().all(`${prefix}%`) as string[];
const insert = (k: string) => (trx: Db) => sql`insert into gc_rows (k, v) values (${k}, 1)`.execute(trx).then(() => k);

test('ten writes in one turn are one commit; ten awaited one by one are ten', async () => {
  const before = commits();
  const keys = await Promise.all(Array.from({ length: 10 }, (_, i) => write(insert(`same-turn-${i}`))));
  assert.deepEqual(
    keys,
    Array.from({ length: 10 }, (_, i) => `same-turn-${i}`),
    'each caller gets its own result',
  );
  assert.equal(commits() - before, 1);
  const before2 = commits();
  for (let i = 0; i < 10; i++) await write(insert(`awaited-${i}`));
  assert.equal(commits() - before2, 10);
  assert.equal(rows('same-turn-').length + rows('awaited-').length, 20);
});

test('a failing write rolls back alone: the others in its batch commit, it is rejected with its own error', async () => {
  const results = await Promise.allSettled([
    write(insert('batch-a')),
    write(async (trx) => {
      await insert('batch-failing')(trx);
      throw new Error('refused by a rule');
    }),
    write(insert('batch-a')), // primary key clash: SQLite's own error, also alone
    write(insert('batch-c')),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
  );
  assert.equal((results[1] as PromiseRejectedResult).reason.message, 'refused by a rule');
  assert.match(String((results[2] as PromiseRejectedResult).reason), /UNIQUE/);
  assert.deepEqual(rows('batch-'), ['batch-a', 'batch-c'], 'the failing write left nothing behind');
});

test('a caller is answered only once its write is visible to another connection (committed)', async () => {
  const seen = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      write(insert(`durable-${i}`)).then((k) => observer.prepare('select count(*) from gc_rows where k = ?').pluck().get(k) as number),
    ),
  );
  assert.deepEqual(seen, [1, 1, 1, 1, 1]);
});

test('a single-use conditional update used by 20 writes in one batch succeeds exactly once', async () => {
  await write((trx) => sql`insert into gc_once (id, used) values (1, 0)`.execute(trx));
  const before = commits();
  const claims = await Promise.all(
    Array.from({ length: 20 }, () =>
      write(async (trx) => Number((await sql`update gc_once set used = 1 where id = 1 and used = 0`.execute(trx)).numAffectedRows ?? 0)),
    ),
  );
  assert.equal(commits() - before, 1, 'one batch');
  assert.deepEqual(claims.filter((n) => n === 1).length, 1);
});

test('more writes than one batch holds (64) are all committed, in batches, none lost', async () => {
  const before = commits();
  const keys = await Promise.all(Array.from({ length: 200 }, (_, i) => write(insert(`many-${String(i).padStart(3, '0')}`))));
  assert.equal(new Set(keys).size, 200);
  assert.equal(rows('many-').length, 200);
  const used = commits() - before;
  assert.ok(used >= 4 && used <= 10, `200 writes in ${used} commits (batches of at most 64)`);
});
