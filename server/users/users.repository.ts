/** The `users`, `workspaces` and `workspace_members` tables: guests (the workspace is the identity) and email users. */
import type { Db } from '../db/database.ts';
import { randomId } from '../crypto.ts';

/** Inserts a user with one owned workspace; returns both. Call inside a transaction. */
export async function insertUserWithWorkspace(db: Db, now: number, email: string | null) {
  const userId = randomId('usr_', 12);
  const workspaceId = randomId('ws_', 12);
  // Never derived from the email: check-session and the widget show it to the partner.
  const name = email ? 'My workspace' : 'Guest workspace';
  await db
    .insertInto('users')
    .values({ id: userId, email, is_anonymous: email ? 0 : 1, name: null, language: 'en', created_at: now })
    .execute();
  await db
    .insertInto('workspaces')
    .values({ id: workspaceId, name, owner_id: userId, base_currency: 'USD', transaction_limit: null, created_at: now })
    .execute();
  await db.insertInto('workspace_members').values({ workspace_id: workspaceId, user_id: userId, role: 'owner', created_at: now }).execute();
  return { userId, workspaceId };
}

export async function findUserByEmail(db: Db, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUser(db: Db, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listWorkspaces(db: Db, userId: string) {
  return db
    .selectFrom('workspace_members as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['w.id', 'w.name', 'm.role', 'w.created_at'])
    .where('m.user_id', '=', userId)
    .orderBy('w.created_at')
    .execute();
}

export async function findWorkspace(db: Db, id: string) {
  return db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
}
