/**
 * Transactions beyond the SQL: asset rows for a page from the read cache, and manual
 * transactions added by `POST /api/v0/transactions` (contract 8.9): validated per
 * transaction type and label, currencies resolved to assets, amounts kept exact, a
 * transactionId already in the wallet skipped (idempotent retries), the wallet's total
 * counted, and the tax pass rerun for the own-wallet transfers among them.
 */
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { ReadCache } from '../db/read-cache.ts';
import { randomId } from '../crypto.ts';
import { dataError } from '../errors.ts';
import { Decimal, plain } from '../lib/decimal.ts';
import { addToTransactionTotal, findWallet } from '../integrations/integrations.repository.ts';
import type { TaxPasses } from '../tax/pass.ts';
import type { ManualTransaction, PostTransactionsBody } from './data.schema.ts';
import { DEFAULT_LABEL, labelProblem } from './labels.ts';
import { anyAssetId, assetIdById, assetsBySymbol, existingExternalIds, findAssets, insertTransactions, type AssetMeta } from './transactions.repository.ts';
import type { StoredLeg } from './transactions.view.ts';

/** Asset rows for a page's legs, from the read cache. */
export async function assetsFor(db: Db, cache: ReadCache, ids: Iterable<string>): Promise<Map<string, AssetMeta>> {
  const keys = [...new Set(ids)].map((id) => `asset:${id}`);
  const found = await cache.getMany(keys, async (missing) => {
    const rows = await findAssets(
      db,
      missing.map((k) => k.slice(6)),
    );
    const map = new Map<string, AssetMeta | null>(missing.map((k) => [k, null]));
    for (const r of rows) map.set(`asset:${r.id}`, r);
    return map;
  });
  const out = new Map<string, AssetMeta>();
  for (const v of found.values()) if (v) out.set(v.id, v);
  return out;
}

export type ManualTransactionsDeps = { db: Db; write: Writer; taxPasses: Pick<TaxPasses, 'rerun'> };

/** Validates and stores manual transactions; answers the created ids and how many were planned. */
export async function addManualTransactions(
  deps: ManualTransactionsDeps,
  workspaceId: string,
  body: PostTransactionsBody,
  now: number,
): Promise<{ createdIds: string[]; planned: number }> {
  const { db, write } = deps;
  const wallet = await findWallet(db, workspaceId, body.walletId);
  if (!wallet) throw dataError('wallet_not_found', 'No wallet with this walletId in the workspace', [{ path: 'walletId', message: 'Wallet not found' }]);

  const problems: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  const planned: { tx: ManualTransaction; legs: StoredLeg[] }[] = [];
  for (const [i, tx] of body.transactions.entries()) {
    const at = (p: string, message: string) => problems.push({ path: `transactions.${i}${p ? `.${p}` : ''}`, message });
    if (seen.has(tx.transactionId)) at('transactionId', 'Duplicated transactionId in this request');
    seen.add(tx.transactionId);
    const needs = { deposit: ['receivedCurrency'], withdrawal: ['sentCurrency'], trade: ['sentCurrency', 'receivedCurrency'], payment: ['sentCurrency'] }[
      tx.transactionType
    ] as ('sentCurrency' | 'receivedCurrency')[];
    for (const field of needs) if (!tx[field]) at(field, `Required for a ${tx.transactionType} transaction`);
    if (tx.transactionType === 'deposit' && tx.sentCurrency) at('sentCurrency', 'A deposit has no sentCurrency');
    if ((tx.transactionType === 'withdrawal' || tx.transactionType === 'payment') && tx.receivedCurrency)
      at('receivedCurrency', `A ${tx.transactionType} has no receivedCurrency`);
    const labelIssue = tx.label ? labelProblem(tx.label, tx.transactionType) : undefined;
    if (labelIssue) at('label', labelIssue);
    const account = { provider: wallet.provider, walletId: wallet.id, publicAddress: wallet.address };
    const legs: StoredLeg[] = [];
    const add = async (kind: StoredLeg['kind'], field: 'receivedCurrency' | 'sentCurrency' | 'fee', fiat?: string | null) => {
      const c = tx[field];
      if (!c) return;
      const assetId = await resolveAsset(db, wallet.chain, c.currency, c.contractAddress);
      if (!assetId) return at(`${field}.currency`, `Unknown currency "${c.currency.slice(0, 64)}"${c.contractAddress ? ' / contractAddress' : ''}`);
      const quantity = new Decimal(c.amount);
      const price = fiat !== undefined && fiat !== null ? plain(new Decimal(fiat).div(quantity).toDecimalPlaces(18)) : null;
      legs.push({ kind, assetId, quantity: plain(quantity), price, account });
    };
    const net = tx.netValue?.fiatValue;
    await add('incoming', 'receivedCurrency', tx.transactionType === 'deposit' || tx.transactionType === 'trade' ? net : undefined);
    await add('outgoing', 'sentCurrency', tx.transactionType !== 'deposit' ? net : undefined);
    await add('fee', 'fee', tx.feeValue?.fiatValue);
    planned.push({ tx, legs });
  }
  if (problems.length) throw dataError('invalid_parameters', 'Invalid request parameters', problems);

  const createdIds = await write(async (trx) => {
    const existing = await existingExternalIds(trx, wallet.id, [...seen]);
    const rows = planned
      .filter(({ tx }) => !existing.has(tx.transactionId))
      .map(({ tx, legs }) => ({
        id: randomId('trx_', 12),
        workspace_id: workspaceId,
        integration_id: wallet.id,
        external_id: tx.transactionId,
        platform_id: tx.transactionId,
        timestamp: tx.timestamp,
        label: tx.label ?? DEFAULT_LABEL[tx.transactionType],
        type: tx.transactionType,
        description: tx.description ? [tx.description.title, tx.description.desc].filter(Boolean).join(' — ') || null : null,
        legs: JSON.stringify(legs),
        is_spam: 0,
        is_nft: 0,
        is_defi: 0,
        is_manual: 1,
        is_edited: 0,
        failed: tx.label === 'Failed' ? 1 : 0,
        missing_price: legs.some((l) => l.price === null) ? 1 : 0,
        missing_purchase: 0,
        import_source: 'API' as const,
        raw: JSON.stringify(tx),
        total_cost_basis: null,
        total_gains: null,
        created_at: now,
      }));
    await insertTransactions(trx, rows);
    if (rows.length) await addToTransactionTotal(trx, wallet.id, rows.length);
    return rows.map((r) => r.id);
  });
  // Own-wallet transfers among them are paired (and detected ones announced) by the next pass.
  if (createdIds.length) deps.taxPasses.rerun(workspaceId);
  return { createdIds, planned: planned.length };
}

/** Finds the asset a v0 currency names: an asset id, a contract on the wallet's chain, or a symbol. */
async function resolveAsset(db: Db, chain: string | null, currency: string, contract?: string): Promise<string | undefined> {
  if (currency.includes(':')) return assetIdById(db, currency);
  if (contract && chain) {
    const id = await anyAssetId(db, [`${chain}:${contract.toLowerCase()}`, `${chain}:${contract}`]);
    if (id) return id;
  }
  const candidates = await assetsBySymbol(db, currency);
  const rank = (a: (typeof candidates)[number]) => (a.is_spam ? 100 : 0) + (a.chain === chain ? 0 : 10) + (a.type === 'native' ? 0 : 1);
  return candidates.sort((a, b) => rank(a) - rank(b) || (a.id < b.id ? -1 : 1))[0]?.id;
}
