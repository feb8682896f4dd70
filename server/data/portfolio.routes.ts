/**
 * Portfolio reads: `/v1/holdings`, `/v1/defi-holdings`, `/v1/nft-holdings`, `/v1/profiling`
 * (portfolios:read, contract 8.3, 8.5–8.7) and ours behind the finer scopes:
 * `/v1/balances` (balances:read), `/v1/defi` (defi:read), `/v1/nfts` (nft:read).
 * Money is in USD (the prices we hold) as exact decimal strings, except holdings: in the
 * workspace's base currency (prices/fx.ts); see amounts.ts.
 */
import type { Request, Response } from 'express';
import type { Db } from '../db/database.ts';
import type { ReadCache } from '../db/read-cache.ts';
import type { Clock } from '../clock.ts';
import type { RouteArea } from '../http/routes.ts';
import { grantOf } from '../http/locals.ts';
import { requireScope } from '../http/bearer.middleware.ts';
import { listIntegrationAccounts } from '../integrations/integrations.repository.ts';
import { BalancesQuery, DefiQuery, EmptyQuery, HoldingsQuery, NftQuery } from './data.schema.ts';
import { ZERO, money, quantity, roundMoney, sum } from '../lib/decimal.ts';
import { assetRef } from './holdings.ts';
import { computeDefi, computeHoldings, matchesProtocol, liveEntries, listNfts, nftValue, nftView, pricedAssets } from './portfolio.service.ts';
import { profile } from './profiling.ts';
import { workspaceCurrency } from '../prices/fx.ts';
import { DAY_MS, dayOf } from '../lib/time.ts';

/** The documented page block (contract 8.4–8.6) over an in-memory list. */
export function paginate<T>(items: T[], limit: number, offset: number) {
  const page = items.slice(offset, offset + limit);
  return {
    page,
    pagination: {
      limit,
      offset,
      returned_count: page.length,
      totalCount: items.length,
      hasNextPage: offset + page.length < items.length,
      hasPreviousPage: offset > 0,
    },
  };
}

const has = (list: string[] | undefined, ...values: (string | null | undefined)[]) =>
  !list || values.some((v) => v !== null && v !== undefined && list.some((x) => x.toLowerCase() === v.toLowerCase()));

export type PortfolioDeps = { db: Db; clock: Clock; cache: ReadCache };

/** `api`: the data area at `/api/v1`. */
export function portfolioRoutes(api: RouteArea, { db, clock, cache }: PortfolioDeps): void {
  const deps = { db, cache };

  api.get(
    '/holdings',
    {
      query: HoldingsQuery,
      summary: 'Holdings per asset with cost basis, unrealised PnL, ROI, 24 h change and distribution per account (portfolios:read)',
      description:
        'Quantities are exact decimal strings; money is a decimal string rounded to 8 dp and summary totals are the exact sums of the rows. roi is 0 when the cost basis is unknown (hasCostBasis=false).',
    },
    requireScope('portfolios:read'),
    async (req, res) => {
      const q = HoldingsQuery.parse(req.query);
      const g = grantOf(res);
      const now = clock.now();
      // Serialized once per workspace, options and day, and served until the next write.
      const body = await deps.cache.getSized(
        `holdings:${g.workspaceId}:${q.isSpam}:${q.calculatedBalances}:${Math.floor(now / DAY_MS)}:${await workspaceCurrency(db, g.workspaceId)}`,
        async () => {
          const { holdings, summary } = await computeHoldings(deps, g.workspaceId, { includeSpam: q.isSpam, calculated: q.calculatedBalances }, now);
          return `"holdings":${JSON.stringify(holdings)},"summary":${JSON.stringify(summary)}`;
        },
      );
      res.type('application/json').send(`{"message":"User holdings retrieved successfully",${body},"user_id":${JSON.stringify(g.userId)},"timestamp":${now}}`);
    },
  );

  api.get(
    '/balances',
    { tag: 'Data (ours)', query: BalancesQuery, summary: 'Live quantities and values per integration and asset (balances:read)' },
    requireScope('balances:read'),
    async (req, res) => {
      const q = BalancesQuery.parse(req.query);
      const g = grantOf(res);
      const day = dayOf(clock.now());
      const [entries, integrations] = await Promise.all([liveEntries(deps, g.workspaceId), listIntegrationAccounts(db, g.workspaceId)]);
      const assets = await pricedAssets(
        deps,
        entries.map((e) => e.assetId),
        day,
      );
      const accounts = integrations
        .filter((i) => has(q.walletId, i.id))
        .map((i) => {
          const rows = entries
            .filter((e) => e.walletId === i.id && has(q.currencyId, e.assetId) && (q.isSpam || assets.get(e.assetId)?.is_spam !== 1))
            .map((e) => {
              const a = assets.get(e.assetId);
              const value = a?.price ? roundMoney(e.quantity.times(a.price)) : ZERO;
              return {
                value,
                view: {
                  asset: assetRef(a, e.assetId),
                  assetId: e.assetId,
                  quantity: quantity(e.quantity),
                  marketPrice: a?.price ?? null,
                  marketValue: money(value),
                  baseCurrency: 'USD',
                },
              };
            });
          const total = sum(rows.map((r) => r.value));
          return {
            total,
            view: {
              walletId: i.id,
              provider: i.provider,
              publicAddress: i.address,
              chain: i.chain,
              balances: rows.map((r) => r.view),
              totalValue: money(total),
              baseCurrency: 'USD',
            },
          };
        });
      res.json({
        message: 'Balances retrieved successfully',
        data: accounts.map((a) => a.view),
        summary: { totalValue: money(sum(accounts.map((a) => a.total))), baseCurrency: 'USD' },
        user_id: g.userId,
        timestamp: clock.now(),
      });
    },
  );

  const defi = async (req: Request, res: Response, message: string) => {
    const q = DefiQuery.parse(req.query);
    const g = grantOf(res);
    const all = (await computeDefi(deps, g.workspaceId, clock.now())).filter(
      (d) => has(q.source, d.row.integration_id, d.row.provider) && matchesProtocol(q.protocol, d.row.protocol) && has(q.chain, d.row.chain),
    );
    const { page, pagination } = paginate(all, q.limit, q.offset);
    const totalValue = sum(all.map((d) => d.assetsValue));
    const totalDebt = sum(all.map((d) => d.debt));
    res.json({
      message,
      holdings: page.map((d) => d.view),
      pagination,
      totals: { totalValue: money(totalValue), totalDebt: money(totalDebt), netValue: money(totalValue.minus(totalDebt)), baseCurrency: 'USD' },
      user_id: g.userId,
      timestamp: clock.now(),
    });
  };
  api.get(
    '/defi-holdings',
    { query: DefiQuery, summary: 'DeFi positions by protocol with values (portfolios:read)' },
    requireScope('portfolios:read'),
    (req, res) => defi(req, res, 'User DeFi holdings retrieved successfully'),
  );
  api.get(
    '/defi',
    { tag: 'Data (ours)', query: DefiQuery, summary: 'The same DeFi positions behind the finer defi:read scope' },
    requireScope('defi:read'),
    (req, res) => defi(req, res, 'DeFi positions retrieved successfully'),
  );

  const nfts = async (req: Request, res: Response, message: string) => {
    const q = NftQuery.parse(req.query);
    const g = grantOf(res);
    const all = (await listNfts(db, g.workspaceId)).filter((n) => {
      const c = JSON.parse(n.collection || '{}') as { collectionId?: string; name?: string };
      return (
        (q.isSpam || n.is_spam === 0) &&
        has(q.source, n.integration_id, n.provider) &&
        has(q.collection, c.collectionId, c.name) &&
        has(q.chain, n.chain) &&
        (!q.tokenId || n.token_id === q.tokenId) &&
        (!q.contract || n.contract.toLowerCase() === q.contract.toLowerCase())
      );
    });
    const { page, pagination } = paginate(all, q.limit, q.offset);
    res.json({
      message,
      data: page.map(nftView),
      pagination,
      totalValue: { price: money(sum(all.map(nftValue))), baseCurrency: 'USD' },
      user_id: g.userId,
      timestamp: clock.now(),
    });
  };
  api.get(
    '/nft-holdings',
    { query: NftQuery, summary: 'NFTs held, with collection and last sale (portfolios:read)' },
    requireScope('portfolios:read'),
    (req, res) => nfts(req, res, 'User NFT holdings retrieved successfully'),
  );
  api.get('/nfts', { tag: 'Data (ours)', query: NftQuery, summary: 'The same NFTs behind the finer nft:read scope' }, requireScope('nft:read'), (req, res) =>
    nfts(req, res, 'NFTs retrieved successfully'),
  );

  api.get(
    '/profiling',
    { query: EmptyQuery, summary: 'Portfolio insights: classification, size, breakdown and activity (portfolios:read)' },
    requireScope('portfolios:read'),
    async (req, res) => {
      EmptyQuery.parse(req.query);
      const g = grantOf(res);
      res.json(await profile(deps, g.workspaceId, g.userId, clock.now()));
    },
  );
}
