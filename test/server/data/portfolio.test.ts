/**
 * Holdings, balances, DeFi, NFTs, profiling, integrations, workspace and userinfo against
 * the contract's shapes (sections 8.2, 8.3, 8.5–8.8), with exact arithmetic: an 18-decimal
 * quantity round-trips unchanged and every summary equals the sum of its rows to the last digit.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, guestPublicToken, exchange, newClient, SANDBOX_ETH, SANDBOX_SOL, startTestServer, type TestClient, type TestServer } from '../helpers.ts';
import { Decimal } from '../../../server/lib/decimal.ts';
import { A, ALL_SCOPES, BIG, TINY, connectWorkspace, withoutSync, seedPortfolio, type Connected, type Portfolio } from './fixtures.ts';

let server: TestServer;
let client: TestClient;
let ws: Connected;
let fx: Portfolio;

before(async () => {
  server = await startTestServer();
  await withoutSync(server);
  client = await newClient(server, { scopes: ALL_SCOPES });
  ws = await connectWorkspace(server, client);
  fx = await seedPortfolio(server.ctx.db, ws.workspaceId, server.clock.now());
});
after(() => server.stop());

const get = (path: string, auth = ws.auth) => call(server, 'GET', path, { headers: auth });
const D = (s: string) => new Decimal(s);
const sumOf = (values: string[]) => values.reduce((t, v) => t.plus(v), new Decimal(0));
type Holding = {
  assetId: string;
  totalQuantity: string;
  marketValue: string;
  costbasis: string;
  unrealizedPnL: string;
  assetDistribution: { quantity: string; account: { walletId: string } }[];
  [k: string]: any;
};

function assertSummaryIsSumOfRows(body: { holdings: Holding[]; summary: Record<string, string | number> }) {
  assert.equal(body.summary.totalValue, sumOf(body.holdings.map((h) => h.marketValue)).toFixed());
  assert.equal(body.summary.totalCostBasis, sumOf(body.holdings.map((h) => h.costbasis)).toFixed());
  assert.equal(body.summary.totalUnrealizedPnL, sumOf(body.holdings.map((h) => h.unrealizedPnL)).toFixed());
  for (const h of body.holdings) {
    assert.equal(sumOf(h.assetDistribution.map((d) => d.quantity)).toFixed(), D(h.totalQuantity).toFixed(), h.assetId);
    assert.equal(D(h.marketValue).minus(h.costbasis).toFixed() === D(h.unrealizedPnL).toFixed() || h.unrealizedPnL === '0', true, h.assetId);
  }
}

describe('GET /api/v1/holdings', () => {
  test('the v1 shape, spam excluded, values exact, summary = sum of rows', async () => {
    const r = await get('/api/v1/holdings');
    assert.equal(r.status, 200);
    assert.equal(r.body.message, 'User holdings retrieved successfully');
    assert.equal(r.body.user_id, ws.userId);
    assert.equal(typeof r.body.timestamp, 'number');
    const byId = new Map<string, Holding>(r.body.holdings.map((h: Holding) => [h.assetId, h]));
    assert.ok(!byId.has(A.spam), 'spam is excluded by default');
    assert.ok(!byId.has(A.nft), 'NFTs are not fungible holdings');

    const native = byId.get(A.native)!;
    assert.deepEqual(Object.keys(native.asset).sort(), ['category', 'chainId', 'logoUrl', 'publicName', 'symbol', 'tokenId', 'type']);
    for (const k of [
      'totalQuantity',
      'costbasis',
      'marketPrice',
      'marketValue',
      'unrealizedPnL',
      'roi',
      'baseCurrency',
      '24hrChange',
      'marketLinks',
      'hasCalculatedBalance',
      'assetDistribution',
    ])
      assert.ok(k in native, k);
    const total = D(BIG).plus(TINY);
    assert.equal(native.totalQuantity, '123456789.123456789012345679');
    assert.equal(native.marketPrice, '2500.12', 'the latest price on or before today (a future price is ignored)');
    assert.equal(native.marketValue, total.times('2500.12').toDecimalPlaces(8).toFixed());
    assert.equal(native.costbasis, '1000000.12345679', 'money is rounded half-even to 8 dp');
    assert.equal(native.unrealizedPnL, D(native.marketValue).minus('1000000.12345679').toFixed());
    assert.equal(native.roi, D(native.unrealizedPnL).div('1000000.12345679').times(100).toDecimalPlaces(2).toNumber());
    assert.equal(native['24hrChange'], 4.17);
    assert.equal(native.baseCurrency, 'USD');
    assert.equal(native.hasCalculatedBalance, false);
    assert.deepEqual(native.marketLinks, { coingecko: 'https://www.coingecko.com/en/coins/fixture-native' });
    const dist: Record<string, any> = Object.fromEntries(native.assetDistribution.map((d) => [d.account.walletId, d]));
    assert.equal(dist[fx.walletA].quantity, BIG, 'an 18-decimal balance is returned unchanged');
    assert.equal(dist[fx.walletB].quantity, TINY);
    assert.deepEqual(Object.keys(dist[fx.walletA]).sort(), ['account', 'allocationPercentage', 'isCalculatedBalance', 'quantity']);
    assert.equal(dist[fx.walletA].allocationPercentage, 100);

    const usd = byId.get(A.usd)!;
    assert.equal(usd.marketValue, '1000.60005');
    assert.equal(usd.costbasis, '0');
    assert.equal(usd.hasCostBasis, false);
    assert.equal(usd.roi, 0, 'roi is 0 when the cost basis is unknown (contract)');

    const btc = byId.get(A.btc)!;
    assert.equal(btc.marketPrice, '65000.5');
    assert.equal(btc.costbasis, '6172.839', 'average cost 50,000 per unit × 0.12345678');
    assert.equal(btc['24hrChange'], D('65000.5').minus(64000).div(64000).times(100).toDecimalPlaces(2).toNumber());

    const unpriced = byId.get(A.noPrice)!;
    assert.equal(unpriced.marketPrice, null);
    assert.equal(unpriced.marketValue, '0');

    assertSummaryIsSumOfRows(r.body);
    assert.deepEqual(Object.keys(r.body.summary).sort(), [
      'baseCurrency',
      'roiPercentage',
      'total24hrChange',
      'totalCostBasis',
      'totalUnrealizedPnL',
      'totalValue',
    ]);
    assert.equal(
      r.body.summary.roiPercentage,
      D(r.body.summary.totalUnrealizedPnL).div(r.body.summary.totalCostBasis).times(100).toDecimalPlaces(2).toNumber(),
    );
  });

  test('isSpam=true includes spam assets', async () => {
    const r = await get('/api/v1/holdings?isSpam=true');
    const spam = r.body.holdings.find((h: Holding) => h.assetId === A.spam);
    assert.ok(spam);
    assert.equal(spam.isSpam, true);
    assert.equal(spam.marketValue, '100');
    assertSummaryIsSumOfRows(r.body);
  });

  test('calculatedBalances=true sums the ledger (incoming +, outgoing and fees −, failed spends only its fee)', async () => {
    const r = await get('/api/v1/holdings?calculatedBalances=true');
    assert.equal(r.status, 200);
    const native = r.body.holdings.find((h: Holding) => h.assetId === A.native);
    assert.equal(native.hasCalculatedBalance, true);
    assert.equal(native.assetDistribution[0].isCalculatedBalance, true);
    const a = native.assetDistribution.find((d: Holding['assetDistribution'][number]) => d.account.walletId === fx.walletA);
    assert.equal(a.quantity, D(BIG).minus('1').minus('0.001').minus('0.5').minus('0.002').plus('0.006').toFixed());
    const usd = r.body.holdings.find((h: Holding) => h.assetId === A.usd);
    assert.equal(usd.totalQuantity, '1000.5');
    assertSummaryIsSumOfRows(r.body);
  });

  test('bad query parameters are 400 invalid_parameters with details', async () => {
    for (const q of ['isSpam=maybe', 'calculatedBalances=2', 'unknown=1', 'isSpam=true&isSpam=false']) {
      const r = await get(`/api/v1/holdings?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.error, 'invalid_parameters');
      assert.ok(r.body.details.length > 0, q);
    }
  });
});

describe('GET /api/v1/balances (balances:read)', () => {
  test('quantities and values per integration and asset; totals are sums of rows', async () => {
    const r = await get('/api/v1/balances');
    assert.equal(r.status, 200);
    const a = r.body.data.find((x: { walletId: string }) => x.walletId === fx.walletA);
    assert.equal(a.provider, 'ethereum');
    assert.equal(a.balances.find((b: { assetId: string }) => b.assetId === A.native).quantity, BIG);
    assert.ok(!a.balances.some((b: { assetId: string }) => b.assetId === A.spam));
    for (const acc of r.body.data) assert.equal(acc.totalValue, sumOf(acc.balances.map((b: { marketValue: string }) => b.marketValue)).toFixed());
    assert.equal(r.body.summary.totalValue, sumOf(r.body.data.map((x: { totalValue: string }) => x.totalValue)).toFixed());
    const only = await get(`/api/v1/balances?walletId=${fx.walletB}&currencyId=${A.btc}`);
    assert.deepEqual(
      only.body.data.map((x: { walletId: string }) => x.walletId),
      [fx.walletB],
    );
    assert.deepEqual(
      only.body.data[0].balances.map((b: { quantity: string }) => b.quantity),
      ['0.12345678'],
    );
  });
});

describe('GET /api/v1/defi-holdings and /api/v1/defi', () => {
  test('the v1 shape with values, debt and net value, pagination and filters', async () => {
    const r = await get('/api/v1/defi-holdings');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body.pagination).sort(), ['hasNextPage', 'hasPreviousPage', 'limit', 'offset', 'returned_count', 'totalCount']);
    const aave = r.body.holdings.find((h: { protocolName: string }) => h.protocolName === 'aave');
    for (const k of [
      'holdingId',
      'owner',
      'protocolName',
      'chain',
      'logoUrl',
      'siteUrl',
      'category',
      'portfolio',
      'totalValue',
      'netValue',
      'createdAt',
      'updatedAt',
      'isActive',
    ])
      assert.ok(k in aave, k);
    assert.deepEqual(aave.owner, { provider: 'ethereum', walletId: fx.walletA, publicAddress: fx.addressA });
    assert.equal(aave.category, 'lending');
    assert.deepEqual(
      aave.portfolio.positions.map((p: { amount: string; side: string }) => [p.amount, p.side]),
      [
        ['10', 'supply'],
        ['5000', 'borrow'],
      ],
    );
    assert.deepEqual(
      aave.portfolio.rewardPositions.map((p: { amount: string }) => p.amount),
      ['1.5'],
    );
    assert.deepEqual(aave.portfolio.positions[0].asset, { tokenId: A.native, symbol: 'FXN', publicName: 'Fixture FXN' });
    assert.equal(aave.portfolio.positions[0].value.price, '25001.2');
    assert.deepEqual(aave.totalValue, { price: '25002.70015', baseCurrency: 'USD' });
    assert.deepEqual(aave.netValue, { price: '20002.20015', baseCurrency: 'USD' });
    const uni = r.body.holdings.find((h: { protocolName: string }) => h.protocolName === 'uniswap');
    assert.equal(uni.portfolio.positions[0].amount, TINY);

    const filtered = await get('/api/v1/defi-holdings?protocol=AAVE&limit=1');
    assert.equal(filtered.body.holdings.length, 1);
    assert.equal(filtered.body.pagination.totalCount, 1);
    assert.equal((await get('/api/v1/defi-holdings?chain=polygon')).body.holdings[0].protocolName, 'uniswap');
    assert.equal((await get(`/api/v1/defi-holdings?source=${fx.walletB}`)).body.holdings.length, 1);
    const paged = await get('/api/v1/defi-holdings?limit=1&offset=1');
    assert.equal(paged.body.pagination.hasPreviousPage, true);
    const ours = await get('/api/v1/defi');
    assert.deepEqual(ours.body.holdings, r.body.holdings);
    assert.equal(ours.body.totals.netValue, sumOf(r.body.holdings.map((h: { netValue: { price: string } }) => h.netValue.price)).toFixed());
    assert.equal((await get('/api/v1/defi-holdings?limit=0')).body.error, 'invalid_parameters');
  });
});

describe('GET /api/v1/nft-holdings and /api/v1/nfts', () => {
  test('the v1 item shape, spam excluded unless asked, filters and pagination', async () => {
    const r = await get('/api/v1/nft-holdings');
    assert.equal(r.status, 200);
    assert.equal(r.body.data.length, 2);
    const punk = r.body.data.find((n: { tokenId: string }) => n.tokenId === '1');
    for (const k of [
      'id',
      'contractAddress',
      'tokenId',
      'name',
      'description',
      'contentType',
      'nftUrl',
      'thumbnailUrl',
      'source',
      'ercType',
      'amount',
      'price',
      'isNftSpam',
      'collection',
      'lastSale',
    ])
      assert.ok(k in punk, k);
    assert.deepEqual(punk.price, { price: '1500.25', baseCurrency: 'USD' });
    assert.deepEqual(punk.collection.floorPrice, [{ price: '1400', baseCurrency: 'USD' }]);
    assert.deepEqual(punk.collection.socialLinks, [{ platform: 'twitter', url: 'https://x.com/punks' }]);
    assert.match(punk.lastSale.timestamp, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(punk.lastSale.totalPrice, { price: '1200.5', baseCurrency: 'USD' });
    assert.deepEqual(punk.source, { provider: 'ethereum', walletId: fx.walletA, publicAddress: fx.addressA });
    assert.equal(r.body.pagination.totalCount, 2);
    assert.equal(r.body.user_id, ws.userId);
    assert.equal((await get('/api/v1/nft-holdings?isSpam=true')).body.data.length, 3);
    assert.equal((await get('/api/v1/nft-holdings?collection=punks')).body.data.length, 1);
    assert.equal((await get('/api/v1/nft-holdings?tokenId=2')).body.data[0].ercType, 'ERC-1155');
    assert.equal((await get(`/api/v1/nft-holdings?contract=0x${'AB'.repeat(20)}`)).body.data.length, 2);
    const page = await get('/api/v1/nft-holdings?limit=1&offset=0');
    assert.deepEqual(page.body.pagination, { limit: 1, offset: 0, returned_count: 1, totalCount: 2, hasNextPage: true, hasPreviousPage: false });
    assert.deepEqual((await get('/api/v1/nfts')).body.data, r.body.data);
    assert.equal((await get('/api/v1/nft-holdings?limit=1001')).status, 400);
  });
});

describe('GET /api/v1/profiling', () => {
  test('the 8.7 shape with a classification, size, breakdown and activity', async () => {
    const r = await get('/api/v1/profiling');
    assert.equal(r.status, 200);
    assert.equal(r.body.user_id, ws.userId);
    assert.equal(r.body.base_currency, 'USD');
    const s = r.body.summary;
    assert.ok(['NFT Enthusiast', 'DeFi Hodler', 'Futures Trader', 'BTC Maximalist', 'Active Trader', 'Long-term Holder'].includes(s.classification));
    assert.equal(r.body.user_classification, s.classification);
    assert.equal(s.portfolio_overview.size_category, 'Whale', 'hundreds of millions of USD');
    assert.deepEqual(Object.keys(s.asset_breakdown).sort(), ['defi', 'nfts', 'regular_crypto']);
    assert.equal(s.asset_breakdown.nfts.count, 2);
    assert.equal(s.asset_breakdown.nfts.value, D('1500.25').plus(D('0.5').times(3)).toFixed());
    assert.equal(s.portfolio_overview.dominant_category, 'regular_crypto');
    assert.ok(s.activity_summary.total_transactions >= 10);
    assert.deepEqual(Object.keys(s.activity_summary.recent_activity).sort(), ['last_month', 'last_week', 'last_year']);
    assert.ok(['Low', 'Medium', 'High'].includes(s.activity_summary.activity_level));
    assert.ok(s.activity_summary.top_transaction_types.some((t: { label: string; count: number }) => t.label === 'Reward' && t.count === 3));
    assert.equal(typeof s.summary_text, 'string');
  });
});

describe('GET /api/v1/integrations', () => {
  test('items with sync log, limitExceeded and totals; page, pageSize and searchedKey', async () => {
    const r = await get('/api/v1/integrations?pageSize=200');
    assert.equal(r.status, 200);
    const a = r.body.data.find((i: { walletId: string }) => i.walletId === fx.walletA);
    for (const k of [
      'provider',
      'providerPublicName',
      'publicAddress',
      'walletId',
      'logoUrl',
      'isContract',
      'alias',
      'status',
      'addedOn',
      'lastSyncedAt',
      'category',
      'type',
      'totalTransactions',
    ])
      assert.ok(k in a, k);
    assert.deepEqual(a.lastSyncLog, { Balances: 'COMPLETED', 'Defi Balances': 'COMPLETED', 'NFT Holdings': 'COMPLETED', Transactions: 'FAILED' });
    assert.equal(a.lastSyncLogDetails.Transactions.limitExceeded, true);
    assert.equal(a.limitExceeded, true);
    const found = await get('/api/v1/integrations?searchedKey=cold');
    assert.deepEqual(
      found.body.data.map((i: { walletId: string }) => i.walletId),
      [fx.walletB],
    );
    const paged = await get('/api/v1/integrations?page=2&pageSize=1');
    assert.deepEqual(Object.keys(paged.body.pagination).sort(), ['hasNextPage', 'hasPreviousPage', 'page', 'pageSize', 'totalCount']);
    assert.equal(paged.body.pagination.hasPreviousPage, true);
    assert.equal((await get('/api/v1/integrations?pageSize=201')).body.error, 'invalid_parameters');
  });
});

describe('POST /api/v1/integrations (integrations:write)', () => {
  test('sandbox grants: only the sandbox addresses; duplicates are 409', async () => {
    const only = await connectWorkspace(server, client, ALL_SCOPES, [{ provider: 'ethereum', address: SANDBOX_ETH }]);
    const seen: string[][] = [];
    const listener = (ids: string[]) => void seen.push(ids);
    server.ctx.events.on('integrations-added', listener);
    try {
      const bad = await call(server, 'POST', '/api/v1/integrations', {
        headers: only.auth,
        body: { provider: 'ethereum', address: '0x000000000000000000000000000000000000dEaD' },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error, 'invalid_parameters');
      assert.equal(bad.body.details[0].code, 'SANDBOX_ADDRESS_NOT_ALLOWED');
      const ok = await call(server, 'POST', '/api/v1/integrations', {
        headers: only.auth,
        body: { provider: 'solana', address: SANDBOX_SOL, alias: 'Phantom' },
      });
      assert.equal(ok.status, 201);
      assert.equal(ok.body.message, '1 integration(s) added successfully');
      assert.equal(ok.body.data[0].publicAddress, SANDBOX_SOL);
      assert.equal(ok.body.data[0].alias, 'Phantom');
      assert.deepEqual(seen, [[ok.body.data[0].walletId]]);
      const again = await call(server, 'POST', '/api/v1/integrations', { headers: only.auth, body: { provider: 'solana', address: SANDBOX_SOL } });
      assert.equal(again.status, 409);
      assert.equal(again.body.error, 'already_connected');
      const exchangeKey = await call(server, 'POST', '/api/v1/integrations', { headers: only.auth, body: { provider: 'binance', address: SANDBOX_ETH } });
      assert.equal(exchangeKey.status, 400);
      const list = await get('/api/v1/integrations', only.auth);
      assert.equal(list.body.pagination.totalCount, 2);
    } finally {
      server.ctx.events.off('integrations-added', listener);
    }
  });

  test('production grants accept any valid address; bad bodies are 400', async () => {
    const prod = await newClient(server, { scopes: ALL_SCOPES, sandbox: false });
    const { public_token } = await guestPublicToken(server, prod, { scopes: ALL_SCOPES });
    const token = (await exchange(server, prod, public_token)).body.data.access_token;
    const auth = { authorization: `Bearer ${token}` };
    const ok = await call(server, 'POST', '/api/v1/integrations', {
      headers: auth,
      body: { provider: 'metamask', address: '0x000000000000000000000000000000000000dEaD', chains: ['ethereum', 'base'] },
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.data.map((i: { chain: string }) => i.chain).sort(), ['base', 'ethereum']);
    for (const body of [
      {},
      { provider: 'ethereum' },
      { provider: 'ethereum', address: 'not-an-address' },
      { provider: 'nope', address: SANDBOX_ETH },
      { provider: 'ethereum', address: SANDBOX_ETH, extra: 1 },
    ]) {
      const r = await call(server, 'POST', '/api/v1/integrations', { headers: auth, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error, 'invalid_parameters');
    }
  });
});

describe('GET/PATCH /api/v1/workspace', () => {
  test('settings, limits and usage; PATCH changes them; bad bodies are 400', async () => {
    const r = await get('/api/v1/workspace');
    assert.equal(r.status, 200);
    const w = r.body.data;
    assert.equal(w.workspaceId, ws.workspaceId);
    assert.equal(w.baseCurrency, 'USD');
    assert.equal(w.costBasisMethod, 'FIFO');
    assert.equal(w.taxYearStart, '01-01');
    assert.equal(w.longTermDays, 365);
    assert.equal(w.limits.effectiveTransactionLimit, 100000);
    assert.equal(w.limits.currentTransactionCount, w.usage.transactions);
    assert.equal(w.limits.remainingTransactions, 100000 - w.usage.transactions);
    assert.ok(w.usage.transactions >= 11);
    assert.ok(w.usage.nfts >= 3);
    const patched = await call(server, 'PATCH', '/api/v1/workspace', {
      headers: ws.auth,
      body: { costBasisMethod: 'HIFO', taxYearStart: '04-06', longTermDays: 366, baseCurrency: 'USD' },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.data.costBasisMethod, 'HIFO');
    assert.equal((await get('/api/v1/workspace')).body.data.taxYearStart, '04-06');
    for (const body of [
      {},
      { baseCurrency: 'JPY' },
      { baseCurrency: 'eur' },
      { taxYearStart: '02-30' },
      { taxYearStart: '13-01' },
      { longTermDays: 0 },
      { costBasisMethod: 'fifo' },
      { other: 1 },
    ]) {
      const bad = await call(server, 'PATCH', '/api/v1/workspace', { headers: ws.auth, body });
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.body.error, 'invalid_parameters');
      assert.ok(bad.body.details.length > 0);
    }
    assert.equal((await get('/api/v1/workspace')).body.data.longTermDays, 366);
  });
});

describe('GET /api/v1/userinfo', () => {
  test('claims follow openid, profile and email', async () => {
    const minimal = await connectWorkspace(server, client, 'openid users:read');
    const r = await get('/api/v1/userinfo', minimal.auth);
    assert.deepEqual(r.body.userInfo, { sub: minimal.userId });
    assert.deepEqual(r.body.scopes, ['openid', 'users:read']);
    const full = await get('/api/v1/userinfo');
    assert.deepEqual(Object.keys(full.body.userInfo).sort(), ['email', 'email_verified', 'language', 'name', 'preferred_username', 'sub', 'transaction_limit']);
    assert.equal(full.body.userInfo.transaction_limit, 100000);
    assert.equal(full.body.message, 'User information retrieved successfully');
  });
});
