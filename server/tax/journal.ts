/**
 * The double-entry journal the tax engine writes: one entry per transaction, one line per
 * asset movement and per account and side (fees and gains of several legs add up). Amounts
 * are exact; a negative amount flips the side.
 */
import { Decimal, plain } from '../lib/decimal.ts';

export type JournalLine = { account: string; walletId: string | null; assetId: string | null; quantity: string | null; debit: string; credit: string };
export type JournalEntry = { transactionId: string; timestamp: number; lines: JournalLine[] };

export const ACCOUNTS = {
  asset: 'assets',
  transit: 'assets:in-transit',
  gains: 'income:realized-gains',
  income: (label: string) => `income:${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
  fees: 'expenses:fees',
  spending: 'expenses:spending',
  contributions: 'equity:contributions',
  withdrawals: 'equity:withdrawals',
} as const;

/** A line on `account`, or, with `asset`, on the wallet's asset account with the quantity moved. */
export type LineWriter = (account: string, amount: Decimal, side: 'debit' | 'credit', asset?: { walletId: string; assetId: string; quantity: Decimal }) => void;

/** Collects one transaction's lines. */
export function entryLines(): { lines: JournalLine[]; line: LineWriter } {
  const lines: JournalLine[] = [];
  const line: LineWriter = (account, amount, side, asset) => {
    const negative = amount.lt(0);
    const abs = amount.abs();
    const debit = (side === 'debit') !== negative;
    lines.push({
      account: asset ? `${ACCOUNTS.asset}:${asset.walletId}:${asset.assetId}` : account,
      walletId: asset?.walletId ?? null,
      assetId: asset?.assetId ?? null,
      quantity: asset ? plain(asset.quantity) : null,
      debit: debit ? plain(abs) : '0',
      credit: debit ? '0' : plain(abs),
    });
  };
  return { lines, line };
}

/** The transaction's entry: empty lines dropped, one line per account and side; none when nothing is left. */
export function journalEntry(transactionId: string, timestamp: number, lines: JournalLine[]): JournalEntry | undefined {
  const kept = lines.filter((l) => l.debit !== '0' || l.credit !== '0' || l.quantity !== null);
  return kept.length ? { transactionId, timestamp, lines: mergeLines(kept) } : undefined;
}

/** One line per account and side within an entry (fees and gains of several legs add up). */
function mergeLines(lines: JournalLine[]): JournalLine[] {
  const out: JournalLine[] = [];
  const byKey = new Map<string, JournalLine>();
  for (const l of lines) {
    if (l.assetId !== null) {
      out.push(l);
      continue;
    }
    const key = l.account;
    const prev = byKey.get(key);
    if (!prev) {
      byKey.set(key, l);
      out.push(l);
      continue;
    }
    const net = new Decimal(prev.debit).minus(prev.credit).plus(l.debit).minus(l.credit);
    prev.debit = net.gt(0) ? plain(net) : '0';
    prev.credit = net.lt(0) ? plain(net.neg()) : '0';
  }
  return out.filter((l) => l.assetId !== null || l.debit !== '0' || l.credit !== '0');
}
