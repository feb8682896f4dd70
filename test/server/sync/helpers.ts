/**
 * Sync test helpers: a connect server whose sync runner can be tuned (fast backoff, short
 * poll, test sources), a clock that runs in real time but can be moved, the sandbox grant
 * shortcut, and a source the test controls (blocks until released, fails on demand).
 */
import type { SyncRunnerOptions } from '../../../server/sync/runner.ts';
import { createSourceRegistry, type SourceRegistry } from '../../../server/sync/sources/registry.ts';
import type { Integration } from '../../../server/db/tables.ts';
import type { AssetInfo, Source, SourceTransaction } from '../../../server/sync/source.ts';
import { call, DEFAULT_SCOPES, exchange, runningClock, startTestServer, type TestClient, type TestServer } from '../helpers.ts';

export type SyncTestServer = TestServer;

export async function startSyncServer(options: { dbFile?: string; dir?: string; sync?: Partial<SyncRunnerOptions> | false } = {}): Promise<SyncTestServer> {
  return startTestServer({
    dbFile: options.dbFile,
    dir: options.dir,
    clock: runningClock(),
    env: { LOG_LEVEL: 'info' },
    sync: options.sync === false ? false : { pollMs: 25, backoffMs: () => 30, ...options.sync },
  });
}

export type SandboxGrant = { userId: string; workspaceId: string; integrations: string[]; grantId: string; accessToken: string };

/** `POST /sandbox/public-token` (both test wallets) and the exchange. */
export async function sandboxGrant(server: TestServer, client: TestClient): Promise<SandboxGrant> {
  const r = await call(server, 'POST', '/sandbox/public-token', { headers: client.headers, body: { scopes: DEFAULT_SCOPES } });
  if (r.status !== 200) throw new Error(`sandbox public token: ${r.status} ${JSON.stringify(r.body)}`);
  const ex = await exchange(server, client, r.body.data.public_token);
  if (ex.status !== 200) throw new Error(`exchange: ${ex.status} ${JSON.stringify(ex.body)}`);
  return {
    userId: r.body.data.user_id,
    workspaceId: r.body.data.workspace_id,
    integrations: r.body.data.integrations,
    grantId: ex.body.data.grant_id,
    accessToken: ex.body.data.access_token,
  };
}

export async function integrationRows(server: TestServer, workspaceId: string): Promise<Integration[]> {
  return server.ctx.db.selectFrom('integrations').selectAll().where('workspace_id', '=', workspaceId).orderBy('chain').execute();
}

const TEST_ASSET: AssetInfo = {
  id: 'ethereum:native',
  symbol: 'ETH',
  name: 'Ethereum',
  chain: 'ethereum',
  contract: null,
  decimals: 18,
  type: 'native',
  category: 'crypto',
  coingeckoId: 'ethereum',
  logoUrl: null,
  isSpam: false,
};

/** A deposit of `quantity` ETH, external id `tx-<n>`, one day apart from 2025-01-01. */
export function testTransaction(n: number, quantity = '1'): SourceTransaction {
  return {
    externalId: `tx-${String(n).padStart(5, '0')}`,
    platformId: `0x${n.toString(16).padStart(64, '0')}`,
    timestamp: Date.UTC(2025, 0, 1) + n * 86_400_000,
    type: 'deposit',
    label: 'Deposit',
    description: `deposit ${n}`,
    legs: [{ kind: 'incoming', assetId: TEST_ASSET.id, quantity, price: '2000' }],
  };
}

/**
 * A source for every non-sandbox integration whose behaviour the test sets: the list of
 * transactions it has (pages of 10, cursor = index served), an optional gate that blocks
 * the transactions until released, and an optional failure.
 */
export function controlledSource() {
  const state = {
    transactions: [] as SourceTransaction[],
    failWith: null as Error | null,
    balancesError: null as Error | null,
    calls: 0,
    /** The cursor each transactions() call started from. */
    cursors: [] as (string | null)[],
    /** Integrations whose balances were asked for, in order (one entry per sync). */
    synced: [] as string[],
    gate: null as Promise<void> | null,
    release: (() => undefined) as () => void,
    /** Resolves when a sync is waiting at the gate. */
    blocked: null as Promise<void> | null,
    block() {
      gate();
    },
  };
  let reached: () => void = () => undefined;
  const gate = () => {
    state.gate = new Promise<void>((resolve) => (state.release = resolve));
    state.blocked = new Promise<void>((resolve) => (reached = resolve));
  };
  const source: Source = {
    name: 'controlled',
    async balances(ctx) {
      state.calls++;
      state.synced.push(ctx.integration.id);
      if (state.failWith) throw state.failWith;
      if (state.balancesError) throw state.balancesError;
      const total = state.transactions.reduce((n, t) => n + Number(t.legs[0]!.quantity), 0);
      return [{ asset: TEST_ASSET, quantity: String(total) }];
    },
    async *transactions(ctx) {
      state.cursors.push(ctx.cursor);
      if (state.failWith) throw state.failWith;
      let i = ctx.cursor ? Number(ctx.cursor) : 0;
      while (i < state.transactions.length) {
        const page = state.transactions.slice(i, i + 10);
        i += page.length;
        if (state.gate && i > 10) {
          reached();
          await Promise.race([state.gate, new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }))]);
        }
        yield { transactions: page, assets: [TEST_ASSET], cursor: String(i) };
      }
    },
  };
  const sandbox = createSourceRegistry();
  const registry: SourceRegistry = {
    sourceFor: (integration) => (integration.address?.startsWith('0xc0ffee') ? source : sandbox.sourceFor(integration)),
    prices: sandbox.prices,
  };
  return { state, registry };
}

/** A Polygon wallet integration served by the controlled source, queued for a first sync. */
export async function addControlledIntegration(
  server: TestServer,
  workspaceId: string,
  n = 1,
  options: { provider?: string; controlled?: boolean } = {},
): Promise<string> {
  const now = server.clock.now();
  const id = `wallet_${'c0ffee'.padEnd(18, '0')}${String(n).padStart(6, '0')}`;
  const provider = options.provider ?? 'polygon';
  const exchange = provider !== 'polygon';
  await server.ctx.db
    .insertInto('integrations')
    .values({
      id,
      workspace_id: workspaceId,
      provider,
      chain: exchange ? null : 'polygon',
      address: exchange ? null : `0x${options.controlled === false ? 'ab' : 'c0ffee'}${String(n).padStart(options.controlled === false ? 38 : 34, '0')}`,
      alias: null,
      category: exchange ? 'exchange' : 'blockchain',
      credentials: null,
      fingerprint: null,
      status: 'active',
      message: null,
      created_at: now,
      updated_at: now,
      last_synced_at: null,
      deleted_at: null,
      sync_log: null,
      sync_cursor: null,
    })
    .execute();
  return id;
}

export async function guestWorkspace(server: TestServer): Promise<string> {
  const { insertUserWithWorkspace } = await import('../../../server/users/users.repository.ts');
  return (await insertUserWithWorkspace(server.ctx.db, server.clock.now(), null)).workspaceId;
}
