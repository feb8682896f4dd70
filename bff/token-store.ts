/**
 * Each partner user's Kryptos connection: the `cat_` access token and the `cgrant_` grant
 * id, sealed with AES-256-GCM (docs/security-model.md T32). The AAD names the table, the row id, the
 * partner user and the purpose, so a ciphertext moved to another row, user or column does
 * not open. Only `connectionView` leaves this module towards a browser — never a token.
 */
import { randomBytes } from 'node:crypto';
import type { BffDb, ConnectionsTable } from './db.ts';
import type { Sealer } from './crypto.ts';

export type Purpose = 'access_token' | 'grant_id';
export const sealingAad = (rowId: string, partnerUserId: string, purpose: Purpose) => `connections|${rowId}|${partnerUserId}|${purpose}`;

export type Connection = {
  id: string;
  partnerUserId: string;
  accessToken: string;
  grantId: string;
  scopes: string;
  workspaceId: string;
  kryptosUserId: string;
  connectedAt: number;
};

export type NewConnection = Omit<Connection, 'id' | 'connectedAt'>;

export function createTokenStore(db: BffDb, sealer: Sealer) {
  function open(row: ConnectionsTable): Connection {
    return {
      id: row.id,
      partnerUserId: row.partner_user_id,
      accessToken: sealer.open(row.access_token_sealed, sealingAad(row.id, row.partner_user_id, 'access_token')),
      grantId: sealer.open(row.grant_id_sealed, sealingAad(row.id, row.partner_user_id, 'grant_id')),
      scopes: row.scopes,
      workspaceId: row.workspace_id,
      kryptosUserId: row.kryptos_user_id,
      connectedAt: row.connected_at,
    };
  }

  return {
    /** The user's connection, decrypted; throws DecryptionError if the stored ciphertext was altered. */
    async find(partnerUserId: string): Promise<Connection | undefined> {
      const row = await db.selectFrom('connections').selectAll().where('partner_user_id', '=', partnerUserId).executeTakeFirst();
      return row && open(row);
    },

    /** Stores the user's connection, replacing any previous one; returns the replaced one (to revoke it). */
    async save(now: number, c: NewConnection): Promise<Connection | undefined> {
      const id = `conn_${randomBytes(12).toString('hex')}`;
      const values: ConnectionsTable = {
        id,
        partner_user_id: c.partnerUserId,
        access_token_sealed: sealer.seal(c.accessToken, sealingAad(id, c.partnerUserId, 'access_token')),
        grant_id_sealed: sealer.seal(c.grantId, sealingAad(id, c.partnerUserId, 'grant_id')),
        scopes: c.scopes,
        workspace_id: c.workspaceId,
        kryptos_user_id: c.kryptosUserId,
        connected_at: now,
        updated_at: now,
      };
      return db.transaction().execute(async (trx) => {
        const previous = await trx.selectFrom('connections').selectAll().where('partner_user_id', '=', c.partnerUserId).executeTakeFirst();
        if (previous) await trx.deleteFrom('connections').where('id', '=', previous.id).execute();
        await trx.insertInto('connections').values(values).execute();
        if (!previous) return undefined;
        try {
          return open(previous);
        } catch {
          return undefined;
        }
      });
    },

    /** Forgets the connection (after the grant was revoked at the server). */
    async remove(id: string): Promise<void> {
      await db.deleteFrom('connections').where('id', '=', id).execute();
    },

    async removeForUser(partnerUserId: string): Promise<void> {
      await db.deleteFrom('connections').where('partner_user_id', '=', partnerUserId).execute();
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;

/** What the browser may see about a connection. */
export function connectionView(c: Connection | undefined) {
  if (!c) return { connected: false as const, grant_id: null, scopes: [], workspace_id: null, connected_at: null };
  return {
    connected: true as const,
    grant_id: c.grantId,
    scopes: c.scopes.split(' ').filter(Boolean),
    workspace_id: c.workspaceId,
    connected_at: new Date(c.connectedAt).toISOString(),
  };
}
