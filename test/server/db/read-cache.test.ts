/**
 * The read cache (server/db/read-cache.ts) on a real SQLite file: a value is computed once
 * and served until the database changes — by this connection (total_changes) or by another
 * process's connection (data_version) — concurrent readers share one computation, a value
 * computed while a write landed is not kept, and large values stay within their byte budget.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openSqlite } from '../../../server/db/database.ts';
import { createReadCache } from '../../../server/db/read-cache.ts';

let dir: string;
let file: string;
let own: SQLite.Database;
let other: SQLite.Database;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kc-read-cache-'));
  file = join(dir, 'connect.db');
  own = openSqlite(file);
  own.exec('create table t (v integer)');
  other = openSqlite(file);
});
after(() => {
  other?.close();
  own?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A computation that counts its runs and reads the table's row count. */
function counted() {
  let runs = 0;
  return {
    compute: async () => {
      runs++;
      return own.prepare('select count(*) from t').pluck().get() as number;
    },
    get runs() {
      return runs;
    },
  };
}

test('computed once, then served from the cache until this connection writes', async () => {
  const cache = createReadCache(own);
  const c = counted();
  assert.equal(await cache.get('count', c.compute), 0);
  assert.equal(await cache.get('count', c.compute), 0);
  assert.equal(c.runs, 1);
  own.prepare('insert into t (v) values (1)').run();
  assert.equal(await cache.get('count', c.compute), 1, 'never stale after our own write');
  assert.equal(c.runs, 2);
});

test('a commit by another connection (a CLI, a sync worker) clears it too', async () => {
  const cache = createReadCache(own);
  const c = counted();
  const first = await cache.get('count', c.compute);
  other.prepare('insert into t (v) values (2)').run();
  assert.equal(await cache.get('count', c.compute), first + 1);
  assert.equal(c.runs, 2);
});

test('concurrent readers of one key share one computation', async () => {
  const cache = createReadCache(own);
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow = async () => {
    runs++;
    await gate;
    return 'value';
  };
  const readers = Array.from({ length: 5 }, () => cache.get('slow', slow));
  release();
  assert.deepEqual(await Promise.all(readers), Array(5).fill('value'));
  assert.equal(runs, 1);
});

test('a value computed while a write landed is answered but not kept', async () => {
  const cache = createReadCache(own);
  let runs = 0;
  const racing = async () => {
    runs++;
    const n = own.prepare('select count(*) from t').pluck().get() as number;
    own.prepare('insert into t (v) values (3)').run(); // a write interleaves with the read
    return n;
  };
  await cache.get('racy', racing);
  await cache.get('racy', racing);
  assert.equal(runs, 2, 'the second read computed again');
});

test('getMany loads only the keys it does not hold', async () => {
  const cache = createReadCache(own);
  const asked: string[][] = [];
  const load = async (missing: string[]) => {
    asked.push(missing);
    return new Map(missing.map((k) => [k, k.toUpperCase()]));
  };
  assert.deepEqual(
    [...(await cache.getMany(['a', 'b'], load))],
    [
      ['a', 'A'],
      ['b', 'B'],
    ],
  );
  assert.deepEqual([...(await cache.getMany(['a', 'b', 'c'], load)).entries()].sort(), [
    ['a', 'A'],
    ['b', 'B'],
    ['c', 'C'],
  ]);
  assert.deepEqual(asked, [['a', 'b'], ['c']]);
});

test('sized values stay within the byte budget, oldest out first; a budget of 0 keeps nothing', async () => {
  const cache = createReadCache(own, { sizedBudgetBytes: 8000 });
  let runs = 0;
  const page = (fill: string) => async () => {
    runs++;
    return fill.repeat(1000);
  };
  await cache.getSized('p1', page('a'));
  await cache.getSized('p1', page('a'));
  assert.equal(runs, 1, 'a page within budget/8 is kept');
  for (let i = 2; i <= 9; i++) await cache.getSized(`p${i}`, page('b'));
  runs = 0;
  await cache.getSized('p1', page('a'));
  assert.equal(runs, 1, 'nine 1000-byte pages exceed 8000 bytes: the oldest went out');
  await cache.getSized('big', page('xx'));
  await cache.getSized('big', page('xx'));
  assert.equal(runs, 3, 'a page larger than budget/8 is never kept');

  const none = createReadCache(own, { sizedBudgetBytes: 0 });
  runs = 0;
  await none.getSized('p', page('a'));
  await none.getSized('p', page('a'));
  assert.equal(runs, 2);
});
