/**
 * Portfolio fixtures for the data API tests and `bench/data.ts`: assets with daily prices,
 * balances, cost basis, transactions (legs JSON + transaction_assets rows), DeFi positions
 * and NFTs, written straight through Kysely in the stored shapes the sync engine writes.
 * Fixture assets live on their own chain (`fx`) and fixture wallets are their own
 * integrations, so a sync of the sandbox addresses cannot change what the tests assert.
 */
import type { Db } from '../../../server/db/database.ts';
import { digest, randomId, randomToken } from '../../../server/crypto.ts';
import { ACCESS_TOKEN_TTL_MS } from '../../../server/clock.ts';
import { call, exchange, newClient, startTestServer, type TestClient, type TestServer, type TestServerOptions } from '../helpers.ts';
import type { RunningServer } from '../../../server/start.ts';

export const DAY = 86_400_000;
export const dayOf = (ms: number) => Math.floor(ms / DAY);

export const A = {
  native: 'fx:native',
  usd: 'fx:0xusd',
  btc: 'fx:0xbtc',
  spam: 'fx:0xspam',
  noPrice: 'fx:0xnoprice',
  nft: 'fx:0xnft',
} as const;

/** 18 decimals: must survive every round trip unchanged. */
export const BIG = '123456789.123456789012345678';
export const TINY = '0.000000000000000001';

export const ALL_SCOPES = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'users:read',
  'portfolios:read',
  'transactions:read',
  'transactions:write',
  'balances:read',
  'integrations:read',
  'integrations:write',
  'defi:read',
  'nft:read',
  'workspace:read',
  'workspace:write',
].join(' ');

export type Connected = { token: string; auth: Record<string, string>; workspaceId: string; userId: string; grantId: string; sandboxIntegrations: string[] };

/**
 * Stops the background sync so these tests see only their fixtures (the sandbox addresses
 * each connected workspace carries would otherwise fill it); sandbox-dataset.test.ts keeps it.
 */
export async function withoutSync(server: RunningServer): Promise<void> {
  await server.ctx.sync?.stop();
  server.ctx.events.removeAllListeners('integrations-added');
}

/** A sandbox workspace through the real flow: POST /sandbox/public-token, then /token/exchange. */
export async function connectWorkspace(
  server: RunningServer,
  client: TestClient,
  scopes = ALL_SCOPES,
  integrations?: { provider: string; address: string }[],
): Promise<Connected> {
  const pt = await call(server, 'POST', '/sandbox/public-token', { headers: client.headers, body: { scopes, ...(integrations ? { integrations } : {}) } });
  if (pt.status !== 200) throw new Error(`sandbox public token: ${pt.status} ${JSON.stringify(pt.body)}`);
  const ex = await exchange(server, client, pt.body.data.public_token);
  if (ex.status !== 200) throw new Error(`exchange: ${ex.status} ${JSON.stringify(ex.body)}`);
  const d = ex.body.data;
  return {
    token: d.access_token,
    auth: { authorization: `Bearer ${d.access_token}` },
    workspaceId: d.workspace_id,
    userId: d.user_id,
    grantId: d.grant_id,
    sandboxIntegrations: pt.body.data.integrations,
  };
}

/** Fixture assets and prices for `today` and the days before it (idempotent). */
/**
 * The start of the ledger tests: a server without background sync, a client with `scopes`, its
 * sandbox workspace, and the seeded assets.
 */
export async function seededWorkspace(
  scopes: string,
  options?: TestServerOptions,
): Promise<{ server: TestServer; client: TestClient; ws: Connected; db: Db; now: number }> {
  const server = await startTestServer(options);
  await withoutSync(server);
  const client = await newClient(server, { scopes });
  const ws = await connectWorkspace(server, client, scopes);
  const now = server.clock.now();
  await seedAssets(server.ctx.db, now);
  return { server, client, ws, db: server.ctx.db, now };
}

export async function seedAssets(db: Db, now: number) {
  const asset = (id: string, symbol: string, type: 'native' | 'token' | 'nft', category: string, isSpam = 0, coingecko: string | null = null) => ({
    id,
    symbol,
    name: `Fixture ${symbol}`,
    chain: 'fx',
    contract: id.endsWith('native') ? null : id.slice(3),
    decimals: 18,
    type,
    category,
    coingecko_id: coingecko,
    logo_url: null,
    is_spam: isSpam,
  });
  await db
    .insertInto('assets')
    .values([
      asset(A.native, 'FXN', 'native', 'crypto', 0, 'fixture-native'),
      asset(A.usd, 'FXUSD', 'token', 'stablecoin'),
      asset(A.btc, 'WBTC', 'token', 'crypto'),
      asset(A.spam, 'FXSPAM', 'token', 'crypto', 1),
      asset(A.noPrice, 'FXNOP', 'token', 'crypto'),
      asset(A.nft, 'FXNFT', 'nft', 'nft'),
    ])
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const today = dayOf(now);
  const prices: [string, number, string][] = [
    [A.native, today, '2500.12'],
    [A.native, today - 1, '2400'],
    [A.native, today - 5, '2000'],
    [A.native, today + 1, '99999'], // a future price must be ignored
    [A.usd, today, '1.0001'],
    [A.usd, today - 1, '1'],
    [A.btc, today - 1, '65000.5'],
    [A.btc, today - 2, '64000'], // latest is yesterday's
    [A.spam, today, '0.0001'],
  ];
  await db
    .insertInto('asset_prices')
    .values(prices.map(([asset_id, day, price]) => ({ asset_id, day, price })))
    .onConflict((oc) => oc.columns(['asset_id', 'day']).doNothing())
    .execute();
}

/** A fixture wallet (an address integration) inserted directly. */
export async function insertWallet(db: Db, workspaceId: string, now: number, alias: string) {
  const id = randomId('wallet_', 12);
  await db
    .insertInto('integrations')
    .values({
      id,
      workspace_id: workspaceId,
      provider: 'ethereum',
      chain: 'ethereum',
      address: `0x${id.slice(7).padStart(40, '0')}`,
      alias,
      category: 'blockchain',
      credentials: null,
      fingerprint: null,
      status: 'COMPLETED',
      message: null,
      created_at: now,
      updated_at: now,
      last_synced_at: now,
      deleted_at: null,
      sync_log: JSON.stringify({
        Balances: { status: 'COMPLETED' },
        'Defi Balances': { status: 'COMPLETED' },
        'NFT Holdings': { status: 'COMPLETED' },
        Transactions: { status: 'FAILED', message: 'limit', limitExceeded: true },
      }),
      sync_cursor: null,
      limit_exceeded: 1,
      total_transactions: 0,
    })
    .execute();
  return id;
}

type Leg = { kind: 'incoming' | 'outgoing' | 'fee'; assetId: string; quantity: string; price: string | null };
export type TxSpec = {
  id?: string;
  timestamp: number;
  label?: string;
  type?: 'deposit' | 'withdrawal' | 'trade' | 'payment' | 'transfer';
  legs: Leg[];
  isSpam?: boolean;
  isNft?: boolean;
  isManual?: boolean;
  isEdited?: boolean;
  missingPrice?: boolean;
  missingPurchase?: boolean;
  failed?: boolean;
  platformId?: string;
};

const ROWS_PER_INSERT = 400;

/** Inserts transactions with their asset index rows, in multi-row statements. Call inside a transaction for bulk. */
export async function insertTransactions(db: Db, workspaceId: string, walletId: string, address: string, specs: TxSpec[], now: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < specs.length; i += ROWS_PER_INSERT) {
    const chunk = specs.slice(i, i + ROWS_PER_INSERT);
    const rows = chunk.map((s) => {
      const id = s.id ?? randomId('trx_', 12);
      ids.push(id);
      const legs = s.legs.map((l) => ({ ...l, account: { provider: 'ethereum', walletId, publicAddress: address } }));
      return {
        id,
        workspace_id: workspaceId,
        integration_id: walletId,
        external_id: id,
        platform_id: s.platformId ?? `0x${id.slice(4)}`,
        timestamp: s.timestamp,
        label: s.label ?? 'Deposit',
        type: s.type ?? 'deposit',
        description: null,
        legs: JSON.stringify(legs),
        is_spam: s.isSpam ? 1 : 0,
        is_nft: s.isNft ? 1 : 0,
        is_defi: 0,
        is_manual: s.isManual ? 1 : 0,
        is_edited: s.isEdited ? 1 : 0,
        failed: s.failed ? 1 : 0,
        missing_price: s.missingPrice ? 1 : 0,
        missing_purchase: s.missingPurchase ? 1 : 0,
        import_source: 'API' as const,
        raw: null,
        total_cost_basis: '10.5',
        total_gains: '-0.25',
        created_at: now,
      };
    });
    await db.insertInto('transactions').values(rows).execute();
    const index = rows.flatMap((r, k) =>
      [...new Set(chunk[k]!.legs.map((l) => l.assetId))].map((asset_id) => ({
        transaction_id: r.id,
        asset_id,
        workspace_id: workspaceId,
        timestamp: r.timestamp,
      })),
    );
    for (let j = 0; j < index.length; j += ROWS_PER_INSERT)
      await db
        .insertInto('transaction_assets')
        .values(index.slice(j, j + ROWS_PER_INSERT))
        .execute();
  }
  return ids;
}

/** `count` simple deposits/withdrawals of fx:native, one minute apart, ending at `end`. */
export function generatedTransactions(count: number, end: number): TxSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const incoming = i % 3 !== 2;
    return {
      timestamp: end - (count - 1 - i) * 60_000,
      label: incoming ? 'Deposit' : 'Withdrawal',
      type: incoming ? ('deposit' as const) : ('withdrawal' as const),
      legs: [
        {
          kind: incoming ? ('incoming' as const) : ('outgoing' as const),
          assetId: A.native,
          quantity: incoming ? '1.000000000000000001' : '0.5',
          price: '2500.12',
        },
        { kind: 'fee' as const, assetId: A.native, quantity: '0.000021', price: '2500.12' },
      ],
    };
  });
}

export type Portfolio = { walletA: string; walletB: string; addressA: string; txIds: string[] };

/**
 * The standard portfolio: two fixture wallets with balances (one 18-decimal, one spam, one
 * unpriced), cost basis, a varied transaction history (ties on timestamp, spam, NFT,
 * manual, edited, failed), two DeFi positions and three NFTs (one spam).
 */
export async function seedPortfolio(db: Db, workspaceId: string, now: number): Promise<Portfolio> {
  await seedAssets(db, now);
  return db.transaction().execute(async (trx) => {
    const walletA = await insertWallet(trx, workspaceId, now, 'Main wallet');
    const walletB = await insertWallet(trx, workspaceId, now + 1, 'Cold storage');
    const addressA = `0x${walletA.slice(7).padStart(40, '0')}`;
    const bal = (integration_id: string, asset_id: string, quantity: string) => ({
      integration_id,
      asset_id,
      workspace_id: workspaceId,
      quantity,
      updated_at: now,
    });
    await trx
      .insertInto('balances')
      .values([
        bal(walletA, A.native, BIG),
        bal(walletA, A.usd, '1000.5'),
        bal(walletA, A.spam, '1000000'),
        bal(walletA, A.noPrice, '5'),
        bal(walletB, A.native, TINY),
        bal(walletB, A.btc, '0.12345678'),
      ])
      .execute();
    await trx
      .insertInto('asset_cost_basis')
      .values([
        { workspace_id: workspaceId, asset_id: A.native, quantity: '123456789.123456789012345679', cost_basis: '1000000.123456789', computed_at: now },
        { workspace_id: workspaceId, asset_id: A.btc, quantity: '0.2', cost_basis: '10000', computed_at: now },
      ])
      .execute();
    const t0 = now - 40 * DAY;
    const specs: TxSpec[] = [
      { timestamp: t0, label: 'Deposit', legs: [{ kind: 'incoming', assetId: A.native, quantity: BIG, price: '1500' }] },
      {
        timestamp: t0 + DAY,
        label: 'Trade',
        type: 'trade',
        legs: [
          { kind: 'outgoing', assetId: A.native, quantity: '1', price: '2000' },
          { kind: 'incoming', assetId: A.usd, quantity: '2000', price: '1' },
          { kind: 'fee', assetId: A.native, quantity: '0.001', price: '2000' },
        ],
      },
      {
        timestamp: t0 + 2 * DAY,
        label: 'Airdrops',
        isSpam: true,
        legs: [{ kind: 'incoming', assetId: A.spam, quantity: '1000000', price: null }],
        missingPrice: true,
      },
      {
        timestamp: t0 + 3 * DAY,
        label: 'NFT Buy',
        type: 'trade',
        isNft: true,
        legs: [
          { kind: 'outgoing', assetId: A.native, quantity: '0.5', price: '2100' },
          { kind: 'incoming', assetId: A.nft, quantity: '1', price: null },
        ],
      },
      {
        timestamp: t0 + 4 * DAY,
        label: 'Withdrawal',
        type: 'withdrawal',
        isManual: true,
        isEdited: true,
        legs: [{ kind: 'outgoing', assetId: A.usd, quantity: '999.5', price: '1' }],
      },
      {
        timestamp: t0 + 5 * DAY,
        label: 'Failed',
        type: 'payment',
        failed: true,
        legs: [
          { kind: 'outgoing', assetId: A.native, quantity: '3', price: '2200' },
          { kind: 'fee', assetId: A.native, quantity: '0.002', price: '2200' },
        ],
      },
      {
        timestamp: t0 + 6 * DAY,
        label: 'Income',
        missingPurchase: true,
        legs: [{ kind: 'incoming', assetId: A.noPrice, quantity: '5', price: null }],
        missingPrice: true,
      },
      // three at the same millisecond: the id breaks the tie
      ...[0, 1, 2].map((k) => ({
        timestamp: t0 + 7 * DAY,
        label: 'Reward',
        legs: [{ kind: 'incoming' as const, assetId: A.native, quantity: `0.00${k + 1}`, price: '2300' }],
      })),
    ];
    const txIds = await insertTransactions(trx, workspaceId, walletA, addressA, specs, now);
    await insertTransactions(
      trx,
      workspaceId,
      walletB,
      `0x${walletB.slice(7).padStart(40, '0')}`,
      [
        {
          timestamp: t0 + 8 * DAY,
          label: 'Deposit',
          legs: [
            { kind: 'incoming', assetId: A.btc, quantity: '0.12345678', price: '60000' },
            { kind: 'incoming', assetId: A.native, quantity: TINY, price: '2400' },
          ],
        },
      ],
      now,
    );
    await trx
      .insertInto('defi_positions')
      .values([
        {
          id: randomId('defi_', 8),
          integration_id: walletA,
          workspace_id: workspaceId,
          protocol: 'aave',
          chain: 'ethereum',
          category: 'lending',
          site_url: 'https://app.aave.com',
          logo_url: null,
          positions: JSON.stringify([
            { assetId: A.native, amount: '10', side: 'supply' },
            { assetId: A.usd, amount: '5000', side: 'borrow' },
            { assetId: A.usd, amount: '1.5', side: 'reward' },
          ]),
          is_active: 1,
          created_at: now,
          updated_at: now,
        },
        {
          id: randomId('defi_', 8),
          integration_id: walletB,
          workspace_id: workspaceId,
          protocol: 'uniswap',
          chain: 'polygon',
          category: 'liquidity',
          site_url: 'https://app.uniswap.org',
          logo_url: null,
          positions: JSON.stringify([
            { assetId: A.native, amount: TINY, side: 'supply' },
            { assetId: A.btc, amount: '0.01', side: 'supply' },
          ]),
          is_active: 1,
          created_at: now + 1,
          updated_at: now + 1,
        },
      ])
      .execute();
    const collection = (name: string, floor: string | null) =>
      JSON.stringify({
        collectionId: `col_${name}`,
        name,
        description: `${name} collection`,
        imageUrl: `https://img.example/${name}.png`,
        floorPrice: floor,
        ownerCount: 1200,
        totalQuantity: 10000,
        socialLinks: [{ platform: 'twitter', url: `https://x.com/${name}` }],
      });
    const nft = (
      integration_id: string,
      token_id: string,
      name: string,
      price: string | null,
      is_spam: number,
      col: string,
      erc = 'ERC-721',
      amount = '1',
    ) => ({
      id: randomId('nft_', 8),
      integration_id,
      workspace_id: workspaceId,
      chain: 'ethereum',
      contract: `0x${'ab'.repeat(20)}`,
      token_id,
      name,
      description: `${name} #${token_id}`,
      content_type: 'image/png',
      nft_url: `https://img.example/${token_id}.png`,
      thumbnail_url: null,
      erc_type: erc,
      amount,
      price,
      is_spam,
      collection: col,
      last_sale: JSON.stringify({
        fromAddress: '0x1',
        toAddress: addressA,
        quantity: '1',
        timestamp: t0,
        transactionHash: '0xhash',
        marketplaceName: 'OpenSea',
        totalPrice: '1200.5',
      }),
      created_at: now,
    });
    await trx
      .insertInto('nfts')
      .values([
        nft(walletA, '1', 'Punk', '1500.25', 0, collection('punks', '1400')),
        nft(walletA, '2', 'Edition', null, 0, collection('editions', '0.5'), 'ERC-1155', '3'),
        nft(walletB, '3', 'Free mint', null, 1, collection('scam', null)),
      ])
      .execute();
    return { walletA, walletB, addressA, txIds };
  });
}

/** A grant and a `cat_` inserted directly (the bench; tests use the real flow). */
export async function insertGrant(db: Db, p: { clientId: string; userId: string; workspaceId: string; scopes: string; now: number }) {
  const token = randomToken('cat_');
  const grantId = randomToken('cgrant_');
  const linkId = randomId('lt_', 12);
  await db
    .insertInto('link_tokens')
    .values({
      id: linkId,
      digest: digest(linkId),
      client_id: p.clientId,
      sandbox: 1,
      scopes: p.scopes,
      user_reference: null,
      grant_id: null,
      user_id: p.userId,
      workspace_id: p.workspaceId,
      consented_at: p.now,
      created_at: p.now,
      expires_at: p.now,
    })
    .execute();
  await db
    .insertInto('grants')
    .values({
      id: grantId,
      client_id: p.clientId,
      user_id: p.userId,
      workspace_id: p.workspaceId,
      scopes: p.scopes,
      sandbox: 1,
      link_token_id: linkId,
      transaction_limit: null,
      enable_limiter: 1,
      created_at: p.now,
      expires_at: p.now + ACCESS_TOKEN_TTL_MS,
      revoked_at: null,
      revoked_reason: null,
    })
    .execute();
  await db
    .insertInto('access_tokens')
    .values({ digest: digest(token), grant_id: grantId, client_id: p.clientId, created_at: p.now, expires_at: p.now + ACCESS_TOKEN_TTL_MS, last_used_at: null })
    .execute();
  return { token, grantId };
}
