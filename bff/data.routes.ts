/**
 * `GET /api/kryptos/data/:resource` — the app's reads of the shared portfolio, forwarded to
 * `${CONNECT_URL}/api/v1/<resource>` with the user's Bearer token and the client headers
 * (contract section 8). A fixed allow-list of resources, and per resource of query
 * parameter names (T31); status and body come back as the data API sent them.
 */
import { Router } from 'express';
import type { BffContext } from './context.ts';
import { requirePartnerUser } from './partner-user.ts';
import { dataError, HttpError } from './errors.ts';
import { DecryptionError } from './crypto.ts';

const PAGING = ['limit', 'offset'];

/** Resource → the query parameters the contract documents for it (section 8.2–8.8). */
export const DATA_RESOURCES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  userinfo: [],
  integrations: ['page', 'pageSize', 'searchedKey'],
  holdings: ['isSpam', 'calculatedBalances'],
  transactions: [
    'walletId',
    'currencyId',
    'trxId',
    'isNft',
    'isMissingPrice',
    'isMissingPurchase',
    'isEdited',
    'isManual',
    'transactionType',
    'label',
    'order',
    'timeStart',
    'timeEnd',
    'isSpam',
    ...PAGING,
  ],
  'defi-holdings': ['source', 'protocol', 'chain', ...PAGING],
  'nft-holdings': ['source', 'collection', 'chain', 'tokenId', 'contract', 'isSpam', ...PAGING],
  profiling: [],
});

const MAX_VALUE = 512;

/** The allowed query of `originalUrl`, rebuilt; a parameter off the list is a 400. */
function allowedQuery(originalUrl: string, allowed: readonly string[]): URLSearchParams {
  const q = originalUrl.indexOf('?');
  const incoming = new URLSearchParams(q === -1 ? '' : originalUrl.slice(q + 1));
  const out = new URLSearchParams();
  for (const [name, value] of incoming) {
    if (!allowed.includes(name)) throw dataError(400, 'invalid_parameters', `Query parameter "${name.slice(0, 40)}" is not supported here`);
    if (value.length > MAX_VALUE) throw dataError(400, 'invalid_parameters', `Query parameter "${name}" is too long`);
    out.append(name, value);
  }
  return out;
}

export function dataRoutes(ctx: BffContext): Router {
  const router = Router();

  router.get('/api/kryptos/data/:resource', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const resource = String(req.params.resource);
    const allowed = Object.hasOwn(DATA_RESOURCES, resource) ? DATA_RESOURCES[resource] : undefined;
    if (!allowed) throw dataError(404, 'not_found', 'No such data resource');
    const query = allowedQuery(req.originalUrl, allowed);
    let userId: string;
    try {
      userId = await requirePartnerUser(ctx, req);
    } catch (error) {
      if (error instanceof HttpError) throw dataError(401, 'unauthorized', error.message);
      throw error;
    }
    let connection;
    try {
      connection = await ctx.store.find(userId);
    } catch (error) {
      if (error instanceof DecryptionError) throw dataError(401, 'unauthorized', 'The stored connection cannot be read; connect again');
      throw error;
    }
    if (!connection) throw dataError(401, 'unauthorized', 'Not connected to Kryptos; connect first');
    const upstream = await ctx.connect.data(resource, query, connection.accessToken);
    if (upstream.retryAfter) res.set('Retry-After', upstream.retryAfter);
    res
      .status(upstream.status)
      .type(upstream.contentType?.startsWith('application/json') ? 'application/json' : 'text/plain')
      .send(upstream.body);
  });

  return router;
}
