/**
 * Helpers for the real-source tests: a connect server configured by environment (the way an
 * operator would), with a fast runner, and the production widget flow that connects an
 * address or an exchange key and returns a data-API token.
 */
import type { SyncRunnerOptions } from '../../../server/sync/runner.ts';
import type { SyncContext } from '../../../server/sync/source.ts';
import type { Integration } from '../../../server/db/tables.ts';
import { call, DEFAULT_SCOPES, exchange, linkToken, newClient, runningClock, startTestServer, widget, type TestServer } from '../helpers.ts';

export async function startSourcesServer(env: Record<string, string>, sync: Partial<SyncRunnerOptions> = {}): Promise<TestServer> {
  return startTestServer({ clock: runningClock(), env: { LOG_LEVEL: 'info', ...env }, sync: { pollMs: 25, backoffMs: () => 30, ...sync } });
}

export type Connection = { auth: Record<string, string>; integrationIds: string[]; workspaceId: string };

/** Production client → guest → add the integration → consent → token exchange. */
export async function connect(server: TestServer, integration: Record<string, unknown>): Promise<Connection> {
  const client = await newClient(server, { name: 'Sources test', sandbox: false });
  const { link_token } = await linkToken(server, client);
  const w = widget(server, link_token);
  const guest = await w('POST', '/auth/guest', {});
  if (guest.status !== 200) throw new Error(`guest: ${JSON.stringify(guest.body)}`);
  const added = await w('POST', '/integrations', integration);
  if (added.status !== 201) throw new Error(`add: ${added.status} ${JSON.stringify(added.body)}`);
  const session = await w('GET', '/session');
  const scopes = (session.body.data.scopes as { scope: string }[]).map((s) => s.scope);
  const consent = await w('POST', '/consent', { scopes });
  if (consent.status !== 200) throw new Error(`consent: ${JSON.stringify(consent.body)}`);
  const ex = await exchange(server, client, consent.body.data.public_token);
  if (ex.status !== 200) throw new Error(`exchange: ${JSON.stringify(ex.body)}`);
  return {
    auth: { authorization: `Bearer ${ex.body.data.access_token}` },
    integrationIds: (added.body.data.integrations as { id: string }[]).map((i) => i.id),
    workspaceId: ex.body.data.workspace_id,
  };
}

export const api = (server: TestServer, c: Connection, path: string) => call(server, 'GET', path, { headers: c.auth });

export async function integrationRow(server: TestServer, id: string): Promise<Integration> {
  return server.ctx.db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** A SyncContext for calling a source directly (no server). */
export function syncContext(integration: Partial<Integration>, extra: Partial<SyncContext> = {}): SyncContext {
  return {
    integration: {
      id: 'wallet_test',
      workspace_id: 'ws',
      provider: 'ethereum',
      chain: 'ethereum',
      address: null,
      credentials: null,
      sync_cursor: null,
      ...integration,
    } as Integration,
    credentials: () => null,
    cursor: null,
    signal: new AbortController().signal,
    allowance: null,
    now: Date.now(),
    ...extra,
  };
}

/** Drains a source's transaction pages. */
export async function allPages<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

export { DEFAULT_SCOPES };
