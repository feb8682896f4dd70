/**
 * The BFF's own store: Kysely over better-sqlite3, WAL with `synchronous=FULL` checked at
 * boot (docs/security-model.md T36: a forgotten or replaced connection must survive a power loss), and
 * its two tables. The only module that knows the database is SQLite.
 */
import { preparePrivateDatabaseFile } from '../server/db/private-file.ts';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

export type SessionsTable = {
  /** SHA-256 of the opaque session id: a stolen database does not yield live cookies. */
  id_digest: string;
  partner_user_id: string;
  created_at: number;
  expires_at: number;
};

export type ConnectionsTable = {
  id: string;
  partner_user_id: string;
  /** `keyId:nonce:ct:tag`, AAD `connections|<id>|<partner user>|access_token`. */
  access_token_sealed: string;
  /** `keyId:nonce:ct:tag`, AAD `connections|<id>|<partner user>|grant_id`. */
  grant_id_sealed: string;
  scopes: string;
  workspace_id: string;
  kryptos_user_id: string;
  connected_at: number;
  updated_at: number;
};

/** Webhook deliveries received (verified): the id deduplicates retries; the demo polls the latest per workspace. */
export type WebhookEventsTable = { id: string; event: string; workspace_id: string; grant_id: string | null; status: string | null; received_at: number };

export type BffDatabase = { sessions: SessionsTable; connections: ConnectionsTable; webhook_events: WebhookEventsTable };
export type BffDb = Kysely<BffDatabase>;

export function openBffDatabase(file: string): { db: BffDb; sqlite: SQLite.Database } {
  preparePrivateDatabaseFile(file);
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const journal = sqlite.pragma('journal_mode', { simple: true });
  const synchronous = sqlite.pragma('synchronous', { simple: true });
  if (file !== ':memory:' && journal !== 'wal') throw new Error(`BFF database: journal_mode is ${String(journal)}, expected wal`);
  if (synchronous !== 2) throw new Error(`BFF database: synchronous is ${String(synchronous)}, expected 2 (FULL)`);
  sqlite.exec(`
    CREATE TABLE IF NOT EXISTS sessions (
      id_digest TEXT PRIMARY KEY,
      partner_user_id TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);
    CREATE TABLE IF NOT EXISTS connections (
      id TEXT PRIMARY KEY,
      partner_user_id TEXT NOT NULL UNIQUE,
      access_token_sealed TEXT NOT NULL,
      grant_id_sealed TEXT NOT NULL,
      scopes TEXT NOT NULL,
      workspace_id TEXT NOT NULL,
      kryptos_user_id TEXT NOT NULL,
      connected_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS webhook_events (
      id TEXT PRIMARY KEY,
      event TEXT NOT NULL,
      workspace_id TEXT NOT NULL,
      grant_id TEXT,
      status TEXT,
      received_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS webhook_events_workspace ON webhook_events (workspace_id, received_at);
  `);
  const db = new Kysely<BffDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, sqlite };
}
