/**
 * Default holdings (live balances) include what only manual transactions hold: a wallet with
 * a synced balance of FXN gets a manual FXUSD purchase and a manual WBTC purchase through
 * `POST /api/v0/transactions`; `/api/v1/holdings` then equals the open lots per asset
 * (`/api/v1/tax/lots`) and the ledger-derived holdings.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, type TestServer } from '../helpers.ts';
import { A, ALL_SCOPES, DAY, insertTransactions, insertWallet, seededWorkspace, type Connected } from './fixtures.ts';
import { Decimal } from '../../../server/lib/decimal.ts';

const SCOPES = `${ALL_SCOPES} tax:read accounting:read`;
let server: TestServer;
let ws: Connected;
let wallet: string;

before(async () => {
  const seeded = await seededWorkspace(SCOPES);
  ({ server, ws } = seeded);
  const { db, now } = seeded;
  wallet = await insertWallet(db, ws.workspaceId, now, 'Synced wallet');
  // The source said: 2 FXN held, received in one deposit.
  await db
    .insertInto('balances')
    .values({ integration_id: wallet, asset_id: A.native, workspace_id: ws.workspaceId, quantity: '2', updated_at: now })
    .execute();
  await insertTransactions(
    db,
    ws.workspaceId,
    wallet,
    '0xsynced',
    [{ id: 'trx_sync1', timestamp: now - 30 * DAY, legs: [{ kind: 'incoming', assetId: A.native, quantity: '2', price: '1000' }] }],
    now,
  );
});
after(() => server?.stop());

const get = async (path: string) => {
  const r = await call(server, 'GET', path, { headers: ws.auth });
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};

test('assets bought only through manual transactions are holdings; holdings equal the open lots', async () => {
  const now = server.clock.now();
  const r = await call(server, 'POST', '/api/v0/transactions', {
    headers: ws.auth,
    body: {
      walletId: wallet,
      transactions: [
        {
          timestamp: now - 20 * DAY,
          transactionType: 'deposit',
          transactionId: 'usd-buy',
          receivedCurrency: { currency: A.usd, amount: '150.25' },
          netValue: { fiatValue: '150.25' },
        },
        {
          timestamp: now - 10 * DAY,
          transactionType: 'trade',
          transactionId: 'btc-buy',
          sentCurrency: { currency: A.usd, amount: '50' },
          receivedCurrency: { currency: A.btc, amount: '0.001' },
          netValue: { fiatValue: '50' },
        },
      ],
    },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const lots = await get('/api/v1/tax/lots?limit=1000');
  const holdings = await get('/api/v1/holdings');
  const held = new Map(holdings.holdings.map((h: { assetId: string; totalQuantity: string }) => [h.assetId, h.totalQuantity]));
  assert.deepEqual(Object.fromEntries(held), { [A.native]: '2', [A.usd]: '100.25', [A.btc]: '0.001' });
  const open = new Map<string, Decimal>();
  for (const l of lots.data as { asset: { tokenId: string }; quantity: string }[])
    open.set(l.asset.tokenId, (open.get(l.asset.tokenId) ?? new Decimal(0)).plus(l.quantity));
  assert.deepEqual(Object.fromEntries([...open].map(([k, v]) => [k, v.toFixed()])), Object.fromEntries(held), 'holdings = open lots per asset');
  const usd = holdings.holdings.find((h: { assetId: string }) => h.assetId === A.usd);
  assert.equal(usd.hasCostBasis, true);
  assert.equal(usd.costbasis, '100.25');
  assert.equal(usd.assetDistribution[0].account.walletId, wallet);
  // The ledger view already had them; both agree.
  const ledger = await get('/api/v1/holdings?calculatedBalances=true');
  assert.deepEqual(
    Object.fromEntries(ledger.holdings.map((h: { assetId: string; totalQuantity: string }) => [h.assetId, h.totalQuantity])),
    Object.fromEntries(held),
  );
});
