/**
 * Tax engine II on hand-worked examples: the IRS holding period on calendar dates (in a tax
 * time zone; the day count kept for other jurisdictions), gas paid from the prior balance
 * (and an exchange fee charged in the received asset), wallet-by-wallet against universal
 * lots, specific identification, HMRC's pooling examples (CRYPTO22251, 22252, 22255),
 * NFTs and liquidity positions as lots, and the journal invariants for every method.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { COST_BASIS_METHODS, computeTax, type EngineLeg, type EngineOptions, type EngineResult, type EngineTransaction } from '../../../server/tax/engine.ts';
import { isLongTerm } from '../../../server/tax/dates.ts';
import { Decimal } from '../../../server/lib/decimal.ts';
import { assertBalanced } from './invariants.ts';

const BTC = 'x:btc';
const ETH = 'x:eth';
const USDC = 'x:usdc';
const GBP = 'fiat:gbp';
const at = (iso: string) => Date.parse(iso);

type L = [EngineLeg['kind'], string, string, string | null, string?];
const tx = (id: string, when: string, type: string, label: string, legs: L[], extra: Partial<EngineTransaction> = {}): EngineTransaction => ({
  id,
  timestamp: at(when),
  type,
  label,
  failed: false,
  isSpam: false,
  transferId: null,
  legs: legs.map(([kind, assetId, quantity, price, walletId]) => ({ kind, assetId, quantity, price, walletId: walletId ?? 'wA' })),
  ...extra,
});
const cents = (s: string) => new Decimal(s).toFixed(2);
const total = (values: string[]) => values.reduce((t, v) => t.plus(v), new Decimal(0)).toFixed(2);
const run = (txs: EngineTransaction[], o: Partial<EngineOptions> & Pick<EngineOptions, 'method'>) => computeTax(txs, { longTermDays: 365, ...o });

describe('holding period (IRS Pub. 544: more than one year, counted from the day after acquisition)', () => {
  const rule = { holdingPeriod: 'calendar' as const, longTermDays: 365, timeZone: 'UTC' };
  test('bought 2024-02-01: sold 2025-01-31 12:00 or any time on 2025-02-01 is short term; from 2025-02-02 long term', () => {
    for (const bought of ['2024-02-01T00:00:00Z', '2024-02-01T23:59:59Z']) {
      assert.equal(isLongTerm(at(bought), at('2025-01-31T12:00:00Z'), rule), false);
      assert.equal(isLongTerm(at(bought), at('2025-02-01T00:00:00Z'), rule), false);
      assert.equal(isLongTerm(at(bought), at('2025-02-01T23:59:59Z'), rule), false);
      assert.equal(isLongTerm(at(bought), at('2025-02-02T00:00:00Z'), rule), true);
    }
  });
  test('bought on 29 February: the anniversary is 28 February, long term from 1 March', () => {
    assert.equal(isLongTerm(at('2024-02-29T10:00:00Z'), at('2025-02-28T18:00:00Z'), rule), false);
    assert.equal(isLongTerm(at('2024-02-29T10:00:00Z'), at('2025-03-01T00:00:00Z'), rule), true);
  });
  test('the dates are those of the tax time zone', () => {
    // 2024-02-01 23:30 in New York is 2024-02-02 04:30 UTC; sold 2025-02-02 03:00 UTC = 2025-02-01 22:00 in New York.
    const bought = at('2024-02-02T04:30:00Z');
    const sold = at('2025-02-02T03:00:00Z');
    assert.equal(isLongTerm(bought, sold, { ...rule, timeZone: 'UTC' }), false);
    assert.equal(isLongTerm(at('2024-02-01T12:00:00Z'), sold, { ...rule, timeZone: 'UTC' }), true);
    assert.equal(isLongTerm(at('2024-02-01T12:00:00Z'), sold, { ...rule, timeZone: 'America/New_York' }), false);
  });
  test('a day count for other jurisdictions: more than longTermDays days between the dates', () => {
    const days = { ...rule, holdingPeriod: 'days' as const };
    assert.equal(isLongTerm(at('2024-01-01T23:00:00Z'), at('2024-12-31T01:00:00Z'), days), false); // 365 days
    assert.equal(isLongTerm(at('2024-01-01T23:00:00Z'), at('2025-01-01T01:00:00Z'), days), true); // 366 days
  });
  test('in the engine: one sale on the anniversary date is short term whatever the hour', () => {
    const txs = [
      tx('b', '2024-02-01T09:00:00Z', 'trade', 'Buy', [['incoming', BTC, '1', '40000']]),
      tx('s', '2025-02-01T20:00:00Z', 'trade', 'Sell', [
        ['outgoing', BTC, '0.5', '100000'],
        ['incoming', USDC, '50000', '1'],
      ]),
      tx('s2', '2025-02-02T00:30:00Z', 'trade', 'Sell', [
        ['outgoing', BTC, '0.5', '100000'],
        ['incoming', USDC, '50000', '1'],
      ]),
    ];
    for (const method of COST_BASIS_METHODS) {
      const r = run(txs, { method });
      assert.deepEqual(
        r.disposals.map((d) => [d.transactionId, d.term]),
        [
          ['s', 'short'],
          ['s2', 'long'],
        ],
        method,
      );
    }
  });
});

describe('fees come out of the balance held before the transaction', () => {
  // 1 ETH at 1,500; 1,000 USDC; then a swap of the 1,000 USDC for 0.5 ETH (2,000) paying 0.01 ETH gas (20).
  const history = [
    tx('eth', '2024-01-10T00:00:00Z', 'trade', 'Buy', [['incoming', ETH, '1', '1500']]),
    tx('usdc', '2024-01-11T00:00:00Z', 'trade', 'Buy', [['incoming', USDC, '1000', '1']]),
    tx('swap', '2024-11-07T00:00:00Z', 'trade', 'Swap', [
      ['outgoing', USDC, '1000', '1'],
      ['incoming', ETH, '0.5', '2000'],
      ['fee', ETH, '0.01', '2000'],
    ]),
  ];
  for (const method of ['FIFO', 'LIFO', 'HIFO', 'AVERAGE'] as const) {
    test(`${method}: the gas takes the prior ETH (basis 15.00), never the 0.5 ETH the swap bought`, () => {
      const r = run(history, { method });
      const fee = r.disposals.find((d) => d.kind === 'fee')!;
      assert.deepEqual([fee.quantity, cents(fee.proceeds), cents(fee.costBasis), cents(fee.gain)], ['0.01', '20.00', '15.00', '5.00']);
      assert.equal(fee.lots[0]!.transactionId, 'eth');
      const usdc = r.disposals.find((d) => d.assetId === USDC)!;
      assert.deepEqual([cents(usdc.proceeds), cents(usdc.costBasis), cents(usdc.gain)], ['980.00', '1000.00', '-20.00']);
      const eth = r.positions.find((p) => p.assetId === ETH)!;
      assert.deepEqual([eth.quantity, cents(eth.costBasis)], ['1.49', '2485.00']);
      assertBalanced(r);
    });
  }
  test('an exchange trade whose fee is charged in the received asset takes the fee from what was received', () => {
    const trade = tx(
      'buy',
      '2024-11-07T00:00:00Z',
      'trade',
      'Buy',
      [
        ['outgoing', USDC, '1000', '1'],
        ['incoming', ETH, '0.5', '2000'],
        ['fee', ETH, '0.001', '2000'],
      ],
      { venue: 'exchange' },
    );
    for (const method of ['FIFO', 'LIFO', 'HIFO', 'AVERAGE'] as const) {
      const r = run([...history.slice(0, 2), trade], { method });
      const fee = r.disposals.find((d) => d.kind === 'fee')!;
      // 0.001 of the 0.5 ETH that cost 1,000: basis 2.00, proceeds 2.00.
      assert.deepEqual(
        [fee.quantity, cents(fee.proceeds), cents(fee.costBasis), cents(fee.gain), fee.lots[0]!.transactionId],
        ['0.001', '2.00', '2.00', '0.00', 'buy'],
        method,
      );
      const eth = r.positions.find((p) => p.assetId === ETH)!;
      assert.deepEqual([eth.quantity, cents(eth.costBasis)], ['1.499', '2498.00'], method);
      if (method !== 'AVERAGE')
        assert.deepEqual(
          r.lots.filter((l) => l.assetId === ETH).map((l) => [l.transactionId, l.quantity, cents(l.costBasis)]),
          [
            ['eth', '1', '1500.00'],
            ['buy', '0.499', '998.00'],
          ],
          method,
        );
      assertBalanced(r);
    }
  });
  test('the same trade on a chain pays the fee from the prior ETH', () => {
    const trade = tx('buy', '2024-11-07T00:00:00Z', 'trade', 'Buy', [
      ['outgoing', USDC, '1000', '1'],
      ['incoming', ETH, '0.5', '2000'],
      ['fee', ETH, '0.001', '2000'],
    ]);
    const fee = run([...history.slice(0, 2), trade], { method: 'LIFO' }).disposals.find((d) => d.kind === 'fee')!;
    assert.deepEqual([cents(fee.costBasis), fee.lots[0]!.transactionId], ['1.50', 'eth']);
  });
  test('gas the prior balance cannot cover comes out of what the transaction received (no missing purchase)', () => {
    const r = run(
      [
        tx('usdc', '2024-01-11T00:00:00Z', 'trade', 'Buy', [['incoming', USDC, '1000', '1']]),
        tx('swap', '2024-02-01T00:00:00Z', 'trade', 'Swap', [
          ['outgoing', USDC, '1000', '1'],
          ['incoming', ETH, '0.5', '2000'],
          ['fee', ETH, '0.01', '2000'],
        ]),
      ],
      { method: 'FIFO' },
    );
    assert.equal(r.transactions.find((t) => t.transactionId === 'swap')!.missingPurchase, false);
    const fee = r.disposals.find((d) => d.kind === 'fee')!;
    assert.deepEqual([cents(fee.costBasis), fee.lots[0]!.transactionId], ['20.00', 'swap']);
    assertBalanced(r);
  });
});

describe('wallet-by-wallet lots against universal lots', () => {
  // Wallet A buys 1 BTC at 10,000, wallet B 1 BTC at 30,000; wallet B sells 1 BTC at 40,000.
  // Wallet A then moves its BTC to wallet C (a transfer between own wallets); C sells it after the anniversary.
  const history = [
    tx('a', '2024-01-01T00:00:00Z', 'trade', 'Buy', [['incoming', BTC, '1', '10000', 'wA']]),
    tx('b', '2024-02-01T00:00:00Z', 'trade', 'Buy', [['incoming', BTC, '1', '30000', 'wB']]),
    tx('sell', '2024-03-01T00:00:00Z', 'trade', 'Sell', [
      ['outgoing', BTC, '1', '40000', 'wB'],
      ['incoming', USDC, '40000', '1', 'wB'],
    ]),
    tx('out', '2024-06-01T00:00:00Z', 'transfer', 'Withdrawal', [['outgoing', BTC, '1', '60000', 'wA']], { transferId: 'move' }),
    tx('in', '2024-06-01T00:10:00Z', 'transfer', 'Deposit', [['incoming', BTC, '1', '60000', 'wC']], { transferId: 'move' }),
    tx('sell2', '2025-01-02T00:00:00Z', 'trade', 'Sell', [
      ['outgoing', BTC, '1', '90000', 'wC'],
      ['incoming', USDC, '90000', '1', 'wC'],
    ]),
  ];
  test('the same history gives different gains', () => {
    const universal = run(history, { method: 'FIFO', lotTracking: 'universal' });
    const wallet = run(history, { method: 'FIFO', lotTracking: 'wallet' });
    const rows = (r: EngineResult) => r.disposals.map((d) => [d.transactionId, d.term, cents(d.costBasis), cents(d.gain)]);
    // Universal: the first sale takes wallet A's lot (10,000); the moved BTC is wallet B's lot (bought 2024-02-01: short).
    assert.deepEqual(rows(universal), [
      ['sell', 'short', '10000.00', '30000.00'],
      ['sell2', 'short', '30000.00', '60000.00'],
    ]);
    // Wallet by wallet: B sells its own lot (30,000); A's lot travels to C with its date (2024-01-01: long).
    assert.deepEqual(rows(wallet), [
      ['sell', 'short', '30000.00', '10000.00'],
      ['sell2', 'long', '10000.00', '80000.00'],
    ]);
    assertBalanced(universal);
    assertBalanced(wallet);
    assert.deepEqual(
      wallet.lots.map((l) => [l.assetId, l.walletId]),
      [
        [USDC, 'wB'],
        [USDC, 'wC'],
      ],
    );
  });
  test('a wallet that sells more than it holds is a missing purchase even when another wallet holds enough', () => {
    const r = run(
      history.slice(0, 1).concat(
        tx('s', '2024-03-01T00:00:00Z', 'trade', 'Sell', [
          ['outgoing', BTC, '1', '40000', 'wB'],
          ['incoming', USDC, '40000', '1', 'wB'],
        ]),
      ),
      { method: 'FIFO', lotTracking: 'wallet' },
    );
    assert.equal(r.disposals[0]!.missingPurchase, true);
  });
});

describe('specific identification', () => {
  const history = [
    tx('t1', '2024-01-01T00:00:00Z', 'trade', 'Buy', [['incoming', BTC, '1', '10000']]),
    tx('t2', '2024-04-01T00:00:00Z', 'trade', 'Buy', [['incoming', BTC, '1', '30000']]),
    tx('t3', '2024-07-01T00:00:00Z', 'trade', 'Buy', [['incoming', BTC, '1', '20000']]),
    tx('s', '2025-03-01T00:00:00Z', 'trade', 'Sell', [
      ['outgoing', BTC, '1.5', '40000'],
      ['incoming', USDC, '60000', '1'],
    ]),
  ];
  test('the disposal takes the named lots first, the rest by the method', () => {
    const r = run(history, { method: 'FIFO', selections: [{ transactionId: 's', assetId: BTC, lots: [{ transactionId: 't3', quantity: '1' }] }] });
    // 1 from t3 (20,000, short) + 0.5 by FIFO from t1 (5,000, long).
    assert.deepEqual(
      r.disposals.map((d) => [d.term, d.quantity, cents(d.costBasis), d.lots.map((l) => l.transactionId).join()]),
      [
        ['short', '1', '20000.00', 't3'],
        ['long', '0.5', '5000.00', 't1'],
      ],
    );
    assertBalanced(r);
  });
  test('a named lot already spent is skipped; average cost ignores the selection', () => {
    const sel = [{ transactionId: 's', assetId: BTC, lots: [{ transactionId: 'gone', quantity: '1' }] }];
    assert.equal(total(run(history, { method: 'FIFO', selections: sel }).disposals.map((d) => d.costBasis)), '25000.00');
    const avg = run(history, { method: 'AVERAGE', selections: [{ transactionId: 's', assetId: BTC, lots: [{ transactionId: 't3', quantity: '1' }] }] });
    assert.equal(total(avg.disposals.map((d) => d.costBasis)), '30000.00');
  });
});

describe("HMRC's pooling examples (UK_POOL)", () => {
  const buy = (id: string, when: string, asset: string, qty: string, cost: string) =>
    tx(id, when, 'trade', 'Buy', [['incoming', asset, qty, new Decimal(cost).div(qty).toString()]]);
  const sell = (id: string, when: string, asset: string, qty: string, proceeds: string) =>
    tx(id, when, 'trade', 'Sell', [
      ['outgoing', asset, qty, new Decimal(proceeds).div(qty).toString()],
      ['incoming', GBP, proceeds, '1'],
    ]);
  const pool = (r: EngineResult, asset: string) => r.lots.filter((l) => l.assetId === asset).map((l) => [l.quantity, cents(l.costBasis)]);

  test('CRYPTO22251 (basic Section 104 pool): gain 258,000, pool 100 token A at 84,000', () => {
    const r = run(
      [
        buy('b1', '2023-01-10T10:00:00Z', 'A', '100', '1000'),
        buy('b2', '2023-09-18T10:00:00Z', 'A', '50', '125000'),
        sell('s', '2023-12-01T10:00:00Z', 'A', '50', '300000'),
      ],
      { method: 'UK_POOL' },
    );
    const a = r.disposals.filter((d) => d.assetId === 'A');
    assert.deepEqual([total(a.map((d) => d.proceeds)), total(a.map((d) => d.costBasis)), total(a.map((d) => d.gain))], ['300000.00', '42000.00', '258000.00']);
    assert.deepEqual(pool(r, 'A'), [['100', '84000.00']]);
    assertBalanced(r);
  });
  test("CRYPTO22252 (same day rule): 1,500 token B disposed of for 1,400 against the day's 1,600 bought; 100 join the pool", () => {
    const r = run(
      [
        buy('open', '2023-01-01T10:00:00Z', 'B', '5000', '500'),
        sell('morning', '2023-06-23T08:00:00Z', 'B', '1000', '800'),
        buy('afternoon', '2023-06-23T14:00:00Z', 'B', '1600', '1000'),
        sell('evening', '2023-06-23T20:00:00Z', 'B', '500', '600'),
      ],
      { method: 'UK_POOL' },
    );
    const b = r.disposals.filter((d) => d.assetId === 'B');
    // HMRC rounds to whole pounds: costs £938 (937.50), gain £462 (462.50); the pool gains 100 tokens at £62 (62.50).
    assert.deepEqual([total(b.map((d) => d.proceeds)), total(b.map((d) => d.costBasis)), total(b.map((d) => d.gain))], ['1400.00', '937.50', '462.50']);
    assert.ok(b.every((d) => d.lots.every((l) => l.transactionId === 'afternoon')));
    assert.deepEqual(pool(r, 'B'), [['5100', '562.50']]);
    assertBalanced(r);
  });
  test('CRYPTO22255 (30 day rule and the pool): gain 92,500; 10,500 token E left at 150,000', () => {
    const r = run(
      [
        buy('open', '2023-01-01T10:00:00Z', 'E', '14000', '200000'),
        sell('s', '2023-08-30T10:00:00Z', 'E', '4000', '160000'),
        buy('bb', '2023-09-11T10:00:00Z', 'E', '500', '17500'),
      ],
      { method: 'UK_POOL' },
    );
    const e = r.disposals.filter((d) => d.assetId === 'E');
    assert.deepEqual([total(e.map((d) => d.proceeds)), total(e.map((d) => d.costBasis)), total(e.map((d) => d.gain))], ['160000.00', '67500.00', '92500.00']);
    const uses = e.flatMap((d) => d.lots.map((l) => [l.transactionId, l.quantity, cents(l.costBasis)]));
    assert.deepEqual(uses.sort(), [
      ['bb', '500', '17500.00'],
      ['open', '3500', '50000.00'],
    ]);
    assert.deepEqual(pool(r, 'E'), [['10500', '150000.00']]);
    assertBalanced(r);
  });
  test('an own-wallet transfer of several lots before a 30-day match keeps cost and quantity (the two runs number acquisitions alike)', () => {
    const r = run(
      [
        buy('b1', '2023-01-01T10:00:00Z', 'E', '10', '100'),
        buy('b2', '2023-02-01T10:00:00Z', 'E', '10', '300'),
        tx('out', '2023-03-01T10:00:00Z', 'transfer', 'Withdrawal', [['outgoing', 'E', '15', '30']], { transferId: 'm' }),
        tx('in', '2023-03-01T10:05:00Z', 'transfer', 'Deposit', [['incoming', 'E', '15', '30', 'wB']], { transferId: 'm' }),
        sell('s', '2023-04-01T10:00:00Z', 'E', '5', '200'),
        buy('bb', '2023-04-10T10:00:00Z', 'E', '2', '70'),
      ],
      { method: 'UK_POOL' },
    );
    // 2 matched with the purchase 9 days later (70), 3 from the pool of 20 at 400 (60).
    assert.equal(total(r.disposals.filter((d) => d.assetId === 'E').map((d) => d.costBasis)), '130.00');
    assert.deepEqual(pool(r, 'E'), [['17', '340.00']]);
    assertBalanced(r);
  });
  test('an acquisition more than 30 days after the disposal goes to the pool', () => {
    const r = run(
      [
        buy('open', '2023-01-01T10:00:00Z', 'E', '14000', '200000'),
        sell('s', '2023-08-30T10:00:00Z', 'E', '4000', '160000'),
        buy('late', '2023-09-30T10:00:00Z', 'E', '500', '17500'),
      ],
      { method: 'UK_POOL' },
    );
    assert.equal(total(r.disposals.filter((d) => d.assetId === 'E').map((d) => d.costBasis)), '57142.86');
  });
});

describe('NFTs and liquidity positions are lots', () => {
  const NFT = 'eth:0xpunks:42';
  const LP = 'eth:0xuni-v2-eth-usdc';
  const history = [
    tx('eth', '2024-01-01T00:00:00Z', 'trade', 'Buy', [['incoming', ETH, '10', '2000']]),
    tx('usdc', '2024-01-01T00:00:00Z', 'trade', 'Buy', [['incoming', USDC, '4000', '1']]),
    // Mint an NFT for 1 ETH (2,500): the NFT costs 2,500.
    tx('mint', '2024-03-01T00:00:00Z', 'trade', 'NFT Mint', [
      ['outgoing', ETH, '1', '2500'],
      ['incoming', NFT, '1', null],
    ]),
    // Add liquidity: 2 ETH (2,000 each) + 4,000 USDC for 89.44 LP tokens: the position costs 8,000.
    tx('add', '2024-04-01T00:00:00Z', 'trade', 'Add Liquidity', [
      ['outgoing', ETH, '2', '2000'],
      ['outgoing', USDC, '4000', '1'],
      ['incoming', LP, '89.44', null],
    ]),
    // Sell the NFT for 3 ETH (3,000 each): gain 9,000 − 2,500.
    tx('sale', '2024-06-01T00:00:00Z', 'trade', 'NFT Sale', [
      ['outgoing', NFT, '1', null],
      ['incoming', ETH, '3', '3000'],
    ]),
    // Withdraw half the position for 1.5 ETH (3,000) + 3,000 USDC: proceeds 7,500, basis 4,000.
    tx('remove', '2024-07-01T00:00:00Z', 'trade', 'Remove Liquidity', [
      ['outgoing', LP, '44.72', null],
      ['incoming', ETH, '1.5', '3000'],
      ['incoming', USDC, '3000', '1'],
    ]),
  ];
  for (const method of COST_BASIS_METHODS) {
    test(`${method}: the basis of the mint and of the deposit follows into the sale and the withdrawal`, () => {
      const r = run(history, { method });
      const nft = r.disposals.find((d) => d.assetId === NFT)!;
      assert.deepEqual([cents(nft.proceeds), cents(nft.costBasis), cents(nft.gain), nft.missingPurchase], ['9000.00', '2500.00', '6500.00', false]);
      const lp = r.disposals.find((d) => d.assetId === LP)!;
      assert.deepEqual([cents(lp.proceeds), cents(lp.costBasis), cents(lp.gain)], ['7500.00', '4000.00', '3500.00']);
      assert.deepEqual(
        r.lots.filter((l) => l.assetId === LP).map((l) => [l.quantity, cents(l.costBasis)]),
        [['44.72', '4000.00']],
      );
      assertBalanced(r);
    });
  }
});
