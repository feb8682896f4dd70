/**
 * The tax engine on hand-worked examples: lots in, disposals out, the expected gain per
 * disposal to the cent — for FIFO, LIFO, HIFO and average cost, with fees (into proceeds
 * and into basis), partial lots, a transfer between own wallets, a swap, income, a missing
 * purchase and a missing price. Every journal entry balances and the asset accounts equal
 * the open positions.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeTax, taxYearOf, type CostBasisMethod, type EngineLeg, type EngineResult, type EngineTransaction } from '../../../server/tax/engine.ts';
import { Decimal } from '../../../server/lib/decimal.ts';
import { assertBalanced } from './invariants.ts';

const DAY = 86_400_000;
const D = (n: number) => Date.UTC(2024, 0, 1) + n * DAY;
const BTC = 'x:btc';
const ETH = 'x:eth';
const SOL = 'x:sol';
const USDC = 'x:usdc';
const TOK = 'x:tok';

type L = [EngineLeg['kind'], string, string, string | null, string?];
const tx = (id: string, at: number, type: string, label: string, legs: L[], extra: Partial<EngineTransaction> = {}): EngineTransaction => ({
  id,
  timestamp: at,
  type,
  label,
  failed: false,
  isSpam: false,
  transferId: null,
  legs: legs.map(([kind, assetId, quantity, price, walletId]) => ({ kind, assetId, quantity, price, walletId: walletId ?? 'wA' })),
  ...extra,
});
const cents = (s: string) => new Decimal(s).toFixed(2);
const sum = (values: string[]) => values.reduce((t, v) => t.plus(v), new Decimal(0)).toFixed(2);
/** Disposals as [asset, kind, quantity, term, proceeds, basis, gain] with money to the cent. */
const rows = (r: EngineResult) => r.disposals.map((d) => [d.assetId, d.kind, d.quantity, d.term, cents(d.proceeds), cents(d.costBasis), cents(d.gain)]);

// Three BTC lots (10k, 30k, 20k), then 1.5 BTC sold at 40,000 for USDC with a 15 USDC fee:
// proceeds 60,000 − 15 = 59,985, i.e. 39,990 per BTC sold.
const lots: EngineTransaction[] = [
  tx('t1', D(0), 'trade', 'Buy', [['incoming', BTC, '1', '10000']]),
  tx('t2', D(100), 'trade', 'Buy', [['incoming', BTC, '1', '30000']]),
  tx('t3', D(200), 'trade', 'Buy', [['incoming', BTC, '1', '20000']]),
  tx('t4', D(400), 'trade', 'Sell', [
    ['outgoing', BTC, '1.5', '40000'],
    ['incoming', USDC, '60000', '1'],
    ['fee', USDC, '15', '1'],
  ]),
];
const FEE_ROW = [USDC, 'fee', '15', 'short', '15.00', '15.00', '0.00'];

describe('cost-basis methods on one history (fees into proceeds, partial lots, terms)', () => {
  const expected: Record<Exclude<CostBasisMethod, 'UK_POOL'>, { disposals: unknown[]; btc: [string, string] }> = {
    // FIFO: lot 1 whole (held 400 days: long) + half of lot 2 (held 300 days: short).
    FIFO: {
      disposals: [
        [BTC, 'disposal', '0.5', 'short', '19995.00', '15000.00', '4995.00'],
        [BTC, 'disposal', '1', 'long', '39990.00', '10000.00', '29990.00'],
        FEE_ROW,
      ],
      btc: ['1.5', '35000.00'],
    },
    // LIFO: lot 3 whole + half of lot 2, both short.
    LIFO: { disposals: [[BTC, 'disposal', '1.5', 'short', '59985.00', '35000.00', '24985.00'], FEE_ROW], btc: ['1.5', '25000.00'] },
    // HIFO: lot 2 (30k) whole + half of lot 3 (20k).
    HIFO: { disposals: [[BTC, 'disposal', '1.5', 'short', '59985.00', '40000.00', '19985.00'], FEE_ROW], btc: ['1.5', '20000.00'] },
    // Average: 60,000 / 3 = 20,000 per BTC; dates first-in-first-out (1 long, 0.5 short).
    AVERAGE: {
      disposals: [
        [BTC, 'disposal', '0.5', 'short', '19995.00', '10000.00', '9995.00'],
        [BTC, 'disposal', '1', 'long', '39990.00', '20000.00', '19990.00'],
        FEE_ROW,
      ],
      btc: ['1.5', '30000.00'],
    },
  };
  for (const method of ['FIFO', 'LIFO', 'HIFO', 'AVERAGE'] as const) {
    test(method, () => {
      const r = computeTax(lots, { method, longTermDays: 365 });
      assert.deepEqual(rows(r), expected[method].disposals);
      const btc = r.positions.find((p) => p.assetId === BTC)!;
      assert.deepEqual([btc.quantity, cents(btc.costBasis)], expected[method].btc);
      // The USDC received cost what was given up (60,000); the 15 paid as fee leave at 15.
      const usdc = r.positions.find((p) => p.assetId === USDC)!;
      assert.deepEqual([usdc.quantity, cents(usdc.costBasis)], ['59985', '59985.00']);
      // The transaction's totals are its BTC disposal rows (the fee is its own disposal).
      const own = expected[method].disposals.slice(0, -1) as string[][];
      const t4 = r.transactions.find((t) => t.transactionId === 't4')!;
      assert.deepEqual(
        [t4.missingPrice, t4.missingPurchase, cents(t4.costBasis!), cents(t4.gains!)],
        [false, false, sum(own.map((d) => d[5]!)), sum(own.map((d) => d[6]!))],
      );
      assertBalanced(r);
    });
  }

  test('the holding period is configurable: with 500 days everything is short term', () => {
    const r = computeTax(lots, { method: 'FIFO', longTermDays: 500, holdingPeriod: 'days' });
    assert.deepEqual(rows(r), [[BTC, 'disposal', '1.5', 'short', '59985.00', '25000.00', '34985.00'], FEE_ROW]);
  });

  test('each disposal lists the lots it used', () => {
    const r = computeTax(lots, { method: 'FIFO', longTermDays: 365 });
    const long = r.disposals.find((d) => d.term === 'long')!;
    assert.deepEqual(
      long.lots.map((l) => [l.transactionId, l.quantity, cents(l.costBasis), l.acquiredAt]),
      [['t1', '1', '10000.00', D(0)]],
    );
    assert.equal(long.acquiredAt, D(0));
    assert.equal(long.disposedAt, D(400));
    const short = r.disposals.find((d) => d.term === 'short' && d.assetId === BTC)!;
    assert.deepEqual(
      short.lots.map((l) => [l.transactionId, l.quantity, cents(l.costBasis)]),
      [['t2', '0.5', '15000.00']],
    );
  });
});

test('a purchase fee goes into the basis: 10 SOL for 200 + a 0.01 ETH fee worth 10 → basis 210, sold for 250 → gain 40', () => {
  const r = computeTax(
    [
      tx('d1', D(0), 'deposit', 'Deposit', [['incoming', ETH, '1', '1000']]),
      tx('b1', D(10), 'trade', 'Buy (Fiat to Crypto)', [
        ['incoming', SOL, '10', '20'],
        ['fee', ETH, '0.01', '1000'],
      ]),
      tx('p1', D(20), 'payment', 'Payment', [['outgoing', SOL, '10', '25']]),
    ],
    { method: 'FIFO', longTermDays: 365 },
  );
  assert.deepEqual(rows(r), [
    [ETH, 'fee', '0.01', 'short', '10.00', '10.00', '0.00'],
    [SOL, 'disposal', '10', 'short', '250.00', '210.00', '40.00'],
  ]);
  assert.deepEqual(r.income, []);
  assertBalanced(r);
});

test('a transfer between own wallets carries basis and date: only its fee is a disposal; the later sale is long term', () => {
  const r = computeTax(
    [
      tx('buy', D(0), 'trade', 'Buy', [['incoming', ETH, '2.5', '1000', 'wA']]),
      tx(
        'out',
        D(400),
        'transfer',
        'Transfer',
        [
          ['outgoing', ETH, '2', '1500', 'wA'],
          ['fee', ETH, '0.01', '1500', 'wA'],
        ],
        { transferId: 'x1' },
      ),
      tx('in', D(400) + 60_000, 'transfer', 'Transfer', [['incoming', ETH, '2', '1500', 'wB']], { transferId: 'x1' }),
      tx('sell', D(500), 'trade', 'Sell', [
        ['outgoing', ETH, '2', '2000', 'wB'],
        ['incoming', USDC, '4000', '1', 'wB'],
      ]),
    ],
    { method: 'FIFO', longTermDays: 365 },
  );
  // Fee: 0.01 ETH worth 15 with a basis of 10 → gain 5, long (held since day 0).
  // Sale: 0.49 left in wallet A (490) + 1.51 moved to B (1,510), all acquired day 0 → long, gain 2,000.
  assert.deepEqual(rows(r), [
    [ETH, 'fee', '0.01', 'long', '15.00', '10.00', '5.00'],
    [ETH, 'disposal', '2', 'long', '4000.00', '2000.00', '2000.00'],
  ]);
  assert.equal(r.disposals[1]!.acquiredAt, D(0));
  assert.deepEqual(
    r.transactions.filter((t) => t.transactionId === 'out' || t.transactionId === 'in').map((t) => [t.costBasis, t.gains, t.missingPurchase]),
    [
      [null, null, false],
      [null, null, false],
    ],
  );
  assertBalanced(r);
});

test('income is valued at receipt and starts a lot; a swap is a disposal and an acquisition', () => {
  const r = computeTax(
    [
      tx('rw', D(0), 'deposit', 'Staking Rewards', [['incoming', SOL, '10', '20']]),
      tx('sw', D(30), 'trade', 'Swap', [
        ['outgoing', SOL, '10', '30'],
        ['incoming', ETH, '0.1', '3000'],
      ]),
      tx('se', D(60), 'trade', 'Sell', [
        ['outgoing', ETH, '0.1', '3500'],
        ['incoming', USDC, '350', '1'],
      ]),
      tx('sp', D(61), 'deposit', 'Airdrops', [['incoming', TOK, '1000000', '0.0001']], { isSpam: true }),
    ],
    { method: 'HIFO', longTermDays: 365 },
  );
  assert.deepEqual(
    r.income.map((i) => [i.assetId, i.label, i.quantity, cents(i.value), i.receivedAt]),
    [[SOL, 'Staking Rewards', '10', '200.00', D(0)]],
  );
  // SOL basis is the income value (200); the ETH received costs what the SOL was worth (300).
  assert.deepEqual(rows(r), [
    [SOL, 'disposal', '10', 'short', '300.00', '200.00', '100.00'],
    [ETH, 'disposal', '0.1', 'short', '350.00', '300.00', '50.00'],
  ]);
  assert.ok(r.journal.find((e) => e.transactionId === 'rw')!.lines.some((l) => l.account === 'income:staking-rewards' && l.credit === '200'));
  assertBalanced(r);
});

test('missing purchase and missing price are flagged with their transaction, never guessed', () => {
  const r = computeTax(
    [
      tx('s0', D(0), 'trade', 'Sell', [
        ['outgoing', ETH, '1', '2000'],
        ['incoming', USDC, '2000', '1'],
      ]),
      tx('d0', D(1), 'deposit', 'Deposit', [['incoming', TOK, '100', null]]),
      tx('s1', D(2), 'trade', 'Sell', [
        ['outgoing', TOK, '100', '3'],
        ['incoming', USDC, '300', '1'],
      ]),
    ],
    { method: 'FIFO', longTermDays: 365 },
  );
  // No ETH was ever acquired: basis 0, the whole proceeds are gain, flagged, no acquisition date.
  assert.deepEqual(rows(r), [
    [ETH, 'disposal', '1', 'short', '2000.00', '0.00', '2000.00'],
    [TOK, 'disposal', '100', 'short', '300.00', '0.00', '300.00'],
  ]);
  assert.equal(r.disposals[0]!.missingPurchase, true);
  assert.equal(r.disposals[0]!.acquiredAt, null);
  assert.equal(r.disposals[1]!.missingPurchase, false);
  const flags = Object.fromEntries(r.transactions.map((t) => [t.transactionId, [t.missingPrice, t.missingPurchase]]));
  assert.deepEqual(flags, { s0: [false, true], d0: [true, false], s1: [false, false] });
  assertBalanced(r);
});

test('a failed transaction only spends its fee; tax years follow the configured start', () => {
  const r = computeTax(
    [
      tx('d', D(0), 'deposit', 'Deposit', [['incoming', ETH, '1', '1000']]),
      tx(
        'f',
        D(5),
        'payment',
        'Failed',
        [
          ['outgoing', ETH, '0.5', '1000'],
          ['fee', ETH, '0.002', '1500'],
        ],
        { failed: true },
      ),
    ],
    { method: 'FIFO', longTermDays: 365 },
  );
  assert.deepEqual(rows(r), [[ETH, 'fee', '0.002', 'short', '3.00', '2.00', '1.00']]);
  assert.equal(r.positions[0]!.quantity, '0.998');
  assertBalanced(r);
  assert.equal(taxYearOf(Date.UTC(2025, 3, 5), '04-06'), 2024);
  assert.equal(taxYearOf(Date.UTC(2025, 3, 6), '04-06'), 2025);
  assert.equal(taxYearOf(Date.UTC(2025, 0, 1), '01-01'), 2025);
});
