/**
 * CoinGecko prices against a local CoinGecko-compatible server: daily history from
 * market_chart/range (last point of each day), today's price from simple/price, the API key
 * in a header (never the URL), 429 with Retry-After waited out, the public 365-day window
 * without a key, and no price — never a guess — without an id or for a spam token.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCoinGeckoPriceSource } from '../../../server/prices/coingecko.ts';
import type { AssetInfo } from '../../../server/sync/source.ts';
import { DAY_MS, dayOf } from '../../../server/lib/time.ts';
import { nativeAsset, tokenAsset } from '../../../server/sync/sources/assets.ts';
import { sendJson, startLocalServer, type LocalServer } from './local-http.ts';

const NOW = Date.UTC(2026, 0, 10, 15, 0, 0);
const TODAY = dayOf(NOW);
let cg: LocalServer;
let limited = 0;

before(async () => {
  cg = await startLocalServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (req.headers['x-cg-demo-api-key'] !== 'cg-demo-key') return sendJson(res, 401, { status: { error_code: 10002, error_message: 'API Key Missing' } });
    if (url.pathname.endsWith('/market_chart/range') && limited++ === 0)
      return sendJson(res, 429, { status: { error_code: 429, error_message: "You've exceeded the Rate Limit." } }, { 'retry-after': '1' });
    const m = /^\/coins\/([^/]+)\/market_chart\/range$/.exec(url.pathname);
    if (m) {
      if (m[1] !== 'ethereum') return sendJson(res, 404, { error: 'coin not found' });
      const from = Number(url.searchParams.get('from')) * 1000;
      const to = Number(url.searchParams.get('to')) * 1000;
      const prices: [number, number][] = [];
      // Hourly points; the price is 2000 + day index + hour/100.
      for (let t = Math.ceil(from / 3_600_000) * 3_600_000; t <= to; t += 3_600_000)
        prices.push([t, 2000 + (dayOf(t) - TODAY + 100) + new Date(t).getUTCHours() / 100]);
      return sendJson(res, 200, { prices, market_caps: [], total_volumes: [] });
    }
    if (url.pathname === '/simple/price') return sendJson(res, 200, { [url.searchParams.get('ids')!]: { usd: 2123.45 } });
    return sendJson(res, 404, { error: 'not found' });
  });
});
after(() => cg.close());

const source = () => createCoinGeckoPriceSource({ url: cg.url, apiKey: 'cg-demo-key', timeoutMs: 5000, now: () => NOW });
const signal = new AbortController().signal;

test('daily closes for past days, today from simple/price; 429 waited out; key only in a header', async () => {
  const prices = await source().dailyPrices(nativeAsset('ethereum'), TODAY - 3, TODAY, signal);
  assert.deepEqual(prices, [
    { day: TODAY - 3, price: '2097.23' },
    { day: TODAY - 2, price: '2098.23' },
    { day: TODAY - 1, price: '2099.23' },
    { day: TODAY, price: '2123.45' },
  ]);
  assert.ok(limited >= 2);
  for (const r of cg.requests) assert.ok(!r.path.includes('cg-demo-key'));
});

test('no CoinGecko id, an unknown id, or a spam token: no price at all', async () => {
  const unknown = tokenAsset('ethereum', '0x1111111111111111111111111111111111111111', { symbol: 'ZZZ', name: 'Unknown', decimals: 18, coingeckoId: null });
  assert.deepEqual(await source().dailyPrices(unknown, TODAY - 3, TODAY, signal), []);
  const spam: AssetInfo = { ...unknown, coingeckoId: 'ethereum', isSpam: true };
  assert.deepEqual(await source().dailyPrices(spam, TODAY - 3, TODAY, signal), []);
  const missing: AssetInfo = { ...unknown, coingeckoId: 'no-such-coin' };
  await assert.rejects(source().dailyPrices(missing, TODAY - 3, TODAY - 1, signal), /answered 404/);
});

test('without an API key, history is limited to the public 365 days', async () => {
  const s = createCoinGeckoPriceSource({ url: cg.url, timeoutMs: 5000, now: () => NOW });
  await assert.rejects(s.dailyPrices(nativeAsset('ethereum'), TODAY - 800, TODAY - 1, signal), /answered 401/);
  const last = cg.requests.at(-1)!;
  const from = Number(new URL(last.path, 'http://x').searchParams.get('from')) * 1000;
  assert.equal(dayOf(from), TODAY - 364);
  assert.ok(from >= (TODAY - 364) * DAY_MS);
});
