/**
 * A local server speaking Kraken's REST API for what ccxt's kraken calls to read an account:
 * public Assets and AssetPairs; private BalanceEx, TradesHistory (50 per page, newest first,
 * `start` exclusive, `ofs` offset), DepositStatus and WithdrawStatus. Private calls are
 * authenticated exactly as Kraken does: `API-Sign` = base64(HMAC-SHA512(base64-decoded
 * secret, path + SHA256(nonce + POST body))), nonces strictly increasing per key, and
 * Kraken's own error strings when something is wrong.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { sendJson, startLocalServer } from './local-http.ts';

export type KrakenTrade = {
  id: string;
  pair: 'XXBTZUSD' | 'XETHZUSD';
  time: number;
  type: 'buy' | 'sell';
  price: string;
  vol: string;
  cost: string;
  fee: string;
};
export type KrakenTransfer = {
  refid: string;
  asset: 'XXBT' | 'XETH' | 'ZUSD';
  amount: string;
  fee: string;
  time: number;
  status: 'Success' | 'Pending' | 'Failure';
  txid: string;
};
export type KrakenAccount = {
  key: string;
  secret: string;
  canQuery?: boolean;
  balances: Record<string, string>;
  trades: KrakenTrade[];
  deposits: KrakenTransfer[];
  withdrawals: KrakenTransfer[];
};

const ASSETS = {
  XXBT: { aclass: 'currency', altname: 'XBT', decimals: 10, display_decimals: 5, collateral_value: 1, status: 'enabled' },
  XETH: { aclass: 'currency', altname: 'ETH', decimals: 10, display_decimals: 5, collateral_value: 1, status: 'enabled' },
  ZUSD: { aclass: 'currency', altname: 'USD', decimals: 4, display_decimals: 2, collateral_value: 1, status: 'enabled' },
};
const pair = (base: string, quote: string, alt: string, ws: string) => ({
  altname: alt,
  wsname: ws,
  aclass_base: 'currency',
  base,
  aclass_quote: 'currency',
  quote,
  lot: 'unit',
  cost_decimals: 5,
  pair_decimals: 1,
  lot_decimals: 8,
  lot_multiplier: 1,
  leverage_buy: [2, 3],
  leverage_sell: [2, 3],
  fees: [
    [0, 0.26],
    [50000, 0.24],
  ],
  fees_maker: [
    [0, 0.16],
    [50000, 0.14],
  ],
  fee_volume_currency: 'ZUSD',
  margin_call: 80,
  margin_stop: 40,
  ordermin: '0.0001',
  costmin: '0.5',
  tick_size: '0.1',
  status: 'online',
});
const PAIRS = { XXBTZUSD: pair('XXBT', 'ZUSD', 'XBTUSD', 'XBT/USD'), XETHZUSD: pair('XETH', 'ZUSD', 'ETHUSD', 'ETH/USD') };

export async function startKrakenServer(accounts: KrakenAccount[], options: { rateLimit?: { every: number; kind: '429' | 'EAPI' } } = {}) {
  const lastNonce = new Map<string, bigint>();
  const stats = { private: 0, rateLimited: 0, tradesPages: 0, rejected: [] as string[] };
  let count = 0;
  const server = await startLocalServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const ok = (result: unknown) => sendJson(res, 200, { error: [], result });
    const fail = (error: string) => {
      stats.rejected.push(error);
      sendJson(res, 200, { error: [error] });
    };
    if (req.method === 'GET' && url.pathname === '/0/public/Assets') return ok(ASSETS);
    if (req.method === 'GET' && url.pathname === '/0/public/AssetPairs') return ok(PAIRS);
    if (req.method === 'GET' && url.pathname === '/0/public/Time') return ok({ unixtime: Math.floor(Date.now() / 1000), rfc1123: new Date().toUTCString() });
    if (req.method !== 'POST' || !url.pathname.startsWith('/0/private/')) return sendJson(res, 404, { error: ['EGeneral:Unknown method'] });
    stats.private++;
    if (options.rateLimit && ++count % options.rateLimit.every === 0) {
      stats.rateLimited++;
      if (options.rateLimit.kind === '429') return sendJson(res, 429, { error: ['EGeneral:Too many requests'] }, { 'retry-after': '1' });
      return fail('EAPI:Rate limit exceeded');
    }
    const account = accounts.find((a) => a.key === req.headers['api-key']);
    if (!account) return fail('EAPI:Invalid key');
    const form = new URLSearchParams(req.body);
    const nonce = form.get('nonce') ?? '';
    const expected = createHmac('sha512', Buffer.from(account.secret, 'base64'))
      .update(
        Buffer.concat([
          Buffer.from(url.pathname),
          createHash('sha256')
            .update(nonce + req.body)
            .digest(),
        ]),
      )
      .digest();
    const given = Buffer.from(String(req.headers['api-sign'] ?? ''), 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return fail('EAPI:Invalid signature');
    if (!/^\d+$/.test(nonce) || BigInt(nonce) <= (lastNonce.get(account.key) ?? 0n)) return fail('EAPI:Invalid nonce');
    lastNonce.set(account.key, BigInt(nonce));
    if (account.canQuery === false) return fail('EGeneral:Permission denied');
    const start = form.has('start') ? Number(form.get('start')) : -Infinity;
    const end = form.has('end') ? Number(form.get('end')) : Infinity;
    switch (url.pathname) {
      case '/0/private/BalanceEx':
        return ok(Object.fromEntries(Object.entries(account.balances).map(([asset, balance]) => [asset, { balance, hold_trade: '0.0000000000' }])));
      case '/0/private/TradesHistory': {
        stats.tradesPages++;
        const all = account.trades.filter((t) => t.time > start && t.time <= end).sort((a, b) => b.time - a.time);
        const ofs = Number(form.get('ofs') ?? 0);
        const page = all.slice(ofs, ofs + 50);
        return ok({
          trades: Object.fromEntries(
            page.map((t, i) => [
              t.id,
              {
                ordertxid: `O${t.id.slice(1)}`,
                postxid: 'TKH2SE-M7IF5-CFI7LT',
                pair: t.pair,
                time: t.time,
                type: t.type,
                ordertype: 'limit',
                price: t.price,
                cost: t.cost,
                fee: t.fee,
                vol: t.vol,
                margin: '0.00000',
                leverage: '0',
                misc: '',
                trade_id: 1000 + ofs + i,
                maker: false,
              },
            ]),
          ),
          count: all.length,
        });
      }
      case '/0/private/DepositStatus':
      case '/0/private/WithdrawStatus': {
        const list = url.pathname.endsWith('DepositStatus') ? account.deposits : account.withdrawals;
        return ok(
          list
            .filter((t) => t.time >= start && t.time <= end)
            .map((t) => ({
              method: t.asset === 'XETH' ? 'Ether (Hex)' : t.asset === 'XXBT' ? 'Bitcoin' : 'Bank Frick (SWIFT)',
              aclass: 'currency',
              asset: t.asset,
              refid: t.refid,
              txid: t.txid,
              info: '0x615f9ba7a9575b0ab4d571b2b36b1b324bd83290',
              amount: t.amount,
              fee: t.fee,
              time: t.time,
              status: t.status,
            })),
        );
      }
      default:
        return fail('EGeneral:Unknown method');
    }
  });
  return { ...server, stats };
}

/** `n` synthetic BTC/ETH trades, one a minute from `from` (seconds), with exact decimal strings. */
export function syntheticTrades(n: number, from: number, prefix = 'T'): KrakenTrade[] {
  return Array.from({ length: n }, (_, i) => {
    const btc = i % 2 === 0;
    const vol = `0.${String(1000 + (i % 900)).padStart(4, '0')}1234`;
    const price = btc ? `${60000 + (i % 500)}.5` : `${3000 + (i % 300)}.25`;
    return {
      id: `${prefix}${String(i).padStart(5, '0')}-ABCDE-FGHIJK`,
      pair: btc ? 'XXBTZUSD' : 'XETHZUSD',
      time: from + i * 60 + 0.1234,
      type: i % 3 === 0 ? 'sell' : 'buy',
      price,
      vol,
      cost: (Number(vol) * Number(price)).toFixed(5),
      fee: '0.26000',
    };
  });
}
