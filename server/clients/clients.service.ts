/**
 * The developer portal's operations on clients — shared by the CLI and the admin API —
 * and client authentication (T2–T4, T6): secrets are `cs_` tokens stored as SHA-256
 * digests, compared in constant time, with a dummy digest for unknown ids.
 */
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Client } from '../db/tables.ts';
import { digest, digestsEqual, isWellFormedToken, randomId, randomToken } from '../crypto.ts';
import { connectError } from '../errors.ts';
import { DEFAULT_CLIENT_SCOPES, parseScopes } from '../scopes.ts';
import { recordAudit } from '../audit.ts';
import { findActiveClient, insertClient, updateClientRow } from './clients.repository.ts';
import { revokeGrantsOfClient } from '../connect/grants.repository.ts';

const Origin = z
  .url({ protocol: /^https?$/ })
  .max(200)
  .transform((u, ctx) => {
    const url = new URL(u);
    if (url.pathname !== '/' || url.search || url.hash || url.username) {
      ctx.addIssue({ code: 'custom', message: `An origin is scheme://host[:port] only: ${u}` });
      return z.NEVER;
    }
    return url.origin;
  });
const RedirectUri = z.url({ protocol: /^https?$/ }).max(500);
/** A page the consent screen links to (http(s) only: the widget never renders another scheme as a link). */
const PageUrl = z.url({ protocol: /^https?$/ }).max(500);

export const ClientFields = z.strictObject({
  name: z.string().trim().min(1).max(100),
  description: z.string().max(500).nullable().optional(),
  origins: z.array(Origin).max(20).optional(),
  redirect_uris: z.array(RedirectUri).max(20).optional(),
  scopes: z.string().max(1024).optional(),
  logo_url: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .nullable()
    .optional(),
  privacy_policy_url: PageUrl.nullable().optional(),
  terms_url: PageUrl.nullable().optional(),
  sandbox: z.boolean().optional(),
});
export type ClientFields = z.infer<typeof ClientFields>;
export const ClientUpdate = ClientFields.partial();
export type ClientUpdate = z.infer<typeof ClientUpdate>;

export function clientView(c: Client) {
  return {
    client_id: c.id,
    name: c.name,
    description: c.description,
    origins: JSON.parse(c.origins) as string[],
    redirect_uris: JSON.parse(c.redirect_uris) as string[],
    scopes: c.scopes,
    logo_url: c.logo_url,
    privacy_policy_url: c.privacy_policy_url,
    terms_url: c.terms_url,
    sandbox: c.sandbox === 1,
    status: 'active' as const,
    previous_secret_expires_at:
      c.previous_secret_expires_at && c.previous_secret_expires_at > Date.now() ? new Date(c.previous_secret_expires_at).toISOString() : null,
    created_at: new Date(c.created_at).toISOString(),
    updated_at: new Date(c.updated_at).toISOString(),
  };
}

/** Each operation below writes its change and its audit row in one `write`. */
export async function createClient(write: Writer, now: number, input: ClientFields) {
  const fields = ClientFields.parse(input);
  const scopes = parseScopes(fields.scopes ?? DEFAULT_CLIENT_SCOPES);
  const id = randomId('client_', 16);
  const secret = randomToken('cs_');
  await write(async (trx) => {
    await insertClient(trx, {
      id,
      name: fields.name,
      description: fields.description ?? null,
      secret_digest: digest(secret),
      previous_secret_digest: null,
      previous_secret_expires_at: null,
      origins: JSON.stringify(fields.origins ?? []),
      redirect_uris: JSON.stringify(fields.redirect_uris ?? []),
      scopes: scopes.join(' '),
      logo_url: fields.logo_url ?? null,
      sandbox: fields.sandbox === false ? 0 : 1,
      privacy_policy_url: fields.privacy_policy_url ?? null,
      terms_url: fields.terms_url ?? null,
      webhook_url: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    });
    await recordAudit(trx, now, { clientId: id, event: 'client.created', details: { name: fields.name, sandbox: fields.sandbox !== false } });
  });
  return { client_id: id, client_secret: secret, sandbox: fields.sandbox !== false };
}

export async function getClient(db: Db, id: string): Promise<Client> {
  const client = await findActiveClient(db, id);
  if (!client) throw connectError('CLIENT_NOT_FOUND', 'No such client');
  return client;
}

export async function updateClient(write: Writer, now: number, id: string, input: ClientUpdate): Promise<Client> {
  const fields = ClientUpdate.parse(input);
  const set: Partial<Client> = { updated_at: now };
  if (fields.name !== undefined) set.name = fields.name;
  if (fields.description !== undefined) set.description = fields.description;
  if (fields.origins !== undefined) set.origins = JSON.stringify(fields.origins);
  if (fields.redirect_uris !== undefined) set.redirect_uris = JSON.stringify(fields.redirect_uris);
  if (fields.scopes !== undefined) set.scopes = parseScopes(fields.scopes).join(' ');
  if (fields.logo_url !== undefined) set.logo_url = fields.logo_url;
  if (fields.privacy_policy_url !== undefined) set.privacy_policy_url = fields.privacy_policy_url;
  if (fields.terms_url !== undefined) set.terms_url = fields.terms_url;
  if (fields.sandbox !== undefined) set.sandbox = fields.sandbox ? 1 : 0;
  return write(async (trx) => {
    await getClient(trx, id);
    await updateClientRow(trx, id, set);
    await recordAudit(trx, now, { clientId: id, event: 'client.updated', details: { fields: Object.keys(fields) } });
    return getClient(trx, id);
  });
}

/** New secret now; the old one keeps working for `graceMinutes` (0 = revoked at once). */
export async function rotateClientSecret(write: Writer, now: number, id: string, graceMinutes: number) {
  if (!Number.isInteger(graceMinutes) || graceMinutes < 0 || graceMinutes > 60 * 24 * 30) {
    throw connectError('INVALID_REQUEST', 'grace must be a whole number of minutes between 0 and 43200');
  }
  const secret = randomToken('cs_');
  await write(async (trx) => {
    const client = await getClient(trx, id);
    await updateClientRow(trx, id, {
      secret_digest: digest(secret),
      previous_secret_digest: graceMinutes > 0 ? client.secret_digest : null,
      previous_secret_expires_at: graceMinutes > 0 ? now + graceMinutes * 60_000 : null,
      updated_at: now,
    });
    await recordAudit(trx, now, { clientId: id, event: 'client.secret_rotated', details: { grace_minutes: graceMinutes } });
  });
  return { client_id: id, client_secret: secret, previous_secret_expires_at: graceMinutes > 0 ? new Date(now + graceMinutes * 60_000).toISOString() : null };
}

/** Deletes a client: it can no longer authenticate, and every grant it holds is revoked. */
export async function deleteClient(write: Writer, now: number, id: string) {
  const revoked = await write(async (trx) => {
    await getClient(trx, id);
    await updateClientRow(trx, id, { deleted_at: now, updated_at: now });
    const count = await revokeGrantsOfClient(trx, now, id, 'client_deleted');
    await recordAudit(trx, now, { clientId: id, event: 'client.deleted', details: { grants_revoked: count } });
    return count;
  });
  return { client_id: id, deleted: true, grants_revoked: revoked };
}

const DUMMY_DIGEST = digest('cs_dummy-secret-for-unknown-clients');

/** The client for these credentials, or undefined. Same work whether or not the id exists. */
export async function authenticateClient(db: Db, now: number, id: unknown, secret: unknown): Promise<Client | undefined> {
  if (typeof id !== 'string' || typeof secret !== 'string' || id.length > 64 || secret.length > 128) return undefined;
  const client = /^client_[0-9a-f]{32}$/.test(id) ? await findActiveClient(db, id) : undefined;
  const presented = digest(secret);
  const current = digestsEqual(presented, client?.secret_digest ?? DUMMY_DIGEST);
  const previous =
    client?.previous_secret_digest != null && (client.previous_secret_expires_at ?? 0) > now && digestsEqual(presented, client.previous_secret_digest);
  if (!client || !isWellFormedToken(secret, 'cs_') || !(current || previous)) return undefined;
  return client;
}
