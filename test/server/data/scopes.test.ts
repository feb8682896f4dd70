/**
 * The scope matrix (docs/security-model.md T9, T10, T14): every data route answers 2xx with its scope and
 * 403 `forbidden` (with `WWW-Authenticate: Bearer error="insufficient_scope"`) with every
 * other scope but that one; after a revoke, 401 on every route; a malformed, unknown or
 * foreign-client token is 401 too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newClient, SANDBOX_ETH, SANDBOX_SOL, startTestServer, type TestClient, type TestServer } from '../helpers.ts';
import { A, ALL_SCOPES, connectWorkspace, withoutSync, seedAssets } from './fixtures.ts';

type Case = { method: string; path: string; scope: string; body?: () => unknown };

let server: TestServer;
let client: TestClient;
let walletId = '';

const CASES: Case[] = [
  { method: 'GET', path: '/api/v1/userinfo', scope: 'users:read' },
  { method: 'GET', path: '/api/v1/holdings', scope: 'portfolios:read' },
  { method: 'GET', path: '/api/v1/transactions', scope: 'transactions:read' },
  { method: 'GET', path: '/api/v1/defi-holdings', scope: 'portfolios:read' },
  { method: 'GET', path: '/api/v1/nft-holdings', scope: 'portfolios:read' },
  { method: 'GET', path: '/api/v1/profiling', scope: 'portfolios:read' },
  { method: 'GET', path: '/api/v1/integrations', scope: 'integrations:read' },
  {
    method: 'POST',
    path: '/api/v0/transactions',
    scope: 'transactions:write',
    body: () => ({
      walletId,
      transactions: [
        {
          timestamp: 1_700_000_000_000,
          transactionType: 'deposit',
          transactionId: `m-${Math.random()}`,
          receivedCurrency: { currency: A.native, amount: '1' },
        },
      ],
    }),
  },
  { method: 'GET', path: '/api/v1/balances', scope: 'balances:read' },
  { method: 'GET', path: '/api/v1/defi', scope: 'defi:read' },
  { method: 'GET', path: '/api/v1/nfts', scope: 'nft:read' },
  { method: 'GET', path: '/api/v1/workspace', scope: 'workspace:read' },
  { method: 'PATCH', path: '/api/v1/workspace', scope: 'workspace:write', body: () => ({ costBasisMethod: 'HIFO' }) },
  { method: 'POST', path: '/api/v1/integrations', scope: 'integrations:write', body: () => ({ provider: 'solana', address: SANDBOX_SOL }) },
];

before(async () => {
  server = await startTestServer();
  await withoutSync(server);
  client = await newClient(server, { scopes: ALL_SCOPES });
  await seedAssets(server.ctx.db, server.clock.now());
});
after(() => server.stop());

/** A fresh workspace with only the ETH sandbox address, granted exactly `scopes`. */
async function grant(scopes: string) {
  const ws = await connectWorkspace(server, client, scopes, [{ provider: 'ethereum', address: SANDBOX_ETH }]);
  walletId = ws.sandboxIntegrations[0]!;
  return ws;
}

const send = (c: Case, auth: Record<string, string>) => call(server, c.method, c.path, { headers: auth, body: c.body?.() });

describe('scope matrix', () => {
  for (const c of CASES) {
    test(`${c.method} ${c.path}: 2xx with ${c.scope}, 403 forbidden without it`, async () => {
      const withScope = await grant(`openid ${c.scope}`);
      const ok = await send(c, withScope.auth);
      assert.ok(ok.status === 200 || ok.status === 201, `${c.path} with scope: ${ok.status} ${JSON.stringify(ok.body)}`);

      const others = ALL_SCOPES.split(' ')
        .filter((s) => s !== c.scope)
        .join(' ');
      const without = await grant(others);
      const denied = await send(c, without.auth);
      assert.equal(denied.status, 403, JSON.stringify(denied.body));
      assert.equal(denied.body.error, 'forbidden');
      assert.match(denied.body.message, new RegExp(c.scope));
      assert.ok(Array.isArray(denied.body.details));
      assert.equal(denied.headers.get('www-authenticate'), 'Bearer error="insufficient_scope"');
    });
  }

  test('after a revoke every route answers 401 unauthorized', async () => {
    const ws = await grant(ALL_SCOPES);
    for (const c of CASES.filter((x) => x.method === 'GET')) assert.equal((await send(c, ws.auth)).status, 200, c.path);
    const revoke = await call(server, 'POST', '/token/revoke', { headers: client.headers, body: { grant_id: ws.grantId } });
    assert.equal(revoke.status, 200);
    for (const c of CASES) {
      const r = await send(c, ws.auth);
      assert.equal(r.status, 401, `${c.method} ${c.path}`);
      assert.equal(r.body.error, 'unauthorized');
      assert.equal(r.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    }
  });

  test('no token, a malformed token, an unknown well-formed token and a foreign client are 401', async () => {
    const ws = await grant(ALL_SCOPES);
    const other = await newClient(server, { scopes: ALL_SCOPES });
    const fake = ws.token.slice(0, 4) + 'A'.repeat(ws.token.length - 4);
    for (const headers of [
      {},
      { authorization: 'Bearer nope' },
      { authorization: `Bearer ${fake}` },
      { authorization: `Basic ${ws.token}` },
      { ...ws.auth, ...other.headers },
    ]) {
      const r = await call(server, 'GET', '/api/v1/holdings', { headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(r.body.error, 'unauthorized');
    }
    assert.equal((await call(server, 'GET', '/api/v1/holdings', { headers: { ...ws.auth, ...client.headers } })).status, 200);
  });

  test('every route is in the OpenAPI document with its query or body schema', async () => {
    const doc = (await call(server, 'GET', '/openapi.json')).body;
    for (const c of CASES) {
      const op = doc.paths[c.path]?.[c.method.toLowerCase()];
      assert.ok(op, `${c.method} ${c.path} missing`);
      if (c.body) assert.ok(op.requestBody, `${c.path} has no body schema`);
    }
    for (const path of [
      '/api/v1/transactions',
      '/api/v1/holdings',
      '/api/v1/defi-holdings',
      '/api/v1/nft-holdings',
      '/api/v1/integrations',
      '/api/v1/balances',
    ]) {
      assert.ok(doc.paths[path].get.parameters.length > 0, `${path} documents no query parameters`);
    }
    const tx = doc.paths['/api/v1/transactions'].get.parameters.map((p: { name: string }) => p.name);
    for (const name of [
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
      'limit',
      'offset',
      'isSpam',
      'cursor',
    ]) {
      assert.ok(tx.includes(name), name);
    }
  });
});
