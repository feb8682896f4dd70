/**
 * The browser surface (docs/security-model.md T19, T21, T23, T25, T26): CORS on /widget answers
 * registered origins exactly, with Vary: Origin, and never `*`; security headers on every
 * response; catalogue logos loadable cross-origin; no-store on every credential response.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, guestPublicToken, linkToken, newClient, startTestServer, widget, type Reply, type TestClient, type TestServer } from '../helpers.ts';
import { expectError } from './support.ts';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789abcdef0123456789' };
const A_ORIGIN = 'https://partner-a.example';
const B_ORIGIN = 'https://partner-b.example';

let server: TestServer;
let a: TestClient;

before(async () => {
  server = await startTestServer();
  a = await newClient(server, { name: 'A', origins: [A_ORIGIN] });
  await newClient(server, { name: 'B', origins: [B_ORIGIN] });
});
after(() => server.stop());

const preflight = (origin: string, path = '/widget/session', method = 'GET') =>
  fetch(`${server.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'x-link-token,content-type' },
  });

describe('CORS on /widget', () => {
  test('a preflight from a registered origin: 204, the exact origin echoed, Vary: Origin, X-LINK-TOKEN allowed', async () => {
    for (const path of ['/widget/session', '/widget/consent', '/widget/integrations/wallet_000000000000000000000000']) {
      const r = await preflight(A_ORIGIN, path, 'POST');
      assert.equal(r.status, 204, path);
      assert.equal(r.headers.get('access-control-allow-origin'), A_ORIGIN);
      assert.match(r.headers.get('vary') ?? '', /\bOrigin\b/i);
      const allowed = (r.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
      assert.ok(allowed.includes('x-link-token'), allowed.join());
      assert.ok(allowed.includes('content-type'));
      assert.equal(r.headers.get('access-control-allow-credentials'), null, 'no cookies across origins');
    }
  });

  test('a preflight from an unregistered origin: 403 and no Access-Control-Allow-Origin', async () => {
    for (const origin of ['https://evil.example', 'null', `${A_ORIGIN}.evil.example`, A_ORIGIN.replace('https', 'http'), `${A_ORIGIN}:443`]) {
      const r = await preflight(origin);
      assert.equal(r.status, 403, origin);
      assert.equal(r.headers.get('access-control-allow-origin'), null, origin);
      assert.match(r.headers.get('vary') ?? '', /\bOrigin\b/i);
    }
  });

  test('a real widget call from the client’s origin is answered for that origin only', async () => {
    const { link_token } = await linkToken(server, a);
    const r = await widget(server, link_token)('GET', '/session', undefined, { origin: A_ORIGIN });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), A_ORIGIN);
    assert.match(r.headers.get('vary') ?? '', /\bOrigin\b/i);
  });

  test('client A’s link token from client B’s registered origin: 403 ORIGIN_NOT_ALLOWED without ACAO', async () => {
    const { link_token } = await linkToken(server, a);
    for (const [method, path, body] of [
      ['GET', '/session', undefined],
      ['POST', '/auth/guest', {}],
      ['POST', '/consent', { scopes: ['openid'] }],
    ] as const) {
      const r = await widget(server, link_token)(method, path, body, { origin: B_ORIGIN });
      expectError(r, 'ORIGIN_NOT_ALLOWED', path);
      assert.equal(r.headers.get('access-control-allow-origin'), null);
    }
    const session = await widget(server, link_token)('GET', '/session');
    assert.equal(session.body.data.user, null, 'the refused calls changed nothing');
  });

  test('never `*` on /widget: no Origin, unknown Origin, errors and successes', async () => {
    const { link_token } = await linkToken(server, a);
    const replies: Reply[] = [
      await widget(server, link_token)('GET', '/session'),
      await widget(server, link_token)('GET', '/session', undefined, { origin: 'https://evil.example' }),
      await call(server, 'GET', '/widget/session', { headers: { origin: A_ORIGIN } }),
      await call(server, 'GET', '/widget/session', { headers: { origin: 'https://evil.example' } }),
      await widget(server, 'link_bad')('GET', '/session', undefined, { origin: B_ORIGIN }),
    ];
    for (const r of replies) assert.notEqual(r.headers.get('access-control-allow-origin'), '*');
    assert.equal(replies[0]!.headers.get('access-control-allow-origin'), null);
    assert.equal(replies[1]!.headers.get('access-control-allow-origin'), null);
    assert.equal(replies[3]!.headers.get('access-control-allow-origin'), null);
  });
});

describe('security headers', () => {
  test('HSTS, CSP, Referrer-Policy and nosniff on every family of response', async () => {
    const { link_token } = await linkToken(server, a);
    const replies: [string, Reply][] = [
      ['health', await call(server, 'GET', '/health')],
      ['catalogue', await call(server, 'GET', '/integrations/public/list')],
      ['logo', await call(server, 'GET', '/integrations/logos/ethereum.svg')],
      ['docs', await call(server, 'GET', '/docs')],
      ['404', await call(server, 'GET', '/nope')],
      ['partner error', await call(server, 'POST', '/link-token', { body: { scopes: 'openid' } })],
      ['partner ok', await call(server, 'POST', '/link-token', { headers: a.headers, body: { scopes: 'openid' } })],
      ['widget', await widget(server, link_token)('GET', '/session')],
      [
        'preflight',
        await (async () => {
          const r = await preflight(A_ORIGIN);
          return { status: r.status, headers: r.headers, body: null };
        })(),
      ],
      ['data error', await call(server, 'GET', '/api/v1/userinfo')],
      ['admin', await call(server, 'GET', '/admin/clients', { headers: ADMIN })],
      ['413', await call(server, 'POST', '/link-token', { headers: a.headers, body: { state: 'x'.repeat(40_000) } })],
      ['415', await call(server, 'POST', '/link-token', { headers: { ...a.headers, 'content-type': 'text/plain' }, raw: 'x' })],
    ];
    for (const [name, r] of replies) {
      const hsts = r.headers.get('strict-transport-security') ?? '';
      const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1]);
      assert.ok(maxAge >= 31_536_000, `${name}: HSTS ${hsts}`);
      assert.match(hsts, /includeSubDomains/, name);
      const csp = r.headers.get('content-security-policy') ?? '';
      assert.match(csp, /base-uri 'none'/, `${name}: ${csp}`);
      assert.match(csp, /frame-ancestors 'none'/, name);
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer', name);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', name);
      assert.equal(r.headers.get('x-powered-by'), null, name);
    }
  });

  test('catalogue logos are served with CORP cross-origin; API responses stay same-origin', async () => {
    const logo = await call(server, 'GET', '/integrations/logos/ethereum.svg');
    assert.equal(logo.status, 200);
    assert.equal(logo.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.match(logo.headers.get('content-type') ?? '', /image\/svg\+xml/);
    assert.equal((await call(server, 'GET', '/health')).headers.get('cross-origin-resource-policy'), 'same-origin');
  });
});

describe('Cache-Control: no-store on every credential response', () => {
  const noStore = (r: Reply, name: string) => assert.match(r.headers.get('cache-control') ?? '', /\bno-store\b/, name);

  test('link token, consent, exchange, sandbox public token, admin create and rotate', async () => {
    noStore(await call(server, 'POST', '/link-token', { headers: a.headers, body: { scopes: 'openid' } }), '/link-token');
    const { link_token } = await linkToken(server, a);
    const w = widget(server, link_token);
    await w('POST', '/auth/guest', {});
    await w('POST', '/integrations', { provider: 'ethereum', address: '0x47c2e31e9ce22437bcf6313d2b9e98245a7bfcfa' });
    const consent = await w('POST', '/consent', { scopes: ['openid'] });
    assert.equal(consent.status, 200);
    noStore(consent, '/widget/consent');
    const ex = await call(server, 'POST', '/token/exchange', { headers: a.headers, body: { public_token: consent.body.data.public_token } });
    assert.equal(ex.status, 200);
    noStore(ex, '/token/exchange');
    const sandbox = await call(server, 'POST', '/sandbox/public-token', { headers: a.headers, body: { scopes: 'openid' } });
    assert.equal(sandbox.status, 200);
    noStore(sandbox, '/sandbox/public-token');
    const created = await call(server, 'POST', '/admin/clients', { headers: ADMIN, body: { name: 'Made by admin' } });
    assert.equal(created.status, 201);
    noStore(created, 'admin create');
    const rotated = await call(server, 'POST', `/admin/clients/${created.body.data.client_id}/rotate-secret`, { headers: ADMIN, body: {} });
    assert.equal(rotated.status, 200);
    noStore(rotated, 'admin rotate');
    noStore(
      await call(server, 'POST', '/link-token/check-session', { headers: a.headers, body: { access_token: ex.body.data.access_token } }),
      'check-session',
    );
    noStore(await call(server, 'POST', '/token/exchange', { headers: a.headers, body: { public_token: consent.body.data.public_token } }), 'exchange error');
    const { public_token } = await guestPublicToken(server, a);
    assert.match(public_token, /^public_/);
  });
});
