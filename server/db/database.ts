/**
 * Opens the SQLite file behind Kysely, sets and checks the pragmas docs/security-model.md
 * decides (WAL, synchronous=FULL — T36 —, foreign keys, busy_timeout) and runs migrations.
 * The only module that knows the database is SQLite.
 */
import { statSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql, type MigrationProvider } from 'kysely';
import type { Database } from './tables.ts';
import { migrations } from './migrations/index.ts';
import { preparePrivateDatabaseFile } from './private-file.ts';

export type Db = Kysely<Database>;

export type OpenedDatabase = { db: Db; sqlite: SQLite.Database };

export function openSqlite(file: string): SQLite.Database {
  preparePrivateDatabaseFile(file);
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536'); // 64 MB: token and grant keys are random, so their B-tree pages are touched all over
  checkPragmas(sqlite, file);
  return sqlite;
}

/** Refuses to start on a database that would not keep an acknowledged revoke (T36). */
function checkPragmas(sqlite: SQLite.Database, file: string): void {
  const journal = sqlite.pragma('journal_mode', { simple: true });
  const synchronous = sqlite.pragma('synchronous', { simple: true });
  const foreignKeys = sqlite.pragma('foreign_keys', { simple: true });
  if (file !== ':memory:' && journal !== 'wal') throw new Error(`SQLite journal_mode is ${String(journal)}, expected wal`);
  if (synchronous !== 2) throw new Error(`SQLite synchronous is ${String(synchronous)}, expected 2 (FULL)`);
  if (foreignKeys !== 1) throw new Error('SQLite foreign_keys is off');
}

/**
 * Kysely prepares every statement it runs; preparing costs more than running a point
 * query, so prepared statements are kept by SQL text (bounded). Statements run
 * synchronously right after `prepare`, so sharing one is safe.
 */
function withStatementCache(sqlite: SQLite.Database, max = 500) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(text: string) {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = sqlite.prepare(text);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(text, stmt);
      }
      return stmt;
    },
    close: () => sqlite.close(),
  };
}

export async function openDatabase(file: string): Promise<OpenedDatabase> {
  const sqlite = openSqlite(file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  await migrate(db);
  return { db, sqlite };
}

const MIGRATION_RETRY_MS = 30_000;

export async function migrate(db: Db): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  // Kysely takes no migration lock on SQLite: processes opening a fresh file at once (a
  // server and the CLI, several servers) race, and the losers fail with "table … already
  // exists" or SQLITE_BUSY. A retry finds the winner's migrations recorded and does nothing.
  // The winner may need seconds on a loaded machine, so the losers keep retrying for up to
  // MIGRATION_RETRY_MS (a real failure — a bad migration — still ends in an error).
  const deadline = Date.now() + MIGRATION_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (!error && !failed) return;
    if (Date.now() > deadline) throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(25 * attempt, 500)));
  }
}

/** Online, consistent copy of a live database (T38): SQLite's backup API, never `cp`. */
export async function backupDatabase(sqlite: SQLite.Database, target: string): Promise<{ totalPages: number }> {
  preparePrivateDatabaseFile(target);
  const result = await sqlite.backup(target);
  return { totalPages: result.totalPages };
}

/** True for SQLite's "database is locked" errors, which become a 503 with Retry-After (T37). */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/**
 * Runs `fn` in a write transaction that takes the write lock up front (`BEGIN IMMEDIATE`,
 * T37): with several processes on one file, a deferred transaction that upgrades to a
 * write can fail with SQLITE_BUSY without waiting; an immediate one waits busy_timeout.
 * `fn` must not do network I/O (docs/security-model.md decision 5).
 */
export async function writeTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Keeps the WAL from growing without bound (T39): long readers can starve SQLite's
 * automatic checkpoints, so past `maxBytes` a RESTART checkpoint is run. Returns a stop function.
 */
export function startWalWatchdog(sqlite: SQLite.Database, file: string, options: { maxBytes?: number; intervalMs?: number } = {}): () => void {
  if (file === ':memory:') return () => undefined;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const timer = setInterval(() => {
    try {
      if ((statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0) > maxBytes) sqlite.pragma('wal_checkpoint(RESTART)');
    } catch {
      /* busy or closed: the next round retries */
    }
  }, options.intervalMs ?? 30_000);
  timer.unref();
  return () => clearInterval(timer);
}
