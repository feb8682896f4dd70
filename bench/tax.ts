/**
 * A full tax pass (`runTaxPass`: load, engine, store) on a workspace with 100,000
 * transactions, for each cost-basis method and for wallet-by-wallet lots. The history
 * mixes purchases, sales, swaps paying gas, staking rewards and own-wallet transfers over
 * two wallets and about three years, so every method has lots to order and terms to split.
 * Runnable alone (`node --import tsx bench/tax.ts`) or through `taxBench()`.
 *
 *   BENCH_TRANSACTIONS=100000 BENCH_METHODS=FIFO,HIFO node --import tsx bench/tax.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '../server/db/database.ts';
import { insertUserWithWorkspace } from '../server/users/users.repository.ts';
import { createTaxPasses } from '../server/tax/pass.ts';
import { createGroupCommit } from '../server/db/group-commit.ts';
import { systemClock } from '../server/clock.ts';
import { COST_BASIS_METHODS } from '../server/tax/engine.ts';
import { A, insertTransactions, insertWallet, seedAssets, type TxSpec } from '../test/server/data/fixtures.ts';

const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 100_000);
const METHODS = (process.env.BENCH_METHODS ?? COST_BASIS_METHODS.join(',')).split(',').map((s) => s.trim());
const STEP = 15 * 60_000;

export type TaxRow = { name: string; seconds: number; engineSeconds: number; disposals: number };

/** The history: transaction i in wallet A or B, 15 minutes apart, ending now. */
function history(count: number, end: number): { a: TxSpec[]; b: TxSpec[] } {
  const a: TxSpec[] = [];
  const b: TxSpec[] = [];
  for (let i = 0; i < count; i++) {
    const timestamp = end - (count - i) * STEP;
    const btc = (20_000 + 10_000 * Math.sin(i / 700) + (i % 97)).toFixed(2);
    const eth = (1_500 + 500 * Math.cos(i / 900) + (i % 13)).toFixed(2);
    const gas = { kind: 'fee' as const, assetId: A.native, quantity: '0.0003', price: eth };
    const kind = i % 10;
    const spec: TxSpec =
      kind < 4
        ? { timestamp, type: 'trade', label: 'Buy', legs: [{ kind: 'incoming', assetId: A.btc, quantity: '0.01', price: btc }] }
        : kind < 6
          ? {
              timestamp,
              type: 'trade',
              label: 'Sell',
              legs: [
                { kind: 'outgoing', assetId: A.btc, quantity: '0.012', price: btc },
                { kind: 'incoming', assetId: A.usd, quantity: (0.012 * Number(btc)).toFixed(2), price: '1' },
                gas,
              ],
            }
          : kind < 8
            ? {
                timestamp,
                type: 'trade',
                label: 'Swap',
                legs: [
                  { kind: 'outgoing', assetId: A.usd, quantity: '100', price: '1' },
                  { kind: 'incoming', assetId: A.native, quantity: (100 / Number(eth)).toFixed(8), price: eth },
                  gas,
                ],
              }
            : kind === 8
              ? { timestamp, type: 'deposit', label: 'Staking Rewards', legs: [{ kind: 'incoming', assetId: A.native, quantity: '0.01', price: eth }] }
              : { timestamp, type: 'payment', label: 'Payment', legs: [{ kind: 'outgoing', assetId: A.native, quantity: '0.005', price: eth }, gas] };
    (i % 2 ? b : a).push(spec);
  }
  return { a, b };
}

export async function taxBench(): Promise<TaxRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kc-bench-tax-'));
  try {
    const { db } = await openDatabase(join(dir, 'connect.db'));
    const now = Date.now();
    const started = Date.now();
    process.stderr.write(`seeding a workspace with ${TRANSACTIONS} transactions…\n`);
    const { workspaceId } = await db.transaction().execute((trx) => insertUserWithWorkspace(trx, now, null));
    await seedAssets(db, now);
    const wallets = await db
      .transaction()
      .execute(async (trx) => [await insertWallet(trx, workspaceId, now, 'Bench A'), await insertWallet(trx, workspaceId, now + 1, 'Bench B')] as const);
    const { a, b } = history(TRANSACTIONS, now);
    await db.transaction().execute(async (trx) => {
      await insertTransactions(trx, workspaceId, wallets[0], '0xbencha', a, now);
      await insertTransactions(trx, workspaceId, wallets[1], '0xbenchb', b, now);
    });
    process.stderr.write(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const passes = createTaxPasses({ db, write: createGroupCommit(db), clock: systemClock, logger: console });
    const rows: TaxRow[] = [];
    const runs: [string, string, 'universal' | 'wallet'][] = [
      ...METHODS.map((m) => [m, m, 'universal'] as [string, string, 'universal']),
      ['FIFO, wallet by wallet', 'FIFO', 'wallet'],
    ];
    for (const [name, method, tracking] of runs) {
      await db
        .updateTable('workspaces')
        .set({ cost_basis_method: method as (typeof COST_BASIS_METHODS)[number], lot_tracking: tracking })
        .where('id', '=', workspaceId)
        .execute();
      const t0 = performance.now();
      const summary = await passes.run(workspaceId, Date.now());
      const seconds = (performance.now() - t0) / 1000;
      rows.push({ name, seconds: Math.round(seconds * 100) / 100, engineSeconds: Math.round(summary.engineMs / 10) / 100, disposals: summary.disposals });
      process.stderr.write(`${name}: ${seconds.toFixed(2)} s (engine ${(summary.engineMs / 1000).toFixed(2)} s)\n`);
    }
    await db.destroy();
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const formatTaxRows = (rows: TaxRow[]) =>
  [
    `### Full tax pass, ${TRANSACTIONS.toLocaleString('en')} transactions (load, engine, store)`,
    '| method | full pass, s | engine alone, s | disposal rows |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${r.seconds} | ${r.engineSeconds} | ${r.disposals} |`),
  ].join('\n');

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(`node=${process.version}\n\n${formatTaxRows(await taxBench())}`);
}
