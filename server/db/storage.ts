/**
 * The database as the rest of the server sees it: the query builder, the one writer (group
 * commit), read caches over it, and a close. Whatever is engine-specific — the SQLite
 * handle, its WAL watchdog, the change marker the read cache checks — stays in this folder.
 */
import type SQLite from 'better-sqlite3';
import { openDatabase, startWalWatchdog, type Db } from './database.ts';
import { createGroupCommit, type GroupCommit } from './group-commit.ts';
import { createReadCache, type ReadCache } from './read-cache.ts';

export type Storage = {
  readonly db: Db;
  /** Every write: group commit, one fsync per batch, each caller answered after COMMIT. */
  readonly write: GroupCommit;
  /** A cache of expensive reads, dropped whenever the database changes. */
  readCache(options?: { sizedBudgetBytes?: number }): ReadCache;
  /** The engine's own handle, for the tests and benchmarks that inspect it (never the server). */
  readonly engine: { readonly sqlite: SQLite.Database };
  close(): Promise<void>;
};

export async function openStorage(file: string): Promise<Storage> {
  const { db, sqlite } = await openDatabase(file);
  const stopWalWatchdog = startWalWatchdog(sqlite, file);
  return {
    db,
    write: createGroupCommit(db),
    readCache: (options) => createReadCache(sqlite, options),
    engine: { sqlite },
    async close() {
      stopWalWatchdog();
      await db.destroy();
    },
  };
}
