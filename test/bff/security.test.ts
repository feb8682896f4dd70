/** The BFF's browser-facing defences: the session cookie, CSRF, and the two allow-listed proxies. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAgent, startHarness, type Harness } from './helpers.ts';

/** A raw request (no URL normalisation by fetch), for traversal and absolute-form tests. */
function rawRequest(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('BFF security', () => {
  let h: Harness;
  let port: number;
  before(async () => {
    h = await startHarness();
    port = Number(new URL(h.bff.url).port);
  });
  after(() => h.close());

  describe('session cookie', () => {
    it('is __Host-, Secure, HttpOnly, SameSite=Strict, Path=/, without Domain', async () => {
      const agent = createAgent(h.bff.url);
      const res = await agent.login('cookie-user');
      assert.equal(res.status, 200);
      assert.equal(res.setCookie.length, 1);
      const [pair, ...attrs] = res.setCookie[0]!.split(';').map((s) => s.trim());
      assert.match(pair!, /^__Host-kc_session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      const lower = attrs.map((a) => a.toLowerCase());
      assert.ok(lower.includes('secure'));
      assert.ok(lower.includes('httponly'));
      assert.ok(lower.includes('samesite=strict'));
      assert.ok(lower.includes('path=/'));
      assert.ok(!lower.some((a) => a.startsWith('domain')));
      assert.equal((await agent.call('GET', '/api/demo/me')).json.username, 'cookie-user');
    });

    it('refuses a forged or tampered cookie, and logout ends the session', async () => {
      const agent = createAgent(h.bff.url);
      await agent.login('victim');
      const cookie = agent.cookie!;
      const tampered = cookie.slice(0, -2) + (cookie.endsWith('A') ? 'BB' : 'AA');
      const forged = await fetch(`${h.bff.url}/api/demo/me`, { headers: { Cookie: tampered } });
      assert.equal(((await forged.json()) as { username: unknown }).username, null);
      await agent.call('POST', '/api/demo/logout');
      const replay = await fetch(`${h.bff.url}/api/demo/me`, { headers: { Cookie: cookie } });
      assert.equal(((await replay.json()) as { username: unknown }).username, null);
    });

    it('rotates the session id on sign-in (no fixation)', async () => {
      const agent = createAgent(h.bff.url);
      await agent.login('first');
      const before = agent.cookie;
      await agent.login('second');
      assert.notEqual(agent.cookie, before);
      const old = await fetch(`${h.bff.url}/api/demo/me`, { headers: { Cookie: before! } });
      assert.equal(((await old.json()) as { username: unknown }).username, null);
    });
  });

  describe('CSRF', () => {
    it('answers 403 to every state-changing call without X-Requested-With: kryptos-connect', async () => {
      const agent = createAgent(h.bff.url);
      await agent.login('csrf-user');
      const calls: [string, string, unknown][] = [
        ['POST', '/api/kryptos/link-token', {}],
        ['POST', '/api/kryptos/exchange', { public_token: 'public_x' }],
        ['DELETE', '/api/kryptos/connection', undefined],
        ['POST', '/api/demo/login', { username: 'attacker' }],
        ['POST', '/api/demo/logout', undefined],
        ['PUT', '/api/kryptos/connection', {}],
        ['PATCH', '/api/kryptos/connection', {}],
      ];
      for (const [method, path, body] of calls) {
        const res = await agent.call(method, path, { body, csrf: false });
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.equal(res.json.code, 'CSRF_HEADER_REQUIRED');
        const wrong = await agent.call(method, path, { body, csrf: false, headers: { 'X-Requested-With': 'XMLHttpRequest' } });
        assert.equal(wrong.status, 403, `${method} ${path} with a foreign value`);
      }
      assert.equal((await agent.call('GET', '/api/demo/me')).json.username, 'csrf-user');
    });

    it('refuses non-JSON bodies (a cross-site form cannot post JSON without a preflight)', async () => {
      const res = await fetch(`${h.bff.url}/api/demo/login`, {
        method: 'POST',
        body: 'username=x',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Requested-With': 'kryptos-connect' },
      });
      assert.equal(res.status, 415);
    });

    it('requires X-LINK-TOKEN on every widget-proxy call', async () => {
      const res = await rawRequest(port, 'POST', '/kryptos/widget/auth/guest', { 'Content-Type': 'application/json' }, '{}');
      assert.equal(res.status, 403);
      assert.equal(JSON.parse(res.body).code, 'LINK_TOKEN_REQUIRED');
      const get = await rawRequest(port, 'GET', '/kryptos/widget/session');
      assert.equal(get.status, 403);
    });

    it('sends no CORS headers, so a cross-site preflight is never approved', async () => {
      const res = await fetch(`${h.bff.url}/api/kryptos/link-token`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-requested-with' },
      });
      assert.equal(res.headers.get('access-control-allow-origin'), null);
      assert.equal(res.headers.get('access-control-allow-headers'), null);
    });
  });

  describe('widget proxy allow-list', () => {
    let evil: http.Server;
    let evilHits = 0;
    let evilPort: number;
    let linkToken: string;
    before(async () => {
      evil = http.createServer((_req, res) => {
        evilHits++;
        res.end('{"success":true,"data":{}}');
      });
      await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
      evilPort = (evil.address() as AddressInfo).port;
      const agent = createAgent(h.bff.url);
      await agent.login('proxy-user');
      linkToken = (await agent.call('POST', '/api/kryptos/link-token', { body: {} })).json.link_token;
    });
    after(() => new Promise<void>((r) => evil.close(() => r())));

    it('refuses every path and method off the list, including traversal and encoded traversal', async () => {
      const headers = { 'X-LINK-TOKEN': linkToken, 'Content-Type': 'application/json' };
      const refused: [string, string, number][] = [
        ['GET', '/kryptos/widget/../admin/clients', 404],
        ['GET', '/kryptos/widget/%2e%2e/admin/clients', 404],
        ['GET', '/kryptos/widget/..%2fadmin%2fclients', 404],
        ['GET', '/kryptos/widget/%2E%2E%2F%2E%2E%2Fadmin%2Fclients', 404],
        ['GET', '/kryptos/widget/session/../../admin/clients', 404],
        ['GET', '/kryptos/widget/x', 404],
        ['GET', '/kryptos/widget/', 404],
        ['GET', '/kryptos/widget/Session', 404],
        ['GET', '/kryptos/widget/session/', 404],
        ['GET', '/kryptos/widget//session', 404],
        ['PUT', '/kryptos/widget/session', 405],
        ['POST', '/kryptos/widget/session', 405],
        ['DELETE', '/kryptos/widget/session', 405],
        ['PATCH', '/kryptos/widget/integrations', 405],
        ['GET', '/kryptos/widget/auth/guest', 405],
        ['DELETE', '/kryptos/widget/integrations/..%2F..%2Fadmin', 404],
        ['DELETE', '/kryptos/widget/integrations/wallet_1/extra', 404],
        ['GET', `/kryptos/widget//127.0.0.1:${evilPort}/session`, 404],
        ['GET', `/kryptos/widget/http://127.0.0.1:${evilPort}/session`, 404],
        ['GET', '/kryptos/widget/integrations%2f..%2f..%2fadmin', 404],
      ];
      for (const [method, path, status] of refused) {
        const res = await rawRequest(port, method, path, headers, method === 'GET' || method === 'DELETE' ? undefined : '{}');
        assert.equal(res.status, status, `${method} ${path} → ${res.status} ${res.body}`);
        assert.equal(JSON.parse(res.body).success, false);
      }
    });

    it('forwards allow-listed calls to the configured connect server only, whatever the request says', async () => {
      // Absolute-form request targets are refused; everything else reaches the configured server (200, its session).
      const attempts: [string, Record<string, string>, number][] = [
        [`/kryptos/widget/session?url=http://127.0.0.1:${evilPort}/`, {}, 200],
        [`http://127.0.0.1:${evilPort}/kryptos/widget/session`, {}, 404],
        ['/kryptos/widget/session', { Host: `127.0.0.1:${evilPort}` }, 200],
        ['/kryptos/widget/session', { 'X-Forwarded-Host': `127.0.0.1:${evilPort}`, Forwarded: `host=127.0.0.1:${evilPort}` }, 200],
      ];
      for (const [path, extra, status] of attempts) {
        const res = await rawRequest(port, 'GET', path, { 'X-LINK-TOKEN': linkToken, ...extra });
        assert.equal(res.status, status, `${path} → ${res.status} ${res.body}`);
        if (status === 200) assert.equal(JSON.parse(res.body).data.client.name, 'Acme Test', path);
      }
      assert.equal(evilHits, 0);
    });

    it("passes the connect server's envelope and status back", async () => {
      const res = await rawRequest(
        port,
        'POST',
        '/kryptos/widget/integrations',
        { 'X-LINK-TOKEN': linkToken, 'Content-Type': 'application/json' },
        '{"provider":"ethereum","address":"0x47c2e31e9ce22437bcf6313d2b9e98245a7bfcfa"}',
      );
      assert.equal(res.status, 409);
      assert.equal(JSON.parse(res.body).code, 'SIGN_IN_REQUIRED');
      const bad = await rawRequest(port, 'GET', '/kryptos/widget/session', { 'X-LINK-TOKEN': 'link_0000000000000000000000000000000000000000000000000' });
      assert.equal(bad.status, 401);
      assert.equal(JSON.parse(bad.body).code, 'INVALID_TOKEN');
    });
  });

  describe('data route allow-list', () => {
    it('refuses resources and query parameters off the list', async () => {
      const agent = createAgent(h.bff.url);
      await agent.login('data-user');
      for (const path of [
        'admin',
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        '..%2Fadmin',
        '..%2F..%2Fadmin%2Fclients',
        'holdings/extra',
        'v1',
        '',
      ]) {
        const res = await agent.call('GET', `/api/kryptos/data/${path}`);
        assert.equal(res.status, 404, path);
        assert.equal(res.json.error, 'not_found');
      }
      const raw = await rawRequest(port, 'GET', '/api/kryptos/data/../../admin/clients');
      assert.equal(raw.status, 404);
      const param = await agent.call('GET', '/api/kryptos/data/holdings?access_token=x');
      assert.equal(param.status, 400);
      assert.equal(param.json.error, 'invalid_parameters');
      const other = await agent.call('GET', '/api/kryptos/data/userinfo?limit=5');
      assert.equal(other.status, 400);
      const post = await agent.call('POST', '/api/kryptos/data/holdings', { body: {} });
      assert.equal(post.status, 404);
    });

    it('needs a signed-in, connected user', async () => {
      const anonymous = await fetch(`${h.bff.url}/api/kryptos/data/holdings`);
      assert.equal(anonymous.status, 401);
      const agent = createAgent(h.bff.url);
      await agent.login('not-connected');
      const res = await agent.call('GET', '/api/kryptos/data/transactions?limit=10&order=desc');
      assert.equal(res.status, 401);
      assert.equal(res.json.error, 'unauthorized');
    });
  });

  describe('headers', () => {
    it('sends the CSP, HSTS and frame protections', async () => {
      const res = await fetch(`${h.bff.url}/api/demo/me`);
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const d of [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        `img-src 'self' data: ${h.connect.url}`,
        `connect-src 'self' ${h.connect.url}`,
      ]) {
        assert.ok(csp.includes(d), `${d} in ${csp}`);
      }
      assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=31536000/);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    });
  });
});
