/**
 * The sandbox dataset: two years (2024-11-01 → 2026-11-01) of a realistic portfolio behind
 * the two published test addresses — an Ethereum wallet and a Solana wallet that trade,
 * stake, lend, bridge to each other, receive airdrops (one of them spam) and hold NFTs —
 * plus a daily USD price for every asset. A pure function of the seed: the same seed
 * always gives byte-identical data. Balances are the running sum of the transaction legs,
 * so holdings and history agree exactly.
 */
import { base58 } from '@scure/base';
import { SANDBOX_ADDRESSES } from '../addresses.ts';
import { Decimal, decimalString, ZERO, type DecimalValue } from '../lib/decimal.ts';
import { createPrng, type Prng } from './prng.ts';
import { ASSET_BY_ID, ETH, SOL, SANDBOX_ASSETS, assetInfo, idOf } from './sandbox-assets.ts';
import type { DefiPosition, Nft, SourceLeg, SourceTransaction } from './source.ts';
import { DAY_MS, dayOf } from '../lib/time.ts';

export const SANDBOX_SEED = 'kryptos-connect-sandbox/v1';
export const SANDBOX_END = Date.UTC(2026, 10, 1);
export const SANDBOX_DAYS = 730;
export const SANDBOX_START = SANDBOX_END - SANDBOX_DAYS * DAY_MS;

export type SandboxChain = 'ethereum' | 'solana';
export type SandboxWallet = {
  transactions: SourceTransaction[];
  balances: { assetId: string; quantity: string }[];
  defi: DefiPosition[];
  nfts: Nft[];
};
export type SandboxDataset = {
  seed: string;
  startDay: number;
  /** Inclusive: prices run from startDay to endDay (731 days). */
  endDay: number;
  prices: Map<string, string[]>;
  wallets: Record<SandboxChain, SandboxWallet>;
};

/** 2^-32 and 2^-31, exact: multiplying by them is exact and much cheaper than dividing. */
const INV_2_32 = new Decimal('2.3283064365386962890625e-10');
const INV_2_31 = new Decimal('4.656612873077392578125e-10');
const HALF = 2147483648;

/** Uniform in [-1, 1) as an exact Decimal. */
const signed = (prng: Prng) => new Decimal(prng.uint32() - HALF).times(INV_2_31);
/** Uniform in [min, max) with `places` decimals, rounded down. */
function between(prng: Prng, min: DecimalValue, max: DecimalValue, places: number): Decimal {
  const lo = new Decimal(min);
  return lo.plus(new Decimal(max).minus(lo).times(new Decimal(prng.uint32()).times(INV_2_32))).toDecimalPlaces(places, Decimal.ROUND_DOWN);
}

function buildPrices(prng: Prng): Map<string, Decimal[]> {
  const out = new Map<string, Decimal[]>();
  const days = SANDBOX_DAYS + 1;
  for (const asset of SANDBOX_ASSETS) {
    const walk = asset.walk;
    const rng = prng.fork(`price:${asset.id}`);
    const series: Decimal[] = [];
    if (walk.kind === 'walk') {
      const vol = new Decimal(walk.vol);
      const target = new Decimal(walk.target);
      const pullScale = new Decimal('0.01').div(target);
      let p = new Decimal(walk.start);
      for (let i = 0; i < days; i++) {
        series.push(p);
        const pull = target.minus(p).times(pullScale);
        p = p.times(vol.times(signed(rng)).plus(1).plus(pull)).toSignificantDigits(10);
      }
    } else if (walk.kind === 'stable') {
      for (let i = 0; i < days; i++) series.push(signed(rng).times('0.0015').plus(1).toDecimalPlaces(6));
    }
    out.set(asset.id, series);
  }
  for (const asset of SANDBOX_ASSETS) {
    const walk = asset.walk;
    if (walk.kind !== 'tracks') continue;
    const base = out.get(walk.of)!;
    const rng = prng.fork(`price:${asset.id}`);
    const from = new Decimal(walk.premiumFrom);
    const span = new Decimal(walk.premiumTo).minus(from);
    out.set(
      asset.id,
      base.map((p, i) =>
        p
          .times(from.plus(span.times(i).div(SANDBOX_DAYS)))
          .times(signed(rng).times('0.001').plus(1))
          .toSignificantDigits(10),
      ),
    );
  }
  return out;
}

const PLACES = {
  'Coinbase 10': '0xa9d1e08c7793af67e9d92fe308d5697fb81d3e43',
  'Uniswap Universal Router': '0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad',
  'Aave v3 Pool': '0x87870bca3f3fd6335c3f4ce8392d69350b4fa4e2',
  Lido: '0xae7ab96520de3a18e5e111b5eaab095312d7fe84',
  'Uniswap v3 Positions': '0xc36442b4a4522e871399cd717abdd847ab11fe88',
  'Circle CCTP': '0xbd3fa81b58ba92a82136038b25adec7066af3155',
  'Wormhole Token Bridge': '0x3ee18b2214aff97000d974cf647e7c347e8fa585',
  'Arbitrum Distributor': '0x67a24ce4321ab3af51c2d0a4801c3e111d88c9d9',
  'OpenSea Seaport': '0x00000000000000adc04c56bf30ac9d3c0aaf14dc',
  'Chromatic Voyagers': '0x5c0a7e1d9b3f2e4a6c8d0b1e3f5a7c9e2d4b6f80',
  'Kryptos Genesis Pass': '0x8e2f4a6c1b3d5e7f9a0c2e4b6d8f1a3c5e7b9d02',
  Spammer: '0x0000000000000000000000000000000000dead01',
  'Binance Hot Wallet': '5tzFkiKscXHK5ZXCGbXZxdw7gTjjD1mBwuoFbhUvuAi9',
  'Jupiter v6': 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4',
  Marinade: 'MarBmsSgKXdrN1egZf5sqe1TMai9K1rChYNDJgjq7aD',
  'Kamino Lend': 'KLend2g3cP87fffoy8q1mQqGKjrxjC8boSyAYavgmjD',
  'Magic Eden v2': 'M2mx93ekt1fmXSVkTrUL9xVFHkmME8HTUi5Cyc5aF7K',
  'Wormhole (Solana)': 'wormDTUJ6AWPNvk59vGQbDvGJmqbDTdgWgAqcLBCgUb',
  'Circle CCTP (Solana)': 'CCTPiPYPc6AsJuwueEnWgSgucamXDZwBd53dQ11YiKX3',
  'Jupiter Airdrop': 'DiS3nNjFVMieMgmiQFm6wgJL7nevk4NrhXKLbtEH1Z2R',
  'Pyth Airdrop': 'HJQ1nULBvV5rEiWqq7aUVYJMKDZoyqZ3qBGAGAn4LL4X',
  'Stake Pool Rewards': 'Stake11111111111111111111111111111111111111',
} as const;
type Place = keyof typeof PLACES;

type Sim = {
  chain: SandboxChain;
  native: string;
  stable: string;
  address: string;
  holdings: Map<string, Decimal>;
  txs: SourceTransaction[];
  prng: Prng;
  last: number;
  totals: Record<string, Decimal>;
  nftTx: Record<string, SourceTransaction>;
};

export function generateSandboxDataset(seed = SANDBOX_SEED): SandboxDataset {
  const prng = createPrng(seed);
  const exact = buildPrices(prng.fork('prices'));
  const prices = new Map([...exact].map(([id, series]) => [id, series.map(decimalString)]));
  const startDay = dayOf(SANDBOX_START);
  const price = (assetId: string, day: number) => prices.get(assetId)![day]!;
  const priceD = (assetId: string, day: number) => exact.get(assetId)![day]!;
  const held = (s: Sim, id: string) => s.holdings.get(id) ?? ZERO;
  const places = (id: string) => ASSET_BY_ID.get(id)!.decimals;
  const symbol = (id: string) => ASSET_BY_ID.get(id)!.symbol;

  function sim(chain: SandboxChain): Sim {
    return {
      chain,
      native: chain === 'ethereum' ? ETH : SOL,
      stable: idOf(chain, 'USDC'),
      address: SANDBOX_ADDRESSES[chain],
      holdings: new Map(),
      txs: [],
      prng: prng.fork(`wallet:${chain}`),
      last: SANDBOX_START,
      totals: {},
      nftTx: {},
    };
  }
  const eth = sim('ethereum');
  const sol = sim('solana');
  const add = (s: Sim, key: string, v: Decimal) => void (s.totals[key] = (s.totals[key] ?? ZERO).plus(v));

  function hash(s: Sim): string {
    return s.chain === 'ethereum' ? '0x' + Buffer.from(s.prng.bytes(32)).toString('hex') : base58.encode(s.prng.bytes(64));
  }
  function feeLeg(s: Sim, day: number, work: 'transfer' | 'approve' | 'swap' | 'defi' | 'nft'): SourceLeg {
    let quantity: Decimal;
    if (s.chain === 'ethereum') {
      const gas = { transfer: 21_000, approve: 46_000, swap: 150_000, defi: 240_000, nft: 180_000 }[work] + s.prng.int(0, 40_000);
      const gasPriceWei = BigInt(s.prng.int(2_000_000_000, 38_000_000_000)) + BigInt(s.prng.int(0, 999_999));
      quantity = new Decimal((BigInt(gas) * gasPriceWei).toString()).div('1e18');
    } else {
      quantity = new Decimal(5000 + s.prng.int(0, 150_000)).div('1e9');
    }
    return { kind: 'fee', assetId: s.native, quantity: decimalString(quantity), price: price(s.native, day) };
  }
  function leg(kind: 'incoming' | 'outgoing', assetId: string, q: Decimal, day: number): SourceLeg {
    return { kind, assetId, quantity: decimalString(q), price: price(assetId, day) };
  }
  /** Records a transaction, moving the wallet's holdings by its legs (never below zero). */
  function record(s: Sim, day: number, t: Omit<SourceTransaction, 'externalId' | 'platformId' | 'timestamp'>, at?: number): SourceTransaction {
    const timestamp = at ?? Math.max(s.last + 60_000 + s.prng.int(0, 1_800_000), SANDBOX_START + day * DAY_MS + s.prng.int(0, 3_600_000) * 6);
    s.last = Math.max(s.last, timestamp);
    for (const l of t.legs) {
      const q = new Decimal(l.quantity);
      const next = l.kind === 'incoming' ? held(s, l.assetId).plus(q) : held(s, l.assetId).minus(q);
      if (next.isNegative()) throw new Error(`sandbox dataset: ${s.chain} ${symbol(l.assetId)} would go negative on day ${day} (${t.label})`);
      s.holdings.set(l.assetId, next);
    }
    const id = hash(s);
    const tx: SourceTransaction = { externalId: id, platformId: id, timestamp, ...t, raw: { hash: id, chain: s.chain, ...t.raw } };
    s.txs.push(tx);
    return tx;
  }
  const NATIVE_RESERVE = { ethereum: new Decimal('0.08'), solana: new Decimal('0.1') };
  function spendable(s: Sim, id: string): Decimal {
    const h = held(s, id);
    return id === s.native ? Decimal.max(ZERO, h.minus(NATIVE_RESERVE[s.chain])) : h;
  }
  function deposit(s: Sim, day: number, id: string, q: Decimal, from: Place) {
    return record(s, day, {
      type: 'deposit',
      label: 'Deposit',
      description: `Received ${decimalString(q)} ${symbol(id)} from ${from}`,
      legs: [leg('incoming', id, q, day)],
      raw: { from: PLACES[from], to: s.address, counterparty: from },
    });
  }
  /** Tops the wallet up from its exchange when a planned spend needs more than it holds. */
  function ensure(s: Sim, day: number, id: string, q: Decimal) {
    if (spendable(s, id).lt(q))
      deposit(
        s,
        day,
        id,
        q.minus(spendable(s, id)).times('1.2').toDecimalPlaces(places(id), Decimal.ROUND_UP),
        s.chain === 'ethereum' ? 'Coinbase 10' : 'Binance Hot Wallet',
      );
    if (s.chain === 'ethereum' ? held(s, s.native).lt('0.25') : held(s, s.native).lt('1')) {
      deposit(
        s,
        day,
        s.native,
        between(s.prng, s.chain === 'ethereum' ? '1.5' : '10', s.chain === 'ethereum' ? '3' : '25', places(s.native)),
        s.chain === 'ethereum' ? 'Coinbase 10' : 'Binance Hot Wallet',
      );
    }
  }
  const dex = (s: Sim): Place => (s.chain === 'ethereum' ? 'Uniswap Universal Router' : 'Jupiter v6');
  function quote(fromId: string, q: Decimal, toId: string, day: number): Decimal {
    return q.times(priceD(fromId, day)).times('0.997').div(priceD(toId, day)).toDecimalPlaces(places(toId), Decimal.ROUND_DOWN);
  }
  function trade(s: Sim, day: number, label: 'Buy' | 'Sell' | 'Swap', fromId: string, q: Decimal, toId: string) {
    ensure(s, day, fromId, q);
    const out = quote(fromId, q, toId, day);
    if (out.isZero()) return;
    const verb =
      label === 'Buy'
        ? `Bought ${decimalString(out)} ${symbol(toId)} for ${decimalString(q)} ${symbol(fromId)}`
        : label === 'Sell'
          ? `Sold ${decimalString(q)} ${symbol(fromId)} for ${decimalString(out)} ${symbol(toId)}`
          : `Swapped ${decimalString(q)} ${symbol(fromId)} for ${decimalString(out)} ${symbol(toId)}`;
    record(s, day, {
      type: 'trade',
      label,
      description: `${verb} on ${dex(s).split(' ')[0]}`,
      legs: [leg('outgoing', fromId, q, day), leg('incoming', toId, out, day), feeLeg(s, day, 'swap')],
      raw: { from: s.address, to: PLACES[dex(s)], counterparty: dex(s) },
    });
  }
  function usd(s: Sim, day: number, id: string, dollars: Decimal): Decimal {
    return dollars.div(priceD(id, day)).toDecimalPlaces(places(id), Decimal.ROUND_DOWN);
  }
  function buy(s: Sim, day: number, toId: string) {
    const dollars = between(s.prng, 120, 2400, 2);
    trade(s, day, 'Buy', s.stable, dollars, toId);
  }
  function tradeFraction(s: Sim, day: number, label: 'Sell' | 'Swap', fromId: string, toId: string) {
    const q = spendable(s, fromId)
      .times(between(s.prng, '0.08', '0.35', 4))
      .toDecimalPlaces(places(fromId), Decimal.ROUND_DOWN);
    if (q.times(priceD(fromId, day)).lt(25)) return;
    trade(s, day, label, fromId, q, toId);
  }
  function simple(
    s: Sim,
    day: number,
    label: string,
    type: SourceTransaction['type'],
    description: string,
    legs: SourceLeg[],
    work: 'transfer' | 'approve' | 'swap' | 'defi' | 'nft',
    extra: Partial<SourceTransaction> & { to?: Place; from?: Place } = {},
  ) {
    const { to, from, ...rest } = extra;
    return record(s, day, {
      type,
      label,
      description,
      legs: [...legs, feeLeg(s, day, work)],
      ...rest,
      raw: { from: from ? PLACES[from] : s.address, to: to ? PLACES[to] : s.address, counterparty: to ?? from ?? null },
    });
  }
  /** A movement between the two wallets: both halves carry the same transferId. */
  function crossWallet(day: number, from: Sim, to: Sim, q: Decimal, label: 'Transfer' | 'Bridge', via: Place, arrive: Place) {
    ensure(from, day, from.stable, q);
    const transferId = `xfer-${day}-${from.chain}`;
    const sent = simple(
      from,
      day,
      label === 'Transfer' ? 'Transfer' : 'Bridge Send',
      label === 'Transfer' ? 'transfer' : 'withdrawal',
      `${label === 'Transfer' ? 'Transferred' : 'Bridged'} ${decimalString(q)} USDC to your ${to.chain === 'ethereum' ? 'Ethereum' : 'Solana'} wallet via ${via}`,
      [leg('outgoing', from.stable, q, day)],
      'defi',
      { to: via, transferId },
    );
    const at = Math.max(sent.timestamp + 900_000 + from.prng.int(0, 600_000), to.last + 1000);
    to.last = at;
    record(
      to,
      day,
      {
        type: label === 'Transfer' ? 'transfer' : 'deposit',
        label: label === 'Transfer' ? 'Transfer' : 'Bridge Receive',
        description: `Received ${decimalString(q)} USDC from your ${from.chain === 'ethereum' ? 'Ethereum' : 'Solana'} wallet via ${via}`,
        legs: [leg('incoming', to.stable, q, day)],
        transferId,
        raw: { from: PLACES[arrive], to: to.address, counterparty: arrive, sourceHash: sent.platformId },
      },
      at,
    );
  }

  // ------------------------------------------------------------------ the Ethereum wallet
  const ethTokens = ['WBTC', 'LINK', 'UNI', 'AAVE', 'stETH'].map((x) => idOf('ethereum', x));
  const ethScript: Record<number, (d: number) => void> = {
    0: (d) => {
      deposit(eth, d, ETH, new Decimal('12.5'), 'Coinbase 10');
      deposit(eth, d, eth.stable, new Decimal('25000'), 'Coinbase 10');
    },
    1: (d) => simple(eth, d, 'Approve', 'payment', 'Approved USDC for Uniswap', [], 'approve', { to: 'Uniswap Universal Router' }),
    5: (d) => deposit(eth, d, idOf('ethereum', 'USDT'), new Decimal('5000'), 'Coinbase 10'),
    20: (d) => stakeLido(d, new Decimal('4')),
    30: (d) => crossWallet(d, eth, sol, new Decimal('3000'), 'Transfer', 'Circle CCTP', 'Circle CCTP (Solana)'),
    45: (d) => {
      simple(eth, d, 'Approve', 'payment', 'Approved USDC for Aave v3', [], 'approve', { to: 'Aave v3 Pool' });
      lend(d, new Decimal('10000'));
    },
    60: (d) => {
      const q = new Decimal('3000');
      add(eth, 'aaveBorrow', q);
      simple(eth, d, 'Borrow', 'deposit', 'Borrowed 3000 DAI from Aave v3', [leg('incoming', idOf('ethereum', 'DAI'), q, d)], 'defi', {
        from: 'Aave v3 Pool',
        isDefi: true,
      });
    },
    90: (d) => {
      const q = new Decimal('1.5');
      const u = usd(eth, d, eth.stable, q.times(priceD(ETH, d)));
      ensure(eth, d, ETH, q);
      ensure(eth, d, eth.stable, u);
      add(eth, 'lpEth', q);
      add(eth, 'lpUsdc', u);
      eth.nftTx.lp = simple(
        eth,
        d,
        'Add Liquidity',
        'trade',
        `Added ${decimalString(q)} ETH and ${decimalString(u)} USDC to Uniswap v3 ETH/USDC 0.05%`,
        [leg('outgoing', ETH, q, d), leg('outgoing', eth.stable, u, d)],
        'defi',
        { to: 'Uniswap v3 Positions', isDefi: true },
      );
    },
    110: (d) => {
      const q = new Decimal('0.16');
      ensure(eth, d, ETH, q);
      eth.nftTx.voyagers = simple(eth, d, 'Mint NFT', 'trade', 'Minted 2 Chromatic Voyagers (#1234, #2087)', [leg('outgoing', ETH, q, d)], 'nft', {
        to: 'Chromatic Voyagers',
        isNft: true,
      });
    },
    150: (d) =>
      record(eth, d, {
        type: 'deposit',
        label: 'Airdrops',
        description: 'Received 1000000 FREE-CLAIM-XYZ (unsolicited)',
        legs: [leg('incoming', idOf('ethereum', 'FREE-CLAIM-XYZ'), new Decimal('1000000'), d)],
        isSpam: true,
        raw: { from: PLACES.Spammer, to: eth.address, counterparty: 'Spammer' },
      }),
    180: (d) => crossWallet(d, eth, sol, new Decimal('2500'), 'Transfer', 'Circle CCTP', 'Circle CCTP (Solana)'),
    200: (d) => stakeLido(d, new Decimal('2')),
    260: (d) => {
      const q = new Decimal('0.3');
      ensure(eth, d, ETH, q);
      eth.nftTx.genesis = simple(eth, d, 'NFT Buy', 'trade', 'Bought 3 Kryptos Genesis Pass on OpenSea', [leg('outgoing', ETH, q, d)], 'nft', {
        to: 'OpenSea Seaport',
        isNft: true,
      });
    },
    300: (d) => {
      const q = new Decimal('1000');
      add(eth, 'aaveRepay', q);
      simple(eth, d, 'Loan Payback', 'payment', 'Repaid 1000 DAI to Aave v3', [leg('outgoing', idOf('ethereum', 'DAI'), q, d)], 'defi', {
        to: 'Aave v3 Pool',
        isDefi: true,
      });
    },
    333: (d) =>
      record(eth, d, {
        type: 'payment',
        label: 'Failed',
        description: 'Swap reverted: price moved beyond slippage tolerance',
        legs: [feeLeg(eth, d, 'swap')],
        failed: true,
        raw: {
          from: eth.address,
          to: PLACES['Uniswap Universal Router'],
          counterparty: 'Uniswap Universal Router',
          error: 'execution reverted: Too little received',
        },
      }),
    340: (d) => simple(eth, d, 'Fee', 'payment', 'Cancelled a stuck pending transaction', [], 'transfer'),
    400: (d) => lend(d, new Decimal('5000')),
    420: (d) =>
      record(eth, d, {
        type: 'deposit',
        label: 'Airdrops',
        description: 'Claimed 1250.5 ARB airdrop',
        legs: [leg('incoming', idOf('ethereum', 'ARB'), new Decimal('1250.5'), d)],
        raw: { from: PLACES['Arbitrum Distributor'], to: eth.address, counterparty: 'Arbitrum Distributor' },
      }),
    500: (d) => crossWallet(d, eth, sol, new Decimal('4000'), 'Transfer', 'Circle CCTP', 'Circle CCTP (Solana)'),
    650: (d) => simple(eth, d, 'Fee', 'payment', 'Renewed an ENS name (gas only, paid by a relayer)', [], 'approve'),
    690: (d) => {
      const q = between(eth.prng, '0.4', '0.9', 18);
      ensure(eth, d, ETH, q);
      simple(eth, d, 'Withdrawal', 'withdrawal', `Sent ${decimalString(q)} ETH to Coinbase`, [leg('outgoing', ETH, q, d)], 'transfer', { to: 'Coinbase 10' });
    },
  };
  function stakeLido(d: number, q: Decimal) {
    ensure(eth, d, ETH, q);
    add(eth, 'lido', q);
    simple(eth, d, 'Stake', 'withdrawal', `Staked ${decimalString(q)} ETH with Lido`, [leg('outgoing', ETH, q, d)], 'defi', { to: 'Lido', isDefi: true });
  }
  function lend(d: number, q: Decimal) {
    ensure(eth, d, eth.stable, q);
    add(eth, 'aaveSupply', q);
    simple(eth, d, 'Lend', 'withdrawal', `Supplied ${decimalString(q)} USDC to Aave v3`, [leg('outgoing', eth.stable, q, d)], 'defi', {
      to: 'Aave v3 Pool',
      isDefi: true,
    });
  }

  // ------------------------------------------------------------------ the Solana wallet
  const solTokens = ['JUP', 'BONK', 'RAY', 'PYTH', 'mSOL'].map((x) => idOf('solana', x));
  const solScript: Record<number, (d: number) => void> = {
    2: (d) => deposit(sol, d, SOL, new Decimal('150'), 'Binance Hot Wallet'),
    3: (d) => deposit(sol, d, sol.stable, new Decimal('8000'), 'Binance Hot Wallet'),
    15: (d) => {
      const q = new Decimal('50');
      add(sol, 'marinade', q);
      simple(sol, d, 'Stake', 'withdrawal', 'Staked 50 SOL with Marinade Native', [leg('outgoing', SOL, q, d)], 'defi', { to: 'Marinade', isDefi: true });
    },
    40: (d) => trade(sol, d, 'Swap', SOL, new Decimal('20'), idOf('solana', 'mSOL')),
    70: (d) => {
      const q = new Decimal('3000');
      ensure(sol, d, sol.stable, q);
      add(sol, 'kaminoSupply', q);
      simple(sol, d, 'Lend', 'withdrawal', 'Supplied 3000 USDC to Kamino Lend', [leg('outgoing', sol.stable, q, d)], 'defi', {
        to: 'Kamino Lend',
        isDefi: true,
      });
    },
    78: (d) =>
      record(sol, d, {
        type: 'deposit',
        label: 'Airdrops',
        description: 'Claimed 2150.5 JUP (Jupuary)',
        legs: [leg('incoming', idOf('solana', 'JUP'), new Decimal('2150.5'), d)],
        raw: { from: PLACES['Jupiter Airdrop'], to: sol.address, counterparty: 'Jupiter Airdrop' },
      }),
    95: (d) => {
      const q = new Decimal('8');
      add(sol, 'kaminoBorrow', q);
      simple(sol, d, 'Borrow', 'deposit', 'Borrowed 8 SOL from Kamino Lend', [leg('incoming', SOL, q, d)], 'defi', { from: 'Kamino Lend', isDefi: true });
    },
    140: (d) =>
      record(sol, d, {
        type: 'deposit',
        label: 'Airdrops',
        description: 'Claimed 800 PYTH',
        legs: [leg('incoming', idOf('solana', 'PYTH'), new Decimal('800'), d)],
        raw: { from: PLACES['Pyth Airdrop'], to: sol.address, counterparty: 'Pyth Airdrop' },
      }),
    210: (d) => {
      const q = new Decimal('3.2');
      ensure(sol, d, SOL, q);
      sol.nftTx.sprite = simple(sol, d, 'NFT Buy', 'trade', 'Bought Solstice Sprites #412 on Magic Eden', [leg('outgoing', SOL, q, d)], 'nft', {
        to: 'Magic Eden v2',
        isNft: true,
      });
    },
    250: (d) => crossWallet(d, sol, eth, new Decimal('1500'), 'Bridge', 'Wormhole (Solana)', 'Wormhole Token Bridge'),
    444: (d) =>
      record(sol, d, {
        type: 'payment',
        label: 'Failed',
        description: 'Jupiter swap failed: slippage tolerance exceeded',
        legs: [feeLeg(sol, d, 'swap')],
        failed: true,
        raw: { from: sol.address, to: PLACES['Jupiter v6'], counterparty: 'Jupiter v6', error: 'SlippageToleranceExceeded' },
      }),
    600: (d) => crossWallet(d, sol, eth, new Decimal('2000'), 'Bridge', 'Wormhole (Solana)', 'Wormhole Token Bridge'),
  };

  function randomDay(s: Sim, d: number, tokens: string[]) {
    const r = s.prng.float();
    if (r < 0.07) buy(s, d, s.prng.pick([...tokens, s.native]));
    else if (r < 0.12) {
      const owned = [...tokens, s.native].filter((id) => spendable(s, id).times(priceD(id, d)).gt(50));
      if (owned.length) tradeFraction(s, d, 'Sell', s.prng.pick(owned), s.stable);
    } else if (r < 0.19) {
      const owned = [...tokens, s.native].filter((id) => spendable(s, id).times(priceD(id, d)).gt(50));
      if (owned.length) {
        const from = s.prng.pick(owned);
        tradeFraction(s, d, 'Swap', from, s.prng.pick([...tokens, s.native].filter((id) => id !== from)));
      }
    } else if (r < 0.205 && s.chain === 'ethereum')
      simple(s, d, 'Approve', 'payment', `Approved ${symbol(s.prng.pick(tokens))} for ${dex(s)}`, [], 'approve', { to: dex(s) });
  }

  for (let d = 0; d < SANDBOX_DAYS; d++) {
    ethScript[d]?.(d);
    solScript[d]?.(d);
    if (d % 7 === 3 && eth.totals.lido) {
      const q = eth.totals.lido
        .times('0.034')
        .div(52)
        .times(between(eth.prng, '0.9', '1.1', 6))
        .toDecimalPlaces(18, Decimal.ROUND_DOWN);
      record(eth, d, {
        type: 'deposit',
        label: 'Staking Rewards',
        description: `Lido staking reward of ${decimalString(q)} stETH`,
        legs: [leg('incoming', idOf('ethereum', 'stETH'), q, d)],
        isDefi: true,
        raw: { from: PLACES.Lido, to: eth.address, counterparty: 'Lido' },
      });
    }
    if (d % 4 === 1 && sol.totals.marinade) {
      const q = sol.totals.marinade
        .times('0.071')
        .div(91)
        .times(between(sol.prng, '0.85', '1.15', 6))
        .toDecimalPlaces(9, Decimal.ROUND_DOWN);
      record(sol, d, {
        type: 'deposit',
        label: 'Staking Rewards',
        description: `Epoch staking reward of ${decimalString(q)} SOL`,
        legs: [leg('incoming', SOL, q, d)],
        isDefi: true,
        raw: { from: PLACES['Stake Pool Rewards'], to: sol.address, counterparty: 'Marinade' },
      });
    }
    if (d > 5) {
      randomDay(eth, d, ethTokens);
      randomDay(sol, d, solTokens);
    }
  }

  const end = SANDBOX_DAYS;
  const asset = (id: string) => assetInfo(id);
  const grow = (v: Decimal, rate: string, id: string) => v.times(rate).toDecimalPlaces(places(id), Decimal.ROUND_DOWN);
  const ethDefi: DefiPosition[] = [
    {
      key: 'aave-v3:ethereum',
      protocol: 'Aave V3',
      chain: 'ethereum',
      category: 'lending',
      siteUrl: 'https://app.aave.com',
      logoUrl: null,
      positions: [
        { asset: asset(eth.stable), amount: decimalString(grow(eth.totals.aaveSupply!, '1.0437', eth.stable)), side: 'supply' },
        {
          asset: asset(idOf('ethereum', 'DAI')),
          amount: decimalString(grow(eth.totals.aaveBorrow!.minus(eth.totals.aaveRepay!), '1.0612', idOf('ethereum', 'DAI'))),
          side: 'borrow',
        },
        { asset: asset(idOf('ethereum', 'AAVE')), amount: '0.812345678901234567', side: 'reward' },
      ],
    },
    {
      key: 'uniswap-v3:ethereum:912345',
      protocol: 'Uniswap V3',
      chain: 'ethereum',
      category: 'liquidity',
      siteUrl: 'https://app.uniswap.org',
      logoUrl: null,
      positions: [
        { asset: asset(ETH), amount: decimalString(grow(eth.totals.lpEth!, '0.9312', ETH)), side: 'supply' },
        { asset: asset(eth.stable), amount: decimalString(grow(eth.totals.lpUsdc!, '1.0815', eth.stable)), side: 'supply' },
        { asset: asset(ETH), amount: '0.041234567890123456', side: 'reward' },
        { asset: asset(eth.stable), amount: '97.421337', side: 'reward' },
      ],
    },
    {
      key: 'lido:ethereum',
      protocol: 'Lido',
      chain: 'ethereum',
      category: 'staking',
      siteUrl: 'https://stake.lido.fi',
      logoUrl: null,
      positions: [{ asset: asset(ETH), amount: decimalString(eth.totals.lido!), side: 'supply' }],
    },
  ];
  const solDefi: DefiPosition[] = [
    {
      key: 'marinade:solana',
      protocol: 'Marinade',
      chain: 'solana',
      category: 'staking',
      siteUrl: 'https://marinade.finance',
      logoUrl: null,
      positions: [{ asset: asset(SOL), amount: decimalString(sol.totals.marinade!), side: 'supply' }],
    },
    {
      key: 'kamino:solana',
      protocol: 'Kamino',
      chain: 'solana',
      category: 'lending',
      siteUrl: 'https://app.kamino.finance',
      logoUrl: null,
      positions: [
        { asset: asset(sol.stable), amount: decimalString(grow(sol.totals.kaminoSupply!, '1.0821', sol.stable)), side: 'supply' },
        { asset: asset(SOL), amount: decimalString(grow(sol.totals.kaminoBorrow!, '1.0563', SOL)), side: 'borrow' },
        { asset: asset(idOf('solana', 'JUP')), amount: '14.52', side: 'reward' },
      ],
    },
  ];

  const sale = (t: SourceTransaction, s: Sim, seller: string, quantity: string, marketplace: string) => ({
    fromAddress: seller,
    toAddress: s.address,
    quantity,
    timestamp: t.timestamp,
    transactionHash: t.platformId!,
    marketplaceName: marketplace,
    totalPrice: decimalString(
      new Decimal(t.legs.find((l) => l.kind === 'outgoing')!.quantity).times(priceD(s.native, dayOf(t.timestamp) - startDay)).toDecimalPlaces(2),
    ),
  });
  const collection = (id: string, name: string, description: string, floor: string | null, owners: number, total: number, links: [string, string][]) => ({
    collectionId: id,
    name,
    description,
    imageUrl: `https://sandbox.kryptos.invalid/nft/${id.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.png`,
    floorPrice: floor,
    ownerCount: owners,
    totalQuantity: total,
    socialLinks: links.map(([platform, url]) => ({ platform, url })),
  });
  const voyagers = collection(
    PLACES['Chromatic Voyagers'],
    'Chromatic Voyagers',
    'Ten thousand generative travellers crossing a colour field.',
    '412.37',
    4211,
    10_000,
    [
      ['website', 'https://voyagers.example'],
      ['twitter', 'https://x.com/chromaticvoyagers'],
    ],
  );
  const image = (slug: string) => ({
    contentType: 'image/png',
    nftUrl: `https://sandbox.kryptos.invalid/nft/${slug}.png`,
    thumbnailUrl: `https://sandbox.kryptos.invalid/nft/${slug}-thumb.png`,
  });
  const ethNfts: Nft[] = [
    ...['1234', '2087'].map((tokenId): Nft => ({
      chain: 'ethereum',
      contract: PLACES['Chromatic Voyagers'],
      tokenId,
      name: `Chromatic Voyager #${tokenId}`,
      description: 'A traveller minted in the sandbox.',
      ...image(`voyager-${tokenId}`),
      ercType: 'ERC-721',
      amount: '1',
      price: '412.37',
      isSpam: false,
      collection: voyagers,
      lastSale: sale(eth.nftTx.voyagers!, eth, '0x0000000000000000000000000000000000000000', '2', 'Mint'),
    })),
    {
      chain: 'ethereum',
      contract: PLACES['Kryptos Genesis Pass'],
      tokenId: '1',
      name: 'Kryptos Genesis Pass',
      description: 'Early-supporter pass (ERC-1155).',
      ...image('genesis-pass'),
      ercType: 'ERC-1155',
      amount: '3',
      price: '86.5',
      isSpam: false,
      collection: collection(PLACES['Kryptos Genesis Pass'], 'Kryptos Genesis Pass', 'A multi-edition pass for early supporters.', '86.5', 1890, 5000, [
        ['website', 'https://genesis-pass.example'],
      ]),
      lastSale: sale(eth.nftTx.genesis!, eth, '0x7be8076f4ea4a4ad08075c2508e481d6c946d12b', '3', 'OpenSea'),
    },
    {
      chain: 'ethereum',
      contract: PLACES['Uniswap v3 Positions'],
      tokenId: '912345',
      name: 'Uniswap - 0.05% - USDC/WETH',
      description: 'This NFT represents a liquidity position in a Uniswap V3 USDC-WETH pool.',
      ...image('uniswap-position'),
      ercType: 'ERC-721',
      amount: '1',
      price: null,
      isSpam: false,
      collection: collection(PLACES['Uniswap v3 Positions'], 'Uniswap V3 Positions NFT-V1', 'Liquidity positions in Uniswap V3.', null, 180_000, 950_000, [
        ['website', 'https://app.uniswap.org'],
      ]),
      lastSale: null,
    },
    {
      chain: 'ethereum',
      contract: '0x3b1f9a0e5d7c2b4a6e8f0d1c3b5a7e9f2c4d6b81',
      tokenId: '7',
      name: '5000 USDC Reward Voucher',
      description: 'Claim your reward at usdc-bonus.example within 24 hours!',
      ...image('spam-voucher'),
      ercType: 'ERC-1155',
      amount: '1',
      price: null,
      isSpam: true,
      collection: collection('0x3b1f9a0e5d7c2b4a6e8f0d1c3b5a7e9f2c4d6b81', 'USDC Rewards', 'Unsolicited airdrop.', null, 250_000, 250_000, []),
      lastSale: null,
    },
  ];
  const solNfts: Nft[] = [
    {
      chain: 'solana',
      contract: 'SPRTx7Zq3hV4n1mYwKc8dLr5uE2bA9fG6jN0pQsT1xW',
      tokenId: 'SPRTx7Zq3hV4n1mYwKc8dLr5uE2bA9fG6jN0pQsT1xW',
      name: 'Solstice Sprites #412',
      description: 'A sprite that only appears at the solstice.',
      ...image('sprite-412'),
      ercType: 'SPL',
      amount: '1',
      price: '281.4',
      isSpam: false,
      collection: collection('solstice-sprites', 'Solstice Sprites', 'Three thousand sprites on Solana.', '281.4', 1422, 3000, [
        ['website', 'https://sprites.example'],
        ['discord', 'https://discord.gg/sprites'],
      ]),
      lastSale: sale(sol.nftTx.sprite!, sol, '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin', '1', 'Magic Eden'),
    },
  ];

  const balances = (s: Sim) =>
    [...s.holdings]
      .filter(([, q]) => !q.isZero())
      .map(([assetId, q]) => ({ assetId, quantity: decimalString(q) }))
      .sort((a, b) => a.assetId.localeCompare(b.assetId));
  const sorted = (s: Sim) => s.txs.sort((a, b) => a.timestamp - b.timestamp || a.externalId.localeCompare(b.externalId));
  void end;
  return {
    seed,
    startDay,
    endDay: startDay + SANDBOX_DAYS,
    prices,
    wallets: {
      ethereum: { transactions: sorted(eth), balances: balances(eth), defi: ethDefi, nfts: ethNfts },
      solana: { transactions: sorted(sol), balances: balances(sol), defi: solDefi, nfts: solNfts },
    },
  };
}

const cache = new Map<string, SandboxDataset>();

/** The dataset for `seed`, generated once per process. */
export function sandboxDataset(seed = SANDBOX_SEED): SandboxDataset {
  let d = cache.get(seed);
  if (!d) {
    d = generateSandboxDataset(seed);
    cache.set(seed, d);
  }
  return d;
}
